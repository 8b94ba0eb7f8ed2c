/* Frames through the synthetic NIC, hosted: the driver (drivers/netvsc)
 * against hvsim's netvsc host with its in-process port, one thread (the
 * host runs inside the guest's signals, as hvsim does). Guest to host (tx):
 * frames sent with hvrt_net_send until the host's sink has them all; host
 * to guest (rx): frames injected in bursts until the guest's callback has
 * them all. Beside them, in the same run, the ring alone (vmbus/ring.c)
 * carrying packets of the same sizes, written and read by one thread: the
 * limit the NIC's figures are to be read against. Prints "key value" lines
 * for scripts/bench.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_netvsc.h"
#include "vmbus/ring.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t sunk, sunk_bytes, received;

static void sink(void *ctx, const uint8_t *frame, uint32_t length)
{
    (void)ctx, (void)frame;
    sunk++;
    sunk_bytes += length;
}

static void on_receive(void *ctx, struct hvrt_nic *nic, const void *frame, uint32_t length)
{
    (void)ctx, (void)nic, (void)frame, (void)length;
    received++;
}

static struct hvsim_vmbus *host;

static struct hvsim_netvsc *device(void)
{
    for (uint32_t relid = 1; relid < 64; relid++) {
        struct hvsim_netvsc *d = hvsim_netvsc_get(host, relid);
        if (d)
            return d;
    }
    return NULL;
}

static double tx_seconds(struct hvrt_nic *nic, uint32_t size, uint64_t frames)
{
    static uint8_t frame[1514];
    memset(frame, 0x5a, sizeof(frame));
    struct hvrt_net_sg sg = { frame, size };
    uint64_t start_count = sunk;
    double start = now_s();
    for (uint64_t i = 0; i < frames; i++)
        while (hvrt_net_send(nic, &sg, 1) == HVRT_NET_QUEUE_FULL)
            hvrt_sleep_us(1);
    while (sunk - start_count < frames)
        hvrt_sleep_us(1);
    return now_s() - start;
}

static double rx_seconds(struct hvsim_netvsc *dev, uint32_t size, uint64_t frames)
{
    static uint8_t frame[1514];
    memset(frame, 0xa5, sizeof(frame));
    uint64_t start_count = received;
    double start = now_s();
    for (uint64_t i = 0; i < frames; i += 256) {
        hvsim_netvsc_hold(dev, true);
        for (uint64_t k = i; k < frames && k < i + 256; k++)
            hvsim_netvsc_inject(dev, frame, size);
        hvsim_netvsc_hold(dev, false);
        while (received - start_count < (i + 256 < frames ? i + 256 : frames))
            hvrt_sleep_us(1);
    }
    return now_s() - start;
}

/* The ring alone: one thread writes a packet of size bytes and reads it
 * back, as the NIC's packets cross it (NVSP header and RNDIS header with
 * the frame: a transfer page or a send section carries the frame itself,
 * but this is the copy-through-the-ring limit). */
static double ring_pps(uint32_t size, uint64_t packets)
{
    static uint8_t control[2][4096] __attribute__((aligned(4096)));
    uint32_t bytes = 1u << 20;
    uint8_t *data = aligned_alloc(4096, bytes), *buf = malloc(size + 64), *payload = calloc(1, size);
    struct vmbus_ring w, r;
    vmbus_ring_init(&w, control[0], data, bytes);
    vmbus_ring_attach(&r, control[0], data, bytes);
    (void)control[1];
    double start = now_s();
    for (uint64_t i = 0; i < packets; i++) {
        bool signal;
        struct vmbus_packet pkt;
        vmbus_ring_write_inband(&w, i + 1, false, payload, size, &signal);
        vmbus_ring_read(&r, buf, size + 64, &pkt);
        if ((i & 63) == 63)
            vmbus_ring_commit(&r, &signal);
    }
    double e = now_s() - start;
    free(data);
    free(buf);
    free(payload);
    return packets / e;
}

int main(void)
{
    static struct hvsim_vmbus_device nic_device = { .model = HVSIM_VMBUS_NETVSC };
    host = fixture_start(HVSIM_VMBUS_HYPERV, &nic_device, 1, 48);
    struct hvrt_nic *nic = host && hvrt_net_count() == 1 ? hvrt_net_get(0) : NULL;
    struct hvsim_netvsc *dev = nic ? device() : NULL;
    if (!dev) {
        fprintf(stderr, "bench_netvsc: no NIC came up\n");
        return 1;
    }
    struct hvrt_net_callbacks cb = { on_receive, NULL, NULL };
    hvrt_net_set_callbacks(nic, &cb);
    hvsim_netvsc_set_sink(dev, sink, NULL);
    static const uint32_t sizes[] = { 64, 1514 };
    for (int i = 0; i < 2; i++) {
        uint32_t s = sizes[i];
        uint64_t n = s == 64 ? 400000 : 200000;
        double tx = tx_seconds(nic, s, n), rx = rx_seconds(dev, s, n);
        printf("netvsc_fps_%u_tx %.0f\n", s, n / tx);
        printf("netvsc_fps_%u_rx %.0f\n", s, n / rx);
        if (s == 1514) {
            printf("netvsc_gbps_1514_tx %.3f\n", n * s * 8 / tx / 1e9);
            printf("netvsc_gbps_1514_rx %.3f\n", n * s * 8 / rx / 1e9);
        }
        double ring = ring_pps(s + 44, n * 4);
        printf("netvsc_ring_pps_%u %.0f\n", s, ring);
        if (s == 1514)
            printf("netvsc_ring_gbps_1514 %.3f\n", ring * s * 8 / 1e9);
    }
    struct hvrt_net_counters c;
    hvrt_net_get_counters(nic, &c);
    uint64_t drops = 0;
    for (int d = 0; d < HVRT_NET_DROP_COUNT; d++)
        drops += c.drops[d];
    if (drops != 0)
        fprintf(stderr, "bench_netvsc: %llu frames dropped\n", (unsigned long long)drops);
    hvrt_net_shutdown();
    fixture_stop(host);
    return drops != 0;
}
