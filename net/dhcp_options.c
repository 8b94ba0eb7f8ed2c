/* DHCP options hvrt keeps beyond lwIP's own: 245, the address of Azure's
 * WireServer (docs/azure.md), read by the provisioning service. */
#include <string.h>

#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "net/include/hvrt_lwip_hooks.h"
#include "net/net_private.h"

#define DHCP_OPTION_AZURE_WIRESERVER 245

void hvrt_dhcp_parse_option(struct netif *netif, uint8_t option, uint8_t len, struct pbuf *p, uint16_t offset)
{
    (void)netif;
    if (option != DHCP_OPTION_AZURE_WIRESERVER || len != 4)
        return;   /* a malformed 245 is ignored: the documented default stays */
    uint8_t addr[4];
    if (pbuf_copy_partial(p, addr, sizeof(addr), offset) != sizeof(addr))
        return;
    net_note_wireserver(addr);
}
