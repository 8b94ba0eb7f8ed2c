/* KMCL channel lifetime, the client's calls: Allocate, Enable (returns at
 * once; kmcl_state.c opens), Pause/Start, Disable (returns when Suspend and
 * Closed ran and every held packet was completed), Cleanup, and hvrt's
 * HvrtChannelWaitOpened for simple apps. */
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "lib/thread.h"
#include "vmbus/kmcl_private.h"

NTSTATUS kmcl_status(int status)
{
    switch (status) {
    case VMBUS_OK:          return STATUS_SUCCESS;
    case VMBUS_E_NO_MEMORY: return STATUS_NO_MEMORY;
    case VMBUS_E_INVALID:   return STATUS_INVALID_PARAMETER;
    case VMBUS_E_RESCINDED: return STATUS_DEVICE_REMOVED;
    case VMBUS_E_TIMEOUT:   return STATUS_IO_TIMEOUT;
    case VMBUS_E_BUSY:      return STATUS_INSUFFICIENT_RESOURCES;
    case VMBUS_E_NO_HYPERV: return STATUS_NO_SUCH_DEVICE;
    default:                return STATUS_UNSUCCESSFUL;
    }
}

NTSTATUS VmbChannelAllocate(PDEVICE_OBJECT ParentDeviceObject, BOOLEAN IsServer, VMBCHANNEL *Channel)
{
    (void)ParentDeviceObject;   /* one VMBus per partition: there is nothing to choose */
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_3;
    *Channel = NULL;
    if (IsServer)
        return STATUS_NOT_SUPPORTED;
    VMBCHANNEL ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return STATUS_NO_MEMORY;
    ch->max_packet = KMCL_DEFAULT_MAX_PACKET;
    ch->quota = KMCL_DEFAULT_QUOTA;
    ch->in_pages = ch->out_pages = KMCL_DEFAULT_RING_PAGES;
    ch->next_transaction = 1;
    dpc_init(&ch->dpc, kmcl_dispatch, ch);
    work_init(&ch->state_work, kmcl_state_work, ch);
    work_init(&ch->passive_work, kmcl_passive_delivery, ch);
    mutex_init(&ch->lock);
    *Channel = ch;
    return STATUS_SUCCESS;
}

void kmcl_kick(VMBCHANNEL ch)
{
    dpc_queue(&ch->dpc);
}

NTSTATUS VmbChannelEnable(VMBCHANNEL Channel)
{
    VMBCHANNEL ch = Channel;
    if (!kmcl_configurable(ch))
        return STATUS_INVALID_PARAMETER_1;
    if (!ch->have_target)
        return STATUS_INVALID_DEVICE_STATE;
    /* The bus itself, not the peer: without it nothing could ever open. */
    int status = vmbus_connected() ? VMBUS_OK : vmbus_connect(NULL);
    if (status != VMBUS_OK) {
        NTSTATUS nt = kmcl_status(status == VMBUS_E_TIMEOUT ? VMBUS_E_NO_HYPERV : status);
        if (ch->pnp_failure != NULL)
            ch->pnp_failure(ch, nt);
        return nt;
    }
    NTSTATUS st = kmcl_receive_alloc(ch);
    if (!NT_SUCCESS(st))
        return st;
    mutex_lock(&ch->lock);
    ch->state = KMCL_ENABLED;
    ch->disable_requested = false;
    ch->open_status = STATUS_SUCCESS;
    ch->offer_seen = false;
    ch->refused_relid = 0;
    mutex_unlock(&ch->lock);
    kmcl_watch_offers(ch, true);
    work_queue(&ch->state_work);   /* opens now if the offer is there, else when it comes */
    return STATUS_SUCCESS;
}

/* The end of Disable, lock held: from Enabled to Disabled. */
void kmcl_disabled(VMBCHANNEL ch)
{
    kmcl_watch_offers(ch, false);
    kmcl_cancel_sends(ch, STATUS_CANCELLED);   /* queued before any open */
    ch->state = KMCL_DISABLED;
    ch->disable_requested = false;
    kmcl_receive_free(ch);
}

void VmbChannelDisable(VMBCHANNEL Channel)
{
    VMBCHANNEL ch = Channel;
    if (ch == NULL || ch->state == KMCL_DISABLED)
        return;
    if (ch->in_callback == thread_self()) {
        ch->disable_requested = true;   /* inside a state callback: done as soon as it returns */
        return;
    }
    mutex_lock(&ch->lock);
    if (ch->state == KMCL_OPENED || ch->state == KMCL_ACTIVE)
        kmcl_close(ch, STATUS_CANCELLED);
    if (ch->state != KMCL_DISABLED)
        kmcl_disabled(ch);
    mutex_unlock(&ch->lock);
}

/* Nothing of the channel may still be queued or running when it is freed. */
static void wait_idle(VMBCHANNEL ch)
{
    while (ch->dpc.queued || ch->state_work.queued || ch->passive_work.queued || ch->running > 0)
        thread_sleep_until(platform_time_ns() + 1000000);
}

void VmbChannelCleanup(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    VmbChannelDisable(Channel);   /* KMCL requires it disabled; be safe rather than leak */
    wait_idle(Channel);
    free(Channel);
}

void VmbChannelPause(VMBCHANNEL Channel)
{
    if (Channel == NULL || Channel->in_callback == thread_self())
        return;   /* KMCL: not from a state callback */
    if (Channel->state == KMCL_DISABLED) {
        Channel->pause_requested = true;   /* it opens paused */
        return;
    }
    mutex_lock(&Channel->lock);
    Channel->pause_requested = true;
    if (Channel->state == KMCL_ACTIVE) {
        kmcl_suspend(Channel);
        kmcl_wait_for_held(Channel);
    }
    mutex_unlock(&Channel->lock);
}

void VmbChannelStart(VMBCHANNEL Channel)
{
    if (Channel == NULL || Channel->in_callback == thread_self())
        return;
    if (Channel->state == KMCL_DISABLED) {
        Channel->pause_requested = false;
        return;
    }
    mutex_lock(&Channel->lock);
    Channel->pause_requested = false;
    if (Channel->state == KMCL_OPENED)
        kmcl_start(Channel);
    mutex_unlock(&Channel->lock);
}

NTSTATUS HvrtChannelWaitOpened(VMBCHANNEL Channel, UINT32 TimeoutMs)
{
    if (Channel == NULL || Channel->state == KMCL_DISABLED)
        return STATUS_INVALID_DEVICE_STATE;
    uint64_t now = platform_time_ns();
    uint64_t deadline = TimeoutMs == UINT32_MAX ? UINT64_MAX : now + (uint64_t)TimeoutMs * 1000000;
    for (;;) {
        /* Opened and started (or opened paused): the client's callbacks ran. */
        if (Channel->state == KMCL_ACTIVE || (Channel->state == KMCL_OPENED && Channel->pause_requested))
            return STATUS_SUCCESS;
        if (Channel->state == KMCL_DISABLED)
            return STATUS_DEVICE_REMOVED;
        if (!NT_SUCCESS(Channel->open_status))
            return Channel->open_status;   /* the host refused it, or Opened failed */
        if (platform_time_ns() >= deadline)
            return Channel->offer_seen ? STATUS_IO_TIMEOUT : STATUS_NO_SUCH_DEVICE;
        uint64_t nap = platform_time_ns() + 1000000;
        thread_sleep_until(nap < deadline ? nap : deadline);
    }
}

UINT32 HvrtChannelOfferCount(LPCGUID InterfaceType)
{
    if (InterfaceType == NULL || (!vmbus_connected() && vmbus_connect(NULL) != VMBUS_OK))
        return 0;
    struct vmbus_guid type;
    memcpy(&type, InterfaceType, sizeof(type));
    UINT32 n = 0;
    struct vmbus_offer o;
    for (unsigned i = 0; vmbus_offer_at(i, &o); i++)
        n += !o.rescinded && memcmp(&o.class_id, &type, sizeof(type)) == 0;
    return n;
}
