/* NVSP, the synthetic NIC's own protocol on its VMBus channel: message
 * numbers, versions and layouts, written from
 * /work/shared/reference/devices.md section 1 (1.2-1.6). Every message
 * starts with a u32 type; sizes are pinned below. Little-endian, packed by
 * construction (only u32 and u16 fields at natural offsets). */
#ifndef HVRT_DRIVERS_NETVSC_NVSP_H
#define HVRT_DRIVERS_NETVSC_NVSP_H

#include <stdint.h>

/* Device class f8615163-df3e-46c5-913f-f2d2f965ed0e. */
#define NETVSC_CLASS_GUID { 0xf8615163, 0xdf3e, 0x46c5, { 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e } }

/* Protocol versions, (major << 16) | minor except version 1. */
#define NVSP_VERSION_1   0x00000002u
#define NVSP_VERSION_2   0x00030002u
#define NVSP_VERSION_4   0x00040000u
#define NVSP_VERSION_5   0x00050000u
#define NVSP_VERSION_6   0x00060000u
#define NVSP_VERSION_61  0x00060001u

enum nvsp_type {
    NVSP_INIT = 1,
    NVSP_INIT_COMPLETE = 2,
    NVSP_NDIS_VERSION = 100,
    NVSP_RECV_BUF = 101,
    NVSP_RECV_BUF_COMPLETE = 102,
    NVSP_REVOKE_RECV_BUF = 103,
    NVSP_SEND_BUF = 104,
    NVSP_SEND_BUF_COMPLETE = 105,
    NVSP_REVOKE_SEND_BUF = 106,
    NVSP_RNDIS = 107,
    NVSP_RNDIS_COMPLETE = 108,
    NVSP_NDIS_CONFIG = 125,
    NVSP_VF_ASSOCIATION = 128,
    NVSP_SWITCH_DATA_PATH = 129,
    NVSP_SUBCHANNEL = 133,
    NVSP_INDIRECTION_TABLE = 134,
};

#define NVSP_STATUS_SUCCESS 1u   /* anything else is a failure */
#define NVSP_STATUS_FAILED  2u

/* Requests are zero-padded to this: a host may ignore shorter ones
 * (devices.md 1.2: 40 is what Linux and DPDK send). */
#define NVSP_REQUEST_SIZE 40u
/* the most a host answers to one request: a message, with room to spare */
#define NVSP_REPLY_SIZE 64u
/* The ack of a received transfer-page packet: type and status (Linux's 8). */
#define NVSP_ACK_SIZE 8u

#define NVSP_NO_SECTION 0xFFFFFFFFu   /* send_buf_section_index: data not in a section */
#define NVSP_CHANNEL_DATA    0u       /* RNDIS_PACKET_MSG */
#define NVSP_CHANNEL_CONTROL 1u       /* every other RNDIS message */

#define NVSP_RECV_BUF_ID 0xCAFEu      /* becomes the transfer page set id */
#define NVSP_SEND_BUF_ID 0u
#define NVSP_MIN_SECTION 68u          /* smaller sections are refused (Linux) */
#define NVSP_MAX_RANGES 375u          /* frames in one receive packet (mu_msvm's and OpenVMM's limit) */

struct nvsp_init {
    uint32_t type;
    uint32_t min_version;
    uint32_t max_version;
};
_Static_assert(sizeof(struct nvsp_init) == 12, "nvsp init");

struct nvsp_init_complete {
    uint32_t type;
    uint32_t negotiated_version;   /* deprecated: not relied on */
    uint32_t max_mdl_chain_length;
    uint32_t status;
};
_Static_assert(sizeof(struct nvsp_init_complete) == 16, "nvsp init complete");

struct nvsp_ndis_version {
    uint32_t type;
    uint32_t major;
    uint32_t minor;
};
_Static_assert(sizeof(struct nvsp_ndis_version) == 12, "nvsp ndis version");

/* NVSP > 1 only. The capability bitmap is a u64 at offset 12: two u32s
 * keep the struct free of padding. */
struct nvsp_ndis_config {
    uint32_t type;
    uint32_t mtu;                  /* frame bytes: the MTU + 14 */
    uint32_t reserved;
    uint32_t capabilities_lo;
    uint32_t capabilities_hi;
};
_Static_assert(sizeof(struct nvsp_ndis_config) == 20, "nvsp ndis config");

struct nvsp_buffer {               /* RECV_BUF and SEND_BUF */
    uint32_t type;
    uint32_t gpadl;
    uint16_t id;
    uint16_t reserved;
};
_Static_assert(sizeof(struct nvsp_buffer) == 12, "nvsp buffer");

struct nvsp_section {
    uint32_t offset;
    uint32_t sub_alloc_size;
    uint32_t sub_alloc_count;
    uint32_t end_offset;
};
_Static_assert(sizeof(struct nvsp_section) == 16, "nvsp section");

struct nvsp_recv_buf_complete {    /* with one section; more may follow */
    uint32_t type;
    uint32_t status;
    uint32_t section_count;
    struct nvsp_section section;
};
_Static_assert(sizeof(struct nvsp_recv_buf_complete) == 28, "nvsp recv buf complete");

struct nvsp_send_buf_complete {
    uint32_t type;
    uint32_t status;
    uint32_t section_size;
};
_Static_assert(sizeof(struct nvsp_send_buf_complete) == 12, "nvsp send buf complete");

struct nvsp_revoke {
    uint32_t type;
    uint16_t id;
    uint16_t reserved;
};
_Static_assert(sizeof(struct nvsp_revoke) == 8, "nvsp revoke");

struct nvsp_rndis {
    uint32_t type;
    uint32_t channel_type;         /* NVSP_CHANNEL_* */
    uint32_t section_index;        /* NVSP_NO_SECTION: GPA-direct (TX) or transfer pages (RX) */
    uint32_t section_size;
};
_Static_assert(sizeof(struct nvsp_rndis) == 16, "nvsp rndis");

struct nvsp_rndis_complete {
    uint32_t type;
    uint32_t status;
};
_Static_assert(sizeof(struct nvsp_rndis_complete) == 8, "nvsp rndis complete");

#endif
