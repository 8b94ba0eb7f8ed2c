/* hvsim's IC device models (heartbeat, shutdown, time sync, KVP), driven by
 * a minimal guest written here: it connects and opens the channel through
 * hvsim's VMBus host as tests/unit/test_hvsim_vmbus.c does, reads the host's
 * requests from the host->guest ring with vmbus/ring.c, and answers them
 * from reference section 10, correctly or with one chosen fault. */
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/vmbus_test_guest.h"
#include "tests/hvsim/vmbus_ic.h"
#include "tests/unit/check.h"
#include "vmbus/gpadl_msgs.h"
#include "vmbus/ring.h"

#define RING_GPA 0x100000ull
#define PAGE     4096u
#define SEC      1000000000ull
#define V(maj, min) HVSIM_IC_VERSION(maj, min)

/* ---- the mini guest: connection and channel (as in test_hvsim_vmbus.c) ---- */

/* HVSIM_LOG=1 in the environment prints hvsim's log lines. */
static void print_log(void *ctx, const char *line)
{
    (void)ctx;
    printf("      hvsim: %s\n", line);
}

static void guest_up(struct guest *g, const struct hvsim_vmbus_device *devs, uint32_t count)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.devices = devs;
    cfg.device_count = count;
    g->sim = tg_create(NULL);
    if (getenv("HVSIM_LOG"))
        hvsim_set_log(g->sim, print_log, NULL);
    tg_enable_hypercalls(g->sim);
    tg_enable_synic(g->sim, 0);
    tg_set_sint(g->sim, 0, VMBUS_SINT, 0x41, 0);
    g->vb = hvsim_vmbus_create(g->sim, &cfg);
    struct msg m;
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof(c));
    c.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    c.version = VMBUS_VERSION_WIN10;
    post(g, VMBUS_CONNID_MESSAGE, &c, VMBUS_MSG_INITIATE_CONTACT_SIZE);
    recv_msg(g, &m);
    struct vmbus_msg_header h = { .type = VMBUS_MSG_REQUESTOFFERS };
    post(g, VMBUS_CONNID_MESSAGE, &h, sizeof(h));
    while (recv_msg(g, &m))
        ;
}

static void guest_down(struct guest *g)
{
    hvsim_vmbus_destroy(g->vb);
    hvsim_destroy(g->sim);
}

struct gchan {
    uint32_t relid, conn_id, gpadl;
    struct vmbus_ring out, in;
};

static long send_open(struct guest *g, uint32_t relid, uint32_t handle, uint32_t out_pages)
{
    struct vmbus_msg_open_channel o;
    memset(&o, 0, sizeof(o));
    o.hdr.type = VMBUS_MSG_OPENCHANNEL;
    o.child_relid = relid;
    o.open_id = relid + 100;
    o.ring_gpadl = handle;
    o.downstream_page_offset = 1 + out_pages;
    post(g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    struct msg m;
    if (!recv_msg(g, &m) || msg_type(&m) != VMBUS_MSG_OPENCHANNEL_RESULT)
        return -1;
    struct vmbus_msg_open_result r;
    memcpy(&r, m.data, sizeof(r));
    return r.status;
}

/* Rings of 2 + 2 data pages at RING_GPA + relid MiB, their GPADL, OPENCHANNEL. */
static long open_chan(struct guest *g, struct gchan *c, uint32_t relid)
{
    const uint32_t pages = 2;
    uint64_t gpa = RING_GPA + ((uint64_t)relid << 20);
    struct hvsim_vmbus_channel_info info;
    if (!hvsim_vmbus_channel(g->vb, relid, &info))
        return -2;
    c->relid = relid;
    c->conn_id = info.connection_id;
    c->gpadl = 0xE1E10 + relid;
    uint8_t *base = hvsim_gpa_to_host(g->sim, gpa, (uint64_t)(2 * pages + 2) * PAGE);
    vmbus_ring_init(&c->out, base, base + PAGE, pages * PAGE);
    vmbus_ring_init(&c->in, base + (1 + pages) * PAGE, base + (2 + pages) * PAGE, pages * PAGE);
    uint64_t pfns[6];
    for (uint32_t i = 0; i < 2 * pages + 2; i++)
        pfns[i] = (gpa >> 12) + i;
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    uint32_t n = gpadl_msgs_count(2 * pages + 2);
    for (uint32_t i = 0; i < n; i++)
        post(g, VMBUS_CONNID_MESSAGE, buf, gpadl_msg_build(i, relid, c->gpadl, pfns, 2 * pages + 2, buf));
    struct msg m;
    if (!recv_msg(g, &m) || msg_type(&m) != VMBUS_MSG_GPADL_CREATED)
        return -3;
    return send_open(g, relid, c->gpadl, pages);
}

static void close_chan(struct guest *g, struct gchan *c)
{
    struct vmbus_msg_close_channel m = { .hdr.type = VMBUS_MSG_CLOSECHANNEL, .child_relid = c->relid };
    post(g, VMBUS_CONNID_MESSAGE, &m, sizeof(m));
}

static void signal_host(struct guest *g, struct gchan *c)
{
    hvsim_hypercall_fast(g->sim, 0, HV_CALL_SIGNAL_EVENT, c->conn_id, 0);
}

static bool take_event(struct guest *g, uint32_t relid)
{
    uint8_t *sief = tg_sief(g->sim, 0, VMBUS_SINT);
    uint8_t bit = (uint8_t)(1u << (relid % 8));
    bool set = sief[relid / 8] & bit;
    sief[relid / 8] &= (uint8_t)~bit;
    return set;
}

static void send_packet(struct guest *g, struct gchan *c, uint16_t type, uint64_t tid, const void *p, uint32_t len)
{
    struct vmbus_packet_out out = { .type = type, .transaction_id = tid, .payload = p, .payload_len = len };
    bool sig = false;
    CHECK_EQ(vmbus_ring_write(&c->out, &out, &sig), VMBUS_RING_OK);
    if (sig)
        signal_host(g, c);
}

/* ---- the mini guest: IC answers (section 10) ---- */

enum fault {
    FAULT_NONE,
    FAULT_TID,        /* packet transaction id not the request's */
    FAULT_FLAGS,      /* ICMSGHDR flags transaction|request, as the host sent them */
    FAULT_SHORT_BODY, /* ICMSGHDR message size 4 */
    FAULT_LENGTH,     /* answer 8 bytes shorter than the request */
    FAULT_COMP,       /* a COMP packet instead of INBAND */
    FAULT_HDR_TID,    /* ICMSGHDR transaction id not echoed */
    FAULT_SILENT,     /* no answer at all */
};

struct kvp_item {
    const char *key;
    uint32_t type;    /* 1 REG_SZ, 4 DWORD */
    const char *str;
    uint32_t dword;
};

struct ic_guest {
    uint32_t fw[4], fw_count;   /* the guest's preferences, best first */
    uint32_t sv[4], sv_count;
    bool choose_unoffered;      /* answers a service version the host never offered */
    uint32_t status;            /* for shutdown and timesync answers */
    enum fault fault;           /* applies to the next answer only */
    const struct kvp_item *kvp;
    uint32_t kvp_count;
    /* what the last request looked like */
    uint32_t requests;
    uint16_t last_type;
    uint8_t last[8192];
    uint32_t last_len;          /* pipe header included */
    uint64_t last_tid;
    uint64_t ref_at_receive;
};

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void put_utf16(uint8_t *dst, const char *s, uint32_t *size)
{
    uint32_t n = 0;
    for (; s[n]; n++)
        wr16(dst + 2 * n, (uint8_t)s[n]);
    wr16(dst + 2 * n, 0);
    *size = 2 * (n + 1);
}

static bool utf16_is(const uint8_t *p, const char *s)
{
    for (uint32_t i = 0;; i++) {
        if (rd16(p + 2 * i) != (uint8_t)s[i])
            return false;
        if (!s[i])
            return true;
    }
}

/* The guest picks its first preference present in the host's list. */
static bool pick(const uint32_t *mine, uint32_t n, const uint8_t *theirs, uint32_t count, uint8_t *out)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < count; k++)
            if (rd16(theirs + 4 * k) == mine[i] >> 16 && rd16(theirs + 4 * k + 2) == (mine[i] & 0xFFFF)) {
                memcpy(out, theirs + 4 * k, 4);
                return true;
            }
    return false;
}

static void answer_negotiate(struct ic_guest *ig, uint8_t *b)
{
    uint32_t f = rd16(b + 28), m = rd16(b + 30);
    uint8_t fw[4], sv[4];
    bool ok = pick(ig->fw, ig->fw_count, b + 36, f, fw) && pick(ig->sv, ig->sv_count, b + 36 + 4 * f, m, sv);
    if (ok && ig->choose_unoffered) {
        wr16(sv, 9);
        wr16(sv + 2, 9);
    }
    wr16(b + 28, ok ? 1 : 0);
    wr16(b + 30, ok ? 1 : 0);
    if (ok) {
        memcpy(b + 36, fw, 4);
        memcpy(b + 40, sv, 4);
        wr16(b + 18, 16);
    }
}

static void fill_record(uint8_t *rec, const struct kvp_item *it)
{
    uint32_t size = 0;
    memset(rec, 0, 2572);
    wr32(rec, it->type);
    put_utf16(rec + 12, it->key, &size);
    wr32(rec + 4, size);
    if (it->type == 4) {
        wr32(rec + 12 + 512, it->dword);
        size = 4;
    } else {
        put_utf16(rec + 12 + 512, it->str, &size);
    }
    wr32(rec + 8, size);
}

static void answer_kvp(struct ic_guest *ig, uint8_t *b)
{
    uint8_t op = b[28];
    if (op == 3) {
        uint32_t index = rd32(b + 32);
        if (index >= ig->kvp_count)
            wr32(b + 20, HVSIM_IC_NO_MORE_ITEMS);
        else
            fill_record(b + 36, &ig->kvp[index]);
    } else if (op == 0) {
        for (uint32_t i = 0; i < ig->kvp_count; i++)
            if (utf16_is(b + 32 + 12, ig->kvp[i].key)) {
                fill_record(b + 32, &ig->kvp[i]);
                return;
            }
        wr32(b + 20, 0x80041002u); /* not found */
    }
}

/* Reads one request from the host->guest ring and answers it. false when
 * the ring is empty. */
static bool serve_one(struct guest *g, struct gchan *c, struct ic_guest *ig)
{
    static uint8_t buf[16384];
    struct vmbus_packet pkt;
    if (vmbus_ring_read(&c->in, buf, sizeof(buf), &pkt) != VMBUS_RING_OK)
        return false;
    bool sig = false;
    vmbus_ring_commit(&c->in, &sig);
    if (sig)
        signal_host(g, c);
    uint32_t ptype = 0, size = 0;
    const uint8_t *data = NULL;
    CHECK_EQ(vmbus_pipe_parse(pkt.payload, pkt.payload_len, &ptype, &data, &size), VMBUS_RING_OK);
    CHECK_EQ(ptype, 1);
    CHECK_EQ(pkt.type, VMBUS_PACKET_DATA_INBAND);
    CHECK_EQ(pkt.flags, 0);
    uint32_t len = size + 8;
    if (len > sizeof(ig->last) || size < 20)
        return true;
    ig->requests++;
    ig->last_len = len;
    ig->last_tid = pkt.transaction_id;
    ig->ref_at_receive = hvsim_time_ref_count(g->sim);
    memcpy(ig->last, pkt.payload, len);
    uint8_t *b = ig->last;  /* answered in place, as a guest does */
    ig->last_type = rd16(b + 12);
    CHECK_EQ(b[25], 0x3);   /* transaction | request */
    CHECK_EQ(rd16(b + 18), len - 28); /* message size = the body */
    uint8_t reply[8192];
    memcpy(reply, b, len);
    b = reply;
    switch (rd16(b + 12)) {
    case 0: answer_negotiate(ig, b); break;
    case 1: wr64(b + 28, rd64(b + 28) + 1); break;
    case 2: answer_kvp(ig, b); break;
    case 3: wr32(b + 20, ig->status); break;
    case 4: wr32(b + 20, ig->status); break;
    default: break;
    }
    b[25] = 0x5;            /* transaction | response */
    uint64_t tid = pkt.transaction_id;
    uint16_t type = VMBUS_PACKET_DATA_INBAND;
    enum fault f = ig->fault;
    ig->fault = FAULT_NONE;
    switch (f) {
    case FAULT_TID: tid += 100; break;
    case FAULT_FLAGS: b[25] = 0x3; break;
    case FAULT_SHORT_BODY: wr16(b + 18, 4); break;
    case FAULT_LENGTH: len -= 8; wr32(b + 4, len - 8); break;
    case FAULT_COMP: type = VMBUS_PACKET_COMP; break;
    case FAULT_HDR_TID: b[24] ^= 0x55; break;
    case FAULT_SILENT: return true;
    default: break;
    }
    send_packet(g, c, type, tid, b, len);
    return true;
}

/* Takes one request out of the ring by hand (the test answers it). */
static bool take_request(struct guest *g, struct gchan *c, uint8_t *buf, uint32_t size, struct vmbus_packet *pkt)
{
    take_event(g, c->relid);
    bool ok = vmbus_ring_read(&c->in, buf, size, pkt) == VMBUS_RING_OK;
    CHECK(ok, "a request in the ring");
    bool sig = false;
    vmbus_ring_commit(&c->in, &sig);
    if (sig)
        signal_host(g, c);
    return ok;
}

static uint32_t serve(struct guest *g, struct gchan *c, struct ic_guest *ig)
{
    uint32_t n = 0;
    take_event(g, c->relid);
    while (serve_one(g, c, ig))
        n++;
    return n;
}

static void guest_defaults(struct ic_guest *ig)
{
    memset(ig, 0, sizeof(*ig));
    ig->fw[0] = V(3, 0);
    ig->fw[1] = V(1, 0);
    ig->fw_count = 2;
}

static struct hvsim_ic_info state(struct guest *g, uint32_t relid)
{
    struct hvsim_ic_info info;
    memset(&info, 0xAB, sizeof(info));
    CHECK(hvsim_ic_state(g->vb, relid, &info), "IC state of relid %u", relid);
    return info;
}

static const struct hvsim_guid hb_instance = HVSIM_IC_INSTANCE_HEARTBEAT;

/* One IC device at relid 1, opened; the NEGOTIATE is in the ring. */
static void up_one(struct guest *g, struct gchan *c, enum hvsim_vmbus_model_id model)
{
    struct hvsim_vmbus_device dev = { .model = model, .offer_flags = VMBUS_OFFER_FLAG_NAMED_PIPE };
    if (model == HVSIM_VMBUS_HEARTBEAT)
        dev.instance_id = &hb_instance;
    guest_up(g, &dev, 1);
    CHECK_EQ(open_chan(g, c, 1), 0);
}

/* ---- tests ---- */

static void test_offer_and_negotiate(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    struct hvsim_vmbus_device dev = { .model = HVSIM_VMBUS_HEARTBEAT, .instance_id = &hb_instance };
    guest_up(&g, &dev, 1);
    struct hvsim_vmbus_channel_info ci;
    CHECK(hvsim_vmbus_channel(g.vb, 1, &ci), "relid 1");
    struct vmbus_guid cls = VMBUS_CLASS_HEARTBEAT, inst = VMBUS_INSTANCE_HEARTBEAT;
    CHECK(memcmp(ci.class_id.bytes, &cls, 16) == 0, "heartbeat class, host and guest spellings agree");
    CHECK(memcmp(ci.instance_id.bytes, &inst, 16) == 0, "heartbeat instance");
    CHECK(strcmp(ci.name, "heartbeat") == 0, "name");

    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_NONE);
    CHECK_EQ(info.requests_sent, 0);
    CHECK_EQ(hvsim_ic_request_shutdown(g.vb, 1, 0, 0), -1);

    CHECK_EQ(open_chan(&g, &c, 1), 0);
    CHECK(take_event(&g, 1), "the NEGOTIATE signalled the guest");
    CHECK_EQ(state(&g, 1).negotiation, HVSIM_IC_NEG_PENDING);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    /* NEGOTIATE as section 10 lays it out: F = 2, M = 2, {3.0, 1.0}, {3.0, 1.0}. */
    static const uint8_t expect[] = { 2, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0 };
    CHECK_EQ(ig.last_type, 0);
    CHECK_EQ(ig.last_len, 28 + sizeof(expect));
    CHECK(memcmp(ig.last + 28, expect, sizeof(expect)) == 0, "NEGOTIATE body");
    CHECK_EQ(rd32(ig.last + 4), ig.last_len - 8); /* pipe size */
    CHECK_EQ(ig.last[24], (uint8_t)ig.last_tid);
    info = state(&g, 1);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_DONE);
    CHECK_EQ(info.framework_version, V(3, 0));
    CHECK_EQ(info.service_version, V(3, 0));
    CHECK_EQ(info.negotiate_status, 0);
    CHECK_EQ(info.requests_sent, 1);
    CHECK_EQ(info.replies_ok, 1);
    CHECK_EQ(info.protocol_errors, 0);
    CHECK_EQ(info.opens, 1);
    CHECK(!hvsim_ic_state(g.vb, 2, &info), "no relid 2");
    guest_down(&g);
}

static void test_heartbeat_sequence(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    struct hvsim_ic_config cfg;
    hvsim_ic_config_default(HVSIM_VMBUS_HEARTBEAT, &cfg);
    cfg.heartbeat_first_seq = 1000;
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_HEARTBEAT, &cfg), 0);
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    /* Nothing before the first interval. */
    hvsim_advance_ns(g.sim, SEC - 1);
    CHECK_EQ(serve(&g, &c, &ig), 0);
    for (int i = 0; i < 5; i++) {
        hvsim_advance_ns(g.sim, i == 0 ? 1 : SEC);
        CHECK_EQ(serve(&g, &c, &ig), 1);
        CHECK_EQ(ig.last_type, 1);
        CHECK_EQ(ig.last_len, 28 + 40);
        CHECK_EQ(rd64(ig.last + 28), 1000 + (uint64_t)i);
        CHECK_EQ(rd16(ig.last + 8), 3);  /* framework 3.0 in the header */
        CHECK_EQ(rd16(ig.last + 14), 3); /* message version 3.0 */
    }
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.hb_good, 5);
    CHECK_EQ(info.hb_bad, 0);
    CHECK_EQ(info.hb_last_seq_sent, 1004);
    CHECK_EQ(info.hb_last_seq_acked, 1005);
    CHECK_EQ(info.requests_sent, 6);
    CHECK_EQ(info.replies_ok, 6);
    CHECK_EQ(info.protocol_errors, 0);

    /* A heartbeat left unanswered for an interval is missed; the late
     * answer is not an error, and the next one goes out. */
    hvsim_advance_ns(g.sim, SEC);
    take_event(&g, 1);
    ig.fault = FAULT_SILENT;
    CHECK_EQ(serve(&g, &c, &ig), 1);
    hvsim_advance_ns(g.sim, SEC);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    info = state(&g, 1);
    CHECK_EQ(info.hb_missed, 1);
    CHECK_EQ(info.hb_good, 6);
    CHECK_EQ(info.hb_last_seq_acked, 1007);
    CHECK_EQ(info.protocol_errors, 0);
    guest_down(&g);
    hvsim_ic_set_config(HVSIM_VMBUS_HEARTBEAT, NULL);
}

/* The guest answers heartbeat sequence + 2. */
static void test_heartbeat_wrong_sequence(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(1, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(state(&g, 1).service_version, V(1, 0));
    hvsim_advance_ns(g.sim, SEC);
    uint8_t buf[4096];
    struct vmbus_packet pkt;
    if (!take_request(&g, &c, buf, sizeof(buf), &pkt) || pkt.payload_len != 72) { /* 68 padded to 8 */
        CHECK(false, "heartbeat request");
        guest_down(&g);
        return;
    }
    uint8_t reply[68];
    memcpy(reply, pkt.payload, 68);
    wr64(reply + 28, rd64(reply + 28) + 2);
    reply[25] = 5;
    send_packet(&g, &c, VMBUS_PACKET_DATA_INBAND, pkt.transaction_id, reply, 68);
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.hb_good, 0);
    CHECK_EQ(info.hb_bad, 1);
    CHECK_EQ(info.hb_last_seq_acked, 0);
    CHECK_EQ(info.protocol_errors, 0);
    guest_down(&g);
}

static void test_refused_negotiation(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(7, 0); /* a heartbeat version no host offers */
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_REFUSED);
    CHECK_EQ(info.framework_version, 0);
    CHECK_EQ(info.service_version, 0);
    CHECK_EQ(info.protocol_errors, 0);
    hvsim_advance_ns(g.sim, 5 * SEC);
    CHECK_EQ(serve(&g, &c, &ig), 0); /* no heartbeats after a refusal */
    guest_down(&g);

    /* The host offers only versions the guest does not speak (configured). */
    struct hvsim_ic_config cfg;
    hvsim_ic_config_default(HVSIM_VMBUS_SHUTDOWN, &cfg);
    cfg.service_versions[0] = V(9, 1);
    cfg.service_count = 1;
    cfg.framework_versions[0] = V(3, 0);
    cfg.framework_count = 1;
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_SHUTDOWN, &cfg), 0);
    guest_defaults(&ig);
    ig.sv[0] = V(3, 2);
    ig.sv[1] = V(3, 0);
    ig.sv_count = 2;
    up_one(&g, &c, HVSIM_VMBUS_SHUTDOWN);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    static const uint8_t expect[] = { 1, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 9, 0, 1, 0 };
    CHECK(memcmp(ig.last + 28, expect, sizeof(expect)) == 0, "configured NEGOTIATE body");
    CHECK_EQ(state(&g, 1).negotiation, HVSIM_IC_NEG_REFUSED);
    CHECK_EQ(hvsim_ic_request_shutdown(g.vb, 1, 0, 0), -1);
    guest_down(&g);
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_SHUTDOWN, NULL), 0);

    /* A failure status is a refusal too. */
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    uint8_t buf[4096];
    struct vmbus_packet pkt;
    uint8_t reply[64];
    if (!take_request(&g, &c, buf, sizeof(buf), &pkt) || rd32(pkt.payload + 4) + 8 > sizeof(reply)) {
        CHECK(false, "NEGOTIATE request");
        guest_down(&g);
        return;
    }
    uint32_t len = rd32(pkt.payload + 4) + 8;
    memcpy(reply, pkt.payload, len);
    reply[25] = 5;
    wr32(reply + 20, HVSIM_IC_E_FAIL);
    send_packet(&g, &c, VMBUS_PACKET_DATA_INBAND, pkt.transaction_id, reply, len);
    info = state(&g, 1);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_REFUSED);
    CHECK_EQ(info.negotiate_status, HVSIM_IC_E_FAIL);
    guest_down(&g);

    /* Choosing a version the host never offered is a failure and an error. */
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    ig.choose_unoffered = true;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    info = state(&g, 1);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_FAILED);
    CHECK_EQ(info.protocol_errors, 1);
    CHECK_EQ(info.service_version, 0);
    guest_down(&g);
}

static void test_shutdown(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(3, 2);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_SHUTDOWN);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(state(&g, 1).service_version, V(3, 2));
    /* Nothing happens until the test asks. */
    hvsim_advance_ns(g.sim, 10 * SEC);
    CHECK_EQ(serve(&g, &c, &ig), 0);
    CHECK_EQ(state(&g, 1).shutdown_replied, false);

    CHECK_EQ(hvsim_ic_request_shutdown(g.vb, 1, HVSIM_IC_SHUTDOWN_FORCE | HVSIM_IC_SHUTDOWN_RESTART, 7), 0);
    hvsim_advance_ns(g.sim, 5000000);
    uint64_t answered_at = hvsim_now_ns(g.sim);
    ig.status = HVSIM_IC_S_OK;
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(ig.last_type, 3);
    CHECK_EQ(ig.last_len, 28 + 2060);
    CHECK_EQ(rd32(ig.last + 28), 7);   /* reason */
    CHECK_EQ(rd32(ig.last + 32), 30);  /* timeout */
    CHECK_EQ(rd32(ig.last + 36), 3);   /* force | restart */
    CHECK(utf16_is(ig.last + 40, "hvsim: shutdown requested by the host"), "UTF-16 message");
    struct hvsim_ic_info info = state(&g, 1);
    CHECK(info.shutdown_replied, "reply recorded");
    CHECK_EQ(info.shutdown_status, 0);
    CHECK_EQ(info.shutdown_reply_ns, answered_at);
    CHECK_EQ(info.shutdown_requests, 1);

    /* A guest that cannot: E_FAIL recorded. */
    CHECK_EQ(hvsim_ic_request_shutdown(g.vb, 1, 4, 0), 0);
    ig.status = HVSIM_IC_E_FAIL;
    CHECK_EQ(serve(&g, &c, &ig), 1);
    info = state(&g, 1);
    CHECK_EQ(info.shutdown_status, HVSIM_IC_E_FAIL);
    CHECK_EQ(info.shutdown_requests, 2);
    CHECK_EQ(info.replies_ok, 3);
    CHECK_EQ(info.protocol_errors, 0);
    /* Not a shutdown channel, or not a channel: refused. */
    CHECK_EQ(hvsim_ic_timesync_send(g.vb, 1, 0, 0), -1);
    CHECK_EQ(hvsim_ic_request_shutdown(g.vb, 9, 0, 0), -1);
    guest_down(&g);
}

static void test_timesync_layouts(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    const uint64_t parent = 133000000000000000ull; /* 2022, in 100 ns units since 1601 */

    /* 4.0: parent time, reference time at sending, flags at 16. */
    guest_defaults(&ig);
    ig.sv[0] = V(4, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_TIMESYNC);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(state(&g, 1).service_version, V(4, 0));
    hvsim_advance_ns(g.sim, 3 * SEC);
    uint64_t ref = hvsim_time_ref_count(g.sim);
    CHECK(ref > 0, "reference time runs");
    CHECK_EQ(hvsim_ic_timesync_send(g.vb, 1, parent, HVSIM_IC_TIMESYNC_SYNC), 0);
    hvsim_advance_ns(g.sim, 1000);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(ig.last_type, 4);
    CHECK_EQ(ig.last_len, 28 + 24);
    CHECK_EQ(rd64(ig.last + 28), parent);
    CHECK_EQ(rd64(ig.last + 36), ref);
    CHECK_EQ(ig.last[44], 1);
    CHECK_EQ(ig.last[45] | ig.last[46], 0); /* leap, stratum */
    CHECK_EQ(hvsim_ic_timesync_send(g.vb, 1, parent + 10, HVSIM_IC_TIMESYNC_SAMPLE), 0);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(ig.last[44], 2);
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.ts_sent, 2);
    CHECK_EQ(info.ts_replies, 2);
    CHECK_EQ(info.ts_last_flags, 2);
    CHECK_EQ(info.ts_last_parent_time, parent + 10);
    CHECK_EQ(info.ts_last_ref_time, ref + 10);
    CHECK_EQ(info.protocol_errors, 0);
    guest_down(&g);

    /* 3.0: parent, child, round trip, flags at 24. */
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_TIMESYNC);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(state(&g, 1).service_version, V(3, 0));
    CHECK_EQ(hvsim_ic_timesync_send(g.vb, 1, parent, HVSIM_IC_TIMESYNC_SAMPLE), 0);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(ig.last_len, 28 + 28);
    CHECK_EQ(rd64(ig.last + 28), parent);
    CHECK_EQ(rd64(ig.last + 36), 0);
    CHECK_EQ(rd64(ig.last + 44), 0);
    CHECK_EQ(ig.last[52], 2);
    info = state(&g, 1);
    CHECK_EQ(info.ts_replies, 1);
    CHECK_EQ(info.ts_last_ref_time, 0);
    guest_down(&g);
}

static const struct kvp_item three_items[] = {
    { "FullyQualifiedDomainName", 1, "hvrt-guest.example", 0 },
    { "IntegrationServicesVersion", 1, "0.1", 0 },
    { "OSMajorVersion", 4, NULL, 6 },
};

static void test_kvp_enumerate_and_get(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(4, 0);
    ig.sv_count = 1;
    ig.kvp = three_items;
    ig.kvp_count = 3;
    up_one(&g, &c, HVSIM_VMBUS_KVP);
    /* NEGOTIATE, ENUMERATE 0, 1, 2, 3 (no more items). */
    CHECK_EQ(serve(&g, &c, &ig), 5);
    CHECK_EQ(ig.last_type, 2);
    CHECK_EQ(ig.last_len, 28 + 2580);
    CHECK_EQ(ig.last[28], 3);          /* ENUMERATE */
    CHECK_EQ(ig.last[29], 2);          /* auto pool */
    CHECK_EQ(rd32(ig.last + 32), 3);   /* the last index asked */
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.service_version, V(4, 0));
    CHECK_EQ(info.kvp_entries, 3);
    CHECK(info.kvp_enum_done, "enumeration over");
    CHECK_EQ(info.kvp_enum_status, HVSIM_IC_NO_MORE_ITEMS);
    CHECK_EQ(info.protocol_errors, 0);
    char key[HVSIM_IC_KVP_KEY_MAX], value[HVSIM_IC_KVP_VALUE_MAX];
    CHECK(hvsim_ic_kvp_entry(g.vb, 1, 0, key, value), "entry 0");
    CHECK(strcmp(key, "FullyQualifiedDomainName") == 0 && strcmp(value, "hvrt-guest.example") == 0,
          "entry 0: %s = %s", key, value);
    CHECK(hvsim_ic_kvp_entry(g.vb, 1, 1, key, value), "entry 1");
    CHECK(strcmp(key, "IntegrationServicesVersion") == 0 && strcmp(value, "0.1") == 0, "entry 1");
    CHECK(hvsim_ic_kvp_entry(g.vb, 1, 2, key, value), "entry 2");
    CHECK(strcmp(key, "OSMajorVersion") == 0 && strcmp(value, "6") == 0, "entry 2: %s = %s", key, value);
    CHECK(!hvsim_ic_kvp_entry(g.vb, 1, 3, key, value), "no entry 3");

    /* GET of one key, then of one the guest does not have. */
    CHECK_EQ(hvsim_ic_kvp_get(g.vb, 1, HVSIM_IC_KVP_POOL_AUTO, "IntegrationServicesVersion"), 0);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(ig.last[28], 0);
    CHECK_EQ(ig.last_len, 28 + 2576);
    uint32_t type = 0;
    CHECK(hvsim_ic_kvp_get_value(g.vb, 1, value, &type), "GET value");
    CHECK(strcmp(value, "0.1") == 0, "GET value %s", value);
    CHECK_EQ(type, 1);
    CHECK_EQ(hvsim_ic_kvp_get(g.vb, 1, HVSIM_IC_KVP_POOL_EXTERNAL, "Nope"), 0);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    info = state(&g, 1);
    CHECK_EQ(info.kvp_get_replies, 2);
    CHECK_EQ(info.kvp_get_status, 0x80041002u);
    guest_down(&g);

    /* The limit ends an endless enumeration. */
    struct hvsim_ic_config cfg;
    hvsim_ic_config_default(HVSIM_VMBUS_KVP, &cfg);
    cfg.kvp_enum_limit = 2;
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_KVP, &cfg), 0);
    up_one(&g, &c, HVSIM_VMBUS_KVP);
    CHECK_EQ(serve(&g, &c, &ig), 3);
    info = state(&g, 1);
    CHECK_EQ(info.kvp_entries, 2);
    CHECK(info.kvp_enum_done, "stopped at the limit");
    CHECK_EQ(info.kvp_enum_status, 0);
    guest_down(&g);
    hvsim_ic_set_config(HVSIM_VMBUS_KVP, NULL);
}

/* Each fault in a heartbeat answer is one protocol error, never a crash. */
static void test_protocol_errors(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);

    static const enum fault faults[] = { FAULT_FLAGS, FAULT_SHORT_BODY, FAULT_LENGTH, FAULT_COMP, FAULT_HDR_TID };
    uint64_t errors = 0, bad = 0;
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        hvsim_advance_ns(g.sim, SEC);
        ig.fault = faults[i];
        CHECK_EQ(serve(&g, &c, &ig), 1);
        struct hvsim_ic_info info = state(&g, 1);
        errors++;
        if (faults[i] != FAULT_COMP)
            bad++; /* the request is answered, badly */
        CHECK(info.protocol_errors == errors, "fault %zu: %llu errors", i,
              (unsigned long long)info.protocol_errors);
        CHECK_EQ(info.hb_bad, bad);
        CHECK_EQ(info.hb_good, 0);
    }
    /* The COMP left its heartbeat in flight: the next tick counts it missed. */
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.hb_missed, 1);

    /* A wrong transaction id is not the answer: the request stays in flight,
     * and the right answer after it still counts. */
    hvsim_advance_ns(g.sim, SEC);
    ig.fault = FAULT_TID;
    CHECK_EQ(serve(&g, &c, &ig), 1);
    info = state(&g, 1);
    CHECK_EQ(info.protocol_errors, errors + 1);
    CHECK(info.request_in_flight, "still waiting");
    uint8_t reply[68];
    memcpy(reply, ig.last, 68);
    reply[25] = 5;
    wr64(reply + 28, rd64(reply + 28) + 1);
    send_packet(&g, &c, VMBUS_PACKET_DATA_INBAND, ig.last_tid, reply, 68);
    info = state(&g, 1);
    CHECK_EQ(info.hb_good, 1);
    CHECK(!info.request_in_flight, "answered");

    /* Unprompted: nothing in flight. And a packet too short for a pipe header. */
    send_packet(&g, &c, VMBUS_PACKET_DATA_INBAND, 999, reply, 68);
    info = state(&g, 1);
    CHECK_EQ(info.protocol_errors, errors + 2);
    hvsim_advance_ns(g.sim, SEC);
    uint8_t buf[4096];
    struct vmbus_packet pkt;
    bool sig;
    uint32_t junk = 0xFFFFFFFF;
    if (take_request(&g, &c, buf, sizeof(buf), &pkt))
        send_packet(&g, &c, VMBUS_PACKET_DATA_INBAND, pkt.transaction_id, &junk, 4);
    info = state(&g, 1);
    CHECK_EQ(info.protocol_errors, errors + 3);
    struct hvsim_vmbus_counters vc;
    hvsim_vmbus_get_counters(g.vb, &vc);
    CHECK_EQ(vc.protocol_errors, errors + 3);

    /* Random answers to every request: counted, never a crash. */
    srand(11);
    for (int i = 0; i < 300; i++) {
        hvsim_advance_ns(g.sim, SEC);
        take_event(&g, 1);
        if (vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt) != VMBUS_RING_OK)
            continue;
        vmbus_ring_commit(&c.in, &sig);
        uint8_t r[128];
        memset(r, 0, sizeof(r));
        uint32_t len = (uint32_t)rand() % sizeof(r);
        memcpy(r, pkt.payload, pkt.payload_len < sizeof(r) ? pkt.payload_len : sizeof(r));
        for (int k = 0; k < 4; k++)
            r[rand() % sizeof(r)] = (uint8_t)rand();
        send_packet(&g, &c, VMBUS_PACKET_DATA_INBAND, rand() % 2 ? pkt.transaction_id : (uint64_t)rand(), r, len);
    }
    info = state(&g, 1);
    CHECK(info.protocol_errors > errors + 100, "random answers counted: %llu",
          (unsigned long long)info.protocol_errors);
    guest_down(&g);
}

/* A guest that stops reading: heartbeats fill the ring, the next one waits
 * for room (pending_send_size), and goes out when the guest drains it. */
static void test_ring_full_waits_for_room(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    /* 40-byte bodies: 16 + 72 + 8 = 96 bytes a packet; 8192 bytes hold 85. */
    hvsim_advance_ns(g.sim, 120 * SEC);
    struct hvsim_ic_info info = state(&g, 1);
    struct hvsim_vmbus_channel_info ci;
    hvsim_vmbus_channel(g.vb, 1, &ci);
    CHECK_EQ(ci.packets_out, 1 + 85);
    CHECK_EQ(info.requests_queued, 1);
    CHECK_EQ(info.hb_missed, 119);
    CHECK_EQ(info.requests_sent, 1 + 85);
    /* The guest answers all of them: the 85 in the ring were all given up
     * on (late, not errors); the room it made let the queued one out, and
     * that one is answered in time. */
    CHECK_EQ(serve(&g, &c, &ig), 86);
    info = state(&g, 1);
    CHECK_EQ(info.hb_late, 85);
    CHECK_EQ(info.hb_good, 1);
    CHECK_EQ(info.protocol_errors, 0);
    CHECK_EQ(info.requests_queued, 0);
    CHECK_EQ(info.requests_sent, 1 + 86);
    guest_down(&g);
}

/* Closing and opening again starts over: a new negotiation, fresh counts. */
static void test_reopen(void)
{
    struct guest g;
    struct gchan c;
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(3, 0);
    ig.sv_count = 1;
    up_one(&g, &c, HVSIM_VMBUS_HEARTBEAT);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    hvsim_advance_ns(g.sim, SEC);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    CHECK_EQ(state(&g, 1).hb_good, 1);
    close_chan(&g, &c);
    hvsim_advance_ns(g.sim, 3 * SEC);
    struct hvsim_ic_info info = state(&g, 1);
    CHECK_EQ(info.hb_good, 1); /* still readable after the close */
    CHECK_EQ(info.requests_sent, 2);

    vmbus_ring_init(&c.out, c.out.control, c.out.data, c.out.size);
    vmbus_ring_init(&c.in, c.in.control, c.in.data, c.in.size);
    CHECK_EQ(send_open(&g, 1, c.gpadl, 2), 0);
    info = state(&g, 1);
    CHECK_EQ(info.opens, 2);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_PENDING);
    CHECK_EQ(info.hb_good, 0);
    CHECK_EQ(serve(&g, &c, &ig), 1);
    for (int i = 0; i < 3; i++) {
        hvsim_advance_ns(g.sim, SEC);
        CHECK_EQ(serve(&g, &c, &ig), 1); /* one heartbeat a second: the old timer is gone */
    }
    info = state(&g, 1);
    CHECK_EQ(info.hb_good, 3);
    CHECK_EQ(info.protocol_errors, 0);
    guest_down(&g);

    /* A new host (likely at the same address) knows nothing of the old one. */
    struct hvsim_vmbus_device dev = { .model = HVSIM_VMBUS_HEARTBEAT };
    guest_up(&g, &dev, 1);
    info = state(&g, 1);
    CHECK_EQ(info.negotiation, HVSIM_IC_NEG_NONE);
    CHECK_EQ(info.hb_good, 0);
    CHECK_EQ(info.opens, 0);
    guest_down(&g);
}

/* All four on one bus, the NEGOTIATE sent a moment after the open. */
static void test_four_channels_with_start_delay(void)
{
    struct hvsim_ic_config cfg;
    enum hvsim_vmbus_model_id ids[4] = { HVSIM_VMBUS_HEARTBEAT, HVSIM_VMBUS_SHUTDOWN, HVSIM_VMBUS_TIMESYNC,
                                         HVSIM_VMBUS_KVP };
    struct hvsim_vmbus_device devs[4];
    memset(devs, 0, sizeof(devs));
    for (int i = 0; i < 4; i++) {
        hvsim_ic_config_default(ids[i], &cfg);
        cfg.start_delay_ns = 1000000;
        CHECK_EQ(hvsim_ic_set_config(ids[i], &cfg), 0);
        devs[i].model = ids[i];
    }
    struct guest g;
    guest_up(&g, devs, 4);
    struct gchan c[4];
    struct ic_guest ig;
    guest_defaults(&ig);
    ig.sv[0] = V(4, 0);
    ig.sv[1] = V(3, 0);
    ig.sv_count = 2;
    ig.kvp = three_items;
    ig.kvp_count = 1;
    for (uint32_t i = 0; i < 4; i++)
        CHECK_EQ(open_chan(&g, &c[i], i + 1), 0);
    for (uint32_t i = 0; i < 4; i++)
        CHECK_EQ(serve(&g, &c[i], &ig), 0);
    hvsim_advance_ns(g.sim, 1000000);
    uint32_t expect[4] = { 1, 1, 1, 3 };
    for (uint32_t i = 0; i < 4; i++)
        CHECK_EQ(serve(&g, &c[i], &ig), expect[i]);
    uint32_t versions[4] = { V(3, 0), V(3, 0), V(4, 0), V(4, 0) };
    for (uint32_t i = 0; i < 4; i++) {
        struct hvsim_ic_info info = state(&g, i + 1);
        CHECK_EQ(info.model, ids[i]);
        CHECK_EQ(info.negotiation, HVSIM_IC_NEG_DONE);
        CHECK_EQ(info.service_version, versions[i]);
    }
    CHECK_EQ(state(&g, 4).kvp_entries, 1);
    guest_down(&g);
    for (int i = 0; i < 4; i++)
        hvsim_ic_set_config(ids[i], NULL);
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_ECHO, NULL), -1);
    hvsim_ic_config_default(HVSIM_VMBUS_HEARTBEAT, &cfg);
    cfg.service_count = 0;
    CHECK_EQ(hvsim_ic_set_config(HVSIM_VMBUS_HEARTBEAT, &cfg), -1);
}

int main(void)
{
    RUN_TEST(test_offer_and_negotiate);
    RUN_TEST(test_heartbeat_sequence);
    RUN_TEST(test_heartbeat_wrong_sequence);
    RUN_TEST(test_refused_negotiation);
    RUN_TEST(test_shutdown);
    RUN_TEST(test_timesync_layouts);
    RUN_TEST(test_kvp_enumerate_and_get);
    RUN_TEST(test_protocol_errors);
    RUN_TEST(test_ring_full_waits_for_room);
    RUN_TEST(test_reopen);
    RUN_TEST(test_four_channels_with_start_delay);
    return check_summary();
}
