/* Hooks lwIP calls into hvrt (named by LWIP_HOOK_FILENAME in lwipopts.h). */
#ifndef HVRT_NET_LWIP_HOOKS_H
#define HVRT_NET_LWIP_HOOKS_H

#include <stdint.h>

struct netif;
struct pbuf;

/* Every DHCP option lwIP does not handle itself: net/dhcp_options.c keeps
 * those hvrt needs (245, Azure's WireServer address). */
void hvrt_dhcp_parse_option(struct netif *netif, uint8_t option, uint8_t len, struct pbuf *p, uint16_t offset);

#endif
