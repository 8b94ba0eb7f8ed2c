/* hvsim's synthetic NIC, RNDIS (devices.md 1.9-1.12): the guest's data
 * messages become frames for the backend; its control requests get their
 * completions through the receive buffer; the host's own indications and
 * keepalives go the same way. Everything is checked against msg_len and
 * the bytes that arrived. */
#include <string.h>

#include "tests/hvsim/dev_netvsc_private.h"

static bool data_message(struct hvsim_netvsc *dev, const uint8_t *msg, uint32_t len)
{
    if (len < HN_PACKET_HDR) {
        hn_error(dev, "RNDIS packet shorter than its header", len);
        return false;
    }
    const uint8_t *body = msg + 8;
    uint32_t offset = hn_get32(body, 0), length = hn_get32(body, 4);
    uint64_t end = 8ull + offset + length;
    if (offset < HN_PACKET_BODY || end > len || length < 14 || length > dev->cfg.mtu + 14) {
        hn_error(dev, "RNDIS packet data outside the message or a bad frame length", length);
        return false;
    }
    if (hn_get32(body, 8) || hn_get32(body, 12) || hn_get32(body, 16) || hn_get32(body, 28)) {
        hn_error(dev, "RNDIS packet with OOB data or a VC handle (OpenVMM refuses them)", 0);
        return false;
    }
    uint32_t ppi_off = hn_get32(body, 20), ppi_len = hn_get32(body, 24);
    if (ppi_len != 0 && (ppi_off < HN_PACKET_BODY || 8ull + ppi_off + ppi_len > len)) {
        hn_error(dev, "RNDIS per-packet info outside the message", ppi_off);
        return false;
    }
    hn_frame_from_guest(dev, body + offset, length);
    return true;
}

static void answer_init(struct hvsim_netvsc *dev, const uint8_t *body, uint32_t body_len)
{
    uint8_t r[44] = { 0 };
    hn_put32(r, 0, hn_get32(body, 0));
    bool ok = body_len >= 16 && hn_get32(body, 4) == 1 && !dev->cfg.faults.rndis_init_fails;
    if (body_len < 16 || hn_get32(body, 4) != 1)
        hn_error(dev, "RNDIS INITIALIZE short or not version 1", body_len);
    hn_put32(r, 4, ok ? HN_RS_SUCCESS : HN_RS_FAILURE);
    hn_put32(r, 8, 1);
    hn_put32(r, 12, 0);
    hn_put32(r, 16, 1);         /* connectionless */
    hn_put32(r, 20, 0);         /* 802.3 */
    hn_put32(r, 24, 8);         /* max packets per message */
    hn_put32(r, 28, 0x4000);    /* max transfer size */
    hn_put32(r, 32, 3);         /* 8-byte alignment */
    dev->st.rndis_initialized = ok;
    hn_queue_control(dev, HN_R_INIT | HN_R_DONE, r, sizeof(r));
}

/* The answer's data for oid, or 0 bytes when the host does not know it. */
static uint32_t oid_value(struct hvsim_netvsc *dev, uint32_t oid, uint8_t *out)
{
    switch (oid) {
    case HN_OID_PERMANENT_MAC:
    case HN_OID_CURRENT_MAC:
        memcpy(out, dev->cfg.mac, 6);
        return 6;
    case HN_OID_MAX_FRAME:
        hn_put32(out, 0, dev->cfg.mtu);
        return 4;
    case HN_OID_MEDIA_STATUS:
        hn_put32(out, 0, dev->st.link_up ? 0 : 1);
        return 4;
    case HN_OID_LINK_SPEED:
        hn_put32(out, 0, 100000000u);   /* 10 Gb/s in 100 bps units */
        return 4;
    default:
        return 0;
    }
}

static void answer_query(struct hvsim_netvsc *dev, const uint8_t *body, uint32_t body_len)
{
    uint8_t r[16 + 16] = { 0 };
    if (body_len < 20) {
        hn_error(dev, "RNDIS QUERY short", body_len);
        return;
    }
    uint32_t n = dev->cfg.faults.query_fails ? 0 : oid_value(dev, hn_get32(body, 4), r + 16);
    hn_put32(r, 0, hn_get32(body, 0));
    hn_put32(r, 4, n ? HN_RS_SUCCESS : HN_RS_NOT_SUPPORTED);
    hn_put32(r, 8, n);
    hn_put32(r, 12, n ? 16 : 0);
    hn_queue_control(dev, HN_R_QUERY | HN_R_DONE, r, 16 + n);
}

static void answer_set(struct hvsim_netvsc *dev, const uint8_t *body, uint32_t body_len)
{
    uint8_t r[8] = { 0 };
    if (body_len < 20) {
        hn_error(dev, "RNDIS SET short", body_len);
        return;
    }
    uint32_t oid = hn_get32(body, 4), len = hn_get32(body, 8), off = hn_get32(body, 12);
    bool fits = off >= 20 && (uint64_t)off + len <= body_len;
    uint32_t status = HN_RS_NOT_SUPPORTED;
    if (oid == HN_OID_FILTER && fits && len == 4) {
        dev->st.filter = hn_get32(body, off);
        status = HN_RS_SUCCESS;
    } else if (!fits) {
        hn_error(dev, "RNDIS SET data outside the message", off);
    }
    hn_put32(r, 0, hn_get32(body, 0));
    hn_put32(r, 4, status);
    hn_queue_control(dev, HN_R_SET | HN_R_DONE, r, sizeof(r));
}

static void answer_reset(struct hvsim_netvsc *dev)
{
    uint8_t r[8] = { 0 };
    dev->st.resets++;
    dev->st.filter = 0;   /* addressing reset: the guest sets it again */
    hn_put32(r, 0, HN_RS_SUCCESS);
    hn_put32(r, 4, 1);
    hn_queue_control(dev, HN_R_RESET | HN_R_DONE, r, sizeof(r));
}

bool hn_rndis_from_guest(struct hvsim_netvsc *dev, const uint8_t *msg, uint32_t length)
{
    if (length < 8 || hn_get32(msg, 4) < 8 || hn_get32(msg, 4) > length) {
        hn_error(dev, "RNDIS message truncated", length);
        return false;
    }
    uint32_t type = hn_get32(msg, 0), msg_len = hn_get32(msg, 4);
    const uint8_t *body = msg + 8;
    uint32_t body_len = msg_len - 8;
    if (type == HN_R_PACKET)
        return data_message(dev, msg, msg_len);
    dev->st.control_requests++;
    switch (type) {
    case HN_R_INIT:
        answer_init(dev, body, body_len);
        break;
    case HN_R_QUERY:
        answer_query(dev, body, body_len);
        break;
    case HN_R_SET:
        answer_set(dev, body, body_len);
        break;
    case HN_R_RESET:
        answer_reset(dev);
        break;
    case HN_R_HALT:
        dev->st.rndis_initialized = false;
        break;
    case HN_R_KEEPALIVE: {
        uint8_t r[8] = { 0 };
        memcpy(r, body, body_len >= 4 ? 4 : 0);
        hn_queue_control(dev, HN_R_KEEPALIVE | HN_R_DONE, r, sizeof(r));
        break;
    }
    case HN_R_KEEPALIVE | HN_R_DONE:
        if (body_len >= 8 && hn_get32(body, 4) == HN_RS_SUCCESS)
            dev->st.keepalives_answered++;
        else
            hn_error(dev, "KEEPALIVE_CMPLT short or failed", body_len);
        break;
    default:
        hn_error(dev, "unknown RNDIS message", type);
        return false;
    }
    hn_pump(dev);
    return true;
}

/* ---- the host's own messages ---- */

static void indicate(struct hvsim_netvsc *dev, uint32_t status)
{
    uint8_t r[12] = { 0 };
    hn_put32(r, 0, status);
    hn_queue_control(dev, HN_R_INDICATE, r, sizeof(r));
    hn_pump(dev);
}

void hvsim_netvsc_set_link(struct hvsim_netvsc *dev, bool up)
{
    dev->st.link_up = up;
    indicate(dev, up ? HN_RS_CONNECT : HN_RS_DISCONNECT);
}

void hvsim_netvsc_network_change(struct hvsim_netvsc *dev) { indicate(dev, 0x40010018u); }

void hvsim_netvsc_keepalive(struct hvsim_netvsc *dev)
{
    uint8_t r[4];
    hn_put32(r, 0, (uint32_t)(0x4b00 + dev->st.keepalives_sent++));
    hn_queue_control(dev, HN_R_KEEPALIVE, r, sizeof(r));
    hn_pump(dev);
}
