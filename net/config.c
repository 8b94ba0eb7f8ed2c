/* The network's command-line options: a static IPv4 configuration instead
 * of DHCP, DNS servers, the host name DHCP announces.
 *   --ip=10.0.0.5/24 --gateway=10.0.0.1 --dns=10.0.0.1 --hostname=web1 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#include "net/net_private.h"

static struct net_static_config config;
static bool have_address;
static char hostname[64] = "hvrt";

static int parse_ip(const char *value)
{
    char text[32];
    const char *slash = strchr(value, '/');
    size_t len = slash != NULL ? (size_t)(slash - value) : strlen(value);
    ip4_addr_t a;
    if (len >= sizeof(text))
        goto bad;
    memcpy(text, value, len);
    text[len] = '\0';
    if (!ip4addr_aton(text, &a))
        goto bad;
    char *end;
    long prefix = slash != NULL ? strtol(slash + 1, &end, 10) : 24;
    if (slash != NULL && (*end != '\0' || end == slash + 1 || prefix < 1 || prefix > 32))
        goto bad;
    config.address = ip4_addr_get_u32(&a);
    config.netmask = lwip_htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
    have_address = true;
    return 0;
bad:
    fprintf(stderr, "hvrt: --ip=%s: expected ADDRESS/PREFIX, e.g. --ip=10.0.0.5/24\n", value);
    return -1;
}

static int parse_addr(const char *option, const char *value, uint32_t *out)
{
    ip4_addr_t a;
    if (!ip4addr_aton(value, &a)) {
        fprintf(stderr, "hvrt: --%s=%s: not an IPv4 address\n", option, value);
        return -1;
    }
    *out = ip4_addr_get_u32(&a);
    return 0;
}

static int parse_gateway(const char *value) { return parse_addr("gateway", value, &config.gateway); }
static int parse_dns(const char *value) { return parse_addr("dns", value, &config.dns); }

static int parse_hostname(const char *value)
{
    size_t len = strlen(value);
    if (len == 0 || len >= sizeof(hostname) || strspn(value, "abcdefghijklmnopqrstuvwxyz"
                                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != len) {
        fprintf(stderr, "hvrt: --hostname=%s: letters, digits and '-', at most 63\n", value);
        return -1;
    }
    memcpy(hostname, value, len + 1);
    return 0;
}

HVRT_OPTION("ip", parse_ip, "--ip=ADDR/PREFIX   a static IPv4 address instead of DHCP");
HVRT_OPTION("gateway", parse_gateway, "--gateway=ADDR     the default route, with --ip");
HVRT_OPTION("dns", parse_dns, "--dns=ADDR         a DNS server, with --ip");
HVRT_OPTION("hostname", parse_hostname, "--hostname=NAME    the name DHCP announces (default hvrt)");

bool net_static_config(struct net_static_config *out)
{
    *out = config;
    return have_address;
}

void net_apply_static_dns(const struct net_static_config *c)
{
    if (c->dns == 0)
        return;
    ip_addr_t server;
    ip_addr_set_ip4_u32_val(server, c->dns);
    dns_setserver(0, &server);
}

const char *net_hostname(void) { return hostname; }
