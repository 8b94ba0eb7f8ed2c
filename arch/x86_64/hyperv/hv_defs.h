/* Hyper-V wire constants and layouts as the guest sees them: CPUID leaves and
 * bits, synthetic MSR numbers and fields, the hypercall input value and status
 * codes, SynIC message and reference TSC page layouts, for the guest
 * (hvsim has its own, tests/hvsim/hv_wire.h, written apart). Written from
 * /work/shared/reference/hyperv-vmbus-protocol.md sections 1-4; every layout
 * that crosses the guest/host boundary has its size pinned below. */
#ifndef HVRT_HV_DEFS_H
#define HVRT_HV_DEFS_H

#include <stddef.h>
#include <stdint.h>

#include "arch/hv_abi.h"   /* status codes, connection-id mask, the SynIC message */

#define HV_PAGE_SIZE  4096u
#define HV_PAGE_SHIFT 12

/* ---- CPUID (section 1) ---- */
#define HV_CPUID_MAX_LEAF_AND_VENDOR 0x40000000u
#define HV_CPUID_INTERFACE           0x40000001u
#define HV_CPUID_VERSION             0x40000002u
#define HV_CPUID_FEATURES            0x40000003u
#define HV_CPUID_RECOMMENDATIONS     0x40000004u
#define HV_CPUID_LIMITS              0x40000005u
#define HV_CPUID_HW_FEATURES         0x40000006u
#define HV_CPUID_NESTED_FEATURES     0x4000000Au

#define HV_CPUID_VENDOR_EBX 0x7263694Du /* "Micr" */
#define HV_CPUID_VENDOR_ECX 0x666F736Fu /* "osof" */
#define HV_CPUID_VENDOR_EDX 0x76482074u /* "t Hv" */
#define HV_CPUID_INTERFACE_HV1 0x31237648u /* "Hv#1" */

/* Partition privilege mask: bits 31:0 are CPUID 0x40000003 EAX, 63:32 EBX. */
#define HV_PRIV_VP_RUNTIME          (1ull << 0)
#define HV_PRIV_TIME_REF_COUNT      (1ull << 1)
#define HV_PRIV_SYNIC               (1ull << 2)
#define HV_PRIV_SYNTHETIC_TIMERS    (1ull << 3)
#define HV_PRIV_APIC_MSRS           (1ull << 4)
#define HV_PRIV_HYPERCALL_MSRS      (1ull << 5)
#define HV_PRIV_VP_INDEX            (1ull << 6)
#define HV_PRIV_RESET               (1ull << 7)
#define HV_PRIV_REFERENCE_TSC       (1ull << 9)
#define HV_PRIV_GUEST_IDLE          (1ull << 10)
#define HV_PRIV_FREQUENCY_MSRS      (1ull << 11)
#define HV_PRIV_ACCESS_PARTITION_ID (1ull << (32 + 1))
#define HV_PRIV_POST_MESSAGES       (1ull << (32 + 4))
#define HV_PRIV_SIGNAL_EVENTS       (1ull << (32 + 5))

/* CPUID 0x40000003 EDX feature bits. */
#define HV_FEATURE_XMM_HYPERCALL_INPUT (1u << 4)
#define HV_FEATURE_FREQUENCY_MSRS      (1u << 8)
#define HV_FEATURE_CRASH_MSRS          (1u << 10)
#define HV_FEATURE_SINT_POLLING        (1u << 17)
#define HV_FEATURE_HYPERCALL_MSR_LOCK  (1u << 18)
#define HV_FEATURE_DIRECT_STIMERS      (1u << 19)

/* CPUID 0x40000004 EAX recommendation bits. */
#define HV_RECOMMEND_RELAXED_TIMING    (1u << 5)
#define HV_RECOMMEND_AUTOEOI_DEPRECATED (1u << 9)

/* ---- Synthetic MSRs (section 2) ---- */
#define HV_MSR_GUEST_OS_ID     0x40000000u
#define HV_MSR_HYPERCALL       0x40000001u
#define HV_MSR_VP_INDEX        0x40000002u
#define HV_MSR_RESET           0x40000003u
#define HV_MSR_VP_RUNTIME      0x40000010u
#define HV_MSR_TIME_REF_COUNT  0x40000020u
#define HV_MSR_REFERENCE_TSC   0x40000021u
#define HV_MSR_TSC_FREQUENCY   0x40000022u
#define HV_MSR_APIC_FREQUENCY  0x40000023u
#define HV_MSR_EOI             0x40000070u
#define HV_MSR_ICR             0x40000071u
#define HV_MSR_TPR             0x40000072u
#define HV_MSR_SCONTROL        0x40000080u
#define HV_MSR_SVERSION        0x40000081u
#define HV_MSR_SIEFP           0x40000082u
#define HV_MSR_SIMP            0x40000083u
#define HV_MSR_EOM             0x40000084u
#define HV_MSR_SINT0           0x40000090u /* SINTn = SINT0 + n, n < 16 */
#define HV_MSR_STIMER0_CONFIG  0x400000B0u /* STIMERn_CONFIG = + 2n */
#define HV_MSR_STIMER0_COUNT   0x400000B1u /* STIMERn_COUNT = + 2n */
#define HV_MSR_GUEST_IDLE      0x400000F0u
#define HV_MSR_CRASH_P0        0x40000100u /* P0..P4 = + 0..4 */
#define HV_MSR_CRASH_CTL       0x40000105u

#define HV_SINT_COUNT   16u
#define HV_STIMER_COUNT 4u
#define HV_CRASH_PARAM_COUNT 5u

/* HYPERCALL, REFERENCE_TSC, SIMP, SIEFP: bit 0 enable, 63:12 page number. */
#define HV_MSR_ENABLE        (1ull << 0)
#define HV_HYPERCALL_LOCKED  (1ull << 1)
#define HV_MSR_PAGE_MASK     0xFFFFFFFFFFFFF000ull
#define HV_HYPERCALL_RSVDP   0x0000000000000FFCull /* 11:2 */
#define HV_PAGE_MSR_RSVDP    0x0000000000000FFEull /* 11:1 */
#define HV_SCONTROL_ENABLE   (1ull << 0)
#define HV_SCONTROL_RSVDP    (~1ull)

/* SINTn. */
#define HV_SINT_VECTOR_MASK   0xFFull
#define HV_SINT_MASKED        (1ull << 16)
#define HV_SINT_AUTO_EOI      (1ull << 17)
#define HV_SINT_POLLING       (1ull << 18)
#define HV_SINT_RESET_VALUE   HV_SINT_MASKED
#define HV_SINT_RSVDP         (~(HV_SINT_VECTOR_MASK | HV_SINT_MASKED | HV_SINT_AUTO_EOI | HV_SINT_POLLING))
#define HV_MIN_VALID_VECTOR   16u

/* STIMERn_CONFIG. */
#define HV_STIMER_ENABLED      (1ull << 0)
#define HV_STIMER_PERIODIC     (1ull << 1)
#define HV_STIMER_LAZY         (1ull << 2)
#define HV_STIMER_AUTO_ENABLE  (1ull << 3)
#define HV_STIMER_VECTOR_SHIFT 4
#define HV_STIMER_VECTOR_MASK  (0xFFull << HV_STIMER_VECTOR_SHIFT)
#define HV_STIMER_DIRECT_MODE  (1ull << 12)
#define HV_STIMER_SINT_SHIFT   16
#define HV_STIMER_SINT_MASK    (0xFull << HV_STIMER_SINT_SHIFT)
#define HV_STIMER_RSVDZ        ((0x7ull << 13) | 0xFFFFFFFFFFF00000ull)

/* CRASH_CTL. */
#define HV_CRASH_CTL_NOTIFY      (1ull << 63)
#define HV_CRASH_CTL_MESSAGE     (1ull << 62)
#define HV_CRASH_CTL_NO_DUMP     (1ull << 61)
#define HV_CRASH_CTL_PREOS_MASK  (0x7ull << 58)
#define HV_CRASH_CTL_RSVDZ       ((1ull << 58) - 1)
#define HV_CRASH_MESSAGE_MAX     4096u

/* Reference TSC page (an overlay page). */
struct hv_reference_tsc_page {
    uint32_t sequence; /* 0: not usable, read TIME_REF_COUNT instead */
    uint32_t reserved0;
    uint64_t scale;    /* 64.64 fixed point: 100 ns units per TSC tick */
    int64_t offset;    /* in 100 ns units */
    uint8_t reserved1[HV_PAGE_SIZE - 24];
};
_Static_assert(sizeof(struct hv_reference_tsc_page) == HV_PAGE_SIZE, "reference TSC page is one page");
_Static_assert(offsetof(struct hv_reference_tsc_page, scale) == 8, "TscScale at 8");
_Static_assert(offsetof(struct hv_reference_tsc_page, offset) == 16, "TscOffset at 16");

/* ---- Hypercall ABI (section 3) ---- */
#define HV_HC_CODE_MASK          0xFFFFull
#define HV_HC_FAST               (1ull << 16)
#define HV_HC_VARHDR_SHIFT       17
#define HV_HC_VARHDR_MASK        (0x3FFull << HV_HC_VARHDR_SHIFT)
#define HV_HC_NESTED             (1ull << 31)
#define HV_HC_REP_COUNT_SHIFT    32
#define HV_HC_REP_COUNT_MASK     (0xFFFull << HV_HC_REP_COUNT_SHIFT)
#define HV_HC_REP_START_SHIFT    48
#define HV_HC_REP_START_MASK     (0xFFFull << HV_HC_REP_START_SHIFT)
#define HV_HC_RSVDZ              ((0xFull << 27) | (0xFull << 44) | (0xFull << 60))
#define HV_HC_RESULT_REPS_SHIFT  32

#define HV_CALL_NOTIFY_LONG_SPIN_WAIT 0x0008u
#define HV_CALL_GET_PARTITION_ID      0x0046u
#define HV_CALL_POST_MESSAGE          0x005Cu
#define HV_CALL_SIGNAL_EVENT          0x005Du
/* HV_STATUS codes and the connection-id mask: arch/hv_abi.h. */

/* HvPostMessage input block. */
struct hv_post_message_input {
    uint32_t connection_id;
    uint32_t reserved; /* RsvdZ */
    uint32_t message_type;
    uint32_t payload_size;
    uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};
_Static_assert(sizeof(struct hv_post_message_input) == 256, "HvPostMessage input is 256 bytes");
_Static_assert(offsetof(struct hv_post_message_input, payload) == 16, "payload at 16");

/* HvSignalEvent input (fast: all of RDX). */
#define HV_SIGNAL_EVENT_FLAG_SHIFT 32
#define HV_SIGNAL_EVENT_RSVDZ      0xFFFF000000000000ull

/* ---- SynIC (section 4); the message slot itself: arch/hv_abi.h ---- */
/* Payload of HvMessageTimerExpired. */
struct hv_timer_message_payload {
    uint32_t timer_index;
    uint32_t reserved;
    uint64_t expiration_time; /* 100 ns reference time the timer was due */
    uint64_t delivery_time;   /* 100 ns reference time the message reached the slot */
};
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer message payload is 24 bytes");

/* SIM page: 16 slots; SIEF page: 16 arrays of 2048 flag bits. */
#define HV_SIM_SLOT_SIZE     256u
#define HV_SIEF_ARRAY_SIZE   256u
#define HV_EVENT_FLAGS_COUNT 2048u
_Static_assert(HV_SINT_COUNT * HV_SIM_SLOT_SIZE == HV_PAGE_SIZE, "SIM page holds 16 slots");
_Static_assert(HV_SINT_COUNT * HV_SIEF_ARRAY_SIZE == HV_PAGE_SIZE, "SIEF page holds 16 arrays");

#endif
