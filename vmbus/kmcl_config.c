/* KMCL configuration: the Init* setters (only while Disabled, as KMCL
 * says), the per-channel settings that may change later, and the queries. */
#include <string.h>

#include "vmbus/kmcl_private.h"

NTSTATUS VmbChannelInitSetMaximumPacketSize(VMBCHANNEL Channel, UINT32 PacketSize)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (PacketSize == 0 || PacketSize > (1u << 20))
        return STATUS_INVALID_PARAMETER_2;
    Channel->max_packet = (PacketSize + 7) & ~7u;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetMaximumExternalData(VMBCHANNEL Channel, UINT32 DataSize, UINT32 ChainLength)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (DataSize == 0)
        return STATUS_INVALID_PARAMETER_2;
    if (ChainLength == 0 || ChainLength > 8192)
        return STATUS_INVALID_PARAMETER_3;
    Channel->max_external = DataSize;
    Channel->max_chain = ChainLength;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetClientContextSize(VMBCHANNEL Channel, UINT32 ContextSize)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    Channel->context_size = ContextSize;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetProcessPacketCallbacks(VMBCHANNEL Channel, PFN_VMB_CHANNEL_PROCESS_PACKET ProcessPacketCallback,
                                                 PFN_VMB_CHANNEL_PROCESSING_COMPLETE ProcessingCompleteCallback)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    Channel->process_packet = ProcessPacketCallback;
    Channel->processing_complete = ProcessingCompleteCallback;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetStateChangeCallbacks(VMBCHANNEL Channel, PVMB_CHANNEL_STATE_CHANGE_CALLBACKS StateChangeCallbacks)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (StateChangeCallbacks == NULL || StateChangeCallbacks->Version != VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1 ||
        StateChangeCallbacks->Size != sizeof(VMB_CHANNEL_STATE_CHANGE_CALLBACKS))
        return STATUS_INVALID_PARAMETER_2;
    Channel->callbacks = *StateChangeCallbacks;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetFriendlyName(VMBCHANNEL Channel, PCUNICODE_STRING FriendlyName)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (FriendlyName == NULL || (FriendlyName->Length != 0 && FriendlyName->Buffer == NULL))
        return STATUS_INVALID_PARAMETER_2;
    unsigned n = FriendlyName->Length / 2, i;
    for (i = 0; i < n && i + 1 < sizeof(Channel->name); i++) {
        uint16_t c = FriendlyName->Buffer[i];
        Channel->name[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    Channel->name[i] = '\0';
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetFlags(VMBCHANNEL Channel, UINT32 Flags)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (Flags & ~VMBUS_CHANNEL_INIT_FLAGS)
        return STATUS_INVALID_PARAMETER_2;
    Channel->flags = Flags;
    return STATUS_SUCCESS;
}

void VmbChannelSetIncomingProcessingAtPassive(VMBCHANNEL Channel, BOOLEAN RequirePassive)
{
    if (Channel != NULL)
        Channel->passive = RequirePassive != 0;   /* the next delivery runs where this says */
}

void VmbChannelSetTransactionQuota(VMBCHANNEL Channel, UINT32 Quota)
{
    if (Channel == NULL || Quota == 0 || Quota > KMCL_MAX_QUOTA)
        return;
    /* While disabled it sizes the receive slots; once enabled it may go
     * below the number held (delivery waits) but not above the slots. */
    Channel->quota = Channel->state == KMCL_DISABLED || Quota <= Channel->slot_count ? Quota : Channel->slot_count;
    kmcl_kick(Channel);
}

void VmbChannelSetPointer(VMBCHANNEL Channel, PVOID Pointer)
{
    if (Channel != NULL)
        Channel->pointer = Pointer;
}

PVOID VmbChannelGetPointer(VMBCHANNEL Channel) { return Channel != NULL ? Channel->pointer : NULL; }

void VmbChannelGetInterfaceInstance(VMBCHANNEL Channel, LPGUID InterfaceInstance)
{
    if (Channel == NULL || InterfaceInstance == NULL)
        return;
    const struct vmbus_guid *g = Channel->state != KMCL_DISABLED ? &vmbus_channel_offer(&Channel->core)->instance_id : &Channel->instance;
    memcpy(InterfaceInstance, g, sizeof(*InterfaceInstance));
}

NTSTATUS VmbChannelSetInterruptLatency(VMBCHANNEL Channel, UINT16 Latency, PUINT16 OriginalLatency)
{
    (void)Channel;
    (void)Latency;
    (void)OriginalLatency;
    return STATUS_NOT_SUPPORTED;   /* hvrt always signals by hypercall, never through monitor pages */
}

void VmbChannelGetMmioSpace(VMBCHANNEL Channel, UINT64 *MmioAddress, UINT64 *MmioSize)
{
    (void)Channel;
    if (MmioAddress != NULL)
        *MmioAddress = 0;
    if (MmioSize != NULL)
        *MmioSize = 0;   /* no MMIO is reserved for VMBus devices */
}

UINT32 VmbChannelSizeofPacket(VMBCHANNEL Channel)
{
    (void)Channel;
    return sizeof(struct vmb_packet);
}

NTSTATUS VmbClientChannelInitSetTargetPnp(VMBCHANNEL Channel, LPCGUID InterfaceType, LPCGUID InterfaceInstance,
                                          PFN_VMB_CHANNEL_PNP_FAILURE PnpFailureCallback)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (InterfaceType == NULL)
        return STATUS_INVALID_PARAMETER_2;
    memcpy(&Channel->type, InterfaceType, sizeof(Channel->type));
    Channel->have_instance = InterfaceInstance != NULL;
    if (InterfaceInstance != NULL)
        memcpy(&Channel->instance, InterfaceInstance, sizeof(Channel->instance));
    Channel->pnp_failure = PnpFailureCallback;
    Channel->have_target = true;
    return STATUS_SUCCESS;
}

NTSTATUS VmbClientChannelInitSetRingBufferPageCount(VMBCHANNEL Channel, UINT32 IncomingPageCount, UINT32 OutgoingPageCount)
{
    if (!kmcl_configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    /* One GPADL holds both rings and their control pages. */
    if (IncomingPageCount == 0 || IncomingPageCount > 4000)
        return STATUS_INVALID_PARAMETER_2;
    if (OutgoingPageCount == 0 || OutgoingPageCount > 4000 || IncomingPageCount + OutgoingPageCount + 2 > 8190)
        return STATUS_INVALID_PARAMETER_3;
    Channel->in_pages = IncomingPageCount;
    Channel->out_pages = OutgoingPageCount;
    return STATUS_SUCCESS;
}
