/* hvsim's hv_sock host (dev_hvsock.h), driven by a minimal guest: VMBus
 * messages posted by hand, TL_CONNECT_REQUEST from vmbus/tl_connect.h, the
 * rings written and read with the guest's vmbus/ring.c. What is checked is
 * what the host puts on the wire (offers, user data, pipe packets, results,
 * rescinds) and what it makes of the guest's packets; the Unix socket
 * backend is checked with real AF_UNIX sockets in a temporary directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/hvsim/dev_hvsock.h"
#include "tests/hvsim/vmbus_test_guest.h"
#include "tests/unit/check.h"
#include "vmbus/gpadl_msgs.h"
#include "vmbus/ring.h"
#include "vmbus/tl_connect.h"

#define PAGE 4096u
#define RING_GPA 0x100000ull
#define RING_PAGES 4u   /* data pages each way: 16 KiB rings */

/* The guest's spelling of the vsock template, to meet the host's. */
static struct vmbus_guid port_guid(uint32_t port)
{
    struct vmbus_guid g = VMBUS_GUID(0u, 0xfacb, 0x11e6, 0xbd58, 0x64006a7986d3ull);
    g.data1 = port;
    return g;
}

static bool same_guid(const struct vmbus_guid *a, const struct hvsim_guid *b)
{
    return memcmp(a, b->bytes, 16) == 0;
}

/* ---- the mini guest ---- */

struct hv {
    struct guest g;
    struct hvsim_hvsock *hs;
    uint64_t next_gpa;
    uint32_t next_gpadl;
};

struct gchan {
    uint32_t relid, conn_id;
    struct vmbus_ring out, in;
};

static void up(struct hv *h, uint32_t version, enum hvsim_vmbus_flavor flavor, const struct hvsim_hvsock_config *hc)
{
    memset(h, 0, sizeof(*h));
    struct hvsim_config scfg;
    hvsim_config_default(&scfg);
    scfg.guest_mem_size = 64u << 20;
    h->g.sim = tg_create(&scfg);
    tg_enable_hypercalls(h->g.sim);
    tg_enable_synic(h->g.sim, 0);
    tg_set_sint(h->g.sim, 0, VMBUS_SINT, 0x41, 0);
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, flavor);
    cfg.max_version = flavor == HVSIM_VMBUS_QEMU ? VMBUS_VERSION_WIN10 : VMBUS_VERSION_COPPER;
    h->g.vb = hvsim_vmbus_create(h->g.sim, &cfg);
    struct hvsim_hvsock_config def = { 0 };
    h->hs = hvsim_hvsock_create(h->g.sim, h->g.vb, hc ? hc : &def);
    h->next_gpa = RING_GPA;
    h->next_gpadl = 0x100;
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof(c));
    c.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    c.version = version;
    if (version >= VMBUS_VERSION_WIN10_V5)
        c.msg_sint = VMBUS_SINT;
    post(&h->g, VMBUS_CONNID_MESSAGE, &c, VMBUS_MSG_INITIATE_CONTACT_SIZE);
    struct msg m;
    recv_msg(&h->g, &m);
    struct vmbus_msg_header rq = { .type = VMBUS_MSG_REQUESTOFFERS };
    post(&h->g, VMBUS_CONNID_MESSAGE, &rq, sizeof(rq));
    while (recv_msg(&h->g, &m))
        ;
}

static void down(struct hv *h)
{
    hvsim_vmbus_destroy(h->g.vb);
    hvsim_destroy(h->g.sim);
    hvsim_hvsock_destroy(h->hs);
}

static void advance(struct hv *h, uint64_t ns) { hvsim_advance_ns(h->g.sim, ns); }

static uint16_t tl_connect(struct hv *h, uint32_t local_port, uint32_t service_port, uint32_t size)
{
    struct vmbus_msg_tl_connect_request r;
    memset(&r, 0, sizeof(r));
    r.hdr.type = VMBUS_MSG_TL_CONNECT_REQUEST;
    r.endpoint_id = port_guid(local_port);
    r.service_id = port_guid(service_port);
    return post(&h->g, VMBUS_CONNID_MESSAGE, &r, size);
}

/* The next control message of type, skipping none. */
static bool next_msg(struct hv *h, uint32_t type, struct msg *m)
{
    return recv_msg(&h->g, m) && msg_type(m) == type;
}

static bool next_offer(struct hv *h, struct vmbus_msg_offer *o)
{
    struct msg m;
    if (!next_msg(h, VMBUS_MSG_OFFERCHANNEL, &m))
        return false;
    memcpy(o, m.data, sizeof(*o));
    return true;
}

static long open_chan(struct hv *h, struct gchan *c, uint32_t relid)
{
    struct hvsim_vmbus_channel_info info;
    if (!hvsim_vmbus_channel(h->g.vb, relid, &info))
        return -2;
    uint32_t pages = 2 * RING_PAGES + 2, handle = h->next_gpadl++;
    uint64_t gpa = h->next_gpa;
    h->next_gpa += (uint64_t)pages * PAGE;
    c->relid = relid;
    c->conn_id = info.connection_id;
    uint8_t *base = hvsim_gpa_to_host(h->g.sim, gpa, (uint64_t)pages * PAGE);
    memset(base, 0, (size_t)pages * PAGE);
    uint8_t *in_base = base + (uint64_t)(1 + RING_PAGES) * PAGE;
    vmbus_ring_init(&c->out, base, base + PAGE, RING_PAGES * PAGE);
    vmbus_ring_init(&c->in, in_base, in_base + PAGE, RING_PAGES * PAGE);
    uint64_t pfns[2 * RING_PAGES + 2];
    for (uint32_t i = 0; i < pages; i++)
        pfns[i] = (gpa >> 12) + i;
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    for (uint32_t i = 0; i < gpadl_msgs_count(pages); i++)
        post(&h->g, VMBUS_CONNID_MESSAGE, buf, gpadl_msg_build(i, relid, handle, pfns, pages, buf));
    struct msg m;
    if (!next_msg(h, VMBUS_MSG_GPADL_CREATED, &m))
        return -3;
    struct vmbus_msg_open_channel o;
    memset(&o, 0, sizeof(o));
    o.hdr.type = VMBUS_MSG_OPENCHANNEL;
    o.child_relid = relid;
    o.open_id = relid;
    o.ring_gpadl = handle;
    o.downstream_page_offset = 1 + RING_PAGES;
    post(&h->g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    if (!next_msg(h, VMBUS_MSG_OPENCHANNEL_RESULT, &m))
        return -1;
    struct vmbus_msg_open_result r;
    memcpy(&r, m.data, sizeof(r));
    return r.status;
}

static void signal_host(struct hv *h, struct gchan *c)
{
    hvsim_hypercall_fast(h->g.sim, 0, HV_CALL_SIGNAL_EVENT, c->conn_id, 0);
}

/* One pipe packet from the guest: any type, and flags/tid for the error cases. */
static bool send_raw(struct hv *h, struct gchan *c, uint32_t type, const void *data, uint32_t n, uint64_t tid,
                     bool comp)
{
    uint8_t buf[8 + VMBUS_PIPE_MAX_PAYLOAD];
    uint32_t len = vmbus_pipe_build(buf, sizeof(buf), type, data, n);
    bool sig = false;
    if (vmbus_ring_write_inband(&c->out, tid, comp, buf, len, &sig) != VMBUS_RING_OK)
        return false;
    if (sig)
        signal_host(h, c);
    return true;
}

static bool send_data(struct hv *h, struct gchan *c, const void *data, uint32_t n)
{
    return send_raw(h, c, VMBUS_PIPE_DATA, data, n, 0, false);
}

/* Reads every pipe packet there is into out (at most cap bytes); counts the
 * packets, the FIN, and checks each one's shape. Signals the host when the
 * commit says it waited for room. */
struct rx {
    uint32_t bytes, packets, largest, bad;
    bool fin;
};

static void guest_read(struct hv *h, struct gchan *c, uint8_t *out, uint32_t cap, struct rx *rx)
{
    static uint8_t buf[VMBUS_PIPE_MAX_PAYLOAD + 64];
    struct vmbus_packet pkt;
    while (vmbus_ring_read(&c->in, buf, sizeof(buf), &pkt) == VMBUS_RING_OK) {
        uint32_t type, n;
        const uint8_t *data;
        if (pkt.type != VMBUS_PACKET_DATA_INBAND || pkt.flags != 0 || pkt.transaction_id != 0 ||
            vmbus_pipe_parse(pkt.payload, pkt.payload_len, &type, &data, &n) != VMBUS_RING_OK ||
            type != VMBUS_PIPE_DATA) {
            rx->bad++;
            continue;
        }
        rx->packets++;
        if (n == 0) {
            rx->fin = true;
            continue;
        }
        if (n > rx->largest)
            rx->largest = n;
        if (rx->bytes + n <= cap)
            memcpy(out + rx->bytes, data, n);
        rx->bytes += n;
    }
    bool sig = false;
    vmbus_ring_commit(&c->in, &sig);
    if (sig)
        signal_host(h, c);
}

static uint32_t relid_released(struct hv *h, uint32_t relid)
{
    struct vmbus_msg_rescind r = { .hdr.type = VMBUS_MSG_RELID_RELEASED, .child_relid = relid };
    return post(&h->g, VMBUS_CONNID_MESSAGE, &r, sizeof(r));
}

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

static struct hvsim_hvsock_counters counters(struct hv *h)
{
    struct hvsim_hvsock_counters c;
    hvsim_hvsock_get_counters(h->hs, &c);
    return c;
}

static struct hvsim_hvsock_conn_info info(struct hv *h, uint32_t id)
{
    struct hvsim_hvsock_conn_info i;
    memset(&i, 0, sizeof(i));
    hvsim_hvsock_info(h->hs, id, &i);
    return i;
}

/* ---- guest connects ---- */

static void test_guest_connect_offer_data_fin_rescind(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(5000);
    CHECK_EQ(hvsim_hvsock_listen(h.hs, &svc), 0);
    CHECK_EQ(tl_connect(&h, 1024, 5000, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE), HV_STATUS_SUCCESS);

    /* Answered with an offer: type = service, instance = endpoint, the hv_sock flags, byte mode, not for accept. */
    struct vmbus_msg_offer o;
    CHECK(next_offer(&h, &o), "an offer answers the request");
    struct vmbus_guid ep = port_guid(1024), sv = port_guid(5000);
    CHECK(memcmp(&o.type, &sv, 16) == 0, "offer type = the service id");
    CHECK(memcmp(&o.instance, &ep, 16) == 0, "offer instance = the endpoint id");
    CHECK_EQ(o.flags, 0x2011);
    struct vmbus_hvsock_offer_data ud;
    memcpy(&ud, o.user_data, sizeof(ud));
    CHECK_EQ(ud.pipe_mode, VMBUS_PIPE_MODE_BYTE);
    CHECK_EQ(ud.is_for_guest_accept, 0);
    uint32_t id = hvsim_hvsock_accept(h.hs, &svc);
    CHECK(id != 0, "the listener has the connection");
    CHECK_EQ(hvsim_hvsock_accept(h.hs, &svc), 0);
    CHECK_EQ(info(&h, id).state, HVSIM_HVSOCK_OFFERED);
    CHECK(info(&h, id).guest_initiated, "guest-initiated");

    struct gchan c;
    CHECK_EQ(open_chan(&h, &c, o.child_relid), 0);
    CHECK_EQ(info(&h, id).state, HVSIM_HVSOCK_OPEN);

    /* Guest -> host. */
    CHECK(send_data(&h, &c, "hello", 5), "guest writes");
    char got[16] = { 0 };
    CHECK_EQ(hvsim_hvsock_read(h.hs, id, got, sizeof(got)), 5);
    CHECK(memcmp(got, "hello", 5) == 0, "host read '%s'", got);
    CHECK_EQ(hvsim_hvsock_read(h.hs, id, got, sizeof(got)), 0);

    /* Host -> guest: 10000 bytes in 2048-byte pieces (OpenVMM's writer). */
    static uint8_t src[10000], dst[10000];
    fill(src, sizeof(src), 3);
    CHECK_EQ(hvsim_hvsock_write(h.hs, id, src, sizeof(src)), sizeof(src));
    struct rx rx = { 0 };
    guest_read(&h, &c, dst, sizeof(dst), &rx);
    CHECK_EQ(rx.bad, 0);
    CHECK_EQ(rx.bytes, sizeof(src));
    CHECK_EQ(rx.largest, 2048);
    CHECK_EQ(rx.packets, 5);
    CHECK(memcmp(src, dst, sizeof(src)) == 0, "bytes arrive in order");

    /* FINs both ways, then the host rescinds (at its next tick). */
    CHECK(send_data(&h, &c, NULL, 0), "guest FIN");
    CHECK_EQ(hvsim_hvsock_read(h.hs, id, got, sizeof(got)), -1);
    CHECK(info(&h, id).guest_fin, "host saw the FIN");
    struct msg m;
    CHECK(!recv_msg(&h.g, &m), "no rescind before the host's FIN");
    hvsim_hvsock_shutdown(h.hs, id);
    CHECK_EQ(hvsim_hvsock_write(h.hs, id, "x", 1), -1);
    guest_read(&h, &c, dst, sizeof(dst), &rx);
    CHECK(rx.fin, "the host's FIN is an empty DATA packet");
    advance(&h, 1000);
    CHECK(next_msg(&h, VMBUS_MSG_RESCIND_CHANNELOFFER, &m), "rescind after both FINs");
    struct vmbus_msg_rescind r;
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.child_relid, o.child_relid);
    CHECK_EQ(info(&h, id).state, HVSIM_HVSOCK_RESCINDED);
    struct vmbus_msg_rescind close = { .hdr.type = VMBUS_MSG_CLOSECHANNEL, .child_relid = o.child_relid };
    post(&h.g, VMBUS_CONNID_MESSAGE, &close, sizeof(close));
    relid_released(&h, o.child_relid);
    CHECK_EQ(info(&h, id).state, HVSIM_HVSOCK_GONE);
    CHECK_EQ(counters(&h).protocol_errors, 0);
    struct hvsim_vmbus_counters vc;
    hvsim_vmbus_get_counters(h.g.vb, &vc);
    CHECK_EQ(vc.protocol_errors, 0);
    CHECK_EQ(vc.msgs_in[VMBUS_MSG_TL_CONNECT_REQUEST], 1);
    down(&h);
}

/* No listener: refused. TL_CONNECT_RESULT from 4.1 (OpenVMM); nothing at
 * 4.0; a protocol error before 4.0; QEMU drops the message. */
static void test_refusals_by_version(void)
{
    static const struct { uint32_t version; bool result; } cases[] = {
        { VMBUS_VERSION_WIN10_V5_3, true }, { VMBUS_VERSION_WIN10_V4_1, true }, { VMBUS_VERSION_WIN10, false },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hv h;
        up(&h, cases[i].version, HVSIM_VMBUS_HYPERV, NULL);
        tl_connect(&h, 1025, 77, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
        struct msg m;
        bool got = recv_msg(&h.g, &m);
        CHECK_EQ(got, cases[i].result);
        if (got) {
            struct vmbus_msg_tl_connect_result r;
            memcpy(&r, m.data, sizeof(r));
            CHECK_EQ(msg_type(&m), VMBUS_MSG_TL_CONNECT_RESULT);
            CHECK_EQ(m.size, VMBUS_MSG_TL_CONNECT_RESULT_SIZE);
            CHECK_EQ((uint32_t)r.status, 0xC0000236u);
            struct vmbus_guid ep = port_guid(1025), sv = port_guid(77);
            CHECK(memcmp(&r.endpoint_id, &ep, 16) == 0 && memcmp(&r.service_id, &sv, 16) == 0, "ids echoed");
        }
        CHECK_EQ(counters(&h).refused, 1);
        down(&h);
    }
    struct hv h;
    up(&h, VMBUS_VERSION_WIN8_1, HVSIM_VMBUS_HYPERV, NULL);
    tl_connect(&h, 1025, 77, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    CHECK_EQ(hvsim_vmbus_error_count(h.g.vb, "TL_CONNECT_REQUEST before VMBus 4.0"), 1);
    CHECK_EQ(counters(&h).requests, 0);
    down(&h);

    up(&h, VMBUS_VERSION_WIN10, HVSIM_VMBUS_QEMU, NULL);
    tl_connect(&h, 1025, 77, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    struct msg m;
    CHECK(!recv_msg(&h.g, &m), "QEMU answers nothing");
    CHECK_EQ(counters(&h).requests, 0);
    down(&h);

    /* The silo form is 5.2's: before it, an error (the request still acts). */
    up(&h, VMBUS_VERSION_WIN10_V5_1, HVSIM_VMBUS_HYPERV, NULL);
    tl_connect(&h, 1025, 77, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE_SILO);
    CHECK_EQ(hvsim_vmbus_error_count(h.g.vb, "TL_CONNECT_REQUEST with a silo id before VMBus 5.2"), 1);
    CHECK_EQ(counters(&h).requests, 1);
    down(&h);
    up(&h, VMBUS_VERSION_WIN10_V5_2, HVSIM_VMBUS_HYPERV, NULL);
    tl_connect(&h, 1025, 77, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE_SILO);
    CHECK_EQ(hvsim_vmbus_error_count(h.g.vb, "TL_CONNECT_REQUEST with a silo id before VMBus 5.2"), 0);
    tl_connect(&h, 1025, 77, 48);
    CHECK_EQ(hvsim_vmbus_error_count(h.g.vb, "message size not the one its type has"), 1);
    down(&h);
}

static void test_faults_refuse_and_ignore(void)
{
    struct hv h;
    struct hvsim_hvsock_config cfg = { .faults.refuse_all = true };
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, &cfg);
    struct hvsim_guid svc = hvsim_hvsock_port_service(9);
    hvsim_hvsock_listen(h.hs, &svc);
    tl_connect(&h, 2000, 9, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    struct msg m;
    CHECK(next_msg(&h, VMBUS_MSG_TL_CONNECT_RESULT, &m), "refused though listening");
    struct hvsim_hvsock_faults f = { .ignore_requests = true };
    hvsim_hvsock_set_faults(h.hs, &f);
    tl_connect(&h, 2001, 9, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    CHECK(!recv_msg(&h.g, &m), "ignored: no answer at all");
    CHECK_EQ(counters(&h).ignored, 1);
    down(&h);
}

/* The same endpoint and service twice while the first is live: refused. */
static void test_duplicate_request(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(9);
    hvsim_hvsock_listen(h.hs, &svc);
    tl_connect(&h, 2000, 9, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    struct vmbus_msg_offer o;
    CHECK(next_offer(&h, &o), "first: offered");
    tl_connect(&h, 2000, 9, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    struct msg m;
    CHECK(next_msg(&h, VMBUS_MSG_TL_CONNECT_RESULT, &m), "second: refused");
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "TL_CONNECT_REQUEST for a connection that exists"), 1);
    down(&h);
}

/* ---- host connects ---- */

static void test_host_connect_accept_and_open_timeout(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(22);
    uint32_t id = hvsim_hvsock_connect(h.hs, &svc);
    CHECK(id != 0, "host connect");
    struct vmbus_msg_offer o;
    CHECK(next_offer(&h, &o), "offered at once");
    struct vmbus_guid sv = port_guid(22);
    CHECK(memcmp(&o.type, &sv, 16) == 0, "type = the guest's service");
    struct vmbus_hvsock_offer_data ud;
    memcpy(&ud, o.user_data, sizeof(ud));
    CHECK_EQ(ud.is_for_guest_accept, 1);
    CHECK_EQ(o.instance.data3 >> 12, 4);   /* a random (version 4) endpoint id */
    { struct hvsim_hvsock_conn_info ci = info(&h, id); CHECK(same_guid(&o.instance, &ci.endpoint), "the endpoint the host reports"); }

    /* Data written before the guest accepts waits for the open. */
    CHECK_EQ(hvsim_hvsock_write(h.hs, id, "early", 5), 5);
    struct gchan c;
    CHECK_EQ(open_chan(&h, &c, o.child_relid), 0);
    uint8_t buf[16];
    struct rx rx = { 0 };
    guest_read(&h, &c, buf, sizeof(buf), &rx);
    CHECK_EQ(rx.bytes, 5);
    CHECK(memcmp(buf, "early", 5) == 0, "queued bytes delivered on open");

    /* A second connection the guest never opens: rescinded after 5 s. */
    uint32_t id2 = hvsim_hvsock_connect(h.hs, &svc);
    CHECK(next_offer(&h, &o), "second offer");
    advance(&h, 4900000000ull);
    struct msg m;
    CHECK(!recv_msg(&h.g, &m), "not yet");
    advance(&h, 200000000ull);
    CHECK(next_msg(&h, VMBUS_MSG_RESCIND_CHANNELOFFER, &m), "rescinded after 5 s");
    CHECK(info(&h, id2).open_timed_out, "timed out");
    CHECK_EQ(counters(&h).open_timeouts, 1);
    CHECK_EQ(info(&h, id).state, HVSIM_HVSOCK_OPEN);   /* the first is untouched */
    down(&h);
}

/* ---- the guest closes, the host aborts ---- */

static void test_guest_close_and_host_abort(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(22);
    uint32_t a = hvsim_hvsock_connect(h.hs, &svc), b = hvsim_hvsock_connect(h.hs, &svc);
    struct vmbus_msg_offer oa, ob;
    CHECK(next_offer(&h, &oa) && next_offer(&h, &ob), "two offers");
    struct gchan ca, cb;
    CHECK_EQ(open_chan(&h, &ca, oa.child_relid), 0);
    CHECK_EQ(open_chan(&h, &cb, ob.child_relid), 0);
    CHECK_EQ(counters(&h).live, 2);

    /* The guest closes a without FINs: the host drops the offer. */
    struct vmbus_msg_rescind close = { .hdr.type = VMBUS_MSG_CLOSECHANNEL, .child_relid = oa.child_relid };
    post(&h.g, VMBUS_CONNID_MESSAGE, &close, sizeof(close));
    CHECK(info(&h, a).guest_closed, "host saw the close");
    char none[4];
    CHECK_EQ(hvsim_hvsock_read(h.hs, a, none, sizeof(none)), -1);
    advance(&h, 1000);
    struct msg m;
    CHECK(next_msg(&h, VMBUS_MSG_RESCIND_CHANNELOFFER, &m), "rescind follows the guest's close");

    /* The host aborts b mid-stream: rescind now, no FIN. */
    hvsim_hvsock_write(h.hs, b, "partial", 7);
    hvsim_hvsock_abort(h.hs, b);
    CHECK(next_msg(&h, VMBUS_MSG_RESCIND_CHANNELOFFER, &m), "abort rescinds");
    uint8_t buf[16];
    struct rx rx = { 0 };
    guest_read(&h, &cb, buf, sizeof(buf), &rx);
    CHECK_EQ(rx.bytes, 7);
    CHECK(!rx.fin, "no FIN on an abort");
    CHECK_EQ(counters(&h).live, 0);
    CHECK_EQ(counters(&h).rescinds, 2);
    down(&h);
}

/* ---- what the host refuses in guest packets ---- */

static void test_guest_packet_errors(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(22);
    uint32_t id = hvsim_hvsock_connect(h.hs, &svc);
    struct vmbus_msg_offer o;
    next_offer(&h, &o);
    struct gchan c;
    CHECK_EQ(open_chan(&h, &c, o.child_relid), 0);
    send_raw(&h, &c, VMBUS_PIPE_PARTIAL, "ab", 2, 0, false);
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "pipe packet type not DATA"), 1);
    send_raw(&h, &c, VMBUS_PIPE_DATA, "cd", 2, 7, false);
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "hv_sock packet with a transaction id"), 1);
    send_raw(&h, &c, VMBUS_PIPE_DATA, "ef", 2, 0, true);
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "hv_sock packet asks for a completion"), 1);
    /* A header claiming more than the packet holds. */
    uint8_t bad[16] = { 1, 0, 0, 0, 200, 0, 0, 0 };
    bool sig = false;
    vmbus_ring_write_inband(&c.out, 0, false, bad, sizeof(bad), &sig);
    signal_host(&h, &c);
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "pipe header size past the packet or over 16384"), 1);
    /* A DATA packet padded past its size's 8-byte rounding. */
    uint8_t pad[24] = { 1, 0, 0, 0, 1, 0, 0, 0, 'g' };
    vmbus_ring_write_inband(&c.out, 0, false, pad, sizeof(pad), &sig);
    signal_host(&h, &c);
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "pipe packet longer than its data"), 1);
    send_data(&h, &c, NULL, 0);
    send_data(&h, &c, "late", 4);
    CHECK_EQ(hvsim_hvsock_error_count(h.hs, "data after the guest's FIN"), 1);
    char got[16] = { 0 };
    CHECK_EQ(hvsim_hvsock_read(h.hs, id, got, sizeof(got)), 5);   /* the readable DATA packets */
    CHECK(memcmp(got, "cdefg", 5) == 0, "got '%s'", got);
    CHECK_EQ(info(&h, id).protocol_errors, 6);
    down(&h);
}

/* ---- full rings and full buffers, both ways, without loss ---- */

static void test_backpressure_both_ways(void)
{
    struct hv h;
    struct hvsim_hvsock_config cfg = { .buffer_bytes = 16384, .write_chunk = 4000 };
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, &cfg);
    struct hvsim_guid svc = hvsim_hvsock_port_service(22);
    uint32_t id = hvsim_hvsock_connect(h.hs, &svc);
    struct vmbus_msg_offer o;
    next_offer(&h, &o);
    struct gchan c;
    CHECK_EQ(open_chan(&h, &c, o.child_relid), 0);

    /* Guest -> host: 200 KB through a 16 KiB host buffer and a 16 KiB ring. */
    enum { TOTAL = 200000, PIECE = 3000 };
    static uint8_t src[TOTAL], dst[TOTAL];
    fill(src, TOTAL, 11);
    uint32_t sent = 0, got = 0, full = 0;
    while (got < TOTAL) {
        while (sent < TOTAL) {
            uint32_t n = TOTAL - sent < PIECE ? TOTAL - sent : PIECE;
            if (!send_data(&h, &c, src + sent, n)) {
                full++;
                break;
            }
            sent += n;
        }
        int r = hvsim_hvsock_read(h.hs, id, dst + got, 5000);
        CHECK(r >= 0, "read %d", r);
        if (r <= 0)
            break;
        got += (uint32_t)r;
    }
    CHECK_EQ(got, TOTAL);
    CHECK(memcmp(src, dst, TOTAL) == 0, "guest->host bytes intact");
    CHECK(full > 10, "the guest's ring filled (%u times)", full);

    /* Host -> guest: 200 KB through a 16 KiB ring; the guest's commit signal resumes the host. */
    fill(src, TOTAL, 5);
    memset(dst, 0, TOTAL);
    struct rx rx = { 0 };
    uint32_t written = 0, rounds = 0;
    while (rx.bytes < TOTAL && rounds++ < 10000) {
        if (written < TOTAL) {
            int w = hvsim_hvsock_write(h.hs, id, src + written, TOTAL - written);
            CHECK(w >= 0, "write");
            written += w > 0 ? (uint32_t)w : 0;
        }
        guest_read(&h, &c, dst, TOTAL, &rx);
    }
    CHECK_EQ(rx.bytes, TOTAL);
    CHECK_EQ(rx.largest, 4000);
    CHECK(memcmp(src, dst, TOTAL) == 0, "host->guest bytes intact");
    CHECK(info(&h, id).ring_full > 10, "the host found the ring full (%llu)",
          (unsigned long long)info(&h, id).ring_full);
    CHECK_EQ(counters(&h).protocol_errors, 0);
    down(&h);
}

/* The host's own bad packets, for the guest's parser (the fault switches). */
static void test_host_bad_pipe_faults(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(22);
    uint32_t id = hvsim_hvsock_connect(h.hs, &svc);
    struct vmbus_msg_offer o;
    next_offer(&h, &o);
    struct gchan c;
    open_chan(&h, &c, o.child_relid);
    struct hvsim_hvsock_faults f = { .bad_pipe_type = 1, .oversize_pipe = 1 };
    hvsim_hvsock_set_faults(h.hs, &f);
    hvsim_hvsock_write(h.hs, id, "abc", 3);
    hvsim_hvsock_write(h.hs, id, "def", 3);
    uint8_t buf[16];
    struct rx rx = { 0 };
    guest_read(&h, &c, buf, sizeof(buf), &rx);
    CHECK_EQ(rx.bad, 1);
    CHECK_EQ(rx.bytes, 3);
    down(&h);
}

/* ---- 100 connections at once ---- */

static void test_hundred_connections(void)
{
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, NULL);
    struct hvsim_guid svc = hvsim_hvsock_port_service(7);
    hvsim_hvsock_listen(h.hs, &svc);
    enum { N = 100 };
    static struct gchan c[N];
    static uint32_t ids[N];
    for (uint32_t i = 0; i < N; i++) {
        tl_connect(&h, 1024 + i, 7, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
        struct vmbus_msg_offer o;
        CHECK(next_offer(&h, &o), "offer %u", i);
        CHECK_EQ(open_chan(&h, &c[i], o.child_relid), 0);
        ids[i] = hvsim_hvsock_accept(h.hs, &svc);
        { struct hvsim_hvsock_conn_info ci = info(&h, ids[i]); CHECK(same_guid(&o.instance, &ci.endpoint), "accept order = connect order"); }
    }
    CHECK_EQ(counters(&h).max_live, N);
    for (uint32_t i = 0; i < N; i++) {
        uint32_t v = i * 31;
        send_data(&h, &c[i], &v, 4);
    }
    for (uint32_t i = 0; i < N; i++) {
        uint32_t v = 0;
        CHECK_EQ(hvsim_hvsock_read(h.hs, ids[i], &v, 4), 4);
        CHECK_EQ(v, i * 31);
    }
    down(&h);
}

/* ---- the Unix socket backend ---- */

static char dir[64];

static int uds_listener(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int uds_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads what is there (non-blocking); -1 at the end of the stream. */
static int drain_fd(int fd, char *buf, int cap)
{
    int total = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + total, (size_t)(cap - total), MSG_DONTWAIT);
        if (n > 0) {
            total += (int)n;
            continue;
        }
        if (n == 0 && total == 0)
            return -1;
        return total;
    }
}

static void test_unix_sockets_both_directions(void)
{
    char path[96], port_path[112];
    snprintf(path, sizeof(path), "%s/v.sock", dir);
    snprintf(port_path, sizeof(port_path), "%s_5000", path);
    struct hvsim_hvsock_config cfg = { .uds_path = path };
    struct hv h;
    up(&h, VMBUS_VERSION_WIN10_V5_3, HVSIM_VMBUS_HYPERV, &cfg);
    CHECK(h.hs != NULL, "bound %s", path);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode), "the socket exists");

    /* Guest -> port 5000: reaches the program listening at <path>_5000. */
    int lfd = uds_listener(port_path);
    CHECK(lfd >= 0, "listen at %s", port_path);
    tl_connect(&h, 1024, 5000, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    struct vmbus_msg_offer o;
    CHECK(next_offer(&h, &o), "offered: the program is there");
    int pfd = accept(lfd, NULL, NULL);
    CHECK(pfd >= 0, "the program got the connection");
    struct gchan c;
    CHECK_EQ(open_chan(&h, &c, o.child_relid), 0);
    send_data(&h, &c, "ping", 4);
    advance(&h, 200000);
    char buf[64] = { 0 };
    CHECK_EQ(drain_fd(pfd, buf, sizeof(buf)), 4);
    CHECK(memcmp(buf, "ping", 4) == 0, "program read '%s'", buf);
    CHECK_EQ(send(pfd, "pong!", 5, 0), 5);
    advance(&h, 200000);
    uint8_t gbuf[64];
    struct rx rx = { 0 };
    guest_read(&h, &c, gbuf, sizeof(gbuf), &rx);
    CHECK_EQ(rx.bytes, 5);
    CHECK(memcmp(gbuf, "pong!", 5) == 0, "guest read the program's bytes");
    /* The program closes: the guest gets a FIN; the guest's FIN ends the program's read. */
    shutdown(pfd, SHUT_WR);
    advance(&h, 200000);
    guest_read(&h, &c, gbuf, sizeof(gbuf), &rx);
    CHECK(rx.fin, "program's close -> FIN");
    send_data(&h, &c, NULL, 0);
    advance(&h, 300000);
    CHECK_EQ(drain_fd(pfd, buf, sizeof(buf)), -1);
    struct msg m;
    CHECK(next_msg(&h, VMBUS_MSG_RESCIND_CHANNELOFFER, &m), "both FINs: rescind");
    close(pfd);
    close(lfd);

    /* Nobody at <path>_5001: refused. */
    tl_connect(&h, 1025, 5001, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE);
    CHECK(next_msg(&h, VMBUS_MSG_TL_CONNECT_RESULT, &m), "refused: nobody listens");
    CHECK_EQ(counters(&h).uds_connect_failures, 1);

    /* A host program connects to guest port 22: CONNECT, offer, open, OK. */
    int hfd = uds_connect(path);
    CHECK(hfd >= 0, "connect to %s", path);
    CHECK_EQ(send(hfd, "CONNECT 22\n", 11, 0), 11);
    advance(&h, 200000);
    CHECK(next_offer(&h, &o), "offer for the program's connect");
    struct vmbus_guid sv = port_guid(22);
    CHECK(memcmp(&o.type, &sv, 16) == 0, "to port 22");
    CHECK_EQ(drain_fd(hfd, buf, sizeof(buf)), 0);   /* no OK before the guest accepts */
    CHECK_EQ(open_chan(&h, &c, o.child_relid), 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(drain_fd(hfd, buf, sizeof(buf)), 8);
    CHECK(strcmp(buf, "OK 1024\n") == 0, "got '%s'", buf);
    CHECK_EQ(send(hfd, "data", 4, 0), 4);
    advance(&h, 200000);
    memset(&rx, 0, sizeof(rx));
    guest_read(&h, &c, gbuf, sizeof(gbuf), &rx);
    CHECK_EQ(rx.bytes, 4);
    close(hfd);

    /* Not a command: the program's socket is closed. */
    hfd = uds_connect(path);
    send(hfd, "HELLO\n", 6, 0);
    advance(&h, 200000);
    CHECK_EQ(drain_fd(hfd, buf, sizeof(buf)), -1);
    CHECK_EQ(counters(&h).uds_bad_commands, 1);
    close(hfd);
    down(&h);
    CHECK(stat(path, &sb) != 0, "the socket is removed at destroy");
    unlink(port_path);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/hvsock-test-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_guest_connect_offer_data_fin_rescind);
    RUN_TEST(test_refusals_by_version);
    RUN_TEST(test_faults_refuse_and_ignore);
    RUN_TEST(test_duplicate_request);
    RUN_TEST(test_host_connect_accept_and_open_timeout);
    RUN_TEST(test_guest_close_and_host_abort);
    RUN_TEST(test_guest_packet_errors);
    RUN_TEST(test_backpressure_both_ways);
    RUN_TEST(test_host_bad_pipe_faults);
    RUN_TEST(test_hundred_connections);
    RUN_TEST(test_unix_sockets_both_directions);
    rmdir(dir);
    return check_summary();
}
