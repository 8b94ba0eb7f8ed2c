/* hv_sock in the guest: the service ids of vsock ports, the byte stream
 * over pipe packets, and TL_CONNECT_REQUEST against hvsim's hv_sock host
 * (tests/hvsim/dev_hvsock.h), whose answers (offers, refusals, silence)
 * depend on the negotiated VMBus version. */
#include <string.h>

#include <hvrt/hvsock.h>
#include <hvrt/runtime.h>
#include <hvrt/thread.h>
#include <hvrt/vmbus.h>

#include "drivers/hvsock/stream.h"
#include "tests/hosted/hosted.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_hvsock.h"
#include "tests/unit/check.h"
#include "vmbus/tl_connect.h"
#include "vmbus/vmbus.h"

/* ---- service ids ---- */

static void test_port_service_ids(void)
{
    GUID g;
    hvsock_port_service(5000, &g);
    static const uint8_t want[16] = { 0x88, 0x13, 0, 0, 0xcb, 0xfa, 0xe6, 0x11,
                                      0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3 };
    CHECK(memcmp(&g, want, 16) == 0, "port 5000's bytes (devices.md 3.2)");
    struct hvsim_guid host = hvsim_hvsock_port_service(5000);
    CHECK(memcmp(&g, host.bytes, 16) == 0, "the guest and hvsim agree");
    uint32_t port = 0;
    CHECK(hvsock_service_port(&g, &port), "a template GUID");
    CHECK_EQ(port, 5000);
    hvsock_port_service(0xFFFFFFFFu, &g);
    CHECK(hvsock_service_port(&g, &port) && port == 0xFFFFFFFFu, "every port");
    g.Data4[7] ^= 1;
    CHECK(!hvsock_service_port(&g, &port), "another GUID is no port");
}

/* ---- the byte stream ---- */

static int released[256], release_count;

static void release(void *ctx, void *token)
{
    (void)ctx;
    if (release_count < 256)
        released[release_count] = (int)(intptr_t)token;
    release_count++;
}

static void test_stream_partial_reads_release_in_order(void)
{
    struct hvsock_rx rx;
    hvsock_rx_init(&rx, release, NULL);
    release_count = 0;
    CHECK(hvsock_rx_push(&rx, (void *)1, "abcde", 5), "push 1");
    CHECK(hvsock_rx_push(&rx, (void *)2, "fgh", 3), "push 2");
    CHECK_EQ(hvsock_rx_available(&rx), 8);
    char buf[16] = { 0 };
    CHECK_EQ(hvsock_rx_read(&rx, buf, 3), 3);
    CHECK(memcmp(buf, "abc", 3) == 0, "first 3");
    CHECK_EQ(release_count, 0);   /* packet 1 is not finished */
    CHECK_EQ(hvsock_rx_available(&rx), 5);
    CHECK_EQ(hvsock_rx_read(&rx, buf, 4), 4);
    CHECK(memcmp(buf, "defg", 4) == 0, "across the packet boundary");
    CHECK_EQ(release_count, 1);
    CHECK_EQ(released[0], 1);
    CHECK(!hvsock_rx_eof(&rx), "no FIN yet");
    CHECK(hvsock_rx_push(&rx, (void *)3, NULL, 0), "the FIN");
    CHECK_EQ(release_count, 2);   /* the FIN is released at once */
    CHECK(!hvsock_rx_eof(&rx), "a byte is left before the end");
    CHECK_EQ(hvsock_rx_read(&rx, buf, 16), 1);
    CHECK_EQ(buf[0], 'h');
    CHECK(hvsock_rx_eof(&rx), "end of stream");
    CHECK_EQ(release_count, 3);
    CHECK_EQ(released[2], 2);
    CHECK(!hvsock_rx_push(&rx, (void *)4, "x", 1), "data after the FIN: refused");
    CHECK(!hvsock_rx_push(&rx, (void *)5, NULL, 0), "a second FIN: refused");
    CHECK_EQ(release_count, 5);   /* refused packets are released too */
    CHECK_EQ(hvsock_rx_read(&rx, buf, 16), 0);
}

static void test_stream_full_queue_and_drop(void)
{
    struct hvsock_rx rx;
    hvsock_rx_init(&rx, release, NULL);
    release_count = 0;
    static uint8_t data[HVSOCK_RX_SLOTS + 1];
    for (uint32_t i = 0; i < HVSOCK_RX_SLOTS; i++) {
        data[i] = (uint8_t)i;
        CHECK(hvsock_rx_push(&rx, (void *)(intptr_t)(i + 1), &data[i], 1), "push %u", i);
    }
    CHECK(!hvsock_rx_push(&rx, (void *)999, "z", 1), "a slot more than KMCL's quota: refused");
    CHECK_EQ(release_count, 1);
    /* Reading wraps the indices around the slots many times: nothing lost. */
    uint8_t b;
    for (uint32_t round = 0; round < 3 * HVSOCK_RX_SLOTS; round++) {
        CHECK_EQ(hvsock_rx_read(&rx, &b, 1), 1);
        CHECK_EQ(b, (uint8_t)(round % HVSOCK_RX_SLOTS));
        CHECK(hvsock_rx_push(&rx, (void *)7, &data[round % HVSOCK_RX_SLOTS], 1), "refill");
    }
    CHECK_EQ(hvsock_rx_available(&rx), HVSOCK_RX_SLOTS);
    hvsock_rx_drop(&rx);
    CHECK_EQ(hvsock_rx_available(&rx), 0);
    CHECK_EQ(release_count, 1 + 4 * HVSOCK_RX_SLOTS);
}

static void test_tx_cutting(void)
{
    CHECK_EQ(hvsock_tx_next(10000, 1u << 20), HVSOCK_TX_CHUNK);
    CHECK_EQ(hvsock_tx_next(100, 1u << 20), 100);
    CHECK_EQ(hvsock_tx_next(10000, 4000), 0);   /* wait for a whole chunk's room */
    CHECK_EQ(hvsock_tx_next(100, 100), 100);
    CHECK_EQ(hvsock_tx_next(0, 100), 0);
}

/* ---- TL_CONNECT_REQUEST against hvsim's host ---- */

static struct hvsim_vmbus *vb;
static struct hvsim_hvsock *hs;

static void start(uint32_t max_version)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.max_version = max_version;
    vc.type_delay_ns[VMBUS_MSG_TL_CONNECT_RESULT] = 1000000;   /* the host takes 1 ms to refuse */
    vb = fixture_start_config(&vc, 0);
    CHECK(vb != NULL, "fixture");
    struct hvsim_hvsock_config hc = { 0 };
    hs = hvsim_hvsock_create(hosted_sim(), vb, &hc);
    struct vmbus_connect_options o = { 0 };
    CHECK_EQ(vmbus_connect(&o), VMBUS_OK);
}

static void stop(void)
{
    fixture_stop(vb);
    hvsim_hvsock_destroy(hs);
}

static volatile int results;
static volatile NTSTATUS last_status;

static void on_result(PVOID ctx, NTSTATUS status)
{
    CHECK(ctx == (PVOID)&results, "the context comes back");
    CHECK(hvrt_thread_context() == HVRT_CONTEXT_DISPATCH, "results arrive at dispatch level");
    last_status = status;
    results++;
}

static void wait_ms(unsigned ms)
{
    for (unsigned i = 0; i < ms; i++)
        hvrt_sleep_us(1000);
}

static void test_tl_connect_offer_and_refusal(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    GUID ep, svc;
    hvsock_port_service(1024, &ep);
    hvsock_port_service(5000, &svc);
    struct hvsim_guid hsvc = hvsim_hvsock_port_service(5000);
    hvsim_hvsock_listen(hs, &hsvc);
    results = 0;
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc, on_result, (PVOID)&results), STATUS_SUCCESS);
    /* Accepted: the offer comes, type = service, instance = endpoint. */
    struct vmbus_offer o;
    CHECK_EQ(vmbus_wait_offer((const struct vmbus_guid *)&svc, (const struct vmbus_guid *)&ep, 1000, &o), VMBUS_OK);
    CHECK(o.flags & VMBUS_OFFER_FLAG_TLNPI_PROVIDER, "an hv_sock offer");
    struct vmbus_hvsock_offer_data ud;
    memcpy(&ud, o.user_data, sizeof(ud));
    CHECK_EQ(ud.pipe_mode, VMBUS_PIPE_MODE_BYTE);
    CHECK_EQ(ud.is_for_guest_accept, 0);
    HvrtTlConnectCancel(&ep, &svc);

    /* Nobody at port 5001: refused with a result (5.3 >= 4.1). */
    hvsock_port_service(5001, &svc);
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc, on_result, (PVOID)&results), STATUS_SUCCESS);
    wait_ms(5);
    CHECK_EQ(results, 1);
    CHECK_EQ(last_status, STATUS_CONNECTION_REFUSED);

    /* Cancelled before the answer: its callback never runs. */
    hvsock_port_service(1025, &ep);
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc, on_result, (PVOID)&results), STATUS_SUCCESS);
    HvrtTlConnectCancel(&ep, &svc);
    wait_ms(5);
    CHECK_EQ(results, 1);
    CHECK_EQ(vmbus_tl_results_unmatched(), 1);

    CHECK_EQ(HvrtTlConnectRequest(NULL, &svc, NULL, NULL), STATUS_INVALID_PARAMETER_1);
    CHECK_EQ(HvrtTlConnectRequest(&ep, NULL, NULL, NULL), STATUS_INVALID_PARAMETER_2);
    struct hvsim_hvsock_counters c;
    hvsim_hvsock_get_counters(hs, &c);
    CHECK_EQ(c.requests, 3);
    CHECK_EQ(c.protocol_errors, 0);
    stop();
}

/* 4.0 has the request but not the result: a refusal is silence. Below 4.0
 * there is no hv_sock. */
static void test_tl_connect_by_version(void)
{
    start(VMBUS_VERSION_WIN10);
    GUID ep, svc;
    hvsock_port_service(1024, &ep);
    hvsock_port_service(5001, &svc);
    results = 0;
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc, on_result, (PVOID)&results), STATUS_SUCCESS);
    wait_ms(5);
    CHECK_EQ(results, 0);
    struct hvsim_hvsock_counters c;
    hvsim_hvsock_get_counters(hs, &c);
    CHECK_EQ(c.refused, 1);
    CHECK_EQ(c.results_sent, 0);
    HvrtTlConnectCancel(&ep, &svc);
    stop();

    start(VMBUS_VERSION_WIN8_1);
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc, on_result, NULL), STATUS_NOT_SUPPORTED);
    stop();
}

/* More requests outstanding than the table holds. */
static void test_tl_connect_table_full(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    struct hvsim_hvsock_faults f = { .ignore_requests = true };
    hvsim_hvsock_set_faults(hs, &f);
    GUID ep, svc;
    hvsock_port_service(9, &svc);
    NTSTATUS st = STATUS_SUCCESS;
    uint32_t sent = 0;
    for (uint32_t i = 0; i < 100 && st == STATUS_SUCCESS; i++) {
        hvsock_port_service(1024 + i, &ep);
        st = HvrtTlConnectRequest(&ep, &svc, on_result, NULL);
        sent += st == STATUS_SUCCESS;
    }
    CHECK_EQ(sent, 64);
    CHECK_EQ(st, STATUS_INSUFFICIENT_RESOURCES);
    hvsock_port_service(1024, &ep);
    HvrtTlConnectCancel(&ep, &svc);
    hvsock_port_service(2000, &ep);
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc, on_result, NULL), STATUS_SUCCESS);   /* a slot freed */
    for (uint32_t i = 0; i < 1000; i++) {
        hvsock_port_service(1024 + i, &ep);
        HvrtTlConnectCancel(&ep, &svc);
    }
    stop();
}

/* The accept side's view of host-initiated offers. */
static void test_take_offer_and_presence(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    struct hvsim_guid h22 = hvsim_hvsock_port_service(22), h23 = hvsim_hvsock_port_service(23);
    uint32_t a = hvsim_hvsock_connect(hs, &h22), b = hvsim_hvsock_connect(hs, &h22);
    hvsim_hvsock_connect(hs, &h23);
    wait_ms(2);
    GUID svc, e1, e2, e3;
    hvsock_port_service(22, &svc);
    CHECK_EQ(HvrtHvSockTakeOffer(&svc, &e1), STATUS_SUCCESS);
    CHECK_EQ(HvrtHvSockTakeOffer(&svc, &e2), STATUS_SUCCESS);
    CHECK(memcmp(&e1, &e2, sizeof(GUID)) != 0, "two offers, two endpoints");
    CHECK_EQ(HvrtHvSockTakeOffer(&svc, &e3), STATUS_NO_SUCH_DEVICE);   /* each once; port 23's is not 22's */
    struct hvsim_hvsock_conn_info ia, ib;
    hvsim_hvsock_info(hs, a, &ia);
    hvsim_hvsock_info(hs, b, &ib);
    CHECK(memcmp(&e1, ia.endpoint.bytes, 16) == 0 && memcmp(&e2, ib.endpoint.bytes, 16) == 0, "the host's endpoints, in order");
    CHECK(HvrtHvSockOfferPresent(&svc, &e1), "live");
    hvsim_hvsock_abort(hs, a);
    wait_ms(2);
    CHECK(!HvrtHvSockOfferPresent(&svc, &e1), "gone after the rescind");
    CHECK(HvrtHvSockOfferPresent(&svc, &e2), "the other stays");
    /* A guest-initiated connection's offer is not one to accept. */
    GUID ep, svc5;
    hvsock_port_service(1024, &ep);
    hvsock_port_service(5000, &svc5);
    struct hvsim_guid h5 = hvsim_hvsock_port_service(5000);
    hvsim_hvsock_listen(hs, &h5);
    CHECK_EQ(HvrtTlConnectRequest(&ep, &svc5, NULL, NULL), STATUS_SUCCESS);
    wait_ms(2);
    CHECK(HvrtHvSockOfferPresent(&svc5, &ep), "offered");
    CHECK_EQ(HvrtHvSockTakeOffer(&svc5, &e3), STATUS_NO_SUCH_DEVICE);
    HvrtTlConnectCancel(&ep, &svc5);
    stop();
}

int main(void)
{
    RUN_TEST(test_port_service_ids);
    RUN_TEST(test_stream_partial_reads_release_in_order);
    RUN_TEST(test_stream_full_queue_and_drop);
    RUN_TEST(test_tx_cutting);
    RUN_TEST(test_tl_connect_offer_and_refusal);
    RUN_TEST(test_tl_connect_by_version);
    RUN_TEST(test_tl_connect_table_full);
    RUN_TEST(test_take_offer_and_presence);
    return check_summary();
}
