/* hvsim's hv_sock host (dev_hvsock.h): connection requests, the offers
 * that answer them, pipe packets both ways, FINs and rescinds. devices.md
 * section 3; the flavour is OpenVMM's host where Hyper-V's behaviour is not
 * stated by any source (3.3: what Hyper-V sends on success and failure). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/hvsim/dev_hvsock_private.h"
#include "tests/hvsim/dev_hvsock_wire.h"

#define DEFAULT_CHUNK 2048u                      /* OpenVMM's byte pipe */
#define DEFAULT_OPEN_TIMEOUT_NS 5000000000ull    /* OpenVMM's relay */
#define DEFAULT_BUFFER (256u * 1024u)

/* ---- the byte FIFO ---- */

uint32_t hs_fifo_push(struct hs_fifo *f, const void *data, uint32_t len)
{
    uint32_t room = f->cap - f->len, n = len < room ? len : room;
    uint32_t tail = (f->head + f->len) % f->cap, first = f->cap - tail < n ? f->cap - tail : n;
    memcpy(f->buf + tail, data, first);
    memcpy(f->buf, (const uint8_t *)data + first, n - first);
    f->len += n;
    return n;
}

uint32_t hs_fifo_peek(const struct hs_fifo *f, void *out, uint32_t len)
{
    uint32_t n = len < f->len ? len : f->len;
    uint32_t first = f->cap - f->head < n ? f->cap - f->head : n;
    memcpy(out, f->buf + f->head, first);
    memcpy((uint8_t *)out + first, f->buf, n - first);
    return n;
}

void hs_fifo_drop(struct hs_fifo *f, uint32_t len)
{
    if (len > f->len)
        len = f->len;
    f->head = (f->head + len) % f->cap;
    f->len -= len;
    if (f->len == 0)
        f->head = 0;
}

uint32_t hs_fifo_contiguous(const struct hs_fifo *f, const uint8_t **at)
{
    *at = f->buf + f->head;
    return f->cap - f->head < f->len ? f->cap - f->head : f->len;
}

/* ---- errors: counted by name, as the VMBus host does ---- */

static void guest_error(struct hvsim_hvsock *hs, struct hs_conn *c, const char *what, uint32_t value)
{
    hs->counters.protocol_errors++;
    if (c)
        c->st.protocol_errors++;
    sim_log(hs->sim, "hvsock: relid %u: protocol error: %s (%u)", c ? c->relid : 0, what, value);
    for (uint32_t i = 0; i < hs->error_kinds; i++)
        if (strcmp(hs->errors[i].what, what) == 0) {
            hs->errors[i].count++;
            return;
        }
    if (hs->error_kinds < HS_MAX_ERROR_KINDS) {
        hs->errors[hs->error_kinds].what = what;
        hs->errors[hs->error_kinds++].count = 1;
    }
}

uint64_t hvsim_hvsock_error_count(const struct hvsim_hvsock *hs, const char *what)
{
    for (uint32_t i = 0; i < hs->error_kinds; i++)
        if (strcmp(hs->errors[i].what, what) == 0)
            return hs->errors[i].count;
    return 0;
}

const char *hvsim_hvsock_first_error(const struct hvsim_hvsock *hs)
{
    return hs->error_kinds ? hs->errors[0].what : NULL;
}

/* ---- service ids ---- */

struct hvsim_guid hvsim_hvsock_port_service(uint32_t port)
{
    struct hvsim_guid g = HSW_TEMPLATE(0);
    st32(g.bytes, 0, port);
    return g;
}

bool hvsim_hvsock_service_port(const struct hvsim_guid *service, uint32_t *port)
{
    struct hvsim_guid t = HSW_TEMPLATE(0);
    if (memcmp(service->bytes + 4, t.bytes + 4, 12) != 0)
        return false;
    *port = ld32(service->bytes, 0);
    return true;
}

static bool guid_eq(const struct hvsim_guid *a, const struct hvsim_guid *b)
{
    return memcmp(a->bytes, b->bytes, 16) == 0;
}

/* ---- connections ---- */

struct hs_conn *hs_conn_get(struct hvsim_hvsock *hs, uint32_t id)
{
    for (uint32_t i = 0; id != 0 && i < HVSIM_HVSOCK_MAX_CONNS; i++)
        if (hs->conns[i].id == id)
            return &hs->conns[i];
    return NULL;
}

/* Has the guest released the relid (or was it never offered)? */
static void refresh(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    if (c->state != HVSIM_HVSOCK_RESCINDED)
        return;
    struct hvsim_vmbus_channel_info info;
    if (!hvsim_vmbus_channel(hs->vb, c->relid, &info) || info.model_data != c)
        c->state = HVSIM_HVSOCK_GONE;
}

static bool reusable(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    refresh(hs, c);
    return c->id == 0 || (c->released && c->fd < 0 &&
                          (c->state == HVSIM_HVSOCK_GONE || c->state == HVSIM_HVSOCK_FREE));
}

struct hs_conn *hs_conn_alloc(struct hvsim_hvsock *hs)
{
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        struct hs_conn *c = &hs->conns[i];
        if (!reusable(hs, c))
            continue;
        uint8_t *rx = c->rx.buf, *tx = c->tx.buf;
        memset(c, 0, sizeof(*c));
        c->hs = hs;
        c->rx = (struct hs_fifo){ .buf = rx, .cap = hs->cfg.buffer_bytes };
        c->tx = (struct hs_fifo){ .buf = tx, .cap = hs->cfg.buffer_bytes };
        if ((!rx && !(c->rx.buf = malloc(c->rx.cap))) || (!tx && !(c->tx.buf = malloc(c->tx.cap))))
            return NULL;   /* the buffers stay with the slot */
        c->id = ++hs->next_id;
        c->fd = -1;
        return c;
    }
    return NULL;
}

/* Endpoint ids of host-initiated connections: random-looking, as OpenVMM's
 * are, but the same in every run of a test (xorshift from a fixed seed per
 * host object). */
static struct hvsim_guid new_endpoint(struct hvsim_hvsock *hs)
{
    struct hvsim_guid g;
    for (int i = 0; i < 2; i++) {
        uint64_t x = hs->endpoint_seed;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        hs->endpoint_seed = x;
        st64(g.bytes, (uint32_t)i * 8, x);
    }
    g.bytes[7] = (uint8_t)((g.bytes[7] & 0x0F) | 0x40);   /* a version 4 (random) GUID */
    g.bytes[8] = (uint8_t)((g.bytes[8] & 0x3F) | 0x80);
    return g;
}

bool hs_offer(struct hvsim_hvsock *hs, struct hs_conn *c, bool for_guest_accept)
{
    uint8_t ud[VBW_OFFER_USER_DATA_SIZE] = { 0 };
    st32(ud, HSW_UD_PIPE_MODE, HSW_PIPE_MODE_BYTE);
    st8(ud, HSW_UD_FOR_GUEST_ACCEPT, for_guest_accept ? 1 : 0);
    struct hvsim_vmbus_device dev = {
        .model = HVSIM_VMBUS_HVSOCK, .class_id = &c->service, .instance_id = &c->endpoint, .name = "hv_sock",
        .offer_flags = hs->cfg.offer_flags, .model_data = c, .user_data = ud, .user_data_len = sizeof(ud),
    };
    c->relid = hvsim_vmbus_offer(hs->vb, &dev);
    if (c->relid == 0)
        return false;
    c->state = HVSIM_HVSOCK_OFFERED;
    c->guest_initiated = !for_guest_accept;
    c->open_deadline_ns = hvsim_now_ns(hs->sim) + hs->cfg.open_timeout_ns;
    hs->counters.offers++;
    hs_schedule(hs, c->open_deadline_ns);
    return true;
}

static void rescind(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    c->rescind_due = false;
    if (c->state != HVSIM_HVSOCK_OFFERED && c->state != HVSIM_HVSOCK_OPEN)
        return;
    c->rescind_asked = true;
    hvsim_vmbus_rescind(hs->vb, c->relid);   /* closes it host-side: on_close runs */
    c->state = HVSIM_HVSOCK_RESCINDED;
    hs->counters.rescinds++;
    if (c->counted_live) {
        c->counted_live = false;
        hs->counters.live--;
    }
    refresh(hs, c);
}

/* The rescind waits for the next tick: it must not pull the channel away
 * while the VMBus host is still inside one of its callbacks. */
static void rescind_soon(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    c->rescind_due = true;
    hs_schedule(hs, hvsim_now_ns(hs->sim));
}

static void maybe_finish(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    if (c->guest_fin && c->host_fin && c->state == HVSIM_HVSOCK_OPEN && !c->rescind_due)
        rescind_soon(hs, c);   /* devices.md 3.5: both FINs, then the rescind */
}

/* ---- timed work: rescinds, open deadlines, the Unix sockets ---- */

static void tick(void *ctx, struct hvsim *sim)
{
    struct hvsim_hvsock *hs = ctx;
    uint64_t now = hvsim_now_ns(sim), next = UINT64_MAX;
    hs->tick_pending = false;
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        struct hs_conn *c = &hs->conns[i];
        if (c->id == 0)
            continue;
        if (c->rescind_due)
            rescind(hs, c);
        if (c->state == HVSIM_HVSOCK_OFFERED) {
            if (now >= c->open_deadline_ns) {
                c->open_timed_out = true;
                hs->counters.open_timeouts++;
                sim_log(hs->sim, "hvsock: relid %u not opened in time: rescinded", c->relid);
                rescind(hs, c);
            } else if (c->open_deadline_ns < next) {
                next = c->open_deadline_ns;
            }
        }
        refresh(hs, c);
    }
    if (hs->uds_fd >= 0) {
        hs_uds_poll(hs);
        if (now + HS_UDS_POLL_NS < next)
            next = now + HS_UDS_POLL_NS;
    }
    if (next != UINT64_MAX)
        hs_schedule(hs, next);
}

/* hvsim cannot cancel a call: an earlier wish schedules another, and a
 * call that finds nothing to do costs one look at the table. */
void hs_schedule(struct hvsim_hvsock *hs, uint64_t when_ns)
{
    if (hs->tick_pending && hs->tick_at <= when_ns)
        return;
    if (hvsim_call_at(hs->sim, when_ns, tick, hs) == 0) {
        hs->tick_pending = true;
        hs->tick_at = when_ns;
    }
}

/* ---- guest -> host: TL_CONNECT_REQUEST ---- */

/* The listener's index, or -1. */
static int listener_of(const struct hvsim_hvsock *hs, const struct hvsim_guid *service)
{
    for (uint32_t i = 0; i < hs->listener_count; i++)
        if (guid_eq(&hs->listeners[i], service))
            return (int)i;
    return -1;
}

static bool listening(const struct hvsim_hvsock *hs, const struct hvsim_guid *service)
{
    return listener_of(hs, service) >= 0;
}

static void refuse(struct hvsim_hvsock *hs, const struct hvsim_guid *endpoint, const struct hvsim_guid *service)
{
    hs->counters.refused++;
    if (hvsim_vmbus_tl_connect_result(hs->vb, endpoint, service, HVSIM_HVSOCK_REFUSED))
        hs->counters.results_sent++;
}

static void on_tl_connect(void *ctx, const struct hvsim_guid *endpoint, const struct hvsim_guid *service)
{
    struct hvsim_hvsock *hs = ctx;
    hs->counters.requests++;
    if (hs->faults.ignore_requests) {
        hs->counters.ignored++;
        return;
    }
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        struct hs_conn *c = &hs->conns[i];
        if (c->id != 0 && (c->state == HVSIM_HVSOCK_OFFERED || c->state == HVSIM_HVSOCK_OPEN) &&
            guid_eq(&c->endpoint, endpoint) && guid_eq(&c->service, service)) {
            guest_error(hs, c, "TL_CONNECT_REQUEST for a connection that exists", c->relid);
            refuse(hs, endpoint, service);
            return;
        }
    }
    uint32_t port;
    int fd = -1;
    bool ok = !hs->faults.refuse_all;
    if (ok && !listening(hs, service)) {
        ok = hs->uds_fd >= 0 && hvsim_hvsock_service_port(service, &port) && (fd = hs_uds_connect(hs, port)) >= 0;
        if (!ok && hs->uds_fd >= 0)
            hs->counters.uds_connect_failures++;
    }
    struct hs_conn *c = ok ? hs_conn_alloc(hs) : NULL;
    if (c) {
        c->service = *service;
        c->endpoint = *endpoint;
        c->fd = fd;
        c->phase = fd >= 0 ? HS_UDS_STREAM : HS_UDS_NONE;
        c->released = fd >= 0;   /* the Unix socket's connection lets go by itself */
        int l = listener_of(hs, service);
        if (l >= 0 && hs->listener_echo[l])
            c->echo = c->taken = c->released = true;
        if (!hs_offer(hs, c, false)) {
            c->id = 0;
            c = NULL;
        }
    }
    if (!c) {
        if (fd >= 0)
            close(fd);
        refuse(hs, endpoint, service);
        return;
    }
    hs->counters.accepted++;
    sim_log(hs->sim, "hvsock: guest connect accepted: relid %u", c->relid);
}

/* ---- the channel model ---- */

static struct hs_conn *conn_of(struct hvsim_vmbus_chan *ch) { return hvsim_vmbus_chan_info(ch)->model_data; }

static struct hvsim_hvsock *owner(struct hs_conn *c) { return c->hs; }

void hvsim_hvsock_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch)
{
    (void)vb;
    struct hs_conn *c = conn_of(ch);
    struct hvsim_hvsock *hs = owner(c);
    c->state = HVSIM_HVSOCK_OPEN;
    c->counted_live = true;
    hs->counters.opens++;
    if (++hs->counters.live > hs->counters.max_live)
        hs->counters.max_live = hs->counters.live;
    if (c->phase == HS_UDS_WAIT_OPEN)
        hs_uds_opened(hs, c);
    hs_pump(hs, c);
}

void hvsim_hvsock_on_close(struct hvsim_vmbus_chan *ch)
{
    struct hs_conn *c = conn_of(ch);
    struct hvsim_hvsock *hs = owner(c);
    if (c->rescind_asked)
        return;
    /* The guest closed without waiting for our rescind (or reset the bus):
     * the connection is over, and the host drops the offer (OpenVMM). */
    c->guest_closed = true;
    hs->counters.guest_closes++;
    rescind_soon(hs, c);
}

/* Every host->guest packet: in-band, no completion, transaction id 0, a
 * pipe header; the fault switches spoil the header. 0, 1 ring full, -1. */
static int send_pipe(struct hvsim_hvsock *hs, struct hvsim_vmbus_chan *ch, const uint8_t *data, uint32_t n)
{
    static uint8_t pkt[VBW_PIPE_HDR + VBW_PIPE_MAX];
    st32(pkt, VBW_PIPE_TYPE, VBW_PIPE_DATA);
    st32(pkt, VBW_PIPE_SIZE, n);
    if (hs->faults.bad_pipe_type)
        st32(pkt, VBW_PIPE_TYPE, 2);
    if (hs->faults.oversize_pipe)
        st32(pkt, VBW_PIPE_SIZE, n + 64);
    if (n > 0)
        memcpy(pkt + VBW_PIPE_HDR, data, n);
    struct hvsim_packet_out out = { .type = HVSIM_PKT_INBAND, .payload = pkt, .payload_len = VBW_PIPE_HDR + n };
    int rc = hvsim_vmbus_chan_send(ch, &out);
    if (rc == 0 && hs->faults.bad_pipe_type)
        hs->faults.bad_pipe_type--;
    if (rc == 0 && hs->faults.oversize_pipe)
        hs->faults.oversize_pipe--;
    return rc;
}

/* After the echo's kick (which may have sent and closed in a nested pump):
 * still open, nothing left to send before the FIN? */
static bool tx_empty_and_open(struct hvsim_hvsock *hs, struct hs_conn *c, struct hvsim_vmbus_chan **ch)
{
    *ch = c->state == HVSIM_HVSOCK_OPEN ? hvsim_vmbus_chan_find(hs->vb, c->relid) : NULL;
    return *ch != NULL && c->tx.len == 0;
}

void hs_pump(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    struct hvsim_vmbus_chan *ch = c->state == HVSIM_HVSOCK_OPEN ? hvsim_vmbus_chan_find(hs->vb, c->relid) : NULL;
    if (!ch || c->host_fin)
        return;
    static uint8_t chunk[VBW_PIPE_MAX];
    while (c->tx.len > 0) {
        uint32_t n = hs_fifo_peek(&c->tx, chunk, hs->cfg.write_chunk);
        int rc = send_pipe(hs, ch, chunk, n);
        if (rc == 1)
            c->st.ring_full++;
        if (rc != 0)
            return;   /* full: on_room brings us back */
        hs_fifo_drop(&c->tx, n);
        c->st.bytes_to_guest += n;
        c->st.packets_to_guest++;
    }
    if (c->echo)
        hs_rx_room(hs, c);   /* the echo's guest packets waited for this room */
    if (c->fin_wanted && !c->host_fin && tx_empty_and_open(hs, c, &ch) && send_pipe(hs, ch, NULL, 0) == 0) {
        c->host_fin = true;
        c->st.packets_to_guest++;
        maybe_finish(hs, c);
    }
}

void hs_rx_room(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    if (!c->rx_blocked)
        return;
    c->rx_blocked = false;
    struct hvsim_vmbus_chan *ch = c->state == HVSIM_HVSOCK_OPEN ? hvsim_vmbus_chan_find(hs->vb, c->relid) : NULL;
    if (ch)
        hvsim_vmbus_chan_kick(ch);
}

void hvsim_hvsock_on_room(struct hvsim_vmbus_chan *ch)
{
    struct hs_conn *c = conn_of(ch);
    hs_pump(owner(c), c);
}

/* A guest packet (devices.md 3.4): in-band, flags 0, transaction id 0,
 * the pipe header, DATA, the data padded to 8 and no more. Errors are
 * counted; the data of a readable DATA packet still counts. */
enum hvsim_vmbus_verdict hvsim_hvsock_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    struct hs_conn *c = conn_of(ch);
    struct hvsim_hvsock *hs = owner(c);
    if (pkt->type != HVSIM_PKT_INBAND) {
        guest_error(hs, c, "hv_sock packet not in-band", pkt->type);
        return HVSIM_VMBUS_DONE;
    }
    uint32_t type, size;
    const uint8_t *data;
    if (!hvsim_pipe_parse(pkt->payload, pkt->payload_len, &type, &data, &size)) {
        guest_error(hs, c, "pipe header size past the packet or over 16384", pkt->payload_len);
        return HVSIM_VMBUS_DONE;
    }
    if (type != VBW_PIPE_DATA) {
        guest_error(hs, c, "pipe packet type not DATA", type);
        return HVSIM_VMBUS_DONE;
    }
    if (c->guest_fin) {
        guest_error(hs, c, "data after the guest's FIN", size);
        return HVSIM_VMBUS_DONE;
    }
    bool full = c->echo ? c->tx.cap - c->tx.len < size : !c->sink && c->rx.cap - c->rx.len < size;
    if (hs->faults.stop_reading || full) {
        c->rx_blocked = true;
        return HVSIM_VMBUS_RETRY;   /* stays in the ring: the guest sees it full */
    }
    if (pkt->flags != 0)
        guest_error(hs, c, "hv_sock packet asks for a completion", pkt->flags);
    if (pkt->transaction_id != 0)
        guest_error(hs, c, "hv_sock packet with a transaction id", (uint32_t)pkt->transaction_id);
    if (pkt->payload_len != ((VBW_PIPE_HDR + size + 7u) & ~7u))
        guest_error(hs, c, "pipe packet longer than its data", pkt->payload_len);
    c->st.packets_from_guest++;
    if (size == 0) {
        c->guest_fin = true;
        if (c->echo) {
            c->fin_wanted = true;   /* the echo ends when the guest's side does */
            hs_pump(hs, c);
        }
        maybe_finish(hs, c);
        return HVSIM_VMBUS_DONE;
    }
    if (size > c->st.largest_guest_packet)
        c->st.largest_guest_packet = size;
    c->st.bytes_from_guest += size;
    if (c->echo) {
        hs_fifo_push(&c->tx, data, size);
        hs_pump(hs, c);
    } else if (c->sink) {
        c->sink(c->sink_ctx, data, size);
    } else {
        hs_fifo_push(&c->rx, data, size);
    }
    return HVSIM_VMBUS_DONE;
}

/* ---- the in-process host side ---- */

static int add_listener(struct hvsim_hvsock *hs, const struct hvsim_guid *service, bool echo)
{
    int l = listener_of(hs, service);
    if (l < 0) {
        if (hs->listener_count == HVSIM_HVSOCK_MAX_LISTENERS)
            return -1;
        l = (int)hs->listener_count++;
        hs->listeners[l] = *service;
    }
    hs->listener_echo[l] = echo;
    return 0;
}

int hvsim_hvsock_listen(struct hvsim_hvsock *hs, const struct hvsim_guid *service)
{
    return add_listener(hs, service, false);
}

int hvsim_hvsock_listen_echo(struct hvsim_hvsock *hs, const struct hvsim_guid *service)
{
    return add_listener(hs, service, true);
}

uint32_t hvsim_hvsock_accept(struct hvsim_hvsock *hs, const struct hvsim_guid *service)
{
    struct hs_conn *best = NULL;
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        struct hs_conn *c = &hs->conns[i];
        if (c->id != 0 && c->guest_initiated && !c->taken && c->phase == HS_UDS_NONE &&
            guid_eq(&c->service, service) && (!best || c->id < best->id))
            best = c;
    }
    if (!best)
        return 0;
    best->taken = true;
    return best->id;
}

bool hs_host_connect(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    c->endpoint = new_endpoint(hs);
    c->taken = true;
    c->host_port = hs->next_host_port++;
    if (!hs_offer(hs, c, true))
        return false;
    hs->counters.host_connects++;
    return true;
}

uint32_t hvsim_hvsock_connect(struct hvsim_hvsock *hs, const struct hvsim_guid *service)
{
    struct hs_conn *c = hs_conn_alloc(hs);
    if (!c)
        return 0;
    c->service = *service;
    if (!hs_host_connect(hs, c)) {
        c->id = 0;
        return 0;
    }
    return c->id;
}

int hvsim_hvsock_write(struct hvsim_hvsock *hs, uint32_t id, const void *data, uint32_t len)
{
    struct hs_conn *c = hs_conn_get(hs, id);
    if (!c || c->fin_wanted || c->state == HVSIM_HVSOCK_RESCINDED || c->state == HVSIM_HVSOCK_GONE ||
        c->guest_closed)
        return -1;
    uint32_t n = hs_fifo_push(&c->tx, data, len);
    hs_pump(hs, c);
    return (int)n;
}

int hvsim_hvsock_read(struct hvsim_hvsock *hs, uint32_t id, void *buf, uint32_t size)
{
    struct hs_conn *c = hs_conn_get(hs, id);
    if (!c)
        return -1;
    uint32_t n = hs_fifo_peek(&c->rx, buf, size);
    hs_fifo_drop(&c->rx, n);
    if (n > 0) {
        hs_rx_room(hs, c);
        return (int)n;
    }
    refresh(hs, c);
    bool over = c->guest_fin || c->guest_closed || c->state == HVSIM_HVSOCK_RESCINDED ||
                c->state == HVSIM_HVSOCK_GONE;
    return over ? -1 : 0;
}

void hvsim_hvsock_shutdown(struct hvsim_hvsock *hs, uint32_t id)
{
    struct hs_conn *c = hs_conn_get(hs, id);
    if (!c || c->fin_wanted)
        return;
    c->fin_wanted = true;
    hs_pump(hs, c);
}

void hvsim_hvsock_abort(struct hvsim_hvsock *hs, uint32_t id)
{
    struct hs_conn *c = hs_conn_get(hs, id);
    if (c)
        rescind(hs, c);
}

void hvsim_hvsock_release(struct hvsim_hvsock *hs, uint32_t id)
{
    struct hs_conn *c = hs_conn_get(hs, id);
    if (c)
        c->released = true;
}

void hvsim_hvsock_set_sink(struct hvsim_hvsock *hs, uint32_t id,
                           void (*fn)(void *ctx, const uint8_t *data, uint32_t len), void *ctx)
{
    struct hs_conn *c = hs_conn_get(hs, id);
    if (!c)
        return;
    c->sink = fn;
    c->sink_ctx = ctx;
    hs_rx_room(hs, c);
}

bool hvsim_hvsock_info(const struct hvsim_hvsock *hs, uint32_t id, struct hvsim_hvsock_conn_info *out)
{
    struct hs_conn *c = hs_conn_get((struct hvsim_hvsock *)hs, id);
    if (!c)
        return false;
    refresh((struct hvsim_hvsock *)hs, c);
    *out = c->st;
    out->state = c->state;
    out->guest_initiated = c->guest_initiated;
    out->relid = c->relid;
    out->service = c->service;
    out->endpoint = c->endpoint;
    out->guest_fin = c->guest_fin;
    out->host_fin = c->host_fin;
    out->guest_closed = c->guest_closed;
    out->open_timed_out = c->open_timed_out;
    out->rx_buffered = c->rx.len;
    out->tx_buffered = c->tx.len;
    return true;
}

void hvsim_hvsock_get_counters(const struct hvsim_hvsock *hs, struct hvsim_hvsock_counters *out)
{
    *out = hs->counters;
}

void hvsim_hvsock_set_faults(struct hvsim_hvsock *hs, const struct hvsim_hvsock_faults *f)
{
    bool resume = hs->faults.stop_reading && !f->stop_reading;
    hs->faults = *f;
    for (uint32_t i = 0; resume && i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        struct hs_conn *c = &hs->conns[i];
        if (c->id != 0)
            hs_rx_room(hs, c);
    }
}

/* ---- create, destroy ---- */

struct hvsim_hvsock *hvsim_hvsock_create(struct hvsim *sim, struct hvsim_vmbus *vb,
                                         const struct hvsim_hvsock_config *cfg)
{
    if (!sim || !vb || !cfg || cfg->write_chunk > VBW_PIPE_MAX)
        return NULL;
    struct hvsim_hvsock *hs = calloc(1, sizeof(*hs));
    if (!hs)
        return NULL;
    hs->sim = sim;
    hs->vb = vb;
    hs->cfg = *cfg;
    if (!hs->cfg.offer_flags)
        hs->cfg.offer_flags = HSW_OFFER_FLAGS;
    if (!hs->cfg.write_chunk)
        hs->cfg.write_chunk = DEFAULT_CHUNK;
    if (!hs->cfg.open_timeout_ns)
        hs->cfg.open_timeout_ns = DEFAULT_OPEN_TIMEOUT_NS;
    if (hs->cfg.buffer_bytes < VBW_PIPE_MAX)
        hs->cfg.buffer_bytes = DEFAULT_BUFFER;
    hs->faults = cfg->faults;
    /* Each host its own sequence, as random endpoints would be. */
    static uint64_t hosts;
    hs->endpoint_seed = 0x68767274736f636bull + ++hosts * 0x9e3779b97f4a7c15ull;   /* "hvrtsock" */
    hs->next_host_port = 1024;
    hs->uds_fd = -1;
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        hs->conns[i].fd = -1;
        hs->conns[i].hs = hs;
    }
    if (cfg->uds_path && hs_uds_listen(hs) != 0) {
        free(hs);
        return NULL;
    }
    hvsim_vmbus_set_tl_connect(vb, on_tl_connect, hs);
    if (hs->uds_fd >= 0)
        hs_schedule(hs, hvsim_now_ns(sim) + HS_UDS_POLL_NS);
    return hs;
}

void hvsim_hvsock_destroy(struct hvsim_hvsock *hs)
{
    if (!hs)
        return;
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        if (hs->conns[i].fd >= 0)
            close(hs->conns[i].fd);
        free(hs->conns[i].rx.buf);
        free(hs->conns[i].tx.buf);
    }
    hs_uds_close(hs);
    free(hs);
}
