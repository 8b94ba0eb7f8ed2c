/* The KMCL-shaped API (include/hvrt/vmbus.h) against hvsim's VMBus host:
 * the lifecycle in every order the KMCL docs allow, a clear status for the
 * orders they forbid, the state callbacks in their documented order, and
 * packets both ways through the echo device. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/kmcl_fixture.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "vmbus/vmbus.h"

/* What the callbacks saw. */
static char events[64];
static NTSTATUS opened_result;
static int packets, completions_seen, processing_batches;
static uint8_t last_packet[256];
static uint32_t last_length;
static VMBPACKETCOMPLETION held[8];
static int held_count;
static bool hold_packets;
static NTSTATUS pnp_status;

static void note(char c)
{
    size_t n = strlen(events);
    if (n + 1 < sizeof(events))
        events[n] = c, events[n + 1] = '\0';
}

static NTSTATUS evt_opened(VMBCHANNEL ch) { (void)ch; note('O'); return opened_result; }
static void evt_closed(VMBCHANNEL ch) { (void)ch; note('C'); }
static void evt_suspend(VMBCHANNEL ch) { (void)ch; note('S'); }
static void evt_started(VMBCHANNEL ch) { (void)ch; note('T'); }
static void evt_post_started(VMBCHANNEL ch) { (void)ch; note('P'); }
static void evt_pnp_failure(VMBCHANNEL ch, NTSTATUS status) { (void)ch; pnp_status = status; }

static void evt_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch;
    (void)flags;
    packets++;
    last_length = len < sizeof(last_packet) ? len : sizeof(last_packet);
    memcpy(last_packet, buf, last_length);
    if (hold_packets && held_count < 8)
        held[held_count++] = pc;
    else
        VmbChannelPacketComplete(pc, NULL, 0);
}

static void evt_batch(VMBCHANNEL ch, UINT32 n) { (void)ch; (void)n; processing_batches++; }

static void evt_sent(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    (void)buf;
    (void)len;
    if (status == STATUS_SUCCESS)
        completions_seen++;
    VmbPacketFree(p);
}

static VMBCHANNEL make_channel(const GUID *type)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelOpened = evt_opened;
    cb.EvtChannelClosed = evt_closed;
    cb.EvtChannelSuspend = evt_suspend;
    cb.EvtChannelStarted = evt_started;
    cb.EvtChannelPostStarted = evt_post_started;
    VMBCHANNEL ch = fixture_client(type, &cb, evt_packet, evt_batch, evt_pnp_failure);
    events[0] = '\0';
    opened_result = STATUS_SUCCESS;
    packets = completions_seen = processing_batches = held_count = 0;
    hold_packets = false;
    return ch;
}

static void test_lifecycle_callback_order(void)
{
    boot();
    VMBCHANNEL ch = make_channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    CHECK(strcmp(events, "OTP") == 0, "enable: %s", events);   /* Opened, Started, PostStarted */
    VmbChannelPause(ch);
    VmbChannelStart(ch);
    settle();
    CHECK(strcmp(events, "OTPSTP") == 0, "pause/start: %s", events);
    VmbChannelDisable(ch);
    CHECK(strcmp(events, "OTPSTPSC") == 0, "disable: %s", events);   /* Suspend, Closed */
    CHECK_EQ(enable(ch), STATUS_SUCCESS);                    /* re-enable after disable */
    VmbChannelCleanup(ch);                                             /* disables first */
    CHECK(strcmp(events, "OTPSTPSCOTPSC") == 0, "re-enable, cleanup: %s", events);
    shutdown();
}

static void test_pause_before_enable(void)
{
    boot();
    VMBCHANNEL ch = make_channel(echo_guid);
    VmbChannelPause(ch);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    CHECK(strcmp(events, "O") == 0, "paused at enable: %s", events);
    VmbChannelStart(ch);
    settle();
    CHECK(strcmp(events, "OTP") == 0, "started: %s", events);
    VmbChannelCleanup(ch);
    shutdown();
}

static void test_forbidden_orders_get_clear_statuses(void)
{
    boot();
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, TRUE, &ch), STATUS_NOT_SUPPORTED);
    CHECK(ch == NULL, "no server channel");
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, NULL), STATUS_INVALID_PARAMETER_3);
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    CHECK_EQ(VmbChannelEnable(ch), STATUS_INVALID_DEVICE_STATE);         /* no target yet */
    CHECK_EQ(VmbChannelInitSetMaximumPacketSize(ch, 0), STATUS_INVALID_PARAMETER_2);
    CHECK_EQ(VmbClientChannelInitSetRingBufferPageCount(ch, 0, 4), STATUS_INVALID_PARAMETER_2);
    CHECK_EQ(VmbClientChannelInitSetRingBufferPageCount(ch, 4, 0), STATUS_INVALID_PARAMETER_3);
    CHECK_EQ(VmbChannelInitSetFlags(ch, 0x80), STATUS_INVALID_PARAMETER_2);
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.Version = 2;
    CHECK_EQ(VmbChannelInitSetStateChangeCallbacks(ch, &cb), STATUS_INVALID_PARAMETER_2);
    CHECK_EQ(VmbChannelInitSetMaximumPacketSize(NULL, 64), STATUS_INVALID_PARAMETER_1);
    VmbChannelCleanup(ch);

    ch = make_channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    CHECK_EQ(VmbChannelInitSetMaximumPacketSize(ch, 64), STATUS_INVALID_PARAMETER_1);   /* only while disabled */
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, sink_guid, NULL, NULL), STATUS_INVALID_PARAMETER_1);
    CHECK_EQ(VmbChannelEnable(ch), STATUS_INVALID_PARAMETER_1);                          /* already enabled */
    CHECK_EQ(VmbServerChannelInitSetFlags(ch, 0), STATUS_NOT_SUPPORTED);
    VmbChannelDisable(ch);
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, "x", 1, NULL, 0), STATUS_INVALID_DEVICE_STATE);           /* disabled */
    VmbPacketFree(p);
    VmbChannelCleanup(ch);
    shutdown();
}

static void test_no_such_device_and_failed_open(void)
{
    boot();
    static const GUID nothing = { 0x12345678, 1, 2, { 3, 4, 5, 6, 7, 8, 9, 10 } };
    VMBCHANNEL ch = make_channel(&nothing);
    pnp_status = 0;
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);   /* at once: the offer may come later */
    CHECK_EQ(HvrtChannelWaitOpened(ch, 200), STATUS_NO_SUCH_DEVICE);
    CHECK_EQ(pnp_status, 0);   /* no device found: nothing failed */
    VmbChannelCleanup(ch);

    ch = make_channel(echo_guid);
    opened_result = STATUS_INSUFFICIENT_RESOURCES;   /* the driver refuses in Opened */
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);
    CHECK_EQ(HvrtChannelWaitOpened(ch, 1000), STATUS_INSUFFICIENT_RESOURCES);
    CHECK(strcmp(events, "O") == 0, "no Started after a failed Opened: %s", events);
    VmbChannelDisable(ch);
    opened_result = STATUS_SUCCESS;
    CHECK_EQ(enable(ch), STATUS_SUCCESS);   /* and it can be enabled again */
    VmbChannelCleanup(ch);
    shutdown();
}

static void test_packets_through_echo(void)
{
    boot();
    VMBCHANNEL ch = make_channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);

    /* Without completion: retired at once; the echo comes back as a packet. */
    VMBPACKET p = VmbPacketAllocate(ch);
    VmbPacketSetCompletionRoutine(p, evt_sent);
    VmbPacketSetPointer(p, (PVOID)0x1234);
    CHECK(VmbPacketGetPointer(p) == (PVOID)0x1234 && VmbPacketGetChannel(p) == ch, "packet getters");
    CHECK_EQ(VmbPacketSend(p, "hello, host", 12, NULL, 0), STATUS_SUCCESS);
    CHECK_EQ(completions_seen, 1);
    CHECK_EQ(packets, 1);
    CHECK(last_length >= 12 && memcmp(last_packet, "hello, host", 12) == 0, "echoed payload");
    CHECK(processing_batches >= 1, "batch end reported");

    /* With completion: the echo answers with a completion packet. */
    p = VmbPacketAllocate(ch);
    VmbPacketSetCompletionRoutine(p, evt_sent);
    CHECK_EQ(VmbPacketSend(p, "wait for me", 12, NULL, VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION), STATUS_SUCCESS);
    CHECK_EQ(completions_seen, 2);
    CHECK_EQ(packets, 1);   /* a completion is not a new packet */

    /* Synchronous request: the reply lands in our buffer. */
    char reply[64] = { 0 };
    UINT32 size = sizeof(reply);
    LARGE_INTEGER timeout = { -10000000 };   /* 1 s */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "ping-pong", 10, NULL, 0, reply, &size, &timeout), STATUS_SUCCESS);
    CHECK(size >= 10 && strcmp(reply, "ping-pong") == 0, "reply %s (%u bytes)", reply, size);

    /* External data by PFN: the echo reads our page and answers with it. */
    uint64_t gpa;
    char *page = platform_pages_alloc(1, &gpa);
    strcpy(page, "external bytes");
    PFN_NUMBER pfn = gpa >> 12;
    p = VmbPacketAllocate(ch);
    VmbPacketSetCompletionRoutine(p, evt_sent);
    CHECK_EQ(VmbPacketSendWithExternalPfns(p, "hdr", 4, &pfn, 1, VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION),
             STATUS_SUCCESS);
    CHECK_EQ(completions_seen, 3);
    CHECK_EQ(VmbPacketSendWithExternalPfns(p, "hdr", 4, &pfn, 1, 0), STATUS_INVALID_PARAMETER);   /* needs WAIT */
    VmbChannelCleanup(ch);
    platform_pages_free(page, 1);
    shutdown();
}

static void test_sink_never_answers(void)
{
    boot();
    VMBCHANNEL ch = make_channel(sink_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    char reply[16];
    UINT32 size = sizeof(reply);
    LARGE_INTEGER timeout = { -1000000 };   /* 100 ms */
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "anyone?", 8, NULL, 0, reply, &size, &timeout), STATUS_CANCELLED);
    CHECK(platform_time_ns() - t0 >= 100000000ull, "waited the timeout");
    VmbChannelCleanup(ch);
    shutdown();
}

static void test_pause_holds_delivery_and_quota(void)
{
    boot();
    VMBCHANNEL ch = make_channel(echo_guid);
    VmbChannelSetTransactionQuota(ch, 2);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    VmbChannelPause(ch);
    for (int i = 0; i < 3; i++) {
        VMBPACKET p = VmbPacketAllocate(ch);
        CHECK_EQ(VmbPacketSend(p, "queued", 7, NULL, 0), STATUS_SUCCESS);
    }
    CHECK_EQ(packets, 0);   /* paused: the echoes wait in the ring */
    hold_packets = true;
    VmbChannelStart(ch);
    settle();
    CHECK_EQ(packets, 2);   /* the quota stops the third */
    VmbChannelPacketComplete(held[0], NULL, 0);
    settle();
    CHECK_EQ(packets, 3);   /* one completed: the queue runs again */
    VmbChannelPacketComplete(held[1], NULL, 0);
    settle();
    VmbChannelPacketComplete(held[2], NULL, 0);
    settle();
    VmbChannelCleanup(ch);
    shutdown();
}

static void test_gpadls_through_the_api(void)
{
    boot();
    VMBCHANNEL ch = make_channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    uint64_t gpa;
    char *pages = platform_pages_alloc(4, &gpa);
    UINT32 handle = 0, second = 0;
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, 4 * 4096, &handle), STATUS_SUCCESS);
    CHECK(handle != 0, "a non-zero handle");
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages + 8, 4096, &second), STATUS_INVALID_PARAMETER_3);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, 100, &second), STATUS_INVALID_PARAMETER_4);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages + 4096, 4096, &second), STATUS_SUCCESS);
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 3);   /* two of ours and the ring's */
    VmbChannelDeleteGpadl(ch, handle);
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 2);
    VmbChannelDisable(ch);   /* the driver forgot one: torn down for it */
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 0);
    VmbChannelCleanup(ch);
    platform_pages_free(pages, 4);
    shutdown();
}

static void test_rescind_while_active(void)
{
    boot();
    VMBCHANNEL ch = make_channel(echo_guid);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    struct vmbus_offer o;
    vmbus_offer_at(0, &o);
    CHECK_EQ(hvsim_vmbus_rescind(host, o.relid), 0);
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, "late", 5, NULL, 0), STATUS_DEVICE_REMOVED);
    VmbPacketFree(p);
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "late", 5, NULL, 0, NULL, NULL, NULL), STATUS_DEVICE_REMOVED);
    VmbChannelDisable(ch);
    CHECK(strchr(events, 'C') != NULL, "Closed ran: %s", events);
    VmbChannelCleanup(ch);
    shutdown();
}

int main(void)
{
    RUN_TEST(test_lifecycle_callback_order);
    RUN_TEST(test_pause_before_enable);
    RUN_TEST(test_forbidden_orders_get_clear_statuses);
    RUN_TEST(test_no_such_device_and_failed_open);
    RUN_TEST(test_packets_through_echo);
    RUN_TEST(test_sink_never_answers);
    RUN_TEST(test_pause_holds_delivery_and_quota);
    RUN_TEST(test_gpadls_through_the_api);
    RUN_TEST(test_rescind_while_active);
    return check_summary();
}
