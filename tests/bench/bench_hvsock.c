/* hv_sock's throughput, hosted: the driver and KMCL built optimised, one
 * connection to hvsim's hv_sock host (6-page rings, the driver's 4088-byte
 * packets out, the host's 16384-byte packets in), and beside it the ring
 * itself in the same run: the same packets written and read through a
 * vmbus/ring.c pair in memory, which no hv_sock can beat. Prints "key
 * value" lines for scripts/bench.sh:
 *   hvsock_mbps_4k_tx, hvsock_mbps_64k_tx   guest writes of 4 KiB / 64 KiB to a host sink
 *   hvsock_mbps_4k_rx, hvsock_mbps_64k_rx   guest reads of 4 KiB / 64 KiB, the host writing
 *   hvsock_ring_mbps_4k                     4088-byte pipe packets through a 24 KiB ring
 * MB is 10^6 bytes; times are wall-clock (the hosted platform's virtual
 * clock does not count). Anchor (devices.md 3.7): Linux's hv_sock to a
 * Windows host, default buffers, 4 KB writes: about 480 MB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hvrt/hvsock.h>
#include <hvrt/runtime.h>
#include "tests/hosted/hosted.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_hvsock.h"
#include "vmbus/ring.h"

#define SECONDS 1.0

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t sunk;
static void sink(void *ctx, const uint8_t *data, uint32_t len)
{
    (void)ctx, (void)data;
    sunk += len;
}

static double tx_mbps(hvsock_t *s, struct hvsim_hvsock *hs, uint32_t id, size_t size)
{
    static uint8_t buf[65536];
    hvsim_hvsock_set_sink(hs, id, sink, NULL);
    sunk = 0;
    double start = now_s(), t;
    while ((t = now_s()) - start < SECONDS)
        for (int i = 0; i < 16; i++)
            if (hvsock_write(s, buf, size, 1000) != (ssize_t)size)
                return 0;
    return sunk / (t - start) / 1e6;
}

static double rx_mbps(hvsock_t *s, struct hvsim_hvsock *hs, uint32_t id, size_t size)
{
    static uint8_t src[65536], buf[65536];
    uint64_t got = 0;
    double start = now_s(), t;
    while ((t = now_s()) - start < SECONDS)
        for (int i = 0; i < 16; i++) {
            hvsim_hvsock_write(hs, id, src, sizeof(src));
            ssize_t n = hvsock_read(s, buf, size, 1000);
            if (n <= 0)
                return 0;
            got += (uint64_t)n;
        }
    return got / (t - start) / 1e6;
}

/* The limit: 4088-byte pipe packets through a 6-page ring and back out,
 * one copy in and one out, as every hv_sock byte takes. */
static double ring_mbps(void)
{
    enum { DATA = 6 * 4096 };
    static uint8_t ctl[4096] __attribute__((aligned(4096))), data[DATA] __attribute__((aligned(4096)));
    static uint8_t pkt[8 + 4088], out[8 + 4088 + 64];
    struct vmbus_ring w, r;
    vmbus_ring_init(&w, ctl, data, DATA);
    vmbus_ring_attach(&r, ctl, data, DATA);
    uint32_t len = vmbus_pipe_build(pkt, sizeof(pkt), VMBUS_PIPE_DATA, out, 4088);
    uint64_t bytes = 0;
    double start = now_s(), t;
    while ((t = now_s()) - start < SECONDS)
        for (int i = 0; i < 1024; i++) {
            bool sig;
            struct vmbus_packet p;
            if (vmbus_ring_write_inband(&w, 0, false, pkt, len, &sig) != VMBUS_RING_OK ||
                vmbus_ring_read(&r, out, sizeof(out), &p) != VMBUS_RING_OK)
                return 0;
            vmbus_ring_commit(&r, &sig);
            bytes += 4088;
        }
    return bytes / (t - start) / 1e6;
}

int main(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    struct hvsim_vmbus *vb = fixture_start_config(&vc, 64);
    struct hvsim_hvsock_config hc = { .write_chunk = 16384 };
    struct hvsim_hvsock *hs = vb ? hvsim_hvsock_create(hosted_sim(), vb, &hc) : NULL;
    struct hvsim_guid h = hvsim_hvsock_port_service(5000);
    GUID svc;
    hvsock_port_service(5000, &svc);
    hvsock_t *s = NULL;
    uint32_t id = 0;
    if (hs) {
        hvsim_hvsock_listen(hs, &h);
        s = hvsock_connect(&svc, 1000);
        id = hvsim_hvsock_accept(hs, &h);
    }
    if (!s || !id) {
        fprintf(stderr, "bench_hvsock: no connection\n");
        return 1;
    }
    printf("hvsock_mbps_4k_tx %.0f\n", tx_mbps(s, hs, id, 4096));
    printf("hvsock_mbps_64k_tx %.0f\n", tx_mbps(s, hs, id, 65536));
    hvsim_hvsock_set_sink(hs, id, NULL, NULL);
    printf("hvsock_mbps_4k_rx %.0f\n", rx_mbps(s, hs, id, 4096));
    printf("hvsock_mbps_64k_rx %.0f\n", rx_mbps(s, hs, id, 65536));
    printf("hvsock_ring_mbps_4k %.0f\n", ring_mbps());
    return 0;
}
