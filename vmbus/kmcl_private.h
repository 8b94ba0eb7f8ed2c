/* What the KMCL face's files (vmbus/kmcl_*.c) share, and nothing else
 * includes: the objects behind the handles of include/hvrt/vmbus.h. The
 * face keeps KMCL's own state (Disabled, Opened, Active) and the objects a
 * client holds; the protocol lives in the channel core (vmbus/vmbus.h),
 * which the face only calls.
 *
 * Contexts (lib/thread.h): the channel's interrupt only queues its dpc;
 * the dpc (kmcl_dispatch, dispatch level) writes queued sends and
 * completions, reads the ring and delivers packets, unless the client asked
 * for passive delivery; a work item on the passive worker (kmcl_state.c)
 * opens, starts and closes the channel and runs the state callbacks;
 * another delivers packets at passive level.
 *
 * Locking: one CPU. What the dpc shares with the client's calls is touched
 * with interrupts off (platform_irq_save), which keeps the SINT out and
 * the dispatch thread from preempting; state changes (passive) take the
 * channel's mutex; nothing is held across a callback into the client. */
#ifndef HVRT_VMBUS_KMCL_PRIVATE_H
#define HVRT_VMBUS_KMCL_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/vmbus.h>
#include "lib/thread.h"
#include "vmbus/vmbus.h"

#define KMCL_TIMEOUT_MS 5000          /* any one request to the host */
#define KMCL_MAX_TRANSACTIONS 256     /* ids 1..255; 0 is reserved */
#define KMCL_DEFAULT_RING_PAGES 8
#define KMCL_DEFAULT_MAX_PACKET 4096
#define KMCL_DEFAULT_QUOTA 64
#define KMCL_MAX_QUOTA 4096
#define KMCL_RECV_OVERHEAD 64         /* descriptor, a small extension, trailer */
#define KMCL_MAX_XFER_SETS 4          /* transfer page sets a channel maps */

/* KMCL's client states: Enabled waits for the offer (or opens it); Opened
 * is open and paused; Active delivers. */
enum kmcl_state { KMCL_DISABLED, KMCL_ENABLED, KMCL_OPENED, KMCL_ACTIVE };

enum kmcl_slot_state {
    SLOT_FREE,
    SLOT_READY,      /* read from the ring, waiting for delivery */
    SLOT_HELD,       /* delivered: the client owns it until PacketComplete */
    SLOT_REPLYING,   /* completed; its completion waits for room in the ring */
};

/* One received packet, from the ring until VmbChannelPacketComplete (and
 * until its completion packet is in the ring). The client's handle is
 * this address tagged with the slot's generation (kmcl_incoming.c), so a
 * stale second PacketComplete of a reused slot is recognised. */
struct vmb_packet_completion {
    VMBCHANNEL channel;
    enum kmcl_slot_state state;
    uint16_t generation;
    bool big;                     /* pkt lives in the channel's big buffer */
    bool defer;                   /* VmbChannelPacketDeferToPassive was called on it */
    struct vmb_packet_completion *next;   /* ready or replying list */
    struct vmbus_packet pkt;      /* points into buf (or the big buffer) */
    uint8_t *buf;                 /* slot_bytes, the one private copy */
    /* the completion to post: a COMP, or an in-band reply */
    uint16_t reply_type;
    uint32_t reply_length;
    /* VmbChannelPacketGetExternalData's answer, until the packet completes */
    MDL *mdls;
    uint32_t mdl_count;
};

struct vmb_packet {
    VMBCHANNEL channel;
    PFN_VMB_PACKET_COMPLETION_ROUTINE completion;
    PVOID pointer;
    bool from_allocate;           /* the default completion frees it */
    bool queued;                  /* waits in the channel's send queue */
    struct vmb_packet *next;      /* send queue */
    /* what goes into the ring (a copy, while queued) */
    uint16_t type, flags;
    uint32_t length, ext_len;
    const uint8_t *buffer;
    uint8_t *copy;                /* the inline data, once queued */
    uint8_t *ext;                 /* GPA-direct ranges, owned (malloc) */
    /* a synchronous request waits on these */
    volatile bool done;
    NTSTATUS status;
    void *reply;
    uint32_t reply_capacity, reply_length;
};

struct kmcl_xfer_set {
    uint16_t id;
    uint32_t gpadl;               /* 0: unused */
};

struct vmb_channel {
    volatile enum kmcl_state state;
    bool pause_requested;         /* Pause while disabled: paused at the next enable */
    bool failed;                  /* a malformed packet: no more delivery until re-enabled */
    bool passive;                 /* SetIncomingProcessingAtPassive(TRUE) */
    /* the execution model */
    struct dpc dpc;               /* kmcl_dispatch */
    struct work state_work;       /* kmcl_state_work: open, start, close after a rescind */
    struct work passive_work;     /* packets delivered at passive level */
    struct mutex lock;            /* state changes */
    struct thread *in_callback;   /* the thread running a state callback */
    bool disable_requested;       /* Disable from inside a state callback: done after it */
    volatile uint32_t running;    /* dpc or work items of this channel running now */
    NTSTATUS open_status;         /* the last open's failure (HvrtChannelWaitOpened) */
    bool offer_seen;
    uint32_t refused_relid;       /* the host refused this offer: wait for another */
    VMBCHANNEL next_enabled;      /* the channels waiting for offers */
    /* set while disabled */
    UINT32 max_packet, max_external, max_chain, context_size, flags, quota;
    UINT32 in_pages, out_pages;
    bool have_target, have_instance;
    struct vmbus_guid type, instance;
    PFN_VMB_CHANNEL_PNP_FAILURE pnp_failure;
    PFN_VMB_CHANNEL_PROCESS_PACKET process_packet;
    PFN_VMB_CHANNEL_PROCESSING_COMPLETE processing_complete;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS callbacks;
    char name[32];
    PVOID pointer;
    struct kmcl_xfer_set xfer_sets[KMCL_MAX_XFER_SETS];
    /* while enabled */
    struct vmbus_channel core;
    struct vmb_packet_completion *slots;
    uint32_t slot_count, slot_bytes;
    uint8_t *slot_data;
    uint8_t *big;                 /* one packet larger than a slot: the ring's size */
    uint32_t big_bytes;
    bool big_in_use;
    struct vmb_packet_completion *ready_head, *ready_tail;
    struct vmb_packet_completion *reply_head, *reply_tail;
    struct vmb_packet_completion *passive_head, *passive_tail;   /* deferred to passive */
    uint32_t held;                /* delivered, not yet completed */
    bool dispatching, again;      /* kmcl_dispatch is running; run it once more */
    struct vmb_packet *send_head, *send_tail;
    VMBPACKET transactions[KMCL_MAX_TRANSACTIONS];
    uint32_t next_transaction;
};

static inline bool kmcl_configurable(VMBCHANNEL ch) { return ch != NULL && ch->state == KMCL_DISABLED; }

/* kmcl_channel.c */
NTSTATUS kmcl_status(int vmbus_status);
/* Queues the channel's dpc (kmcl_dispatch); any context. */
void kmcl_kick(VMBCHANNEL ch);
/* kmcl_state.c: the passive side of the lifetime. */
void kmcl_state_work(void *arg);
void kmcl_watch_offers(VMBCHANNEL ch, bool watch);
/* Suspend (when active), wait for held packets, close, Closed; queued and
 * outstanding sends end with why. Lock held. */
void kmcl_close(VMBCHANNEL ch, NTSTATUS why);
void kmcl_start(VMBCHANNEL ch);
void kmcl_suspend(VMBCHANNEL ch);
void kmcl_wait_for_held(VMBCHANNEL ch);
void kmcl_call_state(VMBCHANNEL ch, void (*fn)(VMBCHANNEL));
/* kmcl_channel.c: Enabled -> Disabled, lock held. */
void kmcl_disabled(VMBCHANNEL ch);
/* kmcl_incoming.c: the core's callback, and the channel's deferred routine:
 * queued completions and sends out, the ring read, packets delivered. */
void kmcl_on_readable(struct vmbus_channel *core, void *ctx);
void kmcl_dispatch(void *ch);
void kmcl_passive_delivery(void *ch);
NTSTATUS kmcl_receive_alloc(VMBCHANNEL ch);
void kmcl_receive_free(VMBCHANNEL ch);
/* kmcl_outgoing.c */
void kmcl_default_completion(VMBPACKET Packet, NTSTATUS Status, PVOID Buffer, UINT32 BufferLength);
/* kmcl_send.c: the one send path. ext (malloc'd, or NULL) becomes the
 * packet's; may_queue false: STATUS_BUFFER_OVERFLOW rather than queue. */
NTSTATUS kmcl_send(VMBPACKET p, const void *buffer, UINT32 length, uint8_t *ext, UINT32 ext_len, UINT32 flags,
                   bool may_queue);
void kmcl_cancel_transactions(VMBCHANNEL ch, NTSTATUS status);
/* Writes what the send queue holds while the ring has room. */
void kmcl_flush_sends(VMBCHANNEL ch);
/* Ends every queued send with status (disable, rescind). */
void kmcl_cancel_sends(VMBCHANNEL ch, NTSTATUS status);
void kmcl_complete_transaction(VMBCHANNEL ch, const struct vmbus_packet *pkt);
/* kmcl_mdl.c: the GPA-direct ranges of an MDL chain, into *ext (malloc). */
NTSTATUS kmcl_ranges_from_mdl(PMDL mdl, UINT32 offset, UINT32 length, bool force_length, uint8_t **ext,
                              uint32_t *ext_len);
/* kmcl_mdl.c: the MDLs of a received packet's external data. */
NTSTATUS kmcl_external_mdls(VMBCHANNEL ch, struct vmb_packet_completion *c);

#endif
