/* What the KMCL API tests (test_kmcl.c, test_kmcl_api.c, test_kmcl_defects.c) start from:
 * hvsim's Hyper-V flavour offering the echo device, then the sink. Like
 * check.h, it defines its statics in each test that includes it. */
#ifndef HVRT_TESTS_KMCL_FIXTURE_H
#define HVRT_TESTS_KMCL_FIXTURE_H

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include <hvrt/vmbus.h>

static struct hvsim_vmbus *host;
static const struct vmbus_guid echo_class = FIXTURE_CLASS_ECHO;
static const struct vmbus_guid sink_class = FIXTURE_CLASS_SINK;
/* hvrt's GUID and the core's vmbus_guid share one layout. */
static const GUID *echo_guid = (const GUID *)&echo_class;
static const GUID *sink_guid = (const GUID *)&sink_class;

static inline void boot(void)
{
    static const struct hvsim_vmbus_device devices[] = { { .model = HVSIM_VMBUS_ECHO }, { .model = HVSIM_VMBUS_SINK } };
    host = fixture_start(HVSIM_VMBUS_HYPERV, devices, 2, 0);
    CHECK(host != NULL, "fixture up");
}

static inline void shutdown(void) { fixture_stop(host); }

/* VmbChannelEnable returns at once and the channel opens on the passive
 * worker: a test that needs it open waits, as a simple app does. */
static inline NTSTATUS enable(VMBCHANNEL ch)
{
    NTSTATUS st = VmbChannelEnable(ch);
    return NT_SUCCESS(st) ? HvrtChannelWaitOpened(ch, 10000) : st;
}

/* Lets the dpcs and work items the test's own calls queued run (a test
 * runs on the boot thread, which they only preempt when it waits). */
static inline void settle(void) { hosted_run_deferred(); }

/* A client channel for offers of type, configured as the tests use it
 * (all five state callbacks, 4-page rings), still disabled. */
static inline VMBCHANNEL fixture_client(const GUID *type, const VMB_CHANNEL_STATE_CHANGE_CALLBACKS *cb,
                                        PFN_VMB_CHANNEL_PROCESS_PACKET process,
                                        PFN_VMB_CHANNEL_PROCESSING_COMPLETE batch,
                                        PFN_VMB_CHANNEL_PNP_FAILURE pnp_failure)
{
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS copy = *cb;
    CHECK_EQ(VmbChannelInitSetStateChangeCallbacks(ch, &copy), STATUS_SUCCESS);
    CHECK_EQ(VmbChannelInitSetProcessPacketCallbacks(ch, process, batch), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, type, NULL, pnp_failure), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetRingBufferPageCount(ch, 4, 4), STATUS_SUCCESS);
    return ch;
}

#endif
