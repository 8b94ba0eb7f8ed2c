/* The network as a service: when the host offers a NIC, lwIP starts with
 * an interface on it (DHCP unless --ip= was given) before the first app,
 * so apps find an address coming (hvrt_ipnet_wait_address). --no-net
 * turns it off. Linked only into images whose apps use the network
 * (mk/net.mk). */
#include <hvrt/ipnet.h>
#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "net/net_private.h"

static int start_network(void)
{
    if (hvrt_net_count() == 0)
        return 1;   /* no NIC: nothing to say, as with the other services */
    if (hvrt_ipnet_start() != 0)
        return 1;
    return net_attach_nics() > 0 ? 0 : 1;
}

HVRT_SERVICE("net", start_network);
