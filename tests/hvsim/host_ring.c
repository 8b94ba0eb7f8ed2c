/* The host's end of a channel ring; see host_ring.h. Positions in the data
 * area are byte offsets that wrap at size; ring_get/ring_put are the only
 * places that know about the wrap. */
#include <string.h>

#include "tests/hvsim/host_ring.h"
#include "tests/hvsim/vmbus_wire.h"

const char *hring_result_name(enum hring_result res)
{
    static const char *const names[] = {
        [HRING_OK] = "ok",
        [HRING_EMPTY] = "empty",
        [HRING_FULL] = "full",
        [HRING_TOO_BIG] = "packet larger than the ring",
        [HRING_BAD_WRITE_INDEX] = "bad write index",
        [HRING_BAD_READ_INDEX] = "bad read index",
        [HRING_BAD_OFFSET8] = "bad offset8",
        [HRING_BAD_LEN8] = "bad len8",
        [HRING_TRUNCATED] = "packet past the write index",
        [HRING_BAD_FLAGS] = "bad packet flags",
        [HRING_BAD_TRAILER] = "bad trailer",
        [HRING_BAD_TYPE] = "packet type a guest does not send",
        [HRING_BAD_RANGES] = "bad GPA-direct ranges",
    };
    return (unsigned)res < sizeof(names) / sizeof(names[0]) ? names[res] : "?";
}

static void fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static bool index_ok(const struct hring *r, uint32_t i) { return (i & 7u) == 0 && i < r->size; }

static uint32_t wrap(const struct hring *r, uint64_t pos) { return (uint32_t)(pos % r->size); }

/* Bytes written and not yet read, from `from` to `to`. */
static uint32_t span(const struct hring *r, uint32_t from, uint32_t to)
{
    return to >= from ? to - from : r->size - from + to;
}

static void ring_get(const struct hring *r, uint32_t pos, uint8_t *dst, uint32_t len)
{
    uint32_t first = len < r->size - pos ? len : r->size - pos;
    memcpy(dst, r->data + pos, first);
    memcpy(dst + first, r->data, len - first);
}

static uint32_t ring_put(struct hring *r, uint32_t pos, const void *src, uint32_t len)
{
    uint32_t first = len < r->size - pos ? len : r->size - pos;
    if (len) {
        memcpy(r->data + pos, src, first);
        memcpy(r->data, (const uint8_t *)src + first, len - first);
    }
    return wrap(r, (uint64_t)pos + len);
}

enum hring_result hring_attach(struct hring *r, uint8_t *ctl, uint8_t *data, uint32_t size)
{
    memset(r, 0, sizeof(*r));
    r->ctl = ctl;
    r->data = data;
    r->size = size;
    uint32_t w = ld32_acquire(ctl, VBW_RING_WRITE), rd = ld32_acquire(ctl, VBW_RING_READ);
    if (size == 0 || size % 8 != 0 || !index_ok(r, w))
        return HRING_BAD_WRITE_INDEX;
    if (!index_ok(r, rd))
        return HRING_BAD_READ_INDEX;
    r->wr = w;
    r->rd = r->committed = rd;
    return HRING_OK;
}

/* ---- reading the guest's packets ---- */

/* GPA-direct: u32 reserved, u32 count > 0, then each range's 8-byte header
 * and its ceil((offset + count) / 4096) PFNs, all before the payload. */
static enum hring_result check_gpa_direct(const struct hvsim_packet *p)
{
    if (p->ext_len < VBW_GPAD_HDR)
        return HRING_BAD_RANGES;
    uint32_t n = ld32(p->ext, VBW_GPAD_RANGE_COUNT);
    uint64_t at = VBW_GPAD_HDR;
    if (n == 0)
        return HRING_BAD_RANGES;
    for (uint32_t i = 0; i < n; i++) {
        if (at + VBW_RANGE_HDR > p->ext_len)
            return HRING_BAD_RANGES;
        uint32_t count = ld32(p->ext, (uint32_t)at + VBW_RANGE_COUNT);
        uint32_t off = ld32(p->ext, (uint32_t)at + VBW_RANGE_OFFSET);
        if (off >= 4096u)
            return HRING_BAD_RANGES;
        at += VBW_RANGE_HDR + 8u * (((uint64_t)off + count + 4095u) / 4096u);
    }
    return at <= p->ext_len ? HRING_OK : HRING_BAD_RANGES;
}

enum hring_result hring_peek(struct hring *r, uint8_t *buf, uint32_t buf_size, struct hvsim_packet *pkt)
{
    memset(pkt, 0, sizeof(*pkt));
    r->peeked = 0;
    uint32_t w = ld32_acquire(r->ctl, VBW_RING_WRITE);
    if (!index_ok(r, w))
        return HRING_BAD_WRITE_INDEX;
    uint32_t avail = span(r, r->rd, w);
    if (avail == 0)
        return HRING_EMPTY;
    if (avail < VBW_PKT_DESC + VBW_PKT_TRAILER)
        return HRING_TRUNCATED;
    uint8_t desc[VBW_PKT_DESC];
    ring_get(r, r->rd, desc, sizeof(desc));
    uint32_t off = 8u * ld16(desc, VBW_PKT_OFFSET8), len = 8u * ld16(desc, VBW_PKT_LEN8);
    if (off < VBW_PKT_DESC)
        return HRING_BAD_OFFSET8;
    if (len < off)
        return HRING_BAD_LEN8;
    uint32_t total = len + VBW_PKT_TRAILER;
    if (total > avail || total > buf_size)
        return HRING_TRUNCATED;
    ring_get(r, r->rd, buf, total);   /* the descriptor again: only this copy counts */
    if (ld16(buf, VBW_PKT_OFFSET8) * 8u != off || ld16(buf, VBW_PKT_LEN8) * 8u != len)
        return HRING_TRUNCATED;       /* the guest changed it under us */
    if (ld16(buf, VBW_PKT_FLAGS) & ~VBW_PKT_FLAG_COMPLETION)
        return HRING_BAD_FLAGS;
    if (ld32(buf, len) != 0 || ld32(buf, len + 4) != r->rd)
        return HRING_BAD_TRAILER;
    pkt->type = ld16(buf, VBW_PKT_TYPE);
    pkt->flags = ld16(buf, VBW_PKT_FLAGS);
    pkt->transaction_id = ld64(buf, VBW_PKT_TID);
    pkt->ext = buf + VBW_PKT_DESC;
    pkt->ext_len = off - VBW_PKT_DESC;
    pkt->payload = buf + off;
    pkt->payload_len = len - off;
    pkt->total_len = total;
    if (pkt->type != VBW_PKT_INBAND && pkt->type != VBW_PKT_GPA_DIRECT && pkt->type != VBW_PKT_COMP)
        return HRING_BAD_TYPE;
    if (pkt->type == VBW_PKT_GPA_DIRECT && check_gpa_direct(pkt) != HRING_OK)
        return HRING_BAD_RANGES;
    r->peeked = total;
    return HRING_OK;
}

void hring_consume(struct hring *r)
{
    r->rd = wrap(r, (uint64_t)r->rd + r->peeked);
    r->peeked = 0;
}

/* The guest wrote pending_send_size p when it found the ring full: signal
 * it when this commit took free space from <= p to > p (p's low 3 bits
 * ignored: some writers use size - 1). Only if it set the feature bit. */
bool hring_commit(struct hring *r)
{
    uint32_t consumed = span(r, r->committed, r->rd);
    if (consumed == 0)
        return false;
    r->committed = r->rd;
    st32_release(r->ctl, VBW_RING_READ, r->rd);
    if (!(ld32_acquire(r->ctl, VBW_RING_FEATURES) & VBW_RING_FEAT_PENDING))
        return false;
    fence();
    uint32_t want = ld32_acquire(r->ctl, VBW_RING_PENDING) & ~7u;
    uint32_t w = ld32_acquire(r->ctl, VBW_RING_WRITE);
    if (want == 0 || !index_ok(r, w))
        return false;
    uint32_t free_now = r->size - span(r, r->rd, w);
    uint32_t free_before = free_now > consumed ? free_now - consumed : 0;
    return free_before <= want && free_now > want;
}

/* ---- writing to the guest ---- */

/* Free bytes against the guest's read index; the ring never fills exactly. */
static enum hring_result room(struct hring *r, uint32_t need)
{
    uint32_t rd = ld32_acquire(r->ctl, VBW_RING_READ);
    if (!index_ok(r, rd))
        return HRING_BAD_READ_INDEX;
    return r->size - span(r, rd, r->wr) > need ? HRING_OK : HRING_FULL;
}

enum hring_result hring_write(struct hring *r, const struct hvsim_packet_out *p, bool *signal)
{
    static const uint8_t zeros[8];
    *signal = false;
    uint64_t off = VBW_PKT_DESC + (uint64_t)p->ext_len;
    uint64_t len = off + (((uint64_t)p->payload_len + 7) & ~7ull);
    if (p->ext_len % 8 != 0 || len / 8 > 0xFFFF || len + VBW_PKT_TRAILER >= r->size)
        return HRING_TOO_BIG;
    uint32_t need = (uint32_t)len + VBW_PKT_TRAILER;
    enum hring_result res = room(r, need);
    if (res == HRING_FULL) {   /* ask for a signal at need bytes, then look once more */
        st32_release(r->ctl, VBW_RING_PENDING, need);
        r->pending_set = true;
        fence();
        res = room(r, need);
    }
    if (res != HRING_OK)
        return res;

    uint8_t desc[VBW_PKT_DESC];
    st16(desc, VBW_PKT_TYPE, p->type);
    st16(desc, VBW_PKT_OFFSET8, (uint16_t)(off / 8));
    st16(desc, VBW_PKT_LEN8, (uint16_t)(len / 8));
    st16(desc, VBW_PKT_FLAGS, p->flags);
    st64(desc, VBW_PKT_TID, p->transaction_id);
    uint32_t start = r->wr;
    uint32_t pos = ring_put(r, start, desc, sizeof(desc));
    pos = ring_put(r, pos, p->ext, p->ext_len);
    pos = ring_put(r, pos, p->payload, p->payload_len);
    pos = ring_put(r, pos, zeros, (uint32_t)(len - off - p->payload_len));
    if (r->skip_trailers) {
        pos = wrap(r, (uint64_t)pos + VBW_PKT_TRAILER);
    } else {
        uint8_t trailer[VBW_PKT_TRAILER];
        st32(trailer, 0, 0);
        st32(trailer, 4, start);
        pos = ring_put(r, pos, trailer, sizeof(trailer));
    }
    r->wr = pos;
    st32_release(r->ctl, VBW_RING_WRITE, pos);   /* the bytes before the index that covers them */
    fence();                                     /* the index before we look at mask and read */
    if (r->pending_set) {
        st32_release(r->ctl, VBW_RING_PENDING, 0);
        r->pending_set = false;
    }
    *signal = ld32_acquire(r->ctl, VBW_RING_MASK) == 0 && ld32_acquire(r->ctl, VBW_RING_READ) == start;
    return HRING_OK;
}

/* ---- what device models read inside a packet ---- */

uint32_t hvsim_gpa_direct_count(const struct hvsim_packet *pkt)
{
    if (pkt->type != VBW_PKT_GPA_DIRECT || pkt->ext_len < VBW_GPAD_HDR)
        return 0;
    return ld32(pkt->ext, VBW_GPAD_RANGE_COUNT);
}

/* Walks from the first range: hring_peek checked that all of them fit. */
bool hvsim_gpa_direct_range(const struct hvsim_packet *pkt, uint32_t i, struct hvsim_gpa_range *out)
{
    if (i >= hvsim_gpa_direct_count(pkt))
        return false;
    uint32_t at = VBW_GPAD_HDR;
    for (uint32_t k = 0;; k++) {
        out->byte_count = ld32(pkt->ext, at + VBW_RANGE_COUNT);
        out->byte_offset = ld32(pkt->ext, at + VBW_RANGE_OFFSET);
        out->pfn_count = (uint32_t)(((uint64_t)out->byte_offset + out->byte_count + 4095u) / 4096u);
        out->pfns = pkt->ext + at + VBW_RANGE_HDR;
        if (k == i)
            return true;
        at += VBW_RANGE_HDR + 8u * out->pfn_count;
    }
}

uint64_t hvsim_gpa_range_pfn(const struct hvsim_gpa_range *r, uint32_t i)
{
    return i < r->pfn_count ? ld64(r->pfns, 8u * i) : UINT64_MAX;
}

bool hvsim_pipe_parse(const uint8_t *payload, uint32_t payload_len, uint32_t *type, const uint8_t **data,
                      uint32_t *size)
{
    if (payload_len < VBW_PIPE_HDR)
        return false;
    uint32_t n = ld32(payload, VBW_PIPE_SIZE);
    if (n > payload_len - VBW_PIPE_HDR || n > VBW_PIPE_MAX)
        return false;
    *type = ld32(payload, VBW_PIPE_TYPE);
    *data = payload + VBW_PIPE_HDR;
    *size = n;
    return true;
}
