/* hvsim's synthetic NIC: the host side of NVSP and RNDIS on a VMBus
 * channel (offer it as model HVSIM_VMBUS_NETVSC), written from
 * /work/shared/reference/devices.md section 1 with the host's own wire
 * definitions (dev_netvsc_wire.h). It validates everything the guest sends
 * and counts what it refused. Frames the guest sends go to a backend: an
 * in-process port (a queue the test reads, or a sink function), or a TAP
 * device (so a real Linux stack answers). Frames for the guest are
 * injected (port) or read from the TAP; they reach the guest in the
 * receive buffer it announced, several per transfer-page packet. */
#ifndef HVSIM_DEV_NETVSC_H
#define HVSIM_DEV_NETVSC_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/hvsim/vmbus_host.h"

/* Changeable at run time with hvsim_netvsc_set_faults; the counts are
 * used up one packet at a time. */
struct hvsim_netvsc_faults {
    bool rndis_init_fails;          /* INITIALIZE_CMPLT with RNDIS_STATUS_FAILURE */
    bool query_fails;               /* every QUERY_CMPLT fails */
    uint32_t range_outside;         /* next N receive packets: a range past the receive buffer */
    uint32_t range_overlap;         /* next N receive packets: two ranges overlap */
    uint32_t truncate;              /* next N messages: msg_len larger than their range */
    bool stop_completing_sends;     /* guest sends are taken but not completed (clear, then resume) */
};

struct hvsim_netvsc_config {
    uint32_t min_version, max_version; /* NVSP versions accepted (0: 1 .. 6.1) */
    uint32_t mtu;                   /* 0: 1500 */
    uint8_t mac[6];                 /* all zero: 00:15:5d:68:76:01 */
    bool link_down;                 /* the cable starts out */
    uint32_t tx_section_size;       /* 0: 6144 (OpenVMM's answer) */
    uint32_t frames_per_packet;     /* receive batching, 0: 32 */
    int tap_fd;                     /* > 0: the TAP backend on this descriptor */
    struct hvsim_netvsc_faults faults;
};

struct hvsim_netvsc;
/* The device on the open channel relid, or NULL. */
struct hvsim_netvsc *hvsim_netvsc_get(struct hvsim_vmbus *vb, uint32_t relid);

/* Host -> guest: queues one frame (14..MTU+14 bytes). 0, or -1 when the
 * guest has not set a packet filter (the frame is dropped, counted), or
 * the queue is full. */
int hvsim_netvsc_inject(struct hvsim_netvsc *dev, const void *frame, uint32_t length);
/* While held, injected frames only queue; letting go delivers them
 * together, frames_per_packet to a transfer-page packet. */
void hvsim_netvsc_hold(struct hvsim_netvsc *dev, bool hold);
/* Guest -> host (port backend): the oldest frame not yet taken; its
 * length, or -1 when there is none. */
int hvsim_netvsc_take(struct hvsim_netvsc *dev, void *buf, uint32_t size);
/* Guest frames go to fn instead of the port queue (benchmarks). */
void hvsim_netvsc_set_sink(struct hvsim_netvsc *dev, void (*fn)(void *ctx, const uint8_t *frame, uint32_t length),
                           void *ctx);

void hvsim_netvsc_set_link(struct hvsim_netvsc *dev, bool up);   /* INDICATE_STATUS */
void hvsim_netvsc_network_change(struct hvsim_netvsc *dev);      /* INDICATE_STATUS NETWORK_CHANGE */
void hvsim_netvsc_keepalive(struct hvsim_netvsc *dev);           /* the host asks: is the guest there? */
void hvsim_netvsc_set_faults(struct hvsim_netvsc *dev, const struct hvsim_netvsc_faults *f);
/* Completes the sends held while stop_completing_sends was set. */
void hvsim_netvsc_resume_sends(struct hvsim_netvsc *dev);

struct hvsim_netvsc_stats {
    uint32_t version;               /* NVSP, 0 before INIT */
    uint32_t ndis_major, ndis_minor, ndis_mtu;
    bool rx_buffer, tx_buffer;      /* announced and not revoked */
    uint32_t rx_section_size, rx_section_count, tx_section_size;
    bool rndis_initialized;
    uint32_t filter;
    bool link_up;
    uint64_t frames_to_guest, bytes_to_guest, rx_packets;
    uint64_t frames_from_guest, bytes_from_guest, tx_gpa_direct;
    uint64_t acks, naks;            /* the guest's answers to receive packets */
    uint64_t control_requests, keepalives_sent, keepalives_answered, resets;
    uint64_t held_sends;
    uint64_t drops_no_filter, drops_queue_full;
    uint64_t protocol_errors;       /* anything the guest got wrong */
};
void hvsim_netvsc_stats(const struct hvsim_netvsc *dev, struct hvsim_netvsc_stats *out);

/* ---- for vmbus_devices.c ---- */
enum hvsim_vmbus_verdict hvsim_netvsc_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt);
void hvsim_netvsc_on_room(struct hvsim_vmbus_chan *ch);
void hvsim_netvsc_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch);
void hvsim_netvsc_on_close(struct hvsim_vmbus_chan *ch);

/* ---- TAP (dev_netvsc_tap.c) ---- */
/* Opens (creating) the TAP interface name; its descriptor (non-blocking),
 * or -1 with errno (no /dev/net/tun, not root). */
int hvsim_tap_open(const char *name);

#endif
