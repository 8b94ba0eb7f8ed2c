/* Reference time (after kvm-unit-tests' hyperv_clock): the TSC page agrees
 * with TIME_REF_COUNT and never goes backwards. */
#include "apps/hvtest/hvtest.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

#define ROUNDS 2000

void hvtest_clock(void)
{
    if (!hv.ref_counter) {
        skip("clock", "no TIME_REF_COUNT (CPUID 0x40000003 EAX bit 1)");
        return;
    }
    uint64_t a = 0, b = 0;
    hv_cpu_rdmsr(HV_MSR_TIME_REF_COUNT, &a);
    platform_delay_ns(1000000);
    hv_cpu_rdmsr(HV_MSR_TIME_REF_COUNT, &b);
    report(b > a && b - a >= 10000, "clock: TIME_REF_COUNT advances 1 ms in %llu units", (unsigned long long)(b - a));
    report(!hv_cpu_wrmsr(HV_MSR_TIME_REF_COUNT, 0), "clock: TIME_REF_COUNT is read-only");

    if (!hv.ref_tsc) {
        skip("clock: reference TSC page", "not granted (CPUID 0x40000003 EAX bit 9)");
        return;
    }
    uint64_t msr = 0;
    report(hv_cpu_rdmsr(HV_MSR_REFERENCE_TSC, &msr) && (msr & HV_MSR_ENABLE), "clock: REFERENCE_TSC enabled");
    const volatile struct hv_reference_tsc_page *page = platform_gpa_to_va(msr & HV_MSR_PAGE_MASK);
    uint32_t seq = page->sequence;
    report(seq != 0 && seq != 0xffffffffu, "clock: TSC page sequence valid (0x%x)", seq);

    int bracketed = 0, backwards = 0;
    uint64_t previous = 0;
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t before = 0, page_time = 0, after = 0;
        hv_cpu_rdmsr(HV_MSR_TIME_REF_COUNT, &before);
        hv_clock_ref_time(&page_time);
        hv_cpu_rdmsr(HV_MSR_TIME_REF_COUNT, &after);
        bracketed += before <= page_time + 1 && page_time <= after + 1;
        backwards += page_time < previous;
        previous = page_time;
        platform_delay_ns(5000);
    }
    report(bracketed == ROUNDS, "clock: page time between two TIME_REF_COUNT reads (%d of %d)", bracketed, ROUNDS);
    report(backwards == 0, "clock: page time never goes backwards (%d times)", backwards);
}
