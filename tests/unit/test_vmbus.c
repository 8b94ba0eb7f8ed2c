/* vmbus/ (connection, offers, GPADLs, channels) against hvsim's VMBus host,
 * through the hosted backend: every negotiation branch, offers and their
 * fields, GPADLs of every message-boundary size, channels with echo across
 * ring wrap-around, rescinds, and a host that never answers. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "vmbus/vmbus.h"

static struct hvsim_vmbus *host;

static const struct vmbus_guid echo_class = FIXTURE_CLASS_ECHO;
static const struct vmbus_guid sink_class = FIXTURE_CLASS_SINK;

static const struct hvsim_vmbus_device two_devices[] = {
    { .model = HVSIM_VMBUS_ECHO },
    { .model = HVSIM_VMBUS_SINK },
};

static void boot(struct hvsim_vmbus_config *vc)
{
    host = fixture_start_config(vc, 64);   /* room for an 8190-page GPADL */
    CHECK(host != NULL, "VMBus host created");
}

static void boot_default(enum hvsim_vmbus_flavor flavor)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, flavor);
    vc.devices = two_devices;
    vc.device_count = 2;
    boot(&vc);
}

static void shutdown(void) { fixture_stop(host); }

/* A Hyper-V-like host offering echo (first) and sink, connected. */
static struct vmbus_offer connect_to_echo(void)
{
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    CHECK(vmbus_offer_at(0, &o) && vmbus_guid_equal(&o.class_id, &echo_class), "echo offered first");
    return o;
}

static struct hvsim_vmbus_counters host_counters(void)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    return c;
}

static void test_negotiates_the_highest_with_hyperv(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.max_version = VMBUS_VERSION_COPPER;
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_COPPER);
    CHECK_EQ(vmbus_message_connection_id(), VMBUS_CONNID_MULTICLIENT);
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_INITIATE_CONTACT], 1);
    shutdown();

    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.max_version = VMBUS_VERSION_WIN10_V5_3;
    vc.msg_conn_id = 0x77;   /* the host names another port for later messages */
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10_V5_3);
    CHECK_EQ(vmbus_message_connection_id(), 0x77);
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_REQUESTOFFERS], 1);   /* arrived on 0x77 */
    shutdown();
}

static void test_qemu_refuses_port_4_and_stops_at_4_0(void)
{
    boot_default(HVSIM_VMBUS_QEMU);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10);
    CHECK_EQ(vmbus_message_connection_id(), VMBUS_CONNID_MESSAGE);
    CHECK_EQ(vmbus_offer_count(), 2);
    shutdown();
}

static void test_guest_limit_and_old_hosts(void)
{
    struct vmbus_connect_options opt = { VMBUS_VERSION_WIN10, 0 };
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(&opt), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10);
    CHECK_EQ(vmbus_message_connection_id(), VMBUS_CONNID_MESSAGE);   /* below 5.0: always 1 */
    shutdown();

    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.max_version = VMBUS_VERSION_WIN8;   /* Windows Server 2012 */
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN8);
    shutdown();

    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.versions[0] = VMBUS_VERSION_WIN7;   /* only a version we do not speak */
    vc.version_count = 1;
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_E_REFUSED);
    CHECK(!vmbus_connected(), "not connected");
    shutdown();
}

static void test_no_answer_is_a_timeout_not_a_hang(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.faults.ignore_request_offers = true;
    boot(&vc);
    uint64_t t0 = platform_time_ns();
    struct vmbus_connect_options opt = { 0, 200 };
    CHECK_EQ(vmbus_connect(&opt), VMBUS_E_TIMEOUT);
    CHECK(platform_time_ns() - t0 >= 200000000ull, "waited the timeout");
    shutdown();
}

static void test_offers_listed_with_their_fields(void)
{
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_offer_count(), 2);
    struct vmbus_offer o;
    CHECK(vmbus_offer_at(0, &o), "first offer");
    CHECK(vmbus_guid_equal(&o.class_id, &echo_class), "echo class");
    struct hvsim_vmbus_channel_info info;
    CHECK(hvsim_vmbus_channel(host, o.relid, &info), "host knows relid %u", o.relid);
    CHECK_EQ(o.connection_id, info.connection_id);
    CHECK(memcmp(&o.instance_id, info.instance_id.bytes, 16) == 0, "instance GUID");
    CHECK(vmbus_offer_at(1, &o) && vmbus_guid_equal(&o.class_id, &sink_class), "sink second");
    CHECK(!vmbus_offer_at(2, &o), "no third");

    /* A late offer, then a rescind. */
    struct hvsim_vmbus_device late = { .model = HVSIM_VMBUS_SINK };
    uint32_t relid = hvsim_vmbus_offer(host, &late);
    CHECK(relid != 0, "late offer");
    CHECK_EQ(vmbus_offer_count(), 3);
    CHECK_EQ(hvsim_vmbus_rescind(host, relid), 0);
    CHECK_EQ(vmbus_offer_count(), 2);
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_RELID_RELEASED], 1);
    shutdown();
}

static void test_gpadls_at_message_boundaries(void)
{
    struct vmbus_offer o = connect_to_echo();
    const uint32_t sizes[] = { 1, 26, 27, 54, 55, 8190 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint64_t gpa;
        uint64_t before = hosted_pages_in_use();
        void *pages = platform_pages_alloc(sizes[i], &gpa);
        CHECK(pages != NULL, "%u pages allocated", sizes[i]);
        if (pages == NULL)
            continue;
        uint32_t handle = 0;
        CHECK_EQ(vmbus_gpadl_create(o.relid, pages, sizes[i], &handle, 1000), VMBUS_OK);
        struct hvsim_vmbus_gpadl_info g;
        CHECK(hvsim_vmbus_gpadl_at(host, 0, &g) && g.handle == handle && g.page_count == sizes[i] && g.created,
              "host sees a %u-page GPADL", sizes[i]);
        CHECK_EQ(vmbus_gpadl_teardown(o.relid, handle, 1000), VMBUS_OK);
        CHECK_EQ(hvsim_vmbus_gpadl_count(host), 0);
        platform_pages_free(pages, sizes[i]);
        CHECK_EQ(hosted_pages_in_use(), before);
    }
    uint64_t gpa;
    void *page = platform_pages_alloc(1, &gpa);
    uint32_t h;
    CHECK_EQ(vmbus_gpadl_create(o.relid, page, 0, &h, 1000), VMBUS_E_INVALID);
    CHECK_EQ(vmbus_gpadl_create(o.relid, page, 8191, &h, 1000), VMBUS_E_INVALID);
    CHECK_EQ(vmbus_gpadl_create(o.relid, (char *)page + 8, 1, &h, 1000), VMBUS_E_INVALID);
    platform_pages_free(page, 1);
    shutdown();
}

struct echo_state {
    int readable_calls;
};

static void on_readable(struct vmbus_channel *ch, void *ctx)
{
    (void)ch;
    ((struct echo_state *)ctx)->readable_calls++;
}

static void test_channel_echo_across_wraparound(void)
{
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    CHECK_EQ(vmbus_wait_offer(&echo_class, NULL, 0, &o), VMBUS_OK);
    static struct vmbus_channel ch;
    struct echo_state st = { 0 };
    uint64_t before = hosted_pages_in_use();
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, on_readable, &st, 1000), VMBUS_OK);
    struct hvsim_vmbus_channel_info info;
    CHECK(hvsim_vmbus_channel(host, o.relid, &info) && info.state == HVSIM_CHAN_OPEN, "host: open");

    /* 1000 packets of varying size through 4 KiB rings: many wrap-arounds. */
    int mismatches = 0, received = 0;
    uint8_t out[600], in[700];
    for (int i = 0; i < 1000; i++) {
        uint32_t len = 8 + (uint32_t)(i * 37) % 500;
        for (uint32_t b = 0; b < len; b++)
            out[b] = (uint8_t)(i + b);
        struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, (uint64_t)i + 1, NULL, 0, out, len };
        CHECK_EQ(vmbus_channel_send(&ch, &p), VMBUS_OK);
        struct vmbus_packet pkt;
        enum vmbus_ring_result why;
        if (vmbus_channel_recv(&ch, in, sizeof(in), &pkt, &why) == VMBUS_OK) {
            received++;
            if (pkt.transaction_id != (uint64_t)i + 1 || pkt.payload_len < len || memcmp(pkt.payload, out, len) != 0)
                mismatches++;
        }
    }
    CHECK_EQ(received, 1000);
    CHECK_EQ(mismatches, 0);
    CHECK(st.readable_calls > 0, "host signals reached the channel");
    CHECK(ch.signals_sent <= 1000, "signals: %llu", (unsigned long long)ch.signals_sent);

    CHECK_EQ(vmbus_channel_close(&ch, 1000), VMBUS_OK);
    CHECK(hvsim_vmbus_channel(host, o.relid, &info) && info.state == HVSIM_CHAN_CLOSED, "host: closed");
    CHECK_EQ(hosted_pages_in_use(), before);   /* ring pages back after TORNDOWN */
    shutdown();
}

static void test_open_refused_and_ignored(void)
{
    struct vmbus_offer o = connect_to_echo();
    static struct vmbus_channel ch;
    uint64_t before = hosted_pages_in_use();
    struct hvsim_vmbus_faults f = { .refuse_open = true };
    hvsim_vmbus_set_faults(host, &f);
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 500), VMBUS_E_REFUSED);
    CHECK_EQ(hosted_pages_in_use(), before);   /* GPADL torn down, pages back */

    /* A host that never confirms the GPADL: the pages must stay out of reach. */
    f = (struct hvsim_vmbus_faults){ .ignore_gpadl = true };
    hvsim_vmbus_set_faults(host, &f);
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 200), VMBUS_E_TIMEOUT);
    CHECK(hosted_pages_in_use() > before, "pages the host may hold are not freed");
    shutdown();
}

static void test_pages_stay_until_the_host_lets_go(void)
{
    struct vmbus_offer o = connect_to_echo();
    static struct vmbus_channel ch;
    uint64_t before = hosted_pages_in_use();
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
    uint64_t open = hosted_pages_in_use();
    struct hvsim_vmbus_faults f = { .ignore_gpadl_teardown = true };
    hvsim_vmbus_set_faults(host, &f);
    CHECK_EQ(vmbus_channel_close(&ch, 200), VMBUS_E_TIMEOUT);
    CHECK_EQ(hosted_pages_in_use(), open);   /* the ring pages are still the host's */
    CHECK(open > before, "the ring took pages");

    /* A GPADL made through the API: the same when its teardown goes unanswered. */
    uint64_t gpa;
    void *pages = platform_pages_alloc(2, &gpa);
    uint32_t handle;
    f = (struct hvsim_vmbus_faults){ 0 };
    hvsim_vmbus_set_faults(host, &f);
    CHECK_EQ(vmbus_gpadl_create(o.relid, pages, 2, &handle, 1000), VMBUS_OK);
    f.ignore_gpadl_teardown = true;
    hvsim_vmbus_set_faults(host, &f);
    CHECK_EQ(vmbus_gpadl_teardown(o.relid, handle, 200), VMBUS_E_TIMEOUT);
    shutdown();
}

static void test_rescind_of_an_open_channel(void)
{
    struct vmbus_offer o = connect_to_echo();
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
    CHECK_EQ(hvsim_vmbus_rescind(host, o.relid), 0);
    CHECK(vmbus_channel_rescinded(&ch), "channel knows");
    uint8_t b[8] = { 0 };
    struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, 1, NULL, 0, b, 8 };
    CHECK_EQ(vmbus_channel_send(&ch, &p), VMBUS_E_RESCINDED);
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_RELID_RELEASED], 0);   /* not before the close */
    CHECK_EQ(vmbus_channel_close(&ch, 1000), VMBUS_OK);
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_RELID_RELEASED], 1);
    shutdown();
}

static void test_unload_on_disconnect(void)
{
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    hosted_run_shutdown_hooks();   /* as at power-off */
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_UNLOAD], 1);
    CHECK_EQ(host_counters().msgs_out[VMBUS_MSG_UNLOAD_RESPONSE], 1);
    CHECK(!vmbus_connected(), "disconnected");
    shutdown();
}

/* ---- rescinds racing requests ---- */

static uint32_t rescind_relid;

static void rescind_now(void *ctx, struct hvsim *sim)
{
    (void)ctx;
    (void)sim;
    hvsim_vmbus_rescind(host, rescind_relid);
}

static void test_rescind_before_during_open_and_gpadl(void)
{
    struct vmbus_offer o = connect_to_echo();
    static struct vmbus_channel ch;

    /* During the open: the host never answers, then takes the offer back. */
    struct hvsim_vmbus_faults f = { .ignore_open = true };
    hvsim_vmbus_set_faults(host, &f);
    rescind_relid = o.relid;
    hvsim_call_at(hosted_sim(), platform_time_ns() + 50000000, rescind_now, NULL);
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 5000), VMBUS_E_RESCINDED);
    CHECK(platform_time_ns() - t0 < 1000000000ull, "ended by the rescind, not the timeout");
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_RELID_RELEASED], 1);
    CHECK(vmbus_wait_offer(&echo_class, NULL, 0, &o) == VMBUS_E_TIMEOUT, "offer gone");

    /* Before the open: a rescinded offer is no longer listed; a stale copy fails. */
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 200) != VMBUS_OK, 1);

    /* During GPADL creation. */
    struct hvsim_vmbus_device again = { .model = HVSIM_VMBUS_ECHO };
    uint32_t relid = hvsim_vmbus_offer(host, &again);
    CHECK(relid != 0 && vmbus_wait_offer(&echo_class, NULL, 100, &o) == VMBUS_OK, "a new echo offer");
    f = (struct hvsim_vmbus_faults){ .ignore_gpadl = true };
    hvsim_vmbus_set_faults(host, &f);
    rescind_relid = relid;
    hvsim_call_at(hosted_sim(), platform_time_ns() + 50000000, rescind_now, NULL);
    uint64_t gpa;
    void *page = platform_pages_alloc(1, &gpa);
    uint32_t handle;
    CHECK_EQ(vmbus_gpadl_create(relid, page, 1, &handle, 5000), VMBUS_E_RESCINDED);
    shutdown();
}

/* ---- a full ring ---- */

static void test_full_ring_waits_for_room(void)
{
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    CHECK_EQ(vmbus_wait_offer(&echo_class, NULL, 0, &o), VMBUS_OK);
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);

    /* Never reading: the echoes fill our incoming ring, then the host stops
     * reading ours, and ours fills too. */
    uint8_t payload[200] = { 0 };
    struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, 1, NULL, 0, payload, sizeof(payload) };
    int sent = 0, status = VMBUS_OK;
    while (sent < 1000 && (status = vmbus_channel_send(&ch, &p)) == VMBUS_OK)
        sent++;
    CHECK_EQ(status, VMBUS_E_BUSY);
    CHECK(sent > 10 && sent < 100, "%d packets before both rings were full", sent);

    /* Reading makes room; the host, woken by pending_send_size, moves on. */
    uint8_t buf[512];
    struct vmbus_packet pkt;
    enum vmbus_ring_result why;
    int received = 0;
    for (int round = 0; round < 100 && received < sent + 20; round++) {
        while (vmbus_channel_recv(&ch, buf, sizeof(buf), &pkt, &why) == VMBUS_OK)
            received++;
        if (vmbus_channel_send(&ch, &p) == VMBUS_OK)
            sent++;
    }
    CHECK(received >= sent - 40 && sent > 30, "flow resumed: %d sent, %d received", sent, received);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(host, o.relid, &info);
    CHECK_EQ(info.signals_from_guest, ch.signals_sent);
    CHECK(ch.signals_sent < (uint64_t)sent + received, "%llu signals for %d sends and %d reads",
          (unsigned long long)ch.signals_sent, sent, received);
    vmbus_channel_close(&ch, 1000);
    shutdown();
}

/* ---- garbage from the host ---- */

static void test_malformed_control_messages_are_rejected(void)
{
    boot_default(HVSIM_VMBUS_HYPERV);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_counters before, after;
    vmbus_get_counters(&before);
    uint8_t msg[240] = { 0 };
    msg[0] = VMBUS_MSG_OFFERCHANNEL;   /* an offer cut short */
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, 100);
    msg[0] = 99;                       /* no such type */
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, 16);
    msg[0] = VMBUS_MSG_OFFERCHANNEL;   /* relid 0 and 4000: out of range */
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, 196);
    uint32_t bad = 4000;
    memcpy(msg + 184, &bad, 4);
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, 196);
    msg[0] = VMBUS_MSG_GPADL_CREATED;  /* a reply nobody asked for */
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, 20);
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 7, msg, 20);   /* not a VMBus message type */
    vmbus_get_counters(&after);
    CHECK_EQ(after.messages_rejected - before.messages_rejected, 4);
    CHECK_EQ(vmbus_offer_count(), 2);   /* the bad offers were not kept */
    shutdown();
}

/* The sizes connection.c's dispatch table accepts (it was a switch in
 * vmbus_msgs.h; the numbers are the reference's). */
static void test_minimum_receive_sizes(void)
{
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_OFFERCHANNEL, VMBUS_VERSION_WS2008), 190);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_OFFERCHANNEL, VMBUS_VERSION_WIN7), 196);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_OFFERCHANNEL, VMBUS_VERSION_COPPER), 196);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_VERSION_RESPONSE, VMBUS_VERSION_COPPER), 16);
    CHECK_EQ(VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_V6, 20);
    CHECK_EQ(VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_MONITOR, 40);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_RESCIND_CHANNELOFFER, 0), 12);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_ALLOFFERS_DELIVERED, 0), 8);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_OPENCHANNEL_RESULT, 0), 20);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_GPADL_CREATED, 0), 20);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_GPADL_TORNDOWN, 0), 12);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_UNLOAD_RESPONSE, 0), 8);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_TL_CONNECT_RESULT, 0), 44);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_MODIFYCHANNEL_RESPONSE, 0), 16);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_MODIFY_CONNECTION_RESPONSE, 0), 9);
    /* Guest->host or unknown types are never accepted from the host. */
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_OPENCHANNEL, 0), 0);
    CHECK_EQ(vmbus_msg_min_size(VMBUS_MSG_GPADL_HEADER, 0), 0);
    CHECK_EQ(vmbus_msg_min_size(0, 0), 0);
    CHECK_EQ(vmbus_msg_min_size(1000, 0), 0);
}

int main(void)
{
    RUN_TEST(test_negotiates_the_highest_with_hyperv);
    RUN_TEST(test_qemu_refuses_port_4_and_stops_at_4_0);
    RUN_TEST(test_guest_limit_and_old_hosts);
    RUN_TEST(test_no_answer_is_a_timeout_not_a_hang);
    RUN_TEST(test_offers_listed_with_their_fields);
    RUN_TEST(test_gpadls_at_message_boundaries);
    RUN_TEST(test_channel_echo_across_wraparound);
    RUN_TEST(test_open_refused_and_ignored);
    RUN_TEST(test_pages_stay_until_the_host_lets_go);
    RUN_TEST(test_rescind_of_an_open_channel);
    RUN_TEST(test_unload_on_disconnect);
    RUN_TEST(test_rescind_before_during_open_and_gpadl);
    RUN_TEST(test_full_ring_waits_for_room);
    RUN_TEST(test_malformed_control_messages_are_rejected);
    RUN_TEST(test_minimum_receive_sizes);
    return check_summary();
}
