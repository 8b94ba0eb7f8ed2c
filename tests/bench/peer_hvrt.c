/* hvrt's ring (vmbus/ring.c) behind the benchmark's peer interface: the
 * calls a channel makes, nothing more. The reader commits when a quarter
 * of the ring is consumed and when it finds the ring empty, as the
 * channel's receive loop does. */
#include <string.h>

#include "tests/bench/peer.h"
#include "vmbus/ring.h"

static void hvrt_setup(void *block, uint32_t data_size)
{
    struct vmbus_ring r;
    vmbus_ring_init(&r, block, (uint8_t *)block + VMBUS_RING_CONTROL_SIZE, data_size);
}

static void hvrt_open(void *state, void *block, uint32_t data_size)
{
    vmbus_ring_attach(state, block, (uint8_t *)block + VMBUS_RING_CONTROL_SIZE, data_size);
}

static void hvrt_open_reader(void *state, void *block, uint32_t data_size)
{
    hvrt_open(state, block, data_size);
    vmbus_ring_mask_interrupts(state);  /* a polling reader */
}

/* noinline: bench_instr counts instructions per packet by these names. */
__attribute__((noinline)) static bool hvrt_peer_send(void *state, const void *payload,
                                                     uint32_t len, uint64_t id)
{
    bool signal;
    return vmbus_ring_write_inband(state, id, false, payload, len, &signal) == VMBUS_RING_OK;
}

__attribute__((noinline)) static int hvrt_peer_recv(void *state, void *buf, uint32_t buf_size,
                                                    const uint8_t **payload, uint64_t *id)
{
    struct vmbus_ring *r = state;
    struct vmbus_packet pkt;
    bool signal;
    uint32_t skip = PEER_HEADROOM - sizeof(struct vmbus_packet_desc);
    enum vmbus_ring_result res = vmbus_ring_read(r, (uint8_t *)buf + skip, buf_size - skip, &pkt);
    if (res == VMBUS_RING_EMPTY)
        return 0;
    if (res != VMBUS_RING_OK)
        return -1;
    if (vmbus_ring_commit_due(r))
        vmbus_ring_commit(r, &signal);
    *payload = pkt.payload;
    *id = pkt.transaction_id;
    return (int)pkt.payload_len;
}

static void hvrt_idle(void *state)
{
    bool signal;
    vmbus_ring_commit(state, &signal);
}

const struct peer peer_hvrt = {
    .name = "hvrt",
    .available = true,
    .setup = hvrt_setup,
    .state_size = sizeof(struct vmbus_ring),
    .open_writer = hvrt_open,
    .open_reader = hvrt_open_reader,
    .send = hvrt_peer_send,
    .recv = hvrt_peer_recv,
    .idle = hvrt_idle,
};
