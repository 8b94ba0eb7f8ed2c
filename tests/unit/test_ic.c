/* The integration services (apps/ic) against hvsim's IC device models: the
 * host negotiates, beats the heart, syncs time, enumerates KVP and asks for
 * a shutdown; the guest answers through the KMCL API only. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/vmbus_ic.h"
#include <hvrt/ic.h>
#include <hvrt/runtime.h>
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "vmbus/vmbus.h"
#include "apps/ic/ic.h"

static struct hvsim_vmbus *host;
static uint32_t relid_of[4];   /* heartbeat, shutdown, timesync, kvp */

static void boot(void)
{
    static const struct hvsim_vmbus_device devices[] = {
        { .model = HVSIM_VMBUS_HEARTBEAT }, { .model = HVSIM_VMBUS_SHUTDOWN },
        { .model = HVSIM_VMBUS_TIMESYNC },  { .model = HVSIM_VMBUS_KVP },
    };
    host = fixture_start(HVSIM_VMBUS_HYPERV, devices, 4, 0);
    CHECK(host != NULL, "fixture up");
    /* Start every service, as the runtime does before the first app. */
    CHECK_EQ(hvrt_service_count(), 4);
    for (unsigned i = 0; i < hvrt_service_count(); i++)
        CHECK(hvrt_service_at(i)->start() == 0, "service %s started", hvrt_service_at(i)->name);
    struct vmbus_offer o;
    for (unsigned i = 0; i < 4 && vmbus_offer_at(i, &o); i++)
        relid_of[i] = o.relid;
    /* The channels open on the passive worker (VmbChannelEnable returns at
     * once); the host negotiates right after. */
    const struct ic_service *all[] = { &ic_heartbeat, &ic_shutdown, &ic_timesync, &ic_kvp };
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(HvrtChannelWaitOpened(all[i]->state->channel, 5000), STATUS_SUCCESS);
    hvrt_sleep_us(10000);
}

/* Time passes while the guest waits: the host's messages arrive as
 * interrupts and the services answer them from the deferred queues, which
 * run while the test's thread sleeps (as an app's main would). */
static void guest_waits_ns(uint64_t ns) { hvrt_sleep_us(ns / 1000); }

static void shutdown_sim(void)
{
    ic_stop_all();
    fixture_stop(host);
    for (int m = HVSIM_VMBUS_HEARTBEAT; m <= HVSIM_VMBUS_KVP; m++)
        hvsim_ic_set_config(m, NULL);
}

static struct hvsim_ic_info state(int which)
{
    struct hvsim_ic_info info;
    memset(&info, 0, sizeof(info));
    CHECK(hvsim_ic_state(host, relid_of[which], &info), "IC state of relid %u", relid_of[which]);
    return info;
}

static void test_negotiation_picks_our_best_common_versions(void)
{
    boot();
    struct hvsim_ic_info hb = state(0), sd = state(1), ts = state(2), kvp = state(3);
    CHECK_EQ(hb.negotiation, HVSIM_IC_NEG_DONE);
    CHECK_EQ(hb.framework_version, HVSIM_IC_VERSION(3, 0));
    CHECK_EQ(hb.service_version, HVSIM_IC_VERSION(3, 0));
    CHECK_EQ(sd.service_version, HVSIM_IC_VERSION(3, 2));
    CHECK_EQ(ts.service_version, HVSIM_IC_VERSION(4, 0));
    CHECK_EQ(kvp.service_version, HVSIM_IC_VERSION(4, 0));   /* the host offers 5.0 first; we do not speak it */
    CHECK_EQ(hb.protocol_errors + sd.protocol_errors + ts.protocol_errors + kvp.protocol_errors, 0);
    shutdown_sim();
}

static void test_unsupported_version_is_refused_clearly(void)
{
    struct hvsim_ic_config c;
    hvsim_ic_config_default(HVSIM_VMBUS_HEARTBEAT, &c);
    c.service_versions[0] = HVSIM_IC_VERSION(9, 0);
    c.service_count = 1;
    hvsim_ic_set_config(HVSIM_VMBUS_HEARTBEAT, &c);
    hvsim_ic_config_default(HVSIM_VMBUS_TIMESYNC, &c);
    c.framework_versions[0] = HVSIM_IC_VERSION(2, 0);
    c.framework_count = 1;
    hvsim_ic_set_config(HVSIM_VMBUS_TIMESYNC, &c);
    boot();
    CHECK_EQ(state(0).negotiation, HVSIM_IC_NEG_REFUSED);
    CHECK_EQ(state(2).negotiation, HVSIM_IC_NEG_REFUSED);
    CHECK_EQ(state(1).negotiation, HVSIM_IC_NEG_DONE);   /* the others are unaffected */
    guest_waits_ns(3000000000ull);
    CHECK_EQ(state(0).hb_good, 0);                       /* no heartbeat without a version */
    shutdown_sim();
}

static void test_heartbeat_answers_every_beat(void)
{
    boot();
    guest_waits_ns(10500000000ull);   /* ten and a half seconds */
    struct hvsim_ic_info hb = state(0);
    CHECK(hb.hb_good >= 10, "%llu good beats", (unsigned long long)hb.hb_good);
    CHECK_EQ(hb.hb_bad, 0);
    CHECK_EQ(hb.hb_missed, 0);
    CHECK_EQ(hb.hb_last_seq_acked, hb.hb_last_seq_sent + 1);
    shutdown_sim();
}

#define UNIX_1601 116444736000000000ull

static void test_timesync_sets_the_clock(void)
{
    for (int old = 0; old <= 1; old++) {
        if (old) {
            struct hvsim_ic_config c;
            hvsim_ic_config_default(HVSIM_VMBUS_TIMESYNC, &c);
            c.service_versions[0] = HVSIM_IC_VERSION(3, 0);
            c.service_count = 1;
            hvsim_ic_set_config(HVSIM_VMBUS_TIMESYNC, &c);
        }
        boot();
        CHECK_EQ(state(2).service_version, old ? HVSIM_IC_VERSION(3, 0) : HVSIM_IC_VERSION(4, 0));
        const int64_t y2030 = 1893456000ll;   /* 2030-01-01 UTC */
        uint64_t parent = UNIX_1601 + (uint64_t)y2030 * 10000000ull;
        CHECK_EQ(hvsim_ic_timesync_send(host, relid_of[2], parent, HVSIM_IC_TIMESYNC_SYNC), 0);
        guest_waits_ns(1000000);
        int64_t wall = hvrt_wall_clock_ns();
        CHECK(wall >= y2030 * 1000000000ll && wall < (y2030 + 1) * 1000000000ll,
              "%s: wall clock %lld s", old ? "3.0" : "4.0", (long long)(wall / 1000000000));

        /* A probe changes nothing; a sample 50 ms off changes nothing either. */
        CHECK_EQ(hvsim_ic_timesync_send(host, relid_of[2], parent - 50000000ull, HVSIM_IC_TIMESYNC_PROBE), 0);
        CHECK_EQ(hvsim_ic_timesync_send(host, relid_of[2], parent + 500000ull, HVSIM_IC_TIMESYNC_SAMPLE), 0);
        guest_waits_ns(1000000);
        int64_t after = hvrt_wall_clock_ns();
        CHECK(after - wall < 10000000ll && after >= wall, "small samples ignored (moved %lld ns)", (long long)(after - wall));
        struct hvsim_ic_info ts = state(2);
        CHECK_EQ(ts.ts_replies, 3);
        CHECK_EQ(ts.ts_last_status, HVSIM_IC_S_OK);
        shutdown_sim();
    }
}

static void test_timesync_ignores_impossible_times(void)
{
    boot();
    int64_t before = hvrt_wall_clock_ns();
    const uint64_t far[] = { UINT64_MAX, UNIX_1601 + 93000000000000000ull, UNIX_1601 - 1 };
    for (int i = 0; i < 3; i++)
        CHECK_EQ(hvsim_ic_timesync_send(host, relid_of[2], far[i], HVSIM_IC_TIMESYNC_SYNC), 0);
    guest_waits_ns(1000000);
    struct hvsim_ic_info ts = state(2);
    CHECK_EQ(ts.ts_replies, 3);
    CHECK_EQ(ts.ts_last_status, HVSIM_IC_S_OK);
    int64_t after = hvrt_wall_clock_ns();
    CHECK(after >= before && after - before < 10000000ll, "clock untouched (moved %lld ns)", (long long)(after - before));
    shutdown_sim();
}

static void test_kvp_enumeration_and_get(void)
{
    boot();
    struct hvsim_ic_info kvp = state(3);
    CHECK(kvp.kvp_enum_done, "enumeration finished");
    CHECK_EQ(kvp.kvp_enum_status, HVSIM_IC_NO_MORE_ITEMS);
    CHECK_EQ(kvp.kvp_entries, 10);
    char key[HVSIM_IC_KVP_KEY_MAX], value[HVSIM_IC_KVP_VALUE_MAX];
    bool os = false, arch = false;
    for (uint32_t i = 0; hvsim_ic_kvp_entry(host, relid_of[3], i, key, value); i++) {
        os |= strcmp(key, "OSName") == 0 && strcmp(value, "hvrt") == 0;
        arch |= strcmp(key, "ProcessorArchitecture") == 0 && strcmp(value, "x86_64") == 0;
    }
    CHECK(os && arch, "OSName and ProcessorArchitecture enumerated");

    CHECK_EQ(hvrt_kvp_set("AppStatus", "ready"), 0);
    CHECK_EQ(hvsim_ic_kvp_get(host, relid_of[3], HVSIM_IC_KVP_POOL_GUEST, "AppStatus"), 0);
    guest_waits_ns(1000000);
    uint32_t type = 0;
    CHECK(hvsim_ic_kvp_get_value(host, relid_of[3], value, &type) && strcmp(value, "ready") == 0,
          "the host reads what the app set: %s", value);
    CHECK_EQ(hvsim_ic_kvp_get(host, relid_of[3], HVSIM_IC_KVP_POOL_GUEST, "Nothing"), 0);
    guest_waits_ns(1000000);
    CHECK(state(3).kvp_get_status != HVSIM_IC_S_OK, "a missing key is an error status");
    hvrt_kvp_set("AppStatus", "");
    shutdown_sim();
}

/* The host pushes its own facts into pool 3 (HostName, VirtualMachineName,
 * VirtualMachineId) and a value into pool 0: the guest stores them,
 * answers success, and apps read them through hvrt/ic.h. */
static void test_kvp_host_sets_pools_0_and_3(void)
{
    struct hvsim_ic_config cfg;
    hvsim_ic_config_default(HVSIM_VMBUS_KVP, &cfg);
    cfg.kvp_push_host_info = true;
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_KVP, &cfg), 0);
    boot();
    guest_waits_ns(1000000);
    struct hvsim_ic_info kvp = state(3);
    CHECK_EQ(kvp.kvp_set_replies, 3);
    CHECK_EQ(kvp.kvp_set_status, HVSIM_IC_S_OK);
    CHECK_EQ(kvp.protocol_errors, 0);
    const char *name = hvrt_kvp_pool_get(HVRT_KVP_POOL_HOST, "VirtualMachineName");
    CHECK(name != NULL && strcmp(name, HVSIM_IC_KVP_VM_NAME) == 0, "the app reads its VM name: %s", name ? name : "(none)");
    const char *id = hvrt_kvp_pool_get(HVRT_KVP_POOL_HOST, "VirtualMachineId");
    CHECK(id != NULL && strcmp(id, HVSIM_IC_KVP_VM_ID) == 0, "VM id");
    CHECK(hvrt_kvp_pool_get(HVRT_KVP_POOL_HOST, "HostName") != NULL, "host name");
    CHECK(hvrt_kvp_pool_get(HVRT_KVP_POOL_EXTERNAL, "VirtualMachineName") == NULL, "pool 3 is not pool 0");

    CHECK_EQ(hvsim_ic_kvp_set(host, relid_of[3], HVSIM_IC_KVP_POOL_EXTERNAL, "Role", "web"), 0);
    guest_waits_ns(1000000);
    CHECK_EQ(state(3).kvp_set_status, HVSIM_IC_S_OK);
    CHECK(hvrt_kvp_get("Role", true) != NULL && strcmp(hvrt_kvp_pool_get(0, "Role"), "web") == 0, "pool 0 value");
    /* The guest's own pools are not the host's to write. */
    CHECK_EQ(hvsim_ic_kvp_set(host, relid_of[3], HVSIM_IC_KVP_POOL_GUEST, "Role", "x"), 0);
    guest_waits_ns(1000000);
    CHECK(state(3).kvp_set_status != HVSIM_IC_S_OK, "SET into the guest pool refused");
    CHECK(hvrt_kvp_pool_get(HVRT_KVP_POOL_GUEST, "Role") == NULL, "and not stored");
    /* The host reads pool 3 back with GET. */
    CHECK_EQ(hvsim_ic_kvp_get(host, relid_of[3], HVSIM_IC_KVP_POOL_AUTO_EXTERNAL, "HostName"), 0);
    guest_waits_ns(1000000);
    char value[HVSIM_IC_KVP_VALUE_MAX];
    CHECK(hvsim_ic_kvp_get_value(host, relid_of[3], value, NULL) && strcmp(value, HVSIM_IC_KVP_HOST_NAME) == 0,
          "GET of pool 3: %s", value);
    shutdown_sim();
}

/* Shutdown: the order is app hook, channels closed, UNLOAD, power-off. */
static int hook_calls;
static bool hook_saw_reply;
static bool hook_saw_open_channels, hook_saw_no_unload, hook_restart;

static void app_hook(bool restart, void *ctx)
{
    (void)ctx;
    hook_calls++;
    hook_restart = restart;
    struct hvsim_vmbus_channel_info info;
    hook_saw_open_channels = hvsim_vmbus_channel(host, relid_of[0], &info) && info.state == HVSIM_CHAN_OPEN;
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    hook_saw_no_unload = c.msgs_in[VMBUS_MSG_UNLOAD] == 0;
    hook_saw_reply = state(1).shutdown_replied && state(1).shutdown_status == HVSIM_IC_S_OK;
}

static void test_shutdown_in_order(void)
{
    for (int restart = 0; restart <= 1; restart++) {
        boot();
        hook_calls = 0;
        static bool registered;
        if (!registered)
            hvrt_on_host_shutdown(app_hook, NULL);
        registered = true;
        jmp_buf jb;
        hosted_catch_poweroff(&jb);
        if (setjmp(jb) == 0) {
            CHECK_EQ(hvsim_ic_request_shutdown(host, relid_of[1], restart ? HVSIM_IC_SHUTDOWN_RESTART : 0, 0), 0);
            hvsim_advance_ns(hosted_sim(), 1000000);
            hosted_run_deferred();   /* the dpc replies, then the shutdown runs on the worker */
            CHECK(false, "the machine should have powered off");
        }
        CHECK_EQ(hosted_poweroff_kind(), restart ? HOSTED_RESET : HOSTED_POWEROFF);
        CHECK_EQ(hook_calls, 1);
        CHECK_EQ(hook_restart, restart);
        CHECK(hook_saw_open_channels && hook_saw_no_unload, "apps told first");
        CHECK(hook_saw_reply, "the host had its answer before the apps were told");
        /* After UNLOAD the host forgets channel states: count the closes. */
        struct hvsim_vmbus_counters c;
        hvsim_vmbus_get_counters(host, &c);
        CHECK_EQ(c.msgs_in[VMBUS_MSG_CLOSECHANNEL], 4);
        CHECK_EQ(c.msgs_in[VMBUS_MSG_UNLOAD], 1);
        hvsim_vmbus_destroy(host);
        hyperv_teardown();
        hosted_stop();
    }
}

static void test_shutdown_refuses_hibernate(void)
{
    boot();
    jmp_buf jb;
    hosted_catch_poweroff(&jb);
    if (setjmp(jb) != 0) {
        CHECK(false, "hibernate must not power off");
        return;
    }
    CHECK_EQ(hvsim_ic_request_shutdown(host, relid_of[1], HVSIM_IC_SHUTDOWN_HIBERNATE, 0), 0);
    hvsim_advance_ns(hosted_sim(), 1000000);
    hosted_run_deferred();
    CHECK(state(1).shutdown_replied && state(1).shutdown_status == HVSIM_IC_E_FAIL, "refused with E_FAIL");
    hosted_catch_poweroff(NULL);
    shutdown_sim();
}

int main(void)
{
    RUN_TEST(test_negotiation_picks_our_best_common_versions);
    RUN_TEST(test_unsupported_version_is_refused_clearly);
    RUN_TEST(test_heartbeat_answers_every_beat);
    RUN_TEST(test_timesync_sets_the_clock);
    RUN_TEST(test_timesync_ignores_impossible_times);
    RUN_TEST(test_kvp_enumeration_and_get);
    RUN_TEST(test_kvp_host_sets_pools_0_and_3);
    RUN_TEST(test_shutdown_in_order);
    RUN_TEST(test_shutdown_refuses_hibernate);
    return check_summary();
}
