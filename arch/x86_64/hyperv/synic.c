/* The synthetic interrupt controller: the message page (SIMP), the event
 * flags page (SIEFP), and one SINT per user, each on its own vector. The
 * interrupt handler hands each event flag the host set to the SINT's flag
 * callback first, then drains its message slot with the end-of-message
 * protocol, handing each message to its message callback: the interrupt
 * goes up to the SINT's user, which never calls back down to scan. */
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "arch/console.h"

static struct hv_message *message_page;   /* SIMP: slot n for SINTn */
static uint8_t *event_page;               /* SIEFP: 2048 flags per SINT */

static struct {
    platform_message_fn on_message;
    platform_flag_fn on_flag;
    uint32_t flag_count;
    void *ctx;
} sints[HV_SINT_COUNT];

int hv_synic_init(void)
{
    uint64_t simp_gpa, siefp_gpa;
    message_page = platform_pages_alloc(1, &simp_gpa);
    event_page = platform_pages_alloc(1, &siefp_gpa);
    if (message_page == NULL || event_page == NULL)
        return -1;
    /* Every SINT masked until someone attaches to it. */
    for (uint32_t n = 0; n < HV_SINT_COUNT; n++)
        if (!hv_cpu_wrmsr(HV_MSR_SINT0 + n, HV_SINT_MASKED))
            return -1;
    uint64_t old = 0;
    if (!hv_cpu_rdmsr(HV_MSR_SIMP, &old) || !hv_cpu_wrmsr(HV_MSR_SIMP, simp_gpa | (old & HV_PAGE_MSR_RSVDP) | HV_MSR_ENABLE))
        return -1;
    if (!hv_cpu_rdmsr(HV_MSR_SIEFP, &old) || !hv_cpu_wrmsr(HV_MSR_SIEFP, siefp_gpa | (old & HV_PAGE_MSR_RSVDP) | HV_MSR_ENABLE))
        return -1;
    if (!hv_cpu_rdmsr(HV_MSR_SCONTROL, &old) || !hv_cpu_wrmsr(HV_MSR_SCONTROL, old | HV_SCONTROL_ENABLE))
        return -1;
    return 0;
}

void hv_synic_teardown(void)
{
    uint64_t v;
    for (uint32_t n = 0; n < HV_SINT_COUNT; n++) {
        if (hv_cpu_rdmsr(HV_MSR_SINT0 + n, &v))
            hv_cpu_wrmsr(HV_MSR_SINT0 + n, v | HV_SINT_MASKED);
        sints[n].on_message = NULL;
        sints[n].on_flag = NULL;
    }
    if (hv_cpu_rdmsr(HV_MSR_SCONTROL, &v))
        hv_cpu_wrmsr(HV_MSR_SCONTROL, v & ~HV_SCONTROL_ENABLE);
    if (hv_cpu_rdmsr(HV_MSR_SIMP, &v))
        hv_cpu_wrmsr(HV_MSR_SIMP, v & HV_PAGE_MSR_RSVDP);
    if (hv_cpu_rdmsr(HV_MSR_SIEFP, &v))
        hv_cpu_wrmsr(HV_MSR_SIEFP, v & HV_PAGE_MSR_RSVDP);
    /* The pages stay: a host may still write a last message into them. */
}

/* Copy out, empty the slot, fence, then EOM only if more is queued: in
 * this order, or a message queued behind this one can wait forever. */
static void drain_messages(uint32_t sint)
{
    volatile struct hv_message *slot = &message_page[sint];
    for (int budget = 64; budget > 0 && slot->header.message_type != HV_MESSAGE_TYPE_NONE; budget--) {
        struct hv_message copy;
        memcpy(&copy, (const void *)slot, sizeof(copy));
        slot->header.message_type = HV_MESSAGE_TYPE_NONE;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (slot->header.flags & HV_MESSAGE_FLAG_PENDING)
            hv_cpu_wrmsr(HV_MSR_EOM, 0);
        if (copy.header.payload_size > HV_MESSAGE_PAYLOAD_MAX) {
            kprintf("hvrt: SINT%u message type 0x%x claims %u payload bytes; dropped\n",
                    sint, copy.header.message_type, copy.header.payload_size);
            continue;
        }
        if (sints[sint].on_message != NULL)
            sints[sint].on_message(&copy, sints[sint].ctx);
    }
}

/* Takes every set flag of the SINT's event array below its flag_count
 * (cleared atomically, a 64-bit word at a time) and hands each to on_flag. */
static void take_flags(uint32_t sint)
{
    uint32_t flag_count = sints[sint].flag_count;
    if (event_page == NULL || sints[sint].on_flag == NULL)
        return;
    if (flag_count > HV_EVENT_FLAGS_COUNT)
        flag_count = HV_EVENT_FLAGS_COUNT;
    uint64_t *words = (uint64_t *)(event_page + sint * HV_SIEF_ARRAY_SIZE);
    for (uint32_t w = 0; w < (flag_count + 63) / 64; w++) {
        if (__atomic_load_n(&words[w], __ATOMIC_RELAXED) == 0)
            continue;
        uint64_t bits = __atomic_exchange_n(&words[w], 0, __ATOMIC_SEQ_CST);   /* take them all at once */
        while (bits != 0) {
            uint32_t flag = w * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (flag < flag_count)
                sints[sint].on_flag(flag, sints[sint].ctx);
        }
    }
}

/* The SINT's vector handler; arg is the SINT's number. */
static void sint_interrupt(void *arg)
{
    uint32_t sint = (uint32_t)(uintptr_t)arg;
    take_flags(sint);
    drain_messages(sint);
}

int platform_sint_attach(uint32_t sint, platform_message_fn on_message, platform_flag_fn on_flag,
                         uint32_t flag_count, void *ctx)
{
    if (!hv.synic || sint >= HV_SINT_COUNT)
        return -1;   /* the caller says what it cannot do without it */
    sints[sint].ctx = ctx;
    sints[sint].on_message = on_message;
    sints[sint].on_flag = on_flag;
    sints[sint].flag_count = on_flag != NULL ? flag_count : 0;
    uint8_t vector = (uint8_t)(HV_VECTOR_SINT_BASE + sint);
    hv_cpu_set_vector_handler(vector, sint_interrupt, (void *)(uintptr_t)sint);
    /* Never AutoEOI: deprecated on current hosts, and one EOI path is simpler. */
    if (!hv_cpu_wrmsr(HV_MSR_SINT0 + sint, vector))
        return -1;
    /* Something may have arrived while the SINT was masked. */
    platform_sint_poll(sint);
    return 0;
}

void platform_sint_poll(uint32_t sint)
{
    if (message_page == NULL || sint >= HV_SINT_COUNT)
        return;
    platform_irq_state s = platform_irq_save();
    sint_interrupt((void *)(uintptr_t)sint);
    platform_irq_restore(s);
}

void platform_sint_detach(uint32_t sint)
{
    if (sint >= HV_SINT_COUNT)
        return;
    hv_cpu_wrmsr(HV_MSR_SINT0 + sint, HV_SINT_MASKED);
    sints[sint].on_message = NULL;
    sints[sint].on_flag = NULL;
}
