/* KMCL GPADLs: client memory described to the host, from a buffer or an
 * MDL, whole pages only. The channel core keeps the handles and tears
 * down what the client left at the close, before a rescinded relid is
 * released (after that the host would never answer). */
#include "vmbus/kmcl_private.h"

static NTSTATUS create_gpadl(VMBCHANNEL ch, void *va, uint32_t pages, PUINT32 handle)
{
    uint32_t h = 0;
    int status = vmbus_channel_gpadl_create(&ch->core, va, pages, &h, KMCL_TIMEOUT_MS);
    if (status == VMBUS_E_BUSY)
        return STATUS_INSUFFICIENT_RESOURCES;   /* VMBUS_CHANNEL_MAX_GPADLS in use */
    if (status != VMBUS_OK)
        return kmcl_status(status);
    *handle = h;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelCreateGpadlFromBuffer(VMBCHANNEL Channel, UINT32 Flags, PVOID Buffer, UINT32 ByteCount,
                                         PUINT32 GpadlHandle)
{
    if (Channel == NULL || Channel->state == KMCL_DISABLED)
        return STATUS_INVALID_PARAMETER_1;
    if (Flags & ~VMBUS_CHANNEL_GPADL_FLAGS)
        return STATUS_INVALID_PARAMETER_2;
    /* Whole pages only: a GPADL shares pages, and the host would see the rest of a partial one. */
    if (Buffer == NULL || ((uintptr_t)Buffer & 4095) != 0)
        return STATUS_INVALID_PARAMETER_3;
    if (ByteCount == 0 || ByteCount % 4096 != 0)
        return STATUS_INVALID_PARAMETER_4;
    if (GpadlHandle == NULL)
        return STATUS_INVALID_PARAMETER;
    return create_gpadl(Channel, Buffer, ByteCount / 4096, GpadlHandle);
}

NTSTATUS VmbChannelCreateGpadlFromMdl(VMBCHANNEL Channel, UINT32 Flags, PMDL Mdl, UINT32 StartOffsetWithinMdl,
                                      UINT32 DataLengthWithinMdl, PUINT32 GpadlHandle)
{
    if (Mdl == NULL)
        return STATUS_INVALID_PARAMETER_3;
    if (Mdl->Next != NULL)
        return STATUS_NOT_SUPPORTED;   /* one MDL, whole pages (docs/api.md) */
    /* The range must stay inside the MDL: past it the host would be given
     * pages the caller never described (an offset past the end used to
     * wrap the length around). */
    if (StartOffsetWithinMdl > Mdl->ByteCount)
        return STATUS_INVALID_PARAMETER_4;
    if (DataLengthWithinMdl > Mdl->ByteCount - StartOffsetWithinMdl)
        return STATUS_INVALID_PARAMETER_5;
    uint32_t start = Mdl->ByteOffset + StartOffsetWithinMdl;
    uint32_t length = DataLengthWithinMdl ? DataLengthWithinMdl : Mdl->ByteCount - StartOffsetWithinMdl;
    NTSTATUS st = VmbChannelCreateGpadlFromBuffer(Channel, Flags, (uint8_t *)Mdl->StartVa + start, length, GpadlHandle);
    /* FromBuffer numbers its own parameters: its length is this call's fifth. */
    return st == STATUS_INVALID_PARAMETER_4 ? STATUS_INVALID_PARAMETER_5 : st;
}

void VmbChannelDeleteGpadl(VMBCHANNEL Channel, UINT32 GpadlHandle)
{
    if (Channel == NULL || GpadlHandle == 0 || Channel->state == KMCL_DISABLED)
        return;   /* disabled: the close tore every GPADL down already */
    /* Blocks until the host has let go, as KMCL does. */
    vmbus_channel_gpadl_teardown(&Channel->core, GpadlHandle, KMCL_TIMEOUT_MS);
}
