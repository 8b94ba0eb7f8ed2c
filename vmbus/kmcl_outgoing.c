/* KMCL outgoing packets: packet objects and the send calls, which describe
 * external data and hand the packet to the one send path (kmcl_send.c). */
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

void kmcl_default_completion(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer, UINT32 BufferLength)
{
    (void)Status;
    (void)Buffer;
    (void)BufferLength;
    VmbPacketFree(Packet);
}

NTSTATUS VmbPacketSend(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 Flags)
{
    if (Packet == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (ExternalDataMdl != NULL)
        return VmbPacketSendWithExternalMdl(Packet, Buffer, BufferLength, ExternalDataMdl, 0, 0,
                                            Flags | VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
    return kmcl_send(Packet, Buffer, BufferLength, NULL, 0, Flags, true);
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
    uint8_t *ext = NULL;
    uint32_t ext_len = 0;
    NTSTATUS st = kmcl_ranges_from_mdl(ExternalDataMdl, MdlOffset, MdlLength,
                                       (Flags & VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH) != 0, &ext, &ext_len);
    if (!NT_SUCCESS(st))
        return st;
    return kmcl_send(Packet, Buffer, BufferLength, ext, ext_len, Flags, true);
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
    uint32_t ext_size = 16 + 64 * 8 + 8, ext_len = 0;
    uint8_t *ext = malloc(ext_size);   /* the packet's own: it may wait in the queue */
    if (ext == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (vmbus_gpa_direct_build(ext, ext_size, &range, 1, &ext_len) != VMBUS_RING_OK) {
        free(ext);
        return STATUS_INVALID_PARAMETER;
    }
    return kmcl_send(Packet, Buffer, BufferLength, ext, ext_len, Flags, true);
}

NTSTATUS VmbPacketRestore(VMBPACKET Packet, PVOID Buffer, ULONG BufferSize)
{
    (void)Packet;
    (void)Buffer;
    (void)BufferSize;
    return STATUS_NOT_SUPPORTED;
}
