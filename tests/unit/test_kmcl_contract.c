/* KMCL's contract where the face used to differ (issue 13): external data
 * of received packets (transfer pages into a client GPADL, GPA-direct),
 * packets larger than the maximum packet size, completions that wait for
 * room in a full ring, each SendWithExternalMdl keeping its own ranges
 * while queued, and SendSynchronousRequest's timeout and buffer rules.
 * Where hvsim has no device that sends what a test needs, the test plays
 * the host on the sink channel (which never writes to the guest): it
 * writes packets into the guest's inbound ring and raises the relid's
 * event, as a host does. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/kmcl_fixture.h"
#include <hvrt/runtime.h>
#include "arch/platform.h"
#include "vmbus/kmcl_private.h"
#include "vmbus/vmbus.h"

#define PAGE 4096u
#define WAIT VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION

static void set_faults(struct hvsim_vmbus_faults f) { hvsim_vmbus_set_faults(host, &f); }

static struct hvsim_vmbus_counters counters(void)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    return c;
}

/* ---- the host's part, played by the test ---- */

static void inject(VMBCHANNEL ch, uint16_t type, uint64_t id, const void *ext, uint32_t ext_len, const void *payload,
                   uint32_t len)
{
    struct vmbus_ring w;
    CHECK_EQ(vmbus_ring_attach(&w, ch->core.in.control, ch->core.in.data, ch->core.in.size), VMBUS_RING_OK);
    struct vmbus_packet_out out = { type, VMBUS_PACKET_FLAG_COMPLETION_REQUESTED, id, ext, ext_len, payload, len };
    bool signal;
    CHECK_EQ(vmbus_ring_write(&w, &out, &signal), VMBUS_RING_OK);
    vmbus_channel_event(vmbus_channel_offer(&ch->core)->relid);
    settle();   /* the dpc it queued reads and delivers */
}

/* ---- what ProcessPacket saw ---- */

static int delivered;
static uint32_t last_flags, last_length;
static uint8_t last_bytes[8192];
static NTSTATUS mdl_status;
/* The MDL chain as it was inside ProcessPacket (it dies with the packet). */
static struct { uint8_t *va; uintptr_t start_va; uint32_t offset, count; } mdls[8];
static int mdl_count;
static uint32_t mdl_bytes;
static bool hold;
static VMBPACKETCOMPLETION held[64];
static int held_count;

static void evt_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch;
    delivered++;
    last_flags = flags;
    last_length = len;
    memcpy(last_bytes, buf, len < sizeof(last_bytes) ? len : sizeof(last_bytes));
    PMDL mdl = (PMDL)1;
    mdl_status = VmbChannelPacketGetExternalData(pc, 0, &mdl);
    mdl_count = 0;
    mdl_bytes = 0;
    for (PMDL m = mdl; m != NULL && m != (PMDL)1; m = m->Next) {
        if (mdl_count < 8)
            mdls[mdl_count] = (__typeof__(mdls[0])){ HvrtMdlVirtualAddress(m), (uintptr_t)m->StartVa, m->ByteOffset,
                                                     m->ByteCount };
        mdl_count++;
        mdl_bytes += m->ByteCount;
    }
    if (mdl == (PMDL)1)
        mdl_count = -1;   /* *Mdl must always be written */
    if (hold && held_count < 64) {
        held[held_count++] = pc;
        return;
    }
    VmbChannelPacketComplete(pc, NULL, 0);
}

static VMBCHANNEL channel(const GUID *type, UINT32 pages)
{
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    CHECK_EQ(VmbChannelInitSetProcessPacketCallbacks(ch, evt_packet, NULL), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, type, NULL, NULL), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetRingBufferPageCount(ch, pages, pages), STATUS_SUCCESS);
    delivered = held_count = 0;
    hold = false;
    return ch;
}

static uint8_t *pattern_pages(uint32_t count)
{
    uint64_t gpa;
    uint8_t *pages = platform_pages_alloc(count, &gpa);
    for (uint32_t i = 0; i < count * PAGE; i++)
        pages[i] = (uint8_t)(i * 7 + i / 251);
    return pages;
}

/* ---- external data ---- */

struct xfer {
    struct vmbus_xfer_pages_header h;
    struct vmbus_xfer_range r[3];
};

/* netvsc's receive path: transfer-page ranges into the client's receive
 * buffer GPADL become an MDL chain over exactly those bytes; a range past
 * the buffer, or an unmapped set, gives no MDL. */
static void test_transfer_pages_become_mdls(void)
{
    boot();
    VMBCHANNEL ch = channel(sink_guid, 4);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    uint8_t *rx = pattern_pages(4);
    UINT32 gpadl = 0;
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, rx, 4 * PAGE, &gpadl), STATUS_SUCCESS);
    const char nvsp[8] = "nvsp107";

    struct xfer x = { { 0xCAFE, 0, 0, 2 }, { { 100, 10 }, { 50, 5000 } } };
    inject(ch, VMBUS_PACKET_DATA_XFER_PAGES, 7, &x, 8 + 2 * 8, nvsp, 8);
    CHECK_EQ(delivered, 1);
    CHECK_EQ(last_flags, VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA);
    CHECK(last_length == 8 && memcmp(last_bytes, nvsp, 8) == 0, "the inline part");
    CHECK_EQ(mdl_status, STATUS_INVALID_DEVICE_REQUEST);   /* set 0xCAFE is not mapped yet */

    CHECK_EQ(HvrtChannelMapTransferPageSet(ch, 0xCAFE, gpadl), STATUS_SUCCESS);
    uint64_t sunk = counters().packets_sunk;
    inject(ch, VMBUS_PACKET_DATA_XFER_PAGES, 8, &x, 8 + 2 * 8, nvsp, 8);
    CHECK_EQ(mdl_status, STATUS_SUCCESS);
    CHECK_EQ(mdl_count, 2);   /* two ranges, two MDLs */
    CHECK(mdls[0].va == rx + 10 && mdls[0].count == 100, "first range");
    CHECK(mdls[1].va == rx + 5000 && mdls[1].count == 50, "second range");
    CHECK((mdls[1].start_va & 4095) == 0 && mdls[1].offset == 5000 % PAGE, "page + offset");
    CHECK_EQ(counters().packets_sunk, sunk + 1);   /* the completion went back */

    struct xfer bad = { { 0xCAFE, 0, 0, 1 }, { { 200, 4 * PAGE - 100 } } };   /* runs past the buffer */
    inject(ch, VMBUS_PACKET_DATA_XFER_PAGES, 9, &bad, 8 + 8, nvsp, 8);
    CHECK_EQ(mdl_status, STATUS_INVALID_PARAMETER);
    CHECK_EQ(mdl_count, 0);   /* no MDL for a bad range */
    CHECK_EQ(delivered, 3);

    inject(ch, VMBUS_PACKET_DATA_INBAND, 10, NULL, 0, nvsp, 8);
    CHECK_EQ(last_flags, 0);
    CHECK_EQ(mdl_status, STATUS_INVALID_DEVICE_REQUEST);   /* in-band: no external data */
    VmbChannelDeleteGpadl(ch, gpadl);
    VmbChannelCleanup(ch);
    platform_pages_free(rx, 4);
    shutdown();
}

/* GPA-direct from the host: pages inside a client GPADL become MDLs; a
 * page the client never shared gives none. */
static void test_gpa_direct_from_the_host(void)
{
    boot();
    VMBCHANNEL ch = channel(sink_guid, 4);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    uint8_t *buf = pattern_pages(4);
    UINT32 gpadl = 0;
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, buf, 4 * PAGE, &gpadl), STATUS_SUCCESS);
    uint64_t pfn0 = platform_va_to_gpa(buf) >> 12;
    struct { struct vmbus_gpa_direct_header h; uint32_t len, off; uint64_t pfn[2]; } ext = {
        { 0, 1 }, 6000, 100, { pfn0 + 1, pfn0 + 2 }
    };
    inject(ch, VMBUS_PACKET_DATA_GPA_DIRECT, 3, &ext, sizeof(ext), "gpa", 4);
    CHECK_EQ(mdl_status, STATUS_SUCCESS);
    CHECK(mdl_count >= 1 && mdls[0].va == buf + PAGE + 100, "starts in page 1 at 100");
    CHECK_EQ(mdl_bytes, 6000);

    uint64_t gpa;
    uint8_t *other = platform_pages_alloc(1, &gpa);   /* never shared */
    ext.pfn[0] = gpa >> 12;
    ext.len = 100;
    inject(ch, VMBUS_PACKET_DATA_GPA_DIRECT, 4, &ext, sizeof(ext), "gpa", 4);
    CHECK_EQ(mdl_status, STATUS_INVALID_PARAMETER);
    CHECK_EQ(delivered, 2);
    VmbChannelCleanup(ch);
    platform_pages_free(other, 1);
    platform_pages_free(buf, 4);
    shutdown();
}

/* ---- sizes ---- */

/* The maximum packet size bounds what the client sends, not what it
 * receives: a host packet larger than it arrives whole. */
static void test_packets_larger_than_the_maximum_arrive_whole(void)
{
    boot();
    VMBCHANNEL ch = channel(sink_guid, 4);
    CHECK_EQ(VmbChannelInitSetMaximumPacketSize(ch, 64), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    static uint8_t big[6000];
    for (uint32_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 13);
    inject(ch, VMBUS_PACKET_DATA_INBAND, 1, NULL, 0, big, sizeof(big));
    CHECK_EQ(delivered, 1);
    CHECK(last_length == sizeof(big) && memcmp(last_bytes, big, sizeof(big)) == 0, "%u bytes", last_length);
    inject(ch, VMBUS_PACKET_DATA_INBAND, 2, NULL, 0, "small", 6);
    CHECK_EQ(delivered, 2);
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, big, 65, NULL, 0), STATUS_INVALID_PARAMETER);   /* over the client's maximum */
    VmbPacketFree(p);
    VmbChannelCleanup(ch);
    shutdown();
}

/* ---- completions and a full ring ---- */

/* Completions the client makes while the host does not read: they wait in
 * their slots and all reach the host once it reads again, none dropped. */
static void test_completions_wait_for_room_never_dropped(void)
{
    boot();
    VMBCHANNEL ch = channel(sink_guid, 1);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    hold = true;
    for (int i = 0; i < 20; i++)
        inject(ch, VMBUS_PACKET_DATA_INBAND, 100 + i, NULL, 0, "req", 4);
    CHECK_EQ(held_count, 20);
    set_faults((struct hvsim_vmbus_faults){ .stop_reading = true });
    static uint8_t answer[512];
    for (int i = 0; i < 20; i++)
        VmbChannelPacketComplete(held[i], answer, sizeof(answer));   /* 20 x 536 bytes: more than a page */
    settle();
    CHECK(counters().packets_sunk < 20, "the ring filled");
    set_faults((struct hvsim_vmbus_faults){ 0 });
    for (int i = 0; i < 100 && counters().packets_sunk < 20; i++)
        hvrt_sleep_us(1000);
    CHECK_EQ(counters().packets_sunk, 20);
    VmbChannelCleanup(ch);
    shutdown();
}

/* Two sends with external MDLs queued behind a full ring: each keeps its
 * own ranges (they used to share one static buffer), and the echo answers
 * each with its own bytes. */
static uint8_t echoed[2][64];
static int echoes;
static void evt_echoed(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    (void)status;
    int which = (int)(uintptr_t)VmbPacketGetPointer(p);
    if (buf != NULL && len <= 64)
        memcpy(echoed[which], buf, len);
    echoes++;
    VmbPacketFree(p);
}

static void test_queued_external_mdls_keep_their_ranges(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid, 1);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    uint8_t *pattern = pattern_pages(2);
    set_faults((struct hvsim_vmbus_faults){ .stop_reading = true });
    static char filler[512];
    for (int i = 0; i < 8; i++) {
        VMBPACKET f = VmbPacketAllocate(ch);
        CHECK_EQ(VmbPacketSend(f, filler, sizeof(filler), NULL, 0), STATUS_SUCCESS);
    }
    MDL a = { NULL, pattern, 16, 64 }, b = { NULL, pattern + PAGE, 32, 64 };
    echoes = 0;
    for (int i = 0; i < 2; i++) {
        VMBPACKET p = VmbPacketAllocate(ch);
        VmbPacketSetPointer(p, (PVOID)(uintptr_t)i);
        VmbPacketSetCompletionRoutine(p, evt_echoed);
        CHECK_EQ(VmbPacketSendWithExternalMdl(p, "hdr", 4, i == 0 ? &a : &b, 0, 0, WAIT), STATUS_SUCCESS);
    }
    CHECK_EQ(echoes, 0);   /* both queued */
    set_faults((struct hvsim_vmbus_faults){ 0 });
    for (int i = 0; i < 100 && echoes < 2; i++)
        hvrt_sleep_us(1000);
    CHECK_EQ(echoes, 2);
    CHECK(memcmp(echoed[0], pattern + 16, 64) == 0, "the first send's own bytes");
    CHECK(memcmp(echoed[1], pattern + PAGE + 32, 64) == 0, "the second send's own bytes");
    VmbChannelCleanup(ch);
    platform_pages_free(pattern, 2);
    shutdown();
}

/* ---- SendSynchronousRequest's rules ---- */

static void test_synchronous_request_rules(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid, 4);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    char reply[24];
    UINT32 size = 20;   /* not a multiple of 8: the call fails */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "x", 2, NULL, 0, reply, &size, NULL), STATUS_INVALID_PARAMETER_7);
    size = 8;   /* the echo answers 16: what fits, and an overflow */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "0123456789abcde", 16, NULL, 0, reply, &size, NULL),
             STATUS_BUFFER_OVERFLOW);
    CHECK(size == 8 && memcmp(reply, "01234567", 8) == 0, "8 bytes kept");
    size = sizeof(reply);
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "0123456789abcde", 16, NULL, 0, reply, &size, NULL), STATUS_SUCCESS);
    CHECK_EQ(size, 16);

    set_faults((struct hvsim_vmbus_faults){ .stop_reading = true });
    /* negative: relative */
    uint64_t t0 = platform_time_ns();
    LARGE_INTEGER rel = { -2000000 };   /* 200 ms */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "x", 2, NULL, 0, NULL, NULL, &rel), STATUS_CANCELLED);
    uint64_t took = platform_time_ns() - t0;
    CHECK(took >= 200000000ull && took < 300000000ull, "relative: %llu ms", (unsigned long long)(took / 1000000));
    /* positive: absolute, on the runtime's clock (100 ns units) */
    t0 = platform_time_ns();
    LARGE_INTEGER abs = { (int64_t)((t0 + 300000000ull) / 100) };
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "x", 2, NULL, 0, NULL, NULL, &abs), STATUS_CANCELLED);
    took = platform_time_ns() - t0;
    CHECK(took >= 300000000ull && took < 400000000ull, "absolute: %llu ms", (unsigned long long)(took / 1000000));
    /* zero: never queued; the ring fills up, then it is refused */
    static char chunk[1024];
    LARGE_INTEGER zero = { 0 };
    NTSTATUS st = STATUS_SUCCESS;
    for (int i = 0; i < 32 && st == STATUS_SUCCESS; i++)
        st = VmbChannelSendSynchronousRequest(ch, chunk, sizeof(chunk), NULL, 0, NULL, NULL, &zero);
    CHECK_EQ(st, STATUS_BUFFER_OVERFLOW);
    set_faults((struct hvsim_vmbus_faults){ 0 });
    VmbChannelCleanup(ch);
    shutdown();
}

/* A rescind ends a waiting synchronous request at once with
 * STATUS_DEVICE_REMOVED, not at its timeout. */
static void rescind_now(void *arg) { hvsim_vmbus_rescind(host, (uint32_t)(uintptr_t)arg); }

static void test_rescind_ends_synchronous_requests_at_once(void)
{
    boot();
    VMBCHANNEL ch = channel(sink_guid, 4);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    hvrt_defer(rescind_now, (void *)(uintptr_t)vmbus_channel_offer(&ch->core)->relid);
    uint64_t t0 = platform_time_ns();
    LARGE_INTEGER ten_s = { -100000000 };
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "never answered", 15, NULL, 0, NULL, NULL, &ten_s),
             STATUS_DEVICE_REMOVED);
    CHECK(platform_time_ns() - t0 < 1000000000ull, "ended by the rescind, not the timeout");
    VmbChannelCleanup(ch);
    shutdown();
}

/* VMBUS_CHANNEL_INIT_FLAG_IS_PIPE: the pipe header goes on every send and
 * comes off every received packet (the echo returns ours); the data comes
 * exact, not padded to 8. No transactions, no external memory; a bad
 * header from the host stops the queue. */
static void test_pipe_mode_both_ways(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid, 4);
    CHECK_EQ(VmbChannelInitSetFlags(ch, VMBUS_CHANNEL_INIT_FLAG_IS_PIPE), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, "hello pipe", 11, NULL, 0), STATUS_SUCCESS);
    CHECK_EQ(delivered, 1);
    CHECK(last_length == 11 && memcmp(last_bytes, "hello pipe", 11) == 0, "%u bytes", last_length);
    p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, "x", 2, NULL, WAIT), STATUS_INVALID_PARAMETER);
    uint8_t *page = pattern_pages(1);
    MDL one = { NULL, page, 0, 8 };
    CHECK_EQ(VmbPacketSendWithExternalMdl(p, "x", 2, &one, 0, 0, WAIT), STATUS_NOT_SUPPORTED);
    VmbPacketFree(p);
    platform_pages_free(page, 1);
    VmbChannelCleanup(ch);

    ch = channel(sink_guid, 4);
    CHECK_EQ(VmbChannelInitSetFlags(ch, VMBUS_CHANNEL_INIT_FLAG_IS_PIPE), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    struct { uint32_t type, size; char data[8]; } bad = { VMBUS_PIPE_DATA, 100, "short" };
    inject(ch, VMBUS_PACKET_DATA_INBAND, 1, NULL, 0, &bad, sizeof(bad));
    CHECK_EQ(delivered, 0);   /* claims 100 bytes in 8: never delivered */
    struct { uint32_t type, size; char data[8]; } good = { VMBUS_PIPE_DATA, 5, "fine" };
    inject(ch, VMBUS_PACKET_DATA_INBAND, 2, NULL, 0, &good, sizeof(good));
    CHECK_EQ(delivered, 0);   /* the queue stopped at the bad one */
    VmbChannelCleanup(ch);
    shutdown();
}

/* Ported code calls through KMCL_CLIENT_INTERFACE_V1. */
_Static_assert(sizeof(KMCL_CLIENT_INTERFACE_V1) == sizeof(INTERFACE) + 41 * sizeof(void *), "41 pointers");

static void test_calls_through_the_interface_table(void)
{
    boot();
    KMCL_CLIENT_INTERFACE_V1 kmcl;
    GUID other = KMCL_CLIENT_INTERFACE_TYPE;
    other.Data1++;
    CHECK_EQ(HvrtKmclQueryInterface(&other, (PINTERFACE)&kmcl, sizeof(kmcl), KMCL_CLIENT_INTERFACE_VERSION_V1),
             STATUS_NOT_SUPPORTED);
    CHECK_EQ(HvrtKmclQueryInterface(&KMCL_CLIENT_INTERFACE_TYPE, (PINTERFACE)&kmcl, sizeof(kmcl), 2),
             STATUS_NOT_SUPPORTED);
    CHECK_EQ(HvrtKmclQueryInterface(&KMCL_CLIENT_INTERFACE_TYPE, (PINTERFACE)&kmcl, sizeof(INTERFACE),
                                    KMCL_CLIENT_INTERFACE_VERSION_V1),
             STATUS_BUFFER_TOO_SMALL);
    CHECK_EQ(HvrtKmclQueryInterface(&KMCL_CLIENT_INTERFACE_TYPE, (PINTERFACE)&kmcl, sizeof(kmcl),
                                    KMCL_CLIENT_INTERFACE_VERSION_LATEST),
             STATUS_SUCCESS);
    CHECK_EQ(kmcl.Size, sizeof(kmcl));
    CHECK_EQ(kmcl.Interface.Version, KMCL_CLIENT_INTERFACE_VERSION_V1);
    kmcl.InterfaceReference(kmcl.Context);

    VMBCHANNEL ch = NULL;
    CHECK_EQ(kmcl.VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    CHECK_EQ(kmcl.VmbClientChannelInitSetTargetPnp(ch, echo_guid, NULL, NULL), STATUS_SUCCESS);
    CHECK_EQ(kmcl.VmbClientChannelInitSetRingBufferPageCount(ch, 4, 4), STATUS_SUCCESS);
    CHECK_EQ(kmcl.VmbChannelInitSetProcessPacketCallbacks(ch, evt_packet, NULL), STATUS_SUCCESS);
    kmcl.VmbChannelSetPointer(ch, &kmcl);
    CHECK(kmcl.VmbChannelGetPointer(ch) == &kmcl, "pointer");
    CHECK_EQ(kmcl.VmbChannelEnable(ch), STATUS_SUCCESS);
    CHECK_EQ(HvrtChannelWaitOpened(ch, 10000), STATUS_SUCCESS);
    char reply[16] = { 0 };
    UINT32 size = sizeof(reply);
    CHECK_EQ(kmcl.VmbChannelSendSynchronousRequest(ch, "table", 6, NULL, 0, reply, &size, NULL), STATUS_SUCCESS);
    CHECK(strcmp(reply, "table") == 0, "echoed: %s", reply);
    delivered = 0;
    VMBPACKET p = kmcl.VmbPacketAllocate(ch);
    CHECK(kmcl.VmbPacketGetChannel(p) == ch, "packet's channel");
    CHECK_EQ(kmcl.VmbPacketSend(p, "plain", 6, NULL, 0), STATUS_SUCCESS);
    CHECK_EQ(delivered, 1);
    kmcl.VmbChannelDisable(ch);
    kmcl.VmbChannelCleanup(ch);
    kmcl.InterfaceDereference(kmcl.Context);
    shutdown();
}

int main(void)
{
    RUN_TEST(test_transfer_pages_become_mdls);
    RUN_TEST(test_gpa_direct_from_the_host);
    RUN_TEST(test_packets_larger_than_the_maximum_arrive_whole);
    RUN_TEST(test_completions_wait_for_room_never_dropped);
    RUN_TEST(test_queued_external_mdls_keep_their_ranges);
    RUN_TEST(test_synchronous_request_rules);
    RUN_TEST(test_rescind_ends_synchronous_requests_at_once);
    RUN_TEST(test_calls_through_the_interface_table);
    RUN_TEST(test_pipe_mode_both_ways);
    return check_summary();
}
