/* hvtest's loopback connections on hvsim: host ports that send whatever
 * the guest posts or signals straight back to one of its SINTs. */
#include "apps/hvtest/hvtest.h"
#include "tests/hosted/hosted.h"

static uint8_t target_sint[256];

static uint16_t echo_message(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t connection_id,
                             uint32_t type, const void *payload, uint32_t size)
{
    (void)ctx;
    return hvsim_post_to_guest(sim, vp, target_sint[connection_id & 0xff], type, payload, size) == HVSIM_OK
               ? 0 : 0x13;   /* HV_STATUS_INSUFFICIENT_BUFFERS */
}

static uint16_t echo_event(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t connection_id, uint16_t flag)
{
    (void)ctx;
    hvsim_signal_guest_event(sim, vp, target_sint[connection_id & 0xff], flag);
    return 0;
}

int loopback_message_connection(uint8_t connection_id, uint8_t sint)
{
    target_sint[connection_id] = sint;
    return hvsim_register_message_port(hosted_sim(), connection_id, echo_message, NULL);
}

int loopback_event_connection(uint8_t connection_id, uint8_t sint)
{
    target_sint[connection_id] = sint;
    return hvsim_register_event_port(hosted_sim(), connection_id, 1, echo_event, NULL);
}

void loopback_remove(uint8_t connection_id)
{
    hvsim_unregister_message_port(hosted_sim(), connection_id);
    hvsim_unregister_event_port(hosted_sim(), connection_id);
}
