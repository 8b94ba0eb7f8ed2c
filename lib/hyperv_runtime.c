/* Hooks the Hyper-V enlightenments into the runtime when the host offers
 * them: reference time as the clock, synthetic timer 0 as the one-shot
 * timer, the crash MSRs for panics, and a teardown before power-off. */
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/console.h"
#include "lib/runtime.h"
#include "lib/time.h"
#include "hvrt/runtime.h"

static uint64_t reference_ns(void)
{
    uint64_t t = 0;
    hv_clock_ref_time(&t);
    return t * 100;
}

static void teardown(void)
{
    time_use_timer(NULL);
    time_use_source(NULL);   /* back to the TSC before the pages go */
    hyperv_teardown();
}

void hyperv_attach_runtime(void)
{
    if (hyperv_init() != 0)
        return;
    uint64_t probe;
    if (hv_clock_ref_time(&probe))
        time_use_source(reference_ns);
    if (hv.stimer)
        time_use_timer(hv_stimer_oneshot);
    if (hv.crash_msrs)
        runtime_set_crash_reporter(hv_crash_report);
    runtime_add_shutdown_hook(teardown);
}

uint64_t hvrt_reference_time_100ns(void)
{
    uint64_t t = 0;
    return hv.info.present && hv_clock_ref_time(&t) ? t : 0;
}
