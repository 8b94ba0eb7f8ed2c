/* The fuzzer as the host that writes a ring the guest reads: one packet
 * laid out at the control page's write index with whatever fields the
 * fuzzer chose, framed correctly (offset8, len8, padding, trailer) unless a
 * hostile bit says otherwise. Written from the ring layout in
 * /work/shared/reference (section 7) for the fuzz targets only; never
 * linked into the image. */
#ifndef HVRT_TESTS_FUZZ_HOST_RING_H
#define HVRT_TESTS_FUZZ_HOST_RING_H

#include <stdint.h>

#include "vmbus/ring.h"

enum {
    HOST_RING_RAW_OFFSET8 = 1,   /* the descriptor's offset8 is p->offset8 */
    HOST_RING_RAW_LEN8 = 2,      /* the descriptor's len8 is p->len8 */
    HOST_RING_BAD_TRAILER = 4,   /* the trailer names another start */
};

struct host_packet {
    uint16_t type, flags;
    uint64_t transaction_id;
    const void *ext;             /* between descriptor and payload; padded to 8 */
    uint32_t ext_len;
    const void *payload;         /* padded to 8 */
    uint32_t payload_len;
    unsigned hostile;            /* HOST_RING_* */
    uint16_t offset8, len8;
};

/* Writes p and publishes the new write index: 0. 1: no room now (nothing
 * written; pending_send_size asks the guest to signal when there is). -1:
 * the packet can never fit, or the control page's indices are not ones a
 * writer can use. */
int host_ring_write(struct vmbus_ring_control *control, uint8_t *data, uint32_t size,
                    const struct host_packet *p);

#endif
