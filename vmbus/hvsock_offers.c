/* hv_sock's offers as a client sees them (HvrtHvSockTakeOffer,
 * HvrtHvSockOfferPresent; include/hvrt/vmbus.h): every connection is an
 * offer of its own, with TLNPI_PROVIDER, type = service id, instance =
 * endpoint id (devices.md 3.1). A listener takes each host-initiated offer
 * of its service once; a connection is over when its offer is gone. Read
 * from offer.c's registry, never written. */
#include <string.h>

#include <hvrt/vmbus.h>

#include "vmbus/tl_connect.h"
#include "vmbus/vmbus.h"

static struct vmbus_guid to_wire(LPCGUID g)
{
    struct vmbus_guid w;
    memcpy(&w, g, sizeof(w));
    return w;
}

static bool same(const struct vmbus_guid *a, const struct vmbus_guid *b) { return memcmp(a, b, sizeof(*a)) == 0; }

/* Host-initiated offers handed out by HvrtHvSockTakeOffer: their relid and
 * ids, so the same offer is never handed out twice while it lives. An entry
 * is dropped at the next call that finds its offer gone; a host that
 * offered the same relid, type and instance again before that call would
 * not be seen (hosts make each endpoint id at random: OpenVMM). */
#define MAX_TAKEN 256
struct taken {
    bool used;
    uint32_t relid;
    struct vmbus_guid class_id, instance_id;
};
static struct taken taken[MAX_TAKEN];   /* 36 bytes an entry: the image keeps it small */

static bool is_hvsock(const struct vmbus_offer *o)
{
    return (o->flags & VMBUS_OFFER_FLAG_TLNPI_PROVIDER) != 0;
}

static bool current(const struct taken *t)
{
    struct vmbus_offer o = { .class_id = t->class_id, .instance_id = t->instance_id, .relid = t->relid };
    return vmbus_offer_is_current(&o);
}

static bool already_taken(const struct vmbus_offer *o)
{
    for (int i = 0; i < MAX_TAKEN; i++)
        if (taken[i].used && taken[i].relid == o->relid && same(&taken[i].instance_id, &o->instance_id) &&
            same(&taken[i].class_id, &o->class_id))
            return true;
    return false;
}

static bool take(const struct vmbus_offer *o)
{
    for (int i = 0; i < MAX_TAKEN; i++) {
        if (taken[i].used)
            continue;
        taken[i] = (struct taken){ .used = true, .relid = o->relid, .class_id = o->class_id,
                                   .instance_id = o->instance_id };
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
        if (taken[i].used && !current(&taken[i]))
            taken[i].used = false;
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
