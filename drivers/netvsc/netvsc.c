/* The synthetic NIC's life, on the KMCL API only: a channel to the first
 * netvsc offer, NVSP and RNDIS bring-up, removal when the host rescinds it,
 * and net.h's lookups. Bring-up runs in the caller of hvrt_net_rescan (a
 * passive thread) after KMCL's PostStarted, so that the channel's packets
 * keep being processed while it waits for the host's answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "drivers/netvsc/netvsc.h"

static const GUID netvsc_class = NETVSC_CLASS_GUID;
static struct hvrt_nic *nics[HVRT_NET_MAX_NICS];
static struct hvrt_net_config config;
static bool scanned;

static void config_defaults(struct hvrt_net_config *c)
{
    if (c->receive_buffer_bytes == 0)
        c->receive_buffer_bytes = 2u << 20;
    if (c->send_buffer_bytes == 0)
        c->send_buffer_bytes = 1u << 20;
    if (c->ring_pages == 0)
        c->ring_pages = 64;
    if (c->tx_queue_frames == 0)
        c->tx_queue_frames = 64;
    if (c->mtu == 0)
        c->mtu = 1500;
    if (c->max_nvsp_version == 0)
        c->max_nvsp_version = NVSP_VERSION_61;
    if (c->timeout_ms == 0)
        c->timeout_ms = 5000;
    /* whole pages, and what one GPADL can hold (8190 pages) */
    c->receive_buffer_bytes = (c->receive_buffer_bytes + 4095) & ~4095u;
    c->send_buffer_bytes = (c->send_buffer_bytes + 4095) & ~4095u;
    if (c->receive_buffer_bytes > 8190u * 4096)
        c->receive_buffer_bytes = 8190u * 4096;
    if (c->send_buffer_bytes > 8190u * 4096)
        c->send_buffer_bytes = 8190u * 4096;
    if (c->mtu < 576 || c->mtu > HVRT_NET_MAX_FRAME - 14)
        c->mtu = 1500;
}

void hvrt_net_configure(const struct hvrt_net_config *c)
{
    config = c ? *c : (struct hvrt_net_config){ 0 };
}

uint64_t netvsc_deadline(const struct hvrt_nic *nic)
{
    return hvrt_time_ns() + (uint64_t)nic->config.timeout_ms * 1000000u;
}

/* Polls: the flag is set by the receive path. TODO(threads): an event. */
bool netvsc_wait(volatile bool *flag, uint64_t deadline_ns)
{
    while (!*flag) {
        if (hvrt_time_ns() >= deadline_ns)
            return *flag;
        hvrt_sleep_us(20);
    }
    return true;
}

void netvsc_set_link(struct hvrt_nic *nic, bool up)
{
    if (nic->link_up == up)
        return;
    nic->link_up = up;
    nic->counters.link_changes++;
    if (nic->callbacks.link_changed)
        nic->callbacks.link_changed(nic->callbacks.ctx, nic, up);
}

void netvsc_removed(struct hvrt_nic *nic)
{
    if (nic->state == NETVSC_REMOVED || nic->state == NETVSC_DOWN)
        return;
    nic->state = NETVSC_REMOVED;
    netvsc_set_link(nic, false);
    rndis_cancel_requests(nic);
}

NTSTATUS netvsc_post(struct hvrt_nic *nic, const void *msg, uint32_t length)
{
    uint8_t padded[NVSP_REQUEST_SIZE] = { 0 };
    memcpy(padded, msg, length < sizeof(padded) ? length : sizeof(padded));
    VMBPACKET p = VmbPacketAllocate(nic->channel);
    if (p == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS st = VmbPacketSend(p, padded, sizeof(padded), NULL, 0);   /* the default routine frees it */
    if (!NT_SUCCESS(st))
        VmbPacketFree(p);
    if (st == STATUS_DEVICE_REMOVED)
        netvsc_removed(nic);
    return st;
}

/* ---- KMCL state callbacks ---- */

static void on_post_started(VMBCHANNEL ch)
{
    struct hvrt_nic *nic = VmbChannelGetPointer(ch);
    if (nic->state == NETVSC_OPENING)
        nic->state = NETVSC_STARTED;
}

/* Disable or the host's rescind. Our own teardown has set DOWN first. */
static void on_closed(VMBCHANNEL ch)
{
    netvsc_removed(VmbChannelGetPointer(ch));
}

/* ---- bring-up and teardown ---- */

static void nic_down(struct hvrt_nic *nic)
{
    bool present = nic->state == NETVSC_UP;
    nic->state = NETVSC_DOWN;
    netvsc_set_link(nic, false);
    rndis_cancel_requests(nic);
    if (nic->channel != NULL) {
        if (present)
            nvsp_revoke(nic);   /* tell the host first, then take the GPADLs away */
        if (nic->recv_gpadl)
            VmbChannelDeleteGpadl(nic->channel, nic->recv_gpadl);
        if (nic->send_gpadl)
            VmbChannelDeleteGpadl(nic->channel, nic->send_gpadl);
        VmbChannelCleanup(nic->channel);   /* disables: outstanding sends end here */
        nic->channel = NULL;
    }
    nic->recv_gpadl = nic->send_gpadl = 0;
    nvsp_free_buffers(nic);
    tx_free(nic);
}

static NTSTATUS channel_setup(struct hvrt_nic *nic)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelPostStarted = on_post_started;
    cb.EvtChannelClosed = on_closed;
    NTSTATUS st = VmbChannelAllocate(NULL, FALSE, &nic->channel);
    if (!NT_SUCCESS(st))
        return st;
    VmbChannelSetPointer(nic->channel, nic);
    st = VmbClientChannelInitSetTargetPnp(nic->channel, &netvsc_class, NULL, NULL);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetRingBufferPageCount(nic->channel, nic->config.ring_pages, nic->config.ring_pages);
    if (NT_SUCCESS(st))   /* NVSP messages from the host are small: 76 bytes at most */
        st = VmbChannelInitSetMaximumPacketSize(nic->channel, 256);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetMaximumExternalData(nic->channel, nic->config.receive_buffer_bytes, NVSP_MAX_RANGES);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetProcessPacketCallbacks(nic->channel, netvsc_process_packet, NULL);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetStateChangeCallbacks(nic->channel, &cb);
    if (!NT_SUCCESS(st))
        return st;
    VmbChannelSetTransactionQuota(nic->channel, NETVSC_RX_QUOTA);
    VmbChannelSetIncomingProcessingAtPassive(nic->channel, TRUE);
    nic->state = NETVSC_OPENING;
    return VmbChannelEnable(nic->channel);
}

/* 0 when the NIC is up; otherwise it is left down. */
static int nic_up(struct hvrt_nic *nic)
{
    nic->config = config;
    config_defaults(&nic->config);
    nic->link_up = false;
    NTSTATUS st = channel_setup(nic);
    /* KMCL opens once the offer is there (hvrt's Enable, before it returns). */
    uint64_t deadline = netvsc_deadline(nic);
    while (NT_SUCCESS(st) && nic->state == NETVSC_OPENING && hvrt_time_ns() < deadline)
        hvrt_sleep_us(100);
    if (NT_SUCCESS(st) && nic->state != NETVSC_STARTED)
        st = STATUS_NO_SUCH_DEVICE;
    if (!NT_SUCCESS(st)) {
        if (st != STATUS_NO_SUCH_DEVICE)
            printf("%s: cannot open the channel: NTSTATUS 0x%08x\n", nic->name, (unsigned)st);
        nic_down(nic);
        return -1;
    }
    if (nvsp_connect(nic) != 0 || tx_init(nic) != 0 || rndis_bring_up(nic) != 0) {
        nic_down(nic);
        return -1;
    }
    nic->state = NETVSC_UP;
    printf("%s: up: NVSP %x, MTU %u, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n", nic->name,
           (unsigned)nic->nvsp_version, (unsigned)nic->mtu, nic->mac[0], nic->mac[1], nic->mac[2], nic->mac[3],
           nic->mac[4], nic->mac[5], nic->link_up ? "up" : "down");
    return 0;
}

unsigned hvrt_net_rescan(void)
{
    scanned = true;
    unsigned up = 0;
    for (unsigned i = 0; i < HVRT_NET_MAX_NICS; i++) {
        struct hvrt_nic *nic = nics[i];
        if (nic == NULL) {
            nic = calloc(1, sizeof(*nic));
            if (nic == NULL)
                break;
            snprintf(nic->name, sizeof(nic->name), "netvsc%u", i);
        } else if (nic->state == NETVSC_UP) {
            up++;
            continue;
        } else {
            nic_down(nic);   /* removed: let the old channel go, look again */
        }
        /* A NIC the host does not offer would only wait out the open. */
        if (i < HvrtChannelOfferCount(&netvsc_class) && nic_up(nic) == 0)
            up++;
        if (nics[i] == NULL && nic->state == NETVSC_UP)
            nics[i] = nic;
        else if (nics[i] == NULL)
            free(nic);
    }
    return up;
}

unsigned hvrt_net_count(void)
{
    if (!scanned)
        hvrt_net_rescan();
    unsigned n = 0;
    while (n < HVRT_NET_MAX_NICS && nics[n] != NULL)
        n++;
    return n;
}

struct hvrt_nic *hvrt_net_get(unsigned index)
{
    return index < hvrt_net_count() ? nics[index] : NULL;
}

void hvrt_net_shutdown(void)
{
    for (unsigned i = 0; i < HVRT_NET_MAX_NICS; i++) {
        if (nics[i] != NULL) {
            nic_down(nics[i]);
            free(nics[i]);
            nics[i] = NULL;
        }
    }
    scanned = false;
}

/* ---- getters ---- */

const char *hvrt_net_name(const struct hvrt_nic *nic) { return nic->name; }
void hvrt_net_mac(const struct hvrt_nic *nic, uint8_t mac[6]) { memcpy(mac, nic->mac, 6); }
uint32_t hvrt_net_mtu(const struct hvrt_nic *nic) { return nic->mtu; }
bool hvrt_net_link_up(const struct hvrt_nic *nic) { return nic->state == NETVSC_UP && nic->link_up; }
bool hvrt_net_present(const struct hvrt_nic *nic) { return nic->state == NETVSC_UP; }
uint32_t hvrt_net_nvsp_version(const struct hvrt_nic *nic) { return nic->nvsp_version; }
uint32_t hvrt_net_link_speed(const struct hvrt_nic *nic) { return nic->link_speed; }

void hvrt_net_set_callbacks(struct hvrt_nic *nic, const struct hvrt_net_callbacks *callbacks)
{
    nic->callbacks = callbacks ? *callbacks : (struct hvrt_net_callbacks){ 0 };
}

void hvrt_net_get_counters(const struct hvrt_nic *nic, struct hvrt_net_counters *out)
{
    *out = nic->counters;
}

const char *hvrt_net_drop_name(enum hvrt_net_drop reason)
{
    static const char *const names[HVRT_NET_DROP_COUNT] = {
        [HVRT_NET_DROP_TX_BAD_LENGTH] = "tx bad length",   [HVRT_NET_DROP_TX_LINK_DOWN] = "tx link down",
        [HVRT_NET_DROP_TX_REMOVED] = "tx removed",         [HVRT_NET_DROP_TX_QUEUE_FULL] = "tx queue full",
        [HVRT_NET_DROP_TX_HOST_FAILED] = "tx host failed", [HVRT_NET_DROP_RX_BAD_RANGE] = "rx bad range",
        [HVRT_NET_DROP_RX_BAD_RNDIS] = "rx bad rndis",     [HVRT_NET_DROP_RX_NO_RECEIVER] = "rx no receiver",
    };
    return (unsigned)reason < HVRT_NET_DROP_COUNT ? names[reason] : "?";
}
