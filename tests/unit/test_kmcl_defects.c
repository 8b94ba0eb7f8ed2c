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

static void evt_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch, (void)buf, (void)len, (void)flags;
    VmbChannelPacketComplete(pc, NULL, 0);
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
    return ch;
}

/* A GPADL the client still has when the host rescinds: Disable must tear
 * it down while the relid is still ours (before RELID_RELEASED), or the
 * host, which forgot the relid, never answers and the pages stay pinned. */
static void test_disable_after_rescind_tears_gpadls_down_before_release(void)
{
    boot();
    VMBCHANNEL ch = channel(echo_guid);
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);
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
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);
    hvrt_sleep_us(10000);
    CHECK(strcmp(events, "OTP") == 0, "re-enabled: %s", events);
    VmbChannelCleanup(ch);
    shutdown();
}

int main(void)
{
    RUN_TEST(test_disable_after_rescind_tears_gpadls_down_before_release);
    RUN_TEST(test_disable_inside_opened);
    return check_summary();
}
