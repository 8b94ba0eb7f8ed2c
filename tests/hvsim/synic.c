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
    return (vp->scontrol & HVW_SCONTROL_ENABLE) != 0;
}

void synic_raise(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint)
{
    uint64_t reg = vp->sint[sint];
    if (vp->sint_lose[sint] > 0) {
        vp->sint_lose[sint]--;
        sim_log(sim, "vp%u sint%u interrupt lost (injected)", vp->index, sint);
        return;
    }
    if (reg & HVW_SINT_MASKED) {
        if (sim->cfg.masked_policy == HVSIM_MASKED_HOLD) {
            vp->sint_held[sint] = true;
            sim_log(sim, "vp%u sint%u masked: interrupt held", vp->index, sint);
        } else {
            sim_log(sim, "vp%u sint%u masked: interrupt lost", vp->index, sint);
        }
        return;
    }
    if ((reg & HVW_SINT_POLLING) && (sim->cfg.features & HVW_FEAT_SINT_POLLING))
        return; /* polling mode: the guest looks at the page itself */
    apic_raise(sim, vp, (uint8_t)(reg & 0xFFull), (reg & HVW_SINT_AUTO_EOI) != 0);
}

static uint8_t *slot_of(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint)
{
    /* SIMP was checked to name a page inside the arena when it was enabled. */
    return sim->mem + HVW_PAGE_MSR_GPA(vp->simp) + sint * HVW_MSG_SLOT;
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
    if (!synic_on(vp) || !(vp->simp & HVW_PAGE_MSR_ENABLE))
        return;

    uint8_t *slot = slot_of(sim, vp, sint);
    if (ld32_acquire(slot, HVW_MSG_TYPE) != HVW_MSGTYPE_NONE) {
        if (!(__atomic_fetch_or(slot + HVW_MSG_FLAGS, HVW_MSG_PENDING, __ATOMIC_SEQ_CST) &
              HVW_MSG_PENDING)) {
            vp->stats.message_pending_set++;
            sim_log(sim, "vp%u sint%u slot busy: MessagePending set", vp->index, sint);
        }
        return;
    }

    struct hvsim_queued_msg *head = &q->items[0];
    uint8_t m[HVW_MSG_SLOT];
    memcpy(m, head->msg, sizeof(m));
    int timer = head->timer;
    if (timer >= 0)
        st64(m, HVW_MSG_PAYLOAD + HVW_TIMERMSG_DELIVERY, clock_ref_count(sim));
    if (q->count > 1 && q->items[1].ready_ns <= sim->now_ns)
        m[HVW_MSG_FLAGS] |= HVW_MSG_PENDING;

    /* Everything after the type first; the type last, so a reader that sees
     * a non-zero type sees the whole message. */
    uint32_t type = ld32(m, HVW_MSG_TYPE);
    memcpy(slot + 4, m + 4, sizeof(m) - 4);
    st32_release(slot, HVW_MSG_TYPE, type);
    queue_pop(q);
    vp->stats.messages_delivered++;
    sim_log(sim, "vp%u sint%u message type 0x%x size %u delivered", vp->index, sint, type,
            m[HVW_MSG_SIZE]);
    if (timer >= 0)
        stimer_message_delivered(sim, vp, timer);
    synic_raise(sim, vp, sint);
}

void synic_scan(struct hvsim *sim, struct hvsim_vp *vp)
{
    for (uint32_t sint = 0; sint < HVW_SINTS; sint++)
        deliver_one(sim, vp, sint);
}

int synic_queue(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint, const uint8_t *msg,
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
    memcpy(q->items[at].msg, msg, HVW_MSG_SLOT);
    q->count++;
    deliver_one(sim, vp, sint);
    return HVSIM_OK;
}

bool synic_next_ready_ns(const struct hvsim *sim, uint64_t *when_ns)
{
    bool found = false;
    for (uint32_t i = 0; i < sim->cfg.vp_count; i++) {
        for (uint32_t s = 0; s < HVW_SINTS; s++) {
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
        for (uint32_t s = 0; s < HVW_SINTS; s++)
            free(sim->vps[i].queue[s].items);
}

/* ---- MSRs ---- */

enum hvsim_msr_result synic_rdmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t *value)
{
    switch (msr) {
    case HVW_MSR_SCONTROL: *value = vp->scontrol; return HVSIM_MSR_OK;
    case HVW_MSR_SVERSION: *value = sim->cfg.synic_version; return HVSIM_MSR_OK;
    case HVW_MSR_SIEFP: *value = vp->siefp; return HVSIM_MSR_OK;
    case HVW_MSR_SIMP: *value = vp->simp; return HVSIM_MSR_OK;
    case HVW_MSR_EOM: *value = 0; return HVSIM_MSR_OK;
    default: break;
    }
    if (msr >= HVW_MSR_SINT(0) && msr < HVW_MSR_SINT(0) + HVW_SINTS) {
        *value = vp->sint[msr - HVW_MSR_SINT(0)];
        return HVSIM_MSR_OK;
    }
    return HVSIM_MSR_GP;
}

/* SIMP and SIEFP: bit 0 enable, 63:12 page. The page must be guest RAM. */
static enum hvsim_msr_result write_page_msr(struct hvsim *sim, uint64_t *reg, uint64_t value)
{
    if (msr_rsvdp_rejected(sim, value, HVW_PAGE_MSR_RSVDP))
        return HVSIM_MSR_GP;
    uint64_t gpa = value & ~0xFFFull;
    if (value & HVW_PAGE_MSR_ENABLE) {
        if (!mem_page_ok(sim, gpa))
            return HVSIM_MSR_GP;
        if (sim->cfg.zero_synic_pages)
            memset(sim->mem + gpa, 0, HVW_PAGE);
    }
    *reg = value;
    return HVSIM_MSR_OK;
}

static enum hvsim_msr_result write_sint(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint, uint64_t value)
{
    if (msr_rsvdp_rejected(sim, value, (~HVW_SINT_KNOWN)))
        return HVSIM_MSR_GP;
    bool masked = (value & HVW_SINT_MASKED) != 0;
    /* Vectors 0-15 are invalid; a masked SINT may keep one (the reset value
     * does), so the check applies to unmasked values only. */
    if (!masked && (value & 0xFFull) < HVW_FIRST_VECTOR)
        return HVSIM_MSR_GP;

    uint64_t old = vp->sint[sint];
    const uint64_t live = 0xFFull | HVW_SINT_AUTO_EOI | HVW_SINT_POLLING;
    if (!(old & HVW_SINT_MASKED) && !masked && ((old ^ value) & live))
        sim_log(sim, "vp%u sint%u changed while unmasked", vp->index, sint);
    if ((value & HVW_SINT_AUTO_EOI) && !masked &&
        (sim->cfg.recommendations & HVW_REC_NO_AUTOEOI))
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
    case HVW_MSR_SCONTROL:
        if (msr_rsvdp_rejected(sim, value, HVW_SCONTROL_RSVDP))
            return HVSIM_MSR_GP;
        vp->scontrol = value;
        synic_scan(sim, vp);
        return HVSIM_MSR_OK;
    case HVW_MSR_SVERSION:
        return HVSIM_MSR_GP; /* read-only */
    case HVW_MSR_SIEFP:
        return write_page_msr(sim, &vp->siefp, value);
    case HVW_MSR_SIMP:
        r = write_page_msr(sim, &vp->simp, value);
        if (r == HVSIM_MSR_OK)
            synic_scan(sim, vp);
        return r;
    case HVW_MSR_EOM:
        vp->stats.eom_writes++;
        synic_scan(sim, vp);
        return HVSIM_MSR_OK;
    default:
        break;
    }
    if (msr >= HVW_MSR_SINT(0) && msr < HVW_MSR_SINT(0) + HVW_SINTS)
        return write_sint(sim, vp, msr - HVW_MSR_SINT(0), value);
    return HVSIM_MSR_GP;
}

/* ---- host-side API ---- */

int hvsim_post_to_guest_ex(struct hvsim *sim, uint32_t vpi, uint32_t sint, uint32_t type,
                           const void *payload, uint32_t size, uint64_t delay_ns,
                           uint64_t origination_id)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HVW_SINTS || type == HVW_MSGTYPE_NONE ||
        size > HVW_PAYLOAD_MAX || (size != 0 && !payload))
        return HVSIM_EINVAL;
    uint8_t m[HVW_MSG_SLOT];
    memset(m, 0, sizeof(m));
    st32(m, HVW_MSG_TYPE, type);
    st8(m, HVW_MSG_SIZE, (uint8_t)size);
    st64(m, HVW_MSG_ORIGIN, origination_id);
    if (size)
        memcpy(m + HVW_MSG_PAYLOAD, payload, size);
    sim_enter(sim);
    int r = synic_queue(sim, vp, sint, m, delay_ns, -1);
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
    if (vp >= sim->cfg.vp_count || sint >= HVW_SINTS)
        return 0;
    return sim->vps[vp].queue[sint].count;
}

int hvsim_signal_guest_event(struct hvsim *sim, uint32_t vpi, uint32_t sint, uint32_t flag)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HVW_SINTS || flag >= HVW_EVENT_FLAGS)
        return HVSIM_EINVAL;
    if (!synic_on(vp) || !(vp->siefp & HVW_PAGE_MSR_ENABLE))
        return HVSIM_ESTATE;
    uint8_t *byte = sim->mem + (vp->siefp & ~0xFFFull) + sint * HVW_SIEF_ARRAY + flag / 8;
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
    if (!vp || sint >= HVW_SINTS)
        return HVSIM_EINVAL;
    vp->sint_lose[sint] = count;
    return HVSIM_OK;
}

int hvsim_raise_spurious_sint(struct hvsim *sim, uint32_t vpi, uint32_t sint)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp || sint >= HVW_SINTS)
        return HVSIM_EINVAL;
    sim_enter(sim);
    sim_log(sim, "vp%u sint%u spurious interrupt (injected)", vpi, sint);
    synic_raise(sim, vp, sint);
    sim_leave(sim);
    return HVSIM_OK;
}
