/* Device models of hvsim's VMBus host: one table entry each {id, name,
 * X
 * live in vmbus_ic.c. A model sees packets already copied out of the
 * guest->host ring and validated by host_ring.c; it answers through
 * hvsim_vmbus_chan_send, and returns HVSIM_VMBUS_RETRY when the host->guest
 * ring is full, so the packet waits in the ring until the guest makes room
 * (the ring's pending_send_size gets us that signal). */
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/vmbus_host.h"
#include "tests/hvsim/vmbus_ic.h"
#include "tests/hvsim/dev_netvsc.h"
#include "tests/hvsim/storage.h"
#include "tests/hvsim/dev_hvsock.h"

#define PAGE 4096u

/* ---- echo ---- */

/* Bytes the GPA-direct ranges describe, concatenated; NULL (and a log
 * line) when a page is outside guest RAM or the total is absurd. */
static uint8_t *gather_ranges(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt, uint32_t *len)
{
    struct hvsim_gpa_range v;
    uint64_t total = 0;
    for (uint32_t r = 0; hvsim_gpa_direct_range(pkt, r, &v); r++)
        total += v.byte_count;
    if (total == 0 || total > hvsim_vmbus_chan_info(ch)->in_ring_size)
        return NULL;
    uint8_t *out = malloc(total);
    if (!out)
        return NULL;
    struct hvsim *sim = hvsim_vmbus_chan_sim(ch);
    uint64_t pos = 0;
    for (uint32_t r = 0; hvsim_gpa_direct_range(pkt, r, &v); r++) {
        uint32_t left = v.byte_count, offset = v.byte_offset;
        for (uint32_t i = 0; i < v.pfn_count && left > 0; i++) {
            uint64_t pfn = hvsim_gpa_range_pfn(&v, i);
            uint32_t chunk = PAGE - offset < left ? PAGE - offset : left;
            const void *src = pfn <= (UINT64_MAX >> 12) ? hvsim_gpa_to_host(sim, (pfn << 12) + offset, chunk)
                                                         : NULL;
            if (!src) {
                free(out);
                return NULL;
            }
            memcpy(out + pos, src, chunk);
            pos += chunk;
            left -= chunk;
            offset = 0;
        }
    }
    *len = (uint32_t)pos;
    return out;
}

static enum hvsim_vmbus_verdict echo_send(struct hvsim_vmbus_chan *ch, const struct hvsim_packet_out *p)
{
    int rc = hvsim_vmbus_chan_send(ch, p);
    if (rc == 1)
        return HVSIM_VMBUS_RETRY;
    if (rc == 0)
        hvsim_vmbus_chan_counters(ch)->packets_echoed++;
    return HVSIM_VMBUS_DONE;
}

static enum hvsim_vmbus_verdict echo_gpa_direct(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    uint32_t len = 0;
    uint8_t *data = gather_ranges(ch, pkt, &len);
    if (!data) {
        hvsim_vmbus_chan_counters(ch)->protocol_errors++;
        hvsim_vmbus_chan_log(ch, "GPA-direct ranges unreadable; empty completion");
    }
    struct hvsim_packet_out out = {
        .type = HVSIM_PKT_COMP, .transaction_id = pkt->transaction_id, .payload = data, .payload_len = len,
    };
    enum hvsim_vmbus_verdict v = echo_send(ch, &out);
    free(data);
    return v;
}

static enum hvsim_vmbus_verdict echo_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    if (pkt->type == HVSIM_PKT_GPA_DIRECT)
        return echo_gpa_direct(ch, pkt);
    if (pkt->type != HVSIM_PKT_INBAND)
        return HVSIM_VMBUS_DONE; /* completions and others: nothing to answer */
    bool wants_comp = pkt->flags & HVSIM_PKT_FLAG_COMPLETION_REQUESTED;
    struct hvsim_packet_out out = {
        .type = wants_comp ? HVSIM_PKT_COMP : HVSIM_PKT_INBAND,
        .transaction_id = pkt->transaction_id,
        .payload = pkt->payload,
        .payload_len = pkt->payload_len,
    };
    return echo_send(ch, &out);
}

/* ---- sink ---- */

static enum hvsim_vmbus_verdict sink_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    struct hvsim_vmbus_counters *c = hvsim_vmbus_chan_counters(ch);
    c->packets_sunk++;
    c->bytes_sunk += pkt->payload_len;
    return HVSIM_VMBUS_DONE;
}

/* ---- source ---- */

/* Writes the rest of the burst until the ring is full; the guest's read
 * commit signals us when it has room again (on_room). Packet k carries
 * transaction id k and its u64 k first, then bytes (k + i) & 0xFF. */
static void source_pump(struct hvsim_vmbus_chan *ch)
{
    struct hvsim_vmbus_channel_info *in = hvsim_vmbus_chan_info(ch);
    if (in->source_left == 0)
        return;
    uint32_t size = in->source_size < 8 ? 8 : in->source_size;
    uint8_t *buf = malloc(size);
    if (!buf)
        return;
    while (in->source_left > 0) {
        uint64_t id = in->source_next_id;
        memcpy(buf, &id, sizeof(id));
        for (uint32_t i = 8; i < size; i++)
            buf[i] = (uint8_t)(id + i);
        struct hvsim_packet_out out = {
            .type = HVSIM_PKT_INBAND, .transaction_id = id, .payload = buf, .payload_len = size,
        };
        int rc = hvsim_vmbus_chan_send(ch, &out);
        if (rc == 1)
            break;
        if (rc < 0) {
            in->source_left = 0;
            break;
        }
        in->source_left--;
        in->source_next_id++;
        hvsim_vmbus_chan_counters(ch)->packets_sourced++;
    }
    free(buf);
}

/* A request starts a burst: {u32 count, u32 size} when present and non-zero,
 * otherwise the device's configured count and size. */
static enum hvsim_vmbus_verdict source_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    struct hvsim_vmbus_channel_info *in = hvsim_vmbus_chan_info(ch);
    if (pkt->type != HVSIM_PKT_INBAND)
        return HVSIM_VMBUS_DONE;
    uint32_t count = in->source_count, size = in->source_size;
    if (pkt->payload_len >= 8) {
        uint32_t req[2];
        memcpy(req, pkt->payload, sizeof(req));
        if (req[0] != 0)
            count = req[0];
        if (req[1] != 0)
            size = req[1];
    }
    in->source_left = count;
    in->source_size = size;
    if (in->source_next_id == 0)
        in->source_next_id = 1; /* 0 is never a transaction id */
    source_pump(ch);
    return HVSIM_VMBUS_DONE;
}

/* ---- inert ---- */

static enum hvsim_vmbus_verdict inert_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    (void)ch, (void)pkt;
    return HVSIM_VMBUS_DONE;
}

/* ---- storage (storage.c): answers queue inside the model ---- */

static enum hvsim_vmbus_verdict storage_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    hvsim_storage_on_packet(ch, pkt);
    return HVSIM_VMBUS_DONE;
}

/* ---- the table ---- */

static const struct hvsim_vmbus_model models[HVSIM_VMBUS_MODEL_COUNT] = {
    { HVSIM_VMBUS_ECHO, "echo", HVSIM_VMBUS_CLASS_ECHO,
      HVSIM_GUID(0, 0x6563, 0x686f, 0x8000, 0x000000000001ull), echo_on_packet, NULL, NULL, NULL },
    { HVSIM_VMBUS_SINK, "sink", HVSIM_VMBUS_CLASS_SINK,
      HVSIM_GUID(0, 0x7369, 0x6e6b, 0x8000, 0x000000000002ull), sink_on_packet, NULL, NULL, NULL },
    { HVSIM_VMBUS_SOURCE, "source", HVSIM_VMBUS_CLASS_SOURCE,
      HVSIM_GUID(0, 0x7372, 0x6300, 0x8000, 0x000000000003ull), source_on_packet, source_pump, NULL, NULL },
    { HVSIM_VMBUS_INERT, "inert", HVSIM_GUID(0, 0, 0, 0, 0ull),
      HVSIM_GUID(0, 0x696e, 0x6572, 0x8000, 0x000000000004ull), inert_on_packet, NULL, NULL, NULL },
    /* IC models (vmbus_ic.c). Their instance GUIDs are fixed on real hosts:
     * pass the device's instance_id, or the host puts the relid in data1. */
    { HVSIM_VMBUS_HEARTBEAT, "heartbeat", VBW_CLASS_HEARTBEAT, VBW_INSTANCE_HEARTBEAT,
      hvsim_ic_on_packet, hvsim_ic_on_room, hvsim_ic_on_open, NULL },
    { HVSIM_VMBUS_SHUTDOWN, "shutdown", VBW_CLASS_SHUTDOWN, VBW_INSTANCE_SHUTDOWN,
      hvsim_ic_on_packet, hvsim_ic_on_room, hvsim_ic_on_open, NULL },
    { HVSIM_VMBUS_TIMESYNC, "timesync", VBW_CLASS_TIMESYNC, VBW_INSTANCE_TIMESYNC,
      hvsim_ic_on_packet, hvsim_ic_on_room, hvsim_ic_on_open, NULL },
    { HVSIM_VMBUS_KVP, "kvp", VBW_CLASS_KVP, VBW_INSTANCE_KVP,
      hvsim_ic_on_packet, hvsim_ic_on_room, hvsim_ic_on_open, NULL },
    /* The synthetic NIC (dev_netvsc.c), class f8615163-df3e-46c5-913f-f2d2f965ed0e. */
    { HVSIM_VMBUS_NETVSC, "netvsc", HVSIM_GUID(0xf8615163u, 0xdf3e, 0x46c5, 0x913f, 0xf2d2f965ed0eull),
      HVSIM_GUID(0, 0x6e65, 0x7476, 0x8000, 0x000000000005ull), hvsim_netvsc_on_packet, hvsim_netvsc_on_room,
      hvsim_netvsc_on_open, hvsim_netvsc_on_close },
    /* The SCSI controller's class (devices.md 2.1). */
    { HVSIM_VMBUS_STORAGE, "storvsc", HVSIM_GUID(0xba6163d9u, 0x04a1, 0x4d29, 0xb605, 0x72e2ffb1dc7full),
      HVSIM_GUID(0, 0x7363, 0x7369, 0x8000, 0x000000000005ull), storage_on_packet, hvsim_storage_on_room,
      hvsim_storage_on_open, NULL },
    /* hv_sock (dev_hvsock.c): no class of its own; each offer names its
     * service id and endpoint id (devices.md 3.1). */
    { HVSIM_VMBUS_HVSOCK, "hv_sock", HVSIM_GUID(0, 0, 0, 0, 0ull), HVSIM_GUID(0, 0, 0, 0, 0ull),
      hvsim_hvsock_on_packet, hvsim_hvsock_on_room, hvsim_hvsock_on_open, hvsim_hvsock_on_close },
};

const struct hvsim_vmbus_model *hvsim_vmbus_model(enum hvsim_vmbus_model_id id)
{
    if ((unsigned)id >= HVSIM_VMBUS_MODEL_COUNT)
        return &models[HVSIM_VMBUS_INERT];
    return &models[id];
}
