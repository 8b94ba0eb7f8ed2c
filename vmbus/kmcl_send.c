/* The one send path, and what it owes: transactions (small ids, never
 * pointers) and the send queue. A send never waits and never fails for a
 * full ring or a busy transaction table: the packet waits in the queue,
 * in order, and the channel's deferred routine writes it once the host has
 * made room (its pending_send_size signal) or an id is free. Its
 * completion routine runs once: when it is in the ring (no completion
 * requested) or when the host's completion came. */
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

/* ---- transactions ---- */

static uint32_t new_transaction(VMBCHANNEL ch, VMBPACKET p)
{
    for (uint32_t tries = 0; tries < KMCL_MAX_TRANSACTIONS - 1; tries++) {
        uint32_t id = ch->next_transaction;
        ch->next_transaction = id + 1 < KMCL_MAX_TRANSACTIONS ? id + 1 : 1;   /* 0 stays reserved */
        if (ch->transactions[id] == NULL) {
            ch->transactions[id] = p;
            return id;
        }
    }
    return 0;
}

static void retire(VMBPACKET p, NTSTATUS status, PVOID buffer, UINT32 length)
{
    free(p->copy);
    free(p->ext);
    p->copy = p->ext = NULL;
    p->status = status;
    PFN_VMB_PACKET_COMPLETION_ROUTINE done = p->completion;
    p->done = true;   /* after this a synchronous requester may free p */
    if (done != NULL)
        done(p, status, buffer, length);
}

void kmcl_complete_transaction(VMBCHANNEL ch, const struct vmbus_packet *pkt)
{
    uint64_t id = pkt->transaction_id;
    platform_irq_state s = platform_irq_save();
    VMBPACKET p = id > 0 && id < KMCL_MAX_TRANSACTIONS ? ch->transactions[id] : NULL;
    if (p != NULL)
        ch->transactions[id] = NULL;
    platform_irq_restore(s);
    if (p == NULL)
        return;   /* not ours, or already cancelled: a late or forged completion */
    p->reply_length = pkt->payload_len;
    if (p->reply != NULL)
        memcpy(p->reply, pkt->payload, pkt->payload_len < p->reply_capacity ? pkt->payload_len : p->reply_capacity);
    retire(p, STATUS_SUCCESS, (PVOID)pkt->payload, pkt->payload_len);
    kmcl_kick(ch);   /* an id is free: a queued send may go */
}

void kmcl_cancel_transactions(VMBCHANNEL ch, NTSTATUS status)
{
    for (uint32_t t = 1; t < KMCL_MAX_TRANSACTIONS; t++) {
        platform_irq_state s = platform_irq_save();
        VMBPACKET p = ch->transactions[t];
        ch->transactions[t] = NULL;
        platform_irq_restore(s);
        if (p != NULL)
            retire(p, status, NULL, 0);
    }
}

/* ---- writing ---- */

static bool wants_completion(VMBPACKET p) { return (p->flags & VMBUS_PACKET_FLAG_COMPLETION_REQUESTED) != 0; }

/* One try, with interrupts off: VMBUS_E_BUSY when the ring is full or no
 * id is free (the packet then has no id). */
static int write_one(VMBCHANNEL ch, VMBPACKET p)
{
    if (vmbus_channel_state(&ch->core) != VMBUS_CHANNEL_OPEN)
        return vmbus_channel_rescinded(&ch->core) ? VMBUS_E_RESCINDED : VMBUS_E_BUSY;   /* not open yet: wait */
    uint32_t id = wants_completion(p) ? new_transaction(ch, p) : 0;
    if (wants_completion(p) && id == 0)
        return VMBUS_E_BUSY;
    struct vmbus_packet_out out = { p->type, p->flags, id, p->ext, p->ext_len, p->buffer, p->length };
    int status = vmbus_channel_send(&ch->core, &out);
    if (status != VMBUS_OK && id != 0)
        ch->transactions[id] = NULL;
    return status;
}

/* Right after a write, interrupts still off: a packet that waits for the
 * host's completion belongs to that completion from here on (it may come
 * the moment interrupts are on, and its routine may free the packet), so
 * its buffers go now. true: the caller retires it once interrupts are on
 * (in the ring without a completion requested, or failed). */
static bool after_write(VMBPACKET p, int status)
{
    if (status == VMBUS_OK && wants_completion(p)) {
        free(p->copy);   /* the ring has the bytes */
        free(p->ext);
        p->copy = p->ext = NULL;
        return false;
    }
    return true;
}

static void retire_written(VMBPACKET p, int status)
{
    retire(p, status == VMBUS_OK ? STATUS_SUCCESS : kmcl_status(status), NULL, 0);
}

void kmcl_flush_sends(VMBCHANNEL ch)
{
    for (;;) {
        platform_irq_state s = platform_irq_save();
        VMBPACKET p = ch->send_head;
        int status = p != NULL ? write_one(ch, p) : VMBUS_E_BUSY;
        bool retire_now = false;
        if (status != VMBUS_E_BUSY) {
            ch->send_head = p->next;
            if (ch->send_head == NULL)
                ch->send_tail = NULL;
            p->queued = false;
            retire_now = after_write(p, status);
        }
        platform_irq_restore(s);
        if (status == VMBUS_E_BUSY)
            return;   /* the host signals once it made room; a completion frees an id */
        if (retire_now)
            retire_written(p, status);
    }
}

void kmcl_cancel_sends(VMBCHANNEL ch, NTSTATUS status)
{
    for (;;) {
        platform_irq_state s = platform_irq_save();
        VMBPACKET p = ch->send_head;
        if (p != NULL) {
            ch->send_head = p->next;
            if (ch->send_head == NULL)
                ch->send_tail = NULL;
            p->queued = false;
        }
        platform_irq_restore(s);
        if (p == NULL)
            return;
        retire(p, status, NULL, 0);
    }
}

/* Keeps the inline bytes: the caller's buffer is its own again once the
 * send returns. */
static bool queue(VMBCHANNEL ch, VMBPACKET p)
{
    if (p->length > 0 && p->copy == NULL) {
        p->copy = malloc(p->length);
        if (p->copy == NULL)
            return false;
        memcpy(p->copy, p->buffer, p->length);
        p->buffer = p->copy;
    }
    p->next = NULL;
    p->queued = true;
    if (ch->send_tail != NULL)
        ch->send_tail->next = p;
    else
        ch->send_head = p;
    ch->send_tail = p;
    return true;
}

static bool is_pipe(VMBCHANNEL ch) { return (ch->flags & VMBUS_CHANNEL_INIT_FLAG_IS_PIPE) != 0; }

static NTSTATUS check(VMBCHANNEL ch, VMBPACKET p, UINT32 length, const void *buffer, UINT32 ext_len, UINT32 flags)
{
    if (ch->state == KMCL_DISABLED)
        return STATUS_INVALID_DEVICE_STATE;
    if (vmbus_channel_rescinded(&ch->core))
        return STATUS_DEVICE_REMOVED;
    if (p->queued || (length != 0 && buffer == NULL) || (flags & ~VMBUS_CHANNEL_FORMAT_FLAGS))
        return STATUS_INVALID_PARAMETER;
    /* A pipe carries datagrams: no transactions, no external memory. */
    if (is_pipe(ch) && ext_len != 0)
        return STATUS_NOT_SUPPORTED;
    if (is_pipe(ch) && ((flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION) || length > VMBUS_PIPE_MAX_PAYLOAD))
        return STATUS_INVALID_PARAMETER;
    if (is_pipe(ch))
        ext_len = sizeof(struct vmbus_pipe_header);   /* counts like one for the ring's size */
    /* The client's maximum bounds what it sends; the ring must hold it too. */
    uint32_t size = vmbus_ring_packet_size(ext_len, length);
    if (length > ch->max_packet || size == 0 || size >= ch->out_pages * 4096)
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

NTSTATUS kmcl_send(VMBPACKET p, const void *buffer, UINT32 length, uint8_t *ext, UINT32 ext_len, UINT32 flags,
                   bool may_queue)
{
    VMBCHANNEL ch = p->channel;
    NTSTATUS st = check(ch, p, length, buffer, ext_len, flags);
    if (!NT_SUCCESS(st)) {
        free(ext);
        return st;
    }
    if (p->completion == NULL && p->from_allocate)
        p->completion = kmcl_default_completion;
    p->type = ext != NULL ? VMBUS_PACKET_DATA_GPA_DIRECT : VMBUS_PACKET_DATA_INBAND;
    p->flags = (flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION) ? VMBUS_PACKET_FLAG_COMPLETION_REQUESTED : 0;
    p->buffer = buffer;
    p->length = length;
    p->ext = ext;
    p->ext_len = ext_len;
    p->copy = NULL;
    p->done = false;
    p->status = STATUS_PENDING;
    if (is_pipe(ch)) {
        /* The pipe header goes before the data: the packet's own copy. */
        p->copy = malloc(sizeof(struct vmbus_pipe_header) + length);
        if (p->copy == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        p->length = vmbus_pipe_build(p->copy, sizeof(struct vmbus_pipe_header) + length, VMBUS_PIPE_DATA, buffer, length);
        p->buffer = p->copy;
    }

    platform_irq_state s = platform_irq_save();
    int status = ch->send_head == NULL ? write_one(ch, p) : VMBUS_E_BUSY;   /* never overtake the queue */
    bool queued = status == VMBUS_E_BUSY && may_queue && queue(ch, p);
    bool retire_now = status == VMBUS_OK && after_write(p, status);
    platform_irq_restore(s);
    if (queued || (status == VMBUS_OK && !retire_now))
        return STATUS_SUCCESS;   /* queued: goes out when the host makes room */
    if (status == VMBUS_OK) {
        retire_written(p, status);
        return STATUS_SUCCESS;
    }
    free(ext);   /* not sent, not queued: the packet is the caller's again */
    free(p->copy);
    p->ext = p->copy = NULL;
    if (status == VMBUS_E_BUSY)
        return may_queue ? STATUS_INSUFFICIENT_RESOURCES : STATUS_BUFFER_OVERFLOW;
    return kmcl_status(status);
}
