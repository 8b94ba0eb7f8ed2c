/* Telling the host the guest crashed: parameters in P0-P4, a text message
 * when the host takes one, then one write of CRASH_CTL. */
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"

static char *message;       /* a page set aside at init: a panic must not allocate */
static uint64_t message_gpa;

int hv_crash_init(void)
{
    if (!(hv.info.features & HV_FEATURE_CRASH_MSRS))
        return -1;
    message = platform_pages_alloc(1, &message_gpa);
    hv.crash_msrs = message != NULL;
    return hv.crash_msrs ? 0 : -1;
}

void hv_crash_report(uint64_t code, uint64_t rip, uint64_t rsp, const char *text)
{
    uint64_t supported = 0;
    if (!hv.crash_msrs || !hv_cpu_rdmsr(HV_MSR_CRASH_CTL, &supported) || !(supported & HV_CRASH_CTL_NOTIFY))
        return;
    uint64_t ctl = HV_CRASH_CTL_NOTIFY;
    uint64_t p[HV_CRASH_PARAM_COUNT] = { code, HVRT_GUEST_OS_ID, rip, 0, rsp };
    if (text != NULL && (supported & HV_CRASH_CTL_MESSAGE)) {
        size_t len = strnlen(text, HV_PAGE_SIZE - 1);
        memcpy(message, text, len);
        message[len] = '\0';
        p[3] = message_gpa;
        p[4] = len;
        ctl |= HV_CRASH_CTL_MESSAGE;
    }
    for (uint32_t i = 0; i < HV_CRASH_PARAM_COUNT; i++)
        hv_cpu_wrmsr(HV_MSR_CRASH_P0 + i, p[i]);
    hv_cpu_wrmsr(HV_MSR_CRASH_CTL, ctl);   /* once per crash */
}
