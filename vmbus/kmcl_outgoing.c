/* KMCL outgoing packets: packet objects, the one send path (in-band or
 * GPA-direct), transactions (small ids, never pointers) and synchronous
 * requests. */
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

VMBPACKET VmbPacketAllocate(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return NULL;
    VMBPACKET p = calloc(1, sizeof(*p));
    if (p != NULL) {
        p->channel = Channel;
        p->from_allocate = true;
    }
    return p;
}

NTSTATUS VmbPacketInitialize(VMBCHANNEL Channel, VMBPACKET Packet, UINT32 ByteCount)
{
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (Packet == NULL)
        return STATUS_INVALID_PARAMETER_2;
    if (ByteCount < sizeof(*Packet))
        return STATUS_INVALID_PARAMETER_3;
    memset(Packet, 0, sizeof(*Packet));
    Packet->channel = Channel;
    return STATUS_SUCCESS;
}

void VmbPacketFree(VMBPACKET Packet)
{
    if (Packet != NULL && Packet->from_allocate)
        free(Packet);
}

void VmbPacketSetCompletionRoutine(VMBPACKET Packet, PFN_VMB_PACKET_COMPLETION_ROUTINE CompletionRoutine)
{
    if (Packet != NULL)
        Packet->completion = CompletionRoutine;
}

void VmbPacketSetPointer(VMBPACKET Packet, PVOID Pointer)
{
    if (Packet != NULL)
        Packet->pointer = Pointer;
}

PVOID VmbPacketGetPointer(VMBPACKET Packet) { return Packet != NULL ? Packet->pointer : NULL; }
VMBCHANNEL VmbPacketGetChannel(VMBPACKET Packet) { return Packet != NULL ? Packet->channel : NULL; }

static void default_completion(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer, UINT32 BufferLength)
{
    (void)Status;
    (void)Buffer;
    (void)BufferLength;
    VmbPacketFree(Packet);
}

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

/* The one send path: inline data, optional GPA-direct ranges (ext). A full
 * ring is waited out in the app's context and refused in an interrupt. */
NTSTATUS kmcl_send(VMBPACKET p, const void *buffer, UINT32 length, const void *ext, UINT32 ext_len, UINT32 flags)
{
    VMBCHANNEL ch = p->channel;
    if (ch->state == KMCL_DISABLED)
        return STATUS_INVALID_DEVICE_STATE;
    if (vmbus_channel_rescinded(&ch->core))
        return STATUS_DEVICE_REMOVED;
    if (length > ch->max_packet || (length != 0 && buffer == NULL))
        return STATUS_INVALID_PARAMETER;
    if (flags & ~VMBUS_CHANNEL_FORMAT_FLAGS)
        return STATUS_INVALID_PARAMETER;
    bool wait = (flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION) != 0;
    if (p->completion == NULL && p->from_allocate)
        p->completion = default_completion;

    platform_irq_state s = platform_irq_save();
    uint32_t id = wait ? new_transaction(ch, p) : 0;
    platform_irq_restore(s);
    if (wait && id == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    p->done = false;
    struct vmbus_packet_out out = { ext ? VMBUS_PACKET_DATA_GPA_DIRECT : VMBUS_PACKET_DATA_INBAND,
                                    wait ? VMBUS_PACKET_FLAG_COMPLETION_REQUESTED : 0, id, ext, ext_len,
                                    buffer, length };
    uint64_t deadline = platform_time_ns() + (uint64_t)KMCL_TIMEOUT_MS * 1000000;
    int status;
    while ((status = vmbus_channel_send(&ch->core, &out)) == VMBUS_E_BUSY && s && platform_time_ns() < deadline)
        platform_wait_until(deadline);   /* the host reads, then signals pending_send_size */
    if (status != VMBUS_OK) {
        if (wait) {
            s = platform_irq_save();
            ch->transactions[id] = NULL;
            platform_irq_restore(s);
        }
        return kmcl_status(status);
    }
    if (!wait && p->completion != NULL)
        p->completion(p, STATUS_SUCCESS, NULL, 0);   /* in the ring: retired */
    return STATUS_SUCCESS;
}

NTSTATUS VmbPacketSend(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 Flags)
{
    if (Packet == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (ExternalDataMdl != NULL)
        return VmbPacketSendWithExternalMdl(Packet, Buffer, BufferLength, ExternalDataMdl, 0, 0,
                                            Flags | VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
    return kmcl_send(Packet, Buffer, BufferLength, NULL, 0, Flags);
}

NTSTATUS VmbPacketSendWithExternalMdl(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl,
                                      UINT32 MdlOffset, UINT32 MdlLength, UINT32 Flags)
{
    if (Packet == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (ExternalDataMdl == NULL)
        return STATUS_INVALID_PARAMETER_4;
    if (!(Flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION))
        return STATUS_INVALID_PARAMETER;   /* the host reads the pages after the send returns */
    static uint8_t ext[16 * (16 + 64 * 8) + 8];
    uint32_t ext_len = 0;
    platform_irq_state s = platform_irq_save();   /* one static buffer */
    NTSTATUS st = kmcl_ranges_from_mdl(ExternalDataMdl, MdlOffset, MdlLength,
                                  (Flags & VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH) != 0, ext, sizeof(ext), &ext_len);
    platform_irq_restore(s);
    if (!NT_SUCCESS(st))
        return st;
    return kmcl_send(Packet, Buffer, BufferLength, ext, ext_len, Flags);
}

NTSTATUS VmbPacketSendWithExternalPfns(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength,
                                       PPFN_NUMBER ExternalDataPfns, UINT32 PfnLength, UINT32 Flags)
{
    if (Packet == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (ExternalDataPfns == NULL || PfnLength == 0 || PfnLength > 64)
        return STATUS_INVALID_PARAMETER;
    if (!(Flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION))
        return STATUS_INVALID_PARAMETER;
    struct vmbus_gpa_range_in range = { PfnLength * 4096, 0, ExternalDataPfns };
    uint8_t ext[16 + 64 * 8 + 8];
    uint32_t ext_len = 0;
    if (vmbus_gpa_direct_build(ext, sizeof(ext), &range, 1, &ext_len) != VMBUS_RING_OK)
        return STATUS_INVALID_PARAMETER;
    return kmcl_send(Packet, Buffer, BufferLength, ext, ext_len, Flags);
}

NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer, UINT32 BufferSize, PMDL ExternalDataMdl,
                                          UINT32 Flags, PVOID CompletionBuffer, PUINT32 CompletionBufferSize,
                                          PLARGE_INTEGER Timeout)
{
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (Channel->state != KMCL_ACTIVE)
        return vmbus_channel_rescinded(&Channel->core) ? STATUS_DEVICE_REMOVED : STATUS_INVALID_DEVICE_STATE;
    struct vmb_packet p;
    VmbPacketInitialize(Channel, &p, sizeof(p));
    p.reply = CompletionBuffer;
    p.reply_capacity = CompletionBuffer && CompletionBufferSize ? *CompletionBufferSize : 0;
    Flags |= VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
    NTSTATUS st = ExternalDataMdl ? VmbPacketSendWithExternalMdl(&p, Buffer, BufferSize, ExternalDataMdl, 0, 0, Flags)
                                  : kmcl_send(&p, Buffer, BufferSize, NULL, 0, Flags);
    if (st == STATUS_INSUFFICIENT_RESOURCES)
        return STATUS_BUFFER_OVERFLOW;   /* did not fit: not queued */
    if (!NT_SUCCESS(st))
        return st;
    /* Timeout: NULL waits for ever; otherwise 100 ns units, relative. */
    int64_t t = Timeout ? Timeout->QuadPart : 0;
    uint64_t wait_ns = Timeout ? (uint64_t)(t < 0 ? -t : t) * 100 : UINT64_MAX;
    uint64_t start = platform_time_ns();
    uint64_t deadline = wait_ns == UINT64_MAX || wait_ns > UINT64_MAX - start ? UINT64_MAX : start + wait_ns;
    while (!p.done && platform_time_ns() < deadline)
        platform_wait_until(deadline);   /* polls too: with no timeout, a lost interrupt would be a hang */
    platform_irq_state s = platform_irq_save();
    bool done = p.done;
    if (!done) {
        for (uint32_t id = 1; id < KMCL_MAX_TRANSACTIONS; id++)
            if (Channel->transactions[id] == &p)
                Channel->transactions[id] = NULL;   /* a late answer is ignored */
    }
    platform_irq_restore(s);
    if (!done)
        return vmbus_channel_rescinded(&Channel->core) ? STATUS_DEVICE_REMOVED : STATUS_CANCELLED;
    if (CompletionBufferSize != NULL)
        *CompletionBufferSize = p.reply_length;
    return p.status;
}

NTSTATUS VmbPacketRestore(VMBPACKET Packet, PVOID Buffer, ULONG BufferSize)
{
    (void)Packet;
    (void)Buffer;
    (void)BufferSize;
    return STATUS_NOT_SUPPORTED;
}

void kmcl_cancel_transactions(VMBCHANNEL ch, NTSTATUS status)
{
    for (uint32_t t = 1; t < KMCL_MAX_TRANSACTIONS; t++) {
        VMBPACKET p = ch->transactions[t];
        if (p == NULL)
            continue;
        ch->transactions[t] = NULL;
        p->status = status;
        p->done = true;
        if (p->completion != NULL)
            p->completion(p, status, NULL, 0);
    }
}
