/* Reference time from the hypervisor: the reference TSC page when granted
 * (no exit per read), else the TIME_REF_COUNT MSR (one exit per read). The
 * runtime keeps its calibrated TSC when neither is there. Also the TSC's
 * frequency as the hypervisor states it, which spares the boot its
 * calibration. */
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

static volatile struct hv_reference_tsc_page *tsc_page;

uint64_t hv_tsc_frequency(void)
{
    struct hv_info info;
    uint64_t hz;
    hv_detect(&info);
    /* The TLFS grants the MSR with the privilege bit and says it is there
     * with the feature bit: read it only with both, or it faults. */
    if (!info.present || !(info.privileges & HV_PRIV_FREQUENCY_MSRS) ||
        !(info.features & HV_FEATURE_FREQUENCY_MSRS) || !hv_cpu_rdmsr(HV_MSR_TSC_FREQUENCY, &hz))
        return 0;
    return hz;
}

int hv_clock_init(void)
{
    hv.ref_counter = (hv.info.privileges & HV_PRIV_TIME_REF_COUNT) != 0;
    if (!(hv.info.privileges & HV_PRIV_REFERENCE_TSC))
        return hv.ref_counter ? 0 : -1;
    uint64_t gpa, old = 0;
    void *page = platform_pages_alloc(1, &gpa);
    if (page == NULL)
        return -1;
    if (!hv_cpu_rdmsr(HV_MSR_REFERENCE_TSC, &old) ||
        !hv_cpu_wrmsr(HV_MSR_REFERENCE_TSC, gpa | (old & HV_PAGE_MSR_RSVDP) | HV_MSR_ENABLE)) {
        platform_pages_free(page, 1);
        return hv.ref_counter ? 0 : -1;
    }
    tsc_page = page;
    hv.ref_tsc = true;
    return 0;
}

void hv_clock_teardown(void)
{
    uint64_t v;
    if (hv.ref_tsc && hv_cpu_rdmsr(HV_MSR_REFERENCE_TSC, &v))
        hv_cpu_wrmsr(HV_MSR_REFERENCE_TSC, v & HV_PAGE_MSR_RSVDP);
    hv.ref_tsc = false;
    tsc_page = NULL;   /* the overlay page itself stays allocated */
}

/* The page's formula: time = high64(tsc * scale) + offset, valid only if
 * the sequence did not change across the reads and is not 0 (or ~0). */
static bool read_tsc_page(uint64_t *out)
{
    for (int tries = 0; tries < 100; tries++) {
        uint32_t seq = tsc_page->sequence;
        if (seq == 0 || seq == 0xffffffffu)
            return false;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint64_t tsc = hv_cpu_rdtsc();
        uint64_t scale = tsc_page->scale;
        int64_t offset = tsc_page->offset;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (tsc_page->sequence == seq) {
            *out = (uint64_t)(((unsigned __int128)tsc * scale) >> 64) + (uint64_t)offset;
            return true;
        }
    }
    return false;
}

bool hv_clock_ref_time(uint64_t *time_100ns)
{
    if (hv.ref_tsc && read_tsc_page(time_100ns))
        return true;
    return hv.ref_counter && hv_cpu_rdmsr(HV_MSR_TIME_REF_COUNT, time_100ns);
}
