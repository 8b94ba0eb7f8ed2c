/* hvsim: virtual time, the TSC, the reference TSC page, synthetic timers in
 * message and direct mode, GUEST_IDLE and host callbacks. */
#include <string.h>

#include "tests/hvsim/hvsim_test_guest.h"
#include "tests/unit/check.h"

#define TIMER_SINT 4
#define TIMER_VEC  0xB4

static struct hvsim *setup_cfg(struct hvsim_config *cfg, struct tg_irqs *irqs)
{
    struct hvsim *sim = tg_create(cfg);
    tg_enable_hypercalls(sim);
    tg_enable_synic(sim, 0);
    tg_set_sint(sim, 0, TIMER_SINT, TIMER_VEC, 0);
    if (irqs)
        tg_irqs_attach(sim, irqs);
    return sim;
}

static struct hvsim *setup(struct tg_irqs *irqs)
{
    return setup_cfg(NULL, irqs);
}

static uint64_t ref_count(struct hvsim *sim)
{
    uint64_t v = 0;
    hvsim_rdmsr(sim, 0, HV_MSR_TIME_REF_COUNT, &v);
    return v;
}

/* The guest's read of the reference TSC page, as section 2 gives it.
 * Returns false when the page says "use the MSR". */
static bool page_time(struct hvsim *sim, uint64_t *time_100ns)
{
    const struct hv_reference_tsc_page *p = hvsim_gpa_to_host(sim, TG_TSC_GPA, sizeof(*p));
    uint32_t seq;
    uint64_t tsc, scale;
    int64_t offset;
    do {
        seq = __atomic_load_n(&p->sequence, __ATOMIC_ACQUIRE);
        if (seq == 0 || seq == 0xFFFFFFFFu)
            return false;
        tsc = hvsim_read_tsc(sim, 0);
        scale = p->scale;
        offset = p->offset;
    } while (__atomic_load_n(&p->sequence, __ATOMIC_ACQUIRE) != seq);
    *time_100ns = (uint64_t)(((unsigned __int128)tsc * scale) >> 64) + (uint64_t)offset;
    return true;
}

static void check_page_matches(struct hvsim *sim, const char *where)
{
    uint64_t t = 0;
    bool ok = page_time(sim, &t);
    uint64_t r = ref_count(sim);
    CHECK(ok, "%s: page usable", where);
    int64_t diff = (int64_t)(t - r);
    CHECK(diff >= -1 && diff <= 1, "%s: page time %llu vs TIME_REF_COUNT %llu", where,
          (unsigned long long)t, (unsigned long long)r);
}

static void test_clock_and_tsc(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.tsc_hz = 3000000000ull;
    cfg.tsc_start = 5000;
    struct hvsim *sim = tg_create(&cfg);
    CHECK_EQ(hvsim_now_ns(sim), 0);
    CHECK_EQ(hvsim_read_tsc(sim, 0), 5000);
    hvsim_advance_ns(sim, 1000000); /* 1 ms */
    CHECK_EQ(hvsim_now_ns(sim), 1000000);
    CHECK_EQ(ref_count(sim), 10000);
    CHECK_EQ(hvsim_time_ref_count(sim), 10000);
    CHECK_EQ(hvsim_read_tsc(sim, 0), 5000 + 3000000);
    hvsim_advance_ns(sim, 99);
    CHECK_EQ(ref_count(sim), 10000); /* whole 100 ns units only */
    hvsim_advance_ns(sim, 1);
    CHECK_EQ(ref_count(sim), 10001);
    uint64_t v;
    hvsim_rdmsr(sim, 0, HV_MSR_VP_RUNTIME, &v);
    CHECK_EQ(v, 10001);
    CHECK(!hvsim_advance_to_next_event(sim), "nothing scheduled");
    CHECK_EQ(hvsim_now_ns(sim), 1000100);
    hvsim_destroy(sim);
}

static void test_reference_tsc_page_matches(void)
{
    const uint64_t freqs[] = {2500000000ull, 3123456789ull, 10000001ull};
    for (size_t f = 0; f < 3; f++) {
        struct hvsim_config cfg;
        hvsim_config_default(&cfg);
        cfg.tsc_hz = freqs[f];
        struct hvsim *sim = tg_create(&cfg);
        hvsim_advance_ns(sim, 12345);
        CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_REFERENCE_TSC, TG_TSC_GPA | 1), HVSIM_MSR_OK);
        check_page_matches(sim, "at enable");
        const uint64_t steps[] = {1, 37, 1000, 999999, 1000000000ull, 3600ull * 1000000000ull,
                                  10ull * 86400 * 1000000000ull};
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
            hvsim_advance_ns(sim, steps[i]);
            check_page_matches(sim, "after advance");
        }
        hvsim_destroy(sim);
    }
}

static void test_reference_tsc_sequence_rules(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint8_t *ram = hvsim_gpa_to_host(sim, TG_TSC_GPA, 4096);
    memset(ram, 0x77, 4096);
    const struct hv_reference_tsc_page *p = (const void *)ram;
    hvsim_wrmsr(sim, 0, HV_MSR_REFERENCE_TSC, TG_TSC_GPA | 1);
    uint64_t v;
    hvsim_rdmsr(sim, 0, HV_MSR_REFERENCE_TSC, &v);
    CHECK_EQ(v, TG_TSC_GPA | 1);
    uint32_t seq1 = p->sequence;
    CHECK(seq1 != 0 && seq1 != 0xFFFFFFFFu, "valid sequence, got 0x%x", seq1);
    CHECK_EQ(ram[100], 0); /* reserved part of the overlay reads zero */

    /* A new TSC rate (migration): new sequence, and the formula still holds. */
    hvsim_advance_ns(sim, 5000000);
    CHECK_EQ(hvsim_set_tsc_frequency(sim, 1800000000ull), 0);
    CHECK(p->sequence != seq1 && p->sequence != 0, "sequence changed");
    check_page_matches(sim, "after frequency change");
    hvsim_advance_ns(sim, 777777777);
    check_page_matches(sim, "later at the new rate");
    hvsim_rdmsr(sim, 0, HV_MSR_TSC_FREQUENCY, &v);
    CHECK_EQ(v, 1800000000ull);
    CHECK_EQ(hvsim_set_tsc_frequency(sim, 1000), -1);

    /* Invalid: sequence 0 tells the guest to read the MSR. */
    hvsim_set_reference_tsc_valid(sim, false);
    CHECK_EQ(p->sequence, 0);
    uint64_t t;
    CHECK(!page_time(sim, &t), "page refused while invalid");
    hvsim_set_reference_tsc_valid(sim, true);
    check_page_matches(sim, "valid again");

    /* Disable: the RAM under the overlay comes back; the MSR keeps what was written. */
    hvsim_wrmsr(sim, 0, HV_MSR_REFERENCE_TSC, TG_TSC_GPA);
    CHECK_EQ(ram[0], 0x77);
    CHECK_EQ(ram[4095], 0x77);
    hvsim_rdmsr(sim, 0, HV_MSR_REFERENCE_TSC, &v);
    CHECK_EQ(v, TG_TSC_GPA);
    hvsim_wrmsr(sim, 0, HV_MSR_REFERENCE_TSC, 0);
    hvsim_rdmsr(sim, 0, HV_MSR_REFERENCE_TSC, &v);
    CHECK_EQ(v, 0);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_REFERENCE_TSC, hvsim_guest_mem_size(sim) | 1), HVSIM_MSR_GP);
    hvsim_destroy(sim);
}

static struct hv_timer_message_payload timer_payload(struct hvsim *sim)
{
    struct hv_timer_message_payload p;
    memcpy(&p, tg_slot(sim, 0, TIMER_SINT)->payload, sizeof(p));
    return p;
}

static uint64_t msg_config(unsigned sint, uint64_t flags)
{
    return HV_STIMER_ENABLED | flags | ((uint64_t)sint << HV_STIMER_SINT_SHIFT);
}

static void test_oneshot_message_mode(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_advance_ns(sim, 100000); /* ref 1000 */
    /* Count first, then config with Enabled (the documented order). */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 2, 1500), HVSIM_MSR_OK); /* STIMER1 */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 2, msg_config(TIMER_SINT, 0)), HVSIM_MSR_OK);
    uint64_t when;
    CHECK(hvsim_next_event_ns(sim, &when) && when == 150000, "next event at 150000 ns");
    hvsim_advance_ns(sim, 49999);
    CHECK_EQ(irqs.count, 0);
    hvsim_advance_ns(sim, 1);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vector[0], TIMER_VEC);
    CHECK_EQ(irqs.time_ns[0], 150000);
    struct hv_message *slot = tg_slot(sim, 0, TIMER_SINT);
    CHECK_EQ(slot->header.message_type, HV_MESSAGE_TYPE_TIMER_EXPIRED);
    CHECK_EQ(slot->header.payload_size, 24);
    CHECK_EQ(slot->header.origination_id, 0);
    struct hv_timer_message_payload p = timer_payload(sim);
    CHECK_EQ(p.timer_index, 1);
    CHECK_EQ(p.expiration_time, 1500);
    CHECK_EQ(p.delivery_time, 1500);
    /* One-shot: disabled after firing, COUNT kept. */
    uint64_t v;
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 2, &v);
    CHECK_EQ(v & HV_STIMER_ENABLED, 0);
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_COUNT + 2, &v);
    CHECK_EQ(v, 1500);
    hvsim_advance_ns(sim, 10000000);
    CHECK_EQ(irqs.count, 1);
    hvsim_destroy(sim);
}

static void test_oneshot_in_the_past_fires_at_once(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_advance_ns(sim, 1000000);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 5);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, msg_config(TIMER_SINT, 0));
    CHECK_EQ(irqs.count, 1); /* within the WRMSR */
    struct hv_timer_message_payload p = timer_payload(sim);
    CHECK_EQ(p.expiration_time, 5);
    CHECK_EQ(p.delivery_time, 10000);
    hvsim_destroy(sim);
}

struct consume_ctx {
    uint64_t expirations[16];
    int n;
};

static void consume_timer(struct tg_irqs *irqs, struct hvsim *sim, uint32_t vp, uint8_t vector)
{
    (void)vector;
    struct consume_ctx *c = irqs->user;
    struct hv_message *slot = tg_slot(sim, vp, TIMER_SINT);
    if (slot->header.message_type == HV_MESSAGE_TYPE_TIMER_EXPIRED && c->n < 16) {
        struct hv_timer_message_payload p;
        memcpy(&p, slot->payload, sizeof(p));
        c->expirations[c->n++] = p.expiration_time;
    }
    tg_consume_slot(sim, vp, TIMER_SINT);
    hvsim_apic_eoi(sim, vp);
}

static void test_periodic_message_mode(void)
{
    struct tg_irqs irqs;
    struct consume_ctx c = {{0}, 0};
    struct hvsim *sim = setup(&irqs);
    irqs.hook = consume_timer;
    irqs.user = &c;
    hvsim_advance_ns(sim, 300);                         /* ref 3 */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 10000);   /* 1 ms period */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, msg_config(TIMER_SINT, HV_STIMER_PERIODIC));
    hvsim_advance_ns(sim, 5000000); /* 5 ms */
    CHECK_EQ(c.n, 5);
    for (int i = 0; i < c.n; i++)
        CHECK_EQ(c.expirations[i], 3 + 10000ull * (uint64_t)(i + 1));
    for (int i = 0; i < c.n && i < 5; i++)
        CHECK_EQ(irqs.time_ns[i], (3 + 10000ull * (uint64_t)(i + 1)) * 100);
    uint64_t v;
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG, &v);
    CHECK(v & HV_STIMER_ENABLED, "periodic stays enabled");
    /* COUNT = 0 stops it. */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 0);
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG, &v);
    CHECK_EQ(v & HV_STIMER_ENABLED, 0);
    hvsim_advance_ns(sim, 5000000);
    CHECK_EQ(c.n, 5);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.timer_expirations[0], 5);
    CHECK_EQ(st.timer_missed[0], 0);
    hvsim_destroy(sim);
}

static void test_periodic_missed_expirations_merge(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 4, 1000); /* STIMER2, 100 us */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 4, msg_config(TIMER_SINT, HV_STIMER_PERIODIC));
    hvsim_advance_ns(sim, 100000); /* first expiry lands in the slot; nobody consumes */
    CHECK_EQ(irqs.count, 1);
    hvsim_advance_ns(sim, 100000); /* second: queued behind the busy slot */
    CHECK_EQ(hvsim_queued_messages(sim, 0, TIMER_SINT), 1);
    CHECK_EQ(tg_slot(sim, 0, TIMER_SINT)->header.flags, HV_MESSAGE_FLAG_PENDING);
    hvsim_advance_ns(sim, 300000); /* three more: merged into the queued one */
    CHECK_EQ(hvsim_queued_messages(sim, 0, TIMER_SINT), 1);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.timer_expirations[2], 5);
    CHECK_EQ(st.timer_missed[2], 3);
    /* The guest catches up: it gets one message, due at the second expiry. */
    hvsim_apic_eoi(sim, 0);
    tg_consume_slot(sim, 0, TIMER_SINT);
    struct hv_timer_message_payload p = timer_payload(sim);
    CHECK_EQ(p.timer_index, 2);
    CHECK_EQ(p.expiration_time, 2000);
    CHECK_EQ(p.delivery_time, 5000);
    CHECK_EQ(hvsim_queued_messages(sim, 0, TIMER_SINT), 0);
    CHECK_EQ(irqs.count, 2);
    hvsim_destroy(sim);
}

/* The bridge's catch-up after hvsim could not run for 50 ms: a guest that
 * consumes every message at once (as a guest running beside hvsim does)
 * still gets one expiry, not fifty; the other periods are counted missed
 * and the next one is due a period after the gap, not before. */
static void test_periodic_late_advance_skips(void)
{
    struct tg_irqs irqs;
    struct consume_ctx c = {{0}, 0};
    struct hvsim *sim = setup(&irqs);
    irqs.hook = consume_timer;
    irqs.user = &c;
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 10000);   /* 1 ms period, first due at ref 10000 */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, msg_config(TIMER_SINT, HV_STIMER_PERIODIC));
    hvsim_advance_late_ns(sim, 50500000);               /* 50.5 ms late */
    CHECK_EQ(c.n, 1);
    CHECK_EQ(c.expirations[0], 10000);                  /* the first missed period, never early */
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.timer_expirations[0], 1);
    CHECK_EQ(st.timer_missed[0], 49);                   /* due at 2 .. 50 ms */
    uint64_t next;
    CHECK(hvsim_next_event_ns(sim, &next), "the timer stays armed");
    CHECK_EQ(next, 51000000);
    hvsim_advance_ns(sim, 1000000);                     /* on time again: one a period */
    CHECK_EQ(c.n, 2);
    CHECK_EQ(c.expirations[1], 510000);
    /* The same gap advanced by a host that ran (the hosted tests): every period. */
    hvsim_advance_ns(sim, 5000000);
    CHECK_EQ(c.n, 7);
    hvsim_destroy(sim);
}

static void test_oneshot_busy_slot_waits_for_eom(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_post_to_guest(sim, 0, TIMER_SINT, 1, "busy", 4);
    hvsim_apic_eoi(sim, 0);
    CHECK_EQ(irqs.count, 1);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 100);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, msg_config(TIMER_SINT, 0));
    hvsim_advance_ns(sim, 20000);
    CHECK_EQ(irqs.count, 1); /* no fire into a busy slot */
    CHECK_EQ(tg_slot(sim, 0, TIMER_SINT)->header.flags, HV_MESSAGE_FLAG_PENDING);
    tg_consume_slot(sim, 0, TIMER_SINT);
    CHECK_EQ(irqs.count, 2);
    struct hv_timer_message_payload p = timer_payload(sim);
    CHECK_EQ(p.expiration_time, 100);
    CHECK_EQ(p.delivery_time, 200);
    hvsim_destroy(sim);
}

static void test_direct_mode(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    uint64_t cfg_direct = HV_STIMER_ENABLED | HV_STIMER_DIRECT_MODE | ((uint64_t)0xF3 << HV_STIMER_VECTOR_SHIFT);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 6, 50); /* STIMER3 one-shot at ref 50 */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 6, cfg_direct), HVSIM_MSR_OK);
    hvsim_advance_ns(sim, 5000);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vector[0], 0xF3);
    CHECK_EQ(tg_slot(sim, 0, 0)->header.message_type, 0); /* no message anywhere */
    CHECK_EQ(tg_slot(sim, 0, TIMER_SINT)->header.message_type, 0);
    CHECK_EQ(hvsim_irq_in_service(sim, 0, 0xF3), true); /* a fixed interrupt: the guest EOIs */
    hvsim_apic_eoi(sim, 0);

    /* Periodic direct: one interrupt a period while the guest EOIs. */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 6, 100);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 6, cfg_direct | HV_STIMER_PERIODIC);
    irqs.hook = NULL;
    for (int i = 0; i < 4; i++) {
        hvsim_advance_ns(sim, 10000);
        hvsim_apic_eoi(sim, 0);
    }
    CHECK_EQ(irqs.count, 5);
    /* Without EOIs, expiries merge into the pending vector. */
    hvsim_advance_ns(sim, 10000); /* delivered, in service */
    hvsim_advance_ns(sim, 10000); /* pending behind it */
    hvsim_advance_ns(sim, 10000); /* merged */
    CHECK_EQ(irqs.count, 6);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.timer_missed[3], 1);
    hvsim_destroy(sim);
}

static void test_direct_mode_rules(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.features &= ~HV_FEATURE_DIRECT_STIMERS;
    struct hvsim *sim = tg_create(&cfg);
    uint64_t direct = HV_STIMER_DIRECT_MODE | ((uint64_t)0xF3 << HV_STIMER_VECTOR_SHIFT);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, direct), HVSIM_MSR_GP);
    hvsim_destroy(sim);
    sim = tg_create(NULL);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, direct), HVSIM_MSR_OK);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, HV_STIMER_DIRECT_MODE | (0x0Full << 4)),
             HVSIM_MSR_GP);
    hvsim_destroy(sim);
}

static void test_auto_enable(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    uint64_t v;
    /* AutoEnable without Enabled: a non-zero COUNT write starts it. */
    uint64_t config = HV_STIMER_AUTO_ENABLE | HV_STIMER_PERIODIC | ((uint64_t)TIMER_SINT << HV_STIMER_SINT_SHIFT);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, config);
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG, &v);
    CHECK_EQ(v & HV_STIMER_ENABLED, 0);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 1000);
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG, &v);
    CHECK(v & HV_STIMER_ENABLED, "AutoEnable set Enabled");
    hvsim_advance_ns(sim, 100000);
    CHECK_EQ(irqs.count, 1);
    /* Without AutoEnable, writing COUNT does not start a disabled timer. */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 2, (uint64_t)TIMER_SINT << HV_STIMER_SINT_SHIFT);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 2, 1);
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 2, &v);
    CHECK_EQ(v & HV_STIMER_ENABLED, 0);
    hvsim_destroy(sim);
}

static void test_timer_enable_vetoes(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    uint64_t v;
    /* Message mode with SINTx 0: disabled. */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 10);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, msg_config(0, 0));
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG, &v);
    CHECK_EQ(v & HV_STIMER_ENABLED, 0);
    /* Enabled with COUNT 0 (config written first): stays disabled. */
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 2, 0);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 2, msg_config(TIMER_SINT, 0));
    hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG + 2, &v);
    CHECK_EQ(v & HV_STIMER_ENABLED, 0);
    hvsim_advance_ns(sim, 1000000);
    CHECK_EQ(irqs.count, 0);
    uint64_t when;
    CHECK(!hvsim_next_event_ns(sim, &when), "no timer armed");
    hvsim_destroy(sim);
}

static void test_guest_idle_wakes_on_timer(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT, 2500);
    hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, msg_config(TIMER_SINT, 0));
    uint64_t v = 1;
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_GUEST_IDLE, &v), HVSIM_MSR_OK);
    CHECK_EQ(v, 0);
    CHECK_EQ(hvsim_now_ns(sim), 250000);
    CHECK_EQ(irqs.count, 1);
    /* Nothing left: idle returns at once with the clock unchanged. */
    hvsim_rdmsr(sim, 0, HV_MSR_GUEST_IDLE, &v);
    CHECK_EQ(hvsim_now_ns(sim), 250000);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.idle_reads, 2);
    hvsim_destroy(sim);
}

struct host_log {
    int order[8];
    uint64_t at[8];
    int n;
};

static struct host_log hlog;

static void host_a(void *ctx, struct hvsim *sim)
{
    hlog.order[hlog.n] = (int)(intptr_t)ctx;
    hlog.at[hlog.n++] = hvsim_now_ns(sim);
    if ((intptr_t)ctx == 1) /* schedules more work, and replies to the guest */
        hvsim_call_at(sim, hvsim_now_ns(sim) + 10, host_a, (void *)(intptr_t)3);
    hvsim_post_to_guest(sim, 0, TIMER_SINT, 1, "h", 1);
}

static void test_host_callbacks_in_time_order(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    memset(&hlog, 0, sizeof(hlog));
    CHECK_EQ(hvsim_call_at(sim, 500, host_a, (void *)(intptr_t)2), 0);
    CHECK_EQ(hvsim_call_at(sim, 200, host_a, (void *)(intptr_t)1), 0);
    CHECK_EQ(hvsim_call_at(sim, 0, NULL, NULL), -1);
    hvsim_advance_ns(sim, 100);
    CHECK_EQ(hlog.n, 0);
    hvsim_advance_ns(sim, 1000);
    CHECK_EQ(hlog.n, 3);
    CHECK(hlog.order[0] == 1 && hlog.order[1] == 3 && hlog.order[2] == 2, "order %d %d %d", hlog.order[0],
          hlog.order[1], hlog.order[2]);
    CHECK(hlog.at[0] == 200 && hlog.at[1] == 210 && hlog.at[2] == 500, "times");
    CHECK_EQ(irqs.count, 1); /* first reply interrupts; the rest queue behind the slot */
    CHECK_EQ(irqs.time_ns[0], 200);
    hvsim_destroy(sim);
}

int main(void)
{
    RUN_TEST(test_clock_and_tsc);
    RUN_TEST(test_reference_tsc_page_matches);
    RUN_TEST(test_reference_tsc_sequence_rules);
    RUN_TEST(test_oneshot_message_mode);
    RUN_TEST(test_oneshot_in_the_past_fires_at_once);
    RUN_TEST(test_periodic_message_mode);
    RUN_TEST(test_periodic_missed_expirations_merge);
    RUN_TEST(test_periodic_late_advance_skips);
    RUN_TEST(test_oneshot_busy_slot_waits_for_eom);
    RUN_TEST(test_direct_mode);
    RUN_TEST(test_direct_mode_rules);
    RUN_TEST(test_auto_enable);
    RUN_TEST(test_timer_enable_vetoes);
    RUN_TEST(test_guest_idle_wakes_on_timer);
    RUN_TEST(test_host_callbacks_in_time_order);
    return check_summary();
}
