/* The synthetic NIC's driver state, shared by its files and nothing else:
 *   netvsc.c   the NIC's life: find, channel, bring-up, removal; net.h's getters
 *   nvsp.c     NVSP: version, NDIS config and version, receive and send buffers
 *   rndis.c    RNDIS control: requests and their completions, indications, keepalive
 *   rx.c       transfer-page packets -> frames up, and their acks
 *   tx.c       frames -> send sections or GPA-direct pages, the wait queue
 * It uses only the public API (hvrt/vmbus.h, hvrt/runtime.h). */
#ifndef HVRT_DRIVERS_NETVSC_H
#define HVRT_DRIVERS_NETVSC_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/net.h>
#include <hvrt/vmbus.h>

#include "drivers/netvsc/nvsp.h"
#include "drivers/netvsc/rndis.h"

#define NETVSC_MAX_SECTIONS 1024u     /* the send-section bitmap's size */
#define NETVSC_RNDIS_SLOTS 4u         /* RNDIS requests in flight */
#define NETVSC_RNDIS_REPLY 64u        /* bytes of an RNDIS completion kept */
#define NETVSC_GPA_BUFFERS 8u         /* bounce buffers for frames larger than a section */
#define NETVSC_RX_QUOTA 16u           /* receive packets KMCL may hand us at once */

enum netvsc_state {
    NETVSC_DOWN,          /* no channel, or taken down */
    NETVSC_OPENING,       /* enabled, waiting for KMCL's PostStarted */
    NETVSC_STARTED,       /* the channel runs: bring-up may talk */
    NETVSC_UP,            /* brought up: frames flow */
    NETVSC_REMOVED,       /* the host rescinded it */
};

/* An RNDIS request waiting for its completion (which comes as a receive). */
struct netvsc_request {
    volatile bool busy, done;
    uint32_t id;                      /* RNDIS request_id, small, never 0 */
    uint32_t type;                    /* the completion type expected */
    uint32_t length;
    uint8_t reply[NETVSC_RNDIS_REPLY];
};

/* A frame waiting for a send section. */
struct netvsc_pending {
    uint32_t length;
    uint8_t *frame;
};

struct hvrt_nic {
    volatile enum netvsc_state state;
    char name[16];
    struct hvrt_net_config config;
    VMBCHANNEL channel;
    uint32_t nvsp_version;
    uint8_t mac[6];
    uint32_t mtu;                     /* IP bytes */
    volatile bool link_up;
    uint32_t link_speed;
    struct hvrt_net_callbacks callbacks;
    struct hvrt_net_counters counters;

    /* receive buffer (the transfer page set) */
    uint8_t *recv_buf;
    uint32_t recv_size, recv_gpadl;
    uint32_t recv_section_size, recv_section_count;
    /* send buffer: sections of section_size bytes, a bit each when busy */
    uint8_t *send_buf;
    uint32_t send_size, send_gpadl;
    uint32_t section_size, section_count;
    volatile uint64_t section_busy[NETVSC_MAX_SECTIONS / 64];
    /* frames over a section's size: GPA-direct from these */
    uint8_t *gpa_buf[NETVSC_GPA_BUFFERS];
    uint32_t gpa_pages;
    volatile uint64_t gpa_busy;
    /* frames waiting for a section: a ring of tx_queue_frames */
    struct netvsc_pending *pending;
    uint32_t pending_head, pending_count;
    volatile int tx_lock;
    volatile bool tx_kick;            /* a section freed while the lock was held */

    struct netvsc_request requests[NETVSC_RNDIS_SLOTS];
    uint32_t next_request_id;
    uint32_t ranges[NVSP_MAX_RANGES][2];   /* one receive packet's ranges: offset, length */
    uint32_t sorted[NVSP_MAX_RANGES][2];   /* the same, by offset, to find overlaps */
};

/* netvsc.c */
uint64_t netvsc_deadline(const struct hvrt_nic *nic);
bool netvsc_wait(volatile bool *flag, uint64_t deadline_ns);
void netvsc_set_link(struct hvrt_nic *nic, bool up);
void netvsc_removed(struct hvrt_nic *nic);
/* Posts an NVSP message in-band without asking for a completion. */
NTSTATUS netvsc_post(struct hvrt_nic *nic, const void *msg, uint32_t length);

/* nvsp.c: NVSP bring-up and the buffers' teardown. */
int nvsp_connect(struct hvrt_nic *nic);
void nvsp_revoke(struct hvrt_nic *nic);
void nvsp_free_buffers(struct hvrt_nic *nic);

/* rndis.c */
int rndis_bring_up(struct hvrt_nic *nic);
/* One RNDIS message the host wrote (a received range that is not a data
 * frame): completions, indications, keepalives. */
void rndis_control(struct hvrt_nic *nic, const uint8_t *msg, uint32_t length);
void rndis_cancel_requests(struct hvrt_nic *nic);

/* rx.c: ProcessPacket. */
void netvsc_process_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags);

/* tx.c */
int tx_init(struct hvrt_nic *nic);
void tx_free(struct hvrt_nic *nic);
/* Sends one RNDIS message (control or data) already built in a section or
 * a GPA buffer; see tx.c. */
NTSTATUS tx_control(struct hvrt_nic *nic, const void *msg, uint32_t length);

#endif
