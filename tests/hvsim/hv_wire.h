/* The hypervisor's side of the Hyper-V interface, as hvsim reads it:
 * CPUID leaves, synthetic MSRs, the hypercall ABI, HV_STATUS codes, the
 * SynIC message slot, the reference TSC page and the timer message.
 *
 * Written for hvsim alone from /work/shared/reference/hyperv-vmbus-protocol.md
 * sections 1-4, without looking at the guest's headers, and in another
 * shape on purpose: memory layouts are byte offsets read and written with
 * the little-endian helpers of wire_le.h, never structs laid over guest
 * memory, so a layout mistake in the guest is not repeated here (docs/hvsim.md,
 * "What is independent"). The HVW_ prefix keeps these names apart from the
 * guest's HV_ ones in test programs that see both. */
#ifndef HVSIM_HV_WIRE_H
#define HVSIM_HV_WIRE_H

#include "tests/hvsim/wire_le.h"

#define HVW_PAGE 4096u                      /* "HV page": 4096 bytes whatever the guest uses */
#define HVW_GPN_SHIFT 12                    /* GPN = GPA >> 12 */

/* ---- CPUID (section 1): leaves from 0x40000000 ---- */
#define HVW_LEAF(n)               (0x40000000u + (n))
#define HVW_LEAF_VENDOR           HVW_LEAF(0)   /* EAX max leaf, EBX:ECX:EDX "Microsoft Hv" */
#define HVW_LEAF_INTERFACE        HVW_LEAF(1)   /* EAX "Hv#1" */
#define HVW_LEAF_VERSION          HVW_LEAF(2)
#define HVW_LEAF_FEATURES         HVW_LEAF(3)   /* EAX:EBX privileges, ECX power, EDX features */
#define HVW_LEAF_RECOMMEND        HVW_LEAF(4)
#define HVW_LEAF_LIMITS           HVW_LEAF(5)
#define HVW_LEAF_HW_FEATURES      HVW_LEAF(6)
#define HVW_LEAF_NESTED           HVW_LEAF(0xA)
/* "Microsoft Hv" as three little-endian words; "Hv#1" likewise. */
#define HVW_VENDOR_EBX ('M' | 'i' << 8 | 'c' << 16 | (uint32_t)'r' << 24)
#define HVW_VENDOR_ECX ('o' | 's' << 8 | 'o' << 16 | (uint32_t)'f' << 24)
#define HVW_VENDOR_EDX ('t' | ' ' << 8 | 'H' << 16 | (uint32_t)'v' << 24)
#define HVW_HV1        ('H' | 'v' << 8 | '#' << 16 | (uint32_t)'1' << 24)

/* Privilege mask: bit n < 32 is EAX bit n, bit 32 + n is EBX bit n. */
#define HVW_PRIV(bit)             (1ull << (bit))
#define HVW_PRIV_VP_RUNTIME       HVW_PRIV(0)
#define HVW_PRIV_TIME_REF_COUNT   HVW_PRIV(1)
#define HVW_PRIV_SYNIC            HVW_PRIV(2)
#define HVW_PRIV_STIMERS          HVW_PRIV(3)
#define HVW_PRIV_APIC_MSRS        HVW_PRIV(4)
#define HVW_PRIV_HYPERCALL_MSRS   HVW_PRIV(5)
#define HVW_PRIV_VP_INDEX         HVW_PRIV(6)
#define HVW_PRIV_RESET            HVW_PRIV(7)
#define HVW_PRIV_REFERENCE_TSC    HVW_PRIV(9)
#define HVW_PRIV_GUEST_IDLE       HVW_PRIV(10)
#define HVW_PRIV_FREQUENCY_MSRS   HVW_PRIV(11)
#define HVW_PRIV_PARTITION_ID     HVW_PRIV(32 + 1)
#define HVW_PRIV_POST_MESSAGES    HVW_PRIV(32 + 4)
#define HVW_PRIV_SIGNAL_EVENTS    HVW_PRIV(32 + 5)

/* 0x40000003 EDX. */
#define HVW_FEAT_FREQUENCY_MSRS   (1u << 8)
#define HVW_FEAT_CRASH_MSRS       (1u << 10)
#define HVW_FEAT_SINT_POLLING     (1u << 17)
#define HVW_FEAT_HYPERCALL_LOCK   (1u << 18)
#define HVW_FEAT_DIRECT_STIMERS   (1u << 19)
/* 0x40000004 EAX. */
#define HVW_REC_RELAXED_TIMING    (1u << 5)
#define HVW_REC_NO_AUTOEOI        (1u << 9)

/* ---- Synthetic MSRs (section 2) ---- */
#define HVW_MSR(n)                (0x40000000u + (n))
#define HVW_MSR_GUEST_OS_ID       HVW_MSR(0x00)
#define HVW_MSR_HYPERCALL         HVW_MSR(0x01)
#define HVW_MSR_VP_INDEX          HVW_MSR(0x02)
#define HVW_MSR_RESET             HVW_MSR(0x03)
#define HVW_MSR_VP_RUNTIME        HVW_MSR(0x10)
#define HVW_MSR_TIME_REF_COUNT    HVW_MSR(0x20)
#define HVW_MSR_REFERENCE_TSC     HVW_MSR(0x21)
#define HVW_MSR_TSC_FREQUENCY     HVW_MSR(0x22)
#define HVW_MSR_APIC_FREQUENCY    HVW_MSR(0x23)
#define HVW_MSR_EOI               HVW_MSR(0x70)
#define HVW_MSR_SCONTROL          HVW_MSR(0x80)
#define HVW_MSR_SVERSION          HVW_MSR(0x81)
#define HVW_MSR_SIEFP             HVW_MSR(0x82)
#define HVW_MSR_SIMP              HVW_MSR(0x83)
#define HVW_MSR_EOM               HVW_MSR(0x84)
#define HVW_MSR_SINT(n)           HVW_MSR(0x90 + (n))
#define HVW_MSR_STIMER_CONFIG(n)  HVW_MSR(0xB0 + 2 * (n))
#define HVW_MSR_STIMER_COUNT(n)   HVW_MSR(0xB1 + 2 * (n))
#define HVW_MSR_GUEST_IDLE        HVW_MSR(0xF0)
#define HVW_MSR_CRASH_P(n)        HVW_MSR(0x100 + (n))
#define HVW_MSR_CRASH_CTL         HVW_MSR(0x105)

#define HVW_SINTS        16u
#define HVW_STIMERS      4u
#define HVW_CRASH_PARAMS 5u

/* HYPERCALL, REFERENCE_TSC, SIMP, SIEFP: bit 0 enable, 63:12 the page's GPN. */
#define HVW_PAGE_MSR_ENABLE      1ull
#define HVW_PAGE_MSR_GPA(v)      ((v) & ~0xFFFull)
#define HVW_HYPERCALL_LOCKED     2ull
#define HVW_HYPERCALL_RSVDP      (0x3FFull << 2)     /* 11:2 */
#define HVW_PAGE_MSR_RSVDP       (0x7FFull << 1)     /* 11:1 */
#define HVW_SCONTROL_ENABLE      1ull
#define HVW_SCONTROL_RSVDP       (~1ull)

/* SINTn: 7:0 vector, 16 masked, 17 AutoEOI, 18 polling; the rest RsvdP. */
#define HVW_SINT_VECTOR(v)       ((uint8_t)(v))
#define HVW_SINT_MASKED          (1ull << 16)
#define HVW_SINT_AUTO_EOI        (1ull << 17)
#define HVW_SINT_POLLING         (1ull << 18)
#define HVW_SINT_KNOWN           (0xFFull | HVW_SINT_MASKED | HVW_SINT_AUTO_EOI | HVW_SINT_POLLING)
#define HVW_SINT_RESET           HVW_SINT_MASKED
#define HVW_FIRST_VECTOR         16u                 /* vectors below are invalid */

/* STIMERn_CONFIG: 0 enabled, 1 periodic, 2 lazy, 3 auto-enable, 11:4 vector,
 * 12 direct mode, 19:16 SINT; 15:13 and 63:20 RsvdZ. */
#define HVW_STIMER_ENABLED       (1ull << 0)
#define HVW_STIMER_PERIODIC      (1ull << 1)
#define HVW_STIMER_AUTO_ENABLE   (1ull << 3)
#define HVW_STIMER_VECTOR(c)     ((uint8_t)((c) >> 4))
#define HVW_STIMER_DIRECT        (1ull << 12)
#define HVW_STIMER_SINT(c)       ((uint32_t)((c) >> 16) & 0xFu)
#define HVW_STIMER_RSVDZ         ((0x7ull << 13) | (~0ull << 20))

/* CRASH_CTL: 63 notify, 62 message (P3 GPA, P4 length <= 4096), 57:0 RsvdZ. */
#define HVW_CRASH_NOTIFY         (1ull << 63)
#define HVW_CRASH_MESSAGE        (1ull << 62)
#define HVW_CRASH_RSVDZ          ((1ull << 58) - 1)
#define HVW_CRASH_MESSAGE_MAX    4096u

/* Reference TSC page: offsets. */
#define HVW_TSC_SEQUENCE 0u    /* u32; 0: read TIME_REF_COUNT instead */
#define HVW_TSC_SCALE    8u    /* u64, 64.64 fixed point */
#define HVW_TSC_OFFSET   16u   /* i64, 100 ns units */

/* ---- Hypercalls (section 3) ---- */
/* Input value: 15:0 code, 16 fast, 26:17 var header, 30:27 RsvdZ, 31 nested,
 * 43:32 rep count, 47:44 RsvdZ, 59:48 rep start, 63:60 RsvdZ. */
#define HVW_HC_CODE(c)           ((uint16_t)(c))
#define HVW_HC_FAST              (1ull << 16)
#define HVW_HC_VARHDR            (0x3FFull << 17)
#define HVW_HC_NESTED            (1ull << 31)
#define HVW_HC_REP_COUNT         (0xFFFull << 32)
#define HVW_HC_REP_START         (0xFFFull << 48)
#define HVW_HC_RSVDZ             ((0xFull << 27) | (0xFull << 44) | (0xFull << 60))

#define HVW_CALL_LONG_SPIN_WAIT  0x0008u
#define HVW_CALL_PARTITION_ID    0x0046u
#define HVW_CALL_POST_MESSAGE    0x005Cu
#define HVW_CALL_SIGNAL_EVENT    0x005Du

#define HVW_OK                       0x0000u
#define HVW_E_INVALID_HYPERCALL_CODE 0x0002u
#define HVW_E_INVALID_HYPERCALL_INPUT 0x0003u
#define HVW_E_INVALID_ALIGNMENT      0x0004u
#define HVW_E_INVALID_PARAMETER      0x0005u
#define HVW_E_ACCESS_DENIED          0x0006u
#define HVW_E_INSUFFICIENT_MEMORY    0x000Bu
#define HVW_E_INVALID_CONNECTION_ID  0x0012u
#define HVW_E_INSUFFICIENT_BUFFERS   0x0013u

/* Connection ids use bits 23:0; 31:24 must be zero. */
#define HVW_CONN_ID_BITS 0x00FFFFFFu

/* HvPostMessage input block (256 bytes): offsets. */
#define HVW_POST_CONN_ID   0u
#define HVW_POST_RSVD      4u
#define HVW_POST_TYPE      8u
#define HVW_POST_SIZE      12u
#define HVW_POST_PAYLOAD   16u
#define HVW_POST_BLOCK     256u
#define HVW_PAYLOAD_MAX    240u

/* HvSignalEvent fast input: 31:0 connection id, 47:32 flag, 63:48 RsvdZ. */
#define HVW_SIGNAL_CONN(rdx)  ((uint32_t)(rdx))
#define HVW_SIGNAL_FLAG(rdx)  ((uint16_t)((rdx) >> 32))
#define HVW_SIGNAL_RSVDZ      (0xFFFFull << 48)

/* ---- SynIC (section 4) ---- */
/* A SIM slot (256 bytes): offsets. */
#define HVW_MSG_TYPE       0u    /* u32; 0: slot empty */
#define HVW_MSG_SIZE       4u    /* u8 payload bytes */
#define HVW_MSG_FLAGS      5u    /* u8; bit 0 MessagePending */
#define HVW_MSG_ORIGIN     8u    /* u64 */
#define HVW_MSG_PAYLOAD    16u
#define HVW_MSG_SLOT       256u
#define HVW_MSG_PENDING    0x01u

#define HVW_MSGTYPE_NONE          0u
#define HVW_MSGTYPE_HYPERVISOR    0x80000000u   /* and above: the hypervisor's own */
#define HVW_MSGTYPE_TIMER         0x80000010u

/* Timer expiry payload (24 bytes): offsets. */
#define HVW_TIMERMSG_INDEX     0u
#define HVW_TIMERMSG_EXPIRY    8u
#define HVW_TIMERMSG_DELIVERY  16u
#define HVW_TIMERMSG_SIZE      24u

/* SIEF page: 16 arrays of 2048 flags (256 bytes each). */
#define HVW_SIEF_ARRAY   256u
#define HVW_EVENT_FLAGS  2048u

#endif
