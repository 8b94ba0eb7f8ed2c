/* The receive path: the host writes RNDIS messages into the receive buffer
 * and sends a transfer-page packet whose ranges say where (one message a
 * range, several a packet). Each range is checked against the buffer and
 * against the others (no overlap), each message's header is copied once
 * and checked, data frames go up by pointer (zero copy), control messages
 * to rndis.c, and the packet is acknowledged once, with the NVSP status the
 * host expects (devices.md 1.7). */
#include <stdlib.h>
#include <string.h>

#include "drivers/netvsc/netvsc.h"

static void frame_up(struct hvrt_nic *nic, const uint8_t *msg, uint32_t length)
{
    struct rndis_header h;
    struct rndis_packet p;
    memcpy(&h, msg, sizeof(h));
    if (h.length < RNDIS_PACKET_OVERHEAD) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        return;
    }
    memcpy(&p, msg + sizeof(h), sizeof(p));
    /* the frame lies inside the message: 8 + data_offset + data_length <= msg_len */
    uint64_t end = (uint64_t)sizeof(h) + p.data_offset + p.data_length;
    if (p.data_length < 14 || p.data_length > HVRT_NET_MAX_FRAME || end > h.length) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        return;
    }
    (void)length;
    if (nic->callbacks.receive == NULL) {
        nic->counters.drops[HVRT_NET_DROP_RX_NO_RECEIVER]++;
        return;
    }
    nic->counters.rx_frames++;
    nic->counters.rx_bytes += p.data_length;
    nic->callbacks.receive(nic->callbacks.ctx, nic, msg + sizeof(h) + p.data_offset, p.data_length);
}

static void message(struct hvrt_nic *nic, const uint8_t *msg, uint32_t length)
{
    struct rndis_header h;
    if (length < sizeof(h)) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        return;
    }
    memcpy(&h, msg, sizeof(h));
    if (h.length < sizeof(h) || h.length > length) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;   /* truncated */
        return;
    }
    if (h.type == RNDIS_PACKET_MSG)
        frame_up(nic, msg, length);
    else
        rndis_control(nic, msg, length);
}

static int by_offset(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The ranges as offsets into the receive buffer, checked; their count, or
 * 0 when one is outside the buffer or two overlap (the whole packet is
 * then refused: which frames a confused host meant cannot be known). */
static uint32_t collect_ranges(struct hvrt_nic *nic, PMDL mdl)
{
    uint32_t n = 0;
    for (PMDL m = mdl; m != NULL; m = m->Next) {
        uintptr_t va = (uintptr_t)m->StartVa + m->ByteOffset, base = (uintptr_t)nic->recv_buf;
        if (n == NVSP_MAX_RANGES || va < base || va - base >= nic->recv_size || m->ByteCount == 0 ||
            m->ByteCount > nic->recv_size - (va - base))
            return 0;
        nic->ranges[n][0] = (uint32_t)(va - base);
        nic->ranges[n][1] = m->ByteCount;
        n++;
    }
    if (n > 1) {
        uint32_t (*sorted)[2] = nic->sorted;
        memcpy(sorted, nic->ranges, n * sizeof(sorted[0]));
        qsort(sorted, n, sizeof(sorted[0]), by_offset);
        for (uint32_t i = 1; i < n; i++)
            if (sorted[i - 1][0] + sorted[i - 1][1] > sorted[i][0])
                return 0;
    }
    return n;
}

static void ack(VMBPACKETCOMPLETION pc, uint32_t status)
{
    struct nvsp_rndis_complete a = { NVSP_RNDIS_COMPLETE, status };
    VmbChannelPacketComplete(pc, &a, sizeof(a));
}

static void transfer_pages(struct hvrt_nic *nic, VMBPACKETCOMPLETION pc, const void *buf, uint32_t len)
{
    struct nvsp_rndis m;
    PMDL mdl = NULL;
    if (len < sizeof(m)) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        ack(pc, NVSP_STATUS_FAILED);
        return;
    }
    memcpy(&m, buf, sizeof(m));
    NTSTATUS st = VmbChannelPacketGetExternalData(pc, VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY, &mdl);
    if (st == STATUS_PENDING)
        return;   /* KMCL calls again when the data is there */
    uint32_t n = NT_SUCCESS(st) && m.type == NVSP_RNDIS && nic->recv_buf != NULL ? collect_ranges(nic, mdl) : 0;
    if (n == 0) {
        nic->counters.drops[m.type == NVSP_RNDIS ? HVRT_NET_DROP_RX_BAD_RANGE : HVRT_NET_DROP_RX_BAD_RNDIS]++;
        ack(pc, NVSP_STATUS_FAILED);
        return;
    }
    nic->counters.rx_packets++;
    for (uint32_t i = 0; i < n; i++)
        message(nic, nic->recv_buf + nic->ranges[i][0], nic->ranges[i][1]);
    ack(pc, NVSP_STATUS_SUCCESS);
}

void netvsc_process_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    struct hvrt_nic *nic = VmbChannelGetPointer(ch);
    if (flags & VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA) {
        transfer_pages(nic, pc, buf, len);
        return;
    }
    /* In-band from the host: VF association, data path switch, the send
     * indirection table. A single-queue NIC without a VF needs none. */
    uint32_t type = 0;
    if (len >= 4)
        memcpy(&type, buf, 4);
    if (type != NVSP_VF_ASSOCIATION && type != NVSP_SWITCH_DATA_PATH && type != NVSP_INDIRECTION_TABLE)
        nic->counters.control_errors++;
    VmbChannelPacketComplete(pc, NULL, 0);
}
