/* See host_ring.h. The write index is the host's own field of the control
 * page (the guest never writes it), so it is read back from there; the
 * read index is the guest's, and only decides whether there is room. */
#include <string.h>

#include "tests/fuzz/host_ring.h"

static uint32_t pad8(uint32_t n) { return (n + 7) & ~7u; }

static uint32_t put(uint8_t *data, uint32_t size, uint32_t pos, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    for (uint32_t i = 0; i < len; i++) {
        data[pos] = s != NULL ? s[i] : 0;
        pos = pos + 1 == size ? 0 : pos + 1;
    }
    return pos;
}

int host_ring_write(struct vmbus_ring_control *control, uint8_t *data, uint32_t size,
                    const struct host_packet *p)
{
    uint32_t write = __atomic_load_n(&control->write_index, __ATOMIC_ACQUIRE);
    uint32_t read = __atomic_load_n(&control->read_index, __ATOMIC_ACQUIRE);
    if (write >= size || read >= size || write % 8 || read % 8)
        return -1;
    uint32_t ext = pad8(p->ext_len), body = pad8(p->payload_len);
    uint64_t total = 16ull + ext + body + 8;
    uint32_t used = write >= read ? write - read : size - read + write;
    if ((16 + ext) / 8 > 0xFFFF || (16 + ext + body) / 8 > 0xFFFF || total >= size)
        return -1;
    if (total >= size - used) {
        /* Read == write means empty: never fill the ring exactly. Ask the
         * reader for a signal once the packet fits, as a host does. */
        __atomic_store_n(&control->pending_send_size, (uint32_t)total, __ATOMIC_RELEASE);
        return 1;
    }
    struct vmbus_packet_desc d = {
        .type = p->type,
        .offset8 = (p->hostile & HOST_RING_RAW_OFFSET8) ? p->offset8 : (uint16_t)((16 + ext) / 8),
        .len8 = (p->hostile & HOST_RING_RAW_LEN8) ? p->len8 : (uint16_t)((16 + ext + body) / 8),
        .flags = p->flags,
        .transaction_id = p->transaction_id,
    };
    struct vmbus_packet_trailer t = { 0, (p->hostile & HOST_RING_BAD_TRAILER) ? write ^ 8 : write };
    uint32_t pos = put(data, size, write, &d, sizeof(d));
    pos = put(data, size, pos, p->ext, p->ext_len);
    pos = put(data, size, pos, NULL, ext - p->ext_len);
    pos = put(data, size, pos, p->payload, p->payload_len);
    pos = put(data, size, pos, NULL, body - p->payload_len);
    pos = put(data, size, pos, &t, sizeof(t));
    __atomic_store_n(&control->write_index, pos, __ATOMIC_RELEASE);
    __atomic_store_n(&control->pending_send_size, 0, __ATOMIC_RELEASE);
    return 0;
}
