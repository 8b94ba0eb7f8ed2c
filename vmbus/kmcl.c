/* The KMCL-shaped API (include/hvrt/vmbus.h) as a thin face over the channel
 * core (vmbus.h): it keeps the KMCL state (Disabled, Opened, Active), runs
 * the state callbacks in their documented order, turns ring packets into
 * ProcessPacket calls and completions into completion routines, and maps
 * errors to NTSTATUS. The protocol itself lives in the core only.
 *
 * "PASSIVE" here means the app's own context; ProcessPacket, processing
 * complete and completion routines run in interrupt context (interrupts
 * off), like DISPATCH_LEVEL: they must not block. */
#include <stdlib.h>
#include <string.h>

#include <hvrt/vmbus.h>
#include "arch/platform.h"
#include "vmbus/vmbus.h"

#define OPEN_TIMEOUT_MS 5000
#define MAX_TRANSACTIONS 256      /* ids 1..255; 0 is reserved */
#define MAX_API_GPADLS 32
#define DEFAULT_RING_PAGES 8
#define DEFAULT_MAX_PACKET 4096
#define DEFAULT_QUOTA 64

enum kmcl_state { STATE_DISABLED, STATE_OPENED, STATE_ACTIVE };

struct vmb_packet_completion {
    VMBCHANNEL channel;
    bool in_use;
    bool wants_completion;
    uint64_t transaction_id;
    uint32_t length;
    uint8_t *data;                /* max_packet bytes, copied out of the ring */
};

struct vmb_packet {
    VMBCHANNEL channel;
    PFN_VMB_PACKET_COMPLETION_ROUTINE completion;
    PVOID pointer;
    bool from_allocate;           /* the default completion frees it */
    /* a synchronous request waits on these */
    volatile bool done;
    NTSTATUS status;
    void *reply;
    uint32_t reply_capacity, reply_length;
};

struct vmb_channel {
    enum kmcl_state state;
    bool pause_requested;         /* Pause while disabled: paused at the next enable */
    bool failed;                  /* a malformed packet: no more delivery until re-enabled */
    /* set while disabled */
    UINT32 max_packet, max_external, max_chain, context_size, flags, quota;
    UINT32 in_pages, out_pages;
    bool have_target, have_instance;
    struct vmbus_guid type, instance;
    PFN_VMB_CHANNEL_PNP_FAILURE pnp_failure;
    PFN_VMB_CHANNEL_PROCESS_PACKET process_packet;
    PFN_VMB_CHANNEL_PROCESSING_COMPLETE processing_complete;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS callbacks;
    char name[32];
    PVOID pointer;
    /* while enabled */
    struct vmbus_channel core;
    struct vmb_packet_completion *completions;
    uint8_t *completion_data, *receive_buffer;
    uint32_t outstanding;         /* delivered, not yet completed */
    VMBPACKET transactions[MAX_TRANSACTIONS];
    uint32_t next_transaction;
    uint32_t gpadls[MAX_API_GPADLS];
};

static NTSTATUS from_vmbus(int status)
{
    switch (status) {
    case VMBUS_OK:          return STATUS_SUCCESS;
    case VMBUS_E_NO_MEMORY: return STATUS_NO_MEMORY;
    case VMBUS_E_INVALID:   return STATUS_INVALID_PARAMETER;
    case VMBUS_E_RESCINDED: return STATUS_DEVICE_REMOVED;
    case VMBUS_E_TIMEOUT:   return STATUS_IO_TIMEOUT;
    case VMBUS_E_BUSY:      return STATUS_INSUFFICIENT_RESOURCES;
    case VMBUS_E_NO_HYPERV: return STATUS_NO_SUCH_DEVICE;
    default:                return STATUS_UNSUCCESSFUL;
    }
}

/* ---- lifetime ---- */

NTSTATUS VmbChannelAllocate(PDEVICE_OBJECT ParentDeviceObject, BOOLEAN IsServer, VMBCHANNEL *Channel)
{
    (void)ParentDeviceObject;   /* one VMBus per partition: there is nothing to choose */
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_3;
    *Channel = NULL;
    if (IsServer)
        return STATUS_NOT_SUPPORTED;
    VMBCHANNEL ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return STATUS_NO_MEMORY;
    ch->max_packet = DEFAULT_MAX_PACKET;
    ch->quota = DEFAULT_QUOTA;
    ch->in_pages = ch->out_pages = DEFAULT_RING_PAGES;
    ch->next_transaction = 1;
    *Channel = ch;
    return STATUS_SUCCESS;
}

static bool configurable(VMBCHANNEL ch) { return ch != NULL && ch->state == STATE_DISABLED; }

static void call_state(VMBCHANNEL ch, PFN_VMB_CHANNEL_CLOSED fn)
{
    if (fn != NULL)
        fn(ch);
}

static void drain(VMBCHANNEL ch);

/* Active: Started, the queue runs, then PostStarted. */
static void start(VMBCHANNEL ch)
{
    call_state(ch, ch->callbacks.EvtChannelStarted);
    platform_irq_state s = platform_irq_save();
    ch->state = STATE_ACTIVE;
    drain(ch);
    platform_irq_restore(s);
    call_state(ch, ch->callbacks.EvtChannelPostStarted);
}

/* Stops delivery; Suspend lets the app finish what it holds. */
static void suspend(VMBCHANNEL ch)
{
    platform_irq_state s = platform_irq_save();
    ch->state = STATE_OPENED;
    platform_irq_restore(s);
    call_state(ch, ch->callbacks.EvtChannelSuspend);
}

static void free_buffers(VMBCHANNEL ch)
{
    free(ch->completions);
    free(ch->completion_data);
    free(ch->receive_buffer);
    ch->completions = NULL;
    ch->completion_data = ch->receive_buffer = NULL;
}

static void on_readable(struct vmbus_channel *core, void *ctx);

NTSTATUS VmbChannelEnable(VMBCHANNEL Channel)
{
    VMBCHANNEL ch = Channel;
    if (!configurable(ch))
        return STATUS_INVALID_PARAMETER_1;
    if (!ch->have_target)
        return STATUS_INVALID_DEVICE_STATE;
    int status = vmbus_connected() ? VMBUS_OK : vmbus_connect(NULL);
    struct vmbus_offer offer;
    if (status == VMBUS_OK)
        status = vmbus_wait_offer(&ch->type, ch->have_instance ? &ch->instance : NULL, 0, &offer);
    if (status != VMBUS_OK) {
        NTSTATUS nt = status == VMBUS_E_TIMEOUT ? STATUS_NO_SUCH_DEVICE : from_vmbus(status);
        if (ch->pnp_failure != NULL)
            ch->pnp_failure(ch, nt);
        return nt;
    }

    uint32_t receive_size = ch->max_packet + 64;   /* descriptor, extension and trailer */
    ch->completions = calloc(ch->quota, sizeof(*ch->completions));
    ch->completion_data = malloc((size_t)ch->quota * ch->max_packet);
    ch->receive_buffer = malloc(receive_size);
    if (ch->completions == NULL || ch->completion_data == NULL || ch->receive_buffer == NULL) {
        free_buffers(ch);
        return STATUS_NO_MEMORY;
    }
    for (uint32_t i = 0; i < ch->quota; i++) {
        ch->completions[i].channel = ch;
        ch->completions[i].data = ch->completion_data + (size_t)i * ch->max_packet;
    }
    ch->outstanding = 0;
    ch->failed = false;
    status = vmbus_channel_open(&ch->core, &offer, ch->out_pages * 4096, ch->in_pages * 4096, NULL, 0,
                                on_readable, ch, OPEN_TIMEOUT_MS);
    if (status != VMBUS_OK) {
        free_buffers(ch);
        return from_vmbus(status);
    }
    ch->state = STATE_OPENED;   /* opened, not yet delivering */
    NTSTATUS opened = ch->callbacks.EvtChannelOpened ? ch->callbacks.EvtChannelOpened(ch) : STATUS_SUCCESS;
    if (!NT_SUCCESS(opened)) {
        vmbus_channel_close(&ch->core, OPEN_TIMEOUT_MS);
        ch->state = STATE_DISABLED;
        free_buffers(ch);
        return opened;
    }
    if (!ch->pause_requested)
        start(ch);
    return STATUS_SUCCESS;
}

static void cancel_transactions(VMBCHANNEL ch, NTSTATUS status)
{
    for (uint32_t t = 1; t < MAX_TRANSACTIONS; t++) {
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

void VmbChannelDisable(VMBCHANNEL Channel)
{
    VMBCHANNEL ch = Channel;
    if (ch == NULL || ch->state == STATE_DISABLED)
        return;
    if (ch->state == STATE_ACTIVE)
        suspend(ch);
    vmbus_channel_close(&ch->core, OPEN_TIMEOUT_MS);
    platform_irq_state s = platform_irq_save();
    cancel_transactions(ch, STATUS_CANCELLED);
    platform_irq_restore(s);
    call_state(ch, ch->callbacks.EvtChannelClosed);
    /* GPADLs must go in Closed; any left would pin memory for good. */
    for (int i = 0; i < MAX_API_GPADLS; i++)
        if (ch->gpadls[i] != 0)
            VmbChannelDeleteGpadl(ch, ch->gpadls[i]);
    ch->state = STATE_DISABLED;
    free_buffers(ch);
}

void VmbChannelCleanup(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    if (Channel->state != STATE_DISABLED)
        VmbChannelDisable(Channel);   /* KMCL requires it disabled; be safe rather than leak */
    free(Channel);
}

void VmbChannelPause(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    if (Channel->state == STATE_DISABLED)
        Channel->pause_requested = true;
    else if (Channel->state == STATE_ACTIVE)
        suspend(Channel);
}

void VmbChannelStart(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    Channel->pause_requested = false;
    if (Channel->state == STATE_OPENED)
        start(Channel);
}

/* ---- configuration ---- */

NTSTATUS VmbChannelInitSetMaximumPacketSize(VMBCHANNEL Channel, UINT32 PacketSize)
{
    if (!configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (PacketSize == 0 || PacketSize > (1u << 20))
        return STATUS_INVALID_PARAMETER_2;
    Channel->max_packet = (PacketSize + 7) & ~7u;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetMaximumExternalData(VMBCHANNEL Channel, UINT32 DataSize, UINT32 ChainLength)
{
    if (!configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (DataSize == 0)
        return STATUS_INVALID_PARAMETER_2;
    if (ChainLength == 0)
        return STATUS_INVALID_PARAMETER_3;
    Channel->max_external = DataSize;
    Channel->max_chain = ChainLength;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetClientContextSize(VMBCHANNEL Channel, UINT32 ContextSize)
{
    if (!configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    Channel->context_size = ContextSize;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetProcessPacketCallbacks(VMBCHANNEL Channel, PFN_VMB_CHANNEL_PROCESS_PACKET ProcessPacketCallback,
                                                 PFN_VMB_CHANNEL_PROCESSING_COMPLETE ProcessingCompleteCallback)
{
    if (!configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    Channel->process_packet = ProcessPacketCallback;
    Channel->processing_complete = ProcessingCompleteCallback;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetStateChangeCallbacks(VMBCHANNEL Channel, PVMB_CHANNEL_STATE_CHANGE_CALLBACKS StateChangeCallbacks)
{
    if (!configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (StateChangeCallbacks == NULL || StateChangeCallbacks->Version != VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1 ||
        StateChangeCallbacks->Size != sizeof(VMB_CHANNEL_STATE_CHANGE_CALLBACKS))
        return STATUS_INVALID_PARAMETER_2;
    Channel->callbacks = *StateChangeCallbacks;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelInitSetFriendlyName(VMBCHANNEL Channel, PCUNICODE_STRING FriendlyName)
{
    if (!configurable(Channel))
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
    if (!configurable(Channel))
        return STATUS_INVALID_PARAMETER_1;
    if (Flags & ~VMBUS_CHANNEL_INIT_FLAGS)
        return STATUS_INVALID_PARAMETER_2;
    Channel->flags = Flags;
    return STATUS_SUCCESS;
}

void VmbChannelSetIncomingProcessingAtPassive(VMBCHANNEL Channel, BOOLEAN RequirePassive)
{
    (void)Channel;
    (void)RequirePassive;   /* no IRQLs: delivery is always in interrupt context (docs/api.md) */
}

void VmbChannelSetTransactionQuota(VMBCHANNEL Channel, UINT32 Quota)
{
    if (configurable(Channel) && Quota > 0 && Quota <= 4096)
        Channel->quota = Quota;   /* sizes the completion pool, so only while disabled */
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
    const struct vmbus_guid *g = Channel->state != STATE_DISABLED ? &Channel->core.offer.instance_id : &Channel->instance;
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
    if (!configurable(Channel))
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
    if (!configurable(Channel))
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

/* ---- incoming: ring -> ProcessPacket ---- */

static struct vmb_packet_completion *take_completion(VMBCHANNEL ch)
{
    for (uint32_t i = 0; i < ch->quota; i++)
        if (!ch->completions[i].in_use)
            return &ch->completions[i];
    return NULL;
}

static void complete_transaction(VMBCHANNEL ch, const struct vmbus_packet *pkt)
{
    uint64_t id = pkt->transaction_id;
    VMBPACKET p = id > 0 && id < MAX_TRANSACTIONS ? ch->transactions[id] : NULL;
    if (p == NULL)
        return;   /* not ours, or already cancelled: a late or forged completion */
    ch->transactions[id] = NULL;
    if (p->reply != NULL) {
        p->reply_length = pkt->payload_len < p->reply_capacity ? pkt->payload_len : p->reply_capacity;
        memcpy(p->reply, pkt->payload, p->reply_length);
    }
    p->status = STATUS_SUCCESS;
    p->done = true;
    if (p->completion != NULL)
        p->completion(p, STATUS_SUCCESS, (PVOID)pkt->payload, pkt->payload_len);
}

/* Delivers what the ring holds while the channel is active and under its
 * quota. Runs with interrupts off. Completions are handled even while
 * paused: they retire our own sends. */
static void drain(VMBCHANNEL ch)
{
    uint32_t delivered = 0;
    do {
        vmbus_ring_mask_interrupts(&ch->core.in);
        /* Not open yet: a host may write (the IC negotiation) before the
         * open returns; that waits for start(). */
        while (ch->core.open && !ch->failed && ch->outstanding < ch->quota) {
            struct vmbus_packet pkt;
            enum vmbus_ring_result why;
            int status = vmbus_channel_peek(&ch->core, ch->receive_buffer, ch->max_packet + 64, &pkt, &why);
            if (status == VMBUS_E_BUSY)
                break;
            if (status != VMBUS_OK) {
                ch->failed = true;   /* a malformed packet: stop, never guess */
                break;
            }
            bool is_completion = pkt.type == VMBUS_PACKET_COMP;
            if (!is_completion && ch->state != STATE_ACTIVE)
                break;   /* paused: leave data packets in the ring */
            vmbus_channel_consume(&ch->core);   /* pkt points into our private copy */
            if (is_completion) {
                complete_transaction(ch, &pkt);
                continue;
            }
            struct vmb_packet_completion *c = take_completion(ch);
            uint32_t length = pkt.payload_len <= ch->max_packet ? pkt.payload_len : ch->max_packet;
            c->in_use = true;
            c->wants_completion = (pkt.flags & VMBUS_PACKET_FLAG_COMPLETION_REQUESTED) != 0;
            c->transaction_id = pkt.transaction_id;
            c->length = length;
            memcpy(c->data, pkt.payload, length);
            ch->outstanding++;
            delivered++;
            if (ch->process_packet != NULL)
                ch->process_packet(ch, c, c->data, length, pkt.type == VMBUS_PACKET_DATA_INBAND ? 0 : VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA);
            else
                VmbChannelPacketComplete(c, NULL, 0);
        }
    } while (ch->state == STATE_ACTIVE && !ch->failed && ch->outstanding < ch->quota &&
             vmbus_ring_unmask_interrupts(&ch->core.in));
    if (delivered > 0 && ch->processing_complete != NULL)
        ch->processing_complete(ch, delivered);
}

static void on_readable(struct vmbus_channel *core, void *ctx)
{
    (void)core;
    VMBCHANNEL ch = ctx;
    if (ch->receive_buffer != NULL)
        drain(ch);
}

void VmbChannelPacketComplete(VMBPACKETCOMPLETION Packet, PVOID PacketCompletionBuffer, UINT32 BufSize)
{
    if (Packet == NULL || !Packet->in_use)
        return;
    VMBCHANNEL ch = Packet->channel;
    platform_irq_state s = platform_irq_save();
    if (Packet->wants_completion && ch->state != STATE_DISABLED) {
        struct vmbus_packet_out out = { VMBUS_PACKET_COMP, 0, Packet->transaction_id, NULL, 0,
                                        PacketCompletionBuffer, PacketCompletionBuffer ? BufSize : 0 };
        vmbus_channel_send(&ch->core, &out);
    }
    Packet->in_use = false;
    ch->outstanding--;
    if (ch->outstanding + 1 == ch->quota && ch->state == STATE_ACTIVE)
        drain(ch);   /* the queue stalled on the quota: restart it */
    platform_irq_restore(s);
}

NTSTATUS HvrtPacketCompleteWithReply(VMBPACKETCOMPLETION Packet, PVOID Buffer, UINT32 Length)
{
    if (Packet == NULL || !Packet->in_use)
        return STATUS_INVALID_PARAMETER_1;
    VMBCHANNEL ch = Packet->channel;
    if (Length > ch->max_packet || (Length != 0 && Buffer == NULL))
        return STATUS_INVALID_PARAMETER_3;
    struct vmbus_packet_out out = { VMBUS_PACKET_DATA_INBAND, 0, Packet->transaction_id, NULL, 0, Buffer, Length };
    platform_irq_state s = platform_irq_save();
    int status = ch->state == STATE_DISABLED ? VMBUS_E_INVALID : vmbus_channel_send(&ch->core, &out);
    platform_irq_restore(s);
    Packet->wants_completion = false;   /* the reply is the answer */
    VmbChannelPacketComplete(Packet, NULL, 0);
    return from_vmbus(status);
}

void VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION Packet)
{
    (void)Packet;   /* callbacks already run where they run: nothing to defer to (docs/api.md) */
}

void VmbChannelPacketFail(VMBPACKETCOMPLETION Packet)
{
    if (Packet == NULL || !Packet->in_use)
        return;
    VMBCHANNEL ch = Packet->channel;
    ch->failed = true;   /* stops the queue, as KMCL does */
    Packet->in_use = false;
    ch->outstanding--;
}

NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION Packet, UINT32 Flags, PMDL *Mdl)
{
    (void)Packet;
    (void)Flags;
    if (Mdl != NULL)
        *Mdl = NULL;
    return STATUS_NOT_SUPPORTED;   /* hosts send no external data to a guest */
}

/* ---- outgoing ---- */

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
    for (uint32_t tries = 0; tries < MAX_TRANSACTIONS - 1; tries++) {
        uint32_t id = ch->next_transaction;
        ch->next_transaction = id + 1 < MAX_TRANSACTIONS ? id + 1 : 1;   /* 0 stays reserved */
        if (ch->transactions[id] == NULL) {
            ch->transactions[id] = p;
            return id;
        }
    }
    return 0;
}

/* The one send path: inline data, optional GPA-direct ranges (ext). A full
 * ring is waited out in the app's context and refused in an interrupt. */
static NTSTATUS send(VMBPACKET p, const void *buffer, UINT32 length, const void *ext, UINT32 ext_len, UINT32 flags)
{
    VMBCHANNEL ch = p->channel;
    if (ch->state == STATE_DISABLED)
        return STATUS_INVALID_DEVICE_STATE;
    if (ch->core.rescinded)
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
    uint64_t deadline = platform_time_ns() + (uint64_t)OPEN_TIMEOUT_MS * 1000000;
    int status;
    while ((status = vmbus_channel_send(&ch->core, &out)) == VMBUS_E_BUSY && s && platform_time_ns() < deadline)
        platform_wait_until(deadline);   /* the host reads, then signals pending_send_size */
    if (status != VMBUS_OK) {
        if (wait) {
            s = platform_irq_save();
            ch->transactions[id] = NULL;
            platform_irq_restore(s);
        }
        return from_vmbus(status);
    }
    if (!wait && p->completion != NULL)
        p->completion(p, STATUS_SUCCESS, NULL, 0);   /* in the ring: retired */
    return STATUS_SUCCESS;
}

/* GPA-direct ranges for a chain of MDLs, each one range. length (0: the
 * rest of the chain) counts across the whole chain, as KMCL's MdlLength
 * does: the host must never see bytes past it. */
static NTSTATUS ranges_from_mdl(PMDL mdl, UINT32 offset, UINT32 length, bool force_length, uint8_t *ext,
                                uint32_t ext_size, uint32_t *ext_len)
{
    struct vmbus_gpa_range_in ranges[16];
    uint64_t pfns[16][64];
    uint32_t count = 0;
    uint32_t left = length != 0 ? length : UINT32_MAX;
    for (PMDL m = mdl; m != NULL && left > 0; m = force_length ? NULL : m->Next) {
        uint32_t bytes = m->ByteCount;
        uint32_t start = m->ByteOffset;
        if (m == mdl) {
            if (offset > bytes && !force_length)
                return STATUS_INVALID_PARAMETER;
            start += offset;
            bytes = force_length ? length : bytes - offset;
        }
        if (bytes > left)
            bytes = left;
        if (bytes == 0)
            continue;
        if (count == 16)
            return STATUS_INVALID_PARAMETER;   /* more MDLs than ranges: refuse rather than send part */
        left -= bytes;
        uint32_t first_page = start / 4096, in_page = start % 4096;
        uint32_t n = vmbus_gpa_range_pfn_count(in_page, bytes);
        if (n == 0 || n > 64)
            return STATUS_INVALID_PARAMETER;
        for (uint32_t i = 0; i < n; i++)
            pfns[count][i] = platform_va_to_gpa((const uint8_t *)m->StartVa + (uint64_t)(first_page + i) * 4096) >> 12;
        ranges[count] = (struct vmbus_gpa_range_in){ bytes, in_page, pfns[count] };
        count++;
    }
    if (count == 0)
        return STATUS_INVALID_PARAMETER;
    return vmbus_gpa_direct_build(ext, ext_size, ranges, count, ext_len) == VMBUS_RING_OK ? STATUS_SUCCESS
                                                                                            : STATUS_INVALID_PARAMETER;
}

NTSTATUS VmbPacketSend(VMBPACKET Packet, PVOID Buffer, UINT32 BufferLength, PMDL ExternalDataMdl, UINT32 Flags)
{
    if (Packet == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (ExternalDataMdl != NULL)
        return VmbPacketSendWithExternalMdl(Packet, Buffer, BufferLength, ExternalDataMdl, 0, 0,
                                            Flags | VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
    return send(Packet, Buffer, BufferLength, NULL, 0, Flags);
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
    NTSTATUS st = ranges_from_mdl(ExternalDataMdl, MdlOffset, MdlLength,
                                  (Flags & VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH) != 0, ext, sizeof(ext), &ext_len);
    platform_irq_restore(s);
    if (!NT_SUCCESS(st))
        return st;
    return send(Packet, Buffer, BufferLength, ext, ext_len, Flags);
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
    return send(Packet, Buffer, BufferLength, ext, ext_len, Flags);
}

NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL Channel, PVOID Buffer, UINT32 BufferSize, PMDL ExternalDataMdl,
                                          UINT32 Flags, PVOID CompletionBuffer, PUINT32 CompletionBufferSize,
                                          PLARGE_INTEGER Timeout)
{
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (Channel->state != STATE_ACTIVE)
        return Channel->core.rescinded ? STATUS_DEVICE_REMOVED : STATUS_INVALID_DEVICE_STATE;
    struct vmb_packet p;
    VmbPacketInitialize(Channel, &p, sizeof(p));
    p.reply = CompletionBuffer;
    p.reply_capacity = CompletionBuffer && CompletionBufferSize ? *CompletionBufferSize : 0;
    Flags |= VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
    NTSTATUS st = ExternalDataMdl ? VmbPacketSendWithExternalMdl(&p, Buffer, BufferSize, ExternalDataMdl, 0, 0, Flags)
                                  : send(&p, Buffer, BufferSize, NULL, 0, Flags);
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
        for (uint32_t id = 1; id < MAX_TRANSACTIONS; id++)
            if (Channel->transactions[id] == &p)
                Channel->transactions[id] = NULL;   /* a late answer is ignored */
    }
    platform_irq_restore(s);
    if (!done)
        return Channel->core.rescinded ? STATUS_DEVICE_REMOVED : STATUS_CANCELLED;
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

/* ---- GPADLs ---- */

static NTSTATUS create_gpadl(VMBCHANNEL ch, void *va, uint32_t pages, PUINT32 handle)
{
    int slot = -1;
    for (int i = 0; i < MAX_API_GPADLS && slot < 0; i++)
        if (ch->gpadls[i] == 0)
            slot = i;
    if (slot < 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    /* A rescinded relid gets no GPADL_CREATED: say so now, as sends do,
     * rather than after the 5 s timeout. */
    if (ch->core.rescinded)
        return STATUS_DEVICE_REMOVED;
    uint32_t h = 0;
    int status = vmbus_gpadl_create(ch->core.offer.relid, va, pages, &h, OPEN_TIMEOUT_MS);
    if (status != VMBUS_OK)
        return from_vmbus(status);
    ch->gpadls[slot] = h;
    *handle = h;
    return STATUS_SUCCESS;
}

NTSTATUS VmbChannelCreateGpadlFromBuffer(VMBCHANNEL Channel, UINT32 Flags, PVOID Buffer, UINT32 ByteCount,
                                         PUINT32 GpadlHandle)
{
    if (Channel == NULL || Channel->state == STATE_DISABLED)
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
    if (Channel == NULL || GpadlHandle == 0)
        return;
    for (int i = 0; i < MAX_API_GPADLS; i++) {
        if (Channel->gpadls[i] == GpadlHandle) {
            /* Blocks until the host has let go, as KMCL does. */
            if (vmbus_gpadl_teardown(Channel->core.offer.relid, GpadlHandle, OPEN_TIMEOUT_MS) == VMBUS_OK)
                Channel->gpadls[i] = 0;
            return;
        }
    }
}

/* ---- server-only ---- */

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
