/* The passive side of a KMCL channel's life. VmbChannelEnable returns at
 * once; this work item (on the passive worker) opens the channel when a
 * matching offer is there or arrives (a late offer, a re-offer after a
 * rescind), runs Opened, Started and PostStarted in that order, and after
 * a rescind runs Suspend and Closed and waits for the next offer. Offers
 * reach it through the registry's watcher (vmbus_offers_watch), which
 * only queues the work. Every state callback runs here or in the client's
 * own passive call (Disable, Pause, Start), with the channel's lock held. */
#include <string.h>

#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

static VMBCHANNEL enabled_head;   /* channels that want offers; interrupts off to touch */

/* Interrupt context: an offer arrived. Whoever waits for one looks. */
static void offer_arrived(const struct vmbus_offer *offer)
{
    (void)offer;
    for (VMBCHANNEL ch = enabled_head; ch != NULL; ch = ch->next_enabled)
        work_queue(&ch->state_work);
}

void kmcl_watch_offers(VMBCHANNEL ch, bool watch)
{
    static bool registered;
    platform_irq_state s = platform_irq_save();
    if (!registered)
        vmbus_offers_watch(offer_arrived);
    registered = true;
    VMBCHANNEL *link = &enabled_head;
    while (*link != NULL && *link != ch)
        link = &(*link)->next_enabled;
    if (watch && *link == NULL) {
        ch->next_enabled = enabled_head;
        enabled_head = ch;
    } else if (!watch && *link == ch) {
        *link = ch->next_enabled;
    }
    platform_irq_restore(s);
}

void kmcl_call_state(VMBCHANNEL ch, void (*fn)(VMBCHANNEL))
{
    if (fn == NULL)
        return;
    ch->in_callback = thread_self();
    fn(ch);
    ch->in_callback = NULL;
}

/* Active: Started, the queue runs, then PostStarted (where synchronous
 * requests may wait: the dpc delivers their completions meanwhile). */
void kmcl_start(VMBCHANNEL ch)
{
    kmcl_call_state(ch, ch->callbacks.EvtChannelStarted);
    ch->state = KMCL_ACTIVE;
    kmcl_kick(ch);
    kmcl_call_state(ch, ch->callbacks.EvtChannelPostStarted);
}

/* Stops delivery; Suspend lets the client finish what it holds. */
void kmcl_suspend(VMBCHANNEL ch)
{
    ch->state = KMCL_OPENED;
    kmcl_call_state(ch, ch->callbacks.EvtChannelSuspend);
}

/* KMCL: Disable and Pause return once the client completed what it holds
 * (Suspend is where it finishes them, maybe on another thread). */
void kmcl_wait_for_held(VMBCHANNEL ch)
{
    while (ch->held > 0)
        thread_sleep_until(platform_time_ns() + 1000000);
}

void kmcl_close(VMBCHANNEL ch, NTSTATUS why)
{
    if (ch->state == KMCL_ACTIVE)
        kmcl_suspend(ch);
    kmcl_wait_for_held(ch);
    ch->state = KMCL_ENABLED;   /* no more reads or deliveries from here on */
    kmcl_dispatch(ch);          /* completions that waited for room: now or never */
    if (vmbus_channel_rescinded(&ch->core))
        why = STATUS_DEVICE_REMOVED;
    vmbus_channel_close(&ch->core, KMCL_TIMEOUT_MS);
    kmcl_cancel_sends(ch, why);
    kmcl_cancel_transactions(ch, why);
    kmcl_call_state(ch, ch->callbacks.EvtChannelClosed);
}

/* The first live offer of the target, unless it is the one the host just
 * refused (then the next offer is awaited). */
static bool find_offer(VMBCHANNEL ch, struct vmbus_offer *o)
{
    if (vmbus_wait_offer(&ch->type, ch->have_instance ? &ch->instance : NULL, 0, o) != VMBUS_OK)
        return false;
    ch->offer_seen = true;
    return o->relid != ch->refused_relid;
}

/* The offer was found but the open failed: the host's doing (the
 * PnP-failure callback hears of it) or the client's own Opened. */
static void open_failed(VMBCHANNEL ch, uint32_t relid, NTSTATUS status, bool by_host)
{
    ch->open_status = status;
    ch->refused_relid = relid;
    if (by_host && ch->pnp_failure != NULL) {
        ch->in_callback = thread_self();
        ch->pnp_failure(ch, status);
        ch->in_callback = NULL;
    }
}

/* Enabled -> Opened (-> Active). Lock held. */
static void try_open(VMBCHANNEL ch)
{
    struct vmbus_offer offer;
    if (!find_offer(ch, &offer))
        return;   /* offer_arrived queues us again */
    ch->failed = false;
    int status = vmbus_channel_open(&ch->core, &offer, ch->out_pages * 4096, ch->in_pages * 4096, NULL, 0,
                                    kmcl_on_readable, ch, KMCL_TIMEOUT_MS);
    if (status != VMBUS_OK) {
        open_failed(ch, offer.relid, status == VMBUS_E_REFUSED ? STATUS_UNSUCCESSFUL : kmcl_status(status), true);
        return;
    }
    ch->state = KMCL_OPENED;
    ch->open_status = STATUS_SUCCESS;
    ch->refused_relid = 0;
    NTSTATUS opened = STATUS_SUCCESS;
    if (ch->callbacks.EvtChannelOpened != NULL) {
        ch->in_callback = thread_self();
        opened = ch->callbacks.EvtChannelOpened(ch);
        ch->in_callback = NULL;
    }
    if (!NT_SUCCESS(opened)) {
        /* Rolled back: no traffic, and no Closed for an open that failed. */
        ch->state = KMCL_ENABLED;
        vmbus_channel_close(&ch->core, KMCL_TIMEOUT_MS);
        kmcl_cancel_sends(ch, STATUS_CANCELLED);
        open_failed(ch, offer.relid, opened, false);
    }
}

void kmcl_state_work(void *arg)
{
    VMBCHANNEL ch = arg;
    __atomic_add_fetch(&ch->running, 1, __ATOMIC_SEQ_CST);
    mutex_lock(&ch->lock);
    for (bool again = true; again;) {
        again = false;
        bool open = ch->state == KMCL_OPENED || ch->state == KMCL_ACTIVE;
        if (open && (ch->disable_requested || vmbus_channel_rescinded(&ch->core))) {
            kmcl_close(ch, STATUS_CANCELLED);   /* back to Enabled: a re-offer opens it again */
            again = !ch->disable_requested;
        } else if (ch->state == KMCL_ENABLED && !ch->disable_requested) {
            try_open(ch);
            again = ch->state == KMCL_OPENED;
        } else if (ch->state == KMCL_OPENED && !ch->pause_requested) {
            kmcl_start(ch);
            again = ch->disable_requested;   /* from Started or PostStarted */
        }
    }
    if (ch->disable_requested && ch->state == KMCL_ENABLED)
        kmcl_disabled(ch);
    mutex_unlock(&ch->lock);
    __atomic_sub_fetch(&ch->running, 1, __ATOMIC_SEQ_CST);
}
