/* The synthetic NIC with a real Linux stack as its peer: hvsim's netvsc
 * host on a TAP device that this test moves into a network namespace it
 * creates (and deletes), with 10.77.0.1/24 on it. The guest driver sends an
 * ARP request for 10.77.0.1 and must get Linux's ARP reply. No traffic
 * leaves the namespace. Needs root and /dev/net/tun: without them it says
 * so and skips. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_netvsc.h"

static char ns[32], tap[16];
static int arp_replies;
static uint8_t guest_mac[6];

static int sh(const char *fmt, const char *a, const char *b)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), fmt, a, b);
    int rc = system(cmd);
    if (rc != 0)
        printf("    command failed (%d): %s\n", rc, cmd);
    return rc;
}

static const char *why_skip(void)
{
    if (geteuid() != 0)
        return "not root";
    if (access("/dev/net/tun", R_OK | W_OK) != 0)
        return "no /dev/net/tun";
    if (system("ip netns list > /dev/null 2>&1") != 0)
        return "no ip netns (iproute2)";
    return NULL;
}

/* An ARP reply from 10.77.0.1 to the guest's MAC. */
static void on_receive(void *ctx, struct hvrt_nic *nic, const void *frame, uint32_t length)
{
    (void)ctx, (void)nic;
    const uint8_t *f = frame;
    static const uint8_t peer_ip[4] = { 10, 77, 0, 1 };
    if (length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
        memcmp(f + 28, peer_ip, 4) == 0 && memcmp(f + 32, guest_mac, 6) == 0 && memcmp(f, guest_mac, 6) == 0)
        arp_replies++;
}

static void arp_request(uint8_t *f, const uint8_t mac[6])
{
    static const uint8_t head[] = { 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1 };
    memset(f, 0, 60);
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    memcpy(f + 12, head, sizeof(head));
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, (uint8_t[]){ 10, 77, 0, 2 }, 4);   /* sender: the guest */
    memcpy(f + 38, (uint8_t[]){ 10, 77, 0, 1 }, 4);   /* target: Linux */
}

static void test_linux_answers_the_guests_arp(void)
{
    const char *skip = why_skip();
    if (skip) {
        printf("skip test_linux_answers_the_guests_arp: %s\n", skip);
        return;
    }
    snprintf(ns, sizeof(ns), "hvrtnv%d", (int)getpid());
    snprintf(tap, sizeof(tap), "hvtap%d", (int)(getpid() % 100000));
    CHECK_EQ(sh("ip netns add %s%s", ns, ""), 0);
    int fd = hvsim_tap_open(tap);
    CHECK(fd > 0, "TAP %s opened", tap);
    CHECK_EQ(sh("ip link set %s netns %s", tap, ns), 0);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "ip netns exec %s ip addr add 10.77.0.1/24 dev %%s%%s", ns);
    CHECK_EQ(sh(cmd, tap, ""), 0);
    snprintf(cmd, sizeof(cmd), "ip netns exec %s ip link set %%s up%%s", ns);
    CHECK_EQ(sh(cmd, tap, ""), 0);

    struct hvsim_netvsc_config netcfg = { .tap_fd = fd };
    struct hvsim_vmbus_device nic_device = { .model = HVSIM_VMBUS_NETVSC, .netvsc = &netcfg };
    struct hvsim_vmbus *host = fd > 0 ? fixture_start(HVSIM_VMBUS_HYPERV, &nic_device, 1, 48) : NULL;
    struct hvrt_nic *nic = host && hvrt_net_count() == 1 ? hvrt_net_get(0) : NULL;
    CHECK(nic != NULL, "the NIC came up on the TAP backend");
    if (nic) {
        struct hvrt_net_callbacks cb = { on_receive, NULL, NULL };
        hvrt_net_set_callbacks(nic, &cb);
        hvrt_net_mac(nic, guest_mac);
        uint8_t f[60];
        arp_request(f, guest_mac);
        struct hvrt_net_sg sg = { f, sizeof(f) };
        /* Linux answers in real time; the guest's clock is virtual: wait on both. */
        for (int tries = 0; tries < 2000 && arp_replies == 0; tries++) {
            if (tries % 200 == 0)
                CHECK_EQ(hvrt_net_send(nic, &sg, 1), HVRT_NET_OK);
            hvrt_sleep_us(1000);
            nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
        }
        CHECK(arp_replies > 0, "Linux's ARP reply for 10.77.0.1 reached the guest");
        hvrt_net_shutdown();
    }
    if (host)
        fixture_stop(host);
    if (fd > 0)
        close(fd);   /* a TAP nobody holds goes away */
    CHECK_EQ(sh("ip netns del %s%s", ns, ""), 0);   /* the TAP inside goes with it */
}

int main(void)
{
    RUN_TEST(test_linux_answers_the_guests_arp);
    return check_summary();
}
