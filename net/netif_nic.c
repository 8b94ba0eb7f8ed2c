/* An lwIP network interface over each NIC of hvrt's frame interface
 * (include/hvrt/net.h), DHCP unless the command line gave an address.
 *
 * The driver's callbacks run in interrupt context (docs/api.md): no heap,
 * no locks. So receive copies the frame into a pbuf that a thread of ours
 * put in a ring beforehand, and wakes that thread ("netrx"), which hands
 * the pbufs to lwIP under its core lock and refills the ring. One copy per
 * frame, none of it in lwIP's own thread. Link changes take the same path.
 * Sending runs where lwIP runs (its thread, or an app's under the core
 * lock): one scatter-gather piece per pbuf, copied by the driver. */
#include <string.h>

#include <hvrt/net.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netifapi.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "lib/thread.h"
#include "net/net_private.h"

#define MAX_PIECES 16
#define RX_RING 256u   /* frames between two runs of netrx; the host batches up to 32 a packet */

struct nic_netif {
    struct netif netif;
    struct hvrt_nic *nic;
    bool in_use;
    uint16_t frame_max;            /* MTU + Ethernet header: the size of each ring pbuf */
    struct event wake;
    /* The ring: netrx stocks empty pbufs at `stocked`, receive fills them
     * at `filled`, netrx takes them at `taken`; taken <= filled <= stocked. */
    struct pbuf *ring[RX_RING];
    volatile uint32_t stocked, filled, taken;
    volatile uint32_t link_events; /* receive-side count of link changes ... */
    volatile bool link_up;         /* ... and the last state the host gave */
    uint32_t link_seen;
    uint64_t rx_no_buffer;         /* frames dropped: the ring was empty, or too large */
};

static struct nic_netif nics[HVRT_NET_MAX_NICS];

/* lwIP -> the NIC. A chain longer than MAX_PIECES is rare (lwIP builds a
 * frame from a header pbuf and one or two data pbufs): copied flat. The
 * caller holds the core lock, so the flat buffer is never shared. */
static err_t output(struct netif *netif, struct pbuf *p)
{
    struct nic_netif *n = netif->state;
    struct hvrt_net_sg pieces[MAX_PIECES];
    unsigned count = 0;
    static uint8_t flat[HVRT_NET_MAX_FRAME];
    if (pbuf_clen(p) <= MAX_PIECES) {
        for (struct pbuf *q = p; q != NULL; q = q->next)
            pieces[count++] = (struct hvrt_net_sg){ q->payload, q->len };
    } else {
        if (p->tot_len > sizeof(flat))
            return ERR_BUF;
        pbuf_copy_partial(p, flat, p->tot_len, 0);
        pieces[0] = (struct hvrt_net_sg){ flat, p->tot_len };
        count = 1;
    }
    switch (hvrt_net_send(n->nic, pieces, count)) {
    case HVRT_NET_OK:
        LINK_STATS_INC(link.xmit);
        return ERR_OK;
    case HVRT_NET_QUEUE_FULL:
        LINK_STATS_INC(link.drop);
        return ERR_MEM;   /* TCP sends it again */
    default:
        LINK_STATS_INC(link.drop);
        return ERR_IF;
    }
}

/* Interrupt context: fill the next stocked pbuf, wake netrx. */
static void receive(void *ctx, struct hvrt_nic *nic, const void *frame, uint32_t length)
{
    (void)nic;
    struct nic_netif *n = ctx;
    if (n->filled == n->stocked || length > n->frame_max) {
        n->rx_no_buffer++;
        event_set(&n->wake);
        return;
    }
    struct pbuf *p = n->ring[n->filled % RX_RING];
    memcpy(p->payload, frame, length);
    p->len = p->tot_len = (u16_t)length;   /* one pbuf, never a chain: shrinking it is just this */
    __atomic_store_n(&n->filled, n->filled + 1, __ATOMIC_RELEASE);
    event_set(&n->wake);
}

static void link_changed(void *ctx, struct hvrt_nic *nic, bool up)
{
    (void)nic;
    struct nic_netif *n = ctx;
    n->link_up = up;
    __atomic_store_n(&n->link_events, n->link_events + 1, __ATOMIC_RELEASE);
    event_set(&n->wake);
}

/* Core lock held. Puts fresh pbufs where the filled ones were taken. */
static void restock(struct nic_netif *n)
{
    while (n->stocked - n->taken < RX_RING) {
        struct pbuf *p = pbuf_alloc(PBUF_RAW, n->frame_max, PBUF_RAM);
        if (p == NULL)
            break;   /* the heap is short: frames drop until the next run */
        n->ring[n->stocked % RX_RING] = p;
        __atomic_store_n(&n->stocked, n->stocked + 1, __ATOMIC_RELEASE);
    }
}

/* Core lock held. A change we saw only the end of (down then up between
 * two runs) still counts as a change: DHCP asks again after it. */
static void follow_link(struct nic_netif *n)
{
    uint32_t events = __atomic_load_n(&n->link_events, __ATOMIC_ACQUIRE);
    if (events == n->link_seen)
        return;
    bool up = n->link_up;
    if (up && events - n->link_seen > 1 && netif_is_link_up(&n->netif))
        netif_set_link_down(&n->netif);
    n->link_seen = events;
    if (up)
        netif_set_link_up(&n->netif);
    else
        netif_set_link_down(&n->netif);
}

static void rx_thread(void *arg)
{
    struct nic_netif *n = arg;
    for (;;) {
        event_wait(&n->wake, THREAD_NO_DEADLINE);
        LOCK_TCPIP_CORE();
        uint32_t filled = __atomic_load_n(&n->filled, __ATOMIC_ACQUIRE);
        while (n->taken != filled) {
            struct pbuf *p = n->ring[n->taken % RX_RING];
            n->taken++;
            LINK_STATS_INC(link.recv);
            if (n->netif.input(p, &n->netif) != ERR_OK) {
                LINK_STATS_INC(link.drop);
                pbuf_free(p);
            }
        }
        follow_link(n);
        restock(n);
        UNLOCK_TCPIP_CORE();
    }
}

static err_t init_netif(struct netif *netif)
{
    struct nic_netif *n = netif->state;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = output;
    netif->mtu = (u16_t)hvrt_net_mtu(n->nic);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    hvrt_net_mac(n->nic, netif->hwaddr);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif_set_hostname(netif, net_hostname());
    return ERR_OK;
}

/* Core lock held: the interface, the ring, the callbacks, then up. */
static int attach(struct nic_netif *n, const struct net_static_config *st, bool fixed, bool first)
{
    n->frame_max = (uint16_t)(hvrt_net_mtu(n->nic) + 14u);
    event_init(&n->wake, true);
    ip4_addr_t addr = { fixed ? st->address : 0 }, mask = { fixed ? st->netmask : 0 },
               gw = { fixed ? st->gateway : 0 };
    if (netif_add(&n->netif, &addr, &mask, &gw, n, init_netif, ethernet_input) == NULL)
        return -1;
    restock(n);
    n->link_up = hvrt_net_link_up(n->nic);
    struct hvrt_net_callbacks cb = { .receive = receive, .link_changed = link_changed, .ctx = n };
    hvrt_net_set_callbacks(n->nic, &cb);
    if (first)
        netif_set_default(&n->netif);
    netif_set_up(&n->netif);
    if (n->link_up)
        netif_set_link_up(&n->netif);
    if (fixed)
        net_apply_static_dns(st);
    else
        dhcp_start(&n->netif);
    return 0;
}

unsigned net_attach_nics(void)
{
    unsigned count = hvrt_net_count(), attached = 0;
    struct net_static_config st;
    bool fixed = net_static_config(&st);
    for (unsigned i = 0; i < count && i < HVRT_NET_MAX_NICS; i++) {
        struct nic_netif *n = &nics[i];
        if (!n->in_use) {
            n->nic = hvrt_net_get(i);
            if (n->nic == NULL)
                continue;
            LOCK_TCPIP_CORE();
            int rc = attach(n, &st, fixed, i == 0);
            UNLOCK_TCPIP_CORE();
            if (rc != 0)
                continue;
            n->in_use = true;
            if (thread_create("netrx", rx_thread, n, 0) == NULL)
                continue;   /* no memory for the thread: the interface exists but hears nothing */
        }
        attached++;
    }
    return attached;
}

uint64_t net_rx_no_buffer(unsigned index)
{
    return index < HVRT_NET_MAX_NICS ? nics[index].rx_no_buffer : 0;
}
