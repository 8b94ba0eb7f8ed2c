/* hvrt's VMBus channel API, shaped like the client half of Windows' VMBus
 * Kernel Mode Client Library (KMCL, vmbuskernelmodeclientlibapi.h): the same
 * function names, handle types, callback signatures, flags and NTSTATUS
 * values, so a VSC written against KMCL reads the same here. docs/api.md
 * says what each function does in hvrt, and where it differs from Windows
 * (no IRQLs, no device objects, no MDL pages beyond what is described). */
#ifndef HVRT_VMBUS_H
#define HVRT_VMBUS_H

#include <stdint.h>

/* ---- Windows types, as hvrt defines them ---- */

typedef int32_t NTSTATUS;
typedef uint8_t BOOLEAN;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef uint32_t ULONG;
typedef void *PVOID;
typedef uint32_t *PUINT32;
typedef uint16_t *PUINT16;
typedef uint64_t PFN_NUMBER, *PPFN_NUMBER;
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif

typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID, *LPGUID;
typedef const GUID *LPCGUID;

typedef struct _UNICODE_STRING {
    uint16_t Length;          /* bytes, without a terminator */
    uint16_t MaximumLength;
    uint16_t *Buffer;
} UNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

/* KeWait style: negative = relative, in 100 ns units; 0 = do not wait. */
typedef union _LARGE_INTEGER {
    int64_t QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

/* A memory descriptor list: a chain of virtually described buffers. hvrt
 * looks up the guest-physical pages itself. */
typedef struct _MDL {
    struct _MDL *Next;
    PVOID StartVa;            /* page aligned */
    UINT32 ByteOffset;        /* of the data in the first page */
    UINT32 ByteCount;
} MDL, *PMDL;

/* There is no device tree: pass NULL (the VMBus of this partition). */
typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;

#define NT_SUCCESS(status) ((NTSTATUS)(status) >= 0)

#define STATUS_SUCCESS                  ((NTSTATUS)0x00000000)
#define STATUS_PENDING                  ((NTSTATUS)0x00000103)
#define STATUS_BUFFER_OVERFLOW          ((NTSTATUS)0x80000005)
#define STATUS_UNSUCCESSFUL             ((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED          ((NTSTATUS)0xC0000002)
#define STATUS_INVALID_PARAMETER        ((NTSTATUS)0xC000000D)
#define STATUS_NO_SUCH_DEVICE           ((NTSTATUS)0xC000000E)
#define STATUS_INVALID_DEVICE_REQUEST   ((NTSTATUS)0xC0000010)
#define STATUS_MORE_PROCESSING_REQUIRED ((NTSTATUS)0xC0000016)
#define STATUS_NO_MEMORY                ((NTSTATUS)0xC0000017)
#define STATUS_BUFFER_TOO_SMALL         ((NTSTATUS)0xC0000023)
#define STATUS_INSUFFICIENT_RESOURCES   ((NTSTATUS)0xC000009A)
#define STATUS_NOT_SUPPORTED            ((NTSTATUS)0xC00000BB)
#define STATUS_INVALID_PARAMETER_1      ((NTSTATUS)0xC00000EF)
#define STATUS_INVALID_PARAMETER_2      ((NTSTATUS)0xC00000F0)
#define STATUS_INVALID_PARAMETER_3      ((NTSTATUS)0xC00000F1)
#define STATUS_INVALID_PARAMETER_4      ((NTSTATUS)0xC00000F2)
#define STATUS_INVALID_PARAMETER_5      ((NTSTATUS)0xC00000F3)
#define STATUS_INVALID_PARAMETER_6      ((NTSTATUS)0xC00000F4)
#define STATUS_INVALID_PARAMETER_7      ((NTSTATUS)0xC00000F5)
#define STATUS_CANCELLED                ((NTSTATUS)0xC0000120)
#define STATUS_INVALID_DEVICE_STATE     ((NTSTATUS)0xC0000184)
#define STATUS_IO_TIMEOUT               ((NTSTATUS)0xC00000B5)
#define STATUS_DEVICE_REMOVED           ((NTSTATUS)0xC00002B6)

/* ---- handles ---- */

typedef struct vmb_channel *VMBCHANNEL;
typedef struct vmb_packet *VMBPACKET;
typedef struct vmb_packet_completion *VMBPACKETCOMPLETION;

/* ---- flags ---- */

#define VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION 0x1
#define VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH    0x2
#define VMBUS_CHANNEL_FORMAT_FLAG_PAGED_BUFFER        0x4
#define VMBUS_CHANNEL_FORMAT_FLAGS                    0x7
#define VMBUS_CHANNEL_GPADL_FLAG_READ_ONLY            0x1
#define VMBUS_CHANNEL_GPADL_FLAGS                     0x1
#define VMBUS_CHANNEL_INIT_FLAG_IS_PIPE               0x1
#define VMBUS_CHANNEL_INIT_FLAGS                      0x1
#define VMBUS_SERVER_CHANNEL_INIT_FLAG_LOOPBACK_OFFER 0x1
#define VMBUS_SERVER_CHANNEL_INIT_FLAG_ENUMERATE_DEVICE_INTERFACE 0x2
#define VMBUS_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE  0x4
#define VMBUS_SERVER_CHANNEL_INIT_FLAG_FORCE_NEW_CHANNEL 0x8
#define VMBUS_SERVER_CHANNEL_INIT_FLAG_TLNPI_PROVIDER_OFFER 0x10
#define VMBUS_SERVER_CHANNEL_INIT_FLAGS               0x1F
#define VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA 0x1
#define VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY 0x1
#define VMBUS_SERVER_CHANNEL_INIT_MAXIMUM_OFFER_DATA  120

/* ---- callbacks ---- */

typedef NTSTATUS EVT_VMB_CHANNEL_OPENED(VMBCHANNEL Channel);
typedef void EVT_VMB_CHANNEL_CLOSED(VMBCHANNEL Channel);
typedef void EVT_VMB_CHANNEL_SUSPEND(VMBCHANNEL Channel);
typedef void EVT_VMB_CHANNEL_STARTED(VMBCHANNEL Channel);
typedef void EVT_VMB_CHANNEL_POST_STARTED(VMBCHANNEL Channel);
typedef void EVT_VMB_CHANNEL_PROCESS_PACKET(VMBCHANNEL Channel, VMBPACKETCOMPLETION Packet, PVOID Buffer,
                                            UINT32 BufferLength, UINT32 Flags);
typedef void EVT_VMB_CHANNEL_PROCESSING_COMPLETE(VMBCHANNEL Channel, UINT32 PacketsProcessed);
typedef void EVT_VMB_PACKET_COMPLETION_ROUTINE(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer,
                                               UINT32 BufferLength);
typedef void EVT_VMB_CHANNEL_PNP_FAILURE(VMBCHANNEL Channel, NTSTATUS FailureStatus);
typedef NTSTATUS EVT_VMB_CHANNEL_SAVE_PACKET(VMBCHANNEL Channel, VMBPACKET Packet, PVOID SaveBuffer,
                                             UINT32 SaveBufferSize, PUINT32 BytesNeeded);
typedef NTSTATUS EVT_VMB_CHANNEL_RESTORE_PACKET(VMBCHANNEL Channel, PVOID LibBuffer, UINT32 LibBufferSize,
                                                PVOID SaveBuffer, UINT32 SaveBufferSize);

typedef EVT_VMB_CHANNEL_OPENED *PFN_VMB_CHANNEL_OPENED;
typedef EVT_VMB_CHANNEL_CLOSED *PFN_VMB_CHANNEL_CLOSED;
typedef EVT_VMB_CHANNEL_SUSPEND *PFN_VMB_CHANNEL_SUSPEND;
typedef EVT_VMB_CHANNEL_STARTED *PFN_VMB_CHANNEL_STARTED;
typedef EVT_VMB_CHANNEL_POST_STARTED *PFN_VMB_CHANNEL_POST_STARTED;
typedef EVT_VMB_CHANNEL_PROCESS_PACKET *PFN_VMB_CHANNEL_PROCESS_PACKET;
typedef EVT_VMB_CHANNEL_PROCESSING_COMPLETE *PFN_VMB_CHANNEL_PROCESSING_COMPLETE;
typedef EVT_VMB_PACKET_COMPLETION_ROUTINE *PFN_VMB_PACKET_COMPLETION_ROUTINE;
typedef EVT_VMB_CHANNEL_PNP_FAILURE *PFN_VMB_CHANNEL_PNP_FAILURE;
typedef EVT_VMB_CHANNEL_SAVE_PACKET *PFN_VMB_CHANNEL_SAVE_PACKET;
typedef EVT_VMB_CHANNEL_RESTORE_PACKET *PFN_VMB_CHANNEL_RESTORE_PACKET;

typedef struct _VMB_CHANNEL_STATE_CHANGE_CALLBACKS {
    ULONG Version;   /* 1 */
    ULONG Size;      /* sizeof(VMB_CHANNEL_STATE_CHANGE_CALLBACKS) */
    PFN_VMB_CHANNEL_OPENED EvtChannelOpened;
    PFN_VMB_CHANNEL_CLOSED EvtChannelClosed;
    PFN_VMB_CHANNEL_SUSPEND EvtChannelSuspend;
    PFN_VMB_CHANNEL_STARTED EvtChannelStarted;
    PFN_VMB_CHANNEL_POST_STARTED EvtChannelPostStarted;
} VMB_CHANNEL_STATE_CHANGE_CALLBACKS, *PVMB_CHANNEL_STATE_CHANGE_CALLBACKS;

#define VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1 1

static inline void VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(PVMB_CHANNEL_STATE_CHANGE_CALLBACKS Callbacks)
{
    *Callbacks = (VMB_CHANNEL_STATE_CHANGE_CALLBACKS){ 0 };
    Callbacks->Version = VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1;
    Callbacks->Size = sizeof(*Callbacks);
}

/* ---- channel lifetime and state ---- */

NTSTATUS VmbChannelAllocate(PDEVICE_OBJECT ParentDeviceObject, BOOLEAN IsServer, VMBCHANNEL *Channel);
NTSTATUS VmbChannelEnable(VMBCHANNEL Channel);
void VmbChannelDisable(VMBCHANNEL Channel);
void VmbChannelCleanup(VMBCHANNEL Channel);
void VmbChannelPause(VMBCHANNEL Channel);
void VmbChannelStart(VMBCHANNEL Channel);

/* hvrt's extension for simple apps: VmbChannelEnable returns at once and
 * the channel opens when its offer is there. This waits (passive) until
 * it is open and started (or open, if paused): STATUS_SUCCESS; the
 * failure when the host refused the open or EvtChannelOpened failed;
 * STATUS_NO_SUCH_DEVICE when no matching offer came within TimeoutMs
 * (UINT32_MAX: no limit), STATUS_IO_TIMEOUT when one came but did not
 * open in time. */
NTSTATUS HvrtChannelWaitOpened(VMBCHANNEL Channel, UINT32 TimeoutMs);

/* hvrt's extension for drivers that look for their devices themselves
 * (Windows' PnP manager does it for a VSC): how many channels of this
 * interface type the host offers now (connecting to VMBus first if need
 * be; 0 without VMBus). Every offer the host makes at boot is in before
 * the first service or app runs, so a driver need not enable a channel
 * (and wait for its open) for a device that is not there. */
UINT32 HvrtChannelOfferCount(LPCGUID InterfaceType);

/* ---- initialization (while disabled) and configuration ---- */

NTSTATUS VmbChannelInitSetMaximumPacketSize(VMBCHANNEL Channel, UINT32 PacketSize);
NTSTATUS VmbChannelInitSetMaximumExternalData(VMBCHANNEL Channel, UINT32 DataSize, UINT32 ChainLength);
NTSTATUS VmbChannelInitSetClientContextSize(VMBCHANNEL Channel, UINT32 ContextSize);
NTSTATUS VmbChannelInitSetProcessPacketCallbacks(VMBCHANNEL Channel, PFN_VMB_CHANNEL_PROCESS_PACKET ProcessPacketCallback,
                                                 PFN_VMB_CHANNEL_PROCESSING_COMPLETE ProcessingCompleteCallback);
NTSTATUS VmbChannelInitSetStateChangeCallbacks(VMBCHANNEL Channel, PVMB_CHANNEL_STATE_CHANGE_CALLBACKS StateChangeCallbacks);
NTSTATUS VmbChannelInitSetFriendlyName(VMBCHANNEL Channel, PCUNICODE_STRING FriendlyName);
NTSTATUS VmbChannelInitSetFlags(VMBCHANNEL Channel, UINT32 Flags);
void VmbChannelSetIncomingProcessingAtPassive(VMBCHANNEL Channel, BOOLEAN RequirePassive);
void VmbChannelSetTransactionQuota(VMBCHANNEL Channel, UINT32 Quota);
void VmbChannelSetPointer(VMBCHANNEL Channel, PVOID Pointer);
PVOID VmbChannelGetPointer(VMBCHANNEL Channel);
void VmbChannelGetInterfaceInstance(VMBCHANNEL Channel, LPGUID InterfaceInstance);
NTSTATUS VmbChannelSetInterruptLatency(VMBCHANNEL Channel, UINT16 Latency, PUINT16 OriginalLatency);
void VmbChannelGetMmioSpace(VMBCHANNEL Channel, UINT64 *MmioAddress, UINT64 *MmioSize);
UINT32 VmbChannelSizeofPacket(VMBCHANNEL Channel);

NTSTATUS VmbClientChannelInitSetTargetPnp(VMBCHANNEL Channel, LPCGUID InterfaceType, LPCGUID InterfaceInstance,
                                          PFN_VMB_CHANNEL_PNP_FAILURE PnpFailureCallback);
NTSTATUS VmbClientChannelInitSetRingBufferPageCount(VMBCHANNEL Channel, UINT32 IncomingPageCount,
                                                    UINT32 OutgoingPageCount);

/* ---- incoming packets ---- */

void VmbChannelPacketComplete(VMBPACKETCOMPLETION Packet, PVOID PacketCompletionBuffer, UINT32 BufSize);
void VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION Packet);
void VmbChannelPacketFail(VMBPACKETCOMPLETION Packet);
NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION Packet, UINT32 Flags, PMDL *Mdl);

/* hvrt's extension: answer a received packet with an in-band packet that
 * carries its transaction id (how integration services reply), then
 * complete it. Callable from ProcessPacket. A full ring delays the reply;
 * it is never dropped. Length over the maximum packet size:
 * STATUS_INVALID_PARAMETER_3 and the packet is still held. */
NTSTATUS HvrtPacketCompleteWithReply(VMBPACKETCOMPLETION Packet, PVOID Buffer, UINT32 Length);

/* hvrt's extension: the transfer page set SetId of the host's transfer-page
 * packets is the GPADL GpadlHandle the client created (netvsc: the receive
 * buffer, whose id the client told the host in its own protocol). KMCL
 * needs this link to describe such a packet's ranges as MDLs; the device
 * protocol makes it, which KMCL does not parse. GpadlHandle 0 unmaps. */
NTSTATUS HvrtChannelMapTransferPageSet(VMBCHANNEL Channel, UINT16 SetId, UINT32 GpadlHandle);

/* hvrt's counterpart of MmGetSystemAddressForMdlSafe: where an MDL's bytes
 * are, for MDLs hvrt hands out (GetExternalData: memory the client shared
 * through a GPADL, already mapped) and the client's own. */
PVOID HvrtMdlVirtualAddress(PMDL Mdl);

/* ---- outgoing packets ---- */

VMBPACKET VmbPacketAllocate(VMBCHANNEL Channel);
NTSTATUS VmbPacketInitialize(VMBCHANNEL Channel, VMBPACKET Packet, UINT32 ByteCount);
void VmbPacketFree(VMBPACKET Packet);
void VmbPacketSetCompletionRoutine(VMBPACKET Packet, PFN_VMB_PACKET_COMPLETION_ROUTINE CompletionRoutine);
void VmbPacketSetPointer(VMBPACKET Packet, PVOID Pointer);
PVOID VmbPacketGetPointer(VMBPACKET Packet);
VMBCHANNEL VmbPacketGetChannel(VMBPACKET Packet);
NTSTATUS VmbPacketSend(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 Flags);
NTSTATUS VmbPacketSendWithExternalMdl(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl,
                                      UINT32 MdlOffset, UINT32 MdlLength, UINT32 Flags);
NTSTATUS VmbPacketSendWithExternalPfns(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength,
                                       PPFN_NUMBER ExternalDataPfns, UINT32 PfnLength, UINT32 Flags);
NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer, UINT32 BufferSize, PMDL ExternalDataMdl,
                                          UINT32 Flags, PVOID CompletionBuffer, PUINT32 CompletionBufferSize,
                                          PLARGE_INTEGER Timeout);
NTSTATUS VmbPacketRestore(VMBPACKET Packet, PVOID Buffer, ULONG BufferSize);

/* ---- GPADLs ---- */

NTSTATUS VmbChannelCreateGpadlFromBuffer(VMBCHANNEL Channel, UINT32 Flags, PVOID Buffer, UINT32 ByteCount,
                                         PUINT32 GpadlHandle);
NTSTATUS VmbChannelCreateGpadlFromMdl(VMBCHANNEL Channel, UINT32 Flags, PMDL Mdl, UINT32 StartOffsetWithinMdl,
                                      UINT32 DataLengthWithinMdl, PUINT32 GpadlHandle);
void VmbChannelDeleteGpadl(VMBCHANNEL Channel, UINT32 GpadlHandle);
NTSTATUS VmbChannelMapGpadl(VMBCHANNEL Channel, UINT32 Flags, UINT32 GpadlHandle, PMDL *Mdl);
void VmbChannelUnmapGpadl(VMBCHANNEL Channel, UINT32 GpadlHandle);

/* hvrt's extension: PageCount zeroed, page-aligned pages that can back a
 * GPADL or GPA-direct data (memory the host can be told about), or NULL.
 * Free them with HvrtFreePages only after the host let go (the GPADL is
 * deleted, the send completed). */
PVOID HvrtAllocatePages(UINT32 PageCount);
void HvrtFreePages(PVOID Pages, UINT32 PageCount);

/* ---- server-only: not supported in a guest ---- */

NTSTATUS VmbServerChannelInitSetTargetInterfaceId(VMBCHANNEL Channel, GUID InterfaceType, GUID InterfaceInstance);
NTSTATUS VmbServerChannelInitSetFlags(VMBCHANNEL Channel, UINT32 Flags);
NTSTATUS VmbServerChannelInitSetMmioMegabytes(VMBCHANNEL Channel, UINT16 MmioMegabytes, UINT16 MmioMegabytesOptional);
NTSTATUS VmbServerChannelInitSetTargetVtl(VMBCHANNEL Channel, uint8_t TargetVtl);
NTSTATUS VmbServerChannelInitSetVmbusHandle(VMBCHANNEL Channel, PVOID VmbusHandle);
NTSTATUS VmbConvertVmbusHandleToKernelHandle(PVOID VmbusHandle, PVOID *KernelHandle);
NTSTATUS VmbServerChannelInitSetSaveRestorePacketCallbacks(VMBCHANNEL Channel, PFN_VMB_CHANNEL_SAVE_PACKET SavePacket,
                                                           PFN_VMB_CHANNEL_RESTORE_PACKET RestorePacket);
NTSTATUS VmbChannelSaveBegin(VMBCHANNEL Channel);
NTSTATUS VmbChannelSaveContinue(VMBCHANNEL Channel, PVOID SaveBuffer, ULONG SaveBufferSize, ULONG *BytesFilled,
                                ULONG *BytesRequired);
void VmbChannelSaveEnd(VMBCHANNEL Channel);
NTSTATUS VmbChannelRestoreFromBuffer(VMBCHANNEL Channel, PVOID Buffer, ULONG BufferSize);

/* ---- the interface table (KMCL_CLIENT_INTERFACE_V1) ----
 * Windows VSCs reach KMCL through a table that Vmbkmcl.sys hands out
 * (WdfFdoQueryForInterface); ported code that calls through it compiles
 * here and gets hvrt's functions from HvrtKmclQueryInterface. The member
 * order is the documented one. The real KMCL_CLIENT_INTERFACE_TYPE GUID and
 * version number are not public: the values below are hvrt's own. */

typedef uint16_t USHORT;
typedef void (*PINTERFACE_REFERENCE)(PVOID Context);
typedef void (*PINTERFACE_DEREFERENCE)(PVOID Context);

/* WDM's INTERFACE header. */
typedef struct _INTERFACE {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;
} INTERFACE, *PINTERFACE;

typedef NTSTATUS FN_VMB_CHANNEL_ALLOCATE(PDEVICE_OBJECT ParentDeviceObject, BOOLEAN IsServer, VMBCHANNEL *Channel);
typedef FN_VMB_CHANNEL_ALLOCATE *PFN_VMB_CHANNEL_ALLOCATE;
typedef void FN_VMB_CHANNEL_CLEANUP(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_CLEANUP *PFN_VMB_CHANNEL_CLEANUP;
typedef NTSTATUS FN_VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER(VMBCHANNEL Channel, UINT32 Flags, PVOID Buffer, UINT32 ByteCount, PUINT32 GpadlHandle);
typedef FN_VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER *PFN_VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER;
typedef NTSTATUS FN_VMB_CHANNEL_CREATE_GPADL_FROM_MDL(VMBCHANNEL Channel, UINT32 Flags, PMDL Mdl, UINT32 StartOffsetWithinMdl, UINT32 DataLengthWithinMdl, PUINT32 GpadlHandle);
typedef FN_VMB_CHANNEL_CREATE_GPADL_FROM_MDL *PFN_VMB_CHANNEL_CREATE_GPADL_FROM_MDL;
typedef void FN_VMB_CHANNEL_DELETE_GPADL(VMBCHANNEL Channel, UINT32 GpadlHandle);
typedef FN_VMB_CHANNEL_DELETE_GPADL *PFN_VMB_CHANNEL_DELETE_GPADL;
typedef void FN_VMB_CHANNEL_DISABLE(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_DISABLE *PFN_VMB_CHANNEL_DISABLE;
typedef NTSTATUS FN_VMB_CHANNEL_ENABLE(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_ENABLE *PFN_VMB_CHANNEL_ENABLE;
typedef void FN_VMB_CHANNEL_GET_INTERFACE_INSTANCE(VMBCHANNEL Channel, LPGUID InterfaceInstance);
typedef FN_VMB_CHANNEL_GET_INTERFACE_INSTANCE *PFN_VMB_CHANNEL_GET_INTERFACE_INSTANCE;
typedef void FN_VMB_CHANNEL_GET_MMIO_SPACE(VMBCHANNEL Channel, UINT64 *MmioAddress, UINT64 *MmioSize);
typedef FN_VMB_CHANNEL_GET_MMIO_SPACE *PFN_VMB_CHANNEL_GET_MMIO_SPACE;
typedef PVOID FN_VMB_CHANNEL_GET_POINTER(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_GET_POINTER *PFN_VMB_CHANNEL_GET_POINTER;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE(VMBCHANNEL Channel, UINT32 ContextSize);
typedef FN_VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE *PFN_VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_FLAGS(VMBCHANNEL Channel, UINT32 Flags);
typedef FN_VMB_CHANNEL_INIT_SET_FLAGS *PFN_VMB_CHANNEL_INIT_SET_FLAGS;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_FRIENDLY_NAME(VMBCHANNEL Channel, PCUNICODE_STRING FriendlyName);
typedef FN_VMB_CHANNEL_INIT_SET_FRIENDLY_NAME *PFN_VMB_CHANNEL_INIT_SET_FRIENDLY_NAME;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA(VMBCHANNEL Channel, UINT32 DataSize, UINT32 ChainLength);
typedef FN_VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA *PFN_VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE(VMBCHANNEL Channel, UINT32 PacketSize);
typedef FN_VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE *PFN_VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS(VMBCHANNEL Channel, PFN_VMB_CHANNEL_PROCESS_PACKET ProcessPacketCallback, PFN_VMB_CHANNEL_PROCESSING_COMPLETE ProcessingCompleteCallback);
typedef FN_VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS *PFN_VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS;
typedef NTSTATUS FN_VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS(VMBCHANNEL Channel, PVMB_CHANNEL_STATE_CHANGE_CALLBACKS StateChangeCallbacks);
typedef FN_VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS *PFN_VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS;
typedef void FN_VMB_CHANNEL_PACKET_COMPLETE(VMBPACKETCOMPLETION Packet, PVOID PacketCompletionBuffer, UINT32 BufSize);
typedef FN_VMB_CHANNEL_PACKET_COMPLETE *PFN_VMB_CHANNEL_PACKET_COMPLETE;
typedef void FN_VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE(VMBPACKETCOMPLETION Packet);
typedef FN_VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE *PFN_VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE;
typedef void FN_VMB_CHANNEL_PACKET_FAIL(VMBPACKETCOMPLETION Packet);
typedef FN_VMB_CHANNEL_PACKET_FAIL *PFN_VMB_CHANNEL_PACKET_FAIL;
typedef NTSTATUS FN_VMB_CHANNEL_PACKET_GET_EXTERNAL_DATA(VMBPACKETCOMPLETION Packet, UINT32 Flags, PMDL *Mdl);
typedef FN_VMB_CHANNEL_PACKET_GET_EXTERNAL_DATA *PFN_VMB_CHANNEL_PACKET_GET_EXTERNAL_DATA;
typedef void FN_VMB_CHANNEL_PAUSE(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_PAUSE *PFN_VMB_CHANNEL_PAUSE;
typedef NTSTATUS FN_VMB_CHANNEL_SEND_SYNCHRONOUS_REQUEST(VMBCHANNEL Channel, PVOID Buffer, UINT32 BufferSize, PMDL ExternalDataMdl, UINT32 Flags, PVOID CompletionBuffer, PUINT32 CompletionBufferSize, PLARGE_INTEGER Timeout);
typedef FN_VMB_CHANNEL_SEND_SYNCHRONOUS_REQUEST *PFN_VMB_CHANNEL_SEND_SYNCHRONOUS_REQUEST;
typedef void FN_VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE(VMBCHANNEL Channel, BOOLEAN RequirePassive);
typedef FN_VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE *PFN_VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE;
typedef NTSTATUS FN_VMB_CHANNEL_SET_INTERRUPT_LATENCY(VMBCHANNEL Channel, UINT16 Latency, PUINT16 OriginalLatency);
typedef FN_VMB_CHANNEL_SET_INTERRUPT_LATENCY *PFN_VMB_CHANNEL_SET_INTERRUPT_LATENCY;
typedef void FN_VMB_CHANNEL_SET_POINTER(VMBCHANNEL Channel, PVOID Pointer);
typedef FN_VMB_CHANNEL_SET_POINTER *PFN_VMB_CHANNEL_SET_POINTER;
typedef void FN_VMB_CHANNEL_SET_TRANSACTION_QUOTA(VMBCHANNEL Channel, UINT32 Quota);
typedef FN_VMB_CHANNEL_SET_TRANSACTION_QUOTA *PFN_VMB_CHANNEL_SET_TRANSACTION_QUOTA;
typedef UINT32 FN_VMB_CHANNEL_SIZEOF_PACKET(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_SIZEOF_PACKET *PFN_VMB_CHANNEL_SIZEOF_PACKET;
typedef void FN_VMB_CHANNEL_START(VMBCHANNEL Channel);
typedef FN_VMB_CHANNEL_START *PFN_VMB_CHANNEL_START;
typedef NTSTATUS FN_VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT(VMBCHANNEL Channel, UINT32 IncomingPageCount, UINT32 OutgoingPageCount);
typedef FN_VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT *PFN_VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT;
typedef NTSTATUS FN_VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP(VMBCHANNEL Channel, LPCGUID InterfaceType, LPCGUID InterfaceInstance, PFN_VMB_CHANNEL_PNP_FAILURE PnpFailureCallback);
typedef FN_VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP *PFN_VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP;
typedef VMBPACKET FN_VMB_PACKET_ALLOCATE(VMBCHANNEL Channel);
typedef FN_VMB_PACKET_ALLOCATE *PFN_VMB_PACKET_ALLOCATE;
typedef void FN_VMB_PACKET_FREE(VMBPACKET Packet);
typedef FN_VMB_PACKET_FREE *PFN_VMB_PACKET_FREE;
typedef VMBCHANNEL FN_VMB_PACKET_GET_CHANNEL(VMBPACKET Packet);
typedef FN_VMB_PACKET_GET_CHANNEL *PFN_VMB_PACKET_GET_CHANNEL;
typedef PVOID FN_VMB_PACKET_GET_POINTER(VMBPACKET Packet);
typedef FN_VMB_PACKET_GET_POINTER *PFN_VMB_PACKET_GET_POINTER;
typedef NTSTATUS FN_VMB_PACKET_INITIALIZE(VMBCHANNEL Channel, VMBPACKET Packet, UINT32 ByteCount);
typedef FN_VMB_PACKET_INITIALIZE *PFN_VMB_PACKET_INITIALIZE;
typedef NTSTATUS FN_VMB_PACKET_SEND(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 Flags);
typedef FN_VMB_PACKET_SEND *PFN_VMB_PACKET_SEND;
typedef NTSTATUS FN_VMB_PACKET_SEND_WITH_EXTERNAL_MDL(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 MdlOffset, UINT32 MdlLength, UINT32 Flags);
typedef FN_VMB_PACKET_SEND_WITH_EXTERNAL_MDL *PFN_VMB_PACKET_SEND_WITH_EXTERNAL_MDL;
typedef NTSTATUS FN_VMB_PACKET_SEND_WITH_EXTERNAL_PFNS(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PPFN_NUMBER ExternalDataPfns, UINT32 PfnLength, UINT32 Flags);
typedef FN_VMB_PACKET_SEND_WITH_EXTERNAL_PFNS *PFN_VMB_PACKET_SEND_WITH_EXTERNAL_PFNS;
typedef void FN_VMB_PACKET_SET_COMPLETION_ROUTINE(VMBPACKET Packet, PFN_VMB_PACKET_COMPLETION_ROUTINE CompletionRoutine);
typedef FN_VMB_PACKET_SET_COMPLETION_ROUTINE *PFN_VMB_PACKET_SET_COMPLETION_ROUTINE;
typedef void FN_VMB_PACKET_SET_POINTER(VMBPACKET Packet, PVOID Pointer);
typedef FN_VMB_PACKET_SET_POINTER *PFN_VMB_PACKET_SET_POINTER;

typedef struct _KMCL_CLIENT_INTERFACE_V1 {
    /* Windows embeds INTERFACE unnamed; both spellings work here. */
    union {
        INTERFACE Interface;
        struct {
            USHORT Size;
            USHORT Version;
            PVOID Context;
            PINTERFACE_REFERENCE InterfaceReference;
            PINTERFACE_DEREFERENCE InterfaceDereference;
        };
    };
    PFN_VMB_CHANNEL_ALLOCATE VmbChannelAllocate;
    PFN_VMB_CHANNEL_CLEANUP VmbChannelCleanup;
    PFN_VMB_CHANNEL_CREATE_GPADL_FROM_BUFFER VmbChannelCreateGpadlFromBuffer;
    PFN_VMB_CHANNEL_CREATE_GPADL_FROM_MDL VmbChannelCreateGpadlFromMdl;
    PFN_VMB_CHANNEL_DELETE_GPADL VmbChannelDeleteGpadl;
    PFN_VMB_CHANNEL_DISABLE VmbChannelDisable;
    PFN_VMB_CHANNEL_ENABLE VmbChannelEnable;
    PFN_VMB_CHANNEL_GET_INTERFACE_INSTANCE VmbChannelGetInterfaceInstance;
    PFN_VMB_CHANNEL_GET_MMIO_SPACE VmbChannelGetMmioSpace;
    PFN_VMB_CHANNEL_GET_POINTER VmbChannelGetPointer;
    PFN_VMB_CHANNEL_INIT_SET_CLIENT_CONTEXT_SIZE VmbChannelInitSetClientContextSize;
    PFN_VMB_CHANNEL_INIT_SET_FLAGS VmbChannelInitSetFlags;
    PFN_VMB_CHANNEL_INIT_SET_FRIENDLY_NAME VmbChannelInitSetFriendlyName;
    PFN_VMB_CHANNEL_INIT_SET_MAXIMUM_EXTERNAL_DATA VmbChannelInitSetMaximumExternalData;
    PFN_VMB_CHANNEL_INIT_SET_MAXIMUM_PACKET_SIZE VmbChannelInitSetMaximumPacketSize;
    PFN_VMB_CHANNEL_INIT_SET_PROCESS_PACKET_CALLBACKS VmbChannelInitSetProcessPacketCallbacks;
    PFN_VMB_CHANNEL_INIT_SET_STATE_CHANGE_CALLBACKS VmbChannelInitSetStateChangeCallbacks;
    PFN_VMB_CHANNEL_PACKET_COMPLETE VmbChannelPacketComplete;
    PFN_VMB_CHANNEL_PACKET_DEFER_TO_PASSIVE VmbChannelPacketDeferToPassive;
    PFN_VMB_CHANNEL_PACKET_FAIL VmbChannelPacketFail;
    PFN_VMB_CHANNEL_PACKET_GET_EXTERNAL_DATA VmbChannelPacketGetExternalData;
    PFN_VMB_CHANNEL_PAUSE VmbChannelPause;
    PFN_VMB_CHANNEL_SEND_SYNCHRONOUS_REQUEST VmbChannelSendSynchronousRequest;
    PFN_VMB_CHANNEL_SET_INCOMING_PROCESSING_AT_PASSIVE VmbChannelSetIncomingProcessingAtPassive;
    PFN_VMB_CHANNEL_SET_INTERRUPT_LATENCY VmbChannelSetInterruptLatency;
    PFN_VMB_CHANNEL_SET_POINTER VmbChannelSetPointer;
    PFN_VMB_CHANNEL_SET_TRANSACTION_QUOTA VmbChannelSetTransactionQuota;
    PFN_VMB_CHANNEL_SIZEOF_PACKET VmbChannelSizeofPacket;
    PFN_VMB_CHANNEL_START VmbChannelStart;
    PFN_VMB_CLIENT_CHANNEL_INIT_SET_RING_BUFFER_PAGE_COUNT VmbClientChannelInitSetRingBufferPageCount;
    PFN_VMB_CLIENT_CHANNEL_INIT_SET_TARGET_PNP VmbClientChannelInitSetTargetPnp;
    PFN_VMB_PACKET_ALLOCATE VmbPacketAllocate;
    PFN_VMB_PACKET_FREE VmbPacketFree;
    PFN_VMB_PACKET_GET_CHANNEL VmbPacketGetChannel;
    PFN_VMB_PACKET_GET_POINTER VmbPacketGetPointer;
    PFN_VMB_PACKET_INITIALIZE VmbPacketInitialize;
    PFN_VMB_PACKET_SEND VmbPacketSend;
    PFN_VMB_PACKET_SEND_WITH_EXTERNAL_MDL VmbPacketSendWithExternalMdl;
    PFN_VMB_PACKET_SEND_WITH_EXTERNAL_PFNS VmbPacketSendWithExternalPfns;
    PFN_VMB_PACKET_SET_COMPLETION_ROUTINE VmbPacketSetCompletionRoutine;
    PFN_VMB_PACKET_SET_POINTER VmbPacketSetPointer;
} KMCL_CLIENT_INTERFACE_V1, *PKMCL_CLIENT_INTERFACE_V1;

/* hvrt's values: 68767274-6b6d-636c-8001-000000000001 ("hvrt", "kmcl"). */
#define KMCL_CLIENT_INTERFACE_TYPE_INIT { 0x68767274, 0x6b6d, 0x636c, { 0x80, 0x01, 0, 0, 0, 0, 0, 0x01 } }
static const GUID KMCL_CLIENT_INTERFACE_TYPE __attribute__((unused)) = KMCL_CLIENT_INTERFACE_TYPE_INIT;
#define KMCL_CLIENT_INTERFACE_VERSION_V1 1
#define KMCL_CLIENT_INTERFACE_VERSION_LATEST KMCL_CLIENT_INTERFACE_VERSION_V1

/* Fills Interface (Size bytes, at least sizeof(KMCL_CLIENT_INTERFACE_V1))
 * with the table, as WdfFdoQueryForInterface would. STATUS_NOT_SUPPORTED
 * for another type or version, STATUS_BUFFER_TOO_SMALL for a short Size.
 * Reference and Dereference do nothing (hvrt's table lives for ever). */
NTSTATUS HvrtKmclQueryInterface(LPCGUID InterfaceType, PINTERFACE Interface, USHORT Size, USHORT Version);
/* ---- hv_sock's connect request (hvrt's extension) ----
 * TL_CONNECT_REQUEST (VMBus 4.0 and later) asks the host to connect the
 * guest's endpoint EndpointId to the host service ServiceId. The host
 * answers a success only by offering a channel whose type is ServiceId and
 * whose instance is EndpointId (open it with the channel API); from 4.1 it
 * may refuse with TL_CONNECT_RESULT, and then ResultCallback (may be NULL)
 * runs at dispatch level with the host's failure status (OpenVMM sends
 * STATUS_CONNECTION_REFUSED). Before 4.1, and on Linux's view of any
 * version, a refusal is silence: give up after a timeout of your own.
 * Connects to VMBus first when needed. STATUS_NOT_SUPPORTED below 4.0,
 * STATUS_INSUFFICIENT_RESOURCES with 64 requests outstanding. */
#define STATUS_CONNECTION_REFUSED ((NTSTATUS)0xC0000236)
typedef void EVT_HVRT_TL_CONNECT_RESULT(PVOID Context, NTSTATUS Status);
typedef EVT_HVRT_TL_CONNECT_RESULT *PFN_HVRT_TL_CONNECT_RESULT;
NTSTATUS HvrtTlConnectRequest(LPCGUID EndpointId, LPCGUID ServiceId, PFN_HVRT_TL_CONNECT_RESULT ResultCallback,
                              PVOID Context);
/* Forgets the request for (EndpointId, ServiceId): call it once its offer
 * has come or you gave up. Its callback does not run after this returns. */
void HvrtTlConnectCancel(LPCGUID EndpointId, LPCGUID ServiceId);

/* hvrt's extension for hv_sock's accept side: the endpoint id of a live
 * host-initiated hv_sock offer (TLNPI_PROVIDER, is_for_guest_accept 1) for
 * ServiceId that no earlier call returned; target it (ServiceId, the
 * endpoint id) with VmbClientChannelInitSetTargetPnp to accept the
 * connection. STATUS_NO_SUCH_DEVICE when there is none now. How a Windows
 * VSC learns of these offers (a PnP arrival per offer) has no equivalent
 * here. */
NTSTATUS HvrtHvSockTakeOffer(LPCGUID ServiceId, LPGUID EndpointId);
/* TRUE while the host's hv_sock offer (ServiceId, EndpointId) is live;
 * FALSE once the host has rescinded it (the connection is over). */
BOOLEAN HvrtHvSockOfferPresent(LPCGUID ServiceId, LPCGUID EndpointId);

#endif
