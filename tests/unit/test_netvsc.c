/* The synthetic NIC driver (drivers/netvsc) against hvsim's netvsc host
 * (tests/hvsim/dev_netvsc.c), through the frame interface (hvrt/net.h):
 * bring-up at each NVSP version, frames of every size both ways with their
 * bytes checked, large frames GPA-direct, link flaps, keepalive and reset,
 * the host's faults, a host that stops completing sends, a NIC rescinded
 * while frames flow and one offered late. */
#include <stdlib.h>
#include <string.h>

#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_netvsc.h"

static struct hvsim_vmbus *host;
static struct hvsim_netvsc_config netcfg;
static struct hvsim_vmbus_device nic_device = { .model = HVSIM_VMBUS_NETVSC, .netvsc = &netcfg };

/* What the guest received, in order. */
#define RX_MAX 2048
static struct {
    uint32_t count, link_ups, link_downs;
    uint32_t length[RX_MAX];
    uint8_t *frame[RX_MAX];
} rx;

static void on_receive(void *ctx, struct hvrt_nic *nic, const void *frame, uint32_t length)
{
    (void)ctx, (void)nic;
    if (rx.count < RX_MAX) {
        rx.frame[rx.count] = malloc(length);
        memcpy(rx.frame[rx.count], frame, length);
        rx.length[rx.count] = length;
    }
    rx.count++;
}

static void on_link(void *ctx, struct hvrt_nic *nic, bool up)
{
    (void)ctx, (void)nic;
    if (up)
        rx.link_ups++;
    else
        rx.link_downs++;
}

static void rx_clear(void)
{
    for (uint32_t i = 0; i < rx.count && i < RX_MAX; i++)
        free(rx.frame[i]);
    memset(&rx, 0, sizeof(rx));
}

static void settle(void) { hvrt_sleep_us(2000); }

static uint32_t nic_relid(void)
{
    for (uint32_t relid = 1; relid < 64; relid++) {
        struct hvsim_vmbus_channel_info info;
        if (hvsim_vmbus_channel(host, relid, &info) && info.model == HVSIM_VMBUS_NETVSC &&
            info.state != HVSIM_CHAN_RESCINDED)
            return relid;
    }
    return 0;
}

static struct hvsim_netvsc *dev(void) { return hvsim_netvsc_get(host, nic_relid()); }

static struct hvsim_netvsc_stats stats(void)
{
    struct hvsim_netvsc_stats s = { 0 };
    if (dev())
        hvsim_netvsc_stats(dev(), &s);
    return s;
}

/* hvsim with the NIC (or without), the guest's NIC looked for; NULL when
 * none came up. */
static struct hvrt_nic *boot_with(bool with_nic, const struct hvrt_net_config *gc)
{
    rx_clear();
    host = fixture_start(HVSIM_VMBUS_HYPERV, &nic_device, with_nic ? 1 : 0, 48);
    CHECK(host != NULL, "fixture up");
    hvrt_net_configure(gc);
    struct hvrt_nic *nic = hvrt_net_count() > 0 ? hvrt_net_get(0) : NULL;
    if (nic) {
        struct hvrt_net_callbacks cb = { on_receive, on_link, NULL };
        hvrt_net_set_callbacks(nic, &cb);
    }
    return nic;
}

static struct hvrt_nic *boot(void) { return boot_with(true, NULL); }

static void shutdown(void)
{
    hvrt_net_shutdown();
    fixture_stop(host);
    rx_clear();
    memset(&netcfg, 0, sizeof(netcfg));
    hvrt_net_configure(NULL);
}

static void fill(uint8_t *f, uint32_t len, uint32_t seed)
{
    memset(f, 0xff, 6);                       /* broadcast */
    memcpy(f + 6, "\x00\x15\x5d\x00\x00\x02", 6);
    f[12] = 0x88, f[13] = 0xb5;               /* a local experimental EtherType */
    for (uint32_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seed * 31 + i);
}

static enum hvrt_net_result send1(struct hvrt_nic *nic, const uint8_t *f, uint32_t len)
{
    struct hvrt_net_sg sg[2] = { { f, 14 }, { f + 14, len - 14 } };   /* header and payload apart */
    return hvrt_net_send(nic, sg, 2);
}

/* ---- bring-up ---- */

static void test_bring_up_at_each_nvsp_version(void)
{
    static const uint32_t versions[] = { 0x00060001, 0x00060000, 0x00050000, 0x00040000, 0x00030002, 0x00000002 };
    for (unsigned i = 0; i < 6; i++) {
        netcfg.max_version = versions[i];
        struct hvrt_nic *nic = boot();
        CHECK(nic != NULL, "NIC up with the host at NVSP %x", versions[i]);
        if (nic) {
            CHECK_EQ(hvrt_net_nvsp_version(nic), versions[i]);
            struct hvsim_netvsc_stats s = stats();
            CHECK_EQ(s.version, versions[i]);
            CHECK_EQ(s.ndis_major, 6);
            CHECK_EQ(s.ndis_minor, versions[i] <= 0x00040000 ? 1 : 30);
            CHECK_EQ(s.ndis_mtu, versions[i] > 2 ? 1514 : 0);
            CHECK(s.rx_buffer && s.tx_buffer, "both buffers announced");
            CHECK(s.rndis_initialized, "RNDIS initialised");
            CHECK_EQ(s.filter, 0x0D);
            CHECK_EQ(s.protocol_errors, 0);
            uint8_t mac[6];
            hvrt_net_mac(nic, mac);
            CHECK(memcmp(mac, "\x00\x15\x5d\x68\x76\x01", 6) == 0, "the host's MAC");
            CHECK_EQ(hvrt_net_mtu(nic), 1500);
            CHECK(hvrt_net_link_up(nic), "link up");
            CHECK_EQ(hvrt_net_link_speed(nic), 100000000);
        }
        uint32_t relid = nic_relid();
        hvrt_net_shutdown();
        struct hvsim_vmbus_channel_info info;
        CHECK(hvsim_vmbus_channel(host, relid, &info) && info.state == HVSIM_CHAN_CLOSED, "channel closed");
        CHECK_EQ(hvsim_vmbus_gpadl_count(host), 0);
        shutdown();
    }
}

static void test_no_version_in_common(void)
{
    netcfg.min_version = 0x00060001;
    struct hvrt_nic *nic = boot_with(true, &(struct hvrt_net_config){ .max_nvsp_version = 0x00050000 });
    CHECK(nic == NULL, "no NIC when no version is shared");
    CHECK_EQ(hvrt_net_count(), 0);
    shutdown();
}

/* ---- frames ---- */

static void test_frames_of_every_size_both_ways(void)
{
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    if (!nic) {
        shutdown();
        return;
    }
    static uint8_t f[1514], got[2048];
    uint32_t bad_tx = 0, bad_rx = 0, sent = 0;
    for (uint32_t len = 60; len <= 1514; len++) {
        fill(f, len, len);
        CHECK_EQ(send1(nic, f, len), HVRT_NET_OK);
        sent++;
        int n = hvsim_netvsc_take(dev(), got, sizeof(got));
        if (n != (int)len || memcmp(got, f, len) != 0)
            bad_tx++;
        CHECK_EQ(hvsim_netvsc_inject(dev(), f, len), 0);
        settle();
        uint32_t k = rx.count - 1;
        if (rx.count != sent || rx.length[k] != len || memcmp(rx.frame[k], f, len) != 0)
            bad_rx++;
    }
    CHECK_EQ(bad_tx, 0);
    CHECK_EQ(bad_rx, 0);
    struct hvrt_net_counters c;
    hvrt_net_get_counters(nic, &c);
    CHECK_EQ(c.tx_frames, sent);
    CHECK_EQ(c.rx_frames, sent);
    CHECK_EQ(c.tx_completed, sent);
    struct hvsim_netvsc_stats s = stats();
    CHECK_EQ(s.acks, s.rx_packets);
    CHECK_EQ(s.naks, 0);
    CHECK_EQ(s.protocol_errors, 0);
    /* Bad lengths never leave. */
    CHECK_EQ(send1(nic, f, 1515), HVRT_NET_BAD_LENGTH);
    struct hvrt_net_sg tiny = { f, 13 };
    CHECK_EQ(hvrt_net_send(nic, &tiny, 1), HVRT_NET_BAD_LENGTH);
    hvrt_net_get_counters(nic, &c);
    CHECK_EQ(c.drops[HVRT_NET_DROP_TX_BAD_LENGTH], 2);
    shutdown();
}

static void test_a_burst_shares_receive_packets(void)
{
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    static uint8_t f[600];
    if (nic)
        hvsim_netvsc_hold(dev(), true);
    for (uint32_t i = 0; nic && i < 500; i++) {
        fill(f, sizeof(f), i);
        hvsim_netvsc_inject(dev(), f, sizeof(f));
    }
    if (nic)
        hvsim_netvsc_hold(dev(), false);
    settle();
    CHECK_EQ(rx.count, 500);
    uint32_t bad = 0;
    for (uint32_t i = 0; i < rx.count && i < 500; i++) {
        fill(f, sizeof(f), i);
        bad += rx.length[i] != sizeof(f) || memcmp(rx.frame[i], f, sizeof(f)) != 0;
    }
    CHECK_EQ(bad, 0);
    struct hvsim_netvsc_stats s = stats();
    CHECK(s.rx_packets < 50, "%llu packets for 500 frames", (unsigned long long)s.rx_packets);
    CHECK_EQ(s.acks, s.rx_packets);
    shutdown();
}

static void test_large_frames_go_gpa_direct(void)
{
    netcfg.tx_section_size = 1024;   /* smaller than a full frame */
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    static uint8_t f[1514], got[2048];
    uint32_t bad = 0;
    for (uint32_t len = 900; nic && len <= 1514; len += 41) {
        fill(f, len, len);
        CHECK_EQ(send1(nic, f, len), HVRT_NET_OK);
        settle();
        int n = hvsim_netvsc_take(dev(), got, sizeof(got));
        bad += n != (int)len || memcmp(got, f, len) != 0;
    }
    CHECK_EQ(bad, 0);
    struct hvrt_net_counters c;
    if (nic)
        hvrt_net_get_counters(nic, &c);
    CHECK(nic && c.tx_gpa_direct > 0, "some frames went GPA-direct");
    CHECK(stats().tx_gpa_direct == (nic ? c.tx_gpa_direct : 0), "the host saw them so");
    CHECK_EQ(stats().protocol_errors, 0);
    shutdown();
}

/* ---- link, keepalive, reset ---- */

static void test_link_flaps(void)
{
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    static uint8_t f[100];
    fill(f, sizeof(f), 1);
    for (int i = 0; nic && i < 3; i++) {
        hvsim_netvsc_set_link(dev(), false);
        settle();
        CHECK(!hvrt_net_link_up(nic), "down");
        CHECK_EQ(send1(nic, f, sizeof(f)), HVRT_NET_LINK_DOWN);
        hvsim_netvsc_set_link(dev(), true);
        settle();
        CHECK(hvrt_net_link_up(nic), "up again");
        CHECK_EQ(send1(nic, f, sizeof(f)), HVRT_NET_OK);
    }
    CHECK_EQ(rx.link_downs, 3);
    CHECK_EQ(rx.link_ups, 3);
    if (nic)
        hvsim_netvsc_network_change(dev());
    settle();
    CHECK_EQ(rx.link_downs, 4);
    CHECK_EQ(rx.link_ups, 4);
    shutdown();
}

static void test_keepalive_and_reset(void)
{
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    if (!nic) {
        shutdown();
        return;
    }
    hvsim_netvsc_keepalive(dev());
    hvsim_netvsc_keepalive(dev());
    settle();
    CHECK_EQ(stats().keepalives_answered, 2);
    CHECK_EQ(hvrt_net_reset(nic), 0);
    CHECK_EQ(stats().resets, 1);
    CHECK_EQ(stats().filter, 0x0D);   /* set again after the addressing reset */
    static uint8_t f[64];
    fill(f, sizeof(f), 7);
    hvsim_netvsc_inject(dev(), f, sizeof(f));
    settle();
    CHECK_EQ(rx.count, 1);
    shutdown();
}

/* ---- the host's faults ---- */

static void test_rndis_init_failure_then_recovery(void)
{
    netcfg.faults.rndis_init_fails = true;
    struct hvrt_nic *nic = boot();
    CHECK(nic == NULL, "no NIC when RNDIS INITIALIZE fails");
    netcfg.faults.rndis_init_fails = false;
    CHECK_EQ(hvrt_net_rescan(), 1);   /* the guest kept running: a second look works */
    shutdown();
}

static void test_bad_ranges_and_truncated_messages(void)
{
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    if (!nic) {
        shutdown();
        return;
    }
    static uint8_t f[200];
    fill(f, sizeof(f), 3);
    struct hvsim_netvsc_faults faults = { .range_outside = 1 };
    hvsim_netvsc_set_faults(dev(), &faults);
    hvsim_netvsc_inject(dev(), f, sizeof(f));
    settle();
    faults = (struct hvsim_netvsc_faults){ .range_overlap = 1 };
    hvsim_netvsc_set_faults(dev(), &faults);
    hvsim_netvsc_inject(dev(), f, sizeof(f));
    settle();
    faults = (struct hvsim_netvsc_faults){ .truncate = 1 };
    hvsim_netvsc_set_faults(dev(), &faults);
    hvsim_netvsc_inject(dev(), f, sizeof(f));
    settle();
    CHECK_EQ(rx.count, 0);
    struct hvrt_net_counters c;
    hvrt_net_get_counters(nic, &c);
    CHECK_EQ(c.drops[HVRT_NET_DROP_RX_BAD_RANGE], 2);
    CHECK_EQ(c.drops[HVRT_NET_DROP_RX_BAD_RNDIS], 1);
    CHECK_EQ(stats().naks, 2);   /* refused packets are acknowledged with a failure */
    /* and the NIC still works */
    hvsim_netvsc_inject(dev(), f, sizeof(f));
    settle();
    CHECK_EQ(rx.count, 1);
    CHECK(rx.count == 1 && memcmp(rx.frame[0], f, sizeof(f)) == 0, "the good frame");
    shutdown();
}

static void test_a_host_that_stops_completing_sends(void)
{
    struct hvrt_nic *nic = boot_with(true, &(struct hvrt_net_config){ .send_buffer_bytes = 64 * 1024,
                                                                      .tx_queue_frames = 32 });
    CHECK(nic != NULL, "up");
    if (!nic) {
        shutdown();
        return;
    }
    struct hvsim_netvsc_faults faults = { .stop_completing_sends = true };
    hvsim_netvsc_set_faults(dev(), &faults);
    static uint8_t f[1000], got[2048];
    unsigned ok = 0, full = 0;
    for (uint32_t i = 0; i < 100; i++) {   /* 10 sections, 32 waiting, the rest refused */
        fill(f, sizeof(f), i);
        enum hvrt_net_result r = send1(nic, f, sizeof(f));
        ok += r == HVRT_NET_OK;
        full += r == HVRT_NET_QUEUE_FULL;
    }
    CHECK_EQ(ok, 10 + 32);
    CHECK_EQ(full, 100 - 42);
    struct hvrt_net_counters c;
    hvrt_net_get_counters(nic, &c);
    CHECK_EQ(c.tx_queued, 32);
    CHECK_EQ(c.drops[HVRT_NET_DROP_TX_QUEUE_FULL], 58);
    hvsim_netvsc_set_faults(dev(), &(struct hvsim_netvsc_faults){ 0 });
    settle();
    unsigned arrived = 0, bad = 0;
    int n;
    while ((n = hvsim_netvsc_take(dev(), got, sizeof(got))) > 0) {
        fill(f, sizeof(f), arrived);
        bad += n != (int)sizeof(f) || memcmp(got, f, sizeof(f)) != 0;
        arrived++;
    }
    CHECK_EQ(arrived, 42);
    CHECK_EQ(bad, 0);
    hvrt_net_get_counters(nic, &c);
    CHECK_EQ(c.tx_completed, 42);
    shutdown();
}

static void test_small_rings_lose_nothing(void)
{
    struct hvrt_nic *nic = boot_with(true, &(struct hvrt_net_config){ .ring_pages = 2 });
    CHECK(nic != NULL, "up");
    static uint8_t f[300], got[2048];
    for (uint32_t i = 0; nic && i < 400; i++) {
        fill(f, sizeof(f), i);
        CHECK_EQ(send1(nic, f, sizeof(f)), HVRT_NET_OK);
        hvsim_netvsc_inject(dev(), f, sizeof(f));
        if (i % 16 == 15)
            settle();   /* the interrupts return: dpcs take completions and frames (not at every frame: the rings must fill) */
    }
    settle();
    unsigned arrived = 0, bad = 0;
    int n;
    while (nic && (n = hvsim_netvsc_take(dev(), got, sizeof(got))) > 0) {
        fill(f, sizeof(f), arrived);
        bad += n != (int)sizeof(f) || memcmp(got, f, sizeof(f)) != 0;
        arrived++;
    }
    CHECK_EQ(arrived, 400);
    CHECK_EQ(rx.count, 400);
    CHECK_EQ(bad, 0);
    shutdown();
}

/* ---- removal and late arrival ---- */

static void test_rescind_while_frames_flow(void)
{
    struct hvrt_nic *nic = boot();
    CHECK(nic != NULL, "up");
    static uint8_t f[500];
    unsigned removed = 0;
    for (uint32_t i = 0; nic && i < 200; i++) {
        fill(f, sizeof(f), i);
        if (i == 100)
            CHECK_EQ(hvsim_vmbus_rescind(host, nic_relid()), 0);
        if (i < 100)
            hvsim_netvsc_inject(dev(), f, sizeof(f));
        removed += send1(nic, f, sizeof(f)) == HVRT_NET_REMOVED;
        hvrt_sleep_us(50);
    }
    CHECK(removed > 90, "sends after the rescind say REMOVED (%u)", removed);
    CHECK(nic && !hvrt_net_present(nic) && !hvrt_net_link_up(nic), "gone, link down");
    CHECK_EQ(hvrt_net_rescan(), 0);   /* nothing offered: the old channel is let go */
    shutdown();
}

static void test_a_nic_offered_late(void)
{
    struct hvrt_nic *nic = boot_with(false, NULL);
    CHECK(nic == NULL, "no NIC yet");
    CHECK(hvsim_vmbus_offer(host, &nic_device) != 0, "offered");
    settle();
    CHECK_EQ(hvrt_net_rescan(), 1);
    nic = hvrt_net_get(0);
    CHECK(nic != NULL && hvrt_net_link_up(nic), "found and up");
    shutdown();
}

static void test_netinfo_app(void)
{
    boot();
    CHECK_EQ(hosted_run_app("netinfo"), 0);
    shutdown();
    boot_with(false, NULL);
    CHECK_EQ(hosted_run_app("netinfo"), 1);
    shutdown();
}

int main(void)
{
    RUN_TEST(test_bring_up_at_each_nvsp_version);
    RUN_TEST(test_no_version_in_common);
    RUN_TEST(test_frames_of_every_size_both_ways);
    RUN_TEST(test_a_burst_shares_receive_packets);
    RUN_TEST(test_large_frames_go_gpa_direct);
    RUN_TEST(test_link_flaps);
    RUN_TEST(test_keepalive_and_reset);
    RUN_TEST(test_rndis_init_failure_then_recovery);
    RUN_TEST(test_bad_ranges_and_truncated_messages);
    RUN_TEST(test_a_host_that_stops_completing_sends);
    RUN_TEST(test_small_rings_lose_nothing);
    RUN_TEST(test_rescind_while_frames_flow);
    RUN_TEST(test_a_nic_offered_late);
    RUN_TEST(test_netinfo_app);
    return check_summary();
}
