/* Synthetic timer 0 as the runtime's one-shot timer: in direct mode (an
 * APIC vector) when granted, else in message mode on HV_TIMER_SINT. Each
 * expiry only has to wake a halted CPU; the sleeper checks the time. */
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

static uint64_t timer0_config;

static void timer_message(const struct hv_message *msg, void *ctx)
{
    (void)msg;
    (void)ctx;   /* the wakeup is the point */
}

static void timer_vector(void *arg) { (void)arg; }   /* waking a halted CPU is all it is for */

int hv_stimer_init(void)
{
    if (!(hv.info.privileges & HV_PRIV_SYNTHETIC_TIMERS) || !hv.synic)
        return -1;
    uint64_t probe;
    if (!hv_clock_ref_time(&probe))
        return -1;   /* COUNT is in reference time: no clock, no timer */
    hv.stimer_direct = (hv.info.features & HV_FEATURE_DIRECT_STIMERS) != 0;
    if (hv.stimer_direct) {
        hv_cpu_set_vector_handler(HV_VECTOR_STIMER_DIRECT, timer_vector, NULL);
        timer0_config = HV_STIMER_DIRECT_MODE | ((uint64_t)HV_VECTOR_STIMER_DIRECT << HV_STIMER_VECTOR_SHIFT);
    } else {
        if (platform_sint_attach(HV_TIMER_SINT, timer_message, NULL, 0, NULL) != 0)
            return -1;
        timer0_config = (uint64_t)HV_TIMER_SINT << HV_STIMER_SINT_SHIFT;
    }
    /* AutoEnable: each non-zero COUNT write arms the one-shot again. */
    timer0_config |= HV_STIMER_AUTO_ENABLE;
    if (!hv_cpu_wrmsr(HV_MSR_STIMER0_CONFIG, timer0_config))
        return -1;
    hv.stimer = true;
    return 0;
}

void hv_stimer_teardown(void)
{
    for (uint32_t n = 0; n < HV_STIMER_COUNT; n++) {
        hv_cpu_wrmsr(HV_MSR_STIMER0_CONFIG + 2 * n, 0);
        hv_cpu_wrmsr(HV_MSR_STIMER0_COUNT + 2 * n, 0);
    }
    hv.stimer = false;
}

void hv_stimer_oneshot(uint64_t ns)
{
    uint64_t now;
    if (!hv.stimer || !hv_clock_ref_time(&now))
        return;
    if (ns == 0) {
        hv_cpu_wrmsr(HV_MSR_STIMER0_COUNT, 0);
        return;
    }
    uint64_t ticks = ns / 100 + 1;   /* round up: never wake before the deadline */
    hv_cpu_wrmsr(HV_MSR_STIMER0_COUNT, now + ticks);
}
