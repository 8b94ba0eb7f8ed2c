/* Starting lwIP on hvrt: its tcpip thread, the loopback interface, and the
 * facts apps ask for (include/hvrt/ipnet.h). The Ethernet interfaces over
 * the synthetic NICs join in net/netif_*.c. */
#include <stdio.h>
#include <string.h>

#include <hvrt/ipnet.h>
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"
#include "arch/platform.h"
#include "lib/runtime.h"
#include "lib/thread.h"
#include "net/net_private.h"

static volatile bool running;
static uint32_t wireserver;   /* network byte order */

static void tcpip_ready(void *arg) { semaphore_up(arg); }

#if !defined(HVRT_HOSTED)
/* read(), write() and close() on a socket reach lwIP through the C
 * library's system calls (lib/syscalls.c), as BSD code expects. */
static long socket_read(int fd, void *buf, unsigned long len) { return lwip_read(fd, buf, len); }
static long socket_write(int fd, const void *buf, unsigned long len) { return lwip_write(fd, buf, len); }
static int socket_close(int fd) { return lwip_close(fd); }
static const struct syscalls_fd_ops socket_ops = { socket_read, socket_write, socket_close };
#endif

int hvrt_ipnet_start(void)
{
    static struct mutex starting;
    static bool initialised;
    if (!initialised) {   /* one CPU, cooperative start-up: no race on this flag */
        mutex_init(&starting);
        initialised = true;
    }
    mutex_lock(&starting);
    if (!running) {
        struct semaphore ready;
        semaphore_init(&ready, 0);
        tcpip_init(tcpip_ready, &ready);
        semaphore_down(&ready, THREAD_NO_DEADLINE);
#if !defined(HVRT_HOSTED)
        syscalls_set_fd_owner(HVRT_SOCKET_FD_BASE, &socket_ops);
#endif
        running = true;
    }
    mutex_unlock(&starting);
    return 0;
}

bool hvrt_ipnet_running(void) { return running; }

void net_note_wireserver(const uint8_t addr[4]) { memcpy(&wireserver, addr, sizeof(wireserver)); }

static void describe(struct netif *n, struct hvrt_ipnet_info *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%c%c%u", n->name[0], n->name[1], n->num);
    out->up = netif_is_up(n);
    out->link_up = netif_is_link_up(n);
    out->address = ip4_addr_get_u32(netif_ip4_addr(n));
    out->netmask = ip4_addr_get_u32(netif_ip4_netmask(n));
    out->gateway = ip4_addr_get_u32(netif_ip4_gw(n));
    struct dhcp *d = netif_dhcp_data(n);
    if (d != NULL) {
        out->dhcp = true;
        out->lease_seconds = d->offered_t0_lease;
        out->wireserver = wireserver;
    }
    for (int i = 0; i < 2 && i < DNS_MAX_SERVERS; i++) {
        const ip_addr_t *s = dns_getserver((u8_t)i);
        out->dns[i] = s != NULL ? ip4_addr_get_u32(ip_2_ip4(s)) : 0;
    }
}

bool hvrt_ipnet_interface(unsigned index, struct hvrt_ipnet_info *out)
{
    if (!running)
        return false;
    bool found = false;
    LOCK_TCPIP_CORE();
    unsigned i = 0;
    struct netif *n;
    NETIF_FOREACH(n) {
        if (i++ == index) {
            describe(n, out);
            found = true;
            break;
        }
    }
    UNLOCK_TCPIP_CORE();
    return found;
}

int hvrt_ipnet_wait_address(uint32_t timeout_ms, struct hvrt_ipnet_info *out)
{
    uint64_t deadline = platform_time_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        struct hvrt_ipnet_info info;
        for (unsigned i = 0; hvrt_ipnet_interface(i, &info); i++) {
            if (strcmp(info.name, "lo0") != 0 && info.address != 0) {
                if (out != NULL)
                    *out = info;
                return 0;
            }
        }
        uint64_t now = platform_time_ns();
        if (now >= deadline)
            return -1;
        thread_sleep_until(now + 50000000u < deadline ? now + 50000000u : deadline);   /* DHCP takes round trips */
    }
}
