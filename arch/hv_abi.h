/* The part of the Hyper-V interface that vmbus/ needs, and nothing of the
 * machine: HV_STATUS codes, the connection-id mask and the SynIC message
 * a SINT delivers (reference sections 3 and 4). Arch-neutral: no MSRs, no
 * CPUID, no instructions. It sits beside arch/platform.h, whose message
 * callback hands vmbus/ a struct hv_message; vmbus/ includes these two
 * headers and nothing else from arch/. arch/x86_64/hyperv/hv_defs.h
 * includes it for the rest of the Hyper-V layer. */
#ifndef HVRT_ARCH_HV_ABI_H
#define HVRT_ARCH_HV_ABI_H

#include <stddef.h>
#include <stdint.h>

/* HV_STATUS: bits 15:0 of a hypercall's result. */
#define HV_STATUS_SUCCESS                0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_INVALID_ALIGNMENT      0x0004u
#define HV_STATUS_INVALID_PARAMETER      0x0005u
#define HV_STATUS_ACCESS_DENIED          0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007u
#define HV_STATUS_OPERATION_DENIED       0x0008u
#define HV_STATUS_INSUFFICIENT_MEMORY    0x000Bu
#define HV_STATUS_INVALID_VP_INDEX       0x000Eu
#define HV_STATUS_INVALID_PORT_ID        0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID  0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS   0x0013u
#define HV_STATUS_INVALID_SYNIC_STATE    0x0018u

/* Connection ids are 24 bits; 31:24 must be zero. */
#define HV_CONNECTION_ID_MASK 0x00FFFFFFu

#define HV_MESSAGE_PAYLOAD_MAX 240u

/* SynIC message types. */
#define HV_MESSAGE_TYPE_NONE          0x00000000u
#define HV_MESSAGE_TYPE_VMBUS         0x00000001u
#define HV_MESSAGE_TYPE_TIMER_EXPIRED 0x80000010u
#define HV_MESSAGE_TYPE_HYPERVISOR    0x80000000u /* types at or above are the hypervisor's */

#define HV_MESSAGE_FLAG_PENDING 0x01u

/* A SIM slot: the message a SINT delivers. */
struct hv_message_header {
    uint32_t message_type;
    uint8_t payload_size;
    uint8_t flags;
    uint16_t reserved;
    uint64_t origination_id;
};

struct hv_message {
    struct hv_message_header header;
    uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};
_Static_assert(sizeof(struct hv_message_header) == 16, "message header is 16 bytes");
_Static_assert(sizeof(struct hv_message) == 256, "a SynIC message slot is 256 bytes");
_Static_assert(offsetof(struct hv_message_header, flags) == 5, "flags at 5");
_Static_assert(offsetof(struct hv_message_header, origination_id) == 8, "origination id at 8");

#endif
