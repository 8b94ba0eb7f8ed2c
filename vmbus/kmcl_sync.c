/* VmbChannelSendSynchronousRequest: one send that waits for the host's
 * completion, with KMCL's rules for the timeout (KeWait style) and the
 * completion buffer. The packet is the request's own (heap): a late
 * completion after a timeout finds no transaction, never a dead stack. */
#include <stdlib.h>

#include "arch/platform.h"
#include "lib/thread.h"
#include "vmbus/kmcl_private.h"

/* Timeout in 100 ns units: negative relative, positive absolute on the
 * runtime's clock (platform_time_ns / 100, the clock hvrt_time_ns reads),
 * NULL never. */
static uint64_t deadline_of(const LARGE_INTEGER *timeout)
{
    if (timeout == NULL)
        return UINT64_MAX;
    int64_t t = timeout->QuadPart;
    if (t >= 0)
        return (uint64_t)t > UINT64_MAX / 100 ? UINT64_MAX : (uint64_t)t * 100;
    uint64_t rel = t == INT64_MIN ? UINT64_MAX : (uint64_t)-t;
    uint64_t now = platform_time_ns();
    return rel > (UINT64_MAX - now) / 100 ? UINT64_MAX : now + rel * 100;
}

/* Takes p out of the queue or the transaction table, whichever holds it
 * (interrupts off): after this no completion can touch it. */
static void withdraw(VMBCHANNEL ch, VMBPACKET p)
{
    for (uint32_t id = 1; id < KMCL_MAX_TRANSACTIONS; id++)
        if (ch->transactions[id] == p)
            ch->transactions[id] = NULL;   /* a late answer is ignored */
    VMBPACKET *link = &ch->send_head, prev = NULL;
    while (*link != NULL && *link != p) {
        prev = *link;
        link = &(*link)->next;
    }
    if (*link == p) {
        *link = p->next;
        if (ch->send_tail == p)
            ch->send_tail = prev;
        p->queued = false;
    }
}

static NTSTATUS wait_for(VMBCHANNEL ch, VMBPACKET p, uint64_t deadline)
{
    while (!p->done && platform_time_ns() < deadline && !vmbus_channel_rescinded(&ch->core))
        thread_wait_until(deadline);   /* other threads run; wakes for every interrupt */
    platform_irq_state s = platform_irq_save();
    bool done = p->done;
    if (!done)
        withdraw(ch, p);
    platform_irq_restore(s);
    if (done)
        return p->status;
    free(p->copy);
    free(p->ext);
    /* A rescind ends it at once, not at the timeout. */
    return vmbus_channel_rescinded(&ch->core) ? STATUS_DEVICE_REMOVED : STATUS_CANCELLED;
}

NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer, UINT32 BufferSize, PMDL ExternalDataMdl,
                                          UINT32 Flags, PVOID CompletionBuffer, PUINT32 CompletionBufferSize,
                                          PLARGE_INTEGER Timeout)
{
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (Channel->state == KMCL_DISABLED)
        return STATUS_INVALID_DEVICE_STATE;
    if (vmbus_channel_rescinded(&Channel->core))
        return STATUS_DEVICE_REMOVED;
    /* KMCL: the size is a multiple of 8, or the call fails. */
    if (CompletionBuffer != NULL && (CompletionBufferSize == NULL || *CompletionBufferSize % 8 != 0))
        return STATUS_INVALID_PARAMETER_7;
    bool no_queue = Timeout != NULL && Timeout->QuadPart == 0;
    /* Zero timeout without WAIT_FOR_COMPLETION: send, do not wait (the
     * dispatch-level form); otherwise a completion is always asked for. */
    bool wait = !no_queue || (Flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
    Flags = wait ? Flags | VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION : Flags;
    uint64_t deadline = no_queue ? UINT64_MAX : deadline_of(Timeout);

    VMBPACKET p = calloc(1, sizeof(*p));
    if (p == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    p->channel = Channel;
    p->reply = CompletionBuffer;
    p->reply_capacity = CompletionBuffer != NULL ? *CompletionBufferSize : 0;
    NTSTATUS st;
    if (ExternalDataMdl != NULL) {
        uint8_t *ext = NULL;
        uint32_t ext_len = 0;
        st = kmcl_ranges_from_mdl(ExternalDataMdl, 0, 0, false, &ext, &ext_len);
        if (NT_SUCCESS(st))
            st = kmcl_send(p, Buffer, BufferSize, ext, ext_len, Flags, !no_queue);
    } else {
        st = kmcl_send(p, Buffer, BufferSize, NULL, 0, Flags, !no_queue);
    }
    if (NT_SUCCESS(st) && wait)
        st = wait_for(Channel, p, deadline);
    if (st == STATUS_SUCCESS && wait && CompletionBufferSize != NULL) {
        /* What the host answered, up to the buffer; more is an overflow. */
        UINT32 capacity = CompletionBuffer != NULL ? *CompletionBufferSize : 0;
        *CompletionBufferSize = p->reply_length < capacity ? p->reply_length : capacity;
        if (p->reply_length > capacity)
            st = STATUS_BUFFER_OVERFLOW;
    }
    free(p);
    return st;
}
