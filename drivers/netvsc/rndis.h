/* RNDIS as the synthetic NIC carries it inside NVSP: message types, status
 * codes, OIDs and layouts, from /work/shared/reference/devices.md
 * 1.9-1.12. A message is an 8-byte header {type, length} and a body; every
 * offset inside a body counts from the body's start. */
#ifndef HVRT_DRIVERS_NETVSC_RNDIS_H
#define HVRT_DRIVERS_NETVSC_RNDIS_H

#include <stdint.h>

#define RNDIS_PACKET_MSG          0x00000001u
#define RNDIS_INITIALIZE_MSG      0x00000002u
#define RNDIS_HALT_MSG            0x00000003u
#define RNDIS_QUERY_MSG           0x00000004u
#define RNDIS_SET_MSG             0x00000005u
#define RNDIS_RESET_MSG           0x00000006u
#define RNDIS_INDICATE_STATUS_MSG 0x00000007u
#define RNDIS_KEEPALIVE_MSG       0x00000008u
#define RNDIS_COMPLETION          0x80000000u   /* a completion's type: its request's | this */

#define RNDIS_STATUS_SUCCESS          0x00000000u
#define RNDIS_STATUS_FAILURE          0xC0000001u
#define RNDIS_STATUS_NOT_SUPPORTED    0xC00000BBu
#define RNDIS_STATUS_MEDIA_CONNECT    0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT 0x4001000Cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE 0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE   0x40010018u

#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE    0x00010106u   /* u32: the MTU (no Ethernet header) */
#define RNDIS_OID_GEN_LINK_SPEED            0x00010107u   /* u32, 100 bps units */
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER 0x0001010Eu
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS  0x00010114u   /* u32: 0 connected, 1 not */
#define RNDIS_OID_802_3_PERMANENT_ADDRESS   0x01010101u   /* 6 bytes */

#define RNDIS_FILTER_DIRECTED      0x1u
#define RNDIS_FILTER_ALL_MULTICAST 0x4u
#define RNDIS_FILTER_BROADCAST     0x8u

struct rndis_header {
    uint32_t type;
    uint32_t length;                  /* the whole message, this header included */
};
_Static_assert(sizeof(struct rndis_header) == 8, "rndis header");

struct rndis_initialize {
    uint32_t request_id;
    uint32_t major;                   /* 1 */
    uint32_t minor;                   /* 0 */
    uint32_t max_transfer_size;
};
_Static_assert(sizeof(struct rndis_initialize) == 16, "rndis initialize");

struct rndis_initialize_complete {
    uint32_t request_id;
    uint32_t status;
    uint32_t major, minor;
    uint32_t device_flags;
    uint32_t medium;                  /* 0: 802.3 */
    uint32_t max_packets_per_message;
    uint32_t max_transfer_size;
    uint32_t alignment_log2;
    uint32_t af_list_offset, af_list_size;
};
_Static_assert(sizeof(struct rndis_initialize_complete) == 44, "rndis initialize complete");

struct rndis_query {                  /* QUERY and SET */
    uint32_t request_id;
    uint32_t oid;
    uint32_t buffer_length;
    uint32_t buffer_offset;           /* from the body; 20 puts SET data right after */
    uint32_t device_vc_handle;
};
_Static_assert(sizeof(struct rndis_query) == 20, "rndis query");

struct rndis_query_complete {
    uint32_t request_id;
    uint32_t status;
    uint32_t buffer_length;
    uint32_t buffer_offset;           /* from the body; at least 16 */
};
_Static_assert(sizeof(struct rndis_query_complete) == 16, "rndis query complete");

struct rndis_set_complete {           /* also KEEPALIVE_CMPLT */
    uint32_t request_id;
    uint32_t status;
};
_Static_assert(sizeof(struct rndis_set_complete) == 8, "rndis set complete");

struct rndis_reset {
    uint32_t reserved;
};
struct rndis_reset_complete {
    uint32_t status;
    uint32_t addressing_reset;        /* 1: the filter must be set again */
};
_Static_assert(sizeof(struct rndis_reset_complete) == 8, "rndis reset complete");

struct rndis_indicate_status {
    uint32_t status;                  /* RNDIS_STATUS_MEDIA_* ... */
    uint32_t buffer_length;
    uint32_t buffer_offset;
};
_Static_assert(sizeof(struct rndis_indicate_status) == 12, "rndis indicate status");

struct rndis_keepalive {
    uint32_t request_id;
};

struct rndis_packet {
    uint32_t data_offset;             /* from the body: 36 with no per-packet info */
    uint32_t data_length;             /* the Ethernet frame, without FCS */
    uint32_t oob_data_offset, oob_data_length, oob_element_count;
    uint32_t ppi_offset, ppi_length;
    uint32_t vc_handle;
    uint32_t reserved;
};
_Static_assert(sizeof(struct rndis_packet) == 36, "rndis packet");

/* A data message as we send it: header, body, frame. */
#define RNDIS_PACKET_OVERHEAD (sizeof(struct rndis_header) + sizeof(struct rndis_packet))

#endif
