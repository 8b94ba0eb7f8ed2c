/* httpd's status page: what an operator wants to see of an appliance at a
 * glance. Plain HTML, no scripts; every value escaped. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/ic.h>
#include <hvrt/ipnet.h>
#include <hvrt/net.h>
#include <hvrt/runtime.h>
#include "apps/httpd/httpd.h"

struct page {
    char *buf;
    size_t size, len;
};

static void add(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct page *p, const char *fmt, ...)
{
    if (p->len >= p->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->buf + p->len, p->size - p->len, fmt, ap);
    va_end(ap);
    p->len = n < 0 ? p->len : p->len + (size_t)n >= p->size ? p->size - 1 : p->len + (size_t)n;
}

/* Host-supplied text (KVP) goes through here: no markup from outside. */
static void add_escaped(struct page *p, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '<': add(p, "&lt;"); break;
        case '>': add(p, "&gt;"); break;
        case '&': add(p, "&amp;"); break;
        case '"': add(p, "&quot;"); break;
        default: add(p, "%c", *s >= ' ' && *s < 127 ? *s : '?');
        }
    }
}

static void add_ip(struct page *p, uint32_t a)
{
    const uint8_t *b = (const uint8_t *)&a;
    add(p, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static void interfaces(struct page *p)
{
    add(p, "<h2>Addresses</h2><table><tr><th>if</th><th>address</th><th>netmask</th><th>gateway</th>"
           "<th>DNS</th><th>config</th></tr>\n");
    struct hvrt_ipnet_info i;
    for (unsigned k = 0; hvrt_ipnet_interface(k, &i); k++) {
        add(p, "<tr><td>%s%s</td><td>", i.name, i.link_up ? "" : " (no link)");
        add_ip(p, i.address);
        add(p, "</td><td>");
        add_ip(p, i.netmask);
        add(p, "</td><td>");
        add_ip(p, i.gateway);
        add(p, "</td><td>");
        add_ip(p, i.dns[0]);
        add(p, "</td><td>%s", i.dhcp ? "DHCP" : "static");
        if (i.dhcp && i.lease_seconds)
            add(p, ", lease %u s", i.lease_seconds);
        add(p, "</td></tr>\n");
    }
    add(p, "</table>\n");
}

static void nics(struct page *p)
{
    add(p, "<h2>NICs</h2><table><tr><th>nic</th><th>MAC</th><th>MTU</th><th>link</th><th>rx frames</th>"
           "<th>tx frames</th><th>drops</th></tr>\n");
    for (unsigned k = 0; k < hvrt_net_count(); k++) {
        struct hvrt_nic *n = hvrt_net_get(k);
        struct hvrt_net_counters c;
        uint8_t mac[6];
        hvrt_net_mac(n, mac);
        hvrt_net_get_counters(n, &c);
        uint64_t drops = 0;
        for (int d = 0; d < HVRT_NET_DROP_COUNT; d++)
            drops += c.drops[d];
        add(p, "<tr><td>%s</td><td>%02x:%02x:%02x:%02x:%02x:%02x</td><td>%u</td><td>%s</td>"
               "<td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
            hvrt_net_name(n), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], hvrt_net_mtu(n),
            hvrt_net_link_up(n) ? "up" : "down", (unsigned long long)c.rx_frames,
            (unsigned long long)c.tx_frames, (unsigned long long)drops);
    }
    add(p, "</table>\n");
}

static void host_values(struct page *p)
{
    static const char *const keys[] = { "HostName", "VirtualMachineName", "VirtualMachineId" };
    add(p, "<h2>Host (KVP)</h2><table>\n");
    for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        add(p, "<tr><td>%s</td><td>", keys[k]);
        add_escaped(p, hvrt_kvp_get(keys[k], true));
        add(p, "</td></tr>\n");
    }
    add(p, "</table>\n");
}

size_t httpd_status_page(char *buf, size_t size, unsigned long requests, int clients)
{
    struct page p = { buf, size, 0 };
    buf[0] = '\0';
    uint64_t up = hvrt_time_ns() / 1000000000u;
    add(&p, "<!doctype html><html><head><title>hvrt</title></head><body><h1>hvrt appliance</h1>\n");
    add(&p, "<p>up %llu s; %lu requests served; %d connections open; %llu of %llu MiB free</p>\n",
        (unsigned long long)up, requests, clients, (unsigned long long)(hvrt_memory_free_bytes() >> 20),
        (unsigned long long)(hvrt_memory_bytes() >> 20));
    interfaces(&p);
    nics(&p);
    host_values(&p);
    add(&p, "</body></html>\n");
    return p.len;
}
