/* The VMBus side of the hvsim tests' mini guest: control messages posted
 * with HvPostMessage from the input block, replies taken from SIM slot 2.
 * Header-only (static inline), next to hvsim_test_guest.h, so each hvsim
 * test that talks to the VMBus host shares one copy. */
#ifndef HVSIM_VMBUS_TEST_GUEST_H
#define HVSIM_VMBUS_TEST_GUEST_H

#include <stdbool.h>
#include <string.h>

#include "tests/hvsim/hvsim_test_guest.h"
#include "tests/hvsim/vmbus_host.h"
#include "vmbus/vmbus_msgs.h"

struct guest {
    struct hvsim *sim;
    struct hvsim_vmbus *vb;
};

struct msg {
    uint32_t size;
    uint8_t data[VMBUS_MSG_MAX_SIZE];
};

static inline uint16_t post(struct guest *g, uint32_t conn_id, const void *msg, uint32_t size)
{
    struct hv_post_message_input *in = hvsim_gpa_to_host(g->sim, TG_INPUT_GPA, sizeof(*in));
    memset(in, 0, sizeof(*in));
    in->connection_id = conn_id;
    in->message_type = VMBUS_POST_MESSAGE_TYPE;
    in->payload_size = size;
    memcpy(in->payload, msg, size);
    return hvsim_result_status(hvsim_hypercall(g->sim, 0, HV_CALL_POST_MESSAGE, TG_INPUT_GPA, 0));
}

/* Takes the message in SIM slot 2, if any. */
static inline bool recv_msg(struct guest *g, struct msg *m)
{
    struct hv_message *slot = tg_slot(g->sim, 0, VMBUS_SINT);
    if (slot->header.message_type == HV_MESSAGE_TYPE_NONE)
        return false;
    m->size = slot->header.payload_size;
    memset(m->data, 0, sizeof(m->data));
    memcpy(m->data, slot->payload, m->size);
    tg_consume_slot(g->sim, 0, VMBUS_SINT);
    return true;
}

static inline uint32_t msg_type(const struct msg *m)
{
    uint32_t t;
    memcpy(&t, m->data, 4);
    return t;
}

#endif
