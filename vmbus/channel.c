/* Channels: the ring pair of an offer, opened through one GPADL, and the
 * packets that flow through it. Host signals arrive as relid flags on the
 * VMBus SINT and reach the channel's callback; our signals to the host go
 * out only when the ring protocol asks for them. A channel has one state
 * (enum vmbus_channel_state in vmbus.h); set_state is where it changes. */
#include <string.h>

#include "arch/platform.h"
#include "arch/hv_abi.h"
#include "vmbus/vmbus.h"

static struct vmbus_channel *by_relid[VMBUS_MAX_RELID + 1];

/* The allowed transitions, from -> bit set of tos. */
#define TO(s) (1u << (s))
static const unsigned allowed[] = {
    [VMBUS_CHANNEL_CLOSED] = TO(VMBUS_CHANNEL_OPENING),
    [VMBUS_CHANNEL_OPENING] = TO(VMBUS_CHANNEL_OPEN) | TO(VMBUS_CHANNEL_CLOSED) | TO(VMBUS_CHANNEL_RESCINDED),
    [VMBUS_CHANNEL_OPEN] = TO(VMBUS_CHANNEL_RESCINDED) | TO(VMBUS_CHANNEL_CLOSED),
    [VMBUS_CHANNEL_RESCINDED] = TO(VMBUS_CHANNEL_CLOSED),
};

/* false (and no change) for a transition the table does not allow: e.g.
 * OPEN after a rescind came during the open stays RESCINDED. */
static bool set_state(struct vmbus_channel *ch, enum vmbus_channel_state to)
{
    platform_irq_state s = platform_irq_save();   /* a rescind may come from the SINT */
    bool ok = (allowed[ch->state] & TO(to)) != 0;
    if (ok)
        ch->state = to;
    platform_irq_restore(s);
    return ok;
}

enum vmbus_channel_state vmbus_channel_state(const struct vmbus_channel *ch) { return ch->state; }
bool vmbus_channel_rescinded(const struct vmbus_channel *ch) { return ch->state == VMBUS_CHANNEL_RESCINDED; }
const struct vmbus_offer *vmbus_channel_offer(const struct vmbus_channel *ch) { return &ch->offer; }

static bool has_rings(const struct vmbus_channel *ch)
{
    return ch->state == VMBUS_CHANNEL_OPEN || ch->state == VMBUS_CHANNEL_RESCINDED;
}

/* Undoes a failed open. The ring pages go back only when the host cannot
 * hold them: nothing reached it (gpadl 0), it refused the GPADL, or it
 * confirmed a teardown. A GPADL that merely timed out may still exist at
 * the host, and it is torn down only when it was created or the channel
 * was rescinded (then the host answers at once). A rescinded relid is
 * released last: the host forgets what the relid holds on release, and a
 * teardown after that would never be answered. */
static void open_failed(struct vmbus_channel *ch, uint32_t gpadl, bool tear_down, uint64_t timeout_ms)
{
    uint32_t relid = ch->offer.relid;
    bool rescinded = ch->state == VMBUS_CHANNEL_RESCINDED;
    by_relid[relid] = NULL;
    bool host_may_hold = gpadl != 0;
    if (host_may_hold && (tear_down || rescinded) && vmbus_gpadl_teardown(relid, gpadl, timeout_ms) == VMBUS_OK)
        host_may_hold = false;
    if (!host_may_hold)
        platform_pages_free(ch->ring_pages, ch->ring_page_count);
    ch->ring_pages = NULL;
    set_state(ch, VMBUS_CHANNEL_CLOSED);
    if (rescinded)
        vmbus_release_relid(relid);   /* it was waiting for us */
}

static int post_open(struct vmbus_channel *ch, const void *user_data, uint32_t user_len, uint64_t timeout_ms)
{
    struct vmbus_msg_open_channel msg;
    memset(&msg, 0, sizeof(msg));
    msg.hdr.type = VMBUS_MSG_OPENCHANNEL;
    msg.child_relid = ch->offer.relid;
    msg.open_id = ch->offer.relid;
    msg.ring_gpadl = ch->gpadl;
    msg.target_vp = platform_vp_index();
    msg.downstream_page_offset = ch->out_page_count;
    if (user_len > 0)
        memcpy(msg.user_data, user_data, user_len);

    struct vmbus_waiter *w = vmbus_expect(VMBUS_MSG_OPENCHANNEL_RESULT, 8, ch->offer.relid, ch->offer.relid);
    int status = w == NULL ? VMBUS_E_BUSY : vmbus_post(&msg, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    if (status == VMBUS_OK) {
        struct vmbus_msg_open_result reply;
        status = vmbus_await(w, &reply, sizeof(reply), timeout_ms);
        if (status == VMBUS_OK && reply.status != 0)
            status = VMBUS_E_REFUSED;
    } else if (w != NULL) {
        vmbus_forget(w);
    }
    return status;
}

int vmbus_channel_open(struct vmbus_channel *ch, const struct vmbus_offer *offer, uint32_t out_bytes,
                       uint32_t in_bytes, const void *user_data, uint32_t user_len,
                       vmbus_channel_fn on_readable, void *ctx, uint64_t timeout_ms)
{
    if (out_bytes == 0 || in_bytes == 0 || out_bytes % 4096 || in_bytes % 4096 || user_len > 120 ||
        offer->relid == 0 || offer->relid > VMBUS_MAX_RELID)
        return VMBUS_E_INVALID;
    /* A copy of an offer that was rescinded since: its relid may name
     * another device by now, which must not be opened in its place. */
    if (!vmbus_offer_is_current(offer))
        return VMBUS_E_RESCINDED;
    if (by_relid[offer->relid] != NULL)
        return VMBUS_E_BUSY;
    memset(ch, 0, sizeof(*ch));
    ch->offer = *offer;
    ch->out_page_count = 1 + out_bytes / 4096;   /* control page + data */
    ch->ring_page_count = ch->out_page_count + 1 + in_bytes / 4096;
    uint64_t gpa;
    uint8_t *pages = platform_pages_alloc(ch->ring_page_count, &gpa);
    if (pages == NULL)
        return VMBUS_E_NO_MEMORY;
    ch->ring_pages = pages;
    uint8_t *in_base = pages + (uint64_t)ch->out_page_count * 4096;
    vmbus_ring_init(&ch->out, pages, pages + 4096, out_bytes);
    vmbus_ring_init(&ch->in, in_base, in_base + 4096, in_bytes);
    ch->on_readable = on_readable;
    ch->ctx = ctx;
    set_state(ch, VMBUS_CHANNEL_OPENING);

    /* Known by relid from the GPADL on, not only once open: a rescind that
     * comes while the GPADL is in flight must leave the relid to us, to be
     * released after the GPADL is torn down (else the pages are lost). */
    by_relid[offer->relid] = ch;
    int status = vmbus_gpadl_create(offer->relid, pages, ch->ring_page_count, &ch->gpadl, timeout_ms);
    if (status != VMBUS_OK) {
        open_failed(ch, ch->gpadl, false, timeout_ms);
        return status;
    }
    status = post_open(ch, user_data, user_len, timeout_ms);
    if (status != VMBUS_OK) {
        open_failed(ch, ch->gpadl, true, timeout_ms);
        return status;
    }
    set_state(ch, VMBUS_CHANNEL_OPEN);   /* stays RESCINDED if the rescind came first */
    return VMBUS_OK;
}

/* Every GPADL the owner left on the channel, while the relid is still ours. */
static void tear_down_gpadls(struct vmbus_channel *ch, uint64_t timeout_ms)
{
    for (int i = 0; i < VMBUS_CHANNEL_MAX_GPADLS; i++) {
        if (ch->gpadls[i].handle != 0)
            vmbus_gpadl_teardown(ch->offer.relid, ch->gpadls[i].handle, timeout_ms);   /* failed: the owner's pages leak */
        ch->gpadls[i].handle = 0;
    }
}

int vmbus_channel_close(struct vmbus_channel *ch, uint64_t timeout_ms)
{
    if (!has_rings(ch))
        return VMBUS_E_INVALID;
    bool rescinded = ch->state == VMBUS_CHANNEL_RESCINDED;
    struct vmbus_msg_close_channel msg = { { VMBUS_MSG_CLOSECHANNEL, 0 }, ch->offer.relid };
    int status = rescinded ? VMBUS_OK : vmbus_post(&msg, sizeof(msg));   /* no reply exists */
    tear_down_gpadls(ch, timeout_ms);
    /* For a rescinded channel the host answers the teardown at once. */
    int torn = vmbus_gpadl_teardown(ch->offer.relid, ch->gpadl, timeout_ms);
    if (torn == VMBUS_OK)
        platform_pages_free(ch->ring_pages, ch->ring_page_count);
    ch->ring_pages = NULL;   /* on failure the pages stay the host's: leaked, not reused */
    /* The rescind may have come during the teardowns: decide again. */
    platform_irq_state s = platform_irq_save();
    rescinded = ch->state == VMBUS_CHANNEL_RESCINDED;
    by_relid[ch->offer.relid] = NULL;
    set_state(ch, VMBUS_CHANNEL_CLOSED);
    platform_irq_restore(s);
    if (rescinded)
        vmbus_release_relid(ch->offer.relid);
    return status != VMBUS_OK ? status : torn;
}

bool vmbus_channel_rescind(uint32_t relid)
{
    if (relid > VMBUS_MAX_RELID || by_relid[relid] == NULL)
        return false;
    struct vmbus_channel *ch = by_relid[relid];
    set_state(ch, VMBUS_CHANNEL_RESCINDED);
    if (ch->on_readable != NULL)
        ch->on_readable(ch, ch->ctx);   /* lets the owner notice */
    return true;
}

int vmbus_channel_gpadl_create(struct vmbus_channel *ch, void *va, uint32_t pages, uint32_t *handle,
                               uint64_t timeout_ms)
{
    *handle = 0;
    if (ch->state == VMBUS_CHANNEL_RESCINDED)
        return VMBUS_E_RESCINDED;   /* no GPADL_CREATED would come: say so now, not at the timeout */
    if (ch->state != VMBUS_CHANNEL_OPEN)
        return VMBUS_E_INVALID;
    int slot = -1;
    for (int i = 0; i < VMBUS_CHANNEL_MAX_GPADLS && slot < 0; i++)
        if (ch->gpadls[i].handle == 0)
            slot = i;
    if (slot < 0)
        return VMBUS_E_BUSY;
    int status = vmbus_gpadl_create(ch->offer.relid, va, pages, handle, timeout_ms);
    /* Kept whenever the host heard of it, failed or not: the close tears
     * it down then, before the relid goes. */
    ch->gpadls[slot] = (struct vmbus_channel_gpadl){ *handle, va, pages };
    if (status != VMBUS_OK)
        *handle = 0;
    return status;
}

int vmbus_channel_gpadl_teardown(struct vmbus_channel *ch, uint32_t handle, uint64_t timeout_ms)
{
    for (int i = 0; handle != 0 && i < VMBUS_CHANNEL_MAX_GPADLS; i++) {
        if (ch->gpadls[i].handle != handle)
            continue;
        int status = vmbus_gpadl_teardown(ch->offer.relid, handle, timeout_ms);
        if (status == VMBUS_OK)
            ch->gpadls[i].handle = 0;   /* else kept: the close tries again */
        return status;
    }
    return VMBUS_E_INVALID;
}

const struct vmbus_channel_gpadl *vmbus_channel_gpadl_find(const struct vmbus_channel *ch, uint32_t handle)
{
    for (int i = 0; handle != 0 && i < VMBUS_CHANNEL_MAX_GPADLS; i++)
        if (ch->gpadls[i].handle == handle)
            return &ch->gpadls[i];
    return NULL;
}

void *vmbus_channel_gpadl_va(const struct vmbus_channel *ch, uint64_t gpa, uint32_t bytes)
{
    void *va = platform_gpa_to_va(gpa);
    uintptr_t at = (uintptr_t)va;
    for (int i = 0; va != NULL && i < VMBUS_CHANNEL_MAX_GPADLS; i++) {
        const struct vmbus_channel_gpadl *g = &ch->gpadls[i];
        uintptr_t base = (uintptr_t)g->va;
        uint64_t size = (uint64_t)g->pages * 4096;
        if (g->handle != 0 && at >= base && at - base <= size && bytes <= size - (at - base))
            return va;
    }
    return NULL;
}

int vmbus_channel_send(struct vmbus_channel *ch, const struct vmbus_packet_out *p)
{
    if (ch->state == VMBUS_CHANNEL_RESCINDED)
        return VMBUS_E_RESCINDED;
    if (ch->state != VMBUS_CHANNEL_OPEN)
        return VMBUS_E_INVALID;
    bool signal = false;
    platform_irq_state s = platform_irq_save();
    enum vmbus_ring_result r = vmbus_ring_write(&ch->out, p, &signal);
    platform_irq_restore(s);
    if (r == VMBUS_RING_FULL)
        return VMBUS_E_BUSY;
    if (r != VMBUS_RING_OK)
        return VMBUS_E_INVALID;
    if (signal) {
        ch->signals_sent++;
        if (platform_signal_event(ch->offer.connection_id, 0) != HV_STATUS_SUCCESS)
            return VMBUS_E_HOST;
    }
    return VMBUS_OK;
}

int vmbus_channel_peek(struct vmbus_channel *ch, void *buf, uint32_t buf_size, struct vmbus_packet *pkt,
                       enum vmbus_ring_result *ring_error)
{
    if (!has_rings(ch))
        return VMBUS_E_INVALID;
    enum vmbus_ring_result r = vmbus_ring_peek(&ch->in, buf, buf_size, pkt);
    *ring_error = r;
    if (r == VMBUS_RING_EMPTY)
        return VMBUS_E_BUSY;
    return r == VMBUS_RING_OK ? VMBUS_OK : VMBUS_E_INVALID;
}

void vmbus_channel_consume(struct vmbus_channel *ch)
{
    bool signal = false;
    vmbus_ring_consume(&ch->in);
    vmbus_ring_commit(&ch->in, &signal);
    if (signal) {
        ch->signals_sent++;
        platform_signal_event(ch->offer.connection_id, 0);
    }
}

int vmbus_channel_recv(struct vmbus_channel *ch, void *buf, uint32_t buf_size, struct vmbus_packet *pkt,
                       enum vmbus_ring_result *ring_error)
{
    int status = vmbus_channel_peek(ch, buf, buf_size, pkt, ring_error);
    if (status == VMBUS_OK)
        vmbus_channel_consume(ch);
    return status;
}

void vmbus_channel_mask(struct vmbus_channel *ch)
{
    if (has_rings(ch))
        vmbus_ring_mask_interrupts(&ch->in);
}

bool vmbus_channel_unmask(struct vmbus_channel *ch)
{
    return has_rings(ch) && vmbus_ring_unmask_interrupts(&ch->in);
}

void vmbus_channel_event(uint32_t relid)
{
    if (relid > VMBUS_MAX_RELID)
        return;
    struct vmbus_channel *ch = by_relid[relid];
    if (ch != NULL && ch->on_readable != NULL)
        ch->on_readable(ch, ch->ctx);
}

/* The host forgot every channel (a new connection): so do we, without a
 * word to it. */
void vmbus_channels_forget(void)
{
    for (uint32_t relid = 0; relid <= VMBUS_MAX_RELID; relid++) {
        if (by_relid[relid] != NULL)
            by_relid[relid]->state = VMBUS_CHANNEL_CLOSED;
        by_relid[relid] = NULL;
    }
}
