/* KMCL's server-only calls (the host's half: offering channels, mapping a
 * client's GPADLs, save/restore). A guest is never the server: each says
 * STATUS_NOT_SUPPORTED, or does nothing when it returns nothing. */
#include "vmbus/kmcl_private.h"

NTSTATUS VmbChannelMapGpadl(VMBCHANNEL Channel, UINT32 Flags, UINT32 GpadlHandle, PMDL *Mdl)
{
    (void)Channel, (void)Flags, (void)GpadlHandle, (void)Mdl;
    return STATUS_NOT_SUPPORTED;
}

void VmbChannelUnmapGpadl(VMBCHANNEL Channel, UINT32 GpadlHandle) { (void)Channel, (void)GpadlHandle; }

NTSTATUS VmbServerChannelInitSetTargetInterfaceId(VMBCHANNEL Channel, GUID InterfaceType, GUID InterfaceInstance)
{
    (void)Channel, (void)InterfaceType, (void)InterfaceInstance;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbServerChannelInitSetFlags(VMBCHANNEL Channel, UINT32 Flags)
{
    (void)Channel, (void)Flags;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbServerChannelInitSetMmioMegabytes(VMBCHANNEL Channel, UINT16 MmioMegabytes, UINT16 MmioMegabytesOptional)
{
    (void)Channel, (void)MmioMegabytes, (void)MmioMegabytesOptional;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbServerChannelInitSetTargetVtl(VMBCHANNEL Channel, uint8_t TargetVtl)
{
    (void)Channel, (void)TargetVtl;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbServerChannelInitSetVmbusHandle(VMBCHANNEL Channel, PVOID VmbusHandle)
{
    (void)Channel, (void)VmbusHandle;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbConvertVmbusHandleToKernelHandle(PVOID VmbusHandle, PVOID *KernelHandle)
{
    (void)VmbusHandle, (void)KernelHandle;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbServerChannelInitSetSaveRestorePacketCallbacks(VMBCHANNEL Channel, PFN_VMB_CHANNEL_SAVE_PACKET SavePacket,
                                                           PFN_VMB_CHANNEL_RESTORE_PACKET RestorePacket)
{
    (void)Channel, (void)SavePacket, (void)RestorePacket;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbChannelSaveBegin(VMBCHANNEL Channel)
{
    (void)Channel;
    return STATUS_NOT_SUPPORTED;
}

NTSTATUS VmbChannelSaveContinue(VMBCHANNEL Channel, PVOID SaveBuffer, ULONG SaveBufferSize, ULONG *BytesFilled,
                                ULONG *BytesRequired)
{
    (void)Channel, (void)SaveBuffer, (void)SaveBufferSize, (void)BytesFilled, (void)BytesRequired;
    return STATUS_NOT_SUPPORTED;
}

void VmbChannelSaveEnd(VMBCHANNEL Channel) { (void)Channel; }

NTSTATUS VmbChannelRestoreFromBuffer(VMBCHANNEL Channel, PVOID Buffer, ULONG BufferSize)
{
    (void)Channel, (void)Buffer, (void)BufferSize;
    return STATUS_NOT_SUPPORTED;
}
