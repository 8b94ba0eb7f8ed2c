/* Bringing the Hyper-V enlightenments up, and down again. Each step is
 * taken only where CPUID grants it; what is missing is said once, plainly,
 * and the rest goes on without it. The order follows the dependencies:
 * hypercalls before anything posts, the SynIC before any SINT, a clock
 * before the timers that count in it. */
#include <string.h>

#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "arch/console.h"

struct hv_state hv;

static void missing(const char *what, const char *why)
{
    kprintf("hvrt: Hyper-V: no %s (%s)\n", what, why);
}

int hyperv_init(void)
{
    memset(&hv, 0, sizeof(hv));
    hv_detect(&hv.info);
    if (!hv.info.present)
        return -1;
    const uint64_t priv = hv.info.privileges;

    uint64_t index = 0;
    if ((priv & HV_PRIV_VP_INDEX) && hv_cpu_rdmsr(HV_MSR_VP_INDEX, &index))
        hv.vp_index = (uint32_t)index;

    if (!(priv & HV_PRIV_HYPERCALL_MSRS))
        missing("hypercalls", "CPUID 0x40000003 EAX bit 5 clear");
    else if (hv_hypercall_init() != 0)
        missing("hypercalls", "the hypercall page could not be enabled");
    else
        hv.hypercalls = true;
    hv.messages = hv.hypercalls && (priv & HV_PRIV_POST_MESSAGES);
    hv.events = hv.hypercalls && (priv & HV_PRIV_SIGNAL_EVENTS);
    if (hv.hypercalls && !hv.messages)
        missing("HvPostMessage", "CPUID 0x40000003 EBX bit 4 clear");
    if (hv.hypercalls && !hv.events)
        missing("HvSignalEvent", "CPUID 0x40000003 EBX bit 5 clear");

    if (!(priv & HV_PRIV_SYNIC))
        missing("SynIC", "CPUID 0x40000003 EAX bit 2 clear; VMBus cannot work");
    else if (hv_synic_init() != 0)
        missing("SynIC", "its MSRs refused the setup");
    else
        hv.synic = true;

    if (hv_clock_init() != 0)
        missing("reference time", "neither the reference TSC page nor TIME_REF_COUNT is granted");
    /* Without synthetic timers the LAPIC timer serves: nothing to say. */
    if ((priv & HV_PRIV_SYNTHETIC_TIMERS) && hv_stimer_init() != 0)
        missing("synthetic timer", "it needs the SynIC and a reference clock");

    hv_crash_init();   /* optional: nothing to say when absent */
    return 0;
}

void hyperv_teardown(void)
{
    if (!hv.info.present)
        return;
    hv_stimer_teardown();
    if (hv.synic)
        hv_synic_teardown();
    hv_clock_teardown();
    if (hv.hypercalls)
        hv_hypercall_teardown();
    hv.synic = hv.hypercalls = hv.messages = hv.events = false;
}
