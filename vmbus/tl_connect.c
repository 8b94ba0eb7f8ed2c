/* hv_sock's connect request (HvrtTlConnectRequest, include/hvrt/vmbus.h):
 * TL_CONNECT_REQUEST goes to the host; a success comes back only as the
 * offer of a new channel (type = service, instance = endpoint), which the
 * caller waits for with the channel API; a refusal (TL_CONNECT_RESULT, from
 * 4.1) is matched here to the request it answers and handed to its
 * callback from a dpc, never from the interrupt handler that received it.
 * devices.md 3.3. */
#include <string.h>

#include <hvrt/vmbus.h>

#include "arch/platform.h"
#include "lib/thread.h"
#include "vmbus/tl_connect.h"
#include "vmbus/vmbus.h"

#define MAX_PENDING 64

struct pending {
    bool used, answered;
    struct vmbus_guid endpoint, service;
    PFN_HVRT_TL_CONNECT_RESULT callback;
    PVOID context;
    NTSTATUS status;
    struct dpc dpc;
};

static struct pending pending[MAX_PENDING];
static uint64_t results_unmatched;

static struct vmbus_guid to_wire(LPCGUID g)
{
    struct vmbus_guid w;
    memcpy(&w, g, sizeof(w));   /* GUID and the wire's GUID are the same 16 bytes */
    return w;
}

static bool same(const struct vmbus_guid *a, const struct vmbus_guid *b) { return memcmp(a, b, sizeof(*a)) == 0; }

/* Dispatch level: the request is over once its callback has run. */
static void deliver(void *arg)
{
    struct pending *p = arg;
    platform_irq_state s = platform_irq_save();
    bool live = p->used && p->answered;
    PFN_HVRT_TL_CONNECT_RESULT cb = p->callback;
    PVOID ctx = p->context;
    NTSTATUS status = p->status;
    p->used = false;
    platform_irq_restore(s);
    if (live && cb != NULL)
        cb(ctx, status);
}

/* Interrupt context (connection.c's message table). A result with a
 * status that is not a failure is a host's mistake (OpenVMM's client says
 * so): it still ends the request, as STATUS_UNSUCCESSFUL. */
void vmbus_on_tl_connect_result(const uint8_t *msg, uint32_t size)
{
    (void)size;   /* the table checked it: the 44 bytes are there */
    struct vmbus_msg_tl_connect_result r;
    memcpy(&r, msg, sizeof(r));
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &pending[i];
        if (!p->used || p->answered || !same(&p->endpoint, &r.endpoint_id) || !same(&p->service, &r.service_id))
            continue;
        p->answered = true;
        p->status = r.status < 0 ? r.status : STATUS_UNSUCCESSFUL;
        dpc_queue(&p->dpc);
        return;
    }
    results_unmatched++;
}

uint64_t vmbus_tl_results_unmatched(void) { return results_unmatched; }

NTSTATUS HvrtTlConnectRequest(LPCGUID EndpointId, LPCGUID ServiceId, PFN_HVRT_TL_CONNECT_RESULT ResultCallback,
                              PVOID Context)
{
    if (EndpointId == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (ServiceId == NULL)
        return STATUS_INVALID_PARAMETER_2;
    int status = vmbus_connected() ? VMBUS_OK : vmbus_connect(NULL);
    if (status != VMBUS_OK)
        return status == VMBUS_E_NO_HYPERV ? STATUS_NO_SUCH_DEVICE : STATUS_UNSUCCESSFUL;
    if (vmbus_version() < VMBUS_VERSION_WIN10)
        return STATUS_NOT_SUPPORTED;   /* hv_sock came with 4.0 */
    struct vmbus_msg_tl_connect_request req;
    memset(&req, 0, sizeof(req));
    req.hdr.type = VMBUS_MSG_TL_CONNECT_REQUEST;
    req.endpoint_id = to_wire(EndpointId);
    req.service_id = to_wire(ServiceId);

    struct pending *p = NULL;
    platform_irq_state s = platform_irq_save();
    for (int i = 0; i < MAX_PENDING && p == NULL; i++)
        if (!pending[i].used && !pending[i].dpc.queued)
            p = &pending[i];
    if (p != NULL) {
        *p = (struct pending){ .used = true, .endpoint = req.endpoint_id, .service = req.service_id,
                               .callback = ResultCallback, .context = Context };
        dpc_init(&p->dpc, deliver, p);
    }
    platform_irq_restore(s);
    if (p == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    /* Linux and FreeBSD send the 40-byte form at every version; so do we. */
    if (vmbus_post(&req, VMBUS_MSG_TL_CONNECT_REQUEST_SIZE) != VMBUS_OK) {
        p->used = false;
        return STATUS_UNSUCCESSFUL;
    }
    return STATUS_SUCCESS;
}

void HvrtTlConnectCancel(LPCGUID EndpointId, LPCGUID ServiceId)
{
    if (EndpointId == NULL || ServiceId == NULL)
        return;
    struct vmbus_guid e = to_wire(EndpointId), v = to_wire(ServiceId);
    platform_irq_state s = platform_irq_save();
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i].used && same(&pending[i].endpoint, &e) && same(&pending[i].service, &v))
            pending[i].used = false;   /* a dpc already queued finds it unused */
    platform_irq_restore(s);
}

/* ---- hv_sock offers ---- */

/* Host-initiated offers handed out by HvrtHvSockTakeOffer: their relid and
 * ids, so the same offer is never handed out twice while it lives. An entry
 * is dropped at the next call that finds its offer gone; a host that
 * offered the same relid, type and instance again before that call would
 * not be seen (hosts make each endpoint id at random: OpenVMM). */
#define MAX_TAKEN 256
static struct vmbus_offer taken[MAX_TAKEN];
static bool taken_used[MAX_TAKEN];

static bool is_hvsock(const struct vmbus_offer *o)
{
    return (o->flags & VMBUS_OFFER_FLAG_TLNPI_PROVIDER) != 0;
}

static bool already_taken(const struct vmbus_offer *o)
{
    for (int i = 0; i < MAX_TAKEN; i++)
        if (taken_used[i] && taken[i].relid == o->relid && same(&taken[i].instance_id, &o->instance_id) &&
            same(&taken[i].class_id, &o->class_id))
            return true;
    return false;
}

static bool take(const struct vmbus_offer *o)
{
    for (int i = 0; i < MAX_TAKEN; i++) {
        if (taken_used[i])
            continue;
        taken[i] = *o;
        taken_used[i] = true;
        return true;
    }
    return false;
}

NTSTATUS HvrtHvSockTakeOffer(LPCGUID ServiceId, LPGUID EndpointId)
{
    if (ServiceId == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (EndpointId == NULL)
        return STATUS_INVALID_PARAMETER_2;
    struct vmbus_guid svc = to_wire(ServiceId);
    for (int i = 0; i < MAX_TAKEN; i++)   /* offers that went away free their entry */
        if (taken_used[i] && !vmbus_offer_is_current(&taken[i]))
            taken_used[i] = false;
    struct vmbus_offer o;
    for (unsigned i = 0; vmbus_offer_at(i, &o); i++) {
        struct vmbus_hvsock_offer_data ud;
        memcpy(&ud, o.user_data, sizeof(ud));
        if (!is_hvsock(&o) || ud.is_for_guest_accept != 1 || !same(&o.class_id, &svc) || already_taken(&o))
            continue;
        if (!take(&o))
            return STATUS_INSUFFICIENT_RESOURCES;
        memcpy(EndpointId, &o.instance_id, sizeof(*EndpointId));
        return STATUS_SUCCESS;
    }
    return STATUS_NO_SUCH_DEVICE;
}

BOOLEAN HvrtHvSockOfferPresent(LPCGUID ServiceId, LPCGUID EndpointId)
{
    if (ServiceId == NULL || EndpointId == NULL)
        return FALSE;
    struct vmbus_guid svc = to_wire(ServiceId), ep = to_wire(EndpointId);
    struct vmbus_offer o;
    for (unsigned i = 0; vmbus_offer_at(i, &o); i++)
        if (is_hvsock(&o) && same(&o.class_id, &svc) && same(&o.instance_id, &ep))
            return TRUE;
    return FALSE;
}
