/* Synthetic timers STIMER0-3 of each VP. One-shot: COUNT is the absolute
 * reference time of expiry (a past value fires at once), and the timer turns
 * itself off when it fires. Periodic: COUNT is the period, the first expiry
 * one period after the timer is enabled, each next one a period after the
 * previous due time (no drift). Message mode queues HvMessageTimerExpired on
 * the configured SINT; direct mode raises the configured vector.
 *
 * Missed expirations: a timer has at most one expiry message waiting for its
 * slot. A periodic expiry that finds the previous message still undelivered
 * (or, in direct mode, its vector still pending) is merged into it and
 * counted in timer_missed; the waiting message keeps its first due time and
 * no burst follows. Periods that went by while hvsim itself could not run
 * (hvsim_advance_late_ns: the bridge catching its clock up with real time)
 * are skipped the same way: the first one expires, the others are counted
 * missed. The TLFS ("Timers", "Periodic Timers") lets Hyper-V shorten a few
 * periods to catch up, and skip expirations entirely when many were missed;
 * it never delivers one before its time. The Lazy bit is stored but changes
 * nothing. */
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

static uint32_t timer_sint(uint64_t config)
{
    return HVW_STIMER_SINT(config);
}

static uint8_t timer_vector(uint64_t config)
{
    return HVW_STIMER_VECTOR(config);
}

static void arm(struct hvsim *sim, struct hvsim_stimer *t)
{
    uint64_t now = clock_ref_count(sim);
    t->armed = true;
    if (t->config & HVW_STIMER_PERIODIC) {
        t->due = now + t->count;
        if (t->due < now)
            t->due = UINT64_MAX;
    } else {
        t->due = t->count;
    }
}

/* Apply the rules that can veto Enabled, then arm or disarm. */
static void update(struct hvsim *sim, struct hvsim_vp *vp, unsigned idx)
{
    struct hvsim_stimer *t = &vp->stimer[idx];
    if ((t->config & HVW_STIMER_ENABLED) && !(t->config & HVW_STIMER_DIRECT) &&
        timer_sint(t->config) == 0) {
        sim_log(sim, "vp%u stimer%u: SINTx 0 in message mode, timer disabled", vp->index, idx);
        t->config &= ~HVW_STIMER_ENABLED;
    }
    if ((t->config & HVW_STIMER_ENABLED) && t->count == 0) {
        sim_log(sim, "vp%u stimer%u: COUNT is 0, timer disabled", vp->index, idx);
        t->config &= ~HVW_STIMER_ENABLED;
    }
    if (t->config & HVW_STIMER_ENABLED)
        arm(sim, t);
    else
        t->armed = false;
}

static void fire(struct hvsim *sim, struct hvsim_vp *vp, unsigned idx)
{
    struct hvsim_stimer *t = &vp->stimer[idx];
    uint64_t due = t->due;
    uint64_t now = clock_ref_count(sim);

    /* Late: the whole gap went by at once, not only up to this expiry. */
    if (sim->late_until_ns != 0 && sim->late_until_ns / 100 > now)
        now = sim->late_until_ns / 100;

    vp->stats.timer_expirations[idx]++;
    if (t->config & HVW_STIMER_PERIODIC) {
        t->due = due + t->count;
        if (t->due < due) {
            t->armed = false; /* the next expiry is beyond the end of time */
        } else if (t->due <= now) {
            /* More than one period passed at once: skip, do not burst. */
            uint64_t skipped = (now - t->due) / t->count + 1;
            vp->stats.timer_missed[idx] += skipped;
            t->due += skipped * t->count;
        }
    } else {
        t->armed = false;
        t->config &= ~HVW_STIMER_ENABLED;
    }
    sim_log(sim, "vp%u stimer%u expired (due %llu)", vp->index, idx, (unsigned long long)due);

    if (t->config & HVW_STIMER_DIRECT) {
        uint8_t v = timer_vector(t->config);
        if (hvsim_irq_pending(sim, vp->index, v))
            vp->stats.timer_missed[idx]++;
        else
            apic_raise(sim, vp, v, false);
        return;
    }
    if (t->msg_queued) {
        vp->stats.timer_missed[idx]++;
        return;
    }
    uint8_t m[HVW_MSG_SLOT];
    memset(m, 0, sizeof(m));
    st32(m, HVW_MSG_TYPE, HVW_MSGTYPE_TIMER);
    st8(m, HVW_MSG_SIZE, HVW_TIMERMSG_SIZE);
    st32(m, HVW_MSG_PAYLOAD + HVW_TIMERMSG_INDEX, idx);
    st64(m, HVW_MSG_PAYLOAD + HVW_TIMERMSG_EXPIRY, due);   /* delivery time: set on delivery */
    t->msg_queued = true; /* before queueing: delivery may happen at once */
    if (synic_queue(sim, vp, timer_sint(t->config), m, 0, (int)idx) != HVSIM_OK) {
        t->msg_queued = false;
        vp->stats.timer_missed[idx]++;
        sim_log(sim, "vp%u stimer%u: SINT queue full, expiry lost", vp->index, idx);
    }
}

void stimer_fire_due(struct hvsim *sim)
{
    uint64_t now = clock_ref_count(sim);
    for (uint32_t i = 0; i < sim->cfg.vp_count; i++) {
        struct hvsim_vp *vp = &sim->vps[i];
        for (unsigned idx = 0; idx < HVW_STIMERS; idx++)
            if (vp->stimer[idx].armed && vp->stimer[idx].due <= now)
                fire(sim, vp, idx);
    }
}

bool stimer_next_due_ns(const struct hvsim *sim, uint64_t *when_ns)
{
    bool found = false;
    for (uint32_t i = 0; i < sim->cfg.vp_count; i++) {
        for (unsigned idx = 0; idx < HVW_STIMERS; idx++) {
            const struct hvsim_stimer *t = &sim->vps[i].stimer[idx];
            if (!t->armed)
                continue;
            uint64_t ns = t->due > UINT64_MAX / 100 ? UINT64_MAX : t->due * 100;
            if (!found || ns < *when_ns)
                *when_ns = ns;
            found = true;
        }
    }
    return found;
}

void stimer_message_delivered(struct hvsim *sim, struct hvsim_vp *vp, int timer)
{
    (void)sim;
    if (timer >= 0 && (unsigned)timer < HVW_STIMERS)
        vp->stimer[timer].msg_queued = false;
}

enum hvsim_msr_result stimer_rdmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t *value)
{
    (void)sim;
    unsigned idx = (msr - HVW_MSR_STIMER_CONFIG(0)) / 2;
    bool is_count = (msr - HVW_MSR_STIMER_CONFIG(0)) % 2;
    *value = is_count ? vp->stimer[idx].count : vp->stimer[idx].config;
    return HVSIM_MSR_OK;
}

enum hvsim_msr_result stimer_wrmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t value)
{
    unsigned idx = (msr - HVW_MSR_STIMER_CONFIG(0)) / 2;
    bool is_count = (msr - HVW_MSR_STIMER_CONFIG(0)) % 2;
    struct hvsim_stimer *t = &vp->stimer[idx];

    if (is_count) {
        t->count = value;
        if (value == 0)
            t->config &= ~HVW_STIMER_ENABLED; /* zero stops it, AutoEnable or not */
        else if (t->config & HVW_STIMER_AUTO_ENABLE)
            t->config |= HVW_STIMER_ENABLED;
    } else {
        if (value & HVW_STIMER_RSVDZ)
            return HVSIM_MSR_GP;
        if (value & HVW_STIMER_DIRECT) {
            if (!(sim->cfg.features & HVW_FEAT_DIRECT_STIMERS))
                return HVSIM_MSR_GP;
            if (timer_vector(value) < HVW_FIRST_VECTOR)
                return HVSIM_MSR_GP;
        }
        t->config = value;
    }
    update(sim, vp, idx);
    stimer_fire_due(sim); /* a one-shot already in the past fires now */
    return HVSIM_MSR_OK;
}
