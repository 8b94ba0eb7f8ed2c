/* One VMBus ring implementation as the comparison benchmark drives it
 * (bench_peer.c, bench_instr.c): hvrt's (peer_hvrt.c) and DPDK's
 * (peer_dpdk.c, over DPDK's own vmbus_bufring.c). Both sides do the same
 * work per packet: the sender lays out descriptor, payload, padding and
 * trailer; the receiver validates the descriptor, copies the payload out of
 * the ring into the caller's private buffer, and moves its read index as
 * its own protocol code does (hvrt batches the commit; DPDK publishes per
 * packet and checks the writer's pending-send-size every time, as its
 * receive does).
 *
 * The ring memory is one block: a 4 KiB control page, then the data area
 * (DPDK's ring code finds the data one page after the control page). */
#ifndef HVRT_BENCH_PEER_H
#define HVRT_BENCH_PEER_H

#include <stdbool.h>
#include <stdint.h>

#define PEER_HEADROOM 64u

struct peer {
    const char *name;
    /* false when the implementation could not be built (DPDK's source was
     * not fetched): the benchmark prints null for it and runs the rest. */
    bool available;
    /* Zeroes the control page and sets it up as a channel open would
     * (pending-send-size feature bit set), for both ends. */
    void (*setup)(void *block, uint32_t data_size);
    /* Private state of one end; the benchmark allocates state_size bytes. */
    uint32_t state_size;
    void (*open_writer)(void *state, void *block, uint32_t data_size);
    void (*open_reader)(void *state, void *block, uint32_t data_size);
    /* An inband packet with this transaction id; false when the ring is full. */
    bool (*send)(void *state, const void *payload, uint32_t len, uint64_t id);
    /* The next packet: validated, its payload copied into buf at
     * buf + PEER_HEADROOM. Returns the payload's length (with padding) and
     * sets *payload and *id; 0 when the ring is empty; -1 on a ring or
     * packet error. buf is 64-byte aligned: both sides put the payload at
     * the same alignment, since copy speed (and callgrind's count of a
     * rep movsb) depends on it. The headroom holds what a side copies
     * before the payload (hvrt's descriptor). */
    int (*recv)(void *state, void *buf, uint32_t buf_size, const uint8_t **payload,
                uint64_t *id);
    /* The reader found the ring empty (hvrt publishes its read index). */
    void (*idle)(void *state);
};

extern const struct peer peer_hvrt;
extern const struct peer peer_dpdk;

#endif
