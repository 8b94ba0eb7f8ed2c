/* A slow or sloppy host: replies that come late (or too late), twice, out
 * of order or never; rescinds at every point of a channel's life;
 * INSUFFICIENT_BUFFERS storms; interrupts lost or with nothing behind them;
 * a host that stops reading a ring. Whatever happens: no crash, no hang, a
 * clear status, no pages lost, and the runtime still works afterwards.
 * docs/testing.md has the matrix as a table. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "vmbus/vmbus.h"
#include <hvrt/runtime.h>
#include <hvrt/vmbus.h>

static const struct hvsim_vmbus_device echo = { .model = HVSIM_VMBUS_ECHO };

static struct hvsim_vmbus *start_with_delay(uint32_t type, uint64_t delay_ns)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.devices = &echo;
    vc.device_count = 1;
    vc.type_delay_ns[type] = delay_ns;
    return fixture_start_config(&vc, 0);
}

static void test_late_replies_are_waited_for(void)
{
    const uint32_t types[] = { VMBUS_MSG_VERSION_RESPONSE, VMBUS_MSG_ALLOFFERS_DELIVERED, VMBUS_MSG_GPADL_CREATED,
                               VMBUS_MSG_OPENCHANNEL_RESULT };
    for (unsigned i = 0; i < 4; i++) {
        struct hvsim_vmbus *host = start_with_delay(types[i], 300000000);   /* 300 ms */
        CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
        struct vmbus_offer o;
        CHECK(vmbus_offer_at(0, &o), "offer after a late type %u", types[i]);
        static struct vmbus_channel ch;
        CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
        vmbus_channel_close(&ch, 1000);
        fixture_stop(host);
    }
}

static void test_too_late_is_a_timeout(void)
{
    struct hvsim_vmbus *host = start_with_delay(VMBUS_MSG_OPENCHANNEL_RESULT, 3000000000ull);   /* 3 s */
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    vmbus_offer_at(0, &o);
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 500), VMBUS_E_TIMEOUT);
    /* The answer that comes after all is a reply nobody waits for: ignored. */
    struct vmbus_counters before, after;
    vmbus_get_counters(&before);
    hvsim_advance_ns(hosted_sim(), 3000000000ull);
    vmbus_get_counters(&after);
    CHECK(after.messages_rejected > before.messages_rejected, "the late result was dropped");
    fixture_stop(host);
}

static void test_duplicated_replies_are_ignored(void)
{
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &echo, 1, 0);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    vmbus_offer_at(0, &o);
    /* A second VERSION_RESPONSE and a second ALLOFFERS_DELIVERED, unasked. */
    uint8_t msg[16] = { VMBUS_MSG_VERSION_RESPONSE, 0, 0, 0, 0, 0, 0, 0, 1 };
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, sizeof(msg));
    uint8_t all[8] = { VMBUS_MSG_ALLOFFERS_DELIVERED };
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, all, sizeof(all));
    /* The same offer again: refused, the registry unchanged. */
    struct vmbus_msg_offer dup;
    memset(&dup, 0, sizeof(dup));
    dup.hdr.type = VMBUS_MSG_OFFERCHANNEL;
    dup.child_relid = o.relid;
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, &dup, sizeof(dup));
    CHECK_EQ(vmbus_offer_count(), 1);
    CHECK(vmbus_connected() && vmbus_version() == VMBUS_VERSION_WIN10_V5_3, "connection unchanged");
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
    vmbus_channel_close(&ch, 1000);
    fixture_stop(host);
}

static void test_spurious_interrupts_are_harmless(void)
{
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &echo, 1, 0);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_counters before, after;
    vmbus_get_counters(&before);
    /* Event flags for relids nobody has open, and empty SINT interrupts. */
    for (uint32_t flag = 0; flag < 2048; flag += 97)
        hvsim_signal_guest_event(hosted_sim(), 0, VMBUS_SINT, flag);
    vmbus_get_counters(&after);
    CHECK_EQ(after.messages_received, before.messages_received);
    CHECK(vmbus_connected() && vmbus_offer_count() == 1, "still connected");
    fixture_stop(host);
}

/* ==== The fault matrix (issue #8) ====
 * Each case runs the guest's real code against a host with one fault
 * switched on, then asserts what the caller was told, that no call
 * outlived its timeout (virtual time), that ring pages came back whenever
 * the host let go of them, and that the runtime still works afterwards:
 * the sink opens, takes a packet and closes. ASan and LeakSanitizer watch
 * the rest. */

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define NOT_REACHED 1                     /* a step skipped after an earlier one failed */
#define STEP_TIMEOUT_MS 1000
#define STEP_SLACK_NS 200000000ull        /* post back-off and polling on top of a timeout */
/* A version whose INITIATE_CONTACT times out moves on to the next older
 * one: connect may wait once per version the guest knows (6.0 .. 2.4). */
#define GUEST_VERSIONS 9u
#define UNLOAD_TIMEOUT_MS 5000            /* vmbus_disconnect waits as long as Linux */
/* What a step may take on top of its own budget (the storm tests set it:
 * a post retried through a storm waits up to the guest's ~22 s budget). */
static uint64_t step_extra_ns;
#define RING_PAGES 4                      /* 4 KiB each way: a control and a data page each */
#define LATE_REPLY_NS 100000000ull        /* a reply 100 ms late, for a rescind to overtake */
#define RESCIND_AFTER_NS 100000ull        /* well inside any request, before the host's 1 ms reorder hold */
#define BIT(type) HVSIM_VMBUS_MSG_BIT(type)

static struct hvsim_vmbus *vb;
static const struct vmbus_guid echo_class = FIXTURE_CLASS_ECHO;
static const struct vmbus_guid sink_class = FIXTURE_CLASS_SINK;
static const struct hvsim_vmbus_device echo_and_sink[] = { { .model = HVSIM_VMBUS_ECHO }, { .model = HVSIM_VMBUS_SINK } };
static const struct hvsim_vmbus_faults no_faults;

/* Echo and sink on a Hyper-V-like host with these faults; late_type (0:
 * none) is a reply the host sends LATE_REPLY_NS late. hc NULL: defaults. */
static bool boot(const struct hvsim_config *hc, const struct hvsim_vmbus_faults *faults, uint32_t late_type)
{
    struct hvsim_config defaults;
    hvsim_config_default(&defaults);
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.devices = echo_and_sink;
    vc.device_count = COUNT_OF(echo_and_sink);
    vc.faults = *faults;
    if (late_type != 0)
        vc.type_delay_ns[late_type] = LATE_REPLY_NS;
    vb = fixture_start_sim(hc ? hc : &defaults, &vc);
    CHECK(vb != NULL, "fixture up");
    return vb != NULL;
}

static struct hvsim_vmbus_counters host_counters(void)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(vb, &c);
    return c;
}

static const char *status_name(int status)
{
    return status == NOT_REACHED ? "not reached" : vmbus_status_name(status);
}

/* One packet to the echo and back, compared. */
static int echo_round_trip(struct vmbus_channel *ch)
{
    uint8_t out[64], in[128];
    for (unsigned i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)(i * 7);
    struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, 7, NULL, 0, out, sizeof(out) };
    int status = vmbus_channel_send(ch, &p);
    if (status != VMBUS_OK)
        return status;
    struct vmbus_packet pkt;
    enum vmbus_ring_result why;
    status = vmbus_channel_recv(ch, in, sizeof(in), &pkt, &why);
    if (status != VMBUS_OK)
        return status;
    bool same = pkt.transaction_id == 7 && pkt.payload_len >= sizeof(out) && memcmp(pkt.payload, out, sizeof(out)) == 0;
    return same ? VMBUS_OK : VMBUS_E_INVALID;
}

/* After the fault is gone the runtime must do something else: connect
 * (again, if the fault broke the connection), open the sink, send, close,
 * and give its ring pages back. */
static void check_runtime_still_works(const char *name)
{
    hvsim_vmbus_set_faults(vb, &no_faults);
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, 0, 0);
    struct vmbus_offer o;
    if (vmbus_connected() && vmbus_wait_offer(&sink_class, NULL, 0, &o) != VMBUS_OK)
        vmbus_disconnect();   /* the offer was lost: only a new connection brings it back */
    int status = vmbus_connect(NULL);
    CHECK(status == VMBUS_OK, "%s: connect afterwards: %s", name, status_name(status));
    if (status != VMBUS_OK || vmbus_wait_offer(&sink_class, NULL, 100, &o) != VMBUS_OK) {
        CHECK(false, "%s: no sink offer afterwards", name);
        return;
    }
    static struct vmbus_channel ch;
    uint64_t pages = hosted_pages_in_use();
    uint64_t sunk = host_counters().packets_sunk;
    status = vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, STEP_TIMEOUT_MS);
    CHECK(status == VMBUS_OK, "%s: the sink opens afterwards: %s", name, status_name(status));
    if (status != VMBUS_OK)
        return;
    uint8_t payload[16] = { 0 };
    struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, 1, NULL, 0, payload, sizeof(payload) };
    CHECK(vmbus_channel_send(&ch, &p) == VMBUS_OK, "%s: send to the sink afterwards", name);
    status = vmbus_channel_close(&ch, STEP_TIMEOUT_MS);
    CHECK(status == VMBUS_OK, "%s: the sink closes afterwards: %s", name, status_name(status));
    CHECK(host_counters().packets_sunk == sunk + 1, "%s: the sink got the packet", name);
    CHECK(hosted_pages_in_use() == pages, "%s: the sink's ring pages came back", name);
}

/* ---- one channel's whole life, step by step ---- */

enum step { STEP_CONNECT, STEP_FIND_OFFER, STEP_OPEN, STEP_ECHO, STEP_CLOSE, STEP_DISCONNECT, STEP_COUNT };
static const char *const step_names[STEP_COUNT] = { "connect", "find the offer", "open", "echo", "close", "disconnect" };

#define ALL_OK { VMBUS_OK, VMBUS_OK, VMBUS_OK, VMBUS_OK, VMBUS_OK, VMBUS_OK }
#define NR NOT_REACHED

/* Connect, find the echo, open it, one round trip, close, disconnect; stops
 * at the first failure. before (may be NULL) runs before each step. Every
 * step must end within its timeout. */
static void run_lifecycle(const char *name, int got[STEP_COUNT], void (*before)(enum step))
{
    static struct vmbus_channel ch;
    struct vmbus_offer o;
    for (int s = 0; s < STEP_COUNT; s++)
        got[s] = NOT_REACHED;
    for (int s = 0; s < STEP_COUNT; s++) {
        if (before != NULL)
            before((enum step)s);
        uint64_t t0 = platform_time_ns();
        switch ((enum step)s) {
        case STEP_CONNECT:    got[s] = vmbus_connect(NULL); break;
        case STEP_FIND_OFFER: got[s] = vmbus_wait_offer(&echo_class, NULL, 100, &o); break;
        case STEP_OPEN:       got[s] = vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, STEP_TIMEOUT_MS); break;
        case STEP_ECHO:       got[s] = echo_round_trip(&ch); break;
        case STEP_CLOSE:      got[s] = vmbus_channel_close(&ch, STEP_TIMEOUT_MS); break;
        case STEP_DISCONNECT:
            vmbus_disconnect();
            got[s] = vmbus_connected() ? VMBUS_E_BUSY : VMBUS_OK;
            break;
        case STEP_COUNT: break;
        }
        uint64_t took = platform_time_ns() - t0;
        uint64_t budget_ms = s == STEP_CONNECT ? GUEST_VERSIONS * STEP_TIMEOUT_MS
                             : s == STEP_DISCONNECT ? UNLOAD_TIMEOUT_MS : STEP_TIMEOUT_MS;
        CHECK(took <= budget_ms * 1000000ull + STEP_SLACK_NS + step_extra_ns, "%s: %s took %llu ms", name,
              step_names[s], (unsigned long long)(took / 1000000));
        if (got[s] != VMBUS_OK)
            break;
    }
}

static void check_steps(const char *name, const int got[STEP_COUNT], const int want[STEP_COUNT])
{
    for (int s = 0; s < STEP_COUNT; s++)
        CHECK(got[s] == want[s], "%s: %s: %s, expected %s", name, step_names[s], status_name(got[s]),
              status_name(want[s]));
}

/* ---- host->guest messages lost, duplicated, reordered ---- */

struct message_case {
    const char *name;
    struct hvsim_vmbus_faults faults;
    uint32_t late_type;   /* 0, or a message type the host sends LATE_REPLY_NS late */
    int want[STEP_COUNT];
    bool pages_kept;   /* the reply that frees the ring never came: the pages stay the host's */
};

static const struct message_case message_cases[] = {
    /* Lost: a host that never answers. A timeout, then the runtime goes on. */
    { "VERSION_RESPONSE lost", { .drop_msgs = BIT(VMBUS_MSG_VERSION_RESPONSE) }, 0,
      { VMBUS_E_TIMEOUT, NR, NR, NR, NR, NR }, false },
    { "OFFERCHANNEL lost", { .drop_msgs = BIT(VMBUS_MSG_OFFERCHANNEL) }, 0,
      { VMBUS_OK, VMBUS_E_TIMEOUT, NR, NR, NR, NR }, false },
    { "ALLOFFERS_DELIVERED lost", { .drop_msgs = BIT(VMBUS_MSG_ALLOFFERS_DELIVERED) }, 0,
      { VMBUS_E_TIMEOUT, NR, NR, NR, NR, NR }, false },
    { "GPADL_CREATED lost", { .drop_msgs = BIT(VMBUS_MSG_GPADL_CREATED) }, 0,
      { VMBUS_OK, VMBUS_OK, VMBUS_E_TIMEOUT, NR, NR, NR }, true },
    { "OPENCHANNEL_RESULT lost", { .drop_msgs = BIT(VMBUS_MSG_OPENCHANNEL_RESULT) }, 0,
      { VMBUS_OK, VMBUS_OK, VMBUS_E_TIMEOUT, NR, NR, NR }, false },
    { "GPADL_TORNDOWN lost", { .drop_msgs = BIT(VMBUS_MSG_GPADL_TORNDOWN) }, 0,
      { VMBUS_OK, VMBUS_OK, VMBUS_OK, VMBUS_OK, VMBUS_E_TIMEOUT, NR }, true },
    { "UNLOAD_RESPONSE lost", { .drop_msgs = BIT(VMBUS_MSG_UNLOAD_RESPONSE) }, 0, ALL_OK, false },
    /* Duplicated: the second copy finds nobody waiting, or a live relid. */
    { "VERSION_RESPONSE twice", { .duplicate_msgs = BIT(VMBUS_MSG_VERSION_RESPONSE) }, 0, ALL_OK, false },
    { "OFFERCHANNEL twice", { .duplicate_msgs = BIT(VMBUS_MSG_OFFERCHANNEL) }, 0, ALL_OK, false },
    { "ALLOFFERS_DELIVERED twice", { .duplicate_msgs = BIT(VMBUS_MSG_ALLOFFERS_DELIVERED) }, 0, ALL_OK, false },
    { "GPADL_CREATED twice", { .duplicate_msgs = BIT(VMBUS_MSG_GPADL_CREATED) }, 0, ALL_OK, false },
    { "OPENCHANNEL_RESULT twice", { .duplicate_msgs = BIT(VMBUS_MSG_OPENCHANNEL_RESULT) }, 0, ALL_OK, false },
    { "GPADL_TORNDOWN twice", { .duplicate_msgs = BIT(VMBUS_MSG_GPADL_TORNDOWN) }, 0, ALL_OK, false },
    { "UNLOAD_RESPONSE twice", { .duplicate_msgs = BIT(VMBUS_MSG_UNLOAD_RESPONSE) }, 0, ALL_OK, false },
    /* Delayed (the types test_late_replies_are_waited_for leaves out). */
    { "GPADL_TORNDOWN late", { 0 }, VMBUS_MSG_GPADL_TORNDOWN, ALL_OK, false },
    { "UNLOAD_RESPONSE late", { 0 }, VMBUS_MSG_UNLOAD_RESPONSE, ALL_OK, false },
    /* Reordered: each held back until the next message passed it (or 1 ms). */
    { "offers out of order", { .reorder_msgs = BIT(VMBUS_MSG_OFFERCHANNEL) }, 0, ALL_OK, false },
    { "ALLOFFERS_DELIVERED held back", { .reorder_msgs = BIT(VMBUS_MSG_ALLOFFERS_DELIVERED) }, 0, ALL_OK, false },
    { "VERSION_RESPONSE held back", { .reorder_msgs = BIT(VMBUS_MSG_VERSION_RESPONSE) }, 0, ALL_OK, false },
    { "GPADL replies held back", { .reorder_msgs = BIT(VMBUS_MSG_GPADL_CREATED) | BIT(VMBUS_MSG_GPADL_TORNDOWN) }, 0,
      ALL_OK, false },
    { "OPENCHANNEL_RESULT held back", { .reorder_msgs = BIT(VMBUS_MSG_OPENCHANNEL_RESULT) }, 0, ALL_OK, false },
};

/* Replies go to a waiter; a second copy finds none and is rejected. (A
 * second offer is refused as a duplicate, ALLOFFERS_DELIVERED is a flag.) */
#define REPLY_TYPES (BIT(VMBUS_MSG_VERSION_RESPONSE) | BIT(VMBUS_MSG_GPADL_CREATED) | \
                     BIT(VMBUS_MSG_OPENCHANNEL_RESULT) | BIT(VMBUS_MSG_GPADL_TORNDOWN) | BIT(VMBUS_MSG_UNLOAD_RESPONSE))

static void test_host_messages_lost_duplicated_reordered(void)
{
    for (size_t i = 0; i < COUNT_OF(message_cases); i++) {
        const struct message_case *c = &message_cases[i];
        if (!boot(NULL, &c->faults, c->late_type))
            continue;
        uint64_t pages = hosted_pages_in_use(), t0 = platform_time_ns();
        int got[STEP_COUNT];
        run_lifecycle(c->name, got, NULL);
        check_steps(c->name, got, c->want);
        struct hvsim_vmbus_counters hc = host_counters();
        if (c->late_type != 0)
            CHECK(platform_time_ns() - t0 >= LATE_REPLY_NS, "%s: the late reply was waited for", c->name);
        else
            CHECK(hc.msgs_dropped + hc.msgs_duplicated + hc.msgs_reordered > 0, "%s: the fault fired", c->name);
        if (c->faults.duplicate_msgs & REPLY_TYPES) {
            struct vmbus_counters gc;
            vmbus_get_counters(&gc);
            CHECK(gc.messages_rejected > 0, "%s: the copy was rejected", c->name);
        }
        check_runtime_still_works(c->name);
        uint64_t kept = c->pages_kept ? RING_PAGES : 0;
        CHECK(hosted_pages_in_use() == pages + kept, "%s: %llu pages in use, expected %llu", c->name,
              (unsigned long long)hosted_pages_in_use(), (unsigned long long)(pages + kept));
        fixture_stop(vb);
    }
}

/* ---- rescind in every channel state ---- */

enum rescind_moment {
    BEFORE_OPEN,             /* offered, never opened; the guest then opens its stale copy */
    BEFORE_OPEN_RELID_REUSED,/* the same, and the relid already names another device */
    DURING_OPEN,             /* GPADL or OPENCHANNEL in flight */
    WITH_TRAFFIC,            /* open, packets flowing */
    DURING_CLOSE,            /* CLOSECHANNEL sent, the ring's GPADL_TORNDOWN late */
    DURING_BUFFER_TEARDOWN,  /* open, another GPADL's teardown in flight */
};

struct rescind_case {
    const char *name;
    enum rescind_moment moment;
    struct hvsim_vmbus_faults faults;
    uint32_t late_type;      /* a reply LATE_REPLY_NS late, for the rescind to overtake */
    int open_status, close_status;
    int send_after;          /* WITH_TRAFFIC: a send after the rescind */
    uint64_t releases;       /* RELID_RELEASED messages the host gets */
};

static const struct rescind_case rescind_cases[] = {
    { "offered, not opened", BEFORE_OPEN, { 0 }, 0, VMBUS_E_RESCINDED, NR, 0, 1 },
    { "offered, relid reused by another device", BEFORE_OPEN_RELID_REUSED, { 0 }, 0, VMBUS_E_RESCINDED, NR, 0, 1 },
    { "GPADL in flight, never answered", DURING_OPEN, { .ignore_gpadl = true }, 0, VMBUS_E_RESCINDED, NR, 0, 1 },
    { "GPADL_CREATED overtaken by the rescind", DURING_OPEN, { .reorder_msgs = BIT(VMBUS_MSG_GPADL_CREATED) }, 0,
      VMBUS_E_RESCINDED, NR, 0, 1 },
    { "OPENCHANNEL in flight, never answered", DURING_OPEN, { .ignore_open = true }, 0, VMBUS_E_RESCINDED, NR, 0, 1 },
    { "OPENCHANNEL_RESULT overtaken by the rescind", DURING_OPEN,
      { .reorder_msgs = BIT(VMBUS_MSG_OPENCHANNEL_RESULT) }, 0, VMBUS_E_RESCINDED, NR, 0, 1 },
    { "open, packets flowing", WITH_TRAFFIC, { 0 }, 0, VMBUS_OK, VMBUS_OK, VMBUS_E_RESCINDED, 1 },
    { "open, the rescind sent twice", WITH_TRAFFIC, { .duplicate_msgs = BIT(VMBUS_MSG_RESCIND_CHANNELOFFER) }, 0,
      VMBUS_OK, VMBUS_OK, VMBUS_E_RESCINDED, 1 },
    /* The guest never hears of it: the host's refusal of the signal is the
     * only sign, and the relid is never released (the host keeps it). */
    { "open, the rescind lost", WITH_TRAFFIC, { .drop_msgs = BIT(VMBUS_MSG_RESCIND_CHANNELOFFER) }, 0, VMBUS_OK,
      VMBUS_OK, VMBUS_E_HOST, 0 },
    { "closing, ring GPADL teardown in flight", DURING_CLOSE, { 0 }, VMBUS_MSG_GPADL_TORNDOWN, VMBUS_OK, VMBUS_OK, 0, 1 },
    { "open, a buffer GPADL teardown in flight", DURING_BUFFER_TEARDOWN, { 0 }, VMBUS_MSG_GPADL_TORNDOWN, VMBUS_OK,
      VMBUS_OK, 0, 1 },
};

static uint32_t relid_to_rescind;

static void rescind_now(void *ctx, struct hvsim *sim)
{
    (void)ctx;
    (void)sim;
    hvsim_vmbus_rescind(vb, relid_to_rescind);
}

static void rescind_soon(uint32_t relid)
{
    relid_to_rescind = relid;
    hvsim_call_at(hosted_sim(), platform_time_ns() + RESCIND_AFTER_NS, rescind_now, NULL);
}

/* Drives one channel to the case's moment and rescinds it there; returns
 * the open and close statuses. Requests get 5 s, so only the rescind can
 * end them quickly. */
static void rescind_at(const struct rescind_case *c, struct vmbus_offer *o, int *open_status, int *close_status)
{
    static struct vmbus_channel ch;
    const uint64_t long_ms = 5000;
    switch (c->moment) {
    case BEFORE_OPEN:
    case BEFORE_OPEN_RELID_REUSED:
        hvsim_vmbus_rescind(vb, o->relid);
        if (c->moment == BEFORE_OPEN_RELID_REUSED) {
            struct hvsim_vmbus_device other = { .model = HVSIM_VMBUS_SINK };
            CHECK(hvsim_vmbus_offer(vb, &other) == o->relid, "%s: the relid is offered again", c->name);
        }
        *open_status = vmbus_channel_open(&ch, o, 4096, 4096, NULL, 0, NULL, NULL, long_ms);
        break;
    case DURING_OPEN:
        rescind_soon(o->relid);
        *open_status = vmbus_channel_open(&ch, o, 4096, 4096, NULL, 0, NULL, NULL, long_ms);
        break;
    case WITH_TRAFFIC:
        *open_status = vmbus_channel_open(&ch, o, 4096, 4096, NULL, 0, NULL, NULL, long_ms);
        for (int i = 0; i < 20 && *open_status == VMBUS_OK; i++)
            CHECK(echo_round_trip(&ch) == VMBUS_OK, "%s: echo %d", c->name, i);
        hvsim_vmbus_rescind(vb, o->relid);
        int sent = echo_round_trip(&ch);
        CHECK(sent == c->send_after, "%s: a send after the rescind: %s", c->name, status_name(sent));
        *close_status = vmbus_channel_close(&ch, long_ms);
        break;
    case DURING_CLOSE:
        *open_status = vmbus_channel_open(&ch, o, 4096, 4096, NULL, 0, NULL, NULL, long_ms);
        rescind_soon(o->relid);
        *close_status = vmbus_channel_close(&ch, long_ms);
        break;
    case DURING_BUFFER_TEARDOWN: {
        *open_status = vmbus_channel_open(&ch, o, 4096, 4096, NULL, 0, NULL, NULL, long_ms);
        uint64_t gpa;
        void *buffer = platform_pages_alloc(2, &gpa);
        uint32_t handle = 0;
        CHECK(vmbus_gpadl_create(o->relid, buffer, 2, &handle, long_ms) == VMBUS_OK, "%s: buffer GPADL", c->name);
        rescind_soon(o->relid);
        int torn = vmbus_gpadl_teardown(o->relid, handle, long_ms);
        CHECK(torn == VMBUS_OK, "%s: buffer teardown: %s", c->name, status_name(torn));
        if (torn == VMBUS_OK)
            platform_pages_free(buffer, 2);
        CHECK(vmbus_channel_rescinded(&ch), "%s: the channel heard of the rescind", c->name);
        *close_status = vmbus_channel_close(&ch, long_ms);
        break;
    }
    }
}

static void test_rescind_in_every_channel_state(void)
{
    for (size_t i = 0; i < COUNT_OF(rescind_cases); i++) {
        const struct rescind_case *c = &rescind_cases[i];
        if (!boot(NULL, &c->faults, c->late_type))
            continue;
        struct vmbus_offer o;
        CHECK(vmbus_connect(NULL) == VMBUS_OK && vmbus_wait_offer(&echo_class, NULL, 0, &o) == VMBUS_OK,
              "%s: connected", c->name);
        uint64_t pages = hosted_pages_in_use(), t0 = platform_time_ns();
        int open_status = NOT_REACHED, close_status = NOT_REACHED;
        rescind_at(c, &o, &open_status, &close_status);
        uint64_t took = platform_time_ns() - t0;
        CHECK(open_status == c->open_status, "%s: open: %s, expected %s", c->name, status_name(open_status),
              status_name(c->open_status));
        CHECK(close_status == c->close_status, "%s: close: %s, expected %s", c->name, status_name(close_status),
              status_name(c->close_status));
        CHECK(took < 1000000000ull, "%s: took %llu ms: the rescind, not a timeout, ended it", c->name,
              (unsigned long long)(took / 1000000));
        CHECK(host_counters().msgs_in[VMBUS_MSG_RELID_RELEASED] == c->releases, "%s: RELID_RELEASED sent %llu times",
              c->name, (unsigned long long)host_counters().msgs_in[VMBUS_MSG_RELID_RELEASED]);
        CHECK(hosted_pages_in_use() == pages, "%s: %llu pages not back", c->name,
              (unsigned long long)(hosted_pages_in_use() - pages));
        CHECK(hvsim_vmbus_gpadl_count(vb) == 0, "%s: the host holds %u GPADLs", c->name, hvsim_vmbus_gpadl_count(vb));
        check_runtime_still_works(c->name);
        fixture_stop(vb);
    }
}

/* ---- HV_STATUS_INSUFFICIENT_BUFFERS storms ---- */

struct storm_case {
    const char *name;
    uint32_t busy_posts;   /* refusals before the host takes each message */
    uint64_t storm_ns;     /* or: every message refused for this long (Hyper-V's storms last seconds) */
    int want[STEP_COUNT];
};

/* The guest tries a post 40 times, waiting 1 us doubling up to 1 s in
 * between: about 22 s in all (arch/x86_64/hyperv/hypercall.c). */
#define POST_BUDGET_NS 23000000000ull

static const struct storm_case storm_cases[] = {
    { "every message refused once", 1, 0, ALL_OK },
    { "every message refused 8 times", 8, 0, ALL_OK },
    { "every message refused 39 times (the guest's last try gets through)", 39, 0, ALL_OK },
    { "every message refused 40 times (longer than the guest tries)", 40, 0, { VMBUS_E_HOST, NR, NR, NR, NR, NR } },
    { "a storm of 3 s at connect (Hyper-V under load)", 0, 3000000000ull, ALL_OK },
    { "a storm of 15 s at connect", 0, 15000000000ull, ALL_OK },
};

static void test_insufficient_buffers_storms(void)
{
    for (size_t i = 0; i < COUNT_OF(storm_cases); i++) {
        const struct storm_case *c = &storm_cases[i];
        struct hvsim_vmbus_faults f = { .busy_posts = c->busy_posts, .busy_storm_ns = c->storm_ns };
        if (!boot(NULL, &f, 0))
            continue;
        uint64_t pages = hosted_pages_in_use();
        int got[STEP_COUNT];
        step_extra_ns = 4 * POST_BUDGET_NS;   /* a step posts up to 3 messages, each through the storm */
        run_lifecycle(c->name, got, NULL);
        step_extra_ns = 0;
        check_steps(c->name, got, c->want);
        struct hvsim_vmbus_counters hc = host_counters();
        uint64_t taken = 0;
        for (unsigned t = 0; t < VMBUS_MSG_COUNT; t++)
            taken += hc.msgs_in[t];
        CHECK(hc.posts_refused_busy >= taken * c->busy_posts && hc.posts_refused_busy > 0 &&
                  (c->storm_ns == 0 || hc.posts_refused_busy >= 20),
              "%s: %llu refusals for %llu messages", c->name, (unsigned long long)hc.posts_refused_busy,
              (unsigned long long)taken);
        check_runtime_still_works(c->name);
        CHECK(hosted_pages_in_use() == pages, "%s: pages back", c->name);
        fixture_stop(vb);
    }
}

/* A fault-free host, connected, with the device of cls offered; pages is
 * what the runtime holds before the test opens anything. */
static bool boot_connected(const struct vmbus_guid *cls, struct vmbus_offer *o, uint64_t *pages)
{
    if (!boot(NULL, &no_faults, 0))
        return false;
    CHECK(vmbus_connect(NULL) == VMBUS_OK && vmbus_wait_offer(cls, NULL, 0, o) == VMBUS_OK, "connected");
    *pages = hosted_pages_in_use();
    return true;
}

/* A storm that starts in the middle of an open, then of a close. The open
 * fails before anything reached the host: its pages come back, and it
 * works once the storm is over. The close fails too: the host never heard
 * CLOSECHANNEL and still has the rings, so their pages stay out of reach;
 * the rest of the runtime goes on, and a new connection (which makes the
 * host forget the channel) opens it again. */
static void test_storm_in_the_middle_of_open_and_close(void)
{
    struct vmbus_offer o;
    uint64_t pages;
    if (!boot_connected(&echo_class, &o, &pages))
        return;
    static struct vmbus_channel ch;
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INSUFFICIENT_BUFFERS, 100000);
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, STEP_TIMEOUT_MS), VMBUS_E_HOST);
    CHECK_EQ(hosted_pages_in_use(), pages);   /* the GPADL never reached the host */
    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, 0, 0);
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, STEP_TIMEOUT_MS), VMBUS_OK);

    hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INSUFFICIENT_BUFFERS, 100000);
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(vmbus_channel_close(&ch, STEP_TIMEOUT_MS), VMBUS_E_HOST);
    uint64_t took = platform_time_ns() - t0;
    /* CLOSECHANNEL, then the ring's GPADL_TEARDOWN: each rides the storm for
     * the bounded budget, then gives up. */
    CHECK(took > 15000000000ull && took < 2 * POST_BUDGET_NS, "the guest rode the storm for its bounded budget: %llu ms",
          (unsigned long long)(took / 1000000));
    CHECK_EQ(hosted_pages_in_use(), pages + RING_PAGES);
    struct hvsim_vmbus_channel_info info;
    CHECK(hvsim_vmbus_channel(vb, o.relid, &info) && info.state == HVSIM_CHAN_OPEN, "the host still has it open");
    check_runtime_still_works("after the storms");

    vmbus_disconnect();
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK(vmbus_wait_offer(&echo_class, NULL, 0, &o) == VMBUS_OK, "echo offered again");
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, STEP_TIMEOUT_MS), VMBUS_OK);
    CHECK_EQ(echo_round_trip(&ch), VMBUS_OK);
    CHECK_EQ(vmbus_channel_close(&ch, STEP_TIMEOUT_MS), VMBUS_OK);
    fixture_stop(vb);
}

/* ---- lost and spurious SINT interrupts ---- */

struct lost_irq_case {
    const char *name;
    enum step step;          /* the first VMBus interrupt of this step is lost */
};

static const struct lost_irq_case lost_irq_cases[] = {
    { "VERSION_RESPONSE's interrupt lost", STEP_CONNECT },
    { "GPADL_CREATED's interrupt lost", STEP_OPEN },
    { "the echo's channel interrupt lost", STEP_ECHO },
    { "GPADL_TORNDOWN's interrupt lost", STEP_CLOSE },
    { "UNLOAD_RESPONSE's interrupt lost", STEP_DISCONNECT },
};

static enum step lose_at;

static void lose_one_interrupt(enum step s)
{
    if (s == lose_at)
        hvsim_inject_lost_sint(hosted_sim(), 0, VMBUS_SINT, 1);
}

static void test_lost_interrupts(void)
{
    static const int all_ok[STEP_COUNT] = ALL_OK;
    for (size_t i = 0; i < COUNT_OF(lost_irq_cases); i++) {
        const struct lost_irq_case *c = &lost_irq_cases[i];
        if (!boot(NULL, &no_faults, 0))
            continue;
        uint64_t pages = hosted_pages_in_use(), t0 = platform_time_ns();
        lose_at = c->step;
        int got[STEP_COUNT];
        run_lifecycle(c->name, got, lose_one_interrupt);
        check_steps(c->name, got, all_ok);
        uint64_t took = platform_time_ns() - t0;
        CHECK(took < 200000000ull, "%s: took %llu ms: a lost interrupt must not cost a timeout", c->name,
              (unsigned long long)(took / 1000000));
        check_runtime_still_works(c->name);
        CHECK(hosted_pages_in_use() == pages, "%s: pages back", c->name);
        fixture_stop(vb);
    }
}

/* A fault-free host, connected, and a KMCL channel to the device of cls
 * enabled (ring_pages each way, 0: the default); NULL if any step failed. */
static VMBCHANNEL kmcl_channel_up(const struct vmbus_guid *cls, UINT32 ring_pages,
                                  PFN_VMB_CHANNEL_PROCESS_PACKET on_packet)
{
    if (!boot(NULL, &no_faults, 0))
        return NULL;
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    VMBCHANNEL ch = NULL;
    NTSTATUS st = VmbChannelAllocate(NULL, FALSE, &ch);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetTargetPnp(ch, (const GUID *)cls, NULL, NULL);
    if (NT_SUCCESS(st) && ring_pages != 0)
        st = VmbClientChannelInitSetRingBufferPageCount(ch, ring_pages, ring_pages);
    if (NT_SUCCESS(st) && on_packet != NULL)
        st = VmbChannelInitSetProcessPacketCallbacks(ch, on_packet, NULL);
    if (NT_SUCCESS(st))
        st = VmbChannelEnable(ch);
    CHECK(NT_SUCCESS(st), "KMCL channel up: NTSTATUS 0x%08x", (unsigned)st);
    if (!NT_SUCCESS(st)) {
        VmbChannelCleanup(ch);
        fixture_stop(vb);
        return NULL;
    }
    return ch;
}

/* The KMCL synchronous request waits on the channel's interrupt alone;
 * losing it cost the whole timeout (and with no timeout, for ever). */
static void test_kmcl_request_survives_a_lost_interrupt(void)
{
    VMBCHANNEL ch = kmcl_channel_up(&echo_class, 0, NULL);
    if (ch == NULL)
        return;
    hvsim_inject_lost_sint(hosted_sim(), 0, VMBUS_SINT, 1);
    char reply[16] = { 0 };
    UINT32 size = sizeof(reply);
    LARGE_INTEGER timeout = { -10000000 };   /* 1 s */
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "ping", 5, NULL, 0, reply, &size, &timeout), STATUS_SUCCESS);
    CHECK(platform_time_ns() - t0 < 100000000ull, "answered after a poll, not a timeout");
    CHECK(strcmp(reply, "ping") == 0, "the echo's answer: %s", reply);
    VmbChannelCleanup(ch);
    check_runtime_still_works("KMCL after a lost interrupt");
    fixture_stop(vb);
}

/* An app that sends and then only sleeps: the echo's interrupt is lost,
 * and no wait of VMBus's own is running to poll for it. The runtime's
 * sleep looks at the SINT every 10 ms, so the packet still arrives. */
static unsigned idle_packets;

static void count_idle_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch, (void)buf, (void)len, (void)flags;
    idle_packets++;
    VmbChannelPacketComplete(pc, NULL, 0);
}

static void test_sleeping_app_gets_packets_after_a_lost_interrupt(void)
{
    VMBCHANNEL ch = kmcl_channel_up(&echo_class, 0, count_idle_packet);
    if (ch == NULL)
        return;
    idle_packets = 0;
    hvsim_inject_lost_sint(hosted_sim(), 0, VMBUS_SINT, 1);
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK(p != NULL, "a packet");
    CHECK_EQ(VmbPacketSend(p, "ping", 5, NULL, 0), STATUS_SUCCESS);
    CHECK_EQ(idle_packets, 0);   /* the echo's interrupt was the one lost */
    for (int naps = 0; naps < 50 && idle_packets == 0; naps++)
        hvrt_sleep_us(1000);   /* as apps wait: short naps, each shorter than the poll period */
    CHECK_EQ(idle_packets, 1);
    VmbChannelCleanup(ch);
    check_runtime_still_works("KMCL after an idle poll");
    fixture_stop(vb);
}

/* With the masked policy DROP, a message that lands while the SINT is
 * masked (between disconnect and connect) raises nothing: the guest must
 * look at the slot when it attaches, or the slot stays full for good. */
static void test_message_while_masked_is_found_on_attach(void)
{
    struct hvsim_config hc;
    hvsim_config_default(&hc);
    hc.masked_policy = HVSIM_MASKED_DROP;
    if (!boot(&hc, &no_faults, 0))
        return;
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    vmbus_disconnect();
    uint8_t stray[8] = { VMBUS_MSG_ALLOFFERS_DELIVERED };
    CHECK_EQ(hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, VMBUS_POST_MESSAGE_TYPE, stray, sizeof(stray)), HVSIM_OK);
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK(platform_time_ns() - t0 < 100000000ull, "no timeout on the way");
    check_runtime_still_works("stray message while masked");
    fixture_stop(vb);
}

static int readable_calls;

static void count_readable(struct vmbus_channel *ch, void *ctx)
{
    (void)ch;
    (void)ctx;
    readable_calls++;
}

/* Interrupts with nothing behind them, bare or with the open channel's
 * flag set over an empty ring, in the middle of traffic. */
static void test_spurious_interrupts_during_traffic(void)
{
    struct vmbus_offer o;
    uint64_t pages;
    if (!boot_connected(&echo_class, &o, &pages))
        return;
    static struct vmbus_channel ch;
    readable_calls = 0;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, count_readable, NULL, STEP_TIMEOUT_MS), VMBUS_OK);
    struct vmbus_counters before, after;
    vmbus_get_counters(&before);
    int failed_round_trips = 0;
    for (int i = 0; i < 300; i++) {
        hvsim_raise_spurious_sint(hosted_sim(), 0, VMBUS_SINT);
        hvsim_signal_guest_event(hosted_sim(), 0, VMBUS_SINT, o.relid);
        failed_round_trips += echo_round_trip(&ch) != VMBUS_OK;
    }
    vmbus_get_counters(&after);
    CHECK_EQ(failed_round_trips, 0);
    CHECK_EQ(after.messages_received, before.messages_received);   /* no message made up */
    CHECK(readable_calls >= 300, "the spurious flags reached the channel: %d", readable_calls);
    CHECK_EQ(vmbus_channel_close(&ch, STEP_TIMEOUT_MS), VMBUS_OK);
    CHECK_EQ(hosted_pages_in_use(), pages);
    check_runtime_still_works("spurious interrupts");
    fixture_stop(vb);
}

/* ---- a ring full for a long time ---- */

static void test_ring_full_while_the_host_stops_reading(void)
{
    struct vmbus_offer o;
    uint64_t pages;
    if (!boot_connected(&sink_class, &o, &pages))
        return;
    static struct vmbus_channel ch;
    readable_calls = 0;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, count_readable, NULL, STEP_TIMEOUT_MS), VMBUS_OK);
    struct hvsim_vmbus_faults stalled = { .stop_reading = true };
    hvsim_vmbus_set_faults(vb, &stalled);

    uint8_t payload[200];
    int sent = 0, status;
    for (;;) {
        memset(payload, sent & 0xFF, sizeof(payload));
        struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, (uint64_t)sent + 1, NULL, 0, payload, sizeof(payload) };
        if ((status = vmbus_channel_send(&ch, &p)) != VMBUS_OK || ++sent > 1000)
            break;
    }
    CHECK_EQ(status, VMBUS_E_BUSY);   /* a clear "full", never an overwrite */
    CHECK(sent > 5 && sent < 50, "%d packets fit", sent);
    /* Ten seconds of a host that does not read: every try is refused the same way. */
    int refused = 0;
    for (int i = 0; i < 100; i++) {
        hvsim_advance_ns(hosted_sim(), 100000000ull);
        struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, 9999, NULL, 0, payload, sizeof(payload) };
        refused += vmbus_channel_send(&ch, &p) == VMBUS_E_BUSY;
    }
    CHECK_EQ(refused, 100);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(vb, o.relid, &info);
    CHECK_EQ(info.packets_in, 0);

    /* The host resumes: every packet arrives, and there is room again. */
    int readable_before = readable_calls;
    hvsim_vmbus_set_faults(vb, &no_faults);
    hvsim_vmbus_channel(vb, o.relid, &info);
    CHECK_EQ(info.packets_in, (uint64_t)sent);
    CHECK_EQ(info.bytes_in, (uint64_t)sent * sizeof(payload));
    CHECK_EQ(info.ring_errors, 0);
    CHECK(readable_calls > readable_before, "the host said there is room (pending_send_size)");
    struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, 1, NULL, 0, payload, sizeof(payload) };
    CHECK_EQ(vmbus_channel_send(&ch, &p), VMBUS_OK);
    CHECK_EQ(vmbus_channel_close(&ch, STEP_TIMEOUT_MS), VMBUS_OK);
    CHECK_EQ(hosted_pages_in_use(), pages);
    check_runtime_still_works("a stalled ring");
    fixture_stop(vb);
}

/* The KMCL face of a stalled ring: sends queue at once (they never wait
 * and never fail for a full ring); once the host resumes, all go out. */
static void test_kmcl_send_to_a_stalled_ring(void)
{
    VMBCHANNEL ch = kmcl_channel_up(&sink_class, 1, NULL);
    if (ch == NULL)
        return;
    struct hvsim_vmbus_faults stalled = { .stop_reading = true };
    hvsim_vmbus_set_faults(vb, &stalled);
    uint8_t payload[200] = { 0 };
    NTSTATUS status = STATUS_SUCCESS;
    int sent = 0;
    uint64_t t0 = platform_time_ns();
    while (sent < 1000) {
        VMBPACKET p = VmbPacketAllocate(ch);
        if ((status = VmbPacketSend(p, payload, sizeof(payload), NULL, 0)) != STATUS_SUCCESS) {
            VmbPacketFree(p);   /* not sent: still ours */
            break;
        }
        sent++;
    }
    CHECK_EQ(status, STATUS_SUCCESS);
    CHECK(platform_time_ns() - t0 < 1000000, "no send waited for room");
    hvsim_vmbus_set_faults(vb, &no_faults);
    struct hvsim_vmbus_counters c;
    for (int i = 0; i < 1000 && (hvsim_vmbus_get_counters(vb, &c), c.packets_sunk < 1000); i++)
        hvrt_sleep_us(1000);
    CHECK_EQ(c.packets_sunk, 1000);
    VmbChannelCleanup(ch);
    check_runtime_still_works("a stalled KMCL ring");
    fixture_stop(vb);
}

int main(void)
{
    RUN_TEST(test_late_replies_are_waited_for);
    RUN_TEST(test_too_late_is_a_timeout);
    RUN_TEST(test_duplicated_replies_are_ignored);
    RUN_TEST(test_spurious_interrupts_are_harmless);
    RUN_TEST(test_host_messages_lost_duplicated_reordered);
    RUN_TEST(test_rescind_in_every_channel_state);
    RUN_TEST(test_insufficient_buffers_storms);
    RUN_TEST(test_storm_in_the_middle_of_open_and_close);
    RUN_TEST(test_lost_interrupts);
    RUN_TEST(test_kmcl_request_survives_a_lost_interrupt);
    RUN_TEST(test_sleeping_app_gets_packets_after_a_lost_interrupt);
    RUN_TEST(test_message_while_masked_is_found_on_attach);
    RUN_TEST(test_spurious_interrupts_during_traffic);
    RUN_TEST(test_ring_full_while_the_host_stops_reading);
    RUN_TEST(test_kmcl_send_to_a_stalled_ring);
    return check_summary();
}
