/* Virtual time. The test owns the clock (nanoseconds since the partition was
 * created); TIME_REF_COUNT is that in 100 ns units, the virtual TSC runs at a
 * configurable rate from a configurable start value, and the reference TSC
 * page holds the scale and offset that turn one into the other:
 *     ref = high64(tsc * scale) + offset,  scale = 2^64 * 10^7 / tsc_hz.
 * Advancing the clock fires what falls due (timers, delayed messages, host
 * callbacks) in time order, with an interrupt window after each. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

#define NS_PER_S   1000000000ull
#define NS_PER_REF 100ull
#define REF_PER_S  10000000ull

uint64_t clock_ref_count(const struct hvsim *sim)
{
    return sim->now_ns / NS_PER_REF;
}

uint64_t hvsim_now_ns(const struct hvsim *sim)
{
    return sim->now_ns;
}

uint64_t hvsim_time_ref_count(const struct hvsim *sim)
{
    return clock_ref_count(sim);
}

static uint64_t tsc_at(const struct hvsim *sim, uint64_t ns)
{
    unsigned __int128 ticks = (unsigned __int128)(ns - sim->tsc_base_ns) * sim->tsc_hz / NS_PER_S;
    return sim->tsc_base + (uint64_t)ticks; /* wraps like a real 64-bit counter */
}

uint64_t hvsim_read_tsc(const struct hvsim *sim, uint32_t vp)
{
    (void)vp; /* one TSC for the partition: VPs are in sync */
    return tsc_at(sim, sim->now_ns);
}

/* ---- reference TSC page ---- */

void clock_write_tsc_page(struct hvsim *sim)
{
    if (!sim->tsc_page.active)
        return;
    uint8_t *page = sim->mem + sim->tsc_page.gpa;
    uint64_t scale = (uint64_t)(((unsigned __int128)REF_PER_S << 64) / sim->tsc_hz);
    uint64_t tsc = tsc_at(sim, sim->now_ns);
    uint64_t scaled = (uint64_t)(((unsigned __int128)tsc * scale) >> 64);
    int64_t offset = (int64_t)(clock_ref_count(sim) - scaled); /* two's complement difference */

    /* Sequence 0 while the fields change, so a concurrent reader retries or
     * falls back to the MSR; then a new non-zero, non-0xFFFFFFFF sequence. */
    st32_release(page, HVW_TSC_SEQUENCE, 0);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    st64(page, HVW_TSC_SCALE, scale);
    st64(page, HVW_TSC_OFFSET, (uint64_t)offset);
    if (!sim->tsc_valid) {
        sim_log(sim, "reference TSC page: sequence 0 (invalid)");
        return;
    }
    do {
        sim->tsc_sequence++;
    } while (sim->tsc_sequence == 0 || sim->tsc_sequence == 0xFFFFFFFFu);
    st32_release(page, HVW_TSC_SEQUENCE, sim->tsc_sequence);
    sim_log(sim, "reference TSC page: sequence %u scale 0x%" PRIx64 " offset %" PRId64,
            sim->tsc_sequence, scale, offset);
}

enum hvsim_msr_result clock_wrmsr_reference_tsc(struct hvsim *sim, uint64_t value)
{
    if (msr_rsvdp_rejected(sim, value, HVW_PAGE_MSR_RSVDP))
        return HVSIM_MSR_GP;
    if (value & HVW_PAGE_MSR_ENABLE) {
        if (!overlay_map(sim, &sim->tsc_page, value & ~0xFFFull))
            return HVSIM_MSR_GP; /* outside guest RAM, or on another overlay page */
        memset(sim->mem + sim->tsc_page.gpa, 0, HVW_PAGE);
        clock_write_tsc_page(sim);
    } else {
        overlay_unmap(sim, &sim->tsc_page);
    }
    sim->reference_tsc_msr = value;
    return HVSIM_MSR_OK;
}

int hvsim_set_tsc_frequency(struct hvsim *sim, uint64_t hz)
{
    if (hz <= REF_PER_S) /* the scale must fit in 64 bits */
        return -1;
    sim->tsc_base = tsc_at(sim, sim->now_ns);
    sim->tsc_base_ns = sim->now_ns;
    sim->tsc_hz = hz;
    clock_write_tsc_page(sim);
    return 0;
}

void hvsim_set_reference_tsc_valid(struct hvsim *sim, bool valid)
{
    sim->tsc_valid = valid;
    clock_write_tsc_page(sim);
}

/* ---- host callbacks in virtual time ---- */

int hvsim_call_at(struct hvsim *sim, uint64_t when_ns, hvsim_host_fn fn, void *ctx)
{
    if (!fn)
        return -1;
    if (sim->call_count == sim->call_cap) {
        size_t cap = sim->call_cap ? sim->call_cap * 2 : 16;
        struct hvsim_host_call *n = realloc(sim->calls, cap * sizeof(*n));
        if (!n)
            return -1;
        sim->calls = n;
        sim->call_cap = cap;
    }
    sim->calls[sim->call_count++] = (struct hvsim_host_call){when_ns, sim->seq++, fn, ctx};
    return 0;
}

static bool earliest_call(const struct hvsim *sim, size_t *index)
{
    bool found = false;
    *index = 0;
    for (size_t i = 0; i < sim->call_count; i++) {
        const struct hvsim_host_call *c = &sim->calls[i], *best = &sim->calls[*index];
        if (!found || c->when_ns < best->when_ns ||
            (c->when_ns == best->when_ns && c->seq < best->seq)) {
            *index = i;
            found = true;
        }
    }
    return found;
}

/* Run due host callbacks one at a time; each may schedule more. */
static void run_due_calls(struct hvsim *sim)
{
    size_t i = 0;
    while (earliest_call(sim, &i) && sim->calls[i].when_ns <= sim->now_ns) {
        struct hvsim_host_call c = sim->calls[i];
        sim->calls[i] = sim->calls[--sim->call_count];
        c.fn(c.ctx, sim);
    }
}

void clock_free(struct hvsim *sim)
{
    free(sim->calls);
}

/* ---- advancing ---- */

bool hvsim_next_event_ns(const struct hvsim *sim, uint64_t *when_ns)
{
    uint64_t t;
    bool found = false;
    size_t i = 0;
    if (stimer_next_due_ns(sim, &t)) {
        *when_ns = t;
        found = true;
    }
    if (synic_next_ready_ns(sim, &t) && (!found || t < *when_ns)) {
        *when_ns = t;
        found = true;
    }
    if (earliest_call(sim, &i) && (!found || sim->calls[i].when_ns < *when_ns)) {
        *when_ns = sim->calls[i].when_ns;
        found = true;
    }
    return found;
}

void clock_advance_to(struct hvsim *sim, uint64_t target_ns)
{
    uint64_t t;
    while (hvsim_next_event_ns(sim, &t) && t <= target_ns) {
        if (t > sim->now_ns)
            sim->now_ns = t;
        stimer_fire_due(sim);
        for (uint32_t i = 0; i < sim->cfg.vp_count; i++)
            synic_scan(sim, &sim->vps[i]);
        run_due_calls(sim);
        sim_interrupt_window(sim);
    }
    if (target_ns > sim->now_ns)
        sim->now_ns = target_ns;
}

void hvsim_advance_ns(struct hvsim *sim, uint64_t ns)
{
    uint64_t target = sim->now_ns + ns;
    if (target < sim->now_ns)
        target = UINT64_MAX;
    sim_enter(sim);
    clock_advance_to(sim, target);
    sim_leave(sim);
}

void hvsim_advance_late_ns(struct hvsim *sim, uint64_t ns)
{
    uint64_t target = sim->now_ns + ns;
    if (target < sim->now_ns)
        target = UINT64_MAX;
    sim_enter(sim);
    sim->late_until_ns = target;
    clock_advance_to(sim, target);
    sim->late_until_ns = 0;
    sim_leave(sim);
}

bool hvsim_advance_to_next_event(struct hvsim *sim)
{
    uint64_t t;
    if (!hvsim_next_event_ns(sim, &t))
        return false;
    sim_enter(sim);
    clock_advance_to(sim, t > sim->now_ns ? t : sim->now_ns);
    sim_leave(sim);
    return true;
}
