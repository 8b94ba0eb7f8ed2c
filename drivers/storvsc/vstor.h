/* The VSTOR protocol (synthetic SCSI over VMBus) as the guest sends and
 * receives it: bit-exact wire layouts, each size pinned. Written from
 * /work/shared/reference/devices.md section 2; all integers little-endian.
 * Runtime state lives in storvsc.h, not here. */
#ifndef HVRT_DRIVERS_VSTOR_H
#define HVRT_DRIVERS_VSTOR_H

#include <stdint.h>

/* The SCSI controller's device class (2.1). */
#define VSTOR_CLASS_SCSI { 0xba6163d9, 0x04a1, 0x4d29, { 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f } }

/* Operations (2.4). */
enum vstor_operation {
    VSTOR_OP_COMPLETE_IO = 1,
    VSTOR_OP_REMOVE_DEVICE = 2,
    VSTOR_OP_EXECUTE_SRB = 3,
    VSTOR_OP_RESET_LUN = 4,
    VSTOR_OP_RESET_ADAPTER = 5,
    VSTOR_OP_RESET_BUS = 6,
    VSTOR_OP_BEGIN_INITIALIZATION = 7,
    VSTOR_OP_END_INITIALIZATION = 8,
    VSTOR_OP_QUERY_PROTOCOL_VERSION = 9,
    VSTOR_OP_QUERY_PROPERTIES = 10,
    VSTOR_OP_ENUMERATE_BUS = 11,
    VSTOR_OP_FCHBA_DATA = 12,
    VSTOR_OP_CREATE_SUB_CHANNELS = 13,
};

#define VSTOR_FLAG_REQUEST_COMPLETION 0x1u

/* Protocol versions, (major << 8) | minor (2.6). */
#define VSTOR_VERSION_WIN6  0x0200u   /* 2.0: short SCSI request */
#define VSTOR_VERSION_WIN7  0x0402u   /* 4.2: short SCSI request */
#define VSTOR_VERSION_WIN8  0x0501u   /* 5.1: full request, sense 0x14 */
#define VSTOR_VERSION_WIN81 0x0600u
#define VSTOR_VERSION_WIN10 0x0602u

/* NTSTATUS values a host puts in a completion's status field (2.9). */
#define VSTOR_STATUS_SUCCESS              0x00000000u
#define VSTOR_STATUS_REVISION_MISMATCH    0xC0000059u
#define VSTOR_STATUS_INVALID_DEVICE_STATE 0xC0000184u

/* srb_flags (2.3). */
#define VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER 0x08u
#define VSTOR_SRB_FLAG_DATA_IN                0x40u
#define VSTOR_SRB_FLAG_DATA_OUT               0x80u

/* data_in (2.3). */
#define VSTOR_DATA_OUT  0   /* guest to disk */
#define VSTOR_DATA_IN   1   /* disk to guest */
#define VSTOR_DATA_NONE 2

/* srb_status: code in bits 0-5, queue frozen 0x40, autosense valid 0x80 (2.9). */
#define VSTOR_SRB_STATUS_MASK            0x3Fu
#define VSTOR_SRB_QUEUE_FROZEN           0x40u
#define VSTOR_SRB_AUTOSENSE_VALID        0x80u
enum vstor_srb_status {
    VSTOR_SRB_PENDING = 0x00,
    VSTOR_SRB_SUCCESS = 0x01,
    VSTOR_SRB_ABORTED = 0x02,
    VSTOR_SRB_ABORT_FAILED = 0x03,
    VSTOR_SRB_ERROR = 0x04,
    VSTOR_SRB_BUSY = 0x05,
    VSTOR_SRB_INVALID_REQUEST = 0x06,
    VSTOR_SRB_INVALID_PATH_ID = 0x07,
    VSTOR_SRB_NO_DEVICE = 0x08,
    VSTOR_SRB_TIMEOUT = 0x09,
    VSTOR_SRB_SELECTION_TIMEOUT = 0x0A,
    VSTOR_SRB_COMMAND_TIMEOUT = 0x0B,
    VSTOR_SRB_BUS_RESET = 0x0E,
    VSTOR_SRB_NO_HBA = 0x11,
    VSTOR_SRB_DATA_OVERRUN = 0x12,
    VSTOR_SRB_REQUEST_FLUSHED = 0x16,
    VSTOR_SRB_INVALID_LUN = 0x20,
    VSTOR_SRB_INVALID_TARGET_ID = 0x21,
    VSTOR_SRB_BAD_FUNCTION = 0x22,
    VSTOR_SRB_ERROR_RECOVERY = 0x23,
    VSTOR_SRB_NOT_POWERED = 0x24,
    VSTOR_SRB_LINK_DOWN = 0x25,
};

#define VSTOR_CDB_SIZE 16
#define VSTOR_SENSE_SIZE 0x14          /* from 5.1 */
#define VSTOR_SENSE_SIZE_PRE_WIN8 0x12

/* The SCSI request (vmscsi_request, 2.3). Before 5.1 it ends after the
 * cdb/sense bytes (0x24); the Win8 extension adds the last 16. */
struct __attribute__((packed)) vstor_srb {
    uint16_t length;
    uint8_t srb_status;
    uint8_t scsi_status;
    uint8_t port_number;
    uint8_t path_id;
    uint8_t target_id;
    uint8_t lun;
    uint8_t cdb_length;
    uint8_t sense_info_length;
    uint8_t data_in;
    uint8_t reserved;
    uint32_t data_transfer_length;
    uint8_t cdb_or_sense[20];          /* cdb[16] in requests, sense[20] in completions */
    /* Win8 extension */
    uint16_t reserve;
    uint8_t queue_tag;
    uint8_t queue_action;
    uint32_t srb_flags;
    uint32_t time_out_value;
    uint32_t queue_sort_key;
};
#define VSTOR_SRB_SIZE 0x34u
#define VSTOR_SRB_SIZE_PRE_WIN8 0x24u
_Static_assert(sizeof(struct vstor_srb) == VSTOR_SRB_SIZE, "vmscsi_request is 0x34 bytes");
_Static_assert(__builtin_offsetof(struct vstor_srb, reserve) == VSTOR_SRB_SIZE_PRE_WIN8,
               "the Win8 extension starts at 0x24");
_Static_assert(__builtin_offsetof(struct vstor_srb, data_transfer_length) == 12, "data_transfer_length at 12");

/* QUERY_PROTOCOL_VERSION payload (2.5). */
struct __attribute__((packed)) vstor_version {
    uint16_t major_minor;
    uint16_t revision;
};
_Static_assert(sizeof(struct vstor_version) == 4, "protocol version is 4 bytes");

/* QUERY_PROPERTIES reply (2.5). */
#define VSTOR_PROPERTY_MULTI_CHANNEL 0x1u
struct __attribute__((packed)) vstor_properties {
    uint32_t reserved;
    uint16_t max_sub_channels;
    uint16_t reserved2;
    uint32_t flags;
    uint32_t max_transfer_bytes;
    uint64_t reserved3;
};
_Static_assert(sizeof(struct vstor_properties) == 24, "channel properties are 24 bytes");
_Static_assert(__builtin_offsetof(struct vstor_properties, max_transfer_bytes) == 12, "max transfer at 12");

/* Every VSTOR message, both ways (2.2). */
struct __attribute__((packed)) vstor_packet {
    uint32_t operation;
    uint32_t flags;
    uint32_t status;
    union {
        struct vstor_srb srb;
        struct vstor_version version;
        struct vstor_properties properties;
        uint16_t sub_channel_count;
        uint8_t raw[VSTOR_SRB_SIZE];
    } u;
};
#define VSTOR_HEADER_SIZE 12u
#define VSTOR_PACKET_SIZE 0x40u
#define VSTOR_PACKET_SIZE_PRE_WIN8 0x30u
_Static_assert(sizeof(struct vstor_packet) == VSTOR_PACKET_SIZE, "vstor_packet is 0x40 bytes");
_Static_assert(__builtin_offsetof(struct vstor_packet, u) == VSTOR_HEADER_SIZE, "payload at 12");
_Static_assert(VSTOR_HEADER_SIZE + VSTOR_SRB_SIZE_PRE_WIN8 == VSTOR_PACKET_SIZE_PRE_WIN8,
               "pre-Win8 packets are 16 bytes shorter");

#endif
