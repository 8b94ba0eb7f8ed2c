/* Is this Hyper-V (or a hypervisor offering its interface), and what does
 * it grant? Compatibility decisions rest on the "Hv#1" interface signature,
 * never on the vendor string. */
#include <string.h>

#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

void hv_detect(struct hv_info *out)
{
    uint32_t r[4];
    memset(out, 0, sizeof(*out));
    hv_cpu_cpuid(1, r);
    if (!(r[2] & (1u << 31)))
        return;   /* no hypervisor at all */

    hv_cpu_cpuid(HV_CPUID_MAX_LEAF_AND_VENDOR, r);
    out->max_leaf = r[0];
    memcpy(out->vendor, &r[1], 4);
    memcpy(out->vendor + 4, &r[2], 4);
    memcpy(out->vendor + 8, &r[3], 4);
    for (int i = 0; i < 12; i++)
        if (out->vendor[i] < 0x20 || out->vendor[i] > 0x7e)
            out->vendor[i] = '?';
    if (out->max_leaf < HV_CPUID_LIMITS)
        return;

    hv_cpu_cpuid(HV_CPUID_INTERFACE, r);
    if (r[0] != HV_CPUID_INTERFACE_HV1)
        return;
    out->present = true;

    hv_cpu_cpuid(HV_CPUID_VERSION, r);
    out->build = r[0];
    out->version_major = r[1] >> 16;
    out->version_minor = r[1] & 0xffff;

    hv_cpu_cpuid(HV_CPUID_FEATURES, r);
    out->privileges = ((uint64_t)r[1] << 32) | r[0];
    out->features = r[3];

    hv_cpu_cpuid(HV_CPUID_RECOMMENDATIONS, r);
    out->recommendations = r[0];
}
