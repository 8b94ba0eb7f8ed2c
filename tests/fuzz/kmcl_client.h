/* The KMCL clients fuzz_kmcl drives: written on the public API only
 * (include/hvrt/vmbus.h), as a driver would be. One talks to hvsim's echo
 * device (its completions must carry back what was sent), one to the sink
 * (the fuzzer writes its inbound ring). ProcessPacket completes, replies,
 * holds or fails each packet as the script's policy says; Suspend completes
 * what is held; Closed checks nothing is. Every send's completion routine
 * must run exactly once (the context it frees would otherwise leak or be
 * freed twice, which ASan reports). */
#ifndef HVRT_TESTS_FUZZ_KMCL_CLIENT_H
#define HVRT_TESTS_FUZZ_KMCL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/vmbus.h>
#include "tests/hvsim/vmbus_host.h"
#include "vmbus/vmbus_msgs.h"   /* struct vmbus_guid: the guest's view of a class */

#define CLIENT_HELD_MAX 8u

struct client_config {
    bool passive;                /* VmbChannelSetIncomingProcessingAtPassive */
    uint32_t quota, max_packet;
};

struct client {
    const char *name;
    enum hvsim_vmbus_model_id model;
    struct vmbus_guid class_id;
    VMBCHANNEL ch;
    uint32_t relid;              /* while up */
    struct client_config config;
    VMBPACKETCOMPLETION held[CLIENT_HELD_MAX];
    unsigned held_count;
    uint8_t policy;              /* what ProcessPacket does (see kmcl_client.c) */
    uint8_t on_open;             /* EvtChannelOpened: 0 succeeds, 1 fails, 2 disables the channel */
    bool paused;                 /* VmbChannelPause'd: inactive, not broken */
    uint64_t delivered, sent_ok;
};

/* Allocate, configure and enable; false (and c->ch NULL) when it failed. */
bool client_up(struct client *c);
/* Cleanup (which disables): every held packet and pending send ends. */
void client_down(struct client *c);
/* Up, active (or paused), and its queue not stopped by a bad packet. */
bool client_healthy(const struct client *c);
void client_pause(struct client *c, bool pause);
/* The host's ring the guest reads (for the fuzzer to write). */
struct vmbus_ring *client_in_ring(const struct client *c);

/* Completes up to n held packets: 0 plain, 1 with a completion buffer,
 * 2 with a reply packet. */
void client_complete_held(struct client *c, unsigned n, unsigned how);

/* One send of `len` bytes of `bytes` (mode: see kmcl_client.c); ext is a
 * page-aligned buffer of ext_pages pages in guest memory for external data,
 * ext_pfns their page numbers. */
void client_send(struct client *c, unsigned mode, const uint8_t *bytes, uint32_t len, uint8_t *ext,
                 const uint64_t *ext_pfns, uint32_t ext_pages, uint32_t arg);

/* A GPADL over ext pages, then deleted or kept for the close to end. */
void client_gpadl(struct client *c, uint8_t *ext, uint32_t pages, unsigned how);

/* Calls with a driver's mistakes in them; each must be refused. */
void client_misuse(struct client *c, uint8_t *ext, const uint64_t *ext_pfns);

#endif
