/* lwIP on hvrt's threads (net/sys_arch.c), hosted: the tcpip thread, the
 * socket calls' waits and timeouts, over lwIP's loopback interface. No NIC
 * is involved: this proves the port, the NIC tests prove the netif. Time is
 * hvsim's virtual clock, so the timeouts below cost no real time.
 * (Hosted, lwIP's calls keep their lwip_ names: the C library of the test
 * process has its own socket().) */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/hosted.h"
#include "arch/platform.h"
#include "lib/thread.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include <hvrt/ipnet.h>

#define ECHO_PORT 7007
#define BULK_BYTES (1024 * 1024)

static uint8_t pattern_at(size_t i) { return (uint8_t)(i * 31 + (i >> 8)); }

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_len = sizeof(a);
    a.sin_family = AF_INET;
    a.sin_port = lwip_htons(port);
    a.sin_addr.s_addr = lwip_htonl(0x7f000001);
    return a;
}

/* ---- a TCP echo server on its own thread ---- */

static int listener = -1;
static volatile size_t echoed;

static void echo_server(void *arg)
{
    (void)arg;
    int c = lwip_accept(listener, NULL, NULL);
    if (c < 0)
        return;
    static uint8_t buf[8192];
    for (;;) {
        ssize_t n = lwip_recv(c, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = lwip_send(c, buf + off, (size_t)(n - off), 0);
            if (w <= 0)
                goto out;
            off += w;
        }
        echoed += (size_t)n;
    }
out:
    lwip_close(c);
}

static int listen_on(uint16_t port)
{
    int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    if (s < 0 || lwip_bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || lwip_listen(s, 4) != 0)
        return -1;
    return s;
}

/* The client sends 1 MiB and reads it back while it sends, so both
 * directions' windows fill and drain: every wait in sys_arch runs. */
static void test_tcp_echo_over_loopback(void)
{
    listener = listen_on(ECHO_PORT);
    CHECK(listener >= 0, "listen: errno %d", errno);
    echoed = 0;
    struct thread *server = thread_create("echo-server", echo_server, NULL, 0);
    CHECK(server != NULL, "no server thread");

    int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(ECHO_PORT);
    CHECK_EQ(lwip_connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
    static uint8_t out[BULK_BYTES], in[BULK_BYTES];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = pattern_at(i);
    size_t sent = 0, got = 0;
    while (got < sizeof(in)) {
        if (sent < sizeof(out)) {
            ssize_t w = lwip_send(s, out + sent, sizeof(out) - sent > 16384 ? 16384 : sizeof(out) - sent,
                                  MSG_DONTWAIT);
            if (w > 0)
                sent += (size_t)w;
        }
        ssize_t r = lwip_recv(s, in + got, sizeof(in) - got, sent < sizeof(out) ? MSG_DONTWAIT : 0);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0 || (errno != EWOULDBLOCK && errno != EAGAIN))
            break;
        else
            thread_yield();
    }
    CHECK_EQ(got, sizeof(in));
    CHECK(memcmp(in, out, sizeof(in)) == 0, "echoed bytes differ");
    lwip_close(s);
    thread_join(server);
    CHECK_EQ(echoed, BULK_BYTES);
    lwip_close(listener);
}

static void test_udp_datagram_over_loopback(void)
{
    int rx = lwip_socket(AF_INET, SOCK_DGRAM, 0), tx = lwip_socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = loopback(7008);
    CHECK_EQ(lwip_bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
    const char msg[] = "hello over udp";
    CHECK_EQ(lwip_sendto(tx, msg, sizeof(msg), 0, (struct sockaddr *)&a, sizeof(a)), (long)sizeof(msg));
    char buf[64] = "";
    CHECK_EQ(lwip_recv(rx, buf, sizeof(buf), 0), (long)sizeof(msg));
    CHECK(strcmp(buf, msg) == 0, "got '%s'", buf);
    lwip_close(rx);
    lwip_close(tx);
}

/* SO_RCVTIMEO and poll() time out in the runtime's clock (virtual here),
 * through sys_arch_sem_wait/sys_arch_mbox_fetch's timeouts. */
static void test_receive_timeout_and_poll_timeout(void)
{
    int s = lwip_socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = loopback(7009);
    CHECK_EQ(lwip_bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
    CHECK_EQ(lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    uint64_t start = platform_time_ns();
    char buf[8];
    CHECK_EQ(lwip_recv(s, buf, sizeof(buf), 0), -1);
    CHECK(errno == EWOULDBLOCK || errno == EAGAIN, "errno %d", errno);
    uint64_t waited_ms = (platform_time_ns() - start) / 1000000;
    CHECK(waited_ms >= 2000 && waited_ms < 2100, "waited %llu ms for a 2 s timeout", (unsigned long long)waited_ms);

    struct pollfd p = { .fd = s, .events = POLLIN };
    start = platform_time_ns();
    CHECK_EQ(lwip_poll(&p, 1, 500), 0);
    waited_ms = (platform_time_ns() - start) / 1000000;
    CHECK(waited_ms >= 500 && waited_ms < 600, "poll waited %llu ms for 500", (unsigned long long)waited_ms);
    lwip_close(s);
}

static void test_connect_to_closed_port_is_refused(void)
{
    int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(7010);
    CHECK_EQ(lwip_connect(s, (struct sockaddr *)&a, sizeof(a)), -1);
    CHECK(errno == ECONNREFUSED || errno == ECONNRESET, "errno %d", errno);
    lwip_close(s);
}

static void test_getaddrinfo_numeric_and_without_dns(void)
{
    struct addrinfo *res = NULL, hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
    CHECK_EQ(lwip_getaddrinfo("127.0.0.1", "80", &hints, &res), 0);
    CHECK(res != NULL && res->ai_family == AF_INET, "no result");
    if (res != NULL) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
        CHECK_EQ(lwip_ntohs(sin->sin_port), 80);
        CHECK_EQ(lwip_ntohl(sin->sin_addr.s_addr), 0x7f000001);
        lwip_freeaddrinfo(res);
    }
    /* No DNS server configured: a name fails with an error, not a hang. */
    res = NULL;
    CHECK(lwip_getaddrinfo("example.invalid", "80", &hints, &res) != 0, "resolved without a server");
}

static void test_interfaces_listed(void)
{
    struct hvrt_ipnet_info info;
    CHECK(hvrt_ipnet_interface(0, &info), "no interface 0");
    CHECK(strcmp(info.name, "lo0") == 0, "interface 0 is '%s'", info.name);
    CHECK_EQ(lwip_ntohl(info.address), 0x7f000001);
    CHECK(!hvrt_ipnet_interface(1, &info), "a second interface with no NIC");
}

static void run_all(void *arg)
{
    (void)arg;
    CHECK_EQ(hvrt_ipnet_start(), 0);
    CHECK(hvrt_ipnet_running(), "not running");
    CHECK_EQ(hvrt_ipnet_start(), 0);   /* again: nothing changes */
    RUN_TEST(test_interfaces_listed);
    RUN_TEST(test_tcp_echo_over_loopback);
    RUN_TEST(test_udp_datagram_over_loopback);
    RUN_TEST(test_receive_timeout_and_poll_timeout);
    RUN_TEST(test_connect_to_closed_port_is_refused);
    RUN_TEST(test_getaddrinfo_numeric_and_without_dns);
}

int main(void)
{
    if (hosted_start(NULL) != 0)
        return 1;
    threads_init();
    struct thread *t = thread_create("test", run_all, NULL, 256 * 1024);
    thread_join(t);
    return check_summary();
}
