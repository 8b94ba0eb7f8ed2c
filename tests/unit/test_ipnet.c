/* lwIP over the synthetic NIC (net/netif_nic.c and the `net` service),
 * hosted against hvsim's netvsc host with its in-process port: the test
 * plays the peer on the wire, frame by frame. A static address from the
 * command line's --ip=; the guest answers ARP and ping, its TCP SYN reaches
 * the peer and the peer's RST refuses it, and frames the host delivers while the netrx thread is
 * behind are neither lost (up to the ring) nor corrupted. No root needed;
 * test_ipnet_tap.c has the real Linux peer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/ipnet.h>
#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_netvsc.h"
#include "lib/thread.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/ip.h"
#include "lwip/sockets.h"
#include "net/net_private.h"

static struct hvsim_vmbus *host;
static struct hvsim_netvsc_config netcfg;
static struct hvsim_vmbus_device nic_device = { .model = HVSIM_VMBUS_NETVSC, .netvsc = &netcfg };
static uint8_t guest_mac[6];
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
static const uint8_t guest_ip[4] = { 10, 78, 0, 2 }, peer_ip[4] = { 10, 78, 0, 1 };

extern const struct hvrt_option __start_hvrt_options[], __stop_hvrt_options[];

static int set_option(const char *name, const char *value)
{
    for (const struct hvrt_option *o = __start_hvrt_options; o < __stop_hvrt_options; o++)
        if (strcmp(o->name, name) == 0)
            return o->parse(value);
    return -2;
}

static int start_service(const char *name)
{
    for (unsigned i = 0; i < hvrt_service_count(); i++)
        if (strcmp(hvrt_service_at(i)->name, name) == 0)
            return hvrt_service_at(i)->start();
    return -2;
}

static struct hvsim_netvsc *dev(void)
{
    for (uint32_t relid = 1; relid < 64; relid++) {
        struct hvsim_vmbus_channel_info info;
        if (hvsim_vmbus_channel(host, relid, &info) && info.model == HVSIM_VMBUS_NETVSC)
            return hvsim_netvsc_get(host, relid);
    }
    return NULL;
}

/* The next frame the guest sent with this EtherType, within ms of guest
 * time; its length, or -1. */
static int take_frame(uint16_t ethertype, uint8_t *buf, uint32_t size, unsigned ms)
{
    for (unsigned t = 0; t <= ms; t++) {
        int n;
        while ((n = hvsim_netvsc_take(dev(), buf, size)) >= 0)
            if (n >= 14 && buf[12] == ethertype >> 8 && buf[13] == (ethertype & 0xff))
                return n;
        hvrt_sleep_us(1000);
    }
    return -1;
}

static void ether(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
}

static void test_guest_answers_arp(void)
{
    uint8_t f[60] = { 0 };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    ether(f, bcast, 0x0806);
    static const uint8_t head[] = { 0, 1, 0x08, 0x00, 6, 4, 0, 1 };
    memcpy(f + 14, head, sizeof(head));
    memcpy(f + 22, peer_mac, 6);
    memcpy(f + 28, peer_ip, 4);
    memcpy(f + 38, guest_ip, 4);
    CHECK_EQ(hvsim_netvsc_inject(dev(), f, sizeof(f)), 0);
    uint8_t r[1600];
    int n;
    do   /* (the guest's own announcements and requests may come first) */
        n = take_frame(0x0806, r, sizeof(r), 200);
    while (n >= 42 && r[21] != 2);
    CHECK(n >= 42, "an ARP reply came back (%d)", n);
    if (n >= 42) {
        CHECK(memcmp(r, peer_mac, 6) == 0, "to the asker");
        CHECK_EQ(r[21], 2);   /* a reply */
        CHECK(memcmp(r + 22, guest_mac, 6) == 0 && memcmp(r + 28, guest_ip, 4) == 0, "the guest's MAC for its IP");
    }
}

/* An IPv4 header + ICMP echo request of payload bytes, peer -> guest. */
static uint32_t echo_request(uint8_t *f, uint16_t seq, uint32_t payload)
{
    ether(f, guest_mac, 0x0800);
    uint8_t *ip = f + 14, *icmp = ip + 20;
    uint16_t total = (uint16_t)(20 + 8 + payload);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8), ip[3] = (uint8_t)total;
    ip[8] = 64, ip[9] = 1;
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, guest_ip, 4);
    uint16_t c = inet_chksum(ip, 20);
    memcpy(ip + 10, &c, 2);
    memset(icmp, 0, 8);
    icmp[0] = 8;
    icmp[4] = 0x12, icmp[5] = 0x34;
    icmp[6] = (uint8_t)(seq >> 8), icmp[7] = (uint8_t)seq;
    for (uint32_t i = 0; i < payload; i++)
        icmp[8 + i] = (uint8_t)(i * 7 + seq);
    c = inet_chksum(icmp, (uint16_t)(8 + payload));
    memcpy(icmp + 2, &c, 2);
    return 14 + total;
}

/* The reply must carry the request's id, sequence and payload, with
 * checksums that verify. */
static bool is_echo_reply(const uint8_t *r, int n, const uint8_t *req, uint32_t len)
{
    if (n < (int)len || memcmp(r, peer_mac, 6) != 0)
        return false;
    const uint8_t *ip = r + 14, *icmp = ip + 20;
    return ip[9] == 1 && memcmp(ip + 12, guest_ip, 4) == 0 && memcmp(ip + 16, peer_ip, 4) == 0 &&
           inet_chksum(ip, 20) == 0 && icmp[0] == 0 && memcmp(icmp + 4, req + 14 + 20 + 4, 4) == 0 &&
           memcmp(icmp + 8, req + 14 + 28, len - 14 - 28) == 0 && inet_chksum(icmp, (uint16_t)(len - 14 - 20)) == 0;
}

static void test_guest_answers_ping(void)
{
    static uint8_t f[1514], r[1600];
    uint32_t sizes[] = { 0, 56, 1472 };
    for (unsigned i = 0; i < 3; i++) {
        uint32_t len = echo_request(f, (uint16_t)(i + 1), sizes[i]);
        CHECK_EQ(hvsim_netvsc_inject(dev(), f, len), 0);
        int n = take_frame(0x0800, r, sizeof(r), 200);
        CHECK(is_echo_reply(r, n, f, len), "echo reply %u (%u bytes of payload): %d bytes", i, sizes[i], n);
    }
}

/* 100 requests delivered at once, several to a host packet: all answered,
 * each intact (the ring holds 256). */
static void test_a_burst_is_answered_whole(void)
{
    enum { BURST = 100 };
    static uint8_t f[BURST][200], r[1600];
    static uint32_t len[BURST];
    bool answered[BURST] = { false };
    hvsim_netvsc_hold(dev(), true);
    for (unsigned i = 0; i < BURST; i++) {
        len[i] = echo_request(f[i], (uint16_t)(100 + i), 100);
        CHECK_EQ(hvsim_netvsc_inject(dev(), f[i], len[i]), 0);
    }
    hvsim_netvsc_hold(dev(), false);
    int n, good = 0;
    while ((n = take_frame(0x0800, r, sizeof(r), 300)) > 0) {
        unsigned seq = (unsigned)(r[14 + 20 + 6] << 8 | r[14 + 20 + 7]) - 100;
        if (seq < BURST && !answered[seq] && is_echo_reply(r, n, f[seq], len[seq])) {
            answered[seq] = true;
            good++;
        }
    }
    CHECK_EQ(good, BURST);
    CHECK_EQ(net_rx_no_buffer(0), 0);
}

/* A socket connect from the guest: the SYN leaves with the peer's MAC
 * (learnt from the ARP above) and a valid checksum; a RST answers it and
 * connect fails with ECONNREFUSED. */
static volatile int connect_result, connect_errno;
static void connector(void *arg)
{
    (void)arg;
    int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_len = sizeof(a), .sin_family = AF_INET, .sin_port = lwip_htons(9) };
    memcpy(&a.sin_addr, peer_ip, 4);
    connect_result = lwip_connect(s, (struct sockaddr *)&a, sizeof(a));
    connect_errno = errno;
    lwip_close(s);
}

static void test_guest_connect_refused_by_peer(void)
{
    connect_result = 1;
    struct thread *t = thread_create("connector", connector, NULL, 0);
    uint8_t r[1600];
    int n;
    do
        n = take_frame(0x0800, r, sizeof(r), 500);
    while (n > 0 && r[14 + 9] != 6);
    CHECK(n >= 54 && r[14 + 9] == 6, "a TCP segment left (%d)", n);
    if (n >= 54 && r[14 + 9] == 6) {
        const uint8_t *tcp = r + 14 + 20;
        CHECK_EQ(tcp[13] & 0x12, 0x02);   /* SYN, no ACK */
        CHECK(memcmp(r, peer_mac, 6) == 0, "to the peer's MAC");
        /* RST+ACK: ack = their seq + 1. */
        uint8_t f[60] = { 0 };
        ether(f, guest_mac, 0x0800);
        uint8_t *ip = f + 14, *t2 = ip + 20;
        ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = 6;
        memcpy(ip + 12, peer_ip, 4);
        memcpy(ip + 16, guest_ip, 4);
        uint16_t c = inet_chksum(ip, 20);
        memcpy(ip + 10, &c, 2);
        memcpy(t2, tcp + 2, 2);
        memcpy(t2 + 2, tcp, 2);
        uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
        seq++;
        t2[8] = (uint8_t)(seq >> 24), t2[9] = (uint8_t)(seq >> 16), t2[10] = (uint8_t)(seq >> 8), t2[11] = (uint8_t)seq;
        t2[12] = 0x50, t2[13] = 0x14;
        ip_addr_t src, dst;
        IP_ADDR4(&src, 10, 78, 0, 1);
        IP_ADDR4(&dst, 10, 78, 0, 2);
        struct pbuf *p = pbuf_alloc(PBUF_RAW, 20, PBUF_RAM);
        pbuf_take(p, t2, 20);
        c = ip_chksum_pseudo(p, IP_PROTO_TCP, 20, &src, &dst);
        pbuf_free(p);
        memcpy(t2 + 16, &c, 2);
        CHECK_EQ(hvsim_netvsc_inject(dev(), f, 54), 0);
    }
    thread_join(t);
    CHECK_EQ(connect_result, -1);
    /* lwIP reports a RST to its SYN as ECONNRESET where Linux says ECONNREFUSED. */
    CHECK(connect_errno == ECONNRESET || connect_errno == ECONNREFUSED, "errno %d", connect_errno);
}

static void test_interface_reported(void)
{
    struct hvrt_ipnet_info info;
    CHECK_EQ(hvrt_ipnet_wait_address(1000, &info), 0);
    CHECK(memcmp(&info.address, guest_ip, 4) == 0, "the --ip= address");
    CHECK_EQ(lwip_ntohl(info.netmask), 0xffffff00u);
    CHECK(memcmp(&info.gateway, peer_ip, 4) == 0, "the --gateway= address");
    CHECK(!info.dhcp, "static, not DHCP");
    CHECK(info.up && info.link_up, "up, with link");
}

static void run_all(void *arg)
{
    (void)arg;
    CHECK_EQ(set_option("ip", "10.78.0.2/24"), 0);
    CHECK_EQ(set_option("gateway", "10.78.0.1"), 0);
    CHECK_EQ(start_service("net"), 0);
    struct hvrt_nic *nic = hvrt_net_get(0);
    CHECK(nic != NULL, "the NIC is up");
    if (nic == NULL)
        return;
    hvrt_net_mac(nic, guest_mac);
    RUN_TEST(test_interface_reported);
    RUN_TEST(test_guest_answers_arp);
    RUN_TEST(test_guest_answers_ping);
    RUN_TEST(test_a_burst_is_answered_whole);
    RUN_TEST(test_guest_connect_refused_by_peer);
}

int main(void)
{
    host = fixture_start(HVSIM_VMBUS_HYPERV, &nic_device, 1, 48);
    if (host == NULL)
        return 1;
    struct thread *t = thread_create("test", run_all, NULL, 256 * 1024);
    thread_join(t);
    return check_summary();
}
