/* Synthetic timer 1 (timer 0 is the runtime's) in message mode, periodic,
 * AutoEnable and direct mode (after kvm-unit-tests' hyperv_stimer). */
#include <string.h>

#include "apps/hvtest/hvtest.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

#define TIMER 1
#define TIMER_SINT 5
#define DIRECT_VECTOR 0x49
#define CONFIG (HV_MSR_STIMER0_CONFIG + 2 * TIMER)
#define COUNT (HV_MSR_STIMER0_COUNT + 2 * TIMER)

static volatile int expirations;
static struct hv_timer_message_payload last;

static void on_timer_message(const struct hv_message *m, void *ctx)
{
    (void)ctx;
    if (m->header.message_type == HV_MESSAGE_TYPE_TIMER_EXPIRED && m->header.payload_size >= sizeof(last))
        memcpy(&last, m->payload, sizeof(last));
    expirations++;
}

static void on_direct(void *arg)
{
    (void)arg;
    expirations++;
}

static uint64_t now_100ns(void)
{
    uint64_t t = 0;
    hv_clock_ref_time(&t);
    return t;
}

static void stop_timer(void)
{
    hv_cpu_wrmsr(CONFIG, 0);
    hv_cpu_wrmsr(COUNT, 0);
}

static void one_shot(void)
{
    expirations = 0;
    memset(&last, 0, sizeof(last));
    uint64_t due = now_100ns() + 10000;   /* 1 ms */
    /* COUNT first: enabling a timer whose count is 0 leaves it disabled. */
    bool ok = hv_cpu_wrmsr(COUNT, due) &&
              hv_cpu_wrmsr(CONFIG, ((uint64_t)TIMER_SINT << HV_STIMER_SINT_SHIFT) | HV_STIMER_ENABLED);
    report(ok && wait_for(&expirations, 100), "stimer: one-shot fires");
    report(last.timer_index == TIMER && last.expiration_time >= due && last.delivery_time >= last.expiration_time,
           "stimer: expiry message: timer %u, due %llu, expired %llu, delivered %llu", last.timer_index,
           (unsigned long long)due, (unsigned long long)last.expiration_time,
           (unsigned long long)last.delivery_time);
    uint64_t config = 0;
    hv_cpu_rdmsr(CONFIG, &config);
    report(!(config & HV_STIMER_ENABLED), "stimer: a one-shot disables itself after expiry");
    stop_timer();
}

static void periodic(void)
{
    expirations = 0;
    hv_cpu_wrmsr(COUNT, 10000);   /* a period of 1 ms */
    hv_cpu_wrmsr(CONFIG, ((uint64_t)TIMER_SINT << HV_STIMER_SINT_SHIFT) | HV_STIMER_PERIODIC | HV_STIMER_ENABLED);
    uint64_t start = platform_time_ns();
    while (expirations < 10 && platform_time_ns() - start < 1000000000)
        platform_delay_ns(100000);
    uint64_t took = platform_time_ns() - start;
    stop_timer();
    report(expirations >= 10 && took >= 9000000, "stimer: periodic 1 ms: %d expirations in %llu us",
           expirations, (unsigned long long)(took / 1000));
}

static void auto_enable(void)
{
    expirations = 0;
    hv_cpu_wrmsr(CONFIG, ((uint64_t)TIMER_SINT << HV_STIMER_SINT_SHIFT) | HV_STIMER_AUTO_ENABLE);
    uint64_t config = 0;
    hv_cpu_rdmsr(CONFIG, &config);
    bool off_before = !(config & HV_STIMER_ENABLED);
    hv_cpu_wrmsr(COUNT, now_100ns() + 10000);
    hv_cpu_rdmsr(CONFIG, &config);
    bool on_after = (config & HV_STIMER_ENABLED) != 0;
    report(off_before && (on_after || expirations > 0) && wait_for(&expirations, 100),
           "stimer: AutoEnable: writing COUNT enables and fires");
    stop_timer();
}

static void direct(void)
{
    if (!(hv.info.features & HV_FEATURE_DIRECT_STIMERS)) {
        skip("stimer direct mode", "not granted (CPUID 0x40000003 EDX bit 19)");
        return;
    }
    expirations = 0;
    hv_cpu_set_vector_handler(DIRECT_VECTOR, on_direct, NULL);
    hv_cpu_wrmsr(COUNT, now_100ns() + 10000);
    hv_cpu_wrmsr(CONFIG, HV_STIMER_DIRECT_MODE | ((uint64_t)DIRECT_VECTOR << HV_STIMER_VECTOR_SHIFT) |
                             HV_STIMER_ENABLED);
    report(wait_for(&expirations, 100), "stimer: direct mode raises vector 0x%x", DIRECT_VECTOR);
    stop_timer();
}

void hvtest_stimer(void)
{
    uint64_t t;
    if (!(hv.info.privileges & HV_PRIV_SYNTHETIC_TIMERS) || !hv.synic || !hv_clock_ref_time(&t)) {
        skip("stimer", "needs synthetic timers, the SynIC and reference time");
        return;
    }
    if (platform_sint_attach(TIMER_SINT, on_timer_message, NULL, 0, NULL) != 0) {
        report(false, "stimer: attach SINT%d", TIMER_SINT);
        return;
    }
    one_shot();
    periodic();
    auto_enable();
    direct();
    platform_sint_detach(TIMER_SINT);
}
