/* The host's end of a VMBus channel ring (reference section 7): hvsim reads
 * the guest->host ring and writes the host->guest one. Its own code, not the
 * guest's vmbus/ring.c: offsets from vmbus_wire.h, byte-wise little-endian
 * access, and checks of its own, so a guest that lays a packet out wrongly
 * fails here instead of agreeing with itself.
 *
 * Reading is strict, as a witness should be: the write index, offset8,
 * len8, the flags, the trailer, the packet type and GPA-direct ranges are
 * all checked on a private copy, and the first wrong one is the result
 * (hring_result_name says which). Writing follows the signalling rules
 * exactly: a signal only on empty -> non-empty with the guest's interrupt
 * mask clear; pending_send_size set when full; reader-side signals only on
 * the blocked -> unblocked transition. */
#ifndef HVSIM_HOST_RING_H
#define HVSIM_HOST_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/hvsim/vmbus_host.h"

enum hring_result {
    HRING_OK = 0,
    HRING_EMPTY,
    HRING_FULL,
    HRING_TOO_BIG,          /* write: can never fit this ring */
    /* guest protocol errors (reading), or a bad index (either way): */
    HRING_BAD_WRITE_INDEX,
    HRING_BAD_READ_INDEX,
    HRING_BAD_OFFSET8,
    HRING_BAD_LEN8,
    HRING_TRUNCATED,        /* the packet claims bytes the writer has not published */
    HRING_BAD_FLAGS,        /* a flag other than completion-requested */
    HRING_BAD_TRAILER,      /* the trailer does not name the packet's start */
    HRING_BAD_TYPE,         /* a packet type a guest does not send */
    HRING_BAD_RANGES,       /* GPA-direct ranges do not fit before the payload */
};
const char *hring_result_name(enum hring_result res);

struct hring {
    uint8_t *ctl;           /* control page (4096 bytes) */
    uint8_t *data;
    uint32_t size;          /* data bytes */
    /* writer */
    uint32_t wr;            /* our write index, never re-read from the page */
    bool pending_set;
    bool skip_trailers;     /* QEMU flavour: the trailer bytes are skipped, not written */
    /* reader */
    uint32_t rd;            /* consumed so far (private until commit) */
    uint32_t committed;     /* what the control page says */
    uint32_t peeked;        /* ring bytes of the last good peek, 0 if none */
};

/* Takes over a ring the guest set up; both indices must be valid. */
enum hring_result hring_attach(struct hring *r, uint8_t *ctl, uint8_t *data, uint32_t size);

/* Copies the next packet into buf (buf_size >= the packet, trailer included)
 * and checks the copy; the ring is left as it was. */
enum hring_result hring_peek(struct hring *r, uint8_t *buf, uint32_t buf_size, struct hvsim_packet *pkt);
void hring_consume(struct hring *r);
/* Publishes what was consumed; true when the guest was blocked on this
 * ring (pending_send_size) and now has room: signal it. */
bool hring_commit(struct hring *r);

/* Writes one packet; *signal: signal the guest now. HRING_FULL leaves
 * pending_send_size set for the guest's reader to signal us. */
enum hring_result hring_write(struct hring *r, const struct hvsim_packet_out *p, bool *signal);

#endif
