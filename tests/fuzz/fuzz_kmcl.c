/* libFuzzer target: the KMCL API (vmbus/kmcl_*.c) and the channel core
 * under a hostile host, driven by a script the fuzzer writes.
 *
 * The host is hvsim's VMBus host (Hyper-V flavour) offering an echo device
 * and a sink, with its fault switches, plus the fuzzer itself: it posts
 * forged control messages, rescinds and re-offers devices at any point, and
 * writes the sink's host-to-guest ring (the sink never writes it) through
 * tests/fuzz/host_ring.c, then raises the channel's event flag as a host
 * does. Two KMCL clients (tests/fuzz/kmcl_client.c, public API only) sit on
 * the two devices; both run at passive level when the config asks.
 *
 * Input (a small grammar: every byte string is a valid script):
 *   byte 0   config: bit 0 passive-level clients, bit 1 quota 2 (else 16),
 *            bit 2 maximum packet 256 (else 4096). A change of config
 *            re-creates the simulation.
 *   then 8-byte ops [op][a][b][c][d: u32], at most MAX_OPS:
 *     op % 16  0-2 packet into the sink's ring: a % 8 picks inband, inband
 *                  asking a completion, transfer pages, GPA-direct, a
 *                  completion with a known id (1 + d % 16), one with any id,
 *                  any type (b), or more than the maximum packet; c * 4
 *                  payload bytes taken from the input at d; when b & 3 == 3
 *                  the framing is hostile (b bits 2-4: raw offset8, raw len8,
 *                  bad trailer; the values from d); a & 0x80: no signal
 *              3   the host moves the sink ring's write index to d
 *              4   the host signals a channel (a & 1: echo), raises the SINT
 *                  for nothing (b & 1), stops reading the guest's rings (b & 2)
 *              5-6 a send by client a & 1 (mode b, see kmcl_client.c)
 *              7   held packets completed (b of them, c: how)
 *              8   pause (b & 1) or start a client
 *              9   the host rescinds a client's device now
 *              10  ... later (a & 0x40: d % 20 us, else d % 20 ms from now),
 *                  so it lands inside what follows
 *              11  disable and enable again under host faults (b, c)
 *              12  a forged control message (a % 8: open result, GPADL
 *                  created, GPADL torn down, rescind, offer, all offers,
 *                  version response, unload response), now or (a & 0x80)
 *                  later as for 10; b & 4: the handle of the GPADL in flight
 *              13  a GPADL (b % 4 + 1 pages; c: from an MDL, deleted now), or
 *                  (c & 4) the API called with a driver's mistakes
 *              14  time passes (d % 20 ms)
 *              15  the client's packet policy (b) and what its Opened does
 *                  (c % 3: succeed, fail, disable the channel; c & 4: the
 *                  next enable comes before its device is re-offered)
 * A client that broke (failed queue, rescinded, disabled) is brought back
 * before the next op that needs it (re-offering its device when the host
 * took it away), so teardown and open run under the same hostile host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "tests/fuzz/host_ring.h"
#include "tests/fuzz/kmcl_client.h"
#include "tests/hosted/hosted.h"
#include "tests/hosted/vmbus_fixture.h"   /* the test classes in the guest's spelling */
#include "tests/hvsim/vmbus_host.h"
#include "vmbus/vmbus.h"

#define RECREATE_EVERY 4000u
#define MAX_OPS 48u
#define EXT_PAGES 4u
#define ECHO 1
#define SINK 0

static struct hvsim_vmbus *host;
static int config = -1;
static unsigned iterations;
static struct client clients[2] = {
    [SINK] = { .name = "sink", .model = HVSIM_VMBUS_SINK, .class_id = FIXTURE_CLASS_SINK },
    [ECHO] = { .name = "echo", .model = HVSIM_VMBUS_ECHO, .class_id = FIXTURE_CLASS_ECHO },
};
static uint8_t *ext;                    /* guest pages for external data and GPADLs */
static uint64_t ext_pfns[EXT_PAGES];
/* Forged messages that come later, inside whatever the next ops wait for. */
static struct { uint8_t a, b; uint32_t d; } later[4];
static unsigned later_count;
/* Failed attempts to bring a client back in a row (a forged offer of its
 * class that the host never made can hide the real one for good). */
static unsigned down_streak;

static void quiet(void *ctx, const char *line) { (void)ctx; (void)line; }

static void teardown(void)
{
    if (config < 0)
        return;
    client_down(&clients[SINK]);
    client_down(&clients[ECHO]);
    vmbus_disconnect();
    hvsim_vmbus_destroy(host);
    hyperv_teardown();
    hosted_stop();
    host = NULL;
    config = -1;
}

static void setup(int cfg)
{
    teardown();
    struct hvsim_config c;
    hvsim_config_default(&c);
    c.guest_mem_size = 4u << 20;
    c.log = quiet;
    static const struct hvsim_vmbus_device devices[] = { { .model = HVSIM_VMBUS_SINK }, { .model = HVSIM_VMBUS_ECHO } };
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.devices = devices;
    vc.device_count = 2;
    if (hosted_start(&c) != 0 || hyperv_init() != 0 || (host = hvsim_vmbus_create(hosted_sim(), &vc)) == NULL ||
        vmbus_connect(NULL) != VMBUS_OK) {
        fprintf(stderr, "fuzz_kmcl: set-up failed\n");
        abort();
    }
    uint64_t gpa;
    ext = platform_pages_alloc(EXT_PAGES, &gpa);
    for (unsigned i = 0; i < EXT_PAGES && ext != NULL; i++) {
        ext_pfns[i] = (gpa >> 12) + i;
        memset(ext + i * 4096, 'a' + i, 4096);
    }
    for (int i = 0; i < 2; i++) {
        clients[i].config = (struct client_config){ cfg & 1, (cfg & 2) ? 2 : 16, (cfg & 4) ? 256 : 4096 };
        clients[i].policy = 0;
        clients[i].on_open = 0;
        if (ext == NULL || !client_up(&clients[i])) {
            fprintf(stderr, "fuzz_kmcl: %s did not come up\n", clients[i].name);
            abort();
        }
    }
    config = cfg;
    iterations = 0;
    later_count = 0;
}

/* Every control message the host queued reaches the guest, and deferred
 * work runs. */
static void settle(void)
{
    struct hvsim *sim = hosted_sim();
    for (int i = 0; i < 64 && hvsim_queued_messages(sim, 0, VMBUS_SINT) > 0; i++)
        platform_wait_until(platform_time_ns() + 1000);
    hosted_run_deferred();
}

/* Brings a broken client back: down, its device re-offered if the host
 * took it away, up again. false when it stays down for now. */
static bool bring_back(struct client *c);

static bool ensure(struct client *c)
{
    if (client_healthy(c))
        return true;
    bool up = bring_back(c) && client_healthy(c);   /* an Opened that disabled it: still down */
    down_streak = up ? 0 : down_streak + 1;
    return up;
}

static bool bring_back(struct client *c)
{
    client_down(c);
    settle();
    struct vmbus_offer o;
    if ((c->on_open & 4) && client_up(c))
        return true;   /* tried before looking: no device is a PnP failure */
    if (vmbus_wait_offer(&c->class_id, NULL, 0, &o) != VMBUS_OK) {
        struct hvsim_vmbus_device dev = { .model = c->model };
        if (hvsim_vmbus_offer(host, &dev) == 0)
            return false;
        settle();
    }
    return client_up(c);
}

static void signal_guest(uint32_t relid)
{
    if (relid != 0)
        (void)hvsim_signal_guest_event(hosted_sim(), 0, VMBUS_SINT, relid);
    settle();
}

/* ---- the ops ---- */

static uint8_t tape[16384];   /* payload bytes: the input again, cyclically */

static void fill_tape(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < sizeof(tape); i++)
        tape[i] = size ? data[i % size] : 0;
}

static uint32_t tape32(uint32_t at)
{
    uint32_t v;
    memcpy(&v, tape + at % (sizeof(tape) - 4), 4);
    return v;
}

/* The extension of a transfer-page or GPA-direct packet: `n` ranges whose
 * fields come from the tape at `at`; `count` is what the header claims. */
static uint32_t build_ext(uint8_t *out, bool gpa, uint32_t n, uint32_t count, uint32_t at, bool wild_offset)
{
    uint32_t len = 8;
    if (gpa) {
        memcpy(out, &(uint32_t){ 0 }, 4);
        memcpy(out + 4, &count, 4);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t bytes = tape32(at + 8 * i) % 20000, off = tape32(at + 8 * i + 4);
            off = wild_offset ? off : off % 4096;
            uint32_t pfns = (uint32_t)(((uint64_t)off % 4096 + bytes + 4095) / 4096);
            memcpy(out + len, &bytes, 4);
            memcpy(out + len + 4, &off, 4);
            len += 8;
            for (uint32_t k = 0; k < pfns && len + 8 <= 256; k++, len += 8)
                memcpy(out + len, &(uint64_t){ ext_pfns[k % EXT_PAGES] }, 8);
        }
    } else {
        uint8_t h[8] = { (uint8_t)at, (uint8_t)(at >> 8), (uint8_t)(at >> 16) & 1, 0 };
        memcpy(h + 4, &count, 4);
        memcpy(out, h, 8);
        for (uint32_t i = 0; i < n; i++, len += 8)
            memcpy(out + len, tape + (at + 8 * i) % (sizeof(tape) - 8), 8);
    }
    return len;
}

static void op_packet(struct client *c, uint8_t a, uint8_t b, uint8_t cc, uint32_t d)
{
    static const uint16_t types[8] = { VMBUS_PACKET_DATA_INBAND, VMBUS_PACKET_DATA_INBAND,
                                       VMBUS_PACKET_DATA_XFER_PAGES, VMBUS_PACKET_DATA_GPA_DIRECT,
                                       VMBUS_PACKET_COMP, VMBUS_PACKET_COMP, 0, VMBUS_PACKET_DATA_INBAND };
    uint8_t ext_bytes[256 + 8];
    unsigned kind = a % 8;
    struct host_packet p = {
        .type = kind == 6 ? (uint16_t)(b | cc << 8) : types[kind],
        .flags = kind == 1 ? VMBUS_PACKET_FLAG_COMPLETION_REQUESTED : (uint16_t)(d >> 24 & 1),
        .transaction_id = kind == 4 ? 1 + d % 16 : kind == 5 ? (uint64_t)d << (b % 40) : d,
        .payload = tape + d % 4096,
        .payload_len = kind == 7 ? c->config.max_packet + 8 * (cc % 16) : (uint32_t)cc * 4,
    };
    if (kind == 2 || kind == 3) {
        uint32_t n = kind == 3 ? 1 + (a >> 3) % 3 : (a >> 3) % 4;
        uint32_t count = (b & 0x40) ? tape32(d) : n;
        p.ext = ext_bytes;
        p.ext_len = build_ext(ext_bytes, kind == 3, n, count, d, (b & 0x20) != 0);
    }
    if ((b & 3) == 3) {
        p.hostile = (b >> 2) & 7;
        p.offset8 = (uint16_t)d;
        p.len8 = (uint16_t)(d >> 16);
    }
    struct vmbus_ring *r = client_in_ring(c);
    if (host_ring_write(r->control, r->data, r->size, &p) == 1) {
        signal_guest(c->relid);   /* full: let the guest drain, then once more */
        (void)host_ring_write(r->control, r->data, r->size, &p);
    }
    if (!(a & 0x80))
        signal_guest(c->relid);
}

static void rescind_later(void *ctx, struct hvsim *sim)
{
    (void)sim;
    struct client *c = ctx;
    if (host != NULL && c->relid != 0)
        (void)hvsim_vmbus_rescind(host, c->relid);
}

static void reenable(struct client *c, uint8_t b, uint8_t cc)
{
    client_down(c);
    settle();
    struct hvsim_vmbus_faults f = { 0 };
    f.refuse_open = b & 1;
    f.ignore_open = b & 2;
    f.ignore_gpadl = b & 4;
    f.ignore_gpadl_teardown = (b & 0x18) == 0x18;
    uint32_t types[4] = { HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_GPADL_CREATED), HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_OPENCHANNEL_RESULT),
                          HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_GPADL_TORNDOWN), HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_RESCIND_CHANNELOFFER) };
    f.drop_msgs = (cc & 0x40) ? types[cc % 4] : 0;
    f.duplicate_msgs = (cc & 0x10) ? types[(cc >> 2) % 4] : 0;
    f.reorder_msgs = (cc & 0x20) ? types[(cc >> 4) % 4] : 0;
    f.busy_posts = (cc & 0x80) ? 3 : 0;
    hvsim_vmbus_set_faults(host, &f);
    (void)ensure(c);
    client_down(c);   /* and the close under the same faults */
    settle();
    hvsim_vmbus_set_faults(host, &(struct hvsim_vmbus_faults){ 0 });
    settle();
}

/* The handle of the newest GPADL the host knows (one in flight, often),
 * when b & 4; else one of ours near where the guest's handles start. */
static uint32_t gpadl_handle(uint8_t b, uint32_t d)
{
    struct hvsim_vmbus_gpadl_info g;
    uint32_t n = hvsim_vmbus_gpadl_count(host);
    if ((b & 4) && n > 0 && hvsim_vmbus_gpadl_at(host, n - 1, &g))
        return g.handle;
    return 0x4856 + d % 64;
}

static void forge(uint8_t a, uint8_t b, uint32_t d)
{
    uint32_t relid = clients[(a >> 3) & 1].relid;
    uint32_t m[60];
    memset(m, 0, sizeof(m));
    uint32_t size = 8;
    switch (a % 8) {
    case 0: m[0] = VMBUS_MSG_OPENCHANNEL_RESULT; m[2] = relid; m[3] = d; m[4] = b; size = 20; break;
    case 1: m[0] = VMBUS_MSG_GPADL_CREATED; m[2] = (b & 8) ? d % 2048 : relid; m[3] = gpadl_handle(b, d);
            m[4] = b & 0x10; size = 20; break;
    case 2: m[0] = VMBUS_MSG_GPADL_TORNDOWN; m[2] = gpadl_handle(b, d); size = 12; break;
    case 3: m[0] = VMBUS_MSG_RESCIND_CHANNELOFFER; m[2] = (b & 1) ? relid : d % 2048; size = 12; break;
    case 4: {
        const struct vmbus_guid *cls = &clients[b & 1].class_id;
        m[0] = VMBUS_MSG_OFFERCHANNEL;
        memcpy(&m[2], cls, 16);
        m[6] = d;
        m[46] = (b & 2) ? relid : d % 2048;   /* child_relid at 184 */
        m[48] = d;                             /* connection id at 192 */
        size = 196;
        break;
    }
    case 5: m[0] = VMBUS_MSG_ALLOFFERS_DELIVERED; break;
    case 6: m[0] = VMBUS_MSG_VERSION_RESPONSE; m[2] = b; m[3] = d; size = 16; break;
    default: m[0] = VMBUS_MSG_UNLOAD_RESPONSE; break;
    }
    (void)hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, m, size);
}

static void forge_later(void *ctx, struct hvsim *sim)
{
    (void)ctx;
    (void)sim;
    if (later_count > 0 && host != NULL) {
        later_count--;
        forge(later[later_count].a, later[later_count].b, later[later_count].d);
    }
}

/* a & 0x40: within 20 us (inside one request), else within 20 ms. */
static uint64_t later_ns(uint8_t a, uint32_t d) { return (a & 0x40) ? d % 20000 : d % 20000000; }

static void run_op(const uint8_t *o)
{
    uint8_t op = o[0] % 16, a = o[1], b = o[2], c = o[3];
    uint32_t d = (uint32_t)o[4] | (uint32_t)o[5] << 8 | (uint32_t)o[6] << 16 | (uint32_t)o[7] << 24;
    struct client *cl = &clients[a & 1];
    switch (op) {
    case 0: case 1: case 2:
        if (ensure(&clients[SINK]))
            op_packet(&clients[SINK], a, b, c, d);
        break;
    case 3:
        if (ensure(&clients[SINK])) {
            client_in_ring(&clients[SINK])->control->write_index = d;
            signal_guest(clients[SINK].relid);
        }
        break;
    case 4:
        if (b & 1)
            (void)hvsim_raise_spurious_sint(hosted_sim(), 0, VMBUS_SINT);
        if (b & 2)   /* the host stops reading the guest's rings (until the input ends) */
            hvsim_vmbus_set_faults(host, &(struct hvsim_vmbus_faults){ .stop_reading = true });
        signal_guest(cl->relid);
        break;
    case 5: case 6:
        if (ensure(cl))
            client_send(cl, b, tape + d % 4096, (uint32_t)c * 4, ext, ext_pfns, EXT_PAGES, d);
        settle();
        break;
    case 7: client_complete_held(cl, b % CLIENT_HELD_MAX + 1, c); settle(); break;
    case 8: client_pause(cl, b & 1); settle(); break;
    case 9:
        if (cl->relid != 0)
            (void)hvsim_vmbus_rescind(host, cl->relid);
        settle();
        break;
    case 10: (void)hvsim_call_at(hosted_sim(), platform_time_ns() + later_ns(a, d), rescind_later, cl); break;
    case 11: reenable(cl, b, c); break;
    case 12:
        if ((a & 0x80) && later_count < 4) {
            later[later_count++] = (typeof(later[0])){ a, b, d };
            (void)hvsim_call_at(hosted_sim(), platform_time_ns() + later_ns(a, d), forge_later, NULL);
        } else {
            forge(a, b, d);
            settle();
        }
        break;
    case 13:
        if (ensure(cl) && (c & 4))
            client_misuse(cl, ext, ext_pfns);
        else if (cl->ch != NULL)
            client_gpadl(cl, ext, b % EXT_PAGES + 1, c);
        settle();
        break;
    case 14: platform_wait_until(platform_time_ns() + d % 20000000); hosted_run_deferred(); break;
    default: cl->policy = b; cl->on_open = c; break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int cfg = data[0] & 7;
    if (cfg != config || ++iterations >= RECREATE_EVERY || hosted_pages_in_use() > 768 || down_streak > 16) {
        setup(cfg);   /* pages a hostile host kept (never torn down) stay lost: start afresh */
        down_streak = 0;
    }
    fill_tape(data, size);
    for (size_t at = 1, n = 0; at + 8 <= size && n < MAX_OPS; at += 8, n++)
        run_op(data + at);
    for (int i = 0; i < 2; i++) {
        clients[i].policy = 0;
        clients[i].on_open = 0;
        client_complete_held(&clients[i], CLIENT_HELD_MAX, 0);
        client_pause(&clients[i], false);
    }
    hvsim_vmbus_set_faults(host, &(struct hvsim_vmbus_faults){ 0 });
    settle();
    hosted_console_clear();
    return 0;
}
