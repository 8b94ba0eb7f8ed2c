/* KMCL incoming packets. The channel's deferred routine (kmcl_dispatch)
 * reads the ring into receive slots (each packet copied out once, into the
 * slot, and validated by the core), retires our own sends' completions,
 * and delivers slots to ProcessPacket in ring order while the channel is
 * active and under its quota. VmbChannelPacketComplete ends a slot's life;
 * its completion packet waits in the slot when the ring is full.
 *
 * Nothing here calls back into itself: a PacketComplete inside
 * ProcessPacket only notes that the routine must run again, so a burst of
 * any length runs in a loop, never deeper on the stack. */
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

/* ---- receive slots ---- */

NTSTATUS kmcl_receive_alloc(VMBCHANNEL ch)
{
    ch->slot_count = ch->quota;
    ch->slot_bytes = ch->max_packet + KMCL_RECV_OVERHEAD;
    ch->big_bytes = ch->in_pages * 4096;   /* no packet in the ring is larger */
    ch->slots = calloc(ch->slot_count, sizeof(*ch->slots));
    ch->slot_data = malloc((size_t)ch->slot_count * ch->slot_bytes);
    ch->big = malloc(ch->big_bytes);
    if (ch->slots == NULL || ch->slot_data == NULL || ch->big == NULL) {
        kmcl_receive_free(ch);
        return STATUS_NO_MEMORY;
    }
    for (uint32_t i = 0; i < ch->slot_count; i++) {
        ch->slots[i].channel = ch;
        ch->slots[i].buf = ch->slot_data + (size_t)i * ch->slot_bytes;
    }
    ch->ready_head = ch->ready_tail = ch->reply_head = ch->reply_tail = NULL;
    ch->held = 0;
    ch->big_in_use = false;
    ch->failed = false;
    return STATUS_SUCCESS;
}

void kmcl_receive_free(VMBCHANNEL ch)
{
    for (uint32_t i = 0; ch->slots != NULL && i < ch->slot_count; i++)
        free(ch->slots[i].mdls);
    free(ch->slots);
    free(ch->slot_data);
    free(ch->big);
    ch->slots = NULL;
    ch->slot_data = ch->big = NULL;
    ch->slot_count = 0;
}

static void push(struct vmb_packet_completion **head, struct vmb_packet_completion **tail,
                 struct vmb_packet_completion *c)
{
    c->next = NULL;
    if (*tail != NULL)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

static struct vmb_packet_completion *pop(struct vmb_packet_completion **head, struct vmb_packet_completion **tail)
{
    struct vmb_packet_completion *c = *head;
    if (c != NULL) {
        *head = c->next;
        if (*head == NULL)
            *tail = NULL;
    }
    return c;
}

static struct vmb_packet_completion *free_slot(VMBCHANNEL ch)
{
    for (uint32_t i = 0; i < ch->slot_count; i++)
        if (ch->slots[i].state == SLOT_FREE)
            return &ch->slots[i];
    return NULL;
}

static void release_slot(struct vmb_packet_completion *c)
{
    if (c->big)
        c->channel->big_in_use = false;
    c->big = false;
    free(c->mdls);
    c->mdls = NULL;
    c->mdl_count = 0;
    c->defer = false;
    c->state = SLOT_FREE;
    c->generation++;   /* every handle to this use goes stale */
}

/* ---- handles: the slot's address, its generation in the top 16 bits
 * (user and kernel addresses here are below 2^47) ---- */

static VMBPACKETCOMPLETION handle_of(struct vmb_packet_completion *c)
{
    return (VMBPACKETCOMPLETION)((uintptr_t)c | (uintptr_t)c->generation << 48);
}

/* The slot a handle names while that use of it is held; NULL for a stale
 * or foreign handle. */
static struct vmb_packet_completion *held_slot(VMBPACKETCOMPLETION h)
{
    struct vmb_packet_completion *c = (void *)((uintptr_t)h & (((uintptr_t)1 << 48) - 1));
    if (c == NULL || c->state != SLOT_HELD || c->generation != (uint16_t)((uintptr_t)h >> 48))
        return NULL;
    return c;
}

/* ---- the ring ---- */

enum read_result { READ_ONE, READ_EMPTY, READ_STALLED };

/* Reads one packet into a free slot (or the big buffer when it does not
 * fit one). Stalled: there is a packet but nowhere to keep it (a slot
 * frees at the next PacketComplete), or the channel failed. */
static enum read_result read_one(VMBCHANNEL ch)
{
    struct vmb_packet_completion *c = free_slot(ch);
    struct vmbus_packet pkt;
    enum vmbus_ring_result why = VMBUS_RING_OK;
    bool big = c == NULL;
    if (ch->failed || (big && ch->big_in_use))
        return READ_STALLED;
    int status = vmbus_channel_peek(&ch->core, big ? ch->big : c->buf, big ? ch->big_bytes : ch->slot_bytes, &pkt, &why);
    if (status != VMBUS_OK && why == VMBUS_RING_BUFFER_TOO_SMALL && !big && !ch->big_in_use) {
        big = true;
        status = vmbus_channel_peek(&ch->core, ch->big, ch->big_bytes, &pkt, &why);
    }
    if (status == VMBUS_E_BUSY)
        return READ_EMPTY;
    if (status != VMBUS_OK) {
        ch->failed = why != VMBUS_RING_BUFFER_TOO_SMALL;   /* malformed: stop, never guess */
        return READ_STALLED;
    }
    if (pkt.type == VMBUS_PACKET_COMP) {
        vmbus_channel_consume(&ch->core);   /* pkt points into our copy */
        kmcl_complete_transaction(ch, &pkt);
        return READ_ONE;
    }
    if (c == NULL)
        return READ_STALLED;   /* a data packet needs a slot: it stays in the ring */
    vmbus_channel_consume(&ch->core);
    platform_irq_state s = platform_irq_save();
    c->pkt = pkt;
    c->big = big;
    ch->big_in_use |= big;
    c->state = SLOT_READY;
    push(&ch->ready_head, &ch->ready_tail, c);
    platform_irq_restore(s);
    return READ_ONE;
}

/* Reads what the ring holds, with the host's interrupts masked meanwhile.
 * It ends unmasked whatever stopped it (paused, stalled): completions of
 * our own sends must keep waking us. */
static void read_ring(VMBCHANNEL ch)
{
    enum read_result r;
    if (ch->state < KMCL_OPENED)
        return;   /* not open (yet): what the host wrote meanwhile waits for the open to finish */
    do {
        vmbus_channel_mask(&ch->core);
        while ((r = read_one(ch)) == READ_ONE)
            ;
    } while (vmbus_channel_unmask(&ch->core) && r == READ_EMPTY);   /* came while masked: no interrupt for it */
}

/* ---- completions we owe the host ---- */

static uint8_t *reply_bytes(struct vmb_packet_completion *c) { return c->big ? c->channel->big : c->buf; }

static int post_reply(VMBCHANNEL ch, struct vmb_packet_completion *c)
{
    struct vmbus_packet_out out = { c->reply_type, 0, c->pkt.transaction_id, NULL, 0, reply_bytes(c),
                                    c->reply_length };
    return vmbus_channel_send(&ch->core, &out);
}

/* Posts queued completions in order while the ring has room. */
static void post_replies(VMBCHANNEL ch)
{
    platform_irq_state s = platform_irq_save();
    struct vmb_packet_completion *c;
    while ((c = ch->reply_head) != NULL && post_reply(ch, c) != VMBUS_E_BUSY) {
        pop(&ch->reply_head, &ch->reply_tail);
        release_slot(c);   /* sent, or the channel is gone: either way done */
    }
    platform_irq_restore(s);   /* still busy: the host signals once it made room */
}

/* ---- delivery ---- */

static UINT32 packet_flags(const struct vmb_packet_completion *c)
{
    return c->pkt.type == VMBUS_PACKET_DATA_INBAND ? 0 : VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA;
}

/* What ProcessPacket gets: the payload, or in a pipe the data after the
 * pipe header (a malformed header fails the channel; other pipe messages
 * than data are completed unseen). false: nothing to deliver. */
static bool contents(VMBCHANNEL ch, struct vmb_packet_completion *c, const uint8_t **data, uint32_t *size)
{
    *data = c->pkt.payload;
    *size = c->pkt.payload_len;
    if (!(ch->flags & VMBUS_CHANNEL_INIT_FLAG_IS_PIPE) || c->pkt.type != VMBUS_PACKET_DATA_INBAND)
        return true;
    uint32_t type;
    if (vmbus_pipe_parse(c->pkt.payload, c->pkt.payload_len, &type, data, size) != VMBUS_RING_OK) {
        ch->failed = true;
        return false;
    }
    return type == VMBUS_PIPE_DATA;
}

/* The next packet to deliver at this level, now held; NULL when none or
 * when the channel is not active or at its quota. Packets deferred to
 * passive go first there. */
static struct vmb_packet_completion *next_packet(VMBCHANNEL ch, bool at_passive)
{
    platform_irq_state s = platform_irq_save();
    struct vmb_packet_completion *c = NULL;
    if (ch->state == KMCL_ACTIVE && !ch->failed && ch->held < ch->quota) {
        if (at_passive)
            c = pop(&ch->passive_head, &ch->passive_tail);
        if (c == NULL && ch->passive == at_passive)
            c = pop(&ch->ready_head, &ch->ready_tail);
    }
    if (c != NULL) {
        c->state = SLOT_HELD;
        ch->held++;
    }
    platform_irq_restore(s);
    return c;
}

/* ProcessPacket called VmbChannelPacketDeferToPassive: the packet goes
 * back, to be delivered again by the passive worker. */
static void defer(VMBCHANNEL ch, struct vmb_packet_completion *c)
{
    platform_irq_state s = platform_irq_save();
    c->defer = false;
    c->state = SLOT_READY;
    c->generation++;   /* the handle ProcessPacket had is spent */
    ch->held--;
    push(&ch->passive_head, &ch->passive_tail, c);
    platform_irq_restore(s);
    work_queue(&ch->passive_work);
}

static void deliver(VMBCHANNEL ch, bool at_passive)
{
    uint32_t delivered = 0;
    for (;;) {
        struct vmb_packet_completion *c = next_packet(ch, at_passive);
        if (c == NULL)
            break;
        const uint8_t *data;
        uint32_t size;
        if (!contents(ch, c, &data, &size) || ch->process_packet == NULL) {
            VmbChannelPacketComplete(handle_of(c), NULL, 0);
            continue;
        }
        delivered++;
        ch->process_packet(ch, handle_of(c), (PVOID)data, size, packet_flags(c));
        if (c->defer)
            defer(ch, c);
    }
    if (delivered > 0 && ch->processing_complete != NULL)
        ch->processing_complete(ch, delivered);
}

/* The channel's dpc. One at a time per channel: a call while it runs
 * only asks for one more round. */
void kmcl_dispatch(void *arg)
{
    VMBCHANNEL ch = arg;
    __atomic_add_fetch(&ch->running, 1, __ATOMIC_SEQ_CST);
    platform_irq_state s = platform_irq_save();
    bool run = !ch->dispatching && ch->slots != NULL;
    ch->again = ch->dispatching;
    ch->dispatching |= run;
    platform_irq_restore(s);
    while (run) {
        if (vmbus_channel_rescinded(&ch->core) && ch->state >= KMCL_OPENED) {
            /* Now, not at their timeouts; Suspend and Closed follow at passive. */
            kmcl_cancel_sends(ch, STATUS_DEVICE_REMOVED);
            kmcl_cancel_transactions(ch, STATUS_DEVICE_REMOVED);
            work_queue(&ch->state_work);
        }
        post_replies(ch);
        kmcl_flush_sends(ch);
        read_ring(ch);
        if (ch->passive && ch->ready_head != NULL)
            work_queue(&ch->passive_work);
        else
            deliver(ch, false);
        s = platform_irq_save();
        run = ch->again && ch->slots != NULL;
        ch->again = false;
        ch->dispatching = run;
        platform_irq_restore(s);
    }
    __atomic_sub_fetch(&ch->running, 1, __ATOMIC_SEQ_CST);
}

/* The passive worker's delivery: SetIncomingProcessingAtPassive, and
 * packets deferred to passive. ProcessPacket may block here. */
void kmcl_passive_delivery(void *arg)
{
    VMBCHANNEL ch = arg;
    __atomic_add_fetch(&ch->running, 1, __ATOMIC_SEQ_CST);
    deliver(ch, true);
    __atomic_sub_fetch(&ch->running, 1, __ATOMIC_SEQ_CST);
}

void kmcl_on_readable(struct vmbus_channel *core, void *ctx)
{
    (void)core;
    kmcl_kick(ctx);
}

/* ---- the client's calls ---- */

/* Ends the client's hold; the completion (type, reply_length bytes at
 * c->buf) goes out now, or waits in the slot for room in the ring. */
static void finish(struct vmb_packet_completion *c, bool send_reply)
{
    VMBCHANNEL ch = c->channel;
    platform_irq_state s = platform_irq_save();
    ch->held--;
    if (send_reply && ch->state != KMCL_DISABLED &&
        (ch->reply_head != NULL || post_reply(ch, c) == VMBUS_E_BUSY)) {
        c->state = SLOT_REPLYING;   /* never dropped: kmcl_dispatch retries it */
        push(&ch->reply_head, &ch->reply_tail, c);
    } else {
        release_slot(c);
    }
    platform_irq_restore(s);
    kmcl_kick(ch);   /* a delivery stalled on the quota or on slots goes on */
}

/* The completion's bytes go into the slot (they may be the packet's own:
 * the IC framework answers in place), at most what a slot holds. */
static void set_reply(struct vmb_packet_completion *c, uint16_t type, const void *buffer, UINT32 length)
{
    uint32_t room = c->big ? c->channel->big_bytes : c->channel->slot_bytes;
    c->reply_type = type;
    c->reply_length = buffer != NULL ? (length < room ? length : room) : 0;
    if (c->reply_length > 0)
        memmove(reply_bytes(c), buffer, c->reply_length);
    c->pkt.payload = NULL;   /* the packet's bytes are gone from here on */
}

void VmbChannelPacketComplete(VMBPACKETCOMPLETION Packet, PVOID PacketCompletionBuffer, UINT32 BufSize)
{
    struct vmb_packet_completion *c = held_slot(Packet);
    if (c == NULL)
        return;   /* stale (completed already) or not a packet: never another's */
    bool wants = (c->pkt.flags & VMBUS_PACKET_FLAG_COMPLETION_REQUESTED) != 0;
    set_reply(c, VMBUS_PACKET_COMP, PacketCompletionBuffer, BufSize);
    finish(c, wants);
}

NTSTATUS HvrtPacketCompleteWithReply(VMBPACKETCOMPLETION Packet, PVOID Buffer, UINT32 Length)
{
    struct vmb_packet_completion *c = held_slot(Packet);
    if (c == NULL)
        return STATUS_INVALID_PARAMETER_1;
    VMBCHANNEL ch = c->channel;
    if (Length > ch->max_packet || (Length != 0 && Buffer == NULL))
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st = ch->state == KMCL_DISABLED           ? STATUS_INVALID_DEVICE_STATE
                  : vmbus_channel_rescinded(&ch->core) ? STATUS_DEVICE_REMOVED
                                                       : STATUS_SUCCESS;
    set_reply(c, VMBUS_PACKET_DATA_INBAND, Buffer, Length);
    finish(c, NT_SUCCESS(st));   /* the reply is the answer: no COMP besides */
    return st;
}

void VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION Packet)
{
    struct vmb_packet_completion *c = held_slot(Packet);
    if (c != NULL && thread_context() != CONTEXT_PASSIVE)
        c->defer = true;   /* back to the queue once ProcessPacket returns */
}

void VmbChannelPacketFail(VMBPACKETCOMPLETION Packet)
{
    struct vmb_packet_completion *c = held_slot(Packet);
    if (c == NULL)
        return;
    c->channel->failed = true;   /* stops the queue, as KMCL does */
    finish(c, false);
}

NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION Packet, UINT32 Flags, PMDL *Mdl)
{
    if (Mdl != NULL)
        *Mdl = NULL;
    struct vmb_packet_completion *c = held_slot(Packet);
    if (c == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (Flags & ~VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY)
        return STATUS_INVALID_PARAMETER_2;
    if (Mdl == NULL)
        return STATUS_INVALID_PARAMETER_3;
    if (c->mdls == NULL) {
        NTSTATUS st = kmcl_external_mdls(c->channel, c);
        if (!NT_SUCCESS(st))
            return st;
    }
    *Mdl = c->mdls;
    return STATUS_SUCCESS;
}
