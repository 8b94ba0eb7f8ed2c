/* TCP/IP for apps: hvrt runs lwIP (docs/net.md). The sockets themselves
 * are the usual BSD calls (<sys/socket.h>, <netinet/in.h>, <netdb.h>,
 * <poll.h>, <sys/select.h>); this header is what hvrt adds: starting the
 * stack, and what it configured. */
#ifndef HVRT_IPNET_H
#define HVRT_IPNET_H

#include <stdbool.h>
#include <stdint.h>

/* Starts lwIP's thread once (later calls do nothing) with the loopback
 * interface. 0, or -1 when out of memory. */
int hvrt_ipnet_start(void);
bool hvrt_ipnet_running(void);

/* IPv4 addresses in network byte order, as in struct in_addr. */
struct hvrt_ipnet_info {
    char name[8];              /* "lo", "eth0", ... */
    bool up, link_up, dhcp;
    uint32_t address, netmask, gateway;
    uint32_t dns[2];
    uint32_t lease_seconds;    /* DHCP: the lease's length, 0 otherwise */
    uint32_t wireserver;       /* DHCP option 245 (Azure), 0 when not given */
};

/* The index-th interface, in lwIP's order (the loopback "lo0" is last);
 * false past the end. */
bool hvrt_ipnet_interface(unsigned index, struct hvrt_ipnet_info *out);

/* Waits until an interface other than the loopback has an IPv4 address
 * (DHCP bound, or static), at most timeout_ms; fills *out with it. 0, or
 * -1 on timeout. Blocks: passive level. */
int hvrt_ipnet_wait_address(uint32_t timeout_ms, struct hvrt_ipnet_info *out);

#endif
