/* libFuzzer target: the reader side of a VMBus ring (vmbus/ring.c) fed by a
 * hostile writer. The fuzz input supplies the ring geometry, the control
 * page (write/read index, interrupt mask, pending_send_size, feature bits,
 * including indices beyond the ring or misaligned) and the data bytes; the
 * target then drains the ring with peek/read/consume/commit and runs the
 * GPA-direct, transfer-page and pipe parsers on every packet that comes out.
 * Between packets the "host" may move its write index to a value taken from
 * the input. The control page and the data area are separate heap blocks of
 * exactly their size, so ASan reports any access outside them.
 *
 * Input layout (little endian; missing bytes read as zero):
 *   0  u16 data size selector  -> 32 + 8 * (sel % 1020) bytes (32..8184)
 *   2  u8  mode                -> bit0: attach (else init, then poke indices)
 *                                 bit1: use peek+consume (else read)
 *                                 bit2: small copy buffer (tests TOO_SMALL)
 *                                 bit3: writer mode (below)
 *   3  u8  reserved
 *   4  u32 write_index   8 u32 read_index   12 u32 interrupt_mask
 *  16  u32 pending_send_size   20 u32 feature_bits
 *  24  u32 x 4 "host moves" (write indices applied after packets 1..4)
 *  40  data bytes (copied to the ring data area, zero padded / truncated)
 *
 * Writer mode: the guest's outbound ring, whose control page the host
 * owns. The data bytes are then records [op][len][len bytes] the guest
 * writes (op % 4: inband, completion, GPA-direct with ranges built from the
 * bytes, pipe message; op & 4: completion requested); the host's read
 * index, interrupt mask, pending_send_size and feature bits come from the
 * header, and after each write the host either reads everything (checked:
 * the packet comes out as written) or moves its read index to the next
 * "host move" value. A full ring is drained by the host and written again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/ring.h"

#define HDR_SIZE 40u

static uint32_t get32(const uint8_t *d, size_t size, size_t off)
{
    uint8_t b[4] = { 0, 0, 0, 0 };
    for (size_t i = 0; i < 4; i++)
        if (off + i < size)
            b[i] = d[off + i];
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Touch every byte a parser hands back, so ASan checks the whole span. */
static volatile uint8_t sink;
static void touch(const uint8_t *p, uint32_t len)
{
    uint8_t x = 0;
    for (uint32_t i = 0; i < len; i++)
        x ^= p[i];
    sink ^= x;
}

static void parse_contents(const struct vmbus_packet *pkt)
{
    touch(pkt->ext, pkt->ext_len);
    touch(pkt->payload, pkt->payload_len);

    struct vmbus_gpa_iter it;
    if (vmbus_gpa_direct_begin(pkt, &it) == VMBUS_RING_OK) {
        struct vmbus_gpa_range_view v;
        while (vmbus_gpa_direct_next(&it, &v)) {
            touch(v.pfns, v.pfn_count * 8);
            for (uint32_t i = 0; i <= v.pfn_count && i < 64; i++)
                sink ^= (uint8_t)vmbus_gpa_range_pfn(&v, i);   /* i == count: out of range */
        }
    }

    struct vmbus_xfer_pages x;
    if (vmbus_xfer_pages_parse(pkt, &x) == VMBUS_RING_OK) {
        for (uint32_t i = 0; i <= x.range_count && i < 1024; i++) {
            struct vmbus_xfer_range r = vmbus_xfer_pages_range(&x, i);
            sink ^= (uint8_t)(r.byte_count ^ r.byte_offset);
        }
    }

    uint32_t type, size;
    const uint8_t *data;
    if (vmbus_pipe_parse(pkt->payload, pkt->payload_len, &type, &data, &size) == VMBUS_RING_OK) {
        touch(data, size);
        sink ^= (uint8_t)type;
    }
    /* The parsers also take raw payloads at odd lengths. */
    if (pkt->payload_len > 0 &&
        vmbus_pipe_parse(pkt->payload, pkt->payload_len - 1, &type, &data, &size) == VMBUS_RING_OK)
        touch(data, size);
}

/* The host reads what the guest wrote: each packet must come out whole. */
static void host_reads(struct vmbus_ring *host, const uint8_t *payload, uint32_t len, uint8_t *buf,
                       uint32_t buf_size)
{
    struct vmbus_packet pkt;
    enum vmbus_ring_result res = vmbus_ring_read(host, buf, buf_size, &pkt);
    if (res != VMBUS_RING_OK || pkt.payload_len < len || memcmp(pkt.payload, payload, len) != 0)
        abort();   /* the writer broke a packet */
    parse_contents(&pkt);
    bool signal;
    (void)vmbus_ring_commit(host, &signal);
}

static void run_writer(const uint8_t *d, size_t size, struct vmbus_ring_control *control, uint8_t *data,
                       uint32_t data_size)
{
    struct vmbus_ring guest, host;
    if (vmbus_ring_init(&guest, control, data, data_size) != VMBUS_RING_OK ||
        vmbus_ring_attach(&host, control, data, data_size) != VMBUS_RING_OK)
        abort();
    control->interrupt_mask = get32(d, size, 12);
    control->feature_bits = get32(d, size, 20);
    static uint8_t buf[8192 + 64], ext[16 + 4 * (8 + 8 * 4)], pipe[300];
    bool trusted = true;   /* the host's read index is its own, not a hostile value */
    size_t pos = HDR_SIZE;
    for (unsigned n = 0; pos + 2 <= size && n < 64; n++) {
        uint8_t op = d[pos], len = d[pos + 1];
        const uint8_t *bytes = d + pos + 2;
        if (len > size - pos - 2)
            len = (uint8_t)(size - pos - 2);
        pos += 2u + len;
        struct vmbus_packet_out p = { .type = VMBUS_PACKET_DATA_INBAND, .transaction_id = n,
                                      .flags = (op & 4) ? VMBUS_PACKET_FLAG_COMPLETION_REQUESTED : 0,
                                      .payload = bytes, .payload_len = len };
        if (op % 4 == 1)
            p.type = VMBUS_PACKET_COMP;
        if (op % 4 == 2) {
            struct vmbus_gpa_range_in ranges[4];
            uint64_t pfns[4][4] = { { 1, 2, 3, 4 }, { 5, 6, 7, 8 }, { 9, 10, 11, 12 }, { 13, 14, 15, 16 } };
            uint32_t count = 1 + (op >> 4) % 4;
            for (uint32_t i = 0; i < count; i++) {
                uint32_t off = get32(bytes, len, 4 * i) & 0x1FFF, bytes_n = get32(bytes, len, 16 + 4 * i) & 0x3FFF;
                if (vmbus_gpa_range_pfn_count(off, bytes_n) > 4)
                    bytes_n = 4096 - (off & 4095);
                ranges[i] = (struct vmbus_gpa_range_in){ bytes_n, off, pfns[i] };
            }
            uint32_t ext_len;
            if (vmbus_gpa_direct_build(ext, (op & 8) ? 12 : sizeof(ext), ranges, count, &ext_len) != VMBUS_RING_OK)
                continue;   /* an offset past the page, or no room: refused, nothing to send */
            p.type = VMBUS_PACKET_DATA_GPA_DIRECT;
            p.ext = ext;
            p.ext_len = ext_len;
        }
        if (op % 4 == 3) {
            uint32_t n_pipe = vmbus_pipe_build(pipe, (op & 8) ? 8 : sizeof(pipe), op >> 4, bytes, len);
            if (n_pipe == 0)
                continue;
            p.payload = pipe;
            p.payload_len = n_pipe;
        }
        bool signal;
        enum vmbus_ring_result res = vmbus_ring_write(&guest, &p, &signal);
        if (res == VMBUS_RING_FULL && trusted) {
            /* The host drains, then the write must go through. */
            while (vmbus_ring_read(&host, buf, sizeof(buf), &(struct vmbus_packet){ 0 }) == VMBUS_RING_OK)
                ;
            (void)vmbus_ring_commit(&host, &signal);
            res = vmbus_ring_write(&guest, &p, &signal);
            if (res != VMBUS_RING_OK)
                abort();
        }
        if (res == VMBUS_RING_OK && trusted)
            host_reads(&host, p.payload, p.payload_len, buf, sizeof(buf));
        (void)vmbus_ring_commit_due(&host);
        uint32_t move = get32(d, size, 24 + 4 * (n % 4));
        if ((op & 0x80) && move != 0) {
            control->read_index = move;   /* the host moves its index where it likes */
            control->pending_send_size = get32(d, size, 16);
            trusted = false;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
    uint32_t sel = get32(d, size, 0) & 0xFFFF;
    uint8_t mode = (uint8_t)(get32(d, size, 2) & 0xFF);
    uint32_t data_size = VMBUS_RING_MIN_DATA_SIZE + 8u * (sel % 1020u);

    struct vmbus_ring_control *control = malloc(sizeof(*control));
    uint8_t *data = malloc(data_size);
    if (control == NULL || data == NULL)
        abort();
    memset(control, 0, sizeof(*control));
    memset(data, 0, data_size);
    if (size > HDR_SIZE) {
        size_t n = size - HDR_SIZE < data_size ? size - HDR_SIZE : data_size;
        memcpy(data, d + HDR_SIZE, n);
    }

    struct vmbus_ring r;
    enum vmbus_ring_result res;
    if (mode & 8) {
        run_writer(d, size, control, data, data_size);
        free(data);
        free(control);
        return 0;
    }
    if (mode & 1) {
        control->write_index = get32(d, size, 4);
        control->read_index = get32(d, size, 8);
        control->interrupt_mask = get32(d, size, 12);
        control->pending_send_size = get32(d, size, 16);
        control->feature_bits = get32(d, size, 20);
        res = vmbus_ring_attach(&r, control, data, data_size);
    } else {
        res = vmbus_ring_init(&r, control, data, data_size);
        /* The host writes the control page after we set it up. */
        control->write_index = get32(d, size, 4);
        control->interrupt_mask = get32(d, size, 12);
        control->pending_send_size = get32(d, size, 16);
        control->feature_bits = get32(d, size, 20);
    }

    if (res == VMBUS_RING_OK) {
        uint32_t buf_size = (mode & 4) ? 64u : data_size;
        uint8_t *buf = malloc(buf_size);
        if (buf == NULL)
            abort();
        vmbus_ring_mask_interrupts(&r);
        for (unsigned n = 0; n < 4096; n++) {
            struct vmbus_packet pkt;
            if (mode & 2) {
                res = vmbus_ring_peek(&r, buf, buf_size, &pkt);
                vmbus_ring_consume(&r);     /* a no-op after a failed peek */
            } else {
                res = vmbus_ring_read(&r, buf, buf_size, &pkt);
            }
            if (res == VMBUS_RING_OK)
                parse_contents(&pkt);
            bool signal;
            (void)vmbus_ring_commit(&r, &signal);
            if (n < 4)
                control->write_index = get32(d, size, 24 + 4 * n) ? get32(d, size, 24 + 4 * n)
                                                                  : control->write_index;
            if (res != VMBUS_RING_OK) {
                if (res == VMBUS_RING_EMPTY && vmbus_ring_unmask_interrupts(&r))
                    continue;   /* the host moved the index meanwhile */
                break;
            }
        }
        free(buf);
    }
    (void)vmbus_ring_result_name(res);
    free(data);
    free(control);
    return 0;
}
