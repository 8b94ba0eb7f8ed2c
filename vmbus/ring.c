/* The ring buffer of reference section 7; see ring.h for the contract and
 * docs/ring.md for the rules. All copies between the ring and private
 * memory go through ring_copy_in and ring_copy_out: the only places that
 * know about the wrap-around. */
#include <string.h>

#include "arch/platform.h"
#include "vmbus/ring.h"

#define HV_PAGE_SIZE 4096u

const char *vmbus_ring_result_name(enum vmbus_ring_result res)
{
    switch (res) {
    case VMBUS_RING_OK:               return "ok";
    case VMBUS_RING_EMPTY:            return "empty";
    case VMBUS_RING_FULL:             return "full";
    case VMBUS_RING_TOO_BIG:          return "packet too big for the ring";
    case VMBUS_RING_BAD_ARGUMENT:     return "bad argument";
    case VMBUS_RING_BUFFER_TOO_SMALL: return "buffer too small for the packet";
    case VMBUS_RING_BAD_INDEX:        return "bad ring index";
    case VMBUS_RING_BAD_OFFSET8:      return "bad packet offset8";
    case VMBUS_RING_BAD_LEN8:         return "bad packet len8";
    case VMBUS_RING_TRUNCATED:        return "packet longer than the data in the ring";
    case VMBUS_RING_BAD_TRAILER:      return "bad packet trailer";
    case VMBUS_RING_BAD_RANGES:       return "bad packet ranges";
    case VMBUS_RING_BAD_PIPE:         return "bad pipe header";
    }
    return "unknown";
}

/* ---- Shared-memory access ---- */

/* The protocol's "full barrier": orders earlier stores before later loads,
 * which acquire/release alone do not. The machine's cheapest one
 * (a locked add on x86, not MFENCE: see arch/platform.h). */
static void full_barrier(void)
{
    platform_full_barrier();
}

static uint32_t load_shared(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_shared(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static bool index_valid(const struct vmbus_ring *r, uint32_t index)
{
    return index < r->size && index % 8 == 0;
}

static uint32_t advance(const struct vmbus_ring *r, uint32_t index, uint32_t len)
{
    /* index < size and len < size, both < 2^30: the sum cannot overflow. */
    uint32_t next = index + len;
    return next >= r->size ? next - r->size : next;
}

/* Bytes between the read and the write index: what the reader may read. */
static uint32_t bytes_used(const struct vmbus_ring *r, uint32_t write, uint32_t read)
{
    return write >= read ? write - read : r->size - read + write;
}

/* Bytes the writer may use; never 0, as read == write means empty. */
static uint32_t bytes_free(const struct vmbus_ring *r, uint32_t write, uint32_t read)
{
    return r->size - bytes_used(r, write, read);
}

/* Copies into the ring at pos, in two pieces when the bytes wrap around
 * the end; returns the index after them. */
static inline uint32_t ring_copy_in(struct vmbus_ring *r, uint32_t pos, const void *src,
                                    uint32_t len)
{
    uint32_t room = r->size - pos;
    if (len <= room) {
        memcpy(r->data + pos, src, len);
        return len == room ? 0 : pos + len;
    }
    memcpy(r->data + pos, src, room);
    memcpy(r->data, (const uint8_t *)src + room, len - room);
    return len - room;
}

/* The same out of the ring. One plain memcpy per piece, the copy DPDK's
 * ring makes too: copying in 2 KiB chunks with the next chunk prefetched,
 * tuned on an earlier CPU, runs a thousand more instructions per 64 KiB
 * packet, and no gain from it could be measured on the AMD family 26 CPUs
 * these machines have now (docs/performance.md). */
static inline uint32_t ring_copy_out(const struct vmbus_ring *r, uint32_t pos, void *dst,
                                     uint32_t len)
{
    uint32_t room = r->size - pos;
    if (len <= room) {
        memcpy(dst, r->data + pos, len);
        return len == room ? 0 : pos + len;
    }
    memcpy(dst, r->data + pos, room);
    memcpy((uint8_t *)dst + room, r->data, len - room);
    return len - room;
}

/* ---- Setup ---- */

enum vmbus_ring_result vmbus_ring_attach(struct vmbus_ring *r, void *control, void *data,
                                         uint32_t data_size)
{
    if (control == NULL || data == NULL || data_size % 8 != 0 ||
        data_size < VMBUS_RING_MIN_DATA_SIZE || data_size > VMBUS_RING_MAX_DATA_SIZE)
        return VMBUS_RING_BAD_ARGUMENT;
    r->control = control;
    r->data = data;
    r->size = data_size;
    r->pending_send_set = false;
    r->peeked_len = 0;
    r->trailer_mismatches = 0;
    uint32_t write = load_shared(&r->control->write_index);
    uint32_t read = load_shared(&r->control->read_index);
    if (!index_valid(r, write) || !index_valid(r, read))
        return VMBUS_RING_BAD_INDEX;
    r->write_index = write;
    r->read_index = read;
    r->committed = read;
    return VMBUS_RING_OK;
}

enum vmbus_ring_result vmbus_ring_init(struct vmbus_ring *r, void *control, void *data,
                                       uint32_t data_size)
{
    if (control == NULL)
        return VMBUS_RING_BAD_ARGUMENT;
    memset(control, 0, VMBUS_RING_CONTROL_SIZE);
    ((struct vmbus_ring_control *)control)->feature_bits = VMBUS_RING_FEATURE_PENDING_SEND_SIZE;
    return vmbus_ring_attach(r, control, data, data_size);
}

/* ---- Writing ---- */

uint32_t vmbus_ring_packet_size(uint32_t ext_len, uint32_t payload_len)
{
    uint64_t header = sizeof(struct vmbus_packet_desc) + (uint64_t)ext_len;
    uint64_t len = header + (((uint64_t)payload_len + 7) & ~(uint64_t)7);
    if (header / 8 > 0xFFFF || len / 8 > 0xFFFF)
        return 0;
    return (uint32_t)len + sizeof(struct vmbus_packet_trailer);
}

/* Room for need bytes, keeping one gap so the ring never fills exactly
 * (read == write must keep meaning empty). */
static bool fits(const struct vmbus_ring *r, uint32_t read, uint32_t need)
{
    return bytes_free(r, r->write_index, read) > need;
}

/* When full: ask the reader for a signal at need bytes free, then look
 * again, since the reader may have made room before it saw our request. */
static enum vmbus_ring_result wait_for_room(struct vmbus_ring *r, uint32_t need)
{
    store_shared(&r->control->pending_send_size, need);
    r->pending_send_set = true;
    full_barrier();
    uint32_t read = load_shared(&r->control->read_index);
    if (!index_valid(r, read))
        return VMBUS_RING_BAD_INDEX;
    return fits(r, read, need) ? VMBUS_RING_OK : VMBUS_RING_FULL;
}

/* Lays the packet out at our write index; returns where it ends. The
 * caller has checked that it fits. Descriptor and trailer have constant
 * sizes, so their copies become plain stores when they do not wrap. */
static inline uint32_t copy_packet(struct vmbus_ring *r, const struct vmbus_packet_out *p)
{
    static const uint8_t zeros[8];
    uint32_t padded = (p->payload_len + 7) & ~7u;
    struct vmbus_packet_desc desc = {
        .type = p->type,
        .offset8 = (uint16_t)((sizeof(desc) + p->ext_len) / 8),
        .len8 = (uint16_t)((sizeof(desc) + p->ext_len + padded) / 8),
        .flags = p->flags,
        .transaction_id = p->transaction_id,
    };
    struct vmbus_packet_trailer trailer = { .reserved = 0, .start_index = r->write_index };
#ifdef HVRT_MUTATE_TRAILER   /* the mutation check only (tests/hvsim/run-mutations.sh) */
    trailer.start_index += 8;
#endif
#ifdef HVRT_MUTATE_OFFSET8
    desc.offset8++;
#endif
    uint32_t pos = ring_copy_in(r, r->write_index, &desc, sizeof(desc));
    if (p->ext_len)     /* ext and payload may be NULL when empty: no memcpy then */
        pos = ring_copy_in(r, pos, p->ext, p->ext_len);
    if (p->payload_len)
        pos = ring_copy_in(r, pos, p->payload, p->payload_len);
    if (padded != p->payload_len)
        pos = ring_copy_in(r, pos, zeros, padded - p->payload_len);
    return ring_copy_in(r, pos, &trailer, sizeof(trailer));
}

/* vmbus_ring_write, inlined into each public entry so that the constant
 * parts of a packet (no extension, the type) fold away. */
static inline enum vmbus_ring_result write_packet(struct vmbus_ring *r,
                                                  const struct vmbus_packet_out *p, bool *signal)
{
    *signal = false;
    if (p->ext_len % 8 != 0 || (p->ext_len && !p->ext) || (p->payload_len && !p->payload))
        return VMBUS_RING_BAD_ARGUMENT;
    uint32_t need = vmbus_ring_packet_size(p->ext_len, p->payload_len);
    if (need == 0 || need >= r->size)
        return VMBUS_RING_TOO_BIG;

    uint32_t read = load_shared(&r->control->read_index);
    if (!index_valid(r, read))
        return VMBUS_RING_BAD_INDEX;
    if (!fits(r, read, need)) {
        enum vmbus_ring_result res = wait_for_room(r, need);
        if (res != VMBUS_RING_OK)
            return res;
    }

    uint32_t old_write = r->write_index;
    uint32_t pos = copy_packet(r, p);
    r->write_index = pos;
    /* A release store: the packet's bytes are visible before the index
     * that covers them (the reader loads it with acquire). No fence is
     * needed for that store-store order; the one below is for store-load. */
    store_shared(&r->control->write_index, pos);
    full_barrier();     /* the index is visible before we look at mask and read index */

    if (r->pending_send_set) {
        store_shared(&r->control->pending_send_size, 0);
        r->pending_send_set = false;
    }
    /* Signal only on empty -> non-empty: the reader had consumed everything
     * up to where this packet starts, and has not masked interrupts. */
    *signal = load_shared(&r->control->interrupt_mask) == 0 &&
              load_shared(&r->control->read_index) == old_write;
#ifdef HVRT_MUTATE_SIGNAL_MASKED   /* the mutation check only: ignores the reader's mask */
    *signal = load_shared(&r->control->read_index) == old_write;
#endif
    return VMBUS_RING_OK;
}

enum vmbus_ring_result vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_packet_out *p,
                                        bool *signal)
{
    return write_packet(r, p, signal);
}

enum vmbus_ring_result vmbus_ring_write_inband(struct vmbus_ring *r, uint64_t transaction_id,
                                               bool completion_requested, const void *payload,
                                               uint32_t len, bool *signal)
{
    struct vmbus_packet_out p = {
        .type = VMBUS_PACKET_DATA_INBAND,
        .flags = completion_requested ? VMBUS_PACKET_FLAG_COMPLETION_REQUESTED : 0,
        .transaction_id = transaction_id,
        .payload = payload,
        .payload_len = len,
    };
    return write_packet(r, &p, signal);
}

enum vmbus_ring_result vmbus_ring_write_comp(struct vmbus_ring *r, uint64_t transaction_id,
                                             const void *payload, uint32_t len, bool *signal)
{
    struct vmbus_packet_out p = {
        .type = VMBUS_PACKET_COMP,
        .transaction_id = transaction_id,
        .payload = payload,
        .payload_len = len,
    };
    return write_packet(r, &p, signal);
}

/* ---- Reading ---- */

static enum vmbus_ring_result check_gpa_direct(const struct vmbus_packet *pkt)
{
    struct vmbus_gpa_iter it;
    struct vmbus_gpa_range_view v;
    enum vmbus_ring_result res = vmbus_gpa_direct_begin(pkt, &it);
    if (res != VMBUS_RING_OK)
        return res;
    while (it.ranges_left > 0)
        if (!vmbus_gpa_direct_next(&it, &v))
            return VMBUS_RING_BAD_RANGES;
    return VMBUS_RING_OK;
}

/* Rules that depend on the packet type; the ring layer knows two. */
static enum vmbus_ring_result check_contents(const struct vmbus_packet *pkt)
{
    struct vmbus_xfer_pages x;
    switch (pkt->type) {
    case VMBUS_PACKET_DATA_GPA_DIRECT:
        return check_gpa_direct(pkt);
    case VMBUS_PACKET_DATA_XFER_PAGES:
        return vmbus_xfer_pages_parse(pkt, &x);
    default:
        return VMBUS_RING_OK;
    }
}

/* Descriptor rules, on our private copy. len8 <= 0xFFFF, so the sums
 * below stay far from overflow. */
static inline enum vmbus_ring_result check_desc(const struct vmbus_packet_desc *d, uint32_t available)
{
    if (d->offset8 < 2)
        return VMBUS_RING_BAD_OFFSET8;
    if (d->len8 < d->offset8)
        return VMBUS_RING_BAD_LEN8;
    if ((uint32_t)d->len8 * 8 + sizeof(struct vmbus_packet_trailer) > available)
        return VMBUS_RING_TRUNCATED;
    return VMBUS_RING_OK;
}

/* A failed peek leaves the packet zeroed but for the size it needs. */
static enum vmbus_ring_result peek_failed(struct vmbus_packet *pkt, enum vmbus_ring_result res,
                                          uint32_t total_len)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->total_len = total_len;
    return res;
}

/* The read itself, inlined into vmbus_ring_peek and vmbus_ring_read; fills
 * *pkt on success only. */
__attribute__((always_inline)) static inline enum vmbus_ring_result
peek_packet(struct vmbus_ring *r, void *buf, uint32_t buf_size, struct vmbus_packet *pkt)
{
    uint32_t write = load_shared(&r->control->write_index);
    if (!index_valid(r, write))
        return peek_failed(pkt, VMBUS_RING_BAD_INDEX, 0);
    uint32_t available = bytes_used(r, write, r->read_index);
    if (available == 0)
        return peek_failed(pkt, VMBUS_RING_EMPTY, 0);
    if (available < sizeof(struct vmbus_packet_desc) + sizeof(struct vmbus_packet_trailer))
        return peek_failed(pkt, VMBUS_RING_TRUNCATED, 0);

    /* Copy the descriptor first to learn the length, then the rest: each
     * byte of shared memory is read once, and only the copy is checked.
     * The trailer is copied on its own, so the payload's copy is exactly
     * the payload's bytes. */
    struct vmbus_packet_desc desc;
    uint32_t pos = ring_copy_out(r, r->read_index, &desc, sizeof(desc));
    enum vmbus_ring_result res = check_desc(&desc, available);
    if (res != VMBUS_RING_OK)
        return peek_failed(pkt, res, 0);
    uint32_t len = (uint32_t)desc.len8 * 8;
    uint32_t total_len = len + sizeof(struct vmbus_packet_trailer);
    if (buf == NULL || buf_size < total_len)
        return peek_failed(pkt, VMBUS_RING_BUFFER_TOO_SMALL, total_len);
    uint8_t *copy = buf;
    memcpy(copy, &desc, sizeof(desc));
    pos = ring_copy_out(r, pos, copy + sizeof(desc), len - sizeof(desc));

    /* The trailer is counted, not trusted or required: QEMU's host skips
     * it without writing it, and no reference reader checks it. */
    struct vmbus_packet_trailer trailer;
    ring_copy_out(r, pos, &trailer, sizeof(trailer));
    memcpy(copy + len, &trailer, sizeof(trailer));
    if (trailer.start_index != r->read_index)
        r->trailer_mismatches++;

    uint32_t offset = (uint32_t)desc.offset8 * 8;
    pkt->type = desc.type;
    pkt->flags = desc.flags;
    pkt->transaction_id = desc.transaction_id;
    pkt->ext = copy + sizeof(desc);
    pkt->ext_len = offset - sizeof(desc);
    pkt->payload = copy + offset;
    pkt->payload_len = len - offset;
    pkt->total_len = total_len;
    if (desc.type == VMBUS_PACKET_DATA_GPA_DIRECT || desc.type == VMBUS_PACKET_DATA_XFER_PAGES) {
        res = check_contents(pkt);
        if (res != VMBUS_RING_OK)
            return res;
    }
    return VMBUS_RING_OK;
}

enum vmbus_ring_result vmbus_ring_peek(struct vmbus_ring *r, void *buf, uint32_t buf_size,
                                       struct vmbus_packet *pkt)
{
    enum vmbus_ring_result res = peek_packet(r, buf, buf_size, pkt);
    r->peeked_len = res == VMBUS_RING_OK ? pkt->total_len : 0;
    return res;
}

/* Uses the length we validated, not one the caller could have changed. */
void vmbus_ring_consume(struct vmbus_ring *r)
{
    r->read_index = advance(r, r->read_index, r->peeked_len);
    r->peeked_len = 0;
}

enum vmbus_ring_result vmbus_ring_read(struct vmbus_ring *r, void *buf, uint32_t buf_size,
                                       struct vmbus_packet *pkt)
{
    enum vmbus_ring_result res = peek_packet(r, buf, buf_size, pkt);
    r->peeked_len = 0;
    if (res == VMBUS_RING_OK)
        r->read_index = advance(r, r->read_index, pkt->total_len);
    return res;
}

/* The writer asked (pending_send_size p) for a signal once p bytes are free.
 * Signal only when this batch made the difference: free space was <= p
 * before it and is > p now. Writers may set p = size - 1: ignore the low
 * bits, as indices move in steps of 8. */
static bool writer_unblocked(const struct vmbus_ring *r, uint32_t consumed, bool *index_ok)
{
    *index_ok = true;
    if (!(load_shared(&r->control->feature_bits) & VMBUS_RING_FEATURE_PENDING_SEND_SIZE))
        return false;
    full_barrier();     /* our read index is visible before we read the writer's request */
    uint32_t wanted = load_shared(&r->control->pending_send_size) & ~7u;
    if (wanted == 0)
        return false;
    uint32_t write = load_shared(&r->control->write_index);
    if (!index_valid(r, write)) {
        *index_ok = false;
        return false;
    }
    uint32_t free_now = bytes_free(r, write, r->committed);
    bool was_blocked = free_now <= consumed || free_now - consumed <= wanted;
    return was_blocked && free_now > wanted;
}

enum vmbus_ring_result vmbus_ring_commit(struct vmbus_ring *r, bool *signal)
{
    *signal = false;
    uint32_t consumed = bytes_used(r, r->read_index, r->committed);
    if (consumed == 0)
        return VMBUS_RING_OK;
    r->committed = r->read_index;
    store_shared(&r->control->read_index, r->committed);   /* release: our copies are done */
    bool index_ok;
    *signal = writer_unblocked(r, consumed, &index_ok);
    return index_ok ? VMBUS_RING_OK : VMBUS_RING_BAD_INDEX;
}

void vmbus_ring_mask_interrupts(struct vmbus_ring *r)
{
    store_shared(&r->control->interrupt_mask, 1);
}

bool vmbus_ring_unmask_interrupts(struct vmbus_ring *r)
{
    store_shared(&r->control->interrupt_mask, 0);
    full_barrier();     /* unmask is visible before we look for data the writer did not signal */
    return load_shared(&r->control->write_index) != r->read_index;
}

/* ---- GPA-direct ---- */

uint32_t vmbus_gpa_range_pfn_count(uint32_t byte_offset, uint32_t byte_count)
{
    return (uint32_t)(((uint64_t)byte_offset + byte_count + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE);
}

enum vmbus_ring_result vmbus_gpa_direct_build(void *buf, uint32_t buf_size,
                                              const struct vmbus_gpa_range_in *ranges,
                                              uint32_t count, uint32_t *ext_len)
{
    *ext_len = 0;
    if (count == 0)
        return VMBUS_RING_BAD_RANGES;
    uint64_t len = sizeof(struct vmbus_gpa_direct_header);
    for (uint32_t i = 0; i < count; i++) {
        if (ranges[i].byte_offset >= HV_PAGE_SIZE)
            return VMBUS_RING_BAD_RANGES;
        uint32_t pfns = vmbus_gpa_range_pfn_count(ranges[i].byte_offset, ranges[i].byte_count);
        len += sizeof(struct vmbus_gpa_range) + (uint64_t)pfns * 8;
    }
    if (len > buf_size)
        return VMBUS_RING_BAD_ARGUMENT;

    uint8_t *out = buf;
    struct vmbus_gpa_direct_header h = { .reserved = 0, .range_count = count };
    memcpy(out, &h, sizeof(h));
    out += sizeof(h);
    for (uint32_t i = 0; i < count; i++) {
        struct vmbus_gpa_range rh = { ranges[i].byte_count, ranges[i].byte_offset };
        uint32_t pfns = vmbus_gpa_range_pfn_count(rh.byte_offset, rh.byte_count);
        memcpy(out, &rh, sizeof(rh));
        out += sizeof(rh);
        if (pfns > 0)
            memcpy(out, ranges[i].pfns, (size_t)pfns * 8);
        out += (size_t)pfns * 8;
    }
    *ext_len = (uint32_t)len;
    return VMBUS_RING_OK;
}

uint64_t vmbus_gpa_range_pfn(const struct vmbus_gpa_range_view *v, uint32_t i)
{
    uint64_t pfn = 0;
    if (i < v->pfn_count)
        memcpy(&pfn, v->pfns + (size_t)i * 8, sizeof(pfn));
    return pfn;
}

enum vmbus_ring_result vmbus_gpa_direct_begin(const struct vmbus_packet *pkt,
                                              struct vmbus_gpa_iter *it)
{
    struct vmbus_gpa_direct_header h;
    it->next = NULL;
    it->bytes_left = 0;
    it->ranges_left = 0;
    if (pkt->type != VMBUS_PACKET_DATA_GPA_DIRECT || pkt->ext_len < sizeof(h))
        return VMBUS_RING_BAD_RANGES;
    memcpy(&h, pkt->ext, sizeof(h));
    if (h.range_count == 0)
        return VMBUS_RING_BAD_RANGES;
    it->next = pkt->ext + sizeof(h);
    it->bytes_left = pkt->ext_len - (uint32_t)sizeof(h);
    it->ranges_left = h.range_count;
    return VMBUS_RING_OK;
}

/* Each range must lie inside the extension (before the payload). A range
 * count the bytes cannot hold simply runs out of bytes here. */
bool vmbus_gpa_direct_next(struct vmbus_gpa_iter *it, struct vmbus_gpa_range_view *out)
{
    struct vmbus_gpa_range rh;
    if (it->ranges_left == 0 || it->bytes_left < sizeof(rh))
        return false;
    memcpy(&rh, it->next, sizeof(rh));
    if (rh.byte_offset >= HV_PAGE_SIZE)
        return false;
    uint32_t pfns = vmbus_gpa_range_pfn_count(rh.byte_offset, rh.byte_count);
    uint32_t room = (it->bytes_left - (uint32_t)sizeof(rh)) / 8;
    if (pfns > room)
        return false;
    out->byte_count = rh.byte_count;
    out->byte_offset = rh.byte_offset;
    out->pfn_count = pfns;
    out->pfns = it->next + sizeof(rh);
    uint32_t used = (uint32_t)sizeof(rh) + pfns * 8;
    it->next += used;
    it->bytes_left -= used;
    it->ranges_left--;
    return true;
}

/* ---- Transfer pages ---- */

enum vmbus_ring_result vmbus_xfer_pages_parse(const struct vmbus_packet *pkt,
                                              struct vmbus_xfer_pages *out)
{
    struct vmbus_xfer_pages_header h;
    memset(out, 0, sizeof(*out));
    if (pkt->type != VMBUS_PACKET_DATA_XFER_PAGES || pkt->ext_len < sizeof(h))
        return VMBUS_RING_BAD_RANGES;
    memcpy(&h, pkt->ext, sizeof(h));
    if (h.range_count > (pkt->ext_len - sizeof(h)) / sizeof(struct vmbus_xfer_range))
        return VMBUS_RING_BAD_RANGES;
    out->set_id = h.set_id;
    out->sender_owns_set = h.sender_owns_set;
    out->range_count = h.range_count;
    out->ranges = pkt->ext + sizeof(h);
    return VMBUS_RING_OK;
}

struct vmbus_xfer_range vmbus_xfer_pages_range(const struct vmbus_xfer_pages *x, uint32_t i)
{
    struct vmbus_xfer_range range = { 0, 0 };
    if (i < x->range_count)
        memcpy(&range, x->ranges + (size_t)i * sizeof(range), sizeof(range));
    return range;
}

/* ---- Pipe header ---- */

uint32_t vmbus_pipe_build(void *buf, uint32_t buf_size, uint32_t type, const void *data,
                          uint32_t size)
{
    struct vmbus_pipe_header h = { .type = type, .size = size };
    if (size > VMBUS_PIPE_MAX_PAYLOAD || buf_size < sizeof(h) || size > buf_size - sizeof(h))
        return 0;
    memcpy(buf, &h, sizeof(h));
    if (size > 0)
        memcpy((uint8_t *)buf + sizeof(h), data, size);
    return (uint32_t)sizeof(h) + size;
}

enum vmbus_ring_result vmbus_pipe_parse(const uint8_t *payload, uint32_t payload_len,
                                        uint32_t *type, const uint8_t **data, uint32_t *size)
{
    struct vmbus_pipe_header h;
    if (payload_len < sizeof(h))
        return VMBUS_RING_BAD_PIPE;
    memcpy(&h, payload, sizeof(h));
    if (h.size > VMBUS_PIPE_MAX_PAYLOAD || h.size > payload_len - sizeof(h))
        return VMBUS_RING_BAD_PIPE;
    *type = h.type;
    *data = payload + sizeof(h);
    *size = h.size;
    return VMBUS_RING_OK;
}
