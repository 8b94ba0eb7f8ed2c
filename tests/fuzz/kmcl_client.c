/* See kmcl_client.h. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/kmcl_client.h"

/* tests/fuzz/kmcl_shim.c: read-only views of the KMCL face's private state. */
struct vmbus_ring *fuzz_kmcl_in_ring(VMBCHANNEL ch);
uint32_t fuzz_kmcl_relid(VMBCHANNEL ch);
bool fuzz_kmcl_failed(VMBCHANNEL ch);
bool fuzz_kmcl_active(VMBCHANNEL ch);

static volatile uint8_t sink;
static void touch(const void *p, uint32_t len)
{
    const uint8_t *b = p;
    uint8_t x = 0;
    for (uint32_t i = 0; i < len; i++)
        x ^= b[i];
    sink ^= x;
}

/* ---- receiving ---- */

/* policy + the packet's number picks: complete (0-2), complete with a
 * buffer (3), reply (4), hold (5-6), fail the queue (7, only with bit 7). */
static void on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pkt, PVOID buf, UINT32 len, UINT32 flags)
{
    struct client *c = VmbChannelGetPointer(ch);
    if (c == NULL || c->ch != ch)
        abort();   /* a packet for nobody (host packets longer than max_packet arrive whole: issue 13) */
    touch(buf, len);
    if (flags & VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA) {
        PMDL mdl = NULL;
        if (NT_SUCCESS(VmbChannelPacketGetExternalData(pkt, 0, &mdl)) && mdl != NULL)
            touch(mdl->StartVa, mdl->ByteCount);
    }
    unsigned action = (c->policy + (unsigned)c->delivered++) % 8;
    if (action == 7 && !(c->policy & 0x80))
        action = 0;
    if (action >= 5 && action <= 6 && c->held_count == CLIENT_HELD_MAX)
        action = 0;
    switch (action) {
    case 3: VmbChannelPacketComplete(pkt, buf, len < 16 ? len : 16); break;
    case 4:   /* a reply longer than max_packet is refused and the packet stays ours */
        if (HvrtPacketCompleteWithReply(pkt, buf, len) == STATUS_INVALID_PARAMETER_3)
            VmbChannelPacketComplete(pkt, NULL, 0);
        break;
    case 5: case 6: c->held[c->held_count++] = pkt; break;
    case 7: VmbChannelPacketFail(pkt); break;
    default: VmbChannelPacketComplete(pkt, NULL, 0); break;
    }
}

static void on_processed(VMBCHANNEL ch, UINT32 n)
{
    struct client *c = VmbChannelGetPointer(ch);
    if (n == 0 || n > c->config.quota + CLIENT_HELD_MAX + 64)
        abort();   /* a batch reported that cannot have been delivered */
}

void client_complete_held(struct client *c, unsigned n, unsigned how)
{
    static uint8_t reply[16] = "completed here";
    while (n-- > 0 && c->held_count > 0) {
        VMBPACKETCOMPLETION p = c->held[--c->held_count];
        if (how % 3 == 2)
            (void)HvrtPacketCompleteWithReply(p, reply, sizeof(reply));
        else
            VmbChannelPacketComplete(p, how % 3 ? reply : NULL, how % 3 ? sizeof(reply) : 0);
    }
}

/* ---- state ---- */

static NTSTATUS on_opened(VMBCHANNEL ch)
{
    struct client *c = VmbChannelGetPointer(ch);
    if (c->on_open % 3 == 2)
        VmbChannelDisable(ch);   /* changed its mind: nothing may follow Closed */
    return c->on_open % 3 == 1 ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}

static void on_suspend(VMBCHANNEL ch)
{
    struct client *c = VmbChannelGetPointer(ch);
    client_complete_held(c, CLIENT_HELD_MAX, 0);   /* Suspend: finish what we hold */
}

static void on_closed(VMBCHANNEL ch)
{
    struct client *c = VmbChannelGetPointer(ch);
    if (c->held_count != 0)
        abort();   /* Closed came without a Suspend to let us finish */
}

static void on_pnp_failure(VMBCHANNEL ch, NTSTATUS status)
{
    (void)ch;
    if (NT_SUCCESS(status))
        abort();
}

bool client_up(struct client *c)
{
    static uint16_t name[] = { 'f', 'u', 'z', 'z', 0x263A };
    UNICODE_STRING friendly = { sizeof(name), sizeof(name), name };
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelOpened = on_opened;
    cb.EvtChannelSuspend = on_suspend;
    cb.EvtChannelClosed = on_closed;
    c->held_count = 0;
    c->paused = false;
    if (VmbChannelAllocate(NULL, FALSE, &c->ch) != STATUS_SUCCESS)
        abort();
    NTSTATUS st = VmbClientChannelInitSetTargetPnp(c->ch, (const GUID *)&c->class_id, NULL, on_pnp_failure);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetMaximumPacketSize(c->ch, c->config.max_packet);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetRingBufferPageCount(c->ch, 2, 2);   /* small: the rings fill */
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetProcessPacketCallbacks(c->ch, on_packet, on_processed);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetStateChangeCallbacks(c->ch, &cb);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetFriendlyName(c->ch, &friendly);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetMaximumExternalData(c->ch, 4 * 4096, 4);
    if (!NT_SUCCESS(st))
        abort();   /* valid settings refused */
    VmbChannelSetTransactionQuota(c->ch, c->config.quota);
    VmbChannelSetIncomingProcessingAtPassive(c->ch, c->config.passive);
    VmbChannelSetPointer(c->ch, c);
    if (!NT_SUCCESS(VmbChannelEnable(c->ch))) {
        VmbChannelCleanup(c->ch);
        c->ch = NULL;
        return false;
    }
    c->relid = fuzz_kmcl_relid(c->ch);
    return true;
}

void client_down(struct client *c)
{
    if (c->ch == NULL)
        return;
    VmbChannelCleanup(c->ch);
    c->ch = NULL;
    c->relid = 0;
    if (c->held_count != 0)
        abort();   /* held packets outlived their channel */
}

bool client_healthy(const struct client *c)
{
    return c->ch != NULL && (fuzz_kmcl_active(c->ch) || c->paused) && !fuzz_kmcl_failed(c->ch);
}

void client_pause(struct client *c, bool pause)
{
    if (c->ch == NULL)
        return;
    if (pause)
        VmbChannelPause(c->ch);
    else
        VmbChannelStart(c->ch);
    c->paused = pause;
}

struct vmbus_ring *client_in_ring(const struct client *c) { return fuzz_kmcl_in_ring(c->ch); }

/* ---- sending ---- */

struct send {
    struct client *c;
    bool check;                  /* the echo must return expect[0..len) */
    uint32_t len;
    uint8_t expect[512];
};

/* Exactly once per send that was accepted: freeing ctx twice or never is
 * what ASan and LeakSanitizer catch. */
static void on_sent(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    struct send *s = VmbPacketGetPointer(p);
    touch(buf, len);
    if (NT_SUCCESS(status) && s->check && buf != NULL && (len < s->len || memcmp(buf, s->expect, s->len) != 0))
        abort();   /* the echo's completion is not what was sent */
    if (NT_SUCCESS(status) && buf != NULL)
        s->c->sent_ok++;
    free(s);
    VmbPacketFree(p);
}

static VMBPACKET new_send(struct client *c, const void *expect, uint32_t len, bool check)
{
    VMBPACKET p = VmbPacketAllocate(c->ch);
    struct send *s = calloc(1, sizeof(*s));
    if (p == NULL || s == NULL)
        abort();
    s->c = c;
    s->len = len < sizeof(s->expect) ? len : sizeof(s->expect);
    s->check = check && c->model == HVSIM_VMBUS_ECHO && len <= sizeof(s->expect);
    if (expect != NULL && s->len > 0)
        memcpy(s->expect, expect, s->len);
    VmbPacketSetPointer(p, s);
    VmbPacketSetCompletionRoutine(p, on_sent);
    return p;
}

static void sent(VMBPACKET p, NTSTATUS st)
{
    if (!NT_SUCCESS(st)) {   /* refused: no completion will come */
        free(VmbPacketGetPointer(p));
        VmbPacketFree(p);
    }
}

/* mode % 8: 0 no completion asked, 1 completion asked, 2 synchronous,
 * 3 external PFNs, 4 external MDL, 5 caller's packet, 6 synchronous with
 * an MDL, 7 more than the maximum packet (must be refused). */
void client_send(struct client *c, unsigned mode, const uint8_t *bytes, uint32_t len, uint8_t *ext,
                 const uint64_t *ext_pfns, uint32_t ext_pages, uint32_t arg)
{
    const UINT32 wait = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
    if (c->ch == NULL)
        return;
    if (len > c->config.max_packet)
        len = c->config.max_packet;
    uint32_t off = arg % 4096, n = 1 + (arg >> 12) % 256;   /* external bytes: off .. off + n */
    MDL mdl = { NULL, ext, off, n };
    switch (mode % 8) {
    case 0: {
        VMBPACKET p = VmbPacketAllocate(c->ch);   /* the default completion frees it */
        if (!NT_SUCCESS(VmbPacketSend(p, (PVOID)bytes, len, NULL, 0)))
            VmbPacketFree(p);
        return;
    }
    case 1: {
        VMBPACKET p = new_send(c, bytes, len, true);
        sent(p, VmbPacketSend(p, (PVOID)bytes, len, NULL, wait));
        return;
    }
    case 2: case 6: {
        uint8_t reply[512];
        UINT32 reply_len = sizeof(reply);
        LARGE_INTEGER timeout = { -(int64_t)(1 + arg % 8) * 10000 };   /* 1-8 ms */
        NTSTATUS st = VmbChannelSendSynchronousRequest(c->ch, (PVOID)bytes, len, mode % 8 == 6 ? &mdl : NULL, 0,
                                                       reply, &reply_len, &timeout);
        if (NT_SUCCESS(st) && reply_len > sizeof(reply))
            abort();   /* more reply than room */
        uint32_t want = len < sizeof(reply) ? len : sizeof(reply);   /* the rest did not fit */
        if (NT_SUCCESS(st) && c->model == HVSIM_VMBUS_ECHO && mode % 8 == 2 &&
            (reply_len < want || memcmp(reply, bytes, want) != 0))
            abort();   /* the echo's answer is not the request */
        return;
    }
    case 3: {
        uint32_t count = 1 + arg % ext_pages;   /* the echo answers with count pages */
        VMBPACKET p = new_send(c, NULL, 0, false);
        sent(p, VmbPacketSendWithExternalPfns(p, (PVOID)bytes, len, (PPFN_NUMBER)ext_pfns, count, wait));
        return;
    }
    case 4: {
        uint32_t limit = (arg >> 20) % 64;   /* MdlLength: 0 is the whole MDL */
        VMBPACKET p = new_send(c, ext + off, limit != 0 && limit < n ? limit : n, true);
        sent(p, VmbPacketSendWithExternalMdl(p, (PVOID)bytes, len, &mdl, 0, limit, wait));
        return;
    }
    case 5: {
        struct { uint8_t raw[256]; } mine;
        VMBPACKET p = (VMBPACKET)&mine;
        if (VmbChannelSizeofPacket(c->ch) > sizeof(mine) ||
            VmbPacketInitialize(c->ch, p, sizeof(mine)) != STATUS_SUCCESS)
            abort();
        (void)VmbPacketSend(p, (PVOID)bytes, len, NULL, 0);   /* retired in the ring: nothing to wait for */
        return;
    }
    default: {
        static uint8_t big[8192 + 8];
        VMBPACKET p = new_send(c, NULL, 0, false);
        NTSTATUS st = VmbPacketSend(p, big, c->config.max_packet + 8, NULL, 0);
        if (NT_SUCCESS(st))
            abort();   /* longer than the channel's maximum packet */
        sent(p, st);
        return;
    }
    }
}

void client_gpadl(struct client *c, uint8_t *ext, uint32_t pages, unsigned how)
{
    UINT32 handle = 0;
    if (c->ch == NULL)
        return;
    MDL mdl = { NULL, ext, 0, pages * 4096 };
    NTSTATUS st = (how & 2) ? VmbChannelCreateGpadlFromMdl(c->ch, 0, &mdl, 0, 0, &handle)
                            : VmbChannelCreateGpadlFromBuffer(c->ch, 0, ext, pages * 4096, &handle);
    if (NT_SUCCESS(st) && handle == 0)
        abort();   /* a GPADL without a handle */
    if (NT_SUCCESS(st) && (how & 1))
        VmbChannelDeleteGpadl(c->ch, handle);
}

/* A driver's mistakes: each call must be refused, and nothing sent. */
void client_misuse(struct client *c, uint8_t *ext, const uint64_t *ext_pfns)
{
    const UINT32 wait = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
    UINT32 handle = 0;
    if (c->ch == NULL)
        return;
    MDL one = { NULL, ext, 0, 4096 }, two = { &one, ext, 0, 4096 };
    VMBPACKET p = VmbPacketAllocate(c->ch);
    uint8_t bytes[8] = { 0 };
    NTSTATUS refused[] = {
        VmbChannelCreateGpadlFromBuffer(NULL, 0, ext, 4096, &handle),
        VmbChannelCreateGpadlFromBuffer(c->ch, 0x80, ext, 4096, &handle),
        VmbChannelCreateGpadlFromBuffer(c->ch, 0, ext + 8, 4096, &handle),
        VmbChannelCreateGpadlFromBuffer(c->ch, 0, ext, 100, &handle),
        VmbChannelCreateGpadlFromBuffer(c->ch, 0, ext, 4096, NULL),
        VmbChannelCreateGpadlFromMdl(c->ch, 0, NULL, 0, 0, &handle),
        VmbChannelCreateGpadlFromMdl(c->ch, 0, &two, 0, 0, &handle),
        VmbChannelCreateGpadlFromMdl(c->ch, 0, &one, 4097, 0, &handle),
        VmbChannelCreateGpadlFromMdl(c->ch, 0, &one, 0, 4097, &handle),
        VmbPacketSend(NULL, bytes, 8, NULL, 0),
        VmbPacketSend(p, NULL, 8, NULL, 0),
        VmbPacketSend(p, bytes, 8, NULL, 0x80000000u),
        VmbPacketSendWithExternalMdl(NULL, bytes, 8, &one, 0, 0, wait),
        VmbPacketSendWithExternalMdl(p, bytes, 8, NULL, 0, 0, wait),
        VmbPacketSendWithExternalMdl(p, bytes, 8, &one, 0, 0, 0),
        VmbPacketSendWithExternalMdl(p, bytes, 8, &one, 5000, 0, wait),
        VmbPacketSendWithExternalPfns(NULL, bytes, 8, (PPFN_NUMBER)ext_pfns, 1, wait),
        VmbPacketSendWithExternalPfns(p, bytes, 8, NULL, 1, wait),
        VmbPacketSendWithExternalPfns(p, bytes, 8, (PPFN_NUMBER)ext_pfns, 0, wait),
        VmbPacketSendWithExternalPfns(p, bytes, 8, (PPFN_NUMBER)ext_pfns, 65, wait),
        VmbPacketSendWithExternalPfns(p, bytes, 8, (PPFN_NUMBER)ext_pfns, 1, 0),
        VmbChannelSendSynchronousRequest(NULL, bytes, 8, NULL, 0, NULL, NULL, NULL),
        VmbPacketInitialize(NULL, p, 64),
        VmbPacketInitialize(c->ch, NULL, 64),
        VmbPacketInitialize(c->ch, p, 1),
        HvrtPacketCompleteWithReply(NULL, bytes, 8),
        VmbPacketRestore(p, bytes, 8),
    };
    for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (NT_SUCCESS(refused[i]))
            abort();   /* a mistake accepted */
    VMBCHANNEL bare = NULL, server = NULL;
    if (VmbChannelAllocate(NULL, FALSE, NULL) != STATUS_INVALID_PARAMETER_3 ||
        VmbChannelAllocate(NULL, TRUE, &server) != STATUS_NOT_SUPPORTED || server != NULL ||
        VmbChannelEnable(NULL) != STATUS_INVALID_PARAMETER_1 || VmbChannelEnable(c->ch) != STATUS_INVALID_PARAMETER_1 ||
        VmbChannelAllocate(NULL, FALSE, &bare) != STATUS_SUCCESS ||
        VmbChannelEnable(bare) != STATUS_INVALID_DEVICE_STATE)   /* no target set */
        abort();
    VmbChannelCleanup(bare);
    VmbChannelDisable(NULL);
    VmbChannelCleanup(NULL);
    VmbChannelPause(NULL);
    VmbChannelStart(NULL);
    if (VmbPacketGetChannel(p) != c->ch || VmbPacketGetChannel(NULL) != NULL || VmbPacketGetPointer(NULL) != NULL)
        abort();
    VmbChannelPacketComplete(NULL, NULL, 0);
    VmbChannelPacketFail(NULL);
    VmbChannelPacketDeferToPassive(NULL);
    VmbChannelDeleteGpadl(c->ch, 0);
    VmbChannelDeleteGpadl(c->ch, 0x12345678);   /* not ours: nothing happens */
    VmbPacketFree(p);
}
