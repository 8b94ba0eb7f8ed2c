/* A stand-in for the KMCL API and the runtime calls drivers/netvsc makes,
 * for fuzz_netvsc.c: the host's side of every call comes from the fuzz
 * input (see there). Objects are malloc'd and checked by ASan; pages come
 * from aligned_alloc. Only what the driver calls is here. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include <hvrt/vmbus.h>

#define MAX_RANGES 400u
#define MAX_SENDS 512u

struct vmb_channel {
    PVOID pointer;
    PFN_VMB_CHANNEL_PROCESS_PACKET process;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    uint8_t *xfer_va;                   /* the GPADL mapped as the transfer page set */
    uint32_t xfer_bytes, xfer_handle, gpadls;
    struct { uint8_t *va; uint32_t bytes; } gpadl[4];   /* by handle - 0xE1E11 */
    bool removed;
};
struct vmb_packet {
    VMBCHANNEL channel;
    PFN_VMB_PACKET_COMPLETION_ROUTINE completion;
    PVOID pointer;
};
struct vmb_packet_completion {
    MDL mdls[MAX_RANGES];
    NTSTATUS external;
};

static const uint8_t *in, *end;
static uint64_t now_ns;
static VMBCHANNEL channel;
static VMBPACKET sends[MAX_SENDS];
static unsigned send_count;

void fuzz_netvsc_begin(const uint8_t *data, size_t size)
{
    in = data;
    end = data + size;
    now_ns = 0;
}

/* The next record: its kind, bytes and length; false at the end. */
static bool next(unsigned *kind, const uint8_t **bytes, uint32_t *len)
{
    if (end - in < 3)
        return false;
    *kind = in[0] % 6;
    uint32_t n = in[1] | (uint32_t)in[2] << 8;
    in += 3;
    if (n > (uint32_t)(end - in))
        n = (uint32_t)(end - in);
    *bytes = in;
    *len = n;
    in += n;
    return true;
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void retire(unsigned i, NTSTATUS st, const uint8_t *bytes, uint32_t len)
{
    VMBPACKET p = sends[i];
    memmove(&sends[i], &sends[i + 1], (send_count - i - 1) * sizeof(sends[0]));
    send_count--;
    uint8_t copy[64] = { 0 };
    if (len)
        memcpy(copy, bytes, len < sizeof(copy) ? len : sizeof(copy));
    p->completion(p, st, len ? copy : NULL, len < sizeof(copy) ? len : sizeof(copy));
}

static void transfer_pages(const uint8_t *b, uint32_t len)
{
    static struct vmb_packet_completion pc;
    uint32_t n = len ? b[0] : 0;
    if (n > MAX_RANGES || 1 + 8ull * n > len || channel == NULL || channel->process == NULL)
        return;
    pc.external = channel->xfer_va ? STATUS_SUCCESS : STATUS_NOT_SUPPORTED;
    for (uint32_t i = 0; i < n; i++) {
        /* as KMCL would: a VA into the set; KMCL checks the bounds, the
         * driver must not rely on that, so they are not checked here */
        uintptr_t va = (uintptr_t)channel->xfer_va + get32(b + 1 + 8 * i);
        pc.mdls[i] = (MDL){ i + 1 < n ? &pc.mdls[i + 1] : NULL, (PVOID)(va & ~(uintptr_t)4095),
                            (UINT32)(va & 4095), get32(b + 5 + 8 * i) };
    }
    if (n == 0)
        pc.external = STATUS_INVALID_PARAMETER;
    uint8_t msg[64] = { 0 };
    uint32_t m = len - 1 - 8 * n;
    memcpy(msg, b + 1 + 8 * n, m < sizeof(msg) ? m : sizeof(msg));
    channel->process(channel, &pc, msg, m < sizeof(msg) ? m : sizeof(msg), VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA);
}

/* One host move. */
static bool play_one(void)
{
    unsigned kind;
    const uint8_t *b;
    uint32_t len;
    if (!next(&kind, &b, &len))
        return false;
    static struct vmb_packet_completion inband;
    uint8_t msg[256] = { 0 };
    switch (kind) {
    case 1:
        memcpy(msg, b, len < sizeof(msg) ? len : sizeof(msg));
        if (channel && channel->process)
            channel->process(channel, &inband, msg, len < sizeof(msg) ? len : sizeof(msg), 0);
        break;
    case 2:
        if (channel && channel->xfer_va && len >= 4) {
            uint32_t off = get32(b) % channel->xfer_bytes, n = len - 4;
            if (n > channel->xfer_bytes - off)
                n = channel->xfer_bytes - off;
            memcpy(channel->xfer_va + off, b + 4, n);
        }
        break;
    case 3:
        transfer_pages(b, len);
        break;
    case 4:
        if (send_count > 0)
            retire(0, len == 1 ? STATUS_CANCELLED : STATUS_SUCCESS, b, len);
        break;
    case 5:
        if (len >= 2) {
            struct hvrt_nic *nic = hvrt_net_get(0);
            static uint8_t frame[9300];
            struct hvrt_net_sg sg = { frame, (uint32_t)(b[0] | b[1] << 8) % sizeof(frame) };
            if (nic)
                hvrt_net_send(nic, &sg, 1);
        }
        break;
    default:
        break;   /* an answer nobody asked for */
    }
    return true;
}

void fuzz_netvsc_play_all(void)
{
    while (play_one())
        ;
}

/* ---- the runtime ---- */

uint64_t hvrt_time_ns(void) { return now_ns; }
void hvrt_sleep_us(uint64_t us)
{
    now_ns += 1000000 + us * 1000;
    play_one();
}
PVOID HvrtAllocatePages(UINT32 n) { return n ? aligned_alloc(4096, (size_t)n * 4096) : NULL; }
void HvrtFreePages(PVOID p, UINT32 n) { (void)n; free(p); }

/* ---- the channel ---- */

NTSTATUS VmbChannelAllocate(PDEVICE_OBJECT parent, BOOLEAN server, VMBCHANNEL *ch)
{
    (void)parent, (void)server;
    *ch = calloc(1, sizeof(**ch));
    return *ch ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}
void VmbChannelSetPointer(VMBCHANNEL ch, PVOID p) { ch->pointer = p; }
PVOID VmbChannelGetPointer(VMBCHANNEL ch) { return ch->pointer; }
NTSTATUS VmbClientChannelInitSetTargetPnp(VMBCHANNEL ch, LPCGUID t, LPCGUID i, PFN_VMB_CHANNEL_PNP_FAILURE f)
{
    (void)ch, (void)t, (void)i, (void)f;
    return STATUS_SUCCESS;
}
NTSTATUS VmbClientChannelInitSetRingBufferPageCount(VMBCHANNEL ch, UINT32 a, UINT32 b)
{
    (void)ch, (void)a, (void)b;
    return STATUS_SUCCESS;
}
NTSTATUS VmbChannelInitSetMaximumPacketSize(VMBCHANNEL ch, UINT32 s) { (void)ch, (void)s; return STATUS_SUCCESS; }
NTSTATUS VmbChannelInitSetMaximumExternalData(VMBCHANNEL ch, UINT32 s, UINT32 c)
{
    (void)ch, (void)s, (void)c;
    return STATUS_SUCCESS;
}
NTSTATUS VmbChannelInitSetProcessPacketCallbacks(VMBCHANNEL ch, PFN_VMB_CHANNEL_PROCESS_PACKET p,
                                                 PFN_VMB_CHANNEL_PROCESSING_COMPLETE c)
{
    (void)c;
    ch->process = p;
    return STATUS_SUCCESS;
}
NTSTATUS VmbChannelInitSetStateChangeCallbacks(VMBCHANNEL ch, PVMB_CHANNEL_STATE_CHANGE_CALLBACKS cb)
{
    ch->cb = *cb;
    return STATUS_SUCCESS;
}
void VmbChannelSetTransactionQuota(VMBCHANNEL ch, UINT32 q) { (void)ch, (void)q; }
void VmbChannelSetIncomingProcessingAtPassive(VMBCHANNEL ch, BOOLEAN p) { (void)ch, (void)p; }

/* The fuzzed host offers one NIC. */
UINT32 HvrtChannelOfferCount(LPCGUID InterfaceType)
{
    (void)InterfaceType;
    return 1;
}

NTSTATUS VmbChannelEnable(VMBCHANNEL ch)
{
    channel = ch;
    if (ch->cb.EvtChannelOpened)
        ch->cb.EvtChannelOpened(ch);
    if (ch->cb.EvtChannelPostStarted)
        ch->cb.EvtChannelPostStarted(ch);
    return STATUS_SUCCESS;
}

void VmbChannelCleanup(VMBCHANNEL ch)
{
    while (send_count > 0)
        retire(0, STATUS_CANCELLED, NULL, 0);   /* Disable ends outstanding sends */
    if (ch->cb.EvtChannelClosed)
        ch->cb.EvtChannelClosed(ch);
    if (channel == ch)
        channel = NULL;
    free(ch);
}

NTSTATUS VmbChannelCreateGpadlFromBuffer(VMBCHANNEL ch, UINT32 flags, PVOID buf, UINT32 bytes, PUINT32 handle)
{
    (void)flags;
    if (ch->gpadls < 4)
        ch->gpadl[ch->gpadls].va = buf, ch->gpadl[ch->gpadls].bytes = bytes;
    *handle = 0xE1E11 + ch->gpadls++;
    return STATUS_SUCCESS;
}
NTSTATUS HvrtChannelMapTransferPageSet(VMBCHANNEL ch, UINT16 set, UINT32 handle)
{
    (void)set;
    uint32_t i = handle - 0xE1E11;
    if (i >= ch->gpadls || i >= 4)
        return STATUS_INVALID_PARAMETER_3;
    ch->xfer_va = ch->gpadl[i].va;
    ch->xfer_bytes = ch->gpadl[i].bytes;
    ch->xfer_handle = handle;
    return STATUS_SUCCESS;
}
void VmbChannelDeleteGpadl(VMBCHANNEL ch, UINT32 handle)
{
    if (handle == ch->xfer_handle)
        ch->xfer_va = NULL;
}

NTSTATUS VmbChannelSendSynchronousRequest(VMBCHANNEL ch, PVOID buf, UINT32 size, PMDL mdl, UINT32 flags,
                                          PVOID reply, PUINT32 reply_size, PLARGE_INTEGER timeout)
{
    (void)ch, (void)buf, (void)size, (void)mdl, (void)flags, (void)timeout;
    unsigned kind;
    const uint8_t *b;
    uint32_t len;
    if (!next(&kind, &b, &len))
        return STATUS_IO_TIMEOUT;
    if (kind == 1 && len == 0)
        return STATUS_DEVICE_REMOVED;
    uint32_t n = len < *reply_size ? len : *reply_size;
    memcpy(reply, b, n);
    *reply_size = n;
    return STATUS_SUCCESS;
}

/* ---- packets ---- */

VMBPACKET VmbPacketAllocate(VMBCHANNEL ch)
{
    VMBPACKET p = calloc(1, sizeof(*p));
    if (p)
        p->channel = ch;
    return p;
}
void VmbPacketFree(VMBPACKET p) { free(p); }
void VmbPacketSetCompletionRoutine(VMBPACKET p, PFN_VMB_PACKET_COMPLETION_ROUTINE r) { p->completion = r; }
void VmbPacketSetPointer(VMBPACKET p, PVOID v) { p->pointer = v; }
PVOID VmbPacketGetPointer(VMBPACKET p) { return p->pointer; }
VMBCHANNEL VmbPacketGetChannel(VMBPACKET p) { return p->channel; }

NTSTATUS VmbPacketSend(VMBPACKET p, PVOID buf, UINT32 len, PMDL mdl, UINT32 flags)
{
    (void)buf, (void)len, (void)mdl;
    if (p->channel->removed)
        return STATUS_DEVICE_REMOVED;
    if (!(flags & VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION)) {
        free(p);   /* the default routine frees it once it is in the ring */
        return STATUS_SUCCESS;
    }
    if (send_count == MAX_SENDS)
        return STATUS_INSUFFICIENT_RESOURCES;   /* the ring is full */
    sends[send_count++] = p;
    return STATUS_SUCCESS;
}

/* ---- received packets ---- */

void VmbChannelPacketComplete(VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len) { (void)pc, (void)buf, (void)len; }
NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION pc, UINT32 flags, PMDL *mdl)
{
    (void)flags;
    *mdl = NT_SUCCESS(pc->external) ? pc->mdls : NULL;
    return pc->external;
}
