/* hvsim's IC device models (heartbeat, shutdown, time sync, KVP): the
 * host's half of reference section 10. A model's life on a channel:
 *
 *   open -> NEGOTIATE -> (versions chosen) -> service requests ...
 *
 * One request is in flight at a time; the others wait in a small queue (or
 * for room in the host->guest ring). The guest's answer must be an INBAND
 * packet with the request's transaction id, the same pipe header and length,
 * ICMSGHDR flags transaction|response, the same message type and the echoed
 * ICMSGHDR transaction id, and a body long enough for what it carries.
 *
 * The models keep their per-channel state here, in a registry keyed by
 * (host, relid): the VMBus host gives models no storage of their own. An
 * entry is valid only while the channel's open count is the one recorded at
 * the open (hvsim_vmbus_channel tells), so an entry left behind by a host
 * that was destroyed never speaks for a new host allocated at the same
 * address. Entries are reused, never freed. Timers carry a token, not a
 * pointer: a token no entry holds any more is ignored when it fires. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/vmbus_ic.h"

/* ---- wire formats (section 10) ---- */

struct ic_msg_header {
    uint16_t framework_major;       /* 0 */
    uint16_t framework_minor;       /* 2 */
    uint16_t msg_type;              /* 4: IC_MSG_* */
    uint16_t msg_major;             /* 6 */
    uint16_t msg_minor;             /* 8 */
    uint16_t msg_size;              /* 10: bytes after this header */
    uint32_t status;                /* 12: HRESULT */
    uint8_t transaction_id;         /* 16: echoed */
    uint8_t flags;                  /* 17: IC_FLAG_* */
    uint16_t reserved;              /* 18 */
};
_Static_assert(sizeof(struct ic_msg_header) == 20, "ICMSGHDR");
_Static_assert(offsetof(struct ic_msg_header, msg_size) == 10, "ICMSGHDR message size");
_Static_assert(offsetof(struct ic_msg_header, status) == 12, "ICMSGHDR status");
_Static_assert(offsetof(struct ic_msg_header, flags) == 17, "ICMSGHDR flags");

#define IC_MSG_NEGOTIATE 0u
#define IC_MSG_HEARTBEAT 1u
#define IC_MSG_KVP       2u
#define IC_MSG_SHUTDOWN  3u
#define IC_MSG_TIMESYNC  4u

#define IC_FLAG_TRANSACTION 0x1u
#define IC_FLAG_REQUEST     0x2u
#define IC_FLAG_RESPONSE    0x4u

#define IC_HDR_OFF  8u   /* after the pipe header */
#define IC_BODY_OFF 28u

/* Negotiate body: u16 F, u16 M, u32 reserved, then F + M {u16 major, u16 minor}. */
#define NEG_FIXED 8u

/* Shutdown body: u32 reason, u32 timeout, u32 flags, 2048-byte UTF-16 message. */
#define SHUTDOWN_BODY 2060u
#define SHUTDOWN_MSG_BYTES 2048u

/* Time sync bodies. */
#define TIMESYNC4_BODY 24u   /* parent, ref time, flags, leap, stratum, 5 reserved */
#define TIMESYNC3_BODY 28u   /* parent, child, round trip, flags, 3 reserved */

/* KVP: u8 operation, u8 pool, u16 pad, then the operation's record at +4. */
#define KVP_OP_GET       0u
#define KVP_OP_SET       1u
#define KVP_OP_ENUMERATE 3u
#define KVP_KEY_BYTES    512u
#define KVP_VALUE_BYTES  2048u
#define KVP_RECORD       (12u + KVP_KEY_BYTES + KVP_VALUE_BYTES) /* 2572 */
#define KVP_GET_BODY     (4u + KVP_RECORD)
#define KVP_ENUM_BODY    (8u + KVP_RECORD)
#define KVP_REG_SZ        1u
#define KVP_REG_EXPAND_SZ 2u
#define KVP_REG_DWORD     4u
#define KVP_REG_U64_LINUX 8u
#define KVP_REG_QWORD     11u
#define KVP_ENUM_LIMIT_MAX 1024u

#define MSG_MAX 4096u   /* largest request: KVP ENUMERATE, 8 + 20 + 2580 bytes */
#define QUEUE_MAX 8u

/* ---- state ---- */

struct ic_req {
    uint16_t type;                  /* IC_MSG_* */
    uint8_t kvp_op;
    uint32_t len;                   /* payload bytes, pipe header included */
    uint64_t aux;                   /* heartbeat: sequence; KVP: index */
    uint8_t buf[MSG_MAX];
};

struct kvp_entry {
    uint32_t type;
    char key[HVSIM_IC_KVP_KEY_MAX];
    char value[HVSIM_IC_KVP_VALUE_MAX];
};

struct ic_chan {
    struct ic_chan *next;           /* registry */
    struct hvsim_vmbus *vb;
    uint32_t relid;
    struct hvsim_vmbus_chan *ch;    /* NULL: superseded */
    struct hvsim *sim;
    uint32_t opens;                 /* the channel's open count this state belongs to */
    enum hvsim_vmbus_model_id model;
    struct hvsim_ic_config cfg;
    uint64_t timer_token;           /* the live timer, 0 when none */
    uint64_t next_tid;
    bool in_flight;
    bool pumping;          /* inside pump(): a nested call returns at once */
    uint64_t cur_tid;
    uint64_t abandoned_tid;         /* last heartbeat given up on; late answers up to it are no error */
    struct ic_req cur;
    struct ic_req queue[QUEUE_MAX];
    uint32_t q_head, q_count;
    struct hvsim_ic_info info;
    uint64_t hb_next_seq;
    struct kvp_entry *kvp;          /* cfg.kvp_enum_limit entries */
    struct kvp_entry get_result;
    bool get_valid;
};

static struct ic_chan *registry;
static uint64_t last_token;
static struct hvsim_ic_config configs[4];
static bool config_set[4];

static bool is_ic_model(enum hvsim_vmbus_model_id m)
{
    return m == HVSIM_VMBUS_HEARTBEAT || m == HVSIM_VMBUS_SHUTDOWN || m == HVSIM_VMBUS_TIMESYNC ||
           m == HVSIM_VMBUS_KVP;
}

static unsigned model_index(enum hvsim_vmbus_model_id m) { return (unsigned)(m - HVSIM_VMBUS_HEARTBEAT); }

/* ---- configuration ---- */

static void set_versions(uint32_t *list, uint32_t *count, const uint32_t *src, uint32_t n)
{
    memcpy(list, src, n * sizeof(*src));
    *count = n;
}

void hvsim_ic_config_default(enum hvsim_vmbus_model_id model, struct hvsim_ic_config *cfg)
{
    static const uint32_t fw[] = { HVSIM_IC_VERSION(3, 0), HVSIM_IC_VERSION(1, 0) };
    static const uint32_t hb[] = { HVSIM_IC_VERSION(3, 0), HVSIM_IC_VERSION(1, 0) };
    static const uint32_t sd[] = { HVSIM_IC_VERSION(3, 2), HVSIM_IC_VERSION(3, 1), HVSIM_IC_VERSION(3, 0),
                                   HVSIM_IC_VERSION(1, 0) };
    static const uint32_t ts[] = { HVSIM_IC_VERSION(4, 0), HVSIM_IC_VERSION(3, 0), HVSIM_IC_VERSION(1, 0) };
    static const uint32_t kv[] = { HVSIM_IC_VERSION(5, 0), HVSIM_IC_VERSION(4, 0), HVSIM_IC_VERSION(3, 0),
                                   HVSIM_IC_VERSION(1, 0) };
    memset(cfg, 0, sizeof(*cfg));
    set_versions(cfg->framework_versions, &cfg->framework_count, fw, 2);
    switch (model) {
    case HVSIM_VMBUS_SHUTDOWN: set_versions(cfg->service_versions, &cfg->service_count, sd, 4); break;
    case HVSIM_VMBUS_TIMESYNC: set_versions(cfg->service_versions, &cfg->service_count, ts, 3); break;
    case HVSIM_VMBUS_KVP:      set_versions(cfg->service_versions, &cfg->service_count, kv, 4); break;
    default:                   set_versions(cfg->service_versions, &cfg->service_count, hb, 2); break;
    }
    cfg->heartbeat_interval_ns = 1000000000ull;
    cfg->heartbeat_body_size = 40;
    cfg->shutdown_timeout_s = 30;
    cfg->kvp_enumerate = true;
    cfg->kvp_enum_pool = HVSIM_IC_KVP_POOL_AUTO;
    cfg->kvp_enum_limit = 64;
}

int hvsim_ic_set_config(enum hvsim_vmbus_model_id model, const struct hvsim_ic_config *cfg)
{
    if (!is_ic_model(model))
        return -1;
    unsigned i = model_index(model);
    if (!cfg) {
        config_set[i] = false;
        return 0;
    }
    if (cfg->framework_count == 0 || cfg->framework_count > HVSIM_IC_MAX_VERSIONS ||
        cfg->service_count == 0 || cfg->service_count > HVSIM_IC_MAX_VERSIONS ||
        cfg->heartbeat_interval_ns == 0 || cfg->heartbeat_body_size < 8 ||
        cfg->heartbeat_body_size > MSG_MAX - IC_BODY_OFF || cfg->kvp_enum_limit > KVP_ENUM_LIMIT_MAX)
        return -1;
    configs[i] = *cfg;
    config_set[i] = true;
    return 0;
}

static void config_for(enum hvsim_vmbus_model_id model, struct hvsim_ic_config *out)
{
    if (config_set[model_index(model)])
        *out = configs[model_index(model)];
    else
        hvsim_ic_config_default(model, out);
}

/* ---- small helpers ---- */

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void wr_version(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

static uint32_t rd_version(const uint8_t *p) { return HVSIM_IC_VERSION(rd16(p), rd16(p + 2)); }

/* ASCII into UTF-16LE of at most max_bytes, NUL included; returns the bytes used. */
static uint32_t to_utf16(uint8_t *dst, uint32_t max_bytes, const char *src)
{
    uint32_t n = 0;
    while (src[n] && (n + 2) * 2 <= max_bytes) {
        wr16(dst + n * 2, (uint8_t)src[n]);
        n++;
    }
    wr16(dst + n * 2, 0);
    return (n + 1) * 2;
}

/* UTF-16LE (bytes, up to the first NUL) into ASCII; other units become '?'. */
static void from_utf16(const uint8_t *src, uint32_t bytes, char *out, uint32_t out_size)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i + 1 < bytes && n + 1 < out_size; i += 2) {
        uint16_t u = rd16(src + i);
        if (u == 0)
            break;
        out[n++] = (u >= 0x20 && u < 0x7F) ? (char)u : '?';
    }
    out[n] = 0;
}

static const char *model_name(enum hvsim_vmbus_model_id m)
{
    switch (m) {
    case HVSIM_VMBUS_HEARTBEAT: return "heartbeat";
    case HVSIM_VMBUS_SHUTDOWN:  return "shutdown";
    case HVSIM_VMBUS_TIMESYNC:  return "timesync";
    case HVSIM_VMBUS_KVP:       return "kvp";
    default:                    return "?";
    }
}

static void ic_log(struct ic_chan *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ic_log(struct ic_chan *e, const char *fmt, ...)
{
    char line[200];
    int n = snprintf(line, sizeof(line), "ic %s: ", model_name(e->model));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    hvsim_vmbus_chan_log(e->ch, line);
}

static void protocol_error(struct ic_chan *e, const char *what, uint64_t value)
{
    e->info.protocol_errors++;
    hvsim_vmbus_chan_counters(e->ch)->protocol_errors++;
    ic_log(e, "protocol error: %s (%" PRIu64 ")", what, value);
}

/* ---- the registry ---- */

static struct ic_chan *find_key(const struct hvsim_vmbus *vb, uint32_t relid)
{
    for (struct ic_chan *e = registry; e; e = e->next)
        if (e->vb == vb && e->relid == relid)
            return e;
    return NULL;
}

static struct ic_chan *find_chan(struct hvsim_vmbus_chan *ch)
{
    const struct hvsim_vmbus_channel_info *ci = hvsim_vmbus_chan_info(ch);
    for (struct ic_chan *e = registry; e; e = e->next)
        if (e->ch == ch && e->relid == ci->relid && e->opens == ci->opens)
            return e;
    return NULL;
}

/* The live state of (vb, relid), checked against what the host says now. */
static struct ic_chan *lookup(struct hvsim_vmbus *vb, uint32_t relid, struct hvsim_vmbus_channel_info *ci)
{
    if (!vb || !hvsim_vmbus_channel(vb, relid, ci) || !is_ic_model(ci->model))
        return NULL;
    struct ic_chan *e = find_key(vb, relid);
    if (!e || !e->ch || e->opens != ci->opens || e->model != ci->model)
        return NULL;
    return e;
}

/* An open channel of model whose negotiation succeeded. */
static struct ic_chan *lookup_ready(struct hvsim_vmbus *vb, uint32_t relid, enum hvsim_vmbus_model_id model)
{
    struct hvsim_vmbus_channel_info ci;
    struct ic_chan *e = lookup(vb, relid, &ci);
    if (!e || e->model != model || ci.state != HVSIM_CHAN_OPEN || e->info.negotiation != HVSIM_IC_NEG_DONE)
        return NULL;
    return e;
}

/* ---- timers ---- */

static void on_timer(void *ctx, struct hvsim *sim);

static void schedule(struct ic_chan *e, uint64_t when_ns)
{
    e->timer_token = ++last_token;
    if (hvsim_call_at(e->sim, when_ns, on_timer, (void *)(uintptr_t)e->timer_token) != 0) {
        e->timer_token = 0;
        ic_log(e, "timer not scheduled (out of memory)");
    }
}

/* ---- requests ---- */

/* Queues a request: pipe header, ICMSGHDR (versions negotiated, or the first
 * offered for NEGOTIATE; transaction id filled when sent), body. */
static struct ic_req *queue_req(struct ic_chan *e, uint16_t type, const void *body, uint32_t body_len)
{
    if (e->q_count == QUEUE_MAX || body_len > MSG_MAX - IC_BODY_OFF)
        return NULL;
    struct ic_req *r = &e->queue[(e->q_head + e->q_count) % QUEUE_MAX];
    memset(r, 0, sizeof(*r));
    r->type = type;
    r->len = IC_BODY_OFF + body_len;
    wr32(r->buf, VBW_PIPE_DATA);                 /* pipe header: type, then size */
    wr32(r->buf + 4, r->len - IC_HDR_OFF);
    uint8_t *h = r->buf + IC_HDR_OFF;
    bool neg = type == IC_MSG_NEGOTIATE;
    wr_version(h + 0, neg ? e->cfg.framework_versions[0] : e->info.framework_version);
    wr16(h + 4, type);
    wr_version(h + 6, neg ? e->cfg.service_versions[0] : e->info.service_version);
    wr16(h + 10, (uint16_t)body_len);
    h[17] = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
    if (body_len)
        memcpy(r->buf + IC_BODY_OFF, body, body_len);
    e->q_count++;
    e->info.requests_queued = e->q_count;
    return r;
}

/* Sends queued requests while none is in flight and the ring has room; a
 * full ring leaves the request queued for on_room. */
static void pump(struct ic_chan *e)
{
    /* A guest can answer from inside the send (its interrupt is taken when
     * the signal returns), and the answer pumps again: the outer loop keeps
     * going instead, and each request is in flight before it goes out. */
    if (e->pumping)
        return;
    e->pumping = true;
    while (!e->in_flight && e->q_count > 0) {
        struct ic_req r = e->queue[e->q_head];
        uint64_t tid = e->next_tid;
        r.buf[IC_HDR_OFF + 16] = (uint8_t)tid;
        bool ts4 = r.type == IC_MSG_TIMESYNC && e->info.service_version >= HVSIM_IC_VERSION(4, 0);
        if (ts4) /* the reference time the host sampled: now, as it goes out */
            wr64(r.buf + IC_BODY_OFF + 8, hvsim_time_ref_count(e->sim));
        struct hvsim_packet_out out = {
            .type = HVSIM_PKT_INBAND, .transaction_id = tid, .payload = r.buf, .payload_len = r.len,
        };
        struct ic_req previous = e->cur;
        uint64_t previous_tid = e->cur_tid;
        e->cur = r;
        e->cur_tid = tid;
        e->in_flight = true;
        if (r.type == IC_MSG_TIMESYNC) {   /* recorded first: the answer may come inside the send */
            e->info.ts_last_parent_time = rd64(r.buf + IC_BODY_OFF);
            e->info.ts_last_ref_time = ts4 ? rd64(r.buf + IC_BODY_OFF + 8) : 0;
            e->info.ts_last_flags = r.buf[IC_BODY_OFF + (ts4 ? 16 : 24)];
        } else if (r.type == IC_MSG_HEARTBEAT) {
            e->info.hb_last_seq_sent = r.aux;
        }
        int rc = hvsim_vmbus_chan_send(e->ch, &out);
        if (rc == 1) {   /* ring full: stays queued for on_room */
            e->in_flight = false;
            e->cur = previous;
            e->cur_tid = previous_tid;
            break;
        }
        e->next_tid++;
        e->q_head = (e->q_head + 1) % QUEUE_MAX;
        e->q_count--;
        e->info.requests_queued = e->q_count;
        if (rc == 0) {
            e->info.requests_sent++;
            if (r.type == IC_MSG_TIMESYNC)
                e->info.ts_sent++;
            else if (r.type == IC_MSG_SHUTDOWN)
                e->info.shutdown_requests++;
        } else {
            if (e->cur_tid == tid)
                e->in_flight = false;
            ic_log(e, "request type %u dropped: channel not open or ring error", r.type);
        }
    }
    e->pumping = false;
}

static void send_negotiate(struct ic_chan *e)
{
    uint8_t body[NEG_FIXED + 4 * 2 * HVSIM_IC_MAX_VERSIONS];
    uint32_t f = e->cfg.framework_count, m = e->cfg.service_count;
    memset(body, 0, sizeof(body));
    wr16(body, (uint16_t)f);
    wr16(body + 2, (uint16_t)m);
    for (uint32_t i = 0; i < f; i++)
        wr_version(body + NEG_FIXED + 4 * i, e->cfg.framework_versions[i]);
    for (uint32_t i = 0; i < m; i++)
        wr_version(body + NEG_FIXED + 4 * (f + i), e->cfg.service_versions[i]);
    if (queue_req(e, IC_MSG_NEGOTIATE, body, NEG_FIXED + 4 * (f + m))) {
        e->info.negotiation = HVSIM_IC_NEG_PENDING;
        pump(e);
    }
}

static void queue_heartbeat(struct ic_chan *e)
{
    uint8_t body[MSG_MAX];
    memset(body, 0, e->cfg.heartbeat_body_size);
    wr64(body, e->hb_next_seq);
    struct ic_req *r = queue_req(e, IC_MSG_HEARTBEAT, body, e->cfg.heartbeat_body_size);
    if (r)
        r->aux = e->hb_next_seq;
}

static struct ic_req *queue_kvp(struct ic_chan *e, uint8_t op, uint8_t pool, uint32_t index, const char *key)
{
    uint8_t body[KVP_ENUM_BODY];
    memset(body, 0, sizeof(body));
    body[0] = op;
    body[1] = pool;
    uint32_t len = KVP_GET_BODY;
    uint8_t *rec = body + 4;
    if (op == KVP_OP_ENUMERATE) {
        wr32(body + 4, index);
        rec = body + 8;
        len = KVP_ENUM_BODY;
    }
    if (key)
        wr32(rec + 4, to_utf16(rec + 12, KVP_KEY_BYTES, key));
    struct ic_req *r = queue_req(e, IC_MSG_KVP, body, len);
    if (r) {
        r->kvp_op = op;
        r->aux = index;
    }
    return r;
}

/* SET of an ASCII key and REG_SZ value into pool (the host's pools: 0, 3). */
static struct ic_req *queue_kvp_set(struct ic_chan *e, uint8_t pool, const char *key, const char *value)
{
    uint8_t body[KVP_GET_BODY];
    memset(body, 0, sizeof(body));
    body[0] = KVP_OP_SET;
    body[1] = pool;
    uint8_t *rec = body + 4;
    wr32(rec, KVP_REG_SZ);
    wr32(rec + 4, to_utf16(rec + 12, KVP_KEY_BYTES, key));
    wr32(rec + 8, to_utf16(rec + 12 + KVP_KEY_BYTES, KVP_VALUE_BYTES, value));
    struct ic_req *r = queue_req(e, IC_MSG_KVP, body, sizeof(body));
    if (r)
        r->kvp_op = KVP_OP_SET;
    return r;
}

static void on_timer(void *ctx, struct hvsim *sim)
{
    uint64_t token = (uint64_t)(uintptr_t)ctx;
    struct ic_chan *e = registry;
    while (e && !(e->timer_token == token && e->sim == sim))
        e = e->next;
    if (!e || !e->ch || hvsim_vmbus_chan_info(e->ch)->state != HVSIM_CHAN_OPEN ||
        hvsim_vmbus_chan_info(e->ch)->opens != e->opens)
        return;
    e->timer_token = 0;
    if (e->info.negotiation == HVSIM_IC_NEG_NONE) {
        send_negotiate(e);
        return;
    }
    if (e->model != HVSIM_VMBUS_HEARTBEAT || e->info.negotiation != HVSIM_IC_NEG_DONE)
        return;
    if (e->in_flight) {
        e->info.hb_missed++;
        e->abandoned_tid = e->cur_tid;
        e->in_flight = false;
        e->hb_next_seq = e->cur.aux + 1;
        ic_log(e, "heartbeat %" PRIu64 " unanswered after an interval", e->cur.aux);
    } else if (e->q_count > 0) {
        e->info.hb_missed++; /* the last one is still waiting for ring room */
    }
    if (e->q_count == 0)
        queue_heartbeat(e);
    pump(e);
    schedule(e, hvsim_now_ns(sim) + e->cfg.heartbeat_interval_ns);
}

/* ---- replies ---- */

static bool offered(const uint32_t *list, uint32_t count, uint32_t v)
{
    for (uint32_t i = 0; i < count; i++)
        if (list[i] == v)
            return true;
    return false;
}

static void negotiated(struct ic_chan *e)
{
    switch (e->model) {
    case HVSIM_VMBUS_HEARTBEAT:
        e->hb_next_seq = e->cfg.heartbeat_first_seq;
        schedule(e, hvsim_now_ns(e->sim) + e->cfg.heartbeat_interval_ns);
        break;
    case HVSIM_VMBUS_KVP:
        if (e->cfg.kvp_push_host_info) {   /* what Hyper-V tells every guest about itself */
            queue_kvp_set(e, HVSIM_IC_KVP_POOL_AUTO_EXTERNAL, "HostName", HVSIM_IC_KVP_HOST_NAME);
            queue_kvp_set(e, HVSIM_IC_KVP_POOL_AUTO_EXTERNAL, "VirtualMachineName", HVSIM_IC_KVP_VM_NAME);
            queue_kvp_set(e, HVSIM_IC_KVP_POOL_AUTO_EXTERNAL, "VirtualMachineId", HVSIM_IC_KVP_VM_ID);
        }
        if (e->cfg.kvp_enumerate && e->cfg.kvp_enum_limit > 0)
            queue_kvp(e, KVP_OP_ENUMERATE, e->cfg.kvp_enum_pool, 0, NULL);
        else
            e->info.kvp_enum_done = true;
        break;
    default:
        break;
    }
}

static void on_negotiate_reply(struct ic_chan *e, uint32_t status, const uint8_t *body, uint32_t body_len)
{
    e->info.negotiate_status = status;
    if (status != HVSIM_IC_S_OK) {
        e->info.negotiation = HVSIM_IC_NEG_REFUSED;
        ic_log(e, "negotiation refused, status %#x", status);
        return;
    }
    uint32_t f = rd16(body), m = rd16(body + 2);
    if (f == 0 || m == 0) {
        e->info.negotiation = HVSIM_IC_NEG_REFUSED;
        ic_log(e, "negotiation refused (F %u, M %u)", f, m);
        return;
    }
    if (f != 1 || m != 1 || body_len < NEG_FIXED + 8) {
        e->info.negotiation = HVSIM_IC_NEG_FAILED;
        protocol_error(e, "negotiate answer: F and M must be 1 (F*1000+M)", (uint64_t)f * 1000 + m);
        return;
    }
    uint32_t fw = rd_version(body + NEG_FIXED), sv = rd_version(body + NEG_FIXED + 4);
    if (!offered(e->cfg.framework_versions, e->cfg.framework_count, fw) ||
        !offered(e->cfg.service_versions, e->cfg.service_count, sv)) {
        e->info.negotiation = HVSIM_IC_NEG_FAILED;
        protocol_error(e, "negotiate answer chose a version not offered (fw << 32 | service)",
                       (uint64_t)fw << 32 | sv);
        return;
    }
    e->info.negotiation = HVSIM_IC_NEG_DONE;
    e->info.framework_version = fw;
    e->info.service_version = sv;
    ic_log(e, "negotiated framework %u.%u, service %u.%u", fw >> 16, fw & 0xFFFF, sv >> 16, sv & 0xFFFF);
    negotiated(e);
}

static void on_heartbeat_reply(struct ic_chan *e, uint32_t status, const uint8_t *body)
{
    uint64_t seq = rd64(body);
    if (status == HVSIM_IC_S_OK && seq == e->cur.aux + 1) {
        e->info.hb_good++;
        e->info.hb_last_seq_acked = seq;
    } else {
        e->info.hb_bad++;
        ic_log(e, "heartbeat %" PRIu64 " answered %" PRIu64 ", status %#x", e->cur.aux, seq, status);
    }
    e->hb_next_seq = e->cur.aux + 1;
}

/* A value record into an entry; false (a protocol error) when its sizes lie. */
static bool parse_record(struct ic_chan *e, const uint8_t *rec, struct kvp_entry *out)
{
    uint32_t type = rd32(rec), key_size = rd32(rec + 4), value_size = rd32(rec + 8);
    const uint8_t *key = rec + 12, *value = rec + 12 + KVP_KEY_BYTES;
    if (key_size > KVP_KEY_BYTES || value_size > KVP_VALUE_BYTES) {
        protocol_error(e, "KVP record sizes (key << 16 | value)", (uint64_t)key_size << 16 | value_size);
        return false;
    }
    out->type = type;
    from_utf16(key, key_size, out->key, sizeof(out->key));
    switch (type) {
    case KVP_REG_SZ:
    case KVP_REG_EXPAND_SZ:
        from_utf16(value, value_size, out->value, sizeof(out->value));
        return true;
    case KVP_REG_DWORD:
        if (value_size < 4)
            break;
        snprintf(out->value, sizeof(out->value), "%" PRIu32, rd32(value));
        return true;
    case KVP_REG_QWORD:
    case KVP_REG_U64_LINUX:
        if (value_size < 8)
            break;
        snprintf(out->value, sizeof(out->value), "%" PRIu64, rd64(value));
        return true;
    default:
        snprintf(out->value, sizeof(out->value), "(type %" PRIu32 ", %" PRIu32 " bytes)", type, value_size);
        return true;
    }
    protocol_error(e, "KVP number shorter than its type", value_size);
    return false;
}

static void kvp_enum_end(struct ic_chan *e, uint32_t status)
{
    e->info.kvp_enum_done = true;
    e->info.kvp_enum_status = status;
}

static void on_kvp_reply(struct ic_chan *e, uint32_t status, const uint8_t *body)
{
    const struct ic_req *r = &e->cur;
    const uint8_t *sent = r->buf + IC_BODY_OFF;
    if (body[0] != sent[0] || body[1] != sent[1]) {
        protocol_error(e, "KVP answer changed operation or pool (op << 8 | pool)", (uint64_t)body[0] << 8 | body[1]);
        if (r->kvp_op == KVP_OP_ENUMERATE)
            kvp_enum_end(e, HVSIM_IC_E_FAIL);
        return;
    }
    if (r->kvp_op == KVP_OP_SET) {
        e->info.kvp_set_replies++;
        e->info.kvp_set_status = status;
        return;
    }
    if (r->kvp_op == KVP_OP_GET) {
        e->info.kvp_get_replies++;
        e->info.kvp_get_status = status;
        if (status == HVSIM_IC_S_OK)
            e->get_valid = parse_record(e, body + 4, &e->get_result);
        return;
    }
    if (status != HVSIM_IC_S_OK) {
        kvp_enum_end(e, status);
        return;
    }
    if (rd32(body + 4) != r->aux) {
        protocol_error(e, "KVP ENUMERATE answer for another index", rd32(body + 4));
        kvp_enum_end(e, HVSIM_IC_E_FAIL);
        return;
    }
    if (!parse_record(e, body + 8, &e->kvp[e->info.kvp_entries])) {
        kvp_enum_end(e, HVSIM_IC_E_FAIL);
        return;
    }
    e->info.kvp_entries++;
    if (e->info.kvp_entries >= e->cfg.kvp_enum_limit)
        kvp_enum_end(e, HVSIM_IC_S_OK);
    else if (!queue_kvp(e, KVP_OP_ENUMERATE, e->cfg.kvp_enum_pool, (uint32_t)r->aux + 1, NULL))
        kvp_enum_end(e, HVSIM_IC_E_FAIL);
}

/* A reply that failed the checks still ends its request. */
static void request_failed(struct ic_chan *e)
{
    switch (e->cur.type) {
    case IC_MSG_NEGOTIATE:
        e->info.negotiation = HVSIM_IC_NEG_FAILED;
        break;
    case IC_MSG_HEARTBEAT:
        e->info.hb_bad++;
        e->hb_next_seq = e->cur.aux + 1;
        break;
    case IC_MSG_KVP:
        if (e->cur.kvp_op == KVP_OP_ENUMERATE)
            kvp_enum_end(e, HVSIM_IC_E_FAIL);
        break;
    default:
        break;
    }
}

/* Smallest body each answer must carry when its status is S_OK. */
static uint32_t min_body(const struct ic_req *r, bool ts4)
{
    switch (r->type) {
    case IC_MSG_NEGOTIATE: return NEG_FIXED;
    case IC_MSG_HEARTBEAT: return 8;
    case IC_MSG_SHUTDOWN:  return 12;
    case IC_MSG_TIMESYNC:  return ts4 ? 17 : 25;
    case IC_MSG_KVP:       return r->kvp_op == KVP_OP_ENUMERATE ? KVP_ENUM_BODY : KVP_GET_BODY;
    default:               return 0;
    }
}

/* The framing every answer needs; NULL when it is right, else why not
 * (and *value says more). */
static const char *check_answer(struct ic_chan *e, const struct hvsim_packet *pkt, struct ic_msg_header *h,
                                const uint8_t **body, uint64_t *value)
{
    uint32_t ptype = 0, size = 0;
    const uint8_t *data = NULL;
    *value = 0;
    if (!hvsim_pipe_parse(pkt->payload, pkt->payload_len, &ptype, &data, &size)) {
        *value = pkt->payload_len;
        return "bad pipe header";
    }
    if (ptype != VBW_PIPE_DATA) {
        *value = ptype;
        return "pipe type not data";
    }
    if (size != e->cur.len - IC_HDR_OFF) {
        *value = size;
        return "answer length differs from the request's";
    }
    memcpy(h, data, sizeof(*h));
    *body = data + sizeof(*h);
    uint32_t room = size - (uint32_t)sizeof(*h);
    if (h->flags != (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE)) {
        *value = h->flags;
        return "ICMSGHDR flags not transaction|response";
    }
    if (h->transaction_id != (uint8_t)e->cur_tid) {
        *value = h->transaction_id;
        return "ICMSGHDR transaction id not echoed";
    }
    if (h->msg_type != e->cur.type) {
        *value = h->msg_type;
        return "ICMSGHDR message type changed";
    }
    if (h->msg_size > room) {
        *value = h->msg_size;
        return "ICMSGHDR message size beyond the packet";
    }
    bool ts4 = e->info.service_version >= HVSIM_IC_VERSION(4, 0);
    if (h->status == HVSIM_IC_S_OK && h->msg_size < min_body(&e->cur, ts4)) {
        *value = h->msg_size;
        return "body too short";
    }
    if (e->cur.type == IC_MSG_NEGOTIATE && h->status == HVSIM_IC_S_OK) {
        uint32_t need = NEG_FIXED + 4u * ((uint32_t)rd16(*body) + rd16(*body + 2));
        if (h->msg_size < need) {
            *value = h->msg_size;
            return "negotiate body shorter than its version counts";
        }
    }
    return NULL;
}

enum hvsim_vmbus_verdict hvsim_ic_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    struct ic_chan *e = find_chan(ch);
    if (!e) {
        hvsim_vmbus_chan_counters(ch)->protocol_errors++;
        hvsim_vmbus_chan_log(ch, "ic: packet on a channel the model has no state for");
        return HVSIM_VMBUS_DONE;
    }
    if (pkt->type != HVSIM_PKT_INBAND) {
        protocol_error(e, "packet type not INBAND", pkt->type);
        return HVSIM_VMBUS_DONE;
    }
    if (!e->in_flight || pkt->transaction_id != e->cur_tid) {
        if (pkt->transaction_id != 0 && pkt->transaction_id <= e->abandoned_tid) {
            e->info.hb_late++;
            ic_log(e, "late heartbeat answer ignored");
            return HVSIM_VMBUS_DONE;
        }
        protocol_error(e, e->in_flight ? "answer with a transaction id not in flight" : "unprompted packet",
                       pkt->transaction_id);
        return HVSIM_VMBUS_DONE;
    }
    e->in_flight = false;
    struct ic_msg_header h;
    const uint8_t *body = NULL;
    uint64_t value = 0;
    const char *why = check_answer(e, pkt, &h, &body, &value);
    if (why) {
        protocol_error(e, why, value);
        request_failed(e);
    } else {
        e->info.replies_ok++;
        switch (e->cur.type) {
        case IC_MSG_NEGOTIATE:
            on_negotiate_reply(e, h.status, body, h.msg_size);
            break;
        case IC_MSG_HEARTBEAT:
            on_heartbeat_reply(e, h.status, body);
            break;
        case IC_MSG_SHUTDOWN:
            e->info.shutdown_replied = true;
            e->info.shutdown_status = h.status;
            e->info.shutdown_reply_ns = hvsim_now_ns(e->sim);
            break;
        case IC_MSG_TIMESYNC:
            e->info.ts_replies++;
            e->info.ts_last_status = h.status;
            break;
        case IC_MSG_KVP:
            on_kvp_reply(e, h.status, body);
            break;
        default:
            break;
        }
    }
    pump(e);
    return HVSIM_VMBUS_DONE;
}

void hvsim_ic_on_room(struct hvsim_vmbus_chan *ch)
{
    struct ic_chan *e = find_chan(ch);
    if (e)
        pump(e);
}

void hvsim_ic_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch)
{
    const struct hvsim_vmbus_channel_info *ci = hvsim_vmbus_chan_info(ch);
    if (!is_ic_model(ci->model))
        return;
    struct ic_chan *e = find_key(vb, ci->relid);
    if (!e) {
        e = calloc(1, sizeof(*e));
        if (!e) {
            hvsim_vmbus_chan_log(ch, "ic: out of memory; the model stays silent");
            return;
        }
        e->next = registry;
        registry = e;
    }
    for (struct ic_chan *o = registry; o; o = o->next)
        if (o != e && o->ch == ch)
            o->ch = NULL;
    struct ic_chan *next = e->next;
    free(e->kvp);
    memset(e, 0, sizeof(*e));
    e->next = next;
    e->vb = vb;
    e->relid = ci->relid;
    e->ch = ch;
    e->sim = hvsim_vmbus_chan_sim(ch);
    e->opens = ci->opens;
    e->model = ci->model;
    e->next_tid = 1;
    config_for(e->model, &e->cfg);
    e->info.model = e->model;
    e->info.opens = e->opens;
    if (e->model == HVSIM_VMBUS_KVP && e->cfg.kvp_enum_limit > 0) {
        e->kvp = calloc(e->cfg.kvp_enum_limit, sizeof(*e->kvp));
        if (!e->kvp)
            e->cfg.kvp_enum_limit = 0;
    }
    if (e->cfg.start_delay_ns == 0)
        send_negotiate(e);
    else
        schedule(e, hvsim_now_ns(e->sim) + e->cfg.start_delay_ns);
}

/* ---- the test's side ---- */

bool hvsim_ic_state(struct hvsim_vmbus *vb, uint32_t relid, struct hvsim_ic_info *out)
{
    struct hvsim_vmbus_channel_info ci;
    if (!vb || !hvsim_vmbus_channel(vb, relid, &ci) || !is_ic_model(ci.model))
        return false;
    struct ic_chan *e = lookup(vb, relid, &ci);
    if (e) {
        *out = e->info;
        out->request_in_flight = e->in_flight;
    } else {
        memset(out, 0, sizeof(*out));
        out->model = ci.model;
    }
    return true;
}

static int submitted(struct ic_chan *e, struct ic_req *r)
{
    if (!r)
        return -1;
    pump(e);
    return 0;
}

int hvsim_ic_request_shutdown(struct hvsim_vmbus *vb, uint32_t relid, uint32_t flags, uint32_t reason)
{
    struct ic_chan *e = lookup_ready(vb, relid, HVSIM_VMBUS_SHUTDOWN);
    if (!e)
        return -1;
    uint8_t body[SHUTDOWN_BODY];
    memset(body, 0, sizeof(body));
    wr32(body, reason);
    wr32(body + 4, e->cfg.shutdown_timeout_s);
    wr32(body + 8, flags);
    to_utf16(body + 12, SHUTDOWN_MSG_BYTES, "hvsim: shutdown requested by the host");
    return submitted(e, queue_req(e, IC_MSG_SHUTDOWN, body, sizeof(body)));
}

int hvsim_ic_timesync_send(struct hvsim_vmbus *vb, uint32_t relid, uint64_t parent_time, uint8_t flags)
{
    struct ic_chan *e = lookup_ready(vb, relid, HVSIM_VMBUS_TIMESYNC);
    if (!e)
        return -1;
    uint8_t body[TIMESYNC3_BODY];
    memset(body, 0, sizeof(body));
    wr64(body, parent_time);
    bool ts4 = e->info.service_version >= HVSIM_IC_VERSION(4, 0);
    if (ts4)
        body[16] = flags; /* the reference time at 8 is filled in as it is sent */
    else
        body[24] = flags;
    return submitted(e, queue_req(e, IC_MSG_TIMESYNC, body, ts4 ? TIMESYNC4_BODY : TIMESYNC3_BODY));
}

int hvsim_ic_kvp_set(struct hvsim_vmbus *vb, uint32_t relid, uint8_t pool, const char *key, const char *value)
{
    struct ic_chan *e = lookup_ready(vb, relid, HVSIM_VMBUS_KVP);
    if (!e || !key || !value || strlen(key) >= HVSIM_IC_KVP_KEY_MAX || strlen(value) >= HVSIM_IC_KVP_VALUE_MAX)
        return -1;
    return submitted(e, queue_kvp_set(e, pool, key, value));
}

int hvsim_ic_kvp_get(struct hvsim_vmbus *vb, uint32_t relid, uint8_t pool, const char *key)
{
    struct ic_chan *e = lookup_ready(vb, relid, HVSIM_VMBUS_KVP);
    if (!e || !key || strlen(key) >= HVSIM_IC_KVP_KEY_MAX)
        return -1;
    return submitted(e, queue_kvp(e, KVP_OP_GET, pool, 0, key));
}

bool hvsim_ic_kvp_entry(struct hvsim_vmbus *vb, uint32_t relid, uint32_t i, char *key_out, char *value_out)
{
    struct hvsim_vmbus_channel_info ci;
    struct ic_chan *e = lookup(vb, relid, &ci);
    if (!e || e->model != HVSIM_VMBUS_KVP || i >= e->info.kvp_entries)
        return false;
    if (key_out)
        memcpy(key_out, e->kvp[i].key, HVSIM_IC_KVP_KEY_MAX);
    if (value_out)
        memcpy(value_out, e->kvp[i].value, HVSIM_IC_KVP_VALUE_MAX);
    return true;
}

bool hvsim_ic_kvp_get_value(struct hvsim_vmbus *vb, uint32_t relid, char *value_out, uint32_t *type_out)
{
    struct hvsim_vmbus_channel_info ci;
    struct ic_chan *e = lookup(vb, relid, &ci);
    if (!e || e->model != HVSIM_VMBUS_KVP || !e->get_valid)
        return false;
    if (value_out)
        memcpy(value_out, e->get_result.value, HVSIM_IC_KVP_VALUE_MAX);
    if (type_out)
        *type_out = e->get_result.type;
    return true;
}
