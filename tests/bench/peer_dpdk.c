/* DPDK's ring (drivers/bus/vmbus/vmbus_bufring.c, compiled from build/dpdk
 * with dpdk_shim/) behind the benchmark's peer interface. The send and
 * receive here are ours: they do what a DPDK channel's send and receive do
 * around the ring calls, so the comparison covers the same work as hvrt's
 * vmbus_ring_write and vmbus_ring_read:
 *  - send: descriptor, payload and zero padding to 8 as one gather list to
 *    vmbus_txbr_write (which adds the trailer and tells whether to signal);
 *  - receive: peek the 16-byte descriptor, check its header and total
 *    lengths (header at least the descriptor, not past the total, payload
 *    within the caller's buffer), vmbus_rxbr_read the payload (which skips
 *    the header and the trailer and publishes the read index), then the
 *    reader's side of flow control: if the writer set pending-send-size,
 *    whether this read unblocked it (a full barrier first, as DPDK does). */
#include <string.h>
#include <sys/uio.h>

#include "rte_shim.h"
#include "private.h"
#include "tests/bench/peer.h"

static void dpdk_setup(void *block, uint32_t data_size)
{
    (void)data_size;
    memset(block, 0, 4096);
    ((struct vmbus_bufring *)block)->feature_bits.value = 1;   /* pending send size */
}

static void dpdk_open(void *state, void *block, uint32_t data_size)
{
    vmbus_br_setup(state, block, data_size + 4096);
}

__attribute__((noinline)) static bool dpdk_peer_send(void *state, const void *payload,
                                                     uint32_t len, uint64_t id)
{
    static const uint8_t zeros[8];
    uint32_t padded = (len + 7) & ~7u;
    struct vmbus_chanpkt_hdr hdr = {
        .type = VMBUS_CHANPKT_TYPE_INBAND,
        .hlen = sizeof(hdr) / 8,
        .tlen = (uint16_t)((sizeof(hdr) + padded) / 8),
        .flags = 0,
        .xactid = id,
    };
    struct iovec iov[3] = {
        { &hdr, sizeof(hdr) },
        { (void *)payload, len },
        { (void *)zeros, padded - len },
    };
    bool signal = false;
    return vmbus_txbr_write(state, iov, 3, &signal) == 0;
}

/* The reader's half of flow control after consuming `bytes`. */
static bool writer_unblocked(const struct vmbus_br *rbr, uint32_t bytes)
{
    if (!rbr->vbr->feature_bits.feat_pending_send_sz)
        return false;
    rte_smp_mb();
    uint32_t pending = rbr->vbr->pending_send;
    if (pending == 0)
        return false;
    rte_smp_rmb();
    uint32_t room = vmbus_br_availwrite(rbr, rbr->vbr->windex);
    return room - bytes <= pending && room > pending;
}

__attribute__((noinline)) static int dpdk_peer_recv(void *state, void *buf, uint32_t buf_size,
                                                    const uint8_t **payload, uint64_t *id)
{
    struct vmbus_br *rbr = state;
    struct vmbus_chanpkt_hdr hdr;
    if (vmbus_rxbr_peek(rbr, &hdr, sizeof(hdr)) != 0)
        return 0;
    if (hdr.hlen < VMBUS_CHANPKT_HLEN_MIN || hdr.hlen > hdr.tlen)
        return -1;
    uint32_t hlen = (uint32_t)hdr.hlen * 8;
    uint32_t dlen = (uint32_t)hdr.tlen * 8 - hlen;
    uint8_t *dst = (uint8_t *)buf + PEER_HEADROOM;
    if (dlen > buf_size - PEER_HEADROOM)
        return -1;
    if (vmbus_rxbr_read(rbr, dst, dlen, hlen) != 0)
        return -1;
    (void)writer_unblocked(rbr, dlen + hlen + 8);
    *payload = dst;
    *id = hdr.xactid;
    return (int)dlen;
}

static void dpdk_idle(void *state)
{
    (void)state;
}

const struct peer peer_dpdk = {
    .name = "dpdk",
    .available = true,
    .setup = dpdk_setup,
    .state_size = sizeof(struct vmbus_br),
    .open_writer = dpdk_open,
    .open_reader = dpdk_open,
    .send = dpdk_peer_send,
    .recv = dpdk_peer_recv,
    .idle = dpdk_idle,
};
