/* RNDIS control over NVSP: requests go out in send sections (channel type
 * control); their completions come back as received messages in the
 * receive buffer and are matched by request id (a small integer) and type.
 * Also what the host says unasked: link indications and keepalives. */
#include <stdio.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "drivers/netvsc/netvsc.h"

#define CONTROL_MAX 64u   /* bytes of the largest request we build */

static struct netvsc_request *slot_take(struct hvrt_nic *nic, uint32_t completion_type)
{
    for (unsigned i = 0; i < NETVSC_RNDIS_SLOTS; i++) {
        struct netvsc_request *r = &nic->requests[i];
        if (!__atomic_exchange_n(&r->busy, true, __ATOMIC_ACQUIRE)) {
            r->done = false;
            r->type = completion_type;
            r->length = 0;
            if (++nic->next_request_id == 0)
                nic->next_request_id = 1;
            r->id = nic->next_request_id;
            return r;
        }
    }
    return NULL;
}

static void slot_release(struct netvsc_request *r)
{
    r->id = 0;
    __atomic_store_n(&r->busy, false, __ATOMIC_RELEASE);
}

/* Sends type with body (whose first u32 is the request id, filled in here;
 * RESET has none) and waits for the completion. The reply (its body) is
 * left in the slot: release it when done. NULL on failure. */
static struct netvsc_request *call(struct hvrt_nic *nic, uint32_t type, void *body, uint32_t body_len,
                                   const void *data, uint32_t data_len)
{
    uint8_t msg[CONTROL_MAX];
    struct rndis_header h = { type, (uint32_t)sizeof(h) + body_len + data_len };
    struct netvsc_request *r = slot_take(nic, type | RNDIS_COMPLETION);
    if (r == NULL || h.length > sizeof(msg)) {
        nic->counters.control_errors++;
        return NULL;
    }
    if (type != RNDIS_RESET_MSG)
        memcpy(body, &r->id, sizeof(r->id));
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), body, body_len);
    if (data_len)
        memcpy(msg + sizeof(h) + body_len, data, data_len);
    uint64_t deadline = netvsc_deadline(nic);
    NTSTATUS st;
    while ((st = tx_control(nic, msg, h.length)) == STATUS_INSUFFICIENT_RESOURCES && hvrt_time_ns() < deadline)
        hvrt_sleep_us(100);   /* every section busy: the host completes some */
    if (NT_SUCCESS(st) && netvsc_wait(&r->done, deadline))
        return r;
    printf("%s: RNDIS message 0x%x %s\n", nic->name, (unsigned)type, NT_SUCCESS(st) ? "not answered" : "not sent");
    nic->counters.control_errors++;
    slot_release(r);
    return NULL;
}

static int query(struct hvrt_nic *nic, uint32_t oid, void *out, uint32_t size)
{
    struct rndis_query q = { 0, oid, 0, sizeof(q), 0 };
    struct netvsc_request *r = call(nic, RNDIS_QUERY_MSG, &q, sizeof(q), NULL, 0);
    if (r == NULL)
        return -1;
    struct rndis_query_complete c;
    memcpy(&c, r->reply, sizeof(c));
    /* The data must lie inside what arrived (r->length bytes of body). */
    int rc = -1;
    if (r->length >= sizeof(c) && c.status == RNDIS_STATUS_SUCCESS && c.buffer_offset >= sizeof(c) &&
        c.buffer_length >= size && c.buffer_offset <= r->length && size <= r->length - c.buffer_offset) {
        memcpy(out, r->reply + c.buffer_offset, size);
        rc = 0;
    } else {
        nic->counters.control_errors++;
    }
    slot_release(r);
    return rc;
}

static int simple(struct hvrt_nic *nic, uint32_t type, void *body, uint32_t body_len, const void *data,
                  uint32_t data_len)
{
    struct netvsc_request *r = call(nic, type, body, body_len, data, data_len);
    if (r == NULL)
        return -1;
    struct rndis_set_complete c;   /* request id, status: INITIALIZE and SET alike */
    memcpy(&c, r->reply, sizeof(c));
    int rc = r->length >= sizeof(c) && c.status == RNDIS_STATUS_SUCCESS ? 0 : -1;
    if (rc != 0)
        nic->counters.control_errors++;
    slot_release(r);
    return rc;
}

static int set_filter(struct hvrt_nic *nic)
{
    uint32_t filter = RNDIS_FILTER_DIRECTED | RNDIS_FILTER_BROADCAST | RNDIS_FILTER_ALL_MULTICAST;
    struct rndis_query s = { 0, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, sizeof(filter), sizeof(s), 0 };
    return simple(nic, RNDIS_SET_MSG, &s, sizeof(s), &filter, sizeof(filter));
}

int rndis_bring_up(struct hvrt_nic *nic)
{
    struct rndis_initialize init = { 0, 1, 0, 0x4000 };
    if (simple(nic, RNDIS_INITIALIZE_MSG, &init, sizeof(init), NULL, 0) != 0) {
        printf("%s: RNDIS INITIALIZE failed\n", nic->name);
        return -1;
    }
    uint32_t frame = 0, media = 1, speed = 0;
    if (query(nic, RNDIS_OID_802_3_PERMANENT_ADDRESS, nic->mac, 6) != 0) {
        printf("%s: no MAC address from the host\n", nic->name);
        return -1;
    }
    nic->mtu = nic->config.mtu;
    if (query(nic, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &frame, 4) == 0 && frame >= 576 && frame < nic->mtu)
        nic->mtu = frame;   /* the host may lower the MTU, never raise it */
    if (query(nic, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &media, 4) == 0)
        netvsc_set_link(nic, media == 0);
    if (query(nic, RNDIS_OID_GEN_LINK_SPEED, &speed, 4) == 0)
        nic->link_speed = speed;
    /* Until a filter is set, the host delivers nothing (devices.md 1.12). */
    if (set_filter(nic) != 0) {
        printf("%s: the host refused the packet filter\n", nic->name);
        return -1;
    }
    return 0;
}

/* RESET: the host drops what it holds; with addressing_reset set the
 * filter is gone too and is set again. */
int hvrt_net_reset(struct hvrt_nic *nic)
{
    if (nic->state != NETVSC_UP)
        return -1;
    struct rndis_reset body = { 0 };
    struct netvsc_request *r = call(nic, RNDIS_RESET_MSG, &body, sizeof(body), NULL, 0);
    if (r == NULL)
        return -1;
    struct rndis_reset_complete c;
    memcpy(&c, r->reply, sizeof(c));
    bool whole = r->length >= sizeof(c);
    slot_release(r);
    if (!whole || c.status != RNDIS_STATUS_SUCCESS)
        return -1;
    return c.addressing_reset ? set_filter(nic) : 0;
}

/* The NIC is gone: waiters wake with an empty reply (a failure) rather
 * than wait out their timeout; their slots stay theirs until they look. */
void rndis_cancel_requests(struct hvrt_nic *nic)
{
    for (unsigned i = 0; i < NETVSC_RNDIS_SLOTS; i++) {
        struct netvsc_request *r = &nic->requests[i];
        if (r->busy && !r->done) {
            r->length = 0;
            __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
        }
    }
}

/* ---- from the receive path ---- */

static void completion(struct hvrt_nic *nic, uint32_t type, const uint8_t *body, uint32_t length)
{
    uint32_t id = 0;
    bool reset = type == (RNDIS_RESET_MSG | RNDIS_COMPLETION);   /* the one completion without an id */
    if (!reset) {
        if (length < 4)
            goto bad;
        memcpy(&id, body, 4);
    }
    for (unsigned i = 0; i < NETVSC_RNDIS_SLOTS; i++) {
        struct netvsc_request *r = &nic->requests[i];
        if (r->busy && !r->done && r->type == type && (reset || r->id == id)) {
            r->length = length < NETVSC_RNDIS_REPLY ? length : NETVSC_RNDIS_REPLY;
            memcpy(r->reply, body, r->length);
            __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
            return;
        }
    }
bad:
    nic->counters.control_errors++;   /* late, forged or never asked for */
}

static void indication(struct hvrt_nic *nic, const uint8_t *body, uint32_t length)
{
    struct rndis_indicate_status s;
    if (length < sizeof(s)) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        return;
    }
    memcpy(&s, body, sizeof(s));
    switch (s.status) {
    case RNDIS_STATUS_MEDIA_CONNECT:
        netvsc_set_link(nic, true);
        break;
    case RNDIS_STATUS_MEDIA_DISCONNECT:
        netvsc_set_link(nic, false);
        break;
    case RNDIS_STATUS_NETWORK_CHANGE:   /* a new network: down and up, so DHCP runs again */
        netvsc_set_link(nic, false);
        netvsc_set_link(nic, true);
        break;
    case RNDIS_STATUS_LINK_SPEED_CHANGE:
        if (s.buffer_length >= 4 && s.buffer_offset <= length && length - s.buffer_offset >= 4)
            memcpy(&nic->link_speed, body + s.buffer_offset, 4);
        break;
    default:
        break;   /* offload configuration and the like: nothing to do */
    }
}

static void keepalive(struct hvrt_nic *nic, const uint8_t *body, uint32_t length)
{
    if (length < sizeof(struct rndis_keepalive)) {
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        return;
    }
    uint8_t msg[sizeof(struct rndis_header) + sizeof(struct rndis_set_complete)];
    struct rndis_header h = { RNDIS_KEEPALIVE_MSG | RNDIS_COMPLETION, sizeof(msg) };
    struct rndis_set_complete c = { 0, RNDIS_STATUS_SUCCESS };
    memcpy(&c.request_id, body, 4);
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), &c, sizeof(c));
    if (!NT_SUCCESS(tx_control(nic, msg, sizeof(msg))))
        nic->counters.control_errors++;
}

void rndis_control(struct hvrt_nic *nic, const uint8_t *msg, uint32_t length)
{
    struct rndis_header h;
    memcpy(&h, msg, sizeof(h));   /* the caller checked length >= 8 and h.length <= length */
    const uint8_t *body = msg + sizeof(h);
    uint32_t body_len = h.length - (uint32_t)sizeof(h);
    switch (h.type) {
    case RNDIS_INITIALIZE_MSG | RNDIS_COMPLETION:
    case RNDIS_QUERY_MSG | RNDIS_COMPLETION:
    case RNDIS_SET_MSG | RNDIS_COMPLETION:
    case RNDIS_RESET_MSG | RNDIS_COMPLETION:
    case RNDIS_KEEPALIVE_MSG | RNDIS_COMPLETION:
        completion(nic, h.type, body, body_len);
        break;
    case RNDIS_INDICATE_STATUS_MSG:
        /* older vSwitches leave the status buffer out of msg_len: the range bounds it */
        indication(nic, body, length - (uint32_t)sizeof(h));
        break;
    case RNDIS_KEEPALIVE_MSG:
        keepalive(nic, body, body_len);
        break;
    default:
        nic->counters.drops[HVRT_NET_DROP_RX_BAD_RNDIS]++;
        break;
    }
}
