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
 *   3  u8  reserved
 *   4  u32 write_index   8 u32 read_index   12 u32 interrupt_mask
 *  16  u32 pending_send_size   20 u32 feature_bits
 *  24  u32 x 4 "host moves" (write indices applied after packets 1..4)
 *  40  data bytes (copied to the ring data area, zero padded / truncated)
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
