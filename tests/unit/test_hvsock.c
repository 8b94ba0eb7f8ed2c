/* hv_sock in the guest: the service ids of vsock ports, the byte stream
 * over pipe packets, and TL_CONNECT_REQUEST against hvsim's hv_sock host
 * (tests/hvsim/dev_hvsock.h), whose answers (offers, refusals, silence)
 * depend on the negotiated VMBus version. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/hvsock.h>
#include <hvrt/runtime.h>
#include <hvrt/thread.h>
#include <hvrt/vmbus.h>

#include "drivers/hvsock/stream.h"
#include "lib/thread.h"
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

/* ---- the socket API against the host ---- */

static uint32_t host_read_all(uint32_t id, uint8_t *buf, uint32_t want)
{
    uint32_t got = 0;
    for (int spins = 0; got < want && spins < 100000; spins++) {
        int n = hvsim_hvsock_read(hs, id, buf + got, want - got);
        if (n < 0)
            break;
        if (n == 0)
            hvrt_sleep_us(100);
        got += n > 0 ? (uint32_t)n : 0;
    }
    return got;
}

static struct hvsim_hvsock_conn_info host_info(uint32_t id)
{
    struct hvsim_hvsock_conn_info i;
    memset(&i, 0, sizeof(i));
    hvsim_hvsock_info(hs, id, &i);
    return i;
}

static void no_errors(void)
{
    struct hvsim_hvsock_counters c;
    hvsim_hvsock_get_counters(hs, &c);
    CHECK_EQ(c.protocol_errors, 0);
    if (c.protocol_errors)
        printf("    first: %s\n", hvsim_hvsock_first_error(hs));
    struct hvsim_vmbus_counters vc;
    hvsim_vmbus_get_counters(vb, &vc);
    CHECK_EQ(vc.protocol_errors, 0);
}

static void test_connect_echo_fin_close(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    struct hvsim_guid h = hvsim_hvsock_port_service(5000);
    hvsim_hvsock_listen(hs, &h);
    GUID svc;
    hvsock_port_service(5000, &svc);
    hvsock_t *s = hvsock_connect(&svc, 1000);
    CHECK(s != NULL, "connected (errno %d)", errno);
    if (!s) {
        stop();
        return;
    }
    uint32_t id = hvsim_hvsock_accept(hs, &h);
    CHECK(id != 0, "the host has it");
    GUID got_svc, ep;
    hvsock_ids(s, &got_svc, &ep);
    uint32_t port = 0;
    CHECK(hvsock_service_port(&ep, &port) && port >= 1024, "a local port from 1024: %u", port);
    CHECK(memcmp(&ep, host_info(id).endpoint.bytes, 16) == 0, "the host sees our endpoint");

    CHECK_EQ(hvsock_write(s, "hello", 5, 1000), 5);
    uint8_t buf[64] = { 0 };
    CHECK_EQ(host_read_all(id, buf, 5), 5);
    CHECK(memcmp(buf, "hello", 5) == 0, "host got hello");
    CHECK_EQ(hvsim_hvsock_write(hs, id, "world!", 6), 6);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(hvsock_read(s, buf, 3, 1000), 3);    /* a partial read of one packet */
    CHECK_EQ(hvsock_read(s, buf + 3, 64, 1000), 3);
    CHECK(memcmp(buf, "world!", 6) == 0, "guest got world!");
    CHECK_EQ(hvsock_read(s, buf, 64, 0), -1);
    CHECK_EQ(errno, ETIMEDOUT);

    CHECK_EQ(hvsock_shutdown(s), 0);
    CHECK_EQ(hvsock_write(s, "x", 1, 0), -1);
    CHECK_EQ(errno, EPIPE);
    hvrt_sleep_us(1000);
    CHECK(host_info(id).guest_fin, "host saw our FIN");
    hvsim_hvsock_shutdown(hs, id);
    CHECK_EQ(hvsock_read(s, buf, 64, 1000), 0);   /* the host's FIN */
    CHECK_EQ(hvsock_close(s), 0);
    hvrt_sleep_us(1000);
    CHECK_EQ(host_info(id).state, HVSIM_HVSOCK_GONE);
    CHECK(!host_info(id).guest_closed, "we closed after the rescind, not before");
    no_errors();
    stop();
}

static void test_connect_refused_timeout_unsupported(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    GUID svc;
    hvsock_port_service(6000, &svc);
    uint64_t t0 = hvrt_time_ns();
    CHECK(hvsock_connect(&svc, 5000) == NULL, "nobody listens");
    CHECK_EQ(errno, ECONNREFUSED);
    CHECK(hvrt_time_ns() - t0 < 100000000ull, "refused at once, not at the timeout");
    stop();

    start(VMBUS_VERSION_WIN10);
    t0 = hvrt_time_ns();
    CHECK(hvsock_connect(&svc, 300) == NULL, "4.0: no answer");
    CHECK_EQ(errno, ETIMEDOUT);
    CHECK(hvrt_time_ns() - t0 >= 300000000ull, "waited the whole timeout");
    stop();

    start(VMBUS_VERSION_WIN8_1);
    CHECK(hvsock_connect(&svc, 300) == NULL, "3.0: no hv_sock");
    CHECK_EQ(errno, ENOTSUP);
    stop();
}

static void test_listen_accept_host_close(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    GUID svc;
    hvsock_port_service(22, &svc);
    hvsock_t *l = hvsock_listen(&svc);
    CHECK(l != NULL, "listening");
    CHECK(hvsock_listen(&svc) == NULL && errno == EADDRINUSE, "once");
    CHECK(hvsock_accept(l, 0) == NULL && errno == ETIMEDOUT, "nobody yet");
    struct hvsim_guid h = hvsim_hvsock_port_service(22);
    uint32_t a = hvsim_hvsock_connect(hs, &h), b = hvsim_hvsock_connect(hs, &h);
    hvsock_t *sa = hvsock_accept(l, 1000), *sb = hvsock_accept(l, 1000);
    CHECK(sa != NULL && sb != NULL, "two accepted (errno %d)", errno);
    if (!sa || !sb) {
        stop();
        return;
    }
    CHECK_EQ(host_info(a).state, HVSIM_HVSOCK_OPEN);
    CHECK_EQ(host_info(b).state, HVSIM_HVSOCK_OPEN);
    hvsim_hvsock_write(hs, a, "to a", 4);
    hvsim_hvsock_write(hs, b, "to b", 4);
    char buf[8] = { 0 };
    CHECK_EQ(hvsock_read(sa, buf, sizeof(buf), 1000), 4);
    CHECK(memcmp(buf, "to a", 4) == 0, "a's bytes to a");
    CHECK_EQ(hvsock_read(sb, buf, sizeof(buf), 1000), 4);
    CHECK(memcmp(buf, "to b", 4) == 0, "b's bytes to b");

    /* The host goes away mid-stream (no FIN): the guest reads what came, then the end. */
    hvsim_hvsock_write(hs, a, "last", 4);
    hvsim_hvsock_abort(hs, a);
    CHECK_EQ(hvsock_read(sa, buf, sizeof(buf), 1000), 4);
    CHECK_EQ(hvsock_read(sa, buf, sizeof(buf), 1000), 0);
    CHECK_EQ(hvsock_write(sa, "x", 1, 1000), -1);
    CHECK_EQ(errno, EPIPE);
    CHECK_EQ(hvsock_close(sa), 0);
    /* The guest closes b first: FIN, the host's FIN, the rescind. */
    hvsim_hvsock_shutdown(hs, b);
    CHECK_EQ(hvsock_close(sb), 0);
    CHECK(host_info(b).guest_fin, "our FIN");
    CHECK_EQ(hvsock_close(l), 0);
    no_errors();
    stop();
}

/* KMCL opens asynchronously (docs/api.md): a connection whose channel the
 * host refuses to open, or never answers, fails clearly (EIO), not as the
 * silence of a host that never answered the request (ETIMEDOUT). */
static void test_open_refused_or_unanswered(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    struct hvsim_guid h = hvsim_hvsock_port_service(5000);
    hvsim_hvsock_listen(hs, &h);
    GUID svc;
    hvsock_port_service(5000, &svc);
    struct hvsim_vmbus_faults f = { .refuse_open = true };
    hvsim_vmbus_set_faults(vb, &f);
    uint64_t t0 = hvrt_time_ns();
    errno = 0;
    CHECK(hvsock_connect(&svc, 3000) == NULL, "the open was refused");
    CHECK_EQ(errno, EIO);
    CHECK(hvrt_time_ns() - t0 < 1000000000ull, "at the refusal, not at the timeout");

    /* The host offers a connection to a listener but refuses its open. */
    hvsock_port_service(22, &svc);
    hvsock_t *l = hvsock_listen(&svc);
    struct hvsim_guid h22 = hvsim_hvsock_port_service(22);
    CHECK(hvsim_hvsock_connect(hs, &h22) != 0, "host connect");
    errno = 0;
    CHECK(hvsock_accept(l, 1000) == NULL, "accept: the open was refused");
    CHECK_EQ(errno, EIO);

    /* The open is never answered: EIO at the connect's timeout. */
    f = (struct hvsim_vmbus_faults){ .ignore_open = true };
    hvsim_vmbus_set_faults(vb, &f);
    hvsock_port_service(5000, &svc);
    t0 = hvrt_time_ns();
    errno = 0;
    CHECK(hvsock_connect(&svc, 500) == NULL, "the open was not answered");
    CHECK_EQ(errno, EIO);
    CHECK(hvrt_time_ns() - t0 >= 500000000ull, "waited for it until the timeout");
    hvsock_close(l);
    stop();
}

/* The host rescinds a connection whose bytes the app has not read: KMCL's
 * close must not wait for that reader (it runs on the passive worker that
 * opens every other channel), and the reader still gets every byte. */
static hvsock_t *stuck;
static volatile bool accepted_b;

/* Should the close wait for a's reader after all, the accept below would
 * never end (the worker is held): this reader frees it after 2 s, so the
 * test fails instead of hanging. */
static void unstick(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000 && !accepted_b; i++)
        hvrt_sleep_us(1000);
    if (accepted_b)
        return;
    static uint8_t sink[4096];
    while (hvsock_read(stuck, sink, sizeof(sink), 100) > 0) {
    }
}

static void test_unread_bytes_survive_a_rescind(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    GUID svc;
    hvsock_port_service(23, &svc);
    hvsock_t *l = hvsock_listen(&svc);
    struct hvsim_guid h = hvsim_hvsock_port_service(23);
    uint32_t a = hvsim_hvsock_connect(hs, &h);
    hvsock_t *sa = hvsock_accept(l, 1000);
    CHECK(sa != NULL, "accepted a (errno %d)", errno);
    if (!sa) {
        stop();
        return;
    }
    static uint8_t big[3 * HVSOCK_TX_CHUNK];
    for (uint32_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(hvsim_hvsock_write(hs, a, big, sizeof(big)), (int)sizeof(big));
    wait_ms(5);   /* delivered into a's queue, held there */
    uint8_t first[100];
    CHECK_EQ(hvsock_read(sa, first, sizeof(first), 1000), (ssize_t)sizeof(first));   /* part of a packet */
    hvsim_hvsock_abort(hs, a);
    uint32_t b = hvsim_hvsock_connect(hs, &h);
    stuck = sa;
    accepted_b = false;
    struct thread *rescuer = thread_create("unstick", unstick, NULL, 0);
    uint64_t t0 = hvrt_time_ns();
    hvsock_t *sb = hvsock_accept(l, 3000);
    accepted_b = true;
    thread_join(rescuer);
    CHECK(sb != NULL, "b accepted while a's bytes wait (errno %d)", errno);
    CHECK(hvrt_time_ns() - t0 < 500000000ull, "at once: the worker was not held by a's reader");
    wait_ms(5);
    CHECK_EQ(host_info(a).state, HVSIM_HVSOCK_GONE);   /* a's relid released: its close did not wait */
    static uint8_t rest[sizeof(big)];
    uint32_t got = sizeof(first);
    memcpy(rest, first, sizeof(first));
    for (int i = 0; i < 100 && got < sizeof(big); i++) {
        ssize_t n = hvsock_read(sa, rest + got, sizeof(big) - got, 1000);
        if (n <= 0)
            break;
        got += (uint32_t)n;
    }
    CHECK_EQ(got, sizeof(big));
    CHECK(memcmp(rest, big, sizeof(big)) == 0, "every byte, in order");
    CHECK_EQ(hvsock_read(sa, rest, 16, 1000), 0);   /* then the end */
    CHECK_EQ(hvsock_close(sa), 0);
    if (sb) {
        hvsim_hvsock_shutdown(hs, b);
        CHECK_EQ(hvsock_close(sb), 0);
    }
    hvsock_close(l);
    no_errors();
    stop();
}

/* 1 MiB each way through 6-page rings, a 16 KiB host buffer and reads of odd sizes. */
static uint32_t sum_of(const uint8_t *p, uint32_t n)
{
    uint32_t a = 1, b = 0;
    for (uint32_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return b << 16 | a;
}

static void test_bulk_both_ways_checksummed(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vb = fixture_start_config(&vc, 0);
    struct hvsim_hvsock_config hc = { .buffer_bytes = 16384, .write_chunk = 16384 };
    hs = hvsim_hvsock_create(hosted_sim(), vb, &hc);
    struct hvsim_guid h = hvsim_hvsock_port_service(9);
    hvsim_hvsock_listen(hs, &h);
    GUID svc;
    hvsock_port_service(9, &svc);
    hvsock_t *s = hvsock_connect(&svc, 1000);
    CHECK(s != NULL, "connected");
    if (!s) {
        stop();
        return;
    }
    uint32_t id = hvsim_hvsock_accept(hs, &h);
    enum { TOTAL = 1 << 20 };
    static uint8_t src[TOTAL], dst[TOTAL];
    for (uint32_t i = 0; i < TOTAL; i++)
        src[i] = (uint8_t)(i * 2654435761u >> 13);
    uint32_t sent = 0, got = 0;
    for (int rounds = 0; got < TOTAL && rounds < 100000; rounds++) {
        if (sent < TOTAL) {
            ssize_t w = hvsock_write(s, src + sent, TOTAL - sent < 65536 ? TOTAL - sent : 65536, 0);
            sent += w > 0 ? (uint32_t)w : 0;
        }
        int r = hvsim_hvsock_read(hs, id, dst + got, 7777);
        got += r > 0 ? (uint32_t)r : 0;
        if (r <= 0)
            hvrt_sleep_us(10);
    }
    CHECK_EQ(got, TOTAL);
    CHECK_EQ(sum_of(dst, TOTAL), sum_of(src, TOTAL));
    CHECK_EQ(host_info(id).largest_guest_packet, HVSOCK_TX_CHUNK);

    memset(dst, 0, TOTAL);
    uint32_t wrote = 0;
    got = 0;
    for (int rounds = 0; got < TOTAL && rounds < 100000; rounds++) {
        if (wrote < TOTAL) {
            int w = hvsim_hvsock_write(hs, id, src + wrote, TOTAL - wrote);
            wrote += w > 0 ? (uint32_t)w : 0;
        }
        ssize_t r = hvsock_read(s, dst + got, 1000 + (rounds % 5000), 100);
        got += r > 0 ? (uint32_t)r : 0;
    }
    CHECK_EQ(got, TOTAL);
    CHECK_EQ(sum_of(dst, TOTAL), sum_of(src, TOTAL));
    CHECK(host_info(id).ring_full > 0, "the guest's ring filled on the way");
    hvsim_hvsock_shutdown(hs, id);
    CHECK_EQ(hvsock_close(s), 0);
    no_errors();
    stop();
}

/* 1 GiB each way (issue 18), checksummed as it streams: the bytes are a
 * function of their offset, and each side hashes what it sees in 8-byte
 * words aligned to the stream (however reads and writes cut it). */
#define GIB (1ull << 30)

struct stream_sum {
    uint64_t h, n, part;
    unsigned part_len;
};

static void mix(struct stream_sum *s, uint64_t w)
{
    s->h = (s->h ^ w) * 0x100000001b3ull;
    s->h ^= s->h >> 29;
}

static void sum_add(struct stream_sum *s, const uint8_t *p, size_t len)
{
    s->n += len;
    while (len > 0 && s->part_len > 0) {
        s->part |= (uint64_t)*p++ << (8 * s->part_len);
        len--;
        if (++s->part_len == 8) {
            mix(s, s->part);
            s->part = 0;
            s->part_len = 0;
        }
    }
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        mix(s, w);
    }
    while (len > 0) {
        s->part |= (uint64_t)*p++ << (8 * s->part_len++);
        len--;
    }
}

static uint64_t word_at(uint64_t i)   /* splitmix64 */
{
    uint64_t z = i * 0x9e3779b97f4a7c15ull + 0x1234567ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The stream's bytes [off, off + len), len <= 65536. */
static void gen(uint8_t *out, uint64_t off, uint32_t len)
{
    static uint64_t words[65536 / 8 + 2];
    uint64_t first = off / 8;
    uint32_t n = (uint32_t)((off % 8 + len + 7) / 8);
    for (uint32_t i = 0; i < n; i++)
        words[i] = word_at(first + i);
    memcpy(out, (uint8_t *)words + off % 8, len);
}

static struct stream_sum host_sum;
static void host_sink(void *ctx, const uint8_t *data, uint32_t len)
{
    (void)ctx;
    sum_add(&host_sum, data, len);
}

static void test_gib_each_way_checksummed(void)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vb = fixture_start_config(&vc, 0);
    struct hvsim_hvsock_config hc = { .write_chunk = 16384 };
    hs = hvsim_hvsock_create(hosted_sim(), vb, &hc);
    struct hvsim_guid h = hvsim_hvsock_port_service(10);
    hvsim_hvsock_listen(hs, &h);
    GUID svc;
    hvsock_port_service(10, &svc);
    hvsock_t *s = hvsock_connect(&svc, 1000);
    uint32_t id = hvsim_hvsock_accept(hs, &h);
    CHECK(s != NULL && id != 0, "connected");
    if (!s || !id) {
        stop();
        return;
    }
    static uint8_t buf[65536];
    struct stream_sum want = { 0 }, got = { 0 };

    /* Guest to host: writes of odd sizes up to 64 KiB, into the host's sink. */
    memset(&host_sum, 0, sizeof(host_sum));
    hvsim_hvsock_set_sink(hs, id, host_sink, NULL);
    uint64_t off = 0;
    while (off < GIB) {
        uint32_t n = (uint32_t)(GIB - off < 65536 - (off % 4099) ? GIB - off : 65536 - (off % 4099));
        gen(buf, off, n);
        sum_add(&want, buf, n);
        ssize_t w = hvsock_write(s, buf, n, 5000);
        if (w != (ssize_t)n) {
            CHECK(false, "write at %llu: %d (errno %d)", (unsigned long long)off, (int)w, errno);
            break;
        }
        off += n;
    }
    for (int i = 0; i < 1000 && host_sum.n < GIB; i++)
        hvrt_sleep_us(1000);
    CHECK_EQ(host_sum.n, GIB);
    CHECK(host_sum.h == want.h && host_sum.part == want.part, "the host's checksum is the guest's");
    hvsim_hvsock_set_sink(hs, id, NULL, NULL);

    /* Host to guest: the host writes as its buffer takes, the guest reads odd sizes. */
    memset(&want, 0, sizeof(want));
    uint64_t wrote = 0;
    static uint8_t in[65536];
    for (uint32_t round = 0; got.n < GIB; round++) {
        if (wrote < GIB) {
            uint32_t n = GIB - wrote < 65536 ? (uint32_t)(GIB - wrote) : 65536;
            gen(buf, wrote, n);
            int w = hvsim_hvsock_write(hs, id, buf, n);
            if (w > 0) {
                sum_add(&want, buf, (uint32_t)w);
                wrote += (uint32_t)w;
            }
        }
        ssize_t r = hvsock_read(s, in, 1 + (round * 7919) % sizeof(in), 5000);
        if (r <= 0) {
            CHECK(false, "read at %llu: %d (errno %d)", (unsigned long long)got.n, (int)r, errno);
            break;
        }
        sum_add(&got, in, (size_t)r);
    }
    CHECK_EQ(got.n, GIB);
    CHECK(got.h == want.h && got.part == want.part, "the guest's checksum is the host's");
    hvsim_hvsock_shutdown(hs, id);
    CHECK_EQ(hvsock_close(s), 0);
    no_errors();
    stop();
}

/* 100 connections at once, each way, from threads of the app. */
#define MANY 100
static hvsock_t *many[MANY];

static int echo_errors;

static void echo_one(void *arg)
{
    hvsock_t *s = arg;
    char buf[64];
    ssize_t n = hvsock_read(s, buf, sizeof(buf), 5000);
    if (n <= 0 || hvsock_write(s, buf, (size_t)n, 5000) != n) {
        printf("    echo: read %d, errno %d\n", (int)n, errno);
        echo_errors++;
    }
}

static void test_hundred_connections(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    struct hvsim_guid h = hvsim_hvsock_port_service(7);
    GUID svc;
    hvsock_port_service(7, &svc);
    hvsock_t *l = hvsock_listen(&svc);
    static uint32_t ids[MANY];
    for (int i = 0; i < MANY; i++)
        ids[i] = hvsim_hvsock_connect(hs, &h);
    int accepted = 0;
    for (int i = 0; i < MANY; i++)
        accepted += (many[i] = hvsock_accept(l, 2000)) != NULL;
    CHECK_EQ(accepted, MANY);
    /* The host speaks first on every connection; then a thread per
     * connection echoes what it reads. */
    for (int i = 0; i < MANY; i++) {
        char msg[16];
        int n = snprintf(msg, sizeof(msg), "conn %d", i);
        hvsim_hvsock_write(hs, ids[i], msg, (uint32_t)n);
    }
    /* hvrt's threads (glibc's would run beside hvrt's scheduler, not in it). */
    struct thread *t[MANY];
    for (int i = 0; i < MANY; i++)
        t[i] = thread_create("echo", echo_one, many[i], 0);
    for (int i = 0; i < MANY; i++)
        thread_join(t[i]);
    CHECK_EQ(echo_errors, 0);
    int ok = 0;
    for (int i = 0; i < MANY; i++) {
        char msg[16], back[16] = { 0 };
        int n = snprintf(msg, sizeof(msg), "conn %d", i);
        bool good = host_read_all(ids[i], (uint8_t *)back, (uint32_t)n) == (uint32_t)n && memcmp(msg, back, n) == 0;
        if (!good) {
            struct hvsim_hvsock_conn_info ci = host_info(ids[i]);
            printf("    conn %d: state %d, to guest %llu, from guest %llu, got '%s'\n", i, ci.state,
                   (unsigned long long)ci.bytes_to_guest, (unsigned long long)ci.bytes_from_guest, back);
        }
        ok += good;
    }
    CHECK_EQ(ok, MANY);
    for (int i = 0; i < MANY; i++)
        hvsim_hvsock_shutdown(hs, ids[i]);
    for (int i = 0; i < MANY; i++)
        hvsock_close(many[i]);
    hvsock_close(l);
    struct hvsim_hvsock_counters c;
    hvsim_hvsock_get_counters(hs, &c);
    CHECK_EQ(c.max_live, MANY);
    CHECK_EQ(c.live, 0);
    no_errors();
    stop();
}

/* ---- the app ---- */

static void test_app_send_to_host_echo(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    struct hvsim_guid h = hvsim_hvsock_port_service(5000);
    hvsim_hvsock_listen_echo(hs, &h);
    CHECK_EQ(hosted_run_app("hvsock-echo send 5000 hello-hv_sock"), 0);
    CHECK_EQ(hosted_run_app("hvsock-echo send 5001 nobody"), 1);
    CHECK_EQ(hosted_run_app("hvsock-echo send"), HVRT_EXIT_USAGE);
    CHECK_EQ(hosted_run_app("hvsock-echo send not-a-guid x"), HVRT_EXIT_USAGE);
    CHECK_EQ(hosted_run_app("hvsock-echo send 00001388-facb-11e6-bd58-64006a7986d3 by-guid"), 0);
    no_errors();
    stop();
}

static int serve_status;
static void serve_thread(void *arg)
{
    (void)arg;
    serve_status = hosted_run_app("hvsock-echo serve 22 2");
}

static void test_app_serves_host_connections(void)
{
    start(VMBUS_VERSION_WIN10_V5_3);
    serve_status = -1;
    struct thread *t = thread_create("serve", serve_thread, NULL, 256 * 1024);
    hvrt_sleep_us(1000);
    struct hvsim_guid h = hvsim_hvsock_port_service(22);
    uint32_t ids[2];
    for (int i = 0; i < 2; i++) {
        ids[i] = hvsim_hvsock_connect(hs, &h);
        CHECK(ids[i] != 0, "host connect");
        hvsim_hvsock_write(hs, ids[i], i ? "second" : "first!", 6);
        hvsim_hvsock_shutdown(hs, ids[i]);
    }
    thread_join(t);
    CHECK_EQ(serve_status, 0);
    for (int i = 0; i < 2; i++) {
        char buf[8] = { 0 };
        CHECK_EQ(host_read_all(ids[i], (uint8_t *)buf, 6), 6);
        CHECK(memcmp(buf, i ? "second" : "first!", 6) == 0, "echoed '%s'", buf);
        CHECK(host_info(ids[i]).guest_fin, "the app closed its side");
    }
    no_errors();
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
    RUN_TEST(test_connect_echo_fin_close);
    RUN_TEST(test_connect_refused_timeout_unsupported);
    RUN_TEST(test_listen_accept_host_close);
    RUN_TEST(test_open_refused_or_unanswered);
    RUN_TEST(test_unread_bytes_survive_a_rescind);
    RUN_TEST(test_bulk_both_ways_checksummed);
    RUN_TEST(test_gib_each_way_checksummed);
    RUN_TEST(test_hundred_connections);
    RUN_TEST(test_app_send_to_host_echo);
    RUN_TEST(test_app_serves_host_connections);
    return check_summary();
}
