/* What the KMCL face's files (vmbus/kmcl_*.c) share, and nothing else
 * includes: the objects behind the handles of include/hvrt/vmbus.h. The
 * face keeps KMCL's own state (Disabled, Opened, Active) and the objects a
 * client holds; the protocol lives in the channel core (vmbus/vmbus.h),
 * which the face only calls. */
#ifndef HVRT_VMBUS_KMCL_PRIVATE_H
#define HVRT_VMBUS_KMCL_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/vmbus.h>
#include "vmbus/vmbus.h"

#define KMCL_TIMEOUT_MS 5000          /* any one request to the host */
#define KMCL_MAX_TRANSACTIONS 256     /* ids 1..255; 0 is reserved */
#define KMCL_DEFAULT_RING_PAGES 8
#define KMCL_DEFAULT_MAX_PACKET 4096
#define KMCL_DEFAULT_QUOTA 64

enum kmcl_state { KMCL_DISABLED, KMCL_OPENED, KMCL_ACTIVE };

/* One received packet, from the ring until VmbChannelPacketComplete. */
struct vmb_packet_completion {
    VMBCHANNEL channel;
    bool in_use;
    bool wants_completion;
    uint64_t transaction_id;
    uint32_t length;
    uint8_t *data;                /* max_packet bytes, copied out of the ring */
    /* A transfer-page packet: its ranges as an MDL chain into the channel's
     * transfer page set (max_chain entries), or why there is none. */
    PMDL mdls;
    NTSTATUS external_status;
};

struct vmb_packet {
    VMBCHANNEL channel;
    PFN_VMB_PACKET_COMPLETION_ROUTINE completion;
    PVOID pointer;
    bool from_allocate;           /* the default completion frees it */
    /* a synchronous request waits on these */
    volatile bool done;
    NTSTATUS status;
    void *reply;
    uint32_t reply_capacity, reply_length;
};

struct vmb_channel {
    enum kmcl_state state;
    bool pause_requested;         /* Pause while disabled: paused at the next enable */
    bool failed;                  /* a malformed packet: no more delivery until re-enabled */
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
    /* while enabled */
    struct vmbus_channel core;
    struct vmb_packet_completion *completions;
    uint8_t *completion_data, *receive_buffer;
    uint32_t receive_size;        /* bytes of receive_buffer */
    MDL *mdl_pool;                /* quota * max_chain MDLs, when max_chain is set */
    /* The transfer page set: the first GPADL the client created (see
     * kmcl_incoming.c), what it describes. */
    uint32_t xfer_gpadl, xfer_bytes;
    uint8_t *xfer_va;
    uint32_t outstanding;         /* delivered, not yet completed */
    VMBPACKET transactions[KMCL_MAX_TRANSACTIONS];
    uint32_t next_transaction;
};

static inline bool kmcl_configurable(VMBCHANNEL ch) { return ch != NULL && ch->state == KMCL_DISABLED; }

/* kmcl_channel.c */
NTSTATUS kmcl_status(int vmbus_status);
/* kmcl_incoming.c: the core's callback, and the receive loop. */
void kmcl_on_readable(struct vmbus_channel *core, void *ctx);
void kmcl_drain(VMBCHANNEL ch);
/* kmcl_outgoing.c: ends every outstanding transaction with status. */
void kmcl_cancel_transactions(VMBCHANNEL ch, NTSTATUS status);
NTSTATUS kmcl_send(VMBPACKET p, const void *buffer, UINT32 length, const void *ext, UINT32 ext_len, UINT32 flags);
/* kmcl_mdl.c: the GPA-direct ranges of an MDL chain (see there). */
NTSTATUS kmcl_ranges_from_mdl(PMDL mdl, UINT32 offset, UINT32 length, bool force_length, uint8_t *ext,
                              uint32_t ext_size, uint32_t *ext_len);

#endif
