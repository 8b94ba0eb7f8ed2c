/* VMBus on the wire, as hvsim's host side reads and writes it: connection
 * ids, versions, control-message types with their sizes and field offsets,
 * the ring control page, packet descriptors and trailers, GPADL and
 * GPA-direct ranges, pipe headers, device class GUIDs.
 *
 * Written for hvsim alone from /work/shared/reference/hyperv-vmbus-protocol.md
 * sections 5-9, in another shape than the guest's vmbus/vmbus_msgs.h and
 * vmbus/ring.h on purpose: every field is a byte offset from the start of
 * its message (or packet, or page) used with wire_le.h's ld/st helpers, and
 * every size is a number from the reference's tables. Nothing here is
 * shared with the guest, so a wrong offset or size in the guest shows up as
 * a failing test instead of being made on both sides (docs/hvsim.md, "What
 * is independent"). hvsim's public headers include it too: its VBW_ names
 * never clash with the guest's VMBUS_ ones. */
#ifndef HVSIM_VMBUS_WIRE_H
#define HVSIM_VMBUS_WIRE_H

#include "tests/hvsim/wire_le.h"

/* ---- Connection (section 5) ---- */
#define VBW_SINT              2u
#define VBW_CONN_MESSAGE      1u     /* every version */
#define VBW_CONN_MULTICLIENT  4u     /* INITIATE_CONTACT >= 5.0 (Linux) */
#define VBW_POST_TYPE         1u     /* HvPostMessage type of every VMBus message */
#define VBW_MSG_MAX           240u   /* header included */
#define VBW_MAX_RELID         2047u

#define VBW_V(major, minor)   ((uint32_t)(major) << 16 | (uint32_t)(minor))
#define VBW_V0_13  VBW_V(0, 13)
#define VBW_V1_1   VBW_V(1, 1)
#define VBW_V2_4   VBW_V(2, 4)
#define VBW_V3_0   VBW_V(3, 0)
#define VBW_V4_0   VBW_V(4, 0)
#define VBW_V4_1   VBW_V(4, 1)
#define VBW_V5_0   VBW_V(5, 0)
#define VBW_V5_1   VBW_V(5, 1)
#define VBW_V5_2   VBW_V(5, 2)
#define VBW_V5_3   VBW_V(5, 3)
#define VBW_V6_0   VBW_V(6, 0)

/* ---- Control messages (section 6): type at 0, 4 bytes of padding ---- */
#define VBW_HDR_TYPE 0u
#define VBW_HDR      8u

#define VBW_OFFERCHANNEL               1u
#define VBW_RESCIND_CHANNELOFFER       2u
#define VBW_REQUESTOFFERS              3u
#define VBW_ALLOFFERS_DELIVERED        4u
#define VBW_OPENCHANNEL                5u
#define VBW_OPENCHANNEL_RESULT         6u
#define VBW_CLOSECHANNEL               7u
#define VBW_GPADL_HEADER               8u
#define VBW_GPADL_BODY                 9u
#define VBW_GPADL_CREATED              10u
#define VBW_GPADL_TEARDOWN             11u
#define VBW_GPADL_TORNDOWN             12u
#define VBW_RELID_RELEASED             13u
#define VBW_INITIATE_CONTACT           14u
#define VBW_VERSION_RESPONSE           15u
#define VBW_UNLOAD                     16u
#define VBW_UNLOAD_RESPONSE            17u
#define VBW_TL_CONNECT_REQUEST         21u   /* >= 4.0 */
#define VBW_TL_CONNECT_RESULT          23u   /* >= 4.1 */
#define VBW_MSG_TYPES                  30u   /* 1..29 are defined */

/* OFFERCHANNEL: 196 bytes (190 before 1.1). */
#define VBW_OFFER_CLASS        8u    /* GUID */
#define VBW_OFFER_INSTANCE     24u   /* GUID */
#define VBW_OFFER_FLAGS        56u   /* u16 */
#define VBW_OFFER_MMIO_MB      58u   /* u16 */
#define VBW_OFFER_USER_DATA    60u   /* 120 bytes */
#define VBW_OFFER_SUBCHANNEL   180u  /* u16 */
#define VBW_OFFER_RELID        184u  /* u32 */
#define VBW_OFFER_MONITOR_ID   188u  /* u8 */
#define VBW_OFFER_MONITOR_ALLOC 189u /* u8 */
#define VBW_OFFER_DEDICATED    190u  /* u16, >= 1.1 */
#define VBW_OFFER_CONN_ID      192u  /* u32, >= 1.1 */
#define VBW_OFFER_SIZE         196u
#define VBW_OFFER_SIZE_V1      190u

/* RESCIND, CLOSECHANNEL, RELID_RELEASED: u32 relid at 8; 12 bytes. */
#define VBW_RELID_AT           8u
#define VBW_RELID_MSG_SIZE     12u

/* OPENCHANNEL: 148 bytes (156 with the 6.0 tail). */
#define VBW_OPEN_RELID         8u
#define VBW_OPEN_ID            12u
#define VBW_OPEN_GPADL         16u
#define VBW_OPEN_TARGET_VP     20u
#define VBW_OPEN_DOWNSTREAM    24u   /* pages before the host->guest ring */
#define VBW_OPEN_USER_DATA     28u   /* 120 bytes */
#define VBW_OPEN_SIZE          148u
#define VBW_OPEN_SIZE_V6       156u
#define VBW_TARGET_VP_NONE     0xFFFFFFFFu

/* OPENCHANNEL_RESULT: 20 bytes. */
#define VBW_OPENRES_RELID      8u
#define VBW_OPENRES_ID         12u
#define VBW_OPENRES_STATUS     16u
#define VBW_OPENRES_SIZE       20u

/* GPADL_HEADER: 20 bytes, then the ranges. */
#define VBW_GPADLH_RELID       8u
#define VBW_GPADLH_HANDLE      12u
#define VBW_GPADLH_BUFLEN      16u   /* u16: bytes of all ranges with their PFNs */
#define VBW_GPADLH_COUNT       18u   /* u16 */
#define VBW_GPADLH_SIZE        20u
/* GPADL_BODY: 16 bytes, then u64 PFNs. */
#define VBW_GPADLB_MSGNUM      8u
#define VBW_GPADLB_HANDLE      12u
#define VBW_GPADLB_SIZE        16u
/* A range: u32 byte count, u32 byte offset, then its u64 PFNs. */
#define VBW_RANGE_COUNT        0u
#define VBW_RANGE_OFFSET       4u
#define VBW_RANGE_HDR          8u
/* GPADL_CREATED: 20 bytes. GPADL_TEARDOWN: 16. GPADL_TORNDOWN: 12. */
#define VBW_GPADLC_RELID       8u
#define VBW_GPADLC_HANDLE      12u
#define VBW_GPADLC_STATUS      16u
#define VBW_GPADLC_SIZE        20u
#define VBW_GPADLT_RELID       8u
#define VBW_GPADLT_HANDLE      12u
#define VBW_GPADLT_SIZE        16u
#define VBW_TORNDOWN_HANDLE    8u
#define VBW_TORNDOWN_SIZE      12u

/* INITIATE_CONTACT: 40 bytes; 56 with the 6.0 client id. */
#define VBW_IC_VERSION         8u
#define VBW_IC_TARGET_VP       12u
#define VBW_IC_INTERRUPT_PAGE  16u   /* u64, < 5.0 */
#define VBW_IC_MSG_SINT        16u   /* u8, >= 5.0 */
#define VBW_IC_MSG_VTL         17u   /* u8, >= 5.1 */
#define VBW_IC_FEATURES        20u   /* u32, 6.0 */
#define VBW_IC_MONITOR1        24u
#define VBW_IC_MONITOR2        32u
#define VBW_IC_CLIENT_ID       40u   /* GUID, 6.0 with feature 0x8 */
#define VBW_IC_SIZE            40u
#define VBW_IC_SIZE_CLIENT_ID  56u

/* VERSION_RESPONSE: 16 bytes (20 at 6.0). */
#define VBW_VR_SUPPORTED       8u    /* u8 */
#define VBW_VR_STATE           9u    /* u8: 0 ok, 1 low resources, 2 failed */
#define VBW_VR_CONN_ID         12u   /* u32: >= 5.0 the message port; before, the version */
#define VBW_VR_FEATURES        16u   /* u32, 6.0 */
#define VBW_VR_SIZE            16u
#define VBW_VR_SIZE_V6         20u
#define VBW_STATE_OK           0u
#define VBW_STATE_FAILED       2u

/* TL_CONNECT_REQUEST: 40 bytes; 56 with the silo id (>= 5.2).
 * TL_CONNECT_RESULT: 44 bytes (>= 4.1). */
#define VBW_TL_ENDPOINT        8u    /* GUID: the guest's endpoint id */
#define VBW_TL_SERVICE         24u   /* GUID: the host service id */
#define VBW_TL_SILO            40u   /* GUID, request >= 5.2 */
#define VBW_TL_STATUS          40u   /* i32 NTSTATUS, result */
#define VBW_TL_REQ_SIZE        40u
#define VBW_TL_REQ_SIZE_SILO   56u
#define VBW_TL_RESULT_SIZE     44u

/* 6.0 feature flags. */
#define VBW_FEAT_CLIENT_ID     0x8u

/* Offer flags the host models use. */
#define VBW_OFFER_ENUMERATE    0x0001u
#define VBW_OFFER_NAMED_PIPE   0x0010u
#define VBW_OFFER_TLNPI        0x2000u   /* an hv_sock offer */
#define VBW_OFFER_USER_DATA_SIZE 120u

/* ---- Rings (section 7) ---- */
/* Control page offsets. */
#define VBW_RING_WRITE         0u
#define VBW_RING_READ          4u
#define VBW_RING_MASK          8u    /* set by the reader: do not interrupt me */
#define VBW_RING_PENDING       12u   /* set by a blocked writer: bytes it needs */
#define VBW_RING_FEATURES      64u   /* bit 0: pending-send-size supported */
#define VBW_RING_FEAT_PENDING  0x1u

/* Packet descriptor offsets; the payload starts offset8 * 8 bytes in, the
 * packet is len8 * 8 bytes long, an 8-byte trailer follows:
 * low u32 0, high u32 the write index the packet starts at. */
#define VBW_PKT_TYPE           0u    /* u16 */
#define VBW_PKT_OFFSET8        2u    /* u16, >= 2 */
#define VBW_PKT_LEN8           4u    /* u16, >= offset8 */
#define VBW_PKT_FLAGS          6u    /* u16 */
#define VBW_PKT_TID            8u    /* u64 */
#define VBW_PKT_DESC           16u
#define VBW_PKT_TRAILER        8u

#define VBW_PKT_INBAND         0x6u
#define VBW_PKT_XFER_PAGES     0x7u
#define VBW_PKT_GPA_DIRECT     0x9u
#define VBW_PKT_COMP           0xBu
#define VBW_PKT_FLAG_COMPLETION 0x1u

/* GPA-direct extension: u32 reserved, u32 range count, then ranges
 * (VBW_RANGE_*) with their PFNs. */
#define VBW_GPAD_RANGE_COUNT   4u
#define VBW_GPAD_HDR           8u

/* Pipe header in pipe-mode payloads: u32 type, u32 size of what follows. */
#define VBW_PIPE_TYPE          0u
#define VBW_PIPE_SIZE          4u
#define VBW_PIPE_HDR           8u
#define VBW_PIPE_DATA          1u
#define VBW_PIPE_MAX           16384u

/* ---- GUIDs (section 9) ----
 * Wire bytes: Data1 u32 LE, Data2 u16 LE, Data3 u16 LE, then Data4 as
 * written, so {d1, d2, d3, d4 (2 bytes), d5 (6 bytes)} becomes 16 bytes. */
#define VBW_GUID(d1, d2, d3, d4, d5)                                                       \
    { { (uint8_t)(d1), (uint8_t)((d1) >> 8), (uint8_t)((d1) >> 16), (uint8_t)((d1) >> 24), \
        (uint8_t)(d2), (uint8_t)((d2) >> 8), (uint8_t)(d3), (uint8_t)((d3) >> 8),          \
        (uint8_t)((d4) >> 8), (uint8_t)(d4),                                               \
        (uint8_t)((d5) >> 40), (uint8_t)((d5) >> 32), (uint8_t)((d5) >> 24),               \
        (uint8_t)((d5) >> 16), (uint8_t)((d5) >> 8), (uint8_t)(d5) } }

#define VBW_CLASS_HEARTBEAT    VBW_GUID(0x57164f39u, 0x9115, 0x4e78, 0xab55, 0x382f3bd5422dull)
#define VBW_CLASS_SHUTDOWN     VBW_GUID(0x0e0b6031u, 0x5213, 0x4934, 0x818b, 0x38d90ced39dbull)
#define VBW_CLASS_TIMESYNC     VBW_GUID(0x9527e630u, 0xd0ae, 0x497b, 0xadce, 0xe80ab0175cafull)
#define VBW_CLASS_KVP          VBW_GUID(0xa9a0f4e7u, 0x5a45, 0x4d96, 0xb827, 0x8a841e8c03e6ull)
#define VBW_INSTANCE_HEARTBEAT VBW_GUID(0xfd149e91u, 0x82e0, 0x4a7d, 0xafa6, 0x2a4166cbd7c0ull)
#define VBW_INSTANCE_SHUTDOWN  VBW_GUID(0xb6650ff7u, 0x33bc, 0x4840, 0x8048, 0xe0676786f393ull)
#define VBW_INSTANCE_TIMESYNC  VBW_GUID(0x2dd1ce17u, 0x079e, 0x403c, 0xb352, 0xa1921ee207eeull)
#define VBW_INSTANCE_KVP       VBW_GUID(0x242ff919u, 0x07db, 0x4180, 0x9c2e, 0xb86cb68c8c55ull)

#endif
