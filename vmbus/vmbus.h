/* The VMBus channel core as the rest of hvrt uses it: connect and
 * negotiate, the registry of offered channels. (Channels and the KMCL face
 * build on this.) Reaches the machine only through arch/platform.h. */
#ifndef HVRT_VMBUS_VMBUS_H
#define HVRT_VMBUS_VMBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmbus/vmbus_msgs.h"

enum vmbus_status {
    VMBUS_OK = 0,
    VMBUS_E_NO_HYPERV = -1,      /* no SynIC / messages: VMBus cannot run here */
    VMBUS_E_TIMEOUT = -2,        /* the host did not answer in time */
    VMBUS_E_REFUSED = -3,        /* the host answered no (no common version, open failed, ...) */
    VMBUS_E_HOST = -4,           /* a hypercall failed */
    VMBUS_E_NO_MEMORY = -5,
    VMBUS_E_INVALID = -6,        /* a bad argument */
    VMBUS_E_RESCINDED = -7,      /* the channel was taken away */
    VMBUS_E_NOT_CONNECTED = -8,
    VMBUS_E_BUSY = -9,
};

const char *vmbus_status_name(int status);

/* ---- connection.c ---- */

struct vmbus_connect_options {
    uint32_t highest_version;    /* 0: the newest we know (6.0) */
    uint64_t timeout_ms;         /* per request; 0: 1000 */
};

/* Negotiates the newest common version (6.0 down to 2.4), then requests the
 * offers and waits until all are delivered. */
int vmbus_connect(const struct vmbus_connect_options *options);
/* UNLOAD and wait for the answer (bounded); detaches from the SINT. */
void vmbus_disconnect(void);
bool vmbus_connected(void);
uint32_t vmbus_version(void);              /* negotiated, 0 before */
uint32_t vmbus_message_connection_id(void);

/* Sends one channel message (header included). */
int vmbus_post(const void *msg, uint32_t size);

/* Sends msg and waits for the reply of reply_type whose key (the u32 at
 * key_offset in the reply; no key when key_offset is 0) equals key. The
 * reply, up to reply_size bytes, lands in reply. Offers and rescinds keep
 * flowing meanwhile. */
int vmbus_request(const void *msg, uint32_t size, uint32_t reply_type, uint32_t key_offset,
                  uint32_t key, void *reply, uint32_t reply_size, uint64_t timeout_ms);

/* The same in steps, for requests of several messages (GPADLs) or tied to
 * a channel: expect the reply first (it can come before the post returns),
 * post, then await it, or forget it when the post failed. */
struct vmbus_waiter;
struct vmbus_waiter *vmbus_expect(uint32_t reply_type, uint32_t key_offset, uint32_t key, uint32_t relid);
int vmbus_await(struct vmbus_waiter *w, void *reply, uint32_t reply_size, uint64_t timeout_ms);
void vmbus_forget(struct vmbus_waiter *w);

/* Wakes every request tied to this relid with VMBUS_E_RESCINDED. */
void vmbus_cancel_requests(uint32_t relid);

/* The smallest payload of a host->guest message type at a protocol
 * version, from the table the connection dispatches with; 0 for a type a
 * host never sends (or we do not know). */
uint32_t vmbus_msg_min_size(uint32_t type, uint32_t version);

/* Counters, for tests and vmbus-info. */
struct vmbus_counters {
    uint64_t messages_received, messages_rejected, messages_sent;
};
void vmbus_get_counters(struct vmbus_counters *out);

/* ---- offer.c ---- */

#define VMBUS_MAX_OFFERS 1024
#define VMBUS_MAX_RELID 2047

struct vmbus_offer {
    struct vmbus_guid class_id, instance_id;
    uint32_t relid;
    uint32_t connection_id;      /* HvSignalEvent target */
    uint16_t sub_channel_index;
    uint16_t flags;              /* VMBUS_OFFER_FLAG_* */
    uint8_t monitor_id;
    bool monitor_allocated;
    bool dedicated_interrupt;
    bool rescinded;
    uint8_t user_data[120];
};

/* Message handlers (connection.c dispatches to them). */
void vmbus_offers_reset(void);
void vmbus_on_offer(const struct vmbus_msg_offer *msg);
void vmbus_on_rescind(uint32_t relid);
void vmbus_on_all_offers_delivered(void);
/* Tells the host a rescinded relid is free for reuse. */
void vmbus_release_relid(uint32_t relid);
bool vmbus_all_offers_delivered(void);

/* True while the host's live offer of o->relid is the device o describes
 * (same class and instance): a copy kept across a rescind is stale, and its
 * relid may already name another device. */
bool vmbus_offer_is_current(const struct vmbus_offer *o);
/* A copy of the i-th live offer, in arrival order; false past the end. */
bool vmbus_offer_at(unsigned i, struct vmbus_offer *out);
unsigned vmbus_offer_count(void);
/* fn learns of every offer kept (a late one, a re-offer after a rescind),
 * in interrupt context: it may only queue work. One watcher (the KMCL face). */
typedef void (*vmbus_offer_fn)(const struct vmbus_offer *offer);
void vmbus_offers_watch(vmbus_offer_fn fn);
/* Waits until an offer of this class (and instance, unless NULL) exists. */
int vmbus_wait_offer(const struct vmbus_guid *class_id, const struct vmbus_guid *instance_id,
                     uint64_t timeout_ms, struct vmbus_offer *out);

/* ---- gpadl.c ---- */

/* Describes pages (page-aligned va, 1..8190 pages) to the host for relid.
 * *handle is set as soon as the first message reached the host, failure or
 * not, so a caller can tear down what the host may hold; it stays 0 when
 * nothing reached the host (the pages were never shared). */
int vmbus_gpadl_create(uint32_t relid, void *va, uint32_t pages, uint32_t *handle, uint64_t timeout_ms);
/* Until this returns VMBUS_OK, the pages must not be freed. */
int vmbus_gpadl_teardown(uint32_t relid, uint32_t handle, uint64_t timeout_ms);

/* ---- channel.c ---- */

#include "vmbus/ring.h"

struct vmbus_channel;
typedef void (*vmbus_channel_fn)(struct vmbus_channel *ch, void *ctx);

/* A channel's one state; its transitions are checked in one place
 * (channel.c, set_state):
 *   CLOSED -> OPENING            vmbus_channel_open starts
 *   OPENING -> OPEN | CLOSED     the host accepted | the open failed
 *   OPENING, OPEN -> RESCINDED   the host took the offer back
 *   OPEN, RESCINDED -> CLOSED    vmbus_channel_close (GPADLs torn down, then
 *                                a rescinded relid released)
 * A rescinded channel keeps its relid until it is closed: the host forgets
 * what a relid holds once it is released, and would never answer the
 * teardown of a GPADL after that. */
enum vmbus_channel_state {
    VMBUS_CHANNEL_CLOSED = 0,
    VMBUS_CHANNEL_OPENING,
    VMBUS_CHANNEL_OPEN,
    VMBUS_CHANNEL_RESCINDED,
};

#define VMBUS_CHANNEL_MAX_GPADLS 32   /* besides the rings' own */

struct vmbus_channel_gpadl {
    uint32_t handle;             /* 0: a free slot */
    void *va;
    uint32_t pages;
};

struct vmbus_channel {
    struct vmbus_offer offer;
    void *ring_pages;            /* both rings, one allocation, one GPADL */
    uint32_t ring_page_count, out_page_count;
    uint32_t gpadl;
    struct vmbus_ring out, in;
    vmbus_channel_fn on_readable;  /* interrupt context: packets wait, room was made, or a rescind */
    void *ctx;
    volatile enum vmbus_channel_state state;
    struct vmbus_channel_gpadl gpadls[VMBUS_CHANNEL_MAX_GPADLS];   /* the owner's, torn down at close at the latest */
    uint64_t signals_sent;       /* HvSignalEvent calls: the protocol allows few */
};

/* Allocates both rings (out_bytes, in_bytes: multiples of 4096), creates
 * their GPADL and opens the channel. */
int vmbus_channel_open(struct vmbus_channel *ch, const struct vmbus_offer *offer, uint32_t out_bytes,
                       uint32_t in_bytes, const void *user_data, uint32_t user_len,
                       vmbus_channel_fn on_readable, void *ctx, uint64_t timeout_ms);
/* CLOSECHANNEL (unless rescinded), then the teardown of every GPADL the
 * owner still has on the channel and of the rings' own, then (rescinded)
 * RELID_RELEASED. The ring pages are freed only once the host confirmed the
 * teardown (else they stay allocated: never reused unsafely). */
int vmbus_channel_close(struct vmbus_channel *ch, uint64_t timeout_ms);

enum vmbus_channel_state vmbus_channel_state(const struct vmbus_channel *ch);
/* True once the host rescinded the channel (until it is closed). */
bool vmbus_channel_rescinded(const struct vmbus_channel *ch);
/* The offer the channel was opened on. */
const struct vmbus_offer *vmbus_channel_offer(const struct vmbus_channel *ch);

/* A GPADL over the owner's pages, tied to this channel: created only while
 * it is open (VMBUS_E_RESCINDED after a rescind, at once), torn down by
 * vmbus_channel_gpadl_teardown or, at the latest, by the close, before the
 * relid is released. As vmbus_gpadl_create, *handle is set once the host
 * heard of it. */
int vmbus_channel_gpadl_create(struct vmbus_channel *ch, void *va, uint32_t pages, uint32_t *handle,
                               uint64_t timeout_ms);
/* VMBUS_E_INVALID for a handle the channel does not hold (never created,
 * already torn down, or gone with the close). */
int vmbus_channel_gpadl_teardown(struct vmbus_channel *ch, uint32_t handle, uint64_t timeout_ms);
/* The memory behind one of the channel's GPADLs; NULL for a handle it does
 * not hold. */
const struct vmbus_channel_gpadl *vmbus_channel_gpadl_find(const struct vmbus_channel *ch, uint32_t handle);
/* The guest memory at gpa, bytes long, when it lies wholly inside one of
 * the channel's GPADLs (memory the owner shared on purpose); else NULL. A
 * host that points elsewhere gets nothing. */
void *vmbus_channel_gpadl_va(const struct vmbus_channel *ch, uint64_t gpa, uint32_t bytes);

/* Writes one packet, signalling the host only when the ring protocol says so. */
int vmbus_channel_send(struct vmbus_channel *ch, const struct vmbus_packet_out *p);
/* Copies the next packet into buf (the one private copy) and validates it,
 * without consuming it; VMBUS_E_BUSY when empty, VMBUS_E_INVALID (with the
 * ring's verdict in *ring_error) when malformed. */
int vmbus_channel_peek(struct vmbus_channel *ch, void *buf, uint32_t buf_size, struct vmbus_packet *pkt,
                       enum vmbus_ring_result *ring_error);
/* Consumes the packet the last good peek returned and tells the host (only
 * when it was blocked on a full ring). */
void vmbus_channel_consume(struct vmbus_channel *ch);
/* Batching: no interrupts from the host while the owner drains the
 * inbound ring; unmask returns true when packets came meanwhile (drain
 * again: no interrupt will come for them). */
void vmbus_channel_mask(struct vmbus_channel *ch);
bool vmbus_channel_unmask(struct vmbus_channel *ch);
/* Peek and consume in one. */
int vmbus_channel_recv(struct vmbus_channel *ch, void *buf, uint32_t buf_size, struct vmbus_packet *pkt,
                       enum vmbus_ring_result *ring_error);

/* Called by connection.c for every relid flag the host set. */
void vmbus_channel_event(uint32_t relid);
/* A new connection starts with no channel open (the host forgot them too). */
void vmbus_channels_forget(void);
/* Called by offer.c on a rescind: true when a channel is open on relid
 * (it then sends RELID_RELEASED itself once closed). */
bool vmbus_channel_rescind(uint32_t relid);

#endif
