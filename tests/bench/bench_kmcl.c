/* What the KMCL face costs on the data path, against the raw ring under it:
 * instructions per 64-byte packet for VmbPacketSend (guest to host) and for
 * the dispatch-level receive that calls ProcessPacket (host to guest),
 * against vmbus_ring_write_inband and vmbus_ring_read on a ring of the same
 * size with the same packets. scripts/bench.sh runs this under callgrind and
 * divides the inclusive counts of the four bench_* functions below
 * (kmcl_vs_ring_tx_64, kmcl_vs_ring_rx_64).
 *
 * The host must not run inside the measured calls (in-process, hvsim's
 * work would be counted as the guest's), so the bench plays the host on the
 * channel's rings itself: it sets the outbound ring's interrupt mask, as a
 * host busy draining does (the guest then has no reason to signal), and it
 * writes the inbound packets before the receive runs. What is left in the
 * hosted build that the image does differently: interrupts off and on, and
 * reading the clock, are calls into hvsim here and single instructions
 * there, so the KMCL figures are slightly high.
 *
 * Then the rates, timed natively (scripts/bench.sh runs it twice): packets
 * per second from the channel's interrupt to ProcessPacket, delivered by
 * the dpc (dispatch level) and by the passive worker
 * (SetIncomingProcessingAtPassive), the thread switches included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/hosted/vmbus_fixture.h"
#include "vmbus/kmcl_private.h"
#include <hvrt/vmbus.h>

#define PACKETS 2000u
#define PAYLOAD 64u
#define RING_PAGES 64u   /* 256 KiB: PACKETS of 88 bytes fit without a wrap-around wait */

static uint64_t received;

static void on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch, (void)buf, (void)flags;
    received += len >= PAYLOAD;
    VmbChannelPacketComplete(pc, NULL, 0);
}

__attribute__((noinline)) static unsigned bench_kmcl_tx(VMBPACKET p, const uint8_t *payload)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < PACKETS; i++)
        ok += VmbPacketSend(p, (PVOID)payload, PAYLOAD, NULL, 0) == STATUS_SUCCESS;
    return ok;
}

__attribute__((noinline)) static unsigned bench_ring_tx(struct vmbus_ring *r, const uint8_t *payload)
{
    unsigned ok = 0;
    bool signal;
    for (unsigned i = 0; i < PACKETS; i++)
        ok += vmbus_ring_write_inband(r, 0, false, payload, PAYLOAD, &signal) == VMBUS_RING_OK;
    return ok;
}

/* The receive as the channel's dpc runs it at dispatch level (the
 * interrupt only queues the dpc). */
__attribute__((noinline)) static void bench_kmcl_rx(VMBCHANNEL ch)
{
    /* A round delivers what the receive slots hold; completing frees them
     * and queues the dpc again, which is the next round here. */
    for (unsigned rounds = 0; received < PACKETS && rounds < PACKETS; rounds++)
        kmcl_dispatch(ch);
}

/* The raw ring's reader doing the same: read each packet, commit as due. */
__attribute__((noinline)) static unsigned bench_ring_rx(struct vmbus_ring *r, uint8_t *buf, uint32_t size)
{
    unsigned ok = 0;
    bool signal;
    struct vmbus_packet pkt;
    while (vmbus_ring_read(r, buf, size, &pkt) == VMBUS_RING_OK) {
        ok += pkt.payload_len >= PAYLOAD;
        if (vmbus_ring_commit_due(r))
            vmbus_ring_commit(r, &signal);
    }
    vmbus_ring_commit(r, &signal);
    return ok;
}

/* Writes PACKETS packets into a ring as its host-side writer. */
static void host_fill(struct vmbus_ring *guest_side, const uint8_t *payload)
{
    struct vmbus_ring w;
    bool signal;
    vmbus_ring_attach(&w, guest_side->control, guest_side->data, guest_side->size);
    for (unsigned i = 0; i < PACKETS; i++)
        vmbus_ring_write_inband(&w, i + 1, false, payload, PAYLOAD, &signal);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Packets per second from the interrupt to ProcessPacket, through the dpc
 * or the passive worker: ROUNDS ring-fulls of PACKETS packets. */
static double delivery_rate(VMBCHANNEL ch, bool passive, const uint8_t *payload)
{
    enum { ROUNDS = 200 };
    VmbChannelSetIncomingProcessingAtPassive(ch, passive);
    uint64_t want = received;
    double t0 = now_s();
    for (int r = 0; r < ROUNDS; r++) {
        host_fill(&ch->core.in, payload);
        want += PACKETS;
        kmcl_on_readable(&ch->core, ch);   /* what the channel's interrupt does */
        for (int spins = 0; received < want && spins < 1000; spins++)
            hosted_run_deferred();
    }
    double t = now_s() - t0;
    return received == want ? ROUNDS * PACKETS / t : 0;
}

int main(int argc, char **argv)
{
    bool rates = argc > 1 && strcmp(argv[1], "--rates") == 0;
    static const struct hvsim_vmbus_device sink = { .model = HVSIM_VMBUS_SINK };
    static const struct vmbus_guid sink_class = FIXTURE_CLASS_SINK;
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &sink, 1, 64);
    VMBCHANNEL ch;
    if (host == NULL || VmbChannelAllocate(NULL, FALSE, &ch) != STATUS_SUCCESS)
        return 1;
    VmbClientChannelInitSetTargetPnp(ch, (const GUID *)&sink_class, NULL, NULL);
    VmbClientChannelInitSetRingBufferPageCount(ch, RING_PAGES, RING_PAGES);
    VmbChannelInitSetProcessPacketCallbacks(ch, on_packet, NULL);
    if (VmbChannelEnable(ch) != STATUS_SUCCESS || HvrtChannelWaitOpened(ch, 10000) != STATUS_SUCCESS)
        return 1;
    uint8_t payload[PAYLOAD] = { 1 };
    struct { uint8_t bytes[256]; } storage;
    VMBPACKET p = (VMBPACKET)&storage;
    VmbPacketInitialize(ch, p, sizeof(storage));

    /* Guest to host: the host "busy" (mask set), so nothing signals. */
    ch->core.out.control->interrupt_mask = 1;
    unsigned kmcl_tx = bench_kmcl_tx(p, payload);
    uint32_t data_bytes = (RING_PAGES - 1) * 4096;
    uint8_t *mem = aligned_alloc(4096, 4096 + data_bytes), *buf = malloc(4096);
    struct vmbus_ring raw;
    vmbus_ring_init(&raw, mem, mem + 4096, data_bytes);
    unsigned ring_tx = bench_ring_tx(&raw, payload);

    /* Host to guest: the same packets waiting in both rings. */
    host_fill(&ch->core.in, payload);
    bench_kmcl_rx(ch);
    vmbus_ring_init(&raw, mem, mem + 4096, data_bytes);
    host_fill(&raw, payload);
    unsigned ring_rx = bench_ring_rx(&raw, buf, 4096);

    printf("packets %u\n", PACKETS);
    int bad = kmcl_tx != PACKETS || ring_tx != PACKETS || received != PACKETS || ring_rx != PACKETS;
    if (rates && !bad) {
        double dispatch = delivery_rate(ch, false, payload), passive = delivery_rate(ch, true, payload);
        printf("kmcl_rx_pps_dispatch_64 %.0f\nkmcl_rx_pps_passive_64 %.0f\n", dispatch, passive);
        bad = dispatch == 0 || passive == 0;
    }
    if (bad)
        fprintf(stderr, "bench_kmcl: sent %u/%u, received %llu/%u of %u\n", kmcl_tx, ring_tx,
                (unsigned long long)received, ring_rx, PACKETS);
    VmbChannelCleanup(ch);
    free(mem);
    free(buf);
    fixture_stop(host);
    return bad;
}
