/* lwIP over the synthetic NIC with real Linux peers: hvsim's netvsc host
 * on a TAP device in a network namespace this test creates (and deletes),
 * 10.77.0.1/24 on Linux's side, dnsmasq there for DHCP and DNS. The guest
 * runs the `net` service and must get a lease (with option 245, as Azure
 * sends it, unasked), resolve a name, answer Linux's ping, and echo 2 MiB
 * of TCP back to a Linux client intact; its wget fetches 1 MiB from
 * Python's http.server and its ping reaches Linux; the azure app reports
 * Ready to a fake WireServer (Python, at the option-245 address in the
 * namespace, never Azure's), also when the goal state comes in small
 * segments or the server is down at first, and writes a KVP report when
 * it only answers errors. The guest's clock follows real
 * time here (hosted_follow_real_time): its timers face a real peer. No
 * traffic leaves the namespace. Needs root, /dev/net/tun, ip, dnsmasq,
 * ping and python3: without them it says so and skips. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hvrt/ic.h>
#include <hvrt/ipnet.h>
#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/dev_netvsc.h"
#include "lib/thread.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"

#define ECHO_PORT 7007
#define ECHO_BYTES (2 << 20)

static char ns[32], tap[16], leases[64];
static char guest_ip[16];

static const char *why_skip(void)
{
    if (geteuid() != 0)
        return "not root";
    if (access("/dev/net/tun", R_OK | W_OK) != 0)
        return "no /dev/net/tun";
    if (system("ip netns list > /dev/null 2>&1") != 0)
        return "no ip netns (iproute2)";
    if (system("command -v dnsmasq > /dev/null 2>&1 || test -x /usr/sbin/dnsmasq") != 0)
        return "no dnsmasq (dnsmasq-base)";
    if (system("command -v ping > /dev/null && command -v python3 > /dev/null") != 0)
        return "no ping or python3";
    return NULL;
}

/* Runs a command (words split on blanks) without waiting: the guest lives
 * on this process's only OS thread, so it must keep running while Linux
 * talks to it. The child's pid, or -1. */
static pid_t spawn(const char *command)
{
    static char buf[1024];
    char *argv[48];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", command);
    for (char *w = strtok(buf, " "); w != NULL && argc < 47; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* The guest runs (in real time) until the child exits, at most
 * timeout_ms; its exit status, or -1 on timeout (it is killed). */
static int guest_runs_until_exit(pid_t pid, unsigned timeout_ms)
{
    for (unsigned t = 0; t < timeout_ms; t++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        hvrt_sleep_us(1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static int sh(const char *fmt, const char *a)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), fmt, ns, a);
    int rc = system(cmd);
    if (rc != 0)
        printf("    command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* No firmware here: not Azure, so the azure service stays off (the test
 * runs the azure app instead). */
const char *hvrt_chassis_asset_tag(void) { return NULL; }

extern const struct hvrt_option __start_hvrt_options[], __stop_hvrt_options[];

static int set_option(const char *name, const char *value)
{
    for (const struct hvrt_option *o = __start_hvrt_options; o < __stop_hvrt_options; o++)
        if (strcmp(o->name, name) == 0)
            return o->parse(value);
    return -2;
}

static int start_service(const char *name)
{
    for (unsigned i = 0; i < hvrt_service_count(); i++)
        if (strcmp(hvrt_service_at(i)->name, name) == 0)
            return hvrt_service_at(i)->start();
    return -2;
}

static void test_lease_from_dnsmasq(void)
{
    struct hvrt_ipnet_info info;
    CHECK_EQ(hvrt_ipnet_wait_address(20000, &info), 0);
    uint8_t a[4];
    memcpy(a, &info.address, 4);
    snprintf(guest_ip, sizeof(guest_ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    printf("    guest lease: %s\n", guest_ip);
    CHECK(a[0] == 10 && a[1] == 77 && a[2] == 0 && a[3] >= 50 && a[3] <= 99, "an address from the range: %s",
          guest_ip);
    CHECK_EQ(lwip_ntohl(info.netmask), 0xffffff00u);
    CHECK_EQ(lwip_ntohl(info.gateway), 0x0a4d0001u);
    CHECK_EQ(lwip_ntohl(info.dns[0]), 0x0a4d0001u);
    CHECK(info.dhcp, "configured by DHCP");
    CHECK_EQ(info.lease_seconds, 3600);
    CHECK_EQ(lwip_ntohl(info.wireserver), 0x0a4d00f5u);   /* option 245 as dnsmasq forced it */
}

static void test_name_resolves_through_dnsmasq(void)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = lwip_getaddrinfo("peer.hvrt.test", "80", &hints, &res);
    CHECK_EQ(rc, 0);
    if (rc == 0 && res != NULL) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
        CHECK_EQ(lwip_ntohl(sin->sin_addr.s_addr), 0x0a4d0001u);
        lwip_freeaddrinfo(res);
    }
}

static void test_linux_pings_the_guest(void)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "ip netns exec %s ping -c 3 -i 0.2 -W 2 %s", ns, guest_ip);
    CHECK_EQ(guest_runs_until_exit(spawn(cmd), 15000), 0);
}

/* ---- TCP: the guest echoes, a Linux client checks every byte ---- */

static int listener = -1;
static volatile size_t echoed;

static void echo_server(void *arg)
{
    (void)arg;
    int c = lwip_accept(listener, NULL, NULL);
    if (c < 0)
        return;
    static uint8_t buf[16384];
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

/* Sends random bytes while reading the echo; exits 0 only when every byte
 * came back in order. */
static const char echo_client[] =
    "import os,socket,sys,threading\n"
    "n=int(sys.argv[3]);data=os.urandom(n)\n"
    "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=30)\n"
    "def tx():\n"
    "    s.sendall(data);s.shutdown(socket.SHUT_WR)\n"
    "t=threading.Thread(target=tx);t.start();got=bytearray()\n"
    "while True:\n"
    "    b=s.recv(65536)\n"
    "    if not b: break\n"
    "    got+=b\n"
    "t.join();sys.exit(0 if bytes(got)==data else 1)\n";

static void test_tcp_echo_to_a_linux_client(void)
{
    listener = lwip_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_len = sizeof(a), .sin_family = AF_INET, .sin_port = lwip_htons(ECHO_PORT) };
    CHECK(listener >= 0 && lwip_bind(listener, (struct sockaddr *)&a, sizeof(a)) == 0 && lwip_listen(listener, 2) == 0,
          "listening on %d", ECHO_PORT);
    struct thread *server = thread_create("echo", echo_server, NULL, 0);
    char script[] = "/tmp/hvrt-echo-XXXXXX";
    int fd = mkstemp(script);
    CHECK(fd >= 0 && write(fd, echo_client, sizeof(echo_client) - 1) == (ssize_t)sizeof(echo_client) - 1, "script");
    close(fd);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "ip netns exec %s python3 %s %s %d %d", ns, script, guest_ip, ECHO_PORT, ECHO_BYTES);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(guest_runs_until_exit(spawn(cmd), 60000), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("    %d bytes each way in %.2f s (hosted, under ASan: not a benchmark)\n", ECHO_BYTES, s);
    CHECK_EQ(echoed, ECHO_BYTES);
    unlink(script);
    lwip_close(listener);
    thread_join(server);
}

/* ---- the apps: wget from Python's http.server, ping to Linux ---- */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Runs an app as the image's runner would; what it printed lands in out
 * (apps print through the test process's stdout here). */
static char out[8192];
static int run_app(const char *command)
{
    char name[] = "/tmp/hvrt-out-XXXXXX";
    int fd = mkstemp(name), saved = dup(1);
    fflush(stdout);
    dup2(fd, 1);
    int status = hosted_run_app(command);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    ssize_t n = pread(fd, out, sizeof(out) - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(name);
    fputs(out, stdout);
    return status;
}

/* 1 MiB of random bytes served by http.server in the namespace; the
 * guest's wget, by the name dnsmasq resolves, must report its length and
 * hash. The server may need a moment to listen: wget is tried again. */
static void test_wget_from_python_http_server(void)
{
    char dir[] = "/tmp/hvrt-www-XXXXXX", path[64], cmd[200], want[96];
    CHECK(mkdtemp(dir) != NULL, "temporary directory");
    snprintf(path, sizeof(path), "%s/blob", dir);
    static uint8_t blob[1 << 20];
    FILE *r = fopen("/dev/urandom", "rb"), *w = fopen(path, "wb");
    CHECK(r && w && fread(blob, 1, sizeof(blob), r) == sizeof(blob) && fwrite(blob, 1, sizeof(blob), w) == sizeof(blob),
          "the file to serve");
    if (r)
        fclose(r);
    if (w)
        fclose(w);
    snprintf(want, sizeof(want), "wget: HTTP 200, %zu bytes, fnv1a %016llx\n", sizeof(blob),
             (unsigned long long)fnv1a(blob, sizeof(blob)));
    snprintf(cmd, sizeof(cmd), "ip netns exec %s python3 -m http.server 8000 --bind 10.77.0.1 --directory %s", ns, dir);
    pid_t server = spawn(cmd);
    int status = -1;
    for (int tries = 0; tries < 20 && status != 0; tries++) {
        hvrt_sleep_us(250000);
        status = run_app("wget --hash http://peer.hvrt.test:8000/blob");
    }
    CHECK_EQ(status, 0);
    CHECK(strstr(out, want) != NULL, "wget said: %s", out);
    CHECK_EQ(run_app("wget http://10.77.0.1:8000/missing"), 1);   /* a 404 is a failure */
    CHECK(strstr(out, "wget: HTTP 404") != NULL, "wget said: %s", out);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    unlink(path);
    rmdir(dir);
}

static void test_guest_pings_linux(void)
{
    CHECK_EQ(run_app("ping -c 3 10.77.0.1"), 0);
    CHECK(strstr(out, "ping: 3 sent, 3 received") != NULL, "ping said: %s", out);
    CHECK_EQ(run_app("ping -c 1 10.77.0.200"), 1);   /* nobody there */
}

/* ---- Azure: the azure app against a fake WireServer ---- */

/* A WireServer stand-in on 10.77.0.245:80 (the address of DHCP option
 * 245): the goal state, the health report, each request noted as a JSON
 * line. Modes: ok; segments (the goal state in 7-byte TCP segments);
 * errors (every answer 500). argv: mode, log, seconds to wait first. */
static const char fake_wireserver[] =
    "import json,socket,sys,time\n"
    "from http.server import BaseHTTPRequestHandler,HTTPServer\n"
    "mode,log=sys.argv[1],sys.argv[2];time.sleep(float(sys.argv[3]))\n"
    "GS=(b'<?xml version=\"1.0\" encoding=\"utf-8\"?>\\n<GoalState xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">'\n"
    "    b'<Version>2012-11-30</Version><Incarnation>3</Incarnation><Machine><ExpectedState>Started</ExpectedState>'\n"
    "    b'</Machine><Container><ContainerId>4c8b2bd7-6b1c-4d2e-9a3b-0e1f2a3b4c5d</ContainerId><RoleInstanceList>'\n"
    "    b'<RoleInstance><InstanceId>4c8b2bd7-6b1c-4d2e-9a3b-0e1f2a3b4c5d._hvrt-vm</InstanceId><State>Started</State>'\n"
    "    b'</RoleInstance></RoleInstanceList></Container></GoalState>\\n')\n"
    "class H(BaseHTTPRequestHandler):\n"
    "    protocol_version='HTTP/1.1'\n"
    "    def note(self,body):\n"
    "        with open(log,'a') as f: f.write(json.dumps({'method':self.command,'path':self.path,'headers':{k.lower():v for k,v in self.headers.items()},'body':body})+'\\n')\n"
    "    def reply(self,code,body):\n"
    "        self.send_response(code);self.send_header('Content-Length',str(len(body)));self.send_header('Connection','close');self.end_headers()\n"
    "        if mode=='segments':\n"
    "            self.connection.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1)\n"
    "            for i in range(0,len(body),7): self.wfile.write(body[i:i+7]);self.wfile.flush();time.sleep(0.002)\n"
    "        else: self.wfile.write(body)\n"
    "    def do_GET(self):\n"
    "        self.note('')\n"
    "        self.reply(500 if mode=='errors' else 200 if self.path=='/machine/?comp=goalstate' else 404,GS if mode!='errors' else b'')\n"
    "    def do_POST(self):\n"
    "        body=self.rfile.read(int(self.headers.get('Content-Length','0'))).decode();self.note(body)\n"
    "        self.reply(200 if mode!='errors' and self.path=='/machine?comp=health' else 500,b'')\n"
    "    def log_message(self,*a): pass\n"
    "HTTPServer(('10.77.0.245',80),H).serve_forever()\n";

static char wire_script[] = "/tmp/hvrt-wire-XXXXXX", wire_log[64];

/* Starts the fake WireServer in mode after delay seconds; its pid. */
static pid_t wireserver(const char *mode, const char *delay)
{
    if (wire_script[sizeof(wire_script) - 2] == 'X') {
        int fd = mkstemp(wire_script);
        CHECK(fd >= 0 && write(fd, fake_wireserver, sizeof(fake_wireserver) - 1) == (ssize_t)sizeof(fake_wireserver) - 1,
              "the WireServer script");
        close(fd);
    }
    snprintf(wire_log, sizeof(wire_log), "%s.log", wire_script);
    unlink(wire_log);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "ip netns exec %s python3 %s %s %s %s", ns, wire_script, mode, wire_log, delay);
    return spawn(cmd);
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* The log's text (every request, one JSON line each). */
static const char *wire_requests(void)
{
    static char text[16384];
    FILE *f = fopen(wire_log, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    return text;
}

static void expect_ready_reported(const char *mode, const char *delay)
{
    hvrt_kvp_set("PROVISIONING_REPORT", "");
    pid_t server = wireserver(mode, delay);
    CHECK_EQ(run_app("azure"), 0);
    stop(server);
    const char *log = wire_requests();
    CHECK(strstr(out, "azure: WireServer 10.77.0.245") != NULL, "the address of option 245: %s", out);
    CHECK(strstr(out, "azure: reported Ready (incarnation 3, container 4c8b2bd7-6b1c-4d2e-9a3b-0e1f2a3b4c5d)") != NULL,
          "Ready: %s", out);
    CHECK(strstr(log, "\"method\": \"GET\", \"path\": \"/machine/?comp=goalstate\"") != NULL, "the GET: %s", log);
    CHECK(strstr(log, "\"x-ms-version\": \"2012-11-30\"") != NULL, "x-ms-version");
    const char *post = strstr(log, "\"method\": \"POST\", \"path\": \"/machine?comp=health\"");
    CHECK(post != NULL, "the POST: %s", log);
    if (post != NULL) {
        CHECK(strstr(post, "\"content-type\": \"text/xml;charset=utf-8\"") != NULL, "its content type");
        CHECK(strstr(post, "\"x-ms-version\": \"2012-11-30\"") != NULL, "its x-ms-version");
        CHECK(strstr(post, "<GoalStateIncarnation>3</GoalStateIncarnation>") != NULL, "the incarnation");
        CHECK(strstr(post, "<ContainerId>4c8b2bd7-6b1c-4d2e-9a3b-0e1f2a3b4c5d</ContainerId>") != NULL, "the container");
        CHECK(strstr(post, "<InstanceId>4c8b2bd7-6b1c-4d2e-9a3b-0e1f2a3b4c5d._hvrt-vm</InstanceId>") != NULL,
              "the instance");
        CHECK(strstr(post, "<State>Ready</State>") != NULL, "Ready");
    }
    const char *kvp = hvrt_kvp_get("PROVISIONING_REPORT", false);
    CHECK(kvp != NULL && strncmp(kvp, "result=success|agent=hvrt|timestamp=", 36) == 0, "KVP: %s", kvp ? kvp : "none");
}

static void test_azure_ready_through_option_245(void) { expect_ready_reported("ok", "0"); }
static void test_azure_goal_state_in_small_segments(void) { expect_ready_reported("segments", "0"); }
/* Down for 3 s: refused connections, then the retries (1, 2, 4 s) find it. */
static void test_azure_wireserver_down_at_first(void) { expect_ready_reported("ok", "3"); }

static void test_azure_errors_end_in_a_kvp_report(void)
{
    CHECK_EQ(set_option("azure-retry", "4"), 0);
    pid_t server = wireserver("errors", "0");
    CHECK_EQ(run_app("azure"), 1);
    stop(server);
    CHECK(strstr(out, "azure: gave up reporting Ready: goal state: HTTP error") != NULL, "gave up: %s", out);
    const char *kvp = hvrt_kvp_get("PROVISIONING_REPORT", false);
    CHECK(kvp != NULL && strncmp(kvp, "result=error|reason=goal state: HTTP error|agent=hvrt|timestamp=", 64) == 0,
          "KVP: %s", kvp ? kvp : "none");
    CHECK_EQ(set_option("azure-retry", "1200"), 0);
    unlink(wire_log);
    unlink(wire_script);
}

static void run_all(void *arg)
{
    (void)arg;
    hosted_follow_real_time(true);
    CHECK_EQ(start_service("net"), 0);
    RUN_TEST(test_lease_from_dnsmasq);
    if (guest_ip[0] == '\0')
        return;
    RUN_TEST(test_name_resolves_through_dnsmasq);
    RUN_TEST(test_linux_pings_the_guest);
    RUN_TEST(test_tcp_echo_to_a_linux_client);
    RUN_TEST(test_wget_from_python_http_server);
    RUN_TEST(test_guest_pings_linux);
    RUN_TEST(test_azure_ready_through_option_245);
    RUN_TEST(test_azure_goal_state_in_small_segments);
    RUN_TEST(test_azure_wireserver_down_at_first);
    RUN_TEST(test_azure_errors_end_in_a_kvp_report);
}

int main(void)
{
    const char *skip = why_skip();
    if (skip) {
        printf("skip test_ipnet_tap: %s\n", skip);
        return check_summary();
    }
    snprintf(ns, sizeof(ns), "hvrtip%d", (int)getpid());
    snprintf(tap, sizeof(tap), "hvip%d", (int)(getpid() % 100000));
    snprintf(leases, sizeof(leases), "/tmp/hvrt-%s.leases", ns);
    CHECK_EQ(sh("ip netns add %s%s", ""), 0);
    int fd = hvsim_tap_open(tap);
    CHECK(fd > 0, "TAP %s opened", tap);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "ip link set %s netns %%s%%s", tap);
    CHECK_EQ(sh(cmd, ""), 0);
    CHECK_EQ(sh("ip netns exec %s ip addr add 10.77.0.1/24 dev %s", tap), 0);
    CHECK_EQ(sh("ip netns exec %s ip link set %s up", tap), 0);
    CHECK_EQ(sh("ip netns exec %s ip addr add 10.77.0.245/24 dev %s", tap), 0);   /* the fake WireServer */
    CHECK_EQ(sh("ip netns exec %s ip link set lo up%s", ""), 0);
    char dns[600];
    snprintf(dns, sizeof(dns),
             "ip netns exec %s dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts "
             "--bind-interfaces --interface=%s --except-interface=lo --user=root --pid-file= "
             "--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,1h --dhcp-option-force=245,10.77.0.245 "
             "--address=/peer.hvrt.test/10.77.0.1 --dhcp-leasefile=%s --log-facility=/dev/null",
             ns, tap, leases);
    pid_t dnsmasq = spawn(dns);
    struct hvsim_netvsc_config netcfg = { .tap_fd = fd };
    struct hvsim_vmbus_device nic_device = { .model = HVSIM_VMBUS_NETVSC, .netvsc = &netcfg };
    struct hvsim_vmbus *host = fd > 0 ? fixture_start(HVSIM_VMBUS_HYPERV, &nic_device, 1, 48) : NULL;
    CHECK(host != NULL, "hvsim with the NIC on the TAP");
    if (host != NULL) {
        struct thread *t = thread_create("test", run_all, NULL, 256 * 1024);
        thread_join(t);
    }
    if (dnsmasq > 0) {
        kill(dnsmasq, SIGTERM);
        waitpid(dnsmasq, NULL, 0);
    }
    if (fd > 0)
        close(fd);
    CHECK_EQ(sh("ip netns del %s%s", ""), 0);   /* the TAP inside goes with it */
    unlink(leases);
    return check_summary();
}
