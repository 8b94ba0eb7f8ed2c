/* hv_sock's side of VMBus (hyperv-vmbus-protocol.md section 6; devices.md
 * 3.1 and 3.3): the guest asks the host to connect it to a service with
 * TL_CONNECT_REQUEST (vmbus_msgs.h has the message), and the host answers
 * with the offer of a new channel, or, from 4.1, with TL_CONNECT_RESULT
 * carrying a failure status. What the offer of such a channel carries in its
 * user-defined area is here. */
#ifndef HVRT_VMBUS_TL_CONNECT_H
#define HVRT_VMBUS_TL_CONNECT_H

#include <stddef.h>
#include <stdint.h>

#include "vmbus/vmbus_msgs.h"

#define VMBUS_MSG_TL_CONNECT_RESULT_SIZE 44u

/* An hv_sock offer has VMBUS_OFFER_FLAG_TLNPI_PROVIDER (a guest needs no
 * other flag to know it, devices.md 3.1), usually with NAMED_PIPE and
 * ENUMERATE_INTERFACE; its user-defined area: */
struct vmbus_hvsock_offer_data {
    uint32_t pipe_mode;                 /* VMBUS_PIPE_MODE_BYTE for hv_sock */
    uint8_t is_for_guest_accept;        /* 1: the host connects to a guest listener */
    uint8_t is_for_guest_container;
    uint8_t rest[114];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_hvsock_offer_data) == 120, "hv_sock offer user data");
_Static_assert(offsetof(struct vmbus_hvsock_offer_data, is_for_guest_accept) == 4, "is_for_guest_accept");

/* connection.c's message table hands TL_CONNECT_RESULT here (interrupt
 * context); the request it answers learns of it from a dpc. */
void vmbus_on_tl_connect_result(const uint8_t *msg, uint32_t size);
/* Results that answered no outstanding request (tests). */
uint64_t vmbus_tl_results_unmatched(void);

#endif
