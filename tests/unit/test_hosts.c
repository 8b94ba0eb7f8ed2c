/* What real hosts do that a guest must survive (issue 14), each played by
 * one of hvsim's flavour switches against the guest's own vmbus/ code:
 * QEMU's host writes no ring trailers; a busy Hyper-V host drops messages
 * and refuses posts for seconds; a 6.0 host that wants a client id; a host
 * slow to answer UNLOAD; the Gen2 firmware's connection before ours. The
 * switches are documented in docs/hvsim.md with where each fact is from. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "arch/platform.h"
#include "vmbus/vmbus.h"

static struct hvsim_vmbus *host;
static const struct vmbus_guid echo_class = FIXTURE_CLASS_ECHO;
static const struct hvsim_vmbus_device echo_only[] = { { .model = HVSIM_VMBUS_ECHO } };

static void boot(struct hvsim_vmbus_config *vc)
{
    vc->devices = echo_only;
    vc->device_count = 1;
    host = fixture_start_config(vc, 0);
    CHECK(host != NULL, "VMBus host created");
}

static struct hvsim_vmbus_counters host_counters(void)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    return c;
}

/* n echo round trips of growing size; returns how many came back intact. */
static int echo_n(struct vmbus_channel *ch, int n)
{
    int good = 0;
    uint8_t out[200], in[300];
    for (int i = 0; i < n; i++) {
        uint32_t len = 8 + (uint32_t)i * 8;
        memset(out, i + 1, len);
        struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, (uint64_t)i + 1, NULL, 0, out, len };
        if (vmbus_channel_send(ch, &p) != VMBUS_OK)
            continue;
        struct vmbus_packet pkt;
        enum vmbus_ring_result why;
        if (vmbus_channel_recv(ch, in, sizeof(in), &pkt, &why) == VMBUS_OK && pkt.transaction_id == (uint64_t)i + 1 &&
            pkt.payload_len >= len && memcmp(pkt.payload, out, len) == 0)
            good++;
    }
    return good;
}

/* QEMU seeks past each packet's trailer without writing it: the guest's
 * reader must count the mismatch, not stop the channel (reference section
 * 7; issue 14). */
static void test_qemu_host_writes_no_trailers(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_QEMU);
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10);
    struct vmbus_offer o;
    CHECK_EQ(vmbus_wait_offer(&echo_class, NULL, 0, &o), VMBUS_OK);
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
    CHECK_EQ(echo_n(&ch, 20), 20);
    CHECK(ch.in.trailer_mismatches >= 19, "trailers QEMU never wrote were counted: %llu",
          (unsigned long long)ch.in.trailer_mismatches);
    CHECK_EQ(vmbus_channel_close(&ch, 1000), VMBUS_OK);
    fixture_stop(host);
}

/* A busy Hyper-V host takes the 6.0 INITIATE_CONTACT and never answers it:
 * the guest times out and goes on to 5.3 instead of giving up. */
static void test_dropped_contact_moves_to_the_next_version(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.max_version = VMBUS_VERSION_COPPER;
    vc.faults.drop_posts = 1;
    boot(&vc);
    struct vmbus_connect_options opt = { 0, 300 };
    CHECK_EQ(vmbus_connect(&opt), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10_V5_3);
    CHECK_EQ(host_counters().posts_dropped_busy, 1);
    CHECK_EQ(host_counters().msgs_in[VMBUS_MSG_INITIATE_CONTACT], 1);   /* the 5.3 one */
    fixture_stop(host);
}

/* INSUFFICIENT_BUFFERS for 5 s: the guest rides it out (a bounded budget
 * of about 22 s) instead of failing after a few milliseconds. */
static void test_buffer_storm_of_seconds(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.faults.busy_storm_ns = 5000000000ull;
    boot(&vc);
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK(platform_time_ns() - t0 >= 5000000000ull, "connected after the storm");
    CHECK(host_counters().posts_refused_busy >= 20, "refusals: %llu",
          (unsigned long long)host_counters().posts_refused_busy);
    fixture_stop(host);
}

/* 6.0 with a host that requires the client id: the guest sends the 56-byte
 * INITIATE_CONTACT with feature 0x8 and its id, and gets 6.0. */
static void test_6_0_with_a_client_id(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.max_version = VMBUS_VERSION_COPPER;
    vc.require_client_id = true;
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_COPPER);
    struct hvsim_guid id;
    CHECK(hvsim_vmbus_client_id(host, &id), "the host got a client id");
    CHECK_EQ(id.bytes[0], 0x74);   /* "hvrt" little-endian in data1 */
    CHECK_EQ(hvsim_vmbus_error_count(host, "INITIATE_CONTACT neither 40 nor 56 bytes"), 0);
    CHECK_EQ(host_counters().protocol_errors, 0);
    fixture_stop(host);
}

/* UNLOAD unanswered: the guest waits 5 s, as Linux does, then goes on. */
static void test_unload_waits_five_seconds(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.faults.ignore_unload = true;
    boot(&vc);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    uint64_t t0 = platform_time_ns();
    vmbus_disconnect();
    uint64_t took = platform_time_ns() - t0;
    CHECK(took >= 5000000000ull && took < 5300000000ull, "UNLOAD waited %llu ms", (unsigned long long)(took / 1000000));
    CHECK(!vmbus_connected(), "disconnected anyway");
    fixture_stop(host);
}

/* The Gen2 firmware negotiated 6.0 (or 3.0), took the offers and sent
 * UNLOAD before ExitBootServices: the guest starts from a clean
 * INITIATE_CONTACT and gets its own version and offers. */
static void test_after_the_firmware_connection(void)
{
    static const uint32_t firmware[] = { VMBUS_VERSION_COPPER, VMBUS_VERSION_WIN8_1 };
    for (int i = 0; i < 2; i++) {
        struct hvsim_vmbus_config vc;
        hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
        vc.max_version = VMBUS_VERSION_COPPER;
        vc.firmware_version = firmware[i];
        boot(&vc);
        CHECK_EQ(host_counters().firmware_unloads, 1);
        CHECK_EQ(hvsim_vmbus_conn_state(host), HVSIM_VMBUS_DISCONNECTED);
        CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
        CHECK_EQ(vmbus_version(), VMBUS_VERSION_COPPER);
        struct vmbus_offer o;
        CHECK_EQ(vmbus_wait_offer(&echo_class, NULL, 0, &o), VMBUS_OK);
        static struct vmbus_channel ch;
        CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
        CHECK_EQ(echo_n(&ch, 3), 3);
        CHECK_EQ(vmbus_channel_close(&ch, 1000), VMBUS_OK);
        CHECK_EQ(host_counters().protocol_errors, 0);
        fixture_stop(host);
    }
}

int main(void)
{
    RUN_TEST(test_qemu_host_writes_no_trailers);
    RUN_TEST(test_dropped_contact_moves_to_the_next_version);
    RUN_TEST(test_buffer_storm_of_seconds);
    RUN_TEST(test_6_0_with_a_client_id);
    RUN_TEST(test_unload_waits_five_seconds);
    RUN_TEST(test_after_the_firmware_connection);
    return check_summary();
}
