/* Regression tests for the KMCL face's defects found when it was used as a
 * new user would (issue 13), one test each; every one failed on the code
 * before its fix. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/kmcl_fixture.h"
#include <hvrt/runtime.h>
#include "arch/platform.h"
#include "vmbus/vmbus.h"

static struct hvsim_vmbus_counters counters(void)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    return c;
}

static char events[32];
static void note(char c)
{
    size_t n = strlen(events);
    if (n + 1 < sizeof(events))
        events[n] = c, events[n + 1] = '\0';
}

static bool disable_in_opened;
static NTSTATUS evt_opened(VMBCHANNEL ch)
{
    note('O');
    if (disable_in_opened)
        VmbChannelDisable(ch);
    return STATUS_SUCCESS;
}
static void evt_closed(VMBCHANNEL ch) { (void)ch; note('C'); }
static void evt_suspend(VMBCHANNEL ch) { (void)ch; note('S'); }
static void evt_started(VMBCHANNEL ch) { (void)ch; note('T'); }
static void evt_post_started(VMBCHANNEL ch) { (void)ch; note('P'); }

/* What ProcessPacket saw, and whether it keeps the packet. */
static int delivered;
static bool hold;
static VMBPACKETCOMPLETION held[8];
static int held_count;
static uintptr_t stack_low, stack_high;   /* ProcessPacket's frame, over a burst */

static void evt_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch, (void)buf, (void)len, (void)flags;
    uintptr_t here = (uintptr_t)&here;
    stack_low = stack_low == 0 || here < stack_low ? here : stack_low;
    stack_high = here > stack_high ? here : stack_high;
    delivered++;
    if (hold && held_count < 8)
        held[held_count++] = pc;
    else
        VmbChannelPacketComplete(pc, NULL, 0);
}

static void send_plain(VMBCHANNEL ch, const char *text)
{
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, (PVOID)text, (UINT32)strlen(text) + 1, NULL, 0), STATUS_SUCCESS);
}

static VMBCHANNEL channel(const GUID *type)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelOpened = evt_opened;
    cb.EvtChannelClosed = evt_closed;
    cb.EvtChannelSuspend = evt_suspend;
    cb.EvtChannelStarted = evt_started;
    cb.EvtChannelPostStarted = evt_post_started;
    VMBCHANNEL ch = fixture_client(type, &cb, evt_packet, NULL, NULL);
    events[0] = '\0';
    disable_in_opened = false;
    delivered = held_count = 0;
    hold = false;
    stack_low = stack_high = 0;
    return ch;
}

/* A GPADL the client still has when the host rescinds: Disable must tear
 * it down while the relid is still ours (before RELID_RELEASED), or the
 * host, which forgot the relid, never answers and the pages stay pinned. */
static void test_disable_after_rescind_tears_gpadls_down_before_release(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    uint64_t gpa;
    void *buffer = platform_pages_alloc(2, &gpa);
    UINT32 handle = 0;
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, buffer, 2 * 4096, &handle), STATUS_SUCCESS);
    struct vmbus_offer o;
    CHECK(vmbus_offer_at(0, &o), "an offer");
    CHECK_EQ(hvsim_vmbus_rescind(host, o.relid), 0);
    uint64_t t0 = platform_time_ns();
    VmbChannelDisable(ch);   /* the client left its GPADL for Disable */
    uint64_t took_ms = (platform_time_ns() - t0) / 1000000;
    CHECK(took_ms < 1000, "Disable took %llu ms: a teardown waited for an answer that never comes",
          (unsigned long long)took_ms);
    struct hvsim_vmbus_counters c = counters();
    CHECK_EQ(c.gpadls_torndown, 2);   /* the rings' and the client's */
    CHECK_EQ(c.msgs_in[VMBUS_MSG_RELID_RELEASED], 1);
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 0);
    CHECK(strcmp(events, "OTPSC") == 0, "events: %s", events);
    VmbChannelCleanup(ch);
    platform_pages_free(buffer, 2);
    shutdown();
}

/* Disable from inside EvtChannelOpened: the channel ends closed, and
 * Started/PostStarted never run after Closed. */
static void test_disable_inside_opened(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    disable_in_opened = true;
    (void)VmbChannelEnable(ch);
    hvrt_sleep_us(10000);
    CHECK(strcmp(events, "OC") == 0, "events: %s (nothing may follow Closed)", events);
    struct vmbus_offer o;
    CHECK(vmbus_offer_at(0, &o), "an offer");
    struct hvsim_vmbus_channel_info info;
    CHECK(hvsim_vmbus_channel(host, o.relid, &info) && info.state != HVSIM_CHAN_OPEN, "the host saw the close");
    /* Enabled again, it opens as usual. */
    disable_in_opened = false;
    events[0] = '\0';
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    hvrt_sleep_us(10000);
    CHECK(strcmp(events, "OTP") == 0, "re-enabled: %s", events);
    VmbChannelCleanup(ch);
    shutdown();
}

/* A second PacketComplete of a packet already completed must not complete
 * the packet that reused its place (quota 1: the very next one). */
static void test_stale_second_complete_is_ignored(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    VmbChannelSetTransactionQuota(ch, 1);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    hold = true;
    send_plain(ch, "first");
    CHECK_EQ(delivered, 1);
    VMBPACKETCOMPLETION first = held[0];
    VmbChannelPacketComplete(first, NULL, 0);
    settle();
    send_plain(ch, "second");
    CHECK_EQ(delivered, 2);   /* held, in the place "first" had */
    VmbChannelPacketComplete(first, NULL, 0);   /* stale */
    settle();
    send_plain(ch, "third");
    CHECK_EQ(delivered, 2);   /* "second" is still held: the quota holds "third" back */
    VmbChannelPacketComplete(held[1], NULL, 0);
    settle();
    CHECK_EQ(delivered, 3);
    VmbChannelPacketComplete(held[2], NULL, 0);
    settle();
    VmbChannelCleanup(ch);
    shutdown();
}

/* Quota 1, ProcessPacket completing each packet at once, a long burst:
 * the stack must not grow with the burst (it grew a frame set per packet). */
static void test_quota_one_burst_does_not_recurse(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    VmbChannelSetTransactionQuota(ch, 1);
    CHECK_EQ(VmbClientChannelInitSetRingBufferPageCount(ch, 16, 16), STATUS_SUCCESS);
    VmbChannelPause(ch);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    for (int i = 0; i < 500; i++)
        send_plain(ch, "burst");   /* echoed while paused: they wait */
    CHECK_EQ(delivered, 0);
    VmbChannelStart(ch);
    settle();
    CHECK_EQ(delivered, 500);
    CHECK(stack_high - stack_low < 2048, "ProcessPacket's frame moved %lu bytes over the burst",
          (unsigned long)(stack_high - stack_low));
    VmbChannelCleanup(ch);
    shutdown();
}

/* Paused: no delivery, but the inbound ring is not left masked, so the
 * completion of our own request comes at once (it waited for Start). */
static void test_paused_channel_still_gets_completions(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    VmbChannelPause(ch);
    send_plain(ch, "data first");   /* its echo arrives while paused */
    char reply[16] = { 0 };
    UINT32 size = sizeof(reply);
    LARGE_INTEGER timeout = { -10000000 };   /* 1 s */
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "ping", 5, NULL, 0, reply, &size, &timeout), STATUS_SUCCESS);
    CHECK(platform_time_ns() - t0 < 100000000ull, "the completion took %llu ms",
          (unsigned long long)((platform_time_ns() - t0) / 1000000));
    CHECK_EQ(delivered, 0);   /* paused all along */
    VmbChannelStart(ch);
    settle();
    CHECK_EQ(delivered, 1);
    VmbChannelCleanup(ch);
    shutdown();
}

/* The client still holds packets when it disables: Disable waits until
 * they are completed (here from deferred work, as a client finishing them
 * asynchronously would), and frees nothing before. */
static void complete_held_later(void *arg)
{
    (void)arg;
    for (int i = 0; i < held_count; i++)
        VmbChannelPacketComplete(held[i], NULL, 0);
    held_count = 0;
}
static void evt_suspend_defers(VMBCHANNEL ch)
{
    (void)ch;
    note('S');
    hvrt_defer(complete_held_later, NULL);   /* "complete held packets (async is fine; KMCL waits)" */
}

static void test_disable_waits_for_held_packets(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelSuspend = evt_suspend_defers;
    cb.EvtChannelClosed = evt_closed;
    CHECK_EQ(VmbChannelInitSetStateChangeCallbacks(ch, &cb), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    hold = true;
    send_plain(ch, "kept");
    send_plain(ch, "kept too");
    CHECK_EQ(held_count, 2);
    VmbChannelDisable(ch);
    CHECK_EQ(held_count, 0);   /* Disable returned only after they were completed */
    CHECK(strcmp(events, "SC") == 0, "events: %s", events);
    VmbChannelCleanup(ch);
    shutdown();
}

int main(void)
{
    RUN_TEST(test_disable_after_rescind_tears_gpadls_down_before_release);
    RUN_TEST(test_disable_inside_opened);
    RUN_TEST(test_stale_second_complete_is_ignored);
    RUN_TEST(test_quota_one_burst_does_not_recurse);
    RUN_TEST(test_paused_channel_still_gets_completions);
    RUN_TEST(test_disable_waits_for_held_packets);
    return check_summary();
}
