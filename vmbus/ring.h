/* One half of a VMBus channel ring buffer (reference section 7): a 4 KiB
 * control page and a data area of packets, written by one side and read by
 * the other. The same code serves the guest (writing the outbound ring,
 * reading the inbound one) and a simulated host (the other way round).
 *
 * The other side is untrusted. The reader copies each packet out of shared
 * memory once, into a buffer of its own, and validates that copy; indices
 * loaded from the control page are checked before use. A bad value gives a
 * clear vmbus_ring_result, never an access outside the ring or the buffer.
 *
 * Signalling follows the protocol exactly (Hyper-V throttles guests that
 * signal on other occasions): the write reports a signal only when the ring
 * went from empty to non-empty and the reader's interrupt_mask is clear; the
 * read commit reports one only when a blocked writer became unblocked.
 * See docs/ring.md. */
#ifndef HVRT_VMBUS_RING_H
#define HVRT_VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmbus/vmbus_msgs.h"

/* ---- Wire formats ---- */

#define VMBUS_RING_CONTROL_SIZE 4096u
#define VMBUS_RING_FEATURE_PENDING_SEND_SIZE 0x1u   /* control feature_bits bit0 */

struct vmbus_ring_control {
    uint32_t write_index;           /* 0: byte offset, updated by the writer only */
    uint32_t read_index;            /* 4: updated by the reader only */
    uint32_t interrupt_mask;        /* 8: reader: non-zero = do not interrupt me */
    uint32_t pending_send_size;     /* 12: writer: blocked, wants this many bytes free */
    uint8_t reserved1[48];          /* 16 */
    uint32_t feature_bits;          /* 64: VMBUS_RING_FEATURE_* */
    uint8_t reserved2[VMBUS_RING_CONTROL_SIZE - 68];
};
_Static_assert(sizeof(struct vmbus_ring_control) == 4096, "control page");
_Static_assert(offsetof(struct vmbus_ring_control, read_index) == 4, "read index");
_Static_assert(offsetof(struct vmbus_ring_control, interrupt_mask) == 8, "interrupt mask");
_Static_assert(offsetof(struct vmbus_ring_control, pending_send_size) == 12, "pending send size");
_Static_assert(offsetof(struct vmbus_ring_control, feature_bits) == 64, "feature bits");

enum vmbus_packet_type {
    VMBUS_PACKET_SYNCH = 0x1,               /* 0x1-0x5, 0x8, 0xA, 0xC, 0xD: legacy, unused */
    VMBUS_PACKET_ADD_XFER_PAGESET = 0x2,
    VMBUS_PACKET_RM_XFER_PAGESET = 0x3,
    VMBUS_PACKET_ESTABLISH_GPADL = 0x4,
    VMBUS_PACKET_TEARDOWN_GPADL = 0x5,
    VMBUS_PACKET_DATA_INBAND = 0x6,
    VMBUS_PACKET_DATA_XFER_PAGES = 0x7,
    VMBUS_PACKET_DATA_GPADL = 0x8,
    VMBUS_PACKET_DATA_GPA_DIRECT = 0x9,
    VMBUS_PACKET_CANCEL_REQUEST = 0xA,
    VMBUS_PACKET_COMP = 0xB,
    VMBUS_PACKET_DATA_ADDITIONAL_PKT = 0xC,
    VMBUS_PACKET_ADDITIONAL_DATA = 0xD,
};

#define VMBUS_PACKET_FLAG_COMPLETION_REQUESTED 0x1u

struct vmbus_packet_desc {
    uint16_t type;                  /* 0: enum vmbus_packet_type */
    uint16_t offset8;               /* 2: payload offset from the descriptor, 8-byte units, >= 2 */
    uint16_t len8;                  /* 4: packet length without trailer, 8-byte units, >= offset8 */
    uint16_t flags;                 /* 6: VMBUS_PACKET_FLAG_* */
    uint64_t transaction_id;        /* 8: echoed in the completion */
};
_Static_assert(sizeof(struct vmbus_packet_desc) == 16, "descriptor");
_Static_assert(offsetof(struct vmbus_packet_desc, len8) == 4, "len8");
_Static_assert(offsetof(struct vmbus_packet_desc, transaction_id) == 8, "transaction id");

/* The u64 after each packet. */
struct vmbus_packet_trailer {
    uint32_t reserved;              /* 0 */
    uint32_t start_index;           /* the write index at which the packet starts */
};
_Static_assert(sizeof(struct vmbus_packet_trailer) == 8, "trailer");

/* After the descriptor of a GPA-direct packet: this, then range_count ranges
 * (struct vmbus_gpa_range and its PFNs), then the payload at offset8. */
struct vmbus_gpa_direct_header {
    uint32_t reserved;
    uint32_t range_count;           /* > 0 */
};
_Static_assert(sizeof(struct vmbus_gpa_direct_header) == 8, "GPA-direct header");

/* After the descriptor of a transfer-page packet: this, then range_count
 * struct vmbus_xfer_range, all before the payload at offset8. */
struct vmbus_xfer_pages_header {
    uint16_t set_id;
    uint8_t sender_owns_set;
    uint8_t reserved;
    uint32_t range_count;
};
struct vmbus_xfer_range {
    uint32_t byte_count;
    uint32_t byte_offset;           /* into the transfer page set */
};
_Static_assert(sizeof(struct vmbus_xfer_pages_header) == 8, "xfer pages header");
_Static_assert(sizeof(struct vmbus_xfer_range) == 8, "xfer range");

/* Pipe-mode payloads (IC channels, hv_sock) start with this. */
struct vmbus_pipe_header {
    uint32_t type;                  /* VMBUS_PIPE_* */
    uint32_t size;                  /* bytes that follow the header */
};
_Static_assert(sizeof(struct vmbus_pipe_header) == 8, "pipe header");
#define VMBUS_PIPE_DATA                1u
#define VMBUS_PIPE_PARTIAL             2u
#define VMBUS_PIPE_SETUP_GPA_DIRECT    3u
#define VMBUS_PIPE_TEARDOWN_GPA_DIRECT 4u
#define VMBUS_PIPE_INDICATION_COMPLETE 5u
#define VMBUS_PIPE_MAX_PAYLOAD         16384u

/* ---- Results ---- */

enum vmbus_ring_result {
    VMBUS_RING_OK = 0,
    VMBUS_RING_EMPTY,               /* read: nothing to read */
    VMBUS_RING_FULL,                /* write: no room now; pending_send_size is set */
    VMBUS_RING_TOO_BIG,             /* write: the packet can never fit this ring */
    VMBUS_RING_BAD_ARGUMENT,        /* a caller bug (sizes, alignment) */
    VMBUS_RING_BUFFER_TOO_SMALL,    /* read: the packet needs pkt->total_len bytes */
    /* The other side broke the protocol; the channel needs a reset. */
    VMBUS_RING_BAD_INDEX,           /* an index not a multiple of 8 or >= size */
    VMBUS_RING_BAD_OFFSET8,         /* offset8 < 2 */
    VMBUS_RING_BAD_LEN8,            /* len8 < offset8 */
    VMBUS_RING_TRUNCATED,           /* the packet claims more bytes than are there */
    VMBUS_RING_BAD_TRAILER,         /* unused: a wrong trailer is counted (trailer_mismatches) */
    VMBUS_RING_BAD_RANGES,          /* GPA-direct or transfer-page ranges do not fit */
    VMBUS_RING_BAD_PIPE,            /* a pipe header claims more than the payload */
};

/* A short name for logs, e.g. "bad trailer". */
const char *vmbus_ring_result_name(enum vmbus_ring_result res);

/* ---- One ring half ---- */

struct vmbus_ring {
    struct vmbus_ring_control *control;
    uint8_t *data;
    uint32_t size;                  /* data bytes */
    /* Writer side: our write index is kept here, never re-read from shared
     * memory, so the other side cannot move it. */
    uint32_t write_index;
    bool pending_send_set;
    /* Reader side: packets up to read_index are consumed; committed is what
     * the writer has been told (the control page's read_index). */
    uint32_t read_index;
    uint32_t committed;
    uint32_t peeked_len;            /* bytes of the packet the last good peek returned */
    /* Packets read whose trailer did not name their start. Counted, not
     * rejected: QEMU's host never writes trailers (reference section 7). */
    uint64_t trailer_mismatches;
};

/* Limits on the data size: a multiple of 8 (4096 on the wire), at least one
 * minimal packet plus the gap that keeps the ring from filling exactly. */
#define VMBUS_RING_MIN_DATA_SIZE 32u
#define VMBUS_RING_MAX_DATA_SIZE (1u << 30)

/* Zeroes the control page and sets the pending-send-size feature bit, then
 * attaches. Call it for both rings before OPENCHANNEL (the bit on the inbound
 * ring too, as Linux does: it enables our reader-side signalling, which only
 * acts when the host asks through pending_send_size). */
enum vmbus_ring_result vmbus_ring_init(struct vmbus_ring *r, void *control, void *data,
                                       uint32_t data_size);

/* Takes over a ring the other side set up: the private indices start from
 * the control page's (validated). */
enum vmbus_ring_result vmbus_ring_attach(struct vmbus_ring *r, void *control, void *data,
                                         uint32_t data_size);

/* ---- Writing ---- */

struct vmbus_packet_out {
    uint16_t type;                  /* enum vmbus_packet_type */
    uint16_t flags;                 /* VMBUS_PACKET_FLAG_* */
    uint64_t transaction_id;
    const void *ext;                /* between descriptor and payload; may be NULL */
    uint32_t ext_len;               /* a multiple of 8 */
    const void *payload;            /* may be NULL when payload_len is 0 */
    uint32_t payload_len;           /* padded with zeros to 8 on the wire */
};

/* Bytes a packet takes in the ring (descriptor, extension, padded payload,
 * trailer), or 0 when its offset8 or len8 would not fit 16 bits. */
uint32_t vmbus_ring_packet_size(uint32_t ext_len, uint32_t payload_len);

/* Writes one packet. On VMBUS_RING_OK, *signal says whether to signal the
 * other side now. On VMBUS_RING_FULL, pending_send_size asks the reader for
 * a signal once there is room: wait for it (or poll) and call again. */
enum vmbus_ring_result vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_packet_out *p,
                                        bool *signal);

enum vmbus_ring_result vmbus_ring_write_inband(struct vmbus_ring *r, uint64_t transaction_id,
                                               bool completion_requested, const void *payload,
                                               uint32_t len, bool *signal);

enum vmbus_ring_result vmbus_ring_write_comp(struct vmbus_ring *r, uint64_t transaction_id,
                                             const void *payload, uint32_t len, bool *signal);

/* ---- Reading ---- */

/* A packet as copied into the caller's buffer; the pointers point there.
 * payload_len includes the padding to 8: the ring does not carry the exact
 * length, the protocol inside the payload does. */
struct vmbus_packet {
    uint16_t type;
    uint16_t flags;
    uint64_t transaction_id;
    const uint8_t *ext;             /* offset8 * 8 - 16 bytes after the descriptor */
    uint32_t ext_len;
    const uint8_t *payload;
    uint32_t payload_len;
    uint32_t total_len;             /* bytes in the ring incl. trailer = buffer bytes needed */
};

/* Copies the next packet into buf and validates the copy; the ring is left
 * as it was. VMBUS_RING_EMPTY when there is none. */
enum vmbus_ring_result vmbus_ring_peek(struct vmbus_ring *r, void *buf, uint32_t buf_size,
                                       struct vmbus_packet *pkt);

/* Consumes the packet the last successful peek returned (privately, until
 * commit); does nothing when there was none. */
void vmbus_ring_consume(struct vmbus_ring *r);

/* peek + consume. */
enum vmbus_ring_result vmbus_ring_read(struct vmbus_ring *r, void *buf, uint32_t buf_size,
                                       struct vmbus_packet *pkt);

/* Publishes the consumed packets to the writer, once per batch. *signal:
 * whether the writer was blocked (pending_send_size) and now has room. */
enum vmbus_ring_result vmbus_ring_commit(struct vmbus_ring *r, bool *signal);

/* True when the packets consumed since the last commit fill a quarter of
 * the ring. A batching reader commits then, not only when the ring is
 * empty: otherwise a writer of large packets waits for the whole ring to
 * drain, and the two sides take turns instead of copying at the same time.
 * A quarter keeps commits (a store to the shared control page, and the
 * writer's cache line moving) rare for small packets. */
#define VMBUS_RING_COMMIT_FRACTION 4u
static inline bool vmbus_ring_commit_due(const struct vmbus_ring *r)
{
    uint32_t consumed = r->read_index >= r->committed ? r->read_index - r->committed
                                                      : r->size - r->committed + r->read_index;
    return consumed >= r->size / VMBUS_RING_COMMIT_FRACTION;
}

/* Batching: mask before draining; unmask after, which returns true when data
 * arrived meanwhile (drain again, since no interrupt will come for it). */
void vmbus_ring_mask_interrupts(struct vmbus_ring *r);
bool vmbus_ring_unmask_interrupts(struct vmbus_ring *r);

/* ---- Packet contents ---- */

/* GPA-direct ranges, as a sender describes them. */
struct vmbus_gpa_range_in {
    uint32_t byte_count;
    uint32_t byte_offset;           /* < 4096 */
    const uint64_t *pfns;           /* ceil((byte_offset + byte_count) / 4096) of them */
};

/* PFNs a range spans. */
uint32_t vmbus_gpa_range_pfn_count(uint32_t byte_offset, uint32_t byte_count);

/* Builds the extension of a GPA-direct packet (header and ranges) into buf;
 * *ext_len gets its size. Write it with type VMBUS_PACKET_DATA_GPA_DIRECT. */
enum vmbus_ring_result vmbus_gpa_direct_build(void *buf, uint32_t buf_size,
                                              const struct vmbus_gpa_range_in *ranges,
                                              uint32_t count, uint32_t *ext_len);

/* A range of a received GPA-direct packet. */
struct vmbus_gpa_range_view {
    uint32_t byte_count;
    uint32_t byte_offset;
    uint32_t pfn_count;
    const uint8_t *pfns;            /* unaligned: use vmbus_gpa_range_pfn() */
};
uint64_t vmbus_gpa_range_pfn(const struct vmbus_gpa_range_view *v, uint32_t i);

struct vmbus_gpa_iter {
    const uint8_t *next;
    uint32_t bytes_left;
    uint32_t ranges_left;
};

/* Walks the ranges of a GPA-direct packet (already validated by the read):
 * begin, then next until it returns false. */
enum vmbus_ring_result vmbus_gpa_direct_begin(const struct vmbus_packet *pkt,
                                              struct vmbus_gpa_iter *it);
bool vmbus_gpa_direct_next(struct vmbus_gpa_iter *it, struct vmbus_gpa_range_view *out);

/* A transfer-page packet. The ranges index the transfer page set (e.g.
 * netvsc's receive buffer): the caller checks them against its size. */
struct vmbus_xfer_pages {
    uint16_t set_id;
    uint8_t sender_owns_set;
    uint32_t range_count;
    const uint8_t *ranges;
};
enum vmbus_ring_result vmbus_xfer_pages_parse(const struct vmbus_packet *pkt,
                                              struct vmbus_xfer_pages *out);
struct vmbus_xfer_range vmbus_xfer_pages_range(const struct vmbus_xfer_pages *x, uint32_t i);

/* Writes a pipe header and data into buf; returns the bytes written, or 0
 * when it does not fit or size exceeds VMBUS_PIPE_MAX_PAYLOAD. */
uint32_t vmbus_pipe_build(void *buf, uint32_t buf_size, uint32_t type, const void *data,
                          uint32_t size);

/* Splits a pipe-mode payload into header and data; the size claimed must fit
 * in the payload and the pipe limit. */
enum vmbus_ring_result vmbus_pipe_parse(const uint8_t *payload, uint32_t payload_len,
                                        uint32_t *type, const uint8_t **data, uint32_t *size);

#endif
