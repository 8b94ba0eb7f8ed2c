/* Hypercalls: the guest OS id, the hypercall page, and the two calls VMBus
 * needs, HvPostMessage (slow: input in a page) and HvSignalEvent (fast). */
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "arch/format.h"

/* HvPostMessage's INSUFFICIENT_BUFFERS (the host's 16 buffers for us are
 * full) and INSUFFICIENT_MEMORY are transient, but a busy Hyper-V host can
 * refuse for seconds: Linux retries up to 100 times with a backoff that
 * grows to seconds, FreeBSD 20 times from 1 ms up to 2 s (about 20 s in
 * all). We wait 1 us, doubling up to 1 s, for at most 40 attempts: about
 * 1 s of short waits, then up to 21 s more, bounded (about 22 s), within
 * those guests' range. The delay is platform_delay_ns, with interrupts as
 * the caller had them (on, from a thread: our own SINT keeps being served). */
#define POST_ATTEMPTS     40
#define POST_BACKOFF_MAX_NS 1000000000ull

static bool post_transient(uint16_t status)
{
    return status == HV_STATUS_INSUFFICIENT_BUFFERS || status == HV_STATUS_INSUFFICIENT_MEMORY;
}

static uint64_t post_backoff_ns(unsigned attempt)
{
    uint64_t ns = 1000ull << (attempt < 20 ? attempt : 20);
    return ns < POST_BACKOFF_MAX_NS ? ns : POST_BACKOFF_MAX_NS;
}

static void *hypercall_page;        /* allocated by us, or found enabled */
static bool hypercall_page_ours;
static struct hv_post_message_input *input;
static uint64_t input_gpa;

int hv_hypercall_init(void)
{
    uint64_t id = 0, msr = 0;
    if (!hv_cpu_rdmsr(HV_MSR_GUEST_OS_ID, &id) || (id == 0 && !hv_cpu_wrmsr(HV_MSR_GUEST_OS_ID, HVRT_GUEST_OS_ID)))
        return -1;
    if (!hv_cpu_rdmsr(HV_MSR_HYPERCALL, &msr))
        return -1;
    if (msr & HV_MSR_ENABLE) {
        hypercall_page = platform_gpa_to_va(msr & HV_MSR_PAGE_MASK);   /* reuse: it may be locked */
    } else {
        uint64_t gpa;
        hypercall_page = platform_pages_alloc(1, &gpa);
        if (hypercall_page == NULL)
            return -1;
        hypercall_page_ours = true;
        if (!hv_cpu_wrmsr(HV_MSR_HYPERCALL, gpa | (msr & HV_HYPERCALL_RSVDP) | HV_MSR_ENABLE) ||
            !hv_cpu_rdmsr(HV_MSR_HYPERCALL, &msr) || !(msr & HV_MSR_ENABLE)) {
            platform_pages_free(hypercall_page, 1);
            hypercall_page = NULL;
            hypercall_page_ours = false;
            return -1;   /* the host refused: Enable reads back 0 */
        }
    }
    hv_cpu_set_hypercall_page(hypercall_page);
    input = platform_pages_alloc(1, &input_gpa);
    return input != NULL ? 0 : -1;
}

void hv_hypercall_teardown(void)
{
    uint64_t msr = 0;
    if (hypercall_page != NULL && hv_cpu_rdmsr(HV_MSR_HYPERCALL, &msr) && !(msr & HV_HYPERCALL_LOCKED))
        hv_cpu_wrmsr(HV_MSR_HYPERCALL, msr & ~HV_MSR_ENABLE);
    hv_cpu_wrmsr(HV_MSR_GUEST_OS_ID, 0);
    hv_cpu_set_hypercall_page(NULL);
    /* The page stays allocated: a locked hypercall MSR keeps the overlay. */
    hypercall_page = NULL;
}

uint16_t platform_post_message(uint32_t connection_id, uint32_t message_type, const void *payload, uint32_t size)
{
    if (!hv.messages)
        return HV_STATUS_ACCESS_DENIED;
    if (size > HV_MESSAGE_PAYLOAD_MAX || (connection_id & ~HV_CONNECTION_ID_MASK) != 0)
        return HV_STATUS_INVALID_PARAMETER;
    uint16_t status = HV_STATUS_INSUFFICIENT_BUFFERS;
    for (unsigned attempt = 0; attempt < POST_ATTEMPTS && post_transient(status); attempt++) {
        if (attempt > 0)
            platform_delay_ns(post_backoff_ns(attempt));   /* 2 us, 4 us, ... 1 s */
        /* One input page: keep interrupt handlers from posting in between. */
        platform_irq_state s = platform_irq_save();
        input->connection_id = connection_id;
        input->reserved = 0;
        input->message_type = message_type;
        input->payload_size = size;
        memcpy(input->payload, payload, size);
        status = (uint16_t)hv_cpu_hypercall(HV_CALL_POST_MESSAGE, input_gpa, 0);
        platform_irq_restore(s);
    }
    return status;
}

uint16_t platform_signal_event(uint32_t connection_id, uint16_t flag)
{
    if (!hv.events)
        return HV_STATUS_ACCESS_DENIED;
    uint64_t arg = (connection_id & HV_CONNECTION_ID_MASK) | ((uint64_t)flag << HV_SIGNAL_EVENT_FLAG_SHIFT);
    return (uint16_t)hv_cpu_hypercall_fast(HV_CALL_SIGNAL_EVENT | HV_HC_FAST, arg, 0);
}

uint32_t platform_vp_index(void) { return hv.vp_index; }
