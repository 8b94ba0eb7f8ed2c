/* net/'s own shared state between its files (not for apps). */
#ifndef HVRT_NET_PRIVATE_H
#define HVRT_NET_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

/* dhcp_options.c -> net.c: the WireServer address DHCP option 245 gave. */
void net_note_wireserver(const uint8_t addr[4]);

/* config.c: the command line's static configuration (network byte order). */
struct net_static_config {
    uint32_t address, netmask, gateway, dns;
};
/* false when no --ip= was given (DHCP then). */
bool net_static_config(struct net_static_config *out);
void net_apply_static_dns(const struct net_static_config *c);   /* lwIP's thread or core lock */
const char *net_hostname(void);

/* netif_nic.c: interfaces for the NICs that have none, up with DHCP or
 * the static address; how many exist. Passive level. */
unsigned net_attach_nics(void);
/* Frames NIC index dropped because netrx had no pbuf ready (or the frame
 * was larger than the MTU). */
uint64_t net_rx_no_buffer(unsigned index);

#endif
