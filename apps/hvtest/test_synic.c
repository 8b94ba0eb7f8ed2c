/* The SynIC registers as the runtime left them, and the rules on writing
 * them (after kvm-unit-tests' hyperv_synic). */
#include "apps/hvtest/hvtest.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

#define SPARE_SINT 9   /* nobody in the runtime uses it */

void hvtest_synic(void)
{
    if (!hv.synic) {
        skip("synic", "no SynIC (CPUID 0x40000003 EAX bit 2)");
        return;
    }
    uint64_t v = 0;
    report(hv_cpu_rdmsr(HV_MSR_SVERSION, &v) && v == 1, "synic: SVERSION reads 1 (got %llu)", (unsigned long long)v);
    report(!hv_cpu_wrmsr(HV_MSR_SVERSION, 2), "synic: SVERSION is read-only (#GP on write)");
    report(hv_cpu_rdmsr(HV_MSR_SCONTROL, &v) && (v & HV_SCONTROL_ENABLE), "synic: SCONTROL enabled");
    for (uint32_t msr = HV_MSR_SIEFP; msr <= HV_MSR_SIMP; msr++) {
        bool ok = hv_cpu_rdmsr(msr, &v) && (v & HV_MSR_ENABLE);
        uint64_t gpa = v & HV_MSR_PAGE_MASK;
        report(ok && gpa != 0 && platform_gpa_to_va(gpa) != NULL, "synic: %s enabled on page 0x%llx",
               msr == HV_MSR_SIMP ? "SIMP" : "SIEFP", (unsigned long long)gpa);
    }
    report(hv_cpu_rdmsr(HV_MSR_EOM, &v) && v == 0, "synic: EOM reads 0");

    uint64_t before = 0;
    hv_cpu_rdmsr(HV_MSR_SINT0 + SPARE_SINT, &before);
    report(before & HV_SINT_MASKED, "synic: an unused SINT is masked (0x%llx)", (unsigned long long)before);
    report(hv_cpu_wrmsr(HV_MSR_SINT0 + SPARE_SINT, HV_SINT_MASKED | 0x5e) &&
           hv_cpu_rdmsr(HV_MSR_SINT0 + SPARE_SINT, &v) && (v & 0x300ff) == (HV_SINT_MASKED | 0x5e),
           "synic: SINT vector and mask read back");
    report(!hv_cpu_wrmsr(HV_MSR_SINT0 + SPARE_SINT, 15), "synic: an unmasked SINT with vector 15 is refused");
    hv_cpu_wrmsr(HV_MSR_SINT0 + SPARE_SINT, before);
}
