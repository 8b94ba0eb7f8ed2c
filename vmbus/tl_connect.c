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
