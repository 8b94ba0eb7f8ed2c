/* hvrt's frame interface: Ethernet frames in and out of the machine's
 * NICs, for a network stack (lwIP's netif) or an app. The NICs are Hyper-V
 * synthetic NICs (drivers/netvsc); docs/netvsc.md says how they work.
 *
 * Contexts: hvrt_net_count, hvrt_net_rescan, hvrt_net_reset and
 * hvrt_net_shutdown may block (passive level only). hvrt_net_send and the
 * getters never block; send from a thread (passive or dispatch), not from
 * the callbacks: a stack hands received frames to its own thread anyway.
 * The callbacks run where the driver receives packets: KMCL's passive
 * level (docs/netvsc.md says where that is today). */
#ifndef HVRT_NET_H
#define HVRT_NET_H

#include <stdbool.h>
#include <stdint.h>

#define HVRT_NET_MAX_NICS 1
#define HVRT_NET_MAX_FRAME 9230u    /* the largest MTU NVSP allows (9216) + the Ethernet header */

struct hvrt_nic;

/* Sizes; zero fields take the defaults (in brackets), which fit a 48 MiB
 * VM. Takes effect for NICs brought up after the call. */
struct hvrt_net_config {
    uint32_t receive_buffer_bytes;  /* [2 MiB] host -> guest frames wait here */
    uint32_t send_buffer_bytes;     /* [1 MiB] guest -> host frames are copied here */
    uint32_t ring_pages;            /* [64] each way */
    uint32_t tx_queue_frames;       /* [256] frames held while every send section is busy */
    uint32_t mtu;                   /* [1500] asked of the host; it may lower it */
    uint32_t max_nvsp_version;      /* [0: 6.1] the highest NVSP version tried */
    uint32_t timeout_ms;            /* [5000] for each request to the host */
};
void hvrt_net_configure(const struct hvrt_net_config *config);

/* Finds the NICs the host offers and brings up those not up yet; returns
 * how many are up. The first call of any hvrt_net function does this. */
unsigned hvrt_net_rescan(void);
/* NICs up now (a rescan on the first call). */
unsigned hvrt_net_count(void);
/* NIC index (0..count-1), or NULL. The handle stays valid until
 * hvrt_net_shutdown, also after the host removed the NIC. */
struct hvrt_nic *hvrt_net_get(unsigned index);
/* Takes every NIC down: revokes the buffers, closes the channels. */
void hvrt_net_shutdown(void);

const char *hvrt_net_name(const struct hvrt_nic *nic);       /* "netvsc0" */
void hvrt_net_mac(const struct hvrt_nic *nic, uint8_t mac[6]);
uint32_t hvrt_net_mtu(const struct hvrt_nic *nic);            /* IP bytes, without the Ethernet header */
bool hvrt_net_link_up(const struct hvrt_nic *nic);
/* false once the host removed the NIC (a rescan may find it again). */
bool hvrt_net_present(const struct hvrt_nic *nic);
uint32_t hvrt_net_nvsp_version(const struct hvrt_nic *nic);
/* Link speed in 100 bps units, as the host reports it (0: unknown). */
uint32_t hvrt_net_link_speed(const struct hvrt_nic *nic);

/* RNDIS RESET: the host drops what it holds for the NIC; the packet
 * filter is set again when the host says it was lost. Passive only. 0, or
 * -1 (not up, or the host failed it). */
int hvrt_net_reset(struct hvrt_nic *nic);

/* Frames up, link changes: see the contexts above. receive's frame is
 * valid only during the call (it points into the shared receive buffer):
 * copy what you keep. */
struct hvrt_net_callbacks {
    void (*receive)(void *ctx, struct hvrt_nic *nic, const void *frame, uint32_t length);
    void (*link_changed)(void *ctx, struct hvrt_nic *nic, bool up);
    void *ctx;
};
void hvrt_net_set_callbacks(struct hvrt_nic *nic, const struct hvrt_net_callbacks *callbacks);

/* One frame in pieces (Ethernet header first, no FCS). */
struct hvrt_net_sg {
    const void *data;
    uint32_t length;
};
enum hvrt_net_result {
    HVRT_NET_OK = 0,          /* sent, or queued to be sent: the pieces may be reused at once */
    HVRT_NET_BAD_LENGTH,      /* under 14 bytes, or over the MTU + 14 */
    HVRT_NET_LINK_DOWN,       /* the host said the cable is out */
    HVRT_NET_REMOVED,         /* the NIC is gone */
    HVRT_NET_QUEUE_FULL,      /* tx_queue_frames frames already wait */
};
/* Copies the frame out and sends it; never blocks. Every result but OK is
 * a drop, counted. */
enum hvrt_net_result hvrt_net_send(struct hvrt_nic *nic, const struct hvrt_net_sg *pieces, unsigned count);

enum hvrt_net_drop {
    HVRT_NET_DROP_TX_BAD_LENGTH,
    HVRT_NET_DROP_TX_LINK_DOWN,
    HVRT_NET_DROP_TX_REMOVED,
    HVRT_NET_DROP_TX_QUEUE_FULL,
    HVRT_NET_DROP_TX_HOST_FAILED,   /* the host completed the send with a failure */
    HVRT_NET_DROP_RX_BAD_RANGE,     /* a transfer-page range outside the receive buffer, or overlapping */
    HVRT_NET_DROP_RX_BAD_RNDIS,     /* a truncated or malformed RNDIS message */
    HVRT_NET_DROP_RX_NO_RECEIVER,   /* no receive callback set */
    HVRT_NET_DROP_COUNT
};
struct hvrt_net_counters {
    uint64_t rx_frames, rx_bytes;
    uint64_t tx_frames, tx_bytes;   /* handed to the host */
    uint64_t tx_completed;          /* completed by the host */
    uint64_t tx_queued;             /* waited for a send section */
    uint64_t tx_gpa_direct;         /* too large for a section: sent from pages */
    uint64_t rx_packets;            /* transfer-page packets (each holds 1..n frames) */
    uint64_t link_changes;
    uint64_t control_errors;        /* RNDIS requests failed or timed out, bad NVSP messages */
    uint64_t drops[HVRT_NET_DROP_COUNT];
};
void hvrt_net_get_counters(const struct hvrt_nic *nic, struct hvrt_net_counters *out);
/* A short name for a drop reason, e.g. "rx bad range". */
const char *hvrt_net_drop_name(enum hvrt_net_drop reason);

#endif
