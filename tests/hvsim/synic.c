/* The SynIC of each VP: its MSRs, the host->guest message queue of each SINT
 * and the slot rule (a message enters slot n only when the slot's type is 0;
 * otherwise the slot's MessagePending flag is set and the queue waits for an
 * EOM, an APIC EOI or the next message), event flags in the SIEF page, and
 * raising a SINT (masked, AutoEOI, polling). Slot and flag words are written
 * with atomics because in the bridged setup a real guest reads them at the
 * same time. */
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

static bool synic_on(const struct hvsim_vp *vp)
{
    return (vp->scontrol & HV_SCONTROL_ENABLE) != 0;
}

void synic_raise(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint)
{
    uint64_t reg = vp->sint[sint];
    if (vp->sint_lose[sint] > 0) {
        vp->sint_lose[sint]--;
        sim_log(sim, "vp%u sint%u interrupt lost (injected)", vp->index, sint);
        return;
    }
    if (reg & HV_SINT_MASKED) {
        if (sim->cfg.masked_policy == HVSIM_MASKED_HOLD) {
            vp->sint_held[sint] = true;
            sim_log(sim, "vp%u sint%u masked: interrupt held", vp->index, sint);
        } else {
            sim_log(sim, "vp%u sint%u masked: interrupt lost", vp->index, sint);
        }
        return;
    }
    if ((reg & HV_SINT_POLLING) && (sim->cfg.features & HV_FEATURE_SINT_POLLING))
        return; /* polling mode: the guest looks at the page itself */
    apic_raise(sim, vp, (uint8_t)(reg & HV_SINT_VECTOR_MASK), (reg & HV_SINT_AUTO_EOI) != 0);
}

static struct hv_message *slot_of(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint)
{
    /* SIMP was checked to name a page inside the arena when it was enabled. */
    return (struct hv_message *)(sim->mem + (vp->simp & HV_MSR_PAGE_MASK) + sint * HV_SIM_SLOT_SIZE);
}

static void queue_pop(struct hvsim_sint_queue *q)
{
    q->count--;
    memmove(&q->items[0], &q->items[1], q->count * sizeof(q->items[0]));
}

/* Try to move the head of one SINT's queue into its slot. */
static void deliver_one(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint)
{
    struct hvsim_sint_queue *q = &vp->queue[sint];
    if (q->count == 0 || q->items[0].ready_ns > sim->now_ns)
        return;
    if (!synic_on(vp) || !(vp->simp & HV_MSR_ENABLE))
        return;

    struct hv_message *slot = slot_of(sim, vp, sint);
    if (__atomic_load_n(&slot->header.message_type, __ATOMIC_ACQUIRE) != HV_MESSAGE_TYPE_NONE) {
        if (!(__atomic_fetch_or(&slot->header.flags, HV_MESSAGE_FLAG_PENDING, __ATOMIC_SEQ_CST) &
              HV_MESSAGE_FLAG_PENDING)) {
            vp->stats.message_pending_set++;
            sim_log(sim, "vp%u sint%u slot busy: MessagePending set", vp->index, sint);
        }
        return;
    }

    struct hvsim_queued_msg *head = &q->items[0];
    struct hv_message m = head->msg;
    int timer = head->timer;
    if (timer >= 0) {
        struct hv_timer_message_payload p;
        memcpy(&p, m.payload, sizeof(p));
        p.delivery_time = clock_ref_count(sim);
        memcpy(m.payload, &p, sizeof(p));
    }
    if (q->count > 1 && q->items[1].ready_ns <= sim->now_ns)
        m.header.flags |= HV_MESSAGE_FLAG_PENDING;

    /* Everything but the type first; the type last, so a reader that sees a
     * non-zero type sees the whole message. */
    memcpy((uint8_t *)slot + sizeof(m.header.message_type),
           (const uint8_t *)&m + sizeof(m.header.message_type),
           sizeof(m) - sizeof(m.header.message_type));
    __atomic_store_n(&slot->header.message_type, m.header.message_type, __ATOMIC_RELEASE);
    queue_pop(q);
    vp->stats.messages_delivered++;
    sim_log(sim, "vp%u sint%u message type 0x%x size %u delivered", vp->index, sint,
            m.header.message_type, m.header.payload_size);
    if (timer >= 0)
        stimer_message_delivered(sim, vp, timer);
    synic_raise(sim, vp, sint);
}

void synic_scan(struct hvsim *sim, struct hvsim_vp *vp)
{
    for (uint32_t sint = 0; sint < HV_SINT_COUNT; sint++)
        deliver_one(sim, vp, sint);
}

int synic_queue(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint, const struct hv_message *msg,
                uint64_t delay_ns, int timer)
{
    struct hvsim_sint_queue *q = &vp->queue[sint];
    if (q->count >= sim->cfg.msg_queue_depth)
        return HVSIM_EFULL;
    uint64_t ready = sim->now_ns + delay_ns;
    if (ready < sim->now_ns)
        ready = UINT64_MAX;
    /* Keep (ready_ns, seq) order: insert after every entry ready no later. */
    uint32_t at = q->count;
    while (at > 0 && q->items[at - 1].ready_ns > ready)
        at--;
    memmove(&q->items[at + 1], &q->items[at], (q->count - at) * sizeof(q->items[0]));
    q->items[at].ready_ns = ready;
    q->items[at].seq = sim->seq++;
    q->items[at].timer = timer;
    q->items[at].msg = *msg;
    q->count++;
    deliver_one(sim, vp, sint);
    return HVSIM_OK;
}

bool synic_next_ready_ns(const struct hvsim *sim, uint64_t *when_ns)
{
    bool found = false;
    for (uint32_t i = 0; i < sim->cfg.vp_count; i++) {
        for (uint32_t s = 0; s < HV_SINT_COUNT; s++) {
            const struct hvsim_sint_queue *q = &sim->vps[i].queue[s];
            for (uint32_t k = 0; k < q->count; k++) {
                if (q->items[k].ready_ns <= sim->now_ns)
                    continue;
                if (!found || q->items[k].ready_ns < *when_ns)
                    *when_ns = q->items[k].ready_ns;
                found = true;
                break; /* sorted: later entries are later still */
            }
        }
    }
    return found;
}

void synic_free(struct hvsim *sim)
{
    if (!sim->vps)
        return;
    for (uint32_t i = 0; i < sim->cfg.vp_count; i++)
        for (uint32_t s = 0; s < HV_SINT_COUNT; s++)
            free(sim->vps[i].queue[s].items);
}

/* ---- MSRs ---- */

enum hvsim_msr_result synic_rdmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t *value)
{
    switch (msr) {
    case HV_MSR_SCONTROL: *value = vp->scontrol; return HVSIM_MSR_OK;
    case HV_MSR_SVERSION: *value = sim->cfg.synic_version; return HVSIM_MSR_OK;
    case HV_MSR_SIEFP: *value = vp->siefp; return HVSIM_MSR_OK;
    case HV_MSR_SIMP: *value = vp->simp; return HVSIM_MSR_OK;
    case HV_MSR_EOM: *value = 0; return HVSIM_MSR_OK;
    default: break;
    }
    if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + HV_SINT_COUNT) {
        *value = vp->sint[msr - HV_MSR_SINT0];
        return HVSIM_MSR_OK;
    }
    return HVSIM_MSR_GP;
}

/* SIMP and SIEFP: bit 0 enable, 63:12 page. The page must be guest RAM. */
static enum hvsim_msr_result write_page_msr(struct hvsim *sim, uint64_t *reg, uint64_t value)
{
    if (msr_rsvdp_rejected(sim, value, HV_PAGE_MSR_RSVDP))
        return HVSIM_MSR_GP;
    uint64_t gpa = value & HV_MSR_PAGE_MASK;
    if (value & HV_MSR_ENABLE) {
        if (!mem_page_ok(sim, gpa))
            return HVSIM_MSR_GP;
        if (sim->cfg.zero_synic_pages)
            memset(sim->mem + gpa, 0, HV_PAGE_SIZE);
    }
    *reg = value;
    return HVSIM_MSR_OK;
}

static enum hvsim_msr_result write_sint(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint, uint64_t value)
{
    if (msr_rsvdp_rejected(sim, value, HV_SINT_RSVDP))
        return HVSIM_MSR_GP;
    bool masked = (value & HV_SINT_MASKED) != 0;
    /* Vectors 0-15 are invalid; a masked SINT may keep one (the reset value
     * does), so the check applies to unmasked values only. */
    if (!masked && (value & HV_SINT_VECTOR_MASK) < HV_MIN_VALID_VECTOR)
        return HVSIM_MSR_GP;

    uint64_t old = vp->sint[sint];
    const uint64_t live = HV_SINT_VECTOR_MASK | HV_SINT_AUTO_EOI | HV_SINT_POLLING;
    if (!(old & HV_SINT_MASKED) && !masked && ((old ^ value) & live))
        sim_log(sim, "vp%u sint%u changed while unmasked", vp->index, sint);
    if ((value & HV_SINT_AUTO_EOI) && !masked &&
        (sim->cfg.recommendations & HV_RECOMMEND_AUTOEOI_DEPRECATED))
        sim_log(sim, "vp%u sint%u uses AutoEOI, which CPUID says is deprecated", vp->index, sint);

    vp->sint[sint] = value;
    if (!masked && vp->sint_held[sint]) {
        vp->sint_held[sint] = false;
        synic_raise(sim, vp, sint);
    }
    return HVSIM_MSR_OK;
}

enum hvsim_msr_result synic_wrmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t value)
{
    enum hvsim_msr_result r;
    switch (msr) {
    case HV_MSR_SCONTROL:
        if (msr_rsvdp_rejected(sim, value, HV_SCONTROL_RSVDP))
            return HVSIM_MSR_GP;
        vp->scontrol = value;
        synic_scan(sim, vp);
        return HVSIM_MSR_OK;
    case HV_MSR_SVERSION:
        return HVSIM_MSR_GP; /* read-only */
    case HV_MSR_SIEFP:
        return write_page_msr(sim, &vp->siefp, value);
    case HV_MSR_SIMP:
        r = write_page_msr(sim, &vp->simp, value);
        if (r == HVSIM_MSR_OK)
            synic_scan(sim, vp);
        return r;
    case HV_MSR_EOM:
        vp->stats.eom_writes++;
        synic_scan(sim, vp);
        return HVSIM_MSR_OK;
    default:
        break;
    }
    if (msr >= HV_MSR_SINT0 && msr < HV_MSR_SINT0 + HV_SINT_COUNT)
        return write_sint(sim, vp, msr - HV_MSR_SINT0, value);
    return HVSIM_MSR_GP;
}

/* ---- host-side API ---- */

int hvsim_post_to_guest_ex(struct hvsim *sim, uint32_t vpi, uint32_t sint, uint32_t type,
                           const void *payload, uint32_t size, uint64_t delay_ns,
                           uint64_t origination_id)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HV_SINT_COUNT || type == HV_MESSAGE_TYPE_NONE ||
        size > HV_MESSAGE_PAYLOAD_MAX || (size != 0 && !payload))
        return HVSIM_EINVAL;
    struct hv_message m;
    memset(&m, 0, sizeof(m));
    m.header.message_type = type;
    m.header.payload_size = (uint8_t)size;
    m.header.origination_id = origination_id;
    if (size)
        memcpy(m.payload, payload, size);
    sim_enter(sim);
    int r = synic_queue(sim, vp, sint, &m, delay_ns, -1);
    if (r != HVSIM_OK)
        sim_log(sim, "vp%u sint%u queue full: message type 0x%x refused", vpi, sint, type);
    sim_leave(sim);
    return r;
}

int hvsim_post_to_guest(struct hvsim *sim, uint32_t vp, uint32_t sint, uint32_t type,
                        const void *payload, uint32_t size)
{
    return hvsim_post_to_guest_ex(sim, vp, sint, type, payload, size, sim->cfg.msg_delay_ns, 0);
}

uint32_t hvsim_queued_messages(const struct hvsim *sim, uint32_t vp, uint32_t sint)
{
    if (vp >= sim->cfg.vp_count || sint >= HV_SINT_COUNT)
        return 0;
    return sim->vps[vp].queue[sint].count;
}

int hvsim_signal_guest_event(struct hvsim *sim, uint32_t vpi, uint32_t sint, uint32_t flag)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HV_SINT_COUNT || flag >= HV_EVENT_FLAGS_COUNT)
        return HVSIM_EINVAL;
    if (!synic_on(vp) || !(vp->siefp & HV_MSR_ENABLE))
        return HVSIM_ESTATE;
    uint8_t *byte = sim->mem + (vp->siefp & HV_MSR_PAGE_MASK) + sint * HV_SIEF_ARRAY_SIZE + flag / 8;
    uint8_t bit = (uint8_t)(1u << (flag % 8));
    sim_enter(sim);
    uint8_t old = __atomic_fetch_or(byte, bit, __ATOMIC_SEQ_CST);
    if (!(old & bit)) {
        sim_log(sim, "vp%u sint%u event flag %u set", vpi, sint, flag);
        synic_raise(sim, vp, sint);
    }
    sim_leave(sim);
    return HVSIM_OK;
}

int hvsim_inject_lost_sint(struct hvsim *sim, uint32_t vpi, uint32_t sint, uint32_t count)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HV_SINT_COUNT)
        return HVSIM_EINVAL;
    vp->sint_lose[sint] = count;
    return HVSIM_OK;
}

int hvsim_raise_spurious_sint(struct hvsim *sim, uint32_t vpi, uint32_t sint)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HV_SINT_COUNT)
        return HVSIM_EINVAL;
    sim_enter(sim);
    sim_log(sim, "vp%u sint%u spurious interrupt (injected)", vpi, sint);
    synic_raise(sim, vp, sint);
    sim_leave(sim);
    return HVSIM_OK;
}
