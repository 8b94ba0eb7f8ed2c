/* KMCL_CLIENT_INTERFACE_V1: the function table Windows VSCs query for and
 * call through, filled with hvrt's functions (include/hvrt/vmbus.h). */
#include <string.h>

#include "vmbus/kmcl_private.h"

static void no_reference(PVOID context) { (void)context; }

static const KMCL_CLIENT_INTERFACE_V1 table = {
    .Size = sizeof(KMCL_CLIENT_INTERFACE_V1),
    .Version = KMCL_CLIENT_INTERFACE_VERSION_V1,
    .Context = NULL,
    .InterfaceReference = no_reference,
    .InterfaceDereference = no_reference,
    .VmbChannelAllocate = VmbChannelAllocate,
    .VmbChannelCleanup = VmbChannelCleanup,
    .VmbChannelCreateGpadlFromBuffer = VmbChannelCreateGpadlFromBuffer,
    .VmbChannelCreateGpadlFromMdl = VmbChannelCreateGpadlFromMdl,
    .VmbChannelDeleteGpadl = VmbChannelDeleteGpadl,
    .VmbChannelDisable = VmbChannelDisable,
    .VmbChannelEnable = VmbChannelEnable,
    .VmbChannelGetInterfaceInstance = VmbChannelGetInterfaceInstance,
    .VmbChannelGetMmioSpace = VmbChannelGetMmioSpace,
    .VmbChannelGetPointer = VmbChannelGetPointer,
    .VmbChannelInitSetClientContextSize = VmbChannelInitSetClientContextSize,
    .VmbChannelInitSetFlags = VmbChannelInitSetFlags,
    .VmbChannelInitSetFriendlyName = VmbChannelInitSetFriendlyName,
    .VmbChannelInitSetMaximumExternalData = VmbChannelInitSetMaximumExternalData,
    .VmbChannelInitSetMaximumPacketSize = VmbChannelInitSetMaximumPacketSize,
    .VmbChannelInitSetProcessPacketCallbacks = VmbChannelInitSetProcessPacketCallbacks,
    .VmbChannelInitSetStateChangeCallbacks = VmbChannelInitSetStateChangeCallbacks,
    .VmbChannelPacketComplete = VmbChannelPacketComplete,
    .VmbChannelPacketDeferToPassive = VmbChannelPacketDeferToPassive,
    .VmbChannelPacketFail = VmbChannelPacketFail,
    .VmbChannelPacketGetExternalData = VmbChannelPacketGetExternalData,
    .VmbChannelPause = VmbChannelPause,
    .VmbChannelSendSynchronousRequest = VmbChannelSendSynchronousRequest,
    .VmbChannelSetIncomingProcessingAtPassive = VmbChannelSetIncomingProcessingAtPassive,
    .VmbChannelSetInterruptLatency = VmbChannelSetInterruptLatency,
    .VmbChannelSetPointer = VmbChannelSetPointer,
    .VmbChannelSetTransactionQuota = VmbChannelSetTransactionQuota,
    .VmbChannelSizeofPacket = VmbChannelSizeofPacket,
    .VmbChannelStart = VmbChannelStart,
    .VmbClientChannelInitSetRingBufferPageCount = VmbClientChannelInitSetRingBufferPageCount,
    .VmbClientChannelInitSetTargetPnp = VmbClientChannelInitSetTargetPnp,
    .VmbPacketAllocate = VmbPacketAllocate,
    .VmbPacketFree = VmbPacketFree,
    .VmbPacketGetChannel = VmbPacketGetChannel,
    .VmbPacketGetPointer = VmbPacketGetPointer,
    .VmbPacketInitialize = VmbPacketInitialize,
    .VmbPacketSend = VmbPacketSend,
    .VmbPacketSendWithExternalMdl = VmbPacketSendWithExternalMdl,
    .VmbPacketSendWithExternalPfns = VmbPacketSendWithExternalPfns,
    .VmbPacketSetCompletionRoutine = VmbPacketSetCompletionRoutine,
    .VmbPacketSetPointer = VmbPacketSetPointer,
};

NTSTATUS HvrtKmclQueryInterface(LPCGUID InterfaceType, PINTERFACE Interface, USHORT Size, USHORT Version)
{
    static const GUID ours = KMCL_CLIENT_INTERFACE_TYPE_INIT;
    if (InterfaceType == NULL || memcmp(InterfaceType, &ours, sizeof(ours)) != 0 ||
        Version != KMCL_CLIENT_INTERFACE_VERSION_V1)
        return STATUS_NOT_SUPPORTED;
    if (Interface == NULL)
        return STATUS_INVALID_PARAMETER_2;
    if (Size < sizeof(table))
        return STATUS_BUFFER_TOO_SMALL;
    memcpy(Interface, &table, sizeof(table));
    return STATUS_SUCCESS;
}
