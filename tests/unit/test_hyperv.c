/* arch/x86_64/hyperv/ against hvsim, through the hosted backend: the set-up
 * order and its MSR values, hosts that grant less, hypercalls that fail,
 * message delivery with the end-of-message protocol, events, the clock, the
 * synthetic timer, crash reporting and teardown. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/hosted.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_defs.h"

static struct hvsim_config config(void)
{
    struct hvsim_config c;
    hvsim_config_default(&c);
    return c;
}

static uint64_t msr(uint32_t n)
{
    uint64_t v = 0;
    CHECK(hvsim_rdmsr(hosted_sim(), 0, n, &v) == HVSIM_MSR_OK, "rdmsr 0x%x faulted", n);
    return v;
}

static uint64_t gp_faults(void)
{
    struct hvsim_stats st;
    hvsim_get_stats(hosted_sim(), 0, &st);
    return st.gp_faults;
}

static void start(const struct hvsim_config *c)
{
    CHECK_EQ(hosted_start(c), 0);
    CHECK_EQ(hyperv_init(), 0);
}

static void stop(void)
{
    hyperv_teardown();
    hosted_stop();
}

static void test_full_setup(void)
{
    struct hvsim_config c = config();
    start(&c);
    CHECK(hv.hypercalls && hv.synic && hv.messages && hv.events, "core features");
    CHECK(hv.ref_tsc && hv.ref_counter && hv.stimer && hv.stimer_direct && hv.crash_msrs, "optional features");
    CHECK_EQ(msr(HV_MSR_GUEST_OS_ID), HVRT_GUEST_OS_ID);
    CHECK(msr(HV_MSR_HYPERCALL) & HV_MSR_ENABLE, "hypercall page enabled");
    CHECK(msr(HV_MSR_SIMP) & HV_MSR_ENABLE, "SIMP enabled");
    CHECK(msr(HV_MSR_SIEFP) & HV_MSR_ENABLE, "SIEFP enabled");
    CHECK_EQ(msr(HV_MSR_SCONTROL) & HV_SCONTROL_ENABLE, 1);
    CHECK(msr(HV_MSR_SINT0 + 2) & HV_SINT_MASKED, "SINT2 masked until attached");
    CHECK((msr(HV_MSR_STIMER0_CONFIG) & HV_STIMER_DIRECT_MODE) != 0, "stimer0 in direct mode");
    CHECK_EQ(gp_faults(), 0);
    CHECK(strstr(hosted_console(), "Hyper-V: no") == NULL, "nothing reported missing: %s", hosted_console());
    stop();
}

static void test_less_granted_means_messages_not_faults(void)
{
    struct hvsim_config c = config();
    c.privileges &= ~(HV_PRIV_SYNIC | HV_PRIV_POST_MESSAGES | HV_PRIV_REFERENCE_TSC | HV_PRIV_TIME_REF_COUNT);
    c.features &= ~HV_FEATURE_CRASH_MSRS;
    start(&c);
    CHECK(hv.hypercalls && hv.events, "what is granted still works");
    CHECK(!hv.synic && !hv.messages && !hv.ref_tsc && !hv.stimer && !hv.crash_msrs, "what is not is off");
    CHECK(strstr(hosted_console(), "no SynIC") != NULL, "console: %s", hosted_console());
    CHECK(strstr(hosted_console(), "no HvPostMessage") != NULL, "console: %s", hosted_console());
    CHECK(strstr(hosted_console(), "no reference time") != NULL, "console: %s", hosted_console());
    CHECK_EQ(platform_sint_attach(2, NULL, NULL, 0, NULL), -1);
    CHECK_EQ(platform_post_message(1, 1, "x", 1), HV_STATUS_ACCESS_DENIED);
    uint64_t t;
    CHECK(!hv_clock_ref_time(&t), "no clock");
    hv_crash_report(1, 2, 3, "ignored");
    CHECK_EQ(hvsim_crash_info(hosted_sim())->count, 0);
    CHECK_EQ(gp_faults(), 0);
    stop();
}

static void test_no_hypercall_privilege(void)
{
    struct hvsim_config c = config();
    c.privileges &= ~HV_PRIV_HYPERCALL_MSRS;
    start(&c);
    CHECK(!hv.hypercalls && !hv.messages && !hv.events, "no hypercalls");
    CHECK(strstr(hosted_console(), "no hypercalls") != NULL, "console: %s", hosted_console());
    CHECK_EQ(platform_signal_event(2, 0), HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(gp_faults(), 0);
    stop();
}

/* A host port that records what it is sent. */
static struct {
    int count;
    uint32_t connection, type, size;
    uint8_t payload[240];
    uint16_t flag;
} port;

static uint16_t record_message(void *ctx, struct hvsim *s, uint32_t vp, uint32_t connection_id,
                               uint32_t type, const void *payload, uint32_t size)
{
    (void)ctx, (void)s, (void)vp;
    port.count++;
    port.connection = connection_id;
    port.type = type;
    port.size = size;
    memcpy(port.payload, payload, size);
    return HV_STATUS_SUCCESS;
}

static uint16_t record_event(void *ctx, struct hvsim *s, uint32_t vp, uint32_t connection_id, uint16_t flag)
{
    (void)ctx, (void)s, (void)vp;
    port.count++;
    port.connection = connection_id;
    port.flag = flag;
    return HV_STATUS_SUCCESS;
}

static void test_post_message_reaches_the_host(void)
{
    start(NULL);
    memset(&port, 0, sizeof(port));
    CHECK_EQ(hvsim_register_message_port(hosted_sim(), 0x10, record_message, NULL), 0);
    uint8_t payload[240];
    for (int i = 0; i < 240; i++)
        payload[i] = (uint8_t)(i * 3);
    CHECK_EQ(platform_post_message(0x10, 1, payload, 240), HV_STATUS_SUCCESS);
    CHECK_EQ(port.count, 1);
    CHECK_EQ(port.type, 1);
    CHECK_EQ(port.size, 240);
    CHECK(memcmp(port.payload, payload, 240) == 0, "payload intact");
    CHECK_EQ(platform_post_message(0x11, 1, payload, 8), HV_STATUS_INVALID_CONNECTION_ID);
    stop();
}

static void test_post_message_checks_before_calling(void)
{
    start(NULL);
    struct hvsim_stats before, after;
    hvsim_get_stats(hosted_sim(), 0, &before);
    uint8_t big[241] = { 0 };
    CHECK_EQ(platform_post_message(1, 1, big, 241), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(platform_post_message(0x01000001, 1, big, 8), HV_STATUS_INVALID_PARAMETER);
    hvsim_get_stats(hosted_sim(), 0, &after);
    CHECK_EQ(after.hypercalls, before.hypercalls);
    stop();
}

static void test_post_message_retries_while_buffers_are_full(void)
{
    start(NULL);
    memset(&port, 0, sizeof(port));
    hvsim_register_message_port(hosted_sim(), 0x10, record_message, NULL);
    uint64_t t0 = platform_time_ns();
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INSUFFICIENT_BUFFERS, 3);
    CHECK_EQ(platform_post_message(0x10, 1, "abc", 3), HV_STATUS_SUCCESS);
    CHECK_EQ(port.count, 1);
    CHECK(platform_time_ns() > t0, "backed off between tries");

    /* A host that never drains: a bounded number of tries, then the status. */
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INSUFFICIENT_BUFFERS, 1000);
    struct hvsim_stats before, after;
    hvsim_get_stats(hosted_sim(), 0, &before);
    CHECK_EQ(platform_post_message(0x10, 1, "abc", 3), HV_STATUS_INSUFFICIENT_BUFFERS);
    hvsim_get_stats(hosted_sim(), 0, &after);
    CHECK(after.hypercalls - before.hypercalls <= 64, "%llu tries", (unsigned long long)(after.hypercalls - before.hypercalls));
    CHECK_EQ(port.count, 1);

    /* Other failures are not retried. */
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INVALID_PARAMETER, 1);
    hvsim_get_stats(hosted_sim(), 0, &before);
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INVALID_PARAMETER, 1);
    stop();
}

static void test_signal_event_reaches_the_host(void)
{
    start(NULL);
    memset(&port, 0, sizeof(port));
    CHECK_EQ(hvsim_register_event_port(hosted_sim(), 0x20, 4, record_event, NULL), 0);
    CHECK_EQ(platform_signal_event(0x20, 3), HV_STATUS_SUCCESS);
    CHECK_EQ(port.count, 1);
    CHECK_EQ(port.connection, 0x20);
    CHECK_EQ(port.flag, 3);
    CHECK_EQ(platform_signal_event(0x20, 4), HV_STATUS_INVALID_PARAMETER);   /* beyond the port's flags */
    stop();
}

static struct {
    int count;
    uint8_t first_bytes[32];
    uint32_t flags[16];
    int flag_count;
} guest;

static void on_message(const struct hv_message *m, void *ctx)
{
    (void)ctx;
    if (guest.count < 32)
        guest.first_bytes[guest.count] = m->payload[0];
    guest.count++;
}

static void take_flag(uint32_t flag, void *ctx)
{
    (void)ctx;
    if (guest.flag_count < 16)
        guest.flags[guest.flag_count++] = flag;
}

static void test_messages_in_order_through_a_busy_slot(void)
{
    start(NULL);
    memset(&guest, 0, sizeof(guest));
    CHECK_EQ(platform_sint_attach(2, on_message, NULL, 0, NULL), 0);
    /* Queued while interrupts are off: each after the first finds the slot
     * busy and must wait for the guest's EOM. */
    platform_irq_state s = platform_irq_save();
    for (uint8_t i = 1; i <= 5; i++)
        CHECK_EQ(hvsim_post_to_guest(hosted_sim(), 0, 2, 1, &i, 1), HVSIM_OK);
    CHECK_EQ(guest.count, 0);
    platform_irq_restore(s);
    CHECK_EQ(guest.count, 5);
    for (int i = 0; i < 5 && i < guest.count; i++)
        CHECK_EQ(guest.first_bytes[i], i + 1);
    struct hvsim_stats st;
    hvsim_get_stats(hosted_sim(), 0, &st);
    CHECK(st.eom_writes >= 1, "EOM written for the pending messages");
    CHECK_EQ(hvsim_queued_messages(hosted_sim(), 0, 2), 0);
    stop();
}

static void test_message_before_attach_is_not_lost(void)
{
    start(NULL);
    memset(&guest, 0, sizeof(guest));
    uint8_t b = 42;
    hvsim_post_to_guest(hosted_sim(), 0, 2, 1, &b, 1);
    CHECK_EQ(guest.count, 0);
    CHECK_EQ(platform_sint_attach(2, on_message, NULL, 0, NULL), 0);
    CHECK_EQ(guest.count, 1);
    CHECK_EQ(guest.first_bytes[0], 42);
    stop();
}

static void test_oversized_message_is_dropped(void)
{
    start(NULL);
    memset(&guest, 0, sizeof(guest));
    CHECK_EQ(platform_sint_attach(2, on_message, NULL, 0, NULL), 0);
    /* A host writing garbage into the slot directly. */
    uint64_t simp = msr(HV_MSR_SIMP) & HV_MSR_PAGE_MASK;
    struct hv_message *slot = hvsim_gpa_to_host(hosted_sim(), simp + 2 * HV_SIM_SLOT_SIZE, HV_SIM_SLOT_SIZE);
    platform_irq_state s = platform_irq_save();
    slot->header.payload_size = 250;
    slot->header.message_type = 1;
    hvsim_signal_guest_event(hosted_sim(), 0, 2, 0);   /* any SINT2 interrupt */
    platform_irq_restore(s);
    CHECK_EQ(guest.count, 0);
    CHECK(strstr(hosted_console(), "claims 250 payload bytes") != NULL, "console: %s", hosted_console());
    CHECK_EQ(slot->header.message_type, 0);
    stop();
}

static void test_event_flags_scanned_and_cleared(void)
{
    start(NULL);
    memset(&guest, 0, sizeof(guest));
    CHECK_EQ(platform_sint_attach(2, NULL, take_flag, 2048, NULL), 0);
    platform_irq_state s = platform_irq_save();
    uint32_t want[] = { 1, 5, 64, 2047 };
    for (int i = 0; i < 4; i++)
        CHECK_EQ(hvsim_signal_guest_event(hosted_sim(), 0, 2, want[i]), HVSIM_OK);
    platform_irq_restore(s);
    CHECK_EQ(guest.flag_count, 4);
    for (int i = 0; i < 4 && i < guest.flag_count; i++)
        CHECK_EQ(guest.flags[i], want[i]);
    uint64_t siefp = msr(HV_MSR_SIEFP) & HV_MSR_PAGE_MASK;
    const uint8_t *flags = hvsim_gpa_to_host(hosted_sim(), siefp + 2 * HV_SIEF_ARRAY_SIZE, HV_SIEF_ARRAY_SIZE);
    int any = 0;
    for (int i = 0; i < 256; i++)
        any |= flags[i];
    CHECK_EQ(any, 0);
    hvsim_signal_guest_event(hosted_sim(), 0, 2, 7);
    CHECK_EQ(guest.flag_count, 5);   /* cleared flags fire again */
    stop();
}

static void check_clock_tracks_the_host(const char *what)
{
    for (int step = 0; step < 5; step++) {
        hvsim_advance_ns(hosted_sim(), 1234567 * (step + 1));
        uint64_t t = 0;
        CHECK(hv_clock_ref_time(&t), "%s: clock readable", what);
        uint64_t host = hvsim_time_ref_count(hosted_sim());
        CHECK(t + 1 >= host && t <= host + 1, "%s: guest %llu, host %llu", what,
              (unsigned long long)t, (unsigned long long)host);
    }
}

static void test_clock_sources(void)
{
    start(NULL);
    CHECK(hv.ref_tsc, "reference TSC page");
    check_clock_tracks_the_host("TSC page");
    hvsim_set_tsc_frequency(hosted_sim(), 1800000000ull);   /* as after a migration */
    check_clock_tracks_the_host("TSC page after a frequency change");
    hvsim_set_reference_tsc_valid(hosted_sim(), false);
    check_clock_tracks_the_host("invalid page: the MSR");
    stop();

    struct hvsim_config c = config();
    c.privileges &= ~HV_PRIV_REFERENCE_TSC;
    start(&c);
    CHECK(!hv.ref_tsc && hv.ref_counter, "MSR only");
    check_clock_tracks_the_host("MSR only");
    stop();
}

/* The boot takes the TSC rate from the frequency MSR instead of measuring
 * it, and only where CPUID grants the MSR (reading it otherwise faults). */
static void test_tsc_frequency_from_the_hypervisor(void)
{
    struct hvsim_config c = config();
    CHECK_EQ(hosted_start(&c), 0);
    CHECK_EQ(hvsim_set_tsc_frequency(hosted_sim(), 2345678901ull), 0);
    CHECK_EQ(hv_tsc_frequency(), 2345678901ull);
    hosted_stop();

    c.privileges &= ~HV_PRIV_FREQUENCY_MSRS;
    CHECK_EQ(hosted_start(&c), 0);
    CHECK_EQ(hv_tsc_frequency(), 0);
    CHECK_EQ(gp_faults(), 0);
    hosted_stop();

    c = config();
    c.features &= ~HV_FEATURE_FREQUENCY_MSRS;
    CHECK_EQ(hosted_start(&c), 0);
    CHECK_EQ(hv_tsc_frequency(), 0);
    CHECK_EQ(gp_faults(), 0);
    hosted_stop();
}

static void test_stimer_wakes_after_the_deadline(void)
{
    for (int direct = 1; direct >= 0; direct--) {
        struct hvsim_config c = config();
        if (!direct)
            c.features &= ~HV_FEATURE_DIRECT_STIMERS;
        start(&c);
        CHECK(hv.stimer && hv.stimer_direct == (direct == 1), "timer mode %d", direct);
        uint64_t t0 = platform_time_ns();
        hv_stimer_oneshot(1000000);
        platform_wait_until(UINT64_MAX);
        uint64_t waited = platform_time_ns() - t0;
        CHECK(waited >= 1000000 && waited < 1200000, "mode %d waited %llu ns", direct, (unsigned long long)waited);
        struct hvsim_stats st;
        hvsim_get_stats(hosted_sim(), 0, &st);
        CHECK_EQ(st.timer_expirations[0], 1);
        hv_stimer_oneshot(5000000);
        hv_stimer_oneshot(0);   /* cancelled: no second expiry */
        hvsim_advance_ns(hosted_sim(), 10000000);
        hvsim_get_stats(hosted_sim(), 0, &st);
        CHECK_EQ(st.timer_expirations[0], 1);
        stop();
    }
}

static void test_crash_report(void)
{
    start(NULL);
    hv_crash_report(14, 0x1234, 0x5678, "hvrt: page fault in app crash");
    const struct hvsim_crash *cr = hvsim_crash_info(hosted_sim());
    CHECK_EQ(cr->count, 1);
    CHECK_EQ(cr->params[0], 14);
    CHECK_EQ(cr->params[1], HVRT_GUEST_OS_ID);
    CHECK_EQ(cr->params[2], 0x1234);
    CHECK(cr->message_valid && strcmp((const char *)cr->message, "hvrt: page fault in app crash") == 0,
          "message: %.*s", (int)cr->message_len, cr->message);
    stop();
}

static void test_teardown_leaves_nothing_enabled(void)
{
    start(NULL);
    platform_sint_attach(2, on_message, NULL, 0, NULL);
    hv_stimer_oneshot(1000000);
    hyperv_teardown();
    CHECK_EQ(msr(HV_MSR_GUEST_OS_ID), 0);
    CHECK_EQ(msr(HV_MSR_HYPERCALL) & HV_MSR_ENABLE, 0);
    CHECK_EQ(msr(HV_MSR_SIMP) & HV_MSR_ENABLE, 0);
    CHECK_EQ(msr(HV_MSR_SIEFP) & HV_MSR_ENABLE, 0);
    CHECK_EQ(msr(HV_MSR_SCONTROL) & HV_SCONTROL_ENABLE, 0);
    CHECK_EQ(msr(HV_MSR_REFERENCE_TSC) & HV_MSR_ENABLE, 0);
    for (uint32_t n = 0; n < HV_SINT_COUNT; n++)
        CHECK(msr(HV_MSR_SINT0 + n) & HV_SINT_MASKED, "SINT%u masked", n);
    CHECK_EQ(msr(HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLED, 0);
    CHECK_EQ(gp_faults(), 0);
    hosted_stop();
}

int main(void)
{
    RUN_TEST(test_full_setup);
    RUN_TEST(test_less_granted_means_messages_not_faults);
    RUN_TEST(test_no_hypercall_privilege);
    RUN_TEST(test_post_message_reaches_the_host);
    RUN_TEST(test_post_message_checks_before_calling);
    RUN_TEST(test_post_message_retries_while_buffers_are_full);
    RUN_TEST(test_signal_event_reaches_the_host);
    RUN_TEST(test_messages_in_order_through_a_busy_slot);
    RUN_TEST(test_message_before_attach_is_not_lost);
    RUN_TEST(test_oversized_message_is_dropped);
    RUN_TEST(test_event_flags_scanned_and_cleared);
    RUN_TEST(test_clock_sources);
    RUN_TEST(test_tsc_frequency_from_the_hypervisor);
    RUN_TEST(test_stimer_wakes_after_the_deadline);
    RUN_TEST(test_crash_report);
    RUN_TEST(test_teardown_leaves_nothing_enabled);
    return check_summary();
}
