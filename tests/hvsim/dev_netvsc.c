/* hvsim's synthetic NIC, NVSP and the data path (devices.md 1.2-1.8).
 * Every guest message is checked against the state it is legal in and the
 * bytes it must carry; what is wrong is logged and counted
 * (protocol_errors) and answered with a failure where the protocol has an
 * answer. Frames for the guest wait in a queue until the receive buffer
 * has room: each goes into a sub-allocation, up to frames_per_packet of
 * them share one transfer-page packet, and the guest's completion of that
 * packet frees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/hvsim/dev_netvsc_private.h"

#define PAGE 4096u
#define MAX_RANGES 375u
#define DEFAULT_MAC { 0x00, 0x15, 0x5d, 0x68, 0x76, 0x01 }

void hn_error(struct hvsim_netvsc *dev, const char *what, uint32_t value)
{
    char line[128];
    snprintf(line, sizeof(line), "netvsc: %s (0x%x)", what, (unsigned)value);
    hvsim_vmbus_chan_log(dev->ch, line);
    dev->st.protocol_errors++;
}

static struct hvsim_netvsc *dev_of(struct hvsim_vmbus_chan *ch)
{
    return *hvsim_vmbus_chan_model_state(ch);
}

struct hvsim_netvsc *hvsim_netvsc_get(struct hvsim_vmbus *vb, uint32_t relid)
{
    struct hvsim_vmbus_chan *ch = hvsim_vmbus_chan_find(vb, relid);
    return ch && hvsim_vmbus_chan_info(ch)->model == HVSIM_VMBUS_NETVSC ? dev_of(ch) : NULL;
}

/* ---- guest memory through a GPADL ---- */

static bool gpadl_copy(struct hvsim_netvsc *dev, uint32_t handle, uint64_t offset, void *buf, uint32_t length,
                       bool to_guest)
{
    uint32_t pages = 0;
    const uint64_t *pfns = hvsim_vmbus_chan_gpadl(dev->ch, handle, &pages);
    if (!pfns || offset > (uint64_t)pages * PAGE || length > (uint64_t)pages * PAGE - offset)
        return false;
    uint8_t *p = buf;
    while (length > 0) {
        uint32_t in_page = (uint32_t)(offset % PAGE), chunk = PAGE - in_page < length ? PAGE - in_page : length;
        uint8_t *host = hvsim_gpa_to_host(dev->sim, (pfns[offset / PAGE] << 12) + in_page, chunk);
        if (!host)
            return false;
        if (to_guest)
            memcpy(host, p, chunk);
        else
            memcpy(p, host, chunk);
        p += chunk;
        offset += chunk;
        length -= chunk;
    }
    return true;
}

/* ---- open and close ---- */

static void config_defaults(struct hvsim_netvsc_config *c)
{
    static const uint8_t zero[6], mac[6] = DEFAULT_MAC;
    if (c->min_version == 0)
        c->min_version = HN_NVSP_V1;
    if (c->max_version == 0)
        c->max_version = HN_NVSP_V61;
    if (c->mtu == 0)
        c->mtu = 1500;
    if (memcmp(c->mac, zero, 6) == 0)
        memcpy(c->mac, mac, 6);
    if (c->tx_section_size == 0)
        c->tx_section_size = 6144;
    if (c->frames_per_packet == 0 || c->frames_per_packet > MAX_RANGES)
        c->frames_per_packet = 32;
}

void hvsim_netvsc_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch)
{
    (void)vb;
    struct hvsim_netvsc *dev = calloc(1, sizeof(*dev));
    if (!dev)
        return;
    const struct hvsim_netvsc_config *cfg = hvsim_vmbus_chan_model_config(ch);
    if (cfg)
        dev->cfg = *cfg;
    config_defaults(&dev->cfg);
    dev->ch = ch;
    dev->sim = hvsim_vmbus_chan_sim(ch);
    dev->st.link_up = !dev->cfg.link_down;
    dev->next_xfer_id = 1;
    *hvsim_vmbus_chan_model_state(ch) = dev;
    if (dev->cfg.tap_fd > 0)
        hn_tap_start(dev);
}

void hvsim_netvsc_on_close(struct hvsim_vmbus_chan *ch)
{
    struct hvsim_netvsc *dev = dev_of(ch);
    if (!dev)
        return;
    hn_tap_stop(dev);
    while (dev->head) {
        struct hn_msg *m = dev->head;
        dev->head = m->next;
        free(m);
    }
    for (uint32_t i = 0; i < dev->port_count; i++)
        free(dev->port[(dev->port_head + i) % HN_PORT_MAX].data);
    free(dev->sub_owner);
    free(dev->held);
    free(dev);
}

/* ---- replies ---- */

static uint32_t reply_size(const struct hvsim_netvsc *dev)
{
    return dev->st.version >= HN_NVSP_V61 ? HN_REPLY_LARGE : HN_REPLY_SMALL;
}

static enum hvsim_vmbus_verdict reply(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt, const uint8_t *msg)
{
    if (!(pkt->flags & HVSIM_PKT_FLAG_COMPLETION_REQUESTED)) {
        hn_error(dev, "a request without the completion flag", hn_get32(msg, 0));
        return HVSIM_VMBUS_DONE;
    }
    struct hvsim_packet_out out = {
        .type = HVSIM_PKT_COMP, .transaction_id = pkt->transaction_id, .payload = msg,
        .payload_len = reply_size(dev),
    };
    return hvsim_vmbus_chan_send(dev->ch, &out) == 1 ? HVSIM_VMBUS_RETRY : HVSIM_VMBUS_DONE;
}

/* The completion a guest send is owed: now, or later when the ring is
 * full or the stop_completing_sends fault holds it. */
static void complete_send(struct hvsim_netvsc *dev, uint64_t id, uint32_t status)
{
    uint8_t msg[HN_REPLY_LARGE] = { 0 };
    hn_put32(msg, 0, HN_MSG_RNDIS_DONE);
    hn_put32(msg, 4, status);
    struct hvsim_packet_out out = {
        .type = HVSIM_PKT_COMP, .transaction_id = id, .payload = msg, .payload_len = reply_size(dev),
    };
    if (!dev->cfg.faults.stop_completing_sends && dev->held_count == 0 && !dev->flushing &&
        hvsim_vmbus_chan_send(dev->ch, &out) != 1)
        return;
    if (dev->held_count == dev->held_cap) {
        uint32_t cap = dev->held_cap ? dev->held_cap * 2 : 64;
        struct hn_held *h = realloc(dev->held, cap * sizeof(*h));
        if (!h)
            return;
        dev->held = h;
        dev->held_cap = cap;
    }
    dev->held[dev->held_count++] = (struct hn_held){ id, status };
    dev->st.held_sends = dev->held_count;
}

static void flush_held(struct hvsim_netvsc *dev)
{
    struct hn_held *h = dev->held;
    uint32_t done = 0;
    if (dev->held_count == 0 || dev->flushing)
        return;
    dev->flushing = true;
    while (done < dev->held_count && !dev->cfg.faults.stop_completing_sends) {
        uint8_t msg[HN_REPLY_LARGE] = { 0 };
        hn_put32(msg, 0, HN_MSG_RNDIS_DONE);
        hn_put32(msg, 4, h[done].status);
        struct hvsim_packet_out out = {
            .type = HVSIM_PKT_COMP, .transaction_id = h[done].id, .payload = msg, .payload_len = reply_size(dev),
        };
        if (hvsim_vmbus_chan_send(dev->ch, &out) == 1)
            break;
        done++;
    }
    memmove(h, h + done, (dev->held_count - done) * sizeof(*h));
    dev->held_count -= done;
    dev->st.held_sends = dev->held_count;
    dev->flushing = false;
}

void hvsim_netvsc_resume_sends(struct hvsim_netvsc *dev) { flush_held(dev); }

/* ---- NVSP messages from the guest ---- */

static bool version_known(uint32_t v)
{
    return v == HN_NVSP_V1 || v == HN_NVSP_V2 || v == HN_NVSP_V4 || v == HN_NVSP_V5 || v == HN_NVSP_V6 ||
           v == HN_NVSP_V61;
}

static enum hvsim_vmbus_verdict on_init(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t v = hn_get32(pkt->payload, 4);
    bool ok = version_known(v) && v >= dev->cfg.min_version && v <= dev->cfg.max_version;
    if (dev->st.version != 0)
        hn_error(dev, "INIT again", v);
    uint8_t msg[HN_REPLY_LARGE] = { 0 };
    hn_put32(msg, 0, HN_MSG_INIT_DONE);
    hn_put32(msg, 4, 0xFFFFFFFFu);   /* deprecated, as OpenVMM writes it */
    hn_put32(msg, 8, 34);
    hn_put32(msg, 12, ok ? HN_OK : 0);   /* OpenVMM answers an unknown version with 0 */
    if (ok)
        dev->st.version = v;
    return reply(dev, pkt, msg);
}

/* A host completes every packet that asks for it (1.5), even those that
 * need no answer. */
static enum hvsim_vmbus_verdict complete_empty(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    if (!(pkt->flags & HVSIM_PKT_FLAG_COMPLETION_REQUESTED))
        return HVSIM_VMBUS_DONE;
    struct hvsim_packet_out out = { .type = HVSIM_PKT_COMP, .transaction_id = pkt->transaction_id };
    return hvsim_vmbus_chan_send(dev->ch, &out) == 1 ? HVSIM_VMBUS_RETRY : HVSIM_VMBUS_DONE;
}

static enum hvsim_vmbus_verdict on_ndis_version(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    dev->st.ndis_major = hn_get32(pkt->payload, 4);
    dev->st.ndis_minor = hn_get32(pkt->payload, 8);
    if (dev->st.version == 0 || dev->st.ndis_major != 6)
        hn_error(dev, "NDIS version before INIT, or not 6.x", dev->st.ndis_major);
    return complete_empty(dev, pkt);
}

static enum hvsim_vmbus_verdict on_ndis_config(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t mtu = hn_get32(pkt->payload, 4);
    if (dev->st.version <= HN_NVSP_V1)
        hn_error(dev, "NDIS config needs NVSP > 1", dev->st.version);
    dev->st.ndis_mtu = mtu >= 1514 && mtu <= 9216 ? mtu : 1514;   /* OpenVMM's rule */
    return complete_empty(dev, pkt);
}

static enum hvsim_vmbus_verdict on_rx_buffer(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t handle = hn_get32(pkt->payload, 4), pages = 0;
    uint8_t msg[HN_REPLY_LARGE] = { 0 };
    hn_put32(msg, 0, HN_MSG_RXBUF_DONE);
    uint32_t sub = 256 + (dev->cfg.mtu + 14) + 36;   /* OpenVMM: 1806 for a 1514-byte frame */
    bool ok = dev->st.version != 0 && !dev->st.rx_buffer && hvsim_vmbus_chan_gpadl(dev->ch, handle, &pages) &&
              pages * PAGE >= sub;
    if (!ok) {
        hn_error(dev, "receive buffer refused (before INIT, twice, or no such GPADL)", handle);
        hn_put32(msg, 4, HN_FAILED);
        return reply(dev, pkt, msg);
    }
    uint32_t count = pages * PAGE / sub;
    free(dev->sub_owner);
    dev->sub_owner = calloc(count, sizeof(uint64_t));
    if (!dev->sub_owner) {
        hn_put32(msg, 4, HN_FAILED);
        return reply(dev, pkt, msg);
    }
    dev->rx_gpadl = handle;
    dev->rx_id = hn_get16(pkt->payload, 8);
    dev->rx_bytes = pages * PAGE;
    dev->st.rx_buffer = true;
    dev->st.rx_section_size = sub;
    dev->st.rx_section_count = count;
    hn_put32(msg, 4, HN_OK);
    hn_put32(msg, 8, 1);
    hn_put32(msg, 12, 0);
    hn_put32(msg, 16, sub);
    hn_put32(msg, 20, count);
    hn_put32(msg, 24, sub * count);
    return reply(dev, pkt, msg);
}

static enum hvsim_vmbus_verdict on_tx_buffer(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t handle = hn_get32(pkt->payload, 4), pages = 0;
    uint8_t msg[HN_REPLY_LARGE] = { 0 };
    hn_put32(msg, 0, HN_MSG_TXBUF_DONE);
    bool ok = dev->st.version != 0 && !dev->st.tx_buffer && hvsim_vmbus_chan_gpadl(dev->ch, handle, &pages) &&
              pages * PAGE >= dev->cfg.tx_section_size;
    if (!ok)
        hn_error(dev, "send buffer refused (before INIT, twice, or no such GPADL)", handle);
    else {
        dev->tx_gpadl = handle;
        dev->tx_bytes = pages * PAGE;
        dev->st.tx_buffer = true;
        dev->st.tx_section_size = dev->cfg.tx_section_size;
    }
    hn_put32(msg, 4, ok ? HN_OK : HN_FAILED);
    hn_put32(msg, 8, ok ? dev->cfg.tx_section_size : 0);
    return reply(dev, pkt, msg);
}

static enum hvsim_vmbus_verdict on_revoke(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t type = hn_get32(pkt->payload, 0);
    uint16_t id = hn_get16(pkt->payload, 4);
    if (type == HN_MSG_RXBUF_REVOKE) {
        if (!dev->st.rx_buffer || id != dev->rx_id)
            hn_error(dev, "revoke of a receive buffer not announced", id);
        dev->st.rx_buffer = false;
    } else {
        if (!dev->st.tx_buffer)
            hn_error(dev, "revoke of a send buffer not announced", id);
        dev->st.tx_buffer = false;
    }
    return HVSIM_VMBUS_DONE;
}

/* A guest send: the RNDIS message in a send section (in-band) or in the
 * pages of a GPA-direct packet. */
static void rndis_message(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt, const uint8_t *msg, uint32_t len)
{
    bool ok = hn_rndis_from_guest(dev, msg, len);
    if (pkt->flags & HVSIM_PKT_FLAG_COMPLETION_REQUESTED)
        complete_send(dev, pkt->transaction_id, ok ? HN_OK : HN_FAILED);
    else
        hn_error(dev, "an RNDIS send without the completion flag", 0);
}

static enum hvsim_vmbus_verdict on_rndis_inband(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t index = hn_get32(pkt->payload, 8), size = hn_get32(pkt->payload, 12);
    static uint8_t buf[HN_MAX_MESSAGE];
    uint32_t sections = dev->st.tx_buffer ? dev->tx_bytes / dev->cfg.tx_section_size : 0;
    if (index == HN_NO_SECTION || index >= sections || size == 0 || size > dev->cfg.tx_section_size ||
        size > sizeof(buf) ||
        !gpadl_copy(dev, dev->tx_gpadl, (uint64_t)index * dev->cfg.tx_section_size, buf, size, false)) {
        hn_error(dev, "RNDIS send names a bad section", index);
        if (pkt->flags & HVSIM_PKT_FLAG_COMPLETION_REQUESTED)
            complete_send(dev, pkt->transaction_id, HN_FAILED);
        return HVSIM_VMBUS_DONE;
    }
    rndis_message(dev, pkt, buf, size);
    return HVSIM_VMBUS_DONE;
}

/* Bytes the GPA-direct ranges describe, concatenated into buf. */
static uint32_t gather(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt, uint8_t *buf, uint32_t size)
{
    struct hvsim_gpa_range v;
    uint32_t pos = 0;
    for (uint32_t r = 0; hvsim_gpa_direct_range(pkt, r, &v); r++) {
        uint32_t left = v.byte_count, offset = v.byte_offset;
        if (left > size - pos)
            return 0;
        for (uint32_t i = 0; i < v.pfn_count && left > 0; i++) {
            uint64_t pfn = hvsim_gpa_range_pfn(&v, i);
            uint32_t chunk = PAGE - offset < left ? PAGE - offset : left;
            const void *src = pfn <= (UINT64_MAX >> 12) ? hvsim_gpa_to_host(dev->sim, (pfn << 12) + offset, chunk) : NULL;
            if (!src)
                return 0;
            memcpy(buf + pos, src, chunk);
            pos += chunk;
            left -= chunk;
            offset = 0;
        }
    }
    return pos;
}

static enum hvsim_vmbus_verdict on_gpa_direct(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    static uint8_t buf[HN_MAX_MESSAGE];
    uint32_t len = pkt->payload_len >= HN_LEN_RNDIS ? gather(dev, pkt, buf, sizeof(buf)) : 0;
    if (len == 0 || hn_get32(pkt->payload, 0) != HN_MSG_RNDIS || hn_get32(pkt->payload, 8) != HN_NO_SECTION) {
        hn_error(dev, "GPA-direct packet that is not an RNDIS send without a section", len);
        if (pkt->flags & HVSIM_PKT_FLAG_COMPLETION_REQUESTED)
            complete_send(dev, pkt->transaction_id, HN_FAILED);
        return HVSIM_VMBUS_DONE;
    }
    dev->st.tx_gpa_direct++;
    rndis_message(dev, pkt, buf, len);
    return HVSIM_VMBUS_DONE;
}

/* The guest's completion of a receive packet: its sub-allocations are free. */
static void on_ack(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt)
{
    uint32_t freed = 0;
    for (uint32_t i = 0; dev->sub_owner && i < dev->st.rx_section_count; i++)
        if (dev->sub_owner[i] == pkt->transaction_id) {
            dev->sub_owner[i] = 0;
            freed++;
        }
    if (freed == 0 || pkt->payload_len < HN_LEN_ACK || hn_get32(pkt->payload, 0) != HN_MSG_RNDIS_DONE) {
        hn_error(dev, "completion of no receive packet, or not an RNDIS ack", (uint32_t)pkt->transaction_id);
        return;
    }
    if (hn_get32(pkt->payload, 4) == HN_OK)
        dev->st.acks++;
    else
        dev->st.naks++;
    hn_pump(dev);
}

struct nvsp_handler {
    uint32_t type, min_len;
    enum hvsim_vmbus_verdict (*fn)(struct hvsim_netvsc *dev, const struct hvsim_packet *pkt);
};

static const struct nvsp_handler handlers[] = {
    { HN_MSG_INIT, HN_LEN_INIT, on_init },
    { HN_MSG_NDIS_VER, HN_LEN_NDIS_VER, on_ndis_version },
    { HN_MSG_NDIS_CONF, HN_LEN_NDIS_CONF, on_ndis_config },
    { HN_MSG_RXBUF, HN_LEN_BUF, on_rx_buffer },
    { HN_MSG_TXBUF, HN_LEN_BUF, on_tx_buffer },
    { HN_MSG_RXBUF_REVOKE, HN_LEN_REVOKE, on_revoke },
    { HN_MSG_TXBUF_REVOKE, HN_LEN_REVOKE, on_revoke },
    { HN_MSG_RNDIS, HN_LEN_RNDIS, on_rndis_inband },
};

enum hvsim_vmbus_verdict hvsim_netvsc_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    struct hvsim_netvsc *dev = dev_of(ch);
    if (!dev)
        return HVSIM_VMBUS_DONE;
    if (pkt->type == HVSIM_PKT_COMP) {
        on_ack(dev, pkt);
        return HVSIM_VMBUS_DONE;
    }
    if (pkt->type == HVSIM_PKT_GPA_DIRECT)
        return on_gpa_direct(dev, pkt);
    uint32_t type = pkt->payload_len >= 4 ? hn_get32(pkt->payload, 0) : 0;
    for (unsigned i = 0; pkt->type == HVSIM_PKT_INBAND && i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        if (handlers[i].type != type)
            continue;
        if (pkt->payload_len < handlers[i].min_len) {
            hn_error(dev, "NVSP message too short", type);
            return HVSIM_VMBUS_DONE;
        }
        return handlers[i].fn(dev, pkt);
    }
    hn_error(dev, "unknown NVSP message or packet type", type);
    return HVSIM_VMBUS_DONE;
}

void hvsim_netvsc_on_room(struct hvsim_vmbus_chan *ch)
{
    struct hvsim_netvsc *dev = dev_of(ch);
    if (!dev)
        return;
    flush_held(dev);
    hn_pump(dev);
}

/* ---- the receive queue and the receive buffer ---- */

static void queue_append(struct hvsim_netvsc *dev, struct hn_msg *m)
{
    m->next = NULL;
    if (dev->tail)
        dev->tail->next = m;
    else
        dev->head = m;
    dev->tail = m;
    dev->queued++;
}

void hn_queue_control(struct hvsim_netvsc *dev, uint32_t type, const void *body, uint32_t body_len)
{
    struct hn_msg *m = malloc(sizeof(*m) + 8 + body_len);
    if (!m)
        return;
    m->control = true;
    m->length = 8 + body_len;
    hn_put32(m->data, 0, type);
    hn_put32(m->data, 4, m->length);
    memcpy(m->data + 8, body, body_len);
    queue_append(dev, m);
}

static int take_sub(struct hvsim_netvsc *dev, uint64_t owner)
{
    uint32_t n = dev->st.rx_section_count;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (dev->sub_cursor + k) % n;
        if (dev->sub_owner[i] == 0) {
            dev->sub_owner[i] = owner;
            dev->sub_cursor = (i + 1) % n;
            return (int)i;
        }
    }
    return -1;
}

static void release_subs(struct hvsim_netvsc *dev, uint64_t owner)
{
    for (uint32_t i = 0; i < dev->st.rx_section_count; i++)
        if (dev->sub_owner[i] == owner)
            dev->sub_owner[i] = 0;
}

/* The faults that bend a packet's ranges (used up one packet at a time). */
static void bend_ranges(struct hvsim_netvsc *dev, uint8_t *ext, uint32_t *count)
{
    struct hvsim_netvsc_faults *f = &dev->cfg.faults;
    if (f->range_outside > 0) {
        f->range_outside--;
        hn_put32(ext, HN_XFER_HDR + 4, dev->rx_bytes - 8);   /* the first range runs past the end */
    } else if (f->range_overlap > 0) {
        f->range_overlap--;
        if (*count == 1) {   /* the same range twice */
            memcpy(ext + HN_XFER_HDR + 8, ext + HN_XFER_HDR, 8);
            *count = 2;
            hn_put32(ext, 4, 2);
        } else {
            hn_put32(ext, HN_XFER_HDR + 12, hn_get32(ext, HN_XFER_HDR + 4) + 4);   /* the second starts inside the first */
        }
    }
}

/* Messages of one kind (data or control) into the receive buffer, one
 * transfer-page packet for them. false when nothing could go (no room in
 * the buffer or the ring). */
static bool pump_one(struct hvsim_netvsc *dev)
{
    static uint8_t ext[HN_XFER_HDR + 8 * (MAX_RANGES + 1)];
    uint64_t id = dev->next_xfer_id;
    bool control = dev->head->control;
    uint32_t max = control ? 1 : dev->cfg.frames_per_packet, count = 0;
    struct hn_msg *m = dev->head;
    for (; m && m->control == control && count < max; m = m->next) {
        int sub = take_sub(dev, id);
        if (sub < 0)
            break;
        uint32_t offset = (uint32_t)sub * dev->st.rx_section_size, claimed = m->length;
        if (dev->cfg.faults.truncate > 0) {
            dev->cfg.faults.truncate--;
            claimed += 64;   /* msg_len says more than the range holds */
        }
        hn_put32(m->data, 4, claimed);
        if (!gpadl_copy(dev, dev->rx_gpadl, offset, m->data, m->length, true)) {
            release_subs(dev, id);
            hn_error(dev, "the receive buffer's GPADL is gone", dev->rx_gpadl);
            return false;
        }
        hn_put32(ext, HN_XFER_HDR + count * 8, m->length);
        hn_put32(ext, HN_XFER_HDR + count * 8 + 4, offset);
        count++;
    }
    if (count == 0)
        return false;
    hn_put16(ext, 0, dev->rx_id);
    hn_put16(ext, 2, 0);
    hn_put32(ext, 4, count);
    uint32_t sent_count = count;
    bend_ranges(dev, ext, &sent_count);
    uint8_t nvsp[HN_REPLY_LARGE] = { 0 };
    hn_put32(nvsp, 0, HN_MSG_RNDIS);
    hn_put32(nvsp, 4, control ? 1 : 0);
    hn_put32(nvsp, 8, HN_NO_SECTION);
    struct hvsim_packet_out out = {
        .type = HVSIM_PKT_XFER_PAGES, .flags = HVSIM_PKT_FLAG_COMPLETION_REQUESTED,
        .transaction_id = id, .ext = ext, .ext_len = HN_XFER_HDR + 8 * sent_count,
        .payload = nvsp, .payload_len = reply_size(dev),
    };
    if (hvsim_vmbus_chan_send(dev->ch, &out) != 0) {
        release_subs(dev, id);   /* ring full: the messages stay queued */
        return false;
    }
    dev->next_xfer_id++;
    dev->st.rx_packets++;
    for (uint32_t i = 0; i < count; i++) {
        struct hn_msg *done = dev->head;
        dev->head = done->next;
        if (!dev->head)
            dev->tail = NULL;
        dev->queued--;
        if (!control) {
            dev->st.frames_to_guest++;
            dev->st.bytes_to_guest += done->length - HN_PACKET_HDR;
        }
        free(done);
    }
    return true;
}

void hn_pump(struct hvsim_netvsc *dev)
{
    if (dev->pumping) {
        dev->pump_again = true;
        return;
    }
    dev->pumping = true;
    do {
        dev->pump_again = false;
        while (dev->head && !dev->hold && dev->st.rx_buffer && dev->sub_owner && pump_one(dev))
            ;
    } while (dev->pump_again);
    dev->pumping = false;
}

int hvsim_netvsc_inject(struct hvsim_netvsc *dev, const void *frame, uint32_t length)
{
    if (!dev->st.rndis_initialized || dev->st.filter == 0 || !dev->st.link_up) {
        dev->st.drops_no_filter++;   /* the host delivers nothing until a filter is set (1.12) */
        return -1;
    }
    if (dev->queued >= HN_QUEUE_MAX || length < 14 || length > dev->cfg.mtu + 14) {
        dev->st.drops_queue_full++;
        return -1;
    }
    struct hn_msg *m = malloc(sizeof(*m) + HN_PACKET_HDR + length);
    if (!m)
        return -1;
    memset(m->data, 0, HN_PACKET_HDR);
    m->control = false;
    m->length = HN_PACKET_HDR + length;
    hn_put32(m->data, 0, HN_R_PACKET);
    hn_put32(m->data, 4, m->length);
    hn_put32(m->data, 8, HN_PACKET_BODY);   /* data offset, from the body */
    hn_put32(m->data, 12, length);
    memcpy(m->data + HN_PACKET_HDR, frame, length);
    queue_append(dev, m);
    hn_pump(dev);
    return 0;
}

/* ---- frames from the guest: to the backend ---- */

void hn_frame_from_guest(struct hvsim_netvsc *dev, const uint8_t *frame, uint32_t length)
{
    dev->st.frames_from_guest++;
    dev->st.bytes_from_guest += length;
    if (dev->sink) {
        dev->sink(dev->sink_ctx, frame, length);
        return;
    }
    if (dev->cfg.tap_fd > 0) {
        if (write(dev->cfg.tap_fd, frame, length) != (ssize_t)length)
            hvsim_vmbus_chan_log(dev->ch, "netvsc: TAP write failed");
        return;
    }
    if (dev->port_count == HN_PORT_MAX) {
        dev->st.drops_queue_full++;
        return;
    }
    uint8_t *copy = malloc(length);
    if (!copy)
        return;
    memcpy(copy, frame, length);
    dev->port[(dev->port_head + dev->port_count) % HN_PORT_MAX] = (struct hn_frame){ length, copy };
    dev->port_count++;
}

int hvsim_netvsc_take(struct hvsim_netvsc *dev, void *buf, uint32_t size)
{
    if (dev->port_count == 0)
        return -1;
    struct hn_frame *f = &dev->port[dev->port_head];
    uint32_t n = f->length < size ? f->length : size;
    memcpy(buf, f->data, n);
    int length = (int)f->length;
    free(f->data);
    dev->port_head = (dev->port_head + 1) % HN_PORT_MAX;
    dev->port_count--;
    return length;
}

void hvsim_netvsc_hold(struct hvsim_netvsc *dev, bool hold)
{
    dev->hold = hold;
    hn_pump(dev);
}

void hvsim_netvsc_set_sink(struct hvsim_netvsc *dev, void (*fn)(void *ctx, const uint8_t *frame, uint32_t length),
                           void *ctx)
{
    dev->sink = fn;
    dev->sink_ctx = ctx;
}

void hvsim_netvsc_set_faults(struct hvsim_netvsc *dev, const struct hvsim_netvsc_faults *f)
{
    dev->cfg.faults = *f;
    if (!f->stop_completing_sends)
        flush_held(dev);
}

void hvsim_netvsc_stats(const struct hvsim_netvsc *dev, struct hvsim_netvsc_stats *out) { *out = dev->st; }
