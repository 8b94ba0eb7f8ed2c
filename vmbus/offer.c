/* The registry of offered channels: what the host offered (class and
 * instance GUID, relid, connection id, sub-channel index, flags), kept in
 * arrival order. Offers are checked before they are kept: a relid out of
 * range or one already live is refused. */
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "lib/thread.h"
#include "vmbus/vmbus.h"

/* 168 KiB: taken from the runtime heap at the first connect rather than
 * kept in .bss, since every byte of .bss is memory the firmware's image
 * loader must find before hvrt runs (docs/performance.md, min_mem_mib). */
static struct vmbus_offer *offers;
static unsigned count;                          /* slots ever used, in arrival order */
static uint16_t slot_of[VMBUS_MAX_RELID + 1];   /* relid -> slot + 1; 0: not live */
static uint16_t free_slots[VMBUS_MAX_OFFERS];   /* slots of rescinded offers, for reuse */
static unsigned free_count;
static volatile bool all_delivered;
static uint64_t refused;
static vmbus_offer_fn watcher;   /* told of every offer kept */

void vmbus_offers_reset(void)
{
    if (offers == NULL)
        offers = calloc(VMBUS_MAX_OFFERS, sizeof(*offers));   /* kept for the runtime's life */
    count = 0;
    free_count = 0;
    memset(slot_of, 0, sizeof(slot_of));
    all_delivered = false;
    refused = 0;
}

/* O(1): a host may offer a thousand channels. */
static struct vmbus_offer *find_live(uint32_t relid)
{
    if (relid > VMBUS_MAX_RELID || slot_of[relid] == 0)
        return NULL;
    return &offers[slot_of[relid] - 1];
}

void vmbus_on_offer(const struct vmbus_msg_offer *msg)
{
    uint32_t relid = msg->child_relid;
    if (offers == NULL || relid == 0 || relid > VMBUS_MAX_RELID || find_live(relid) != NULL ||
        (count == VMBUS_MAX_OFFERS && free_count == 0)) {
        refused++;
        return;
    }
    /* The slot of a rescinded (and released) offer is reused first. */
    unsigned slot = free_count > 0 ? free_slots[--free_count] : count++;
    struct vmbus_offer *o = &offers[slot];
    slot_of[relid] = (uint16_t)(slot + 1);
    memset(o, 0, sizeof(*o));
    o->class_id = msg->type;
    o->instance_id = msg->instance;
    o->relid = relid;
    o->connection_id = msg->connection_id;
#ifdef HVRT_MUTATE_OFFER_OFFSET   /* the mutation check only: the field read 4 bytes early */
    memcpy(&o->connection_id, (const uint8_t *)msg + offsetof(struct vmbus_msg_offer, connection_id) - 4, 4);
#endif
    o->sub_channel_index = msg->sub_channel_index;
    o->flags = msg->flags;
    o->monitor_id = msg->monitor_id;
    o->monitor_allocated = msg->monitor_allocated & 1;
    o->dedicated_interrupt = msg->is_dedicated_interrupt & 1;
    memcpy(o->user_data, msg->user_data, sizeof(o->user_data));
    if (watcher != NULL)
        watcher(o);
}

void vmbus_offers_watch(vmbus_offer_fn fn) { watcher = fn; }

void vmbus_on_rescind(uint32_t relid)
{
    struct vmbus_offer *o = find_live(relid);
    if (o == NULL)
        return;
    o->rescinded = true;
    free_slots[free_count++] = (uint16_t)(slot_of[relid] - 1);
    slot_of[relid] = 0;
    vmbus_cancel_requests(relid);
    /* An open channel releases the relid once it is closed; else now. */
    if (!vmbus_channel_rescind(relid))
        vmbus_release_relid(relid);
}

void vmbus_release_relid(uint32_t relid)
{
    struct vmbus_msg_rescind released = { { VMBUS_MSG_RELID_RELEASED, 0 }, relid };
    vmbus_post(&released, sizeof(released));
}

void vmbus_on_all_offers_delivered(void) { all_delivered = true; }
bool vmbus_all_offers_delivered(void) { return all_delivered; }

unsigned vmbus_offer_count(void)
{
    return count - free_count;
}

bool vmbus_offer_at(unsigned index, struct vmbus_offer *out)
{
    platform_irq_state s = platform_irq_save();
    bool found = false;
    for (unsigned i = 0, live = 0; i < count && !found; i++) {
        if (offers[i].rescinded)
            continue;
        if (live++ == index) {
            *out = offers[i];
            found = true;
        }
    }
    platform_irq_restore(s);
    return found;
}

bool vmbus_offer_is_current(const struct vmbus_offer *o)
{
    platform_irq_state s = platform_irq_save();
    const struct vmbus_offer *live = find_live(o->relid);
    bool current = live != NULL && vmbus_guid_equal(&live->class_id, &o->class_id) &&
                   vmbus_guid_equal(&live->instance_id, &o->instance_id);
    platform_irq_restore(s);
    return current;
}

static bool matches(const struct vmbus_offer *o, const struct vmbus_guid *class_id, const struct vmbus_guid *instance_id)
{
    return !o->rescinded && vmbus_guid_equal(&o->class_id, class_id) &&
           (instance_id == NULL || vmbus_guid_equal(&o->instance_id, instance_id));
}

int vmbus_wait_offer(const struct vmbus_guid *class_id, const struct vmbus_guid *instance_id,
                     uint64_t timeout_ms, struct vmbus_offer *out)
{
    uint64_t deadline = platform_time_ns() + timeout_ms * 1000000;
    for (;;) {
        platform_irq_state s = platform_irq_save();
        for (unsigned i = 0; i < count; i++) {
            if (matches(&offers[i], class_id, instance_id)) {
                *out = offers[i];
                platform_irq_restore(s);
                return VMBUS_OK;
            }
        }
        platform_irq_restore(s);
        if (platform_time_ns() >= deadline)
            return VMBUS_E_TIMEOUT;
        thread_wait_until(deadline);
    }
}
