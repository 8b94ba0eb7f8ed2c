/* KMCL channel lifetime: Allocate, Enable, Pause/Start, Disable, Cleanup,
 * and the state callbacks in their documented order (Opened, Started,
 * PostStarted; Suspend, Closed). The open and close themselves are the
 * channel core's (vmbus_channel_open/close). */
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
    *Channel = ch;
    return STATUS_SUCCESS;
}

static void call_state(VMBCHANNEL ch, PFN_VMB_CHANNEL_CLOSED fn)
{
    if (fn != NULL)
        fn(ch);
}

void kmcl_kick(VMBCHANNEL ch)
{
    kmcl_dispatch(ch);
}

/* Active: Started, the queue runs, then PostStarted. */
static void start(VMBCHANNEL ch)
{
    call_state(ch, ch->callbacks.EvtChannelStarted);
    ch->state = KMCL_ACTIVE;
    kmcl_kick(ch);
    call_state(ch, ch->callbacks.EvtChannelPostStarted);
}

/* Stops delivery; Suspend lets the client finish what it holds. */
static void suspend(VMBCHANNEL ch)
{
    ch->state = KMCL_OPENED;
    call_state(ch, ch->callbacks.EvtChannelSuspend);
}

NTSTATUS VmbChannelEnable(VMBCHANNEL Channel)
{
    VMBCHANNEL ch = Channel;
    if (!kmcl_configurable(ch))
        return STATUS_INVALID_PARAMETER_1;
    if (!ch->have_target)
        return STATUS_INVALID_DEVICE_STATE;
    int status = vmbus_connected() ? VMBUS_OK : vmbus_connect(NULL);
    struct vmbus_offer offer;
    if (status == VMBUS_OK)
        status = vmbus_wait_offer(&ch->type, ch->have_instance ? &ch->instance : NULL, 0, &offer);
    if (status != VMBUS_OK) {
        NTSTATUS nt = status == VMBUS_E_TIMEOUT ? STATUS_NO_SUCH_DEVICE : kmcl_status(status);
        if (ch->pnp_failure != NULL)
            ch->pnp_failure(ch, nt);
        return nt;
    }

    NTSTATUS st = kmcl_receive_alloc(ch);
    if (!NT_SUCCESS(st))
        return st;
    status = vmbus_channel_open(&ch->core, &offer, ch->out_pages * 4096, ch->in_pages * 4096, NULL, 0,
                                kmcl_on_readable, ch, KMCL_TIMEOUT_MS);
    if (status != VMBUS_OK) {
        kmcl_receive_free(ch);
        return kmcl_status(status);
    }
    ch->state = KMCL_OPENED;   /* opened, not yet delivering */
    NTSTATUS opened = ch->callbacks.EvtChannelOpened ? ch->callbacks.EvtChannelOpened(ch) : STATUS_SUCCESS;
    if (!NT_SUCCESS(opened)) {
        vmbus_channel_close(&ch->core, KMCL_TIMEOUT_MS);
        ch->state = KMCL_DISABLED;
        kmcl_receive_free(ch);
        return opened;
    }
    if (ch->state != KMCL_OPENED)
        return STATUS_SUCCESS;   /* Opened disabled it: nothing may follow Closed */
    if (!ch->pause_requested)
        start(ch);
    return STATUS_SUCCESS;
}

/* KMCL: Disable and Pause return once the client completed what it holds
 * (Suspend is where it finishes them). Waits, polling, like every wait
 * here; a client that never completes is waited for as long as it takes. */
static void wait_for_held(VMBCHANNEL ch)
{
    while (ch->held > 0)
        thread_wait_until(platform_time_ns() + 1000000);
}

void VmbChannelDisable(VMBCHANNEL Channel)
{
    VMBCHANNEL ch = Channel;
    if (ch == NULL || ch->state == KMCL_DISABLED)
        return;
    if (ch->state == KMCL_ACTIVE)
        suspend(ch);
    wait_for_held(ch);
    kmcl_dispatch(ch);   /* completions that waited for room: now or never */
    NTSTATUS why = vmbus_channel_rescinded(&ch->core) ? STATUS_DEVICE_REMOVED : STATUS_CANCELLED;
    vmbus_channel_close(&ch->core, KMCL_TIMEOUT_MS);
    kmcl_cancel_sends(ch, why);
    kmcl_cancel_transactions(ch, why);
    call_state(ch, ch->callbacks.EvtChannelClosed);
    ch->state = KMCL_DISABLED;
    kmcl_receive_free(ch);
}

void VmbChannelCleanup(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    if (Channel->state != KMCL_DISABLED)
        VmbChannelDisable(Channel);   /* KMCL requires it disabled; be safe rather than leak */
    free(Channel);
}

void VmbChannelPause(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    if (Channel->state == KMCL_DISABLED)
        Channel->pause_requested = true;
    else if (Channel->state == KMCL_ACTIVE) {
        suspend(Channel);
        wait_for_held(Channel);
    }
}

void VmbChannelStart(VMBCHANNEL Channel)
{
    if (Channel == NULL)
        return;
    Channel->pause_requested = false;
    if (Channel->state == KMCL_OPENED)
        start(Channel);
}
