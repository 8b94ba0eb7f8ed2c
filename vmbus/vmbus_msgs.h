/* VMBus channel messages as they travel in a SynIC message payload: every
 * message of the control protocol, bit-exact, with the numbers that go with
 * them (message types, protocol versions, connection ids, offer flags, the
 * class GUIDs). Written from /work/shared/reference/hyperv-vmbus-protocol.md
 * sections 5, 6 and 9; each size and key offset is pinned below with
 * _Static_assert, so a typo cannot reach the wire.
 *
 * Sending: send exactly sizeof the struct (or the *_SIZE constant where a
 * message has an optional tail). Receiving: the host is untrusted and hosts
 * differ in how much they send (QEMU rounds sizes up to 8), so accept a
 * payload when its size is >= vmbus_msg_min_size() (vmbus.h) and ignore the rest. */
#ifndef HVRT_VMBUS_VMBUS_MSGS_H
#define HVRT_VMBUS_VMBUS_MSGS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- Connection (section 5) ---- */

#define VMBUS_SINT                2u   /* SIM slot and SIEF array of VMBus */
#define VMBUS_CONNID_MESSAGE      1u   /* HvPostMessage target, every version */
#define VMBUS_CONNID_EVENT        2u   /* guest->host signal, 0.13 only */
#define VMBUS_CONNID_MONITOR      3u
#define VMBUS_CONNID_MULTICLIENT  4u   /* INITIATE_CONTACT >= 5.0 (QEMU and old hosts refuse) */
#define VMBUS_POST_MESSAGE_TYPE   1u   /* HvPostMessage message type of every VMBus message */
#define VMBUS_MSG_MAX_SIZE        240u /* incl. the 8-byte header */

#define VMBUS_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define VMBUS_VERSION_MAJOR(v)      ((uint32_t)(v) >> 16)
#define VMBUS_VERSION_MINOR(v)      ((uint32_t)(v) & 0xFFFFu)

#define VMBUS_VERSION_WS2008    VMBUS_VERSION(0, 13)
#define VMBUS_VERSION_WIN7      VMBUS_VERSION(1, 1)
#define VMBUS_VERSION_WIN8      VMBUS_VERSION(2, 4)
#define VMBUS_VERSION_WIN8_1    VMBUS_VERSION(3, 0)
#define VMBUS_VERSION_WIN10     VMBUS_VERSION(4, 0)   /* the highest QEMU speaks */
#define VMBUS_VERSION_WIN10_V4_1 VMBUS_VERSION(4, 1)
#define VMBUS_VERSION_WIN10_V5  VMBUS_VERSION(5, 0)
#define VMBUS_VERSION_WIN10_V5_1 VMBUS_VERSION(5, 1)
#define VMBUS_VERSION_WIN10_V5_2 VMBUS_VERSION(5, 2)
#define VMBUS_VERSION_WIN10_V5_3 VMBUS_VERSION(5, 3)
#define VMBUS_VERSION_COPPER    VMBUS_VERSION(6, 0)

_Static_assert(VMBUS_VERSION_WS2008 == 0x0000000Du, "0.13");
_Static_assert(VMBUS_VERSION_WIN8 == 0x00020004u, "2.4");
_Static_assert(VMBUS_VERSION_COPPER == 0x00060000u, "6.0");

/* ---- Message types (section 6) ---- */

enum vmbus_msg_type {
    VMBUS_MSG_INVALID = 0,
    VMBUS_MSG_OFFERCHANNEL = 1,
    VMBUS_MSG_RESCIND_CHANNELOFFER = 2,
    VMBUS_MSG_REQUESTOFFERS = 3,
    VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
    VMBUS_MSG_OPENCHANNEL = 5,
    VMBUS_MSG_OPENCHANNEL_RESULT = 6,
    VMBUS_MSG_CLOSECHANNEL = 7,
    VMBUS_MSG_GPADL_HEADER = 8,
    VMBUS_MSG_GPADL_BODY = 9,
    VMBUS_MSG_GPADL_CREATED = 10,
    VMBUS_MSG_GPADL_TEARDOWN = 11,
    VMBUS_MSG_GPADL_TORNDOWN = 12,
    VMBUS_MSG_RELID_RELEASED = 13,
    VMBUS_MSG_INITIATE_CONTACT = 14,
    VMBUS_MSG_VERSION_RESPONSE = 15,
    VMBUS_MSG_UNLOAD = 16,
    VMBUS_MSG_UNLOAD_RESPONSE = 17,
    VMBUS_MSG_OPEN_RESERVED_CHANNEL = 18,
    VMBUS_MSG_CLOSE_RESERVED_CHANNEL = 19,
    VMBUS_MSG_CLOSE_RESERVED_RESPONSE = 20,
    VMBUS_MSG_TL_CONNECT_REQUEST = 21,
    VMBUS_MSG_MODIFYCHANNEL = 22,
    VMBUS_MSG_TL_CONNECT_RESULT = 23,
    VMBUS_MSG_MODIFYCHANNEL_RESPONSE = 24,
    VMBUS_MSG_MODIFY_CONNECTION = 25,
    VMBUS_MSG_MODIFY_CONNECTION_RESPONSE = 26,
    VMBUS_MSG_PAUSE = 27,
    VMBUS_MSG_PAUSE_RESPONSE = 28,
    VMBUS_MSG_RESUME = 29,
    VMBUS_MSG_COUNT
};

/* ---- GUIDs (section 9) ----
 * On the wire: Data1 u32 LE, Data2 u16 LE, Data3 u16 LE, Data4 as written.
 * x86-64 is little-endian, so this struct's memory is the wire form. */
struct vmbus_guid {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_guid) == 16, "GUID is 16 bytes");

/* Spelled like the text form: VMBUS_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x913f, 0xf2d2f965ed0e). */
#define VMBUS_GUID(d1, d2, d3, d4hi, d4lo)                                           \
    { (d1), (d2), (d3),                                                              \
      { (uint8_t)((d4hi) >> 8), (uint8_t)(d4hi),                                     \
        (uint8_t)((d4lo) >> 40), (uint8_t)((d4lo) >> 32), (uint8_t)((d4lo) >> 24),   \
        (uint8_t)((d4lo) >> 16), (uint8_t)((d4lo) >> 8), (uint8_t)(d4lo) } }

#define VMBUS_CLASS_NETWORK     VMBUS_GUID(0xf8615163u, 0xdf3e, 0x46c5, 0x913f, 0xf2d2f965ed0eull)
#define VMBUS_CLASS_SCSI        VMBUS_GUID(0xba6163d9u, 0x04a1, 0x4d29, 0xb605, 0x72e2ffb1dc7full)
#define VMBUS_CLASS_IDE         VMBUS_GUID(0x32412632u, 0x86cb, 0x44a2, 0x9b5c, 0x50d1417354f5ull)
#define VMBUS_CLASS_FIBRE_CHANNEL VMBUS_GUID(0x2f9bcc4au, 0x0069, 0x4af3, 0xb76b, 0x6fd0be528cdaull)
#define VMBUS_CLASS_HEARTBEAT   VMBUS_GUID(0x57164f39u, 0x9115, 0x4e78, 0xab55, 0x382f3bd5422dull)
#define VMBUS_CLASS_SHUTDOWN    VMBUS_GUID(0x0e0b6031u, 0x5213, 0x4934, 0x818b, 0x38d90ced39dbull)
#define VMBUS_CLASS_TIMESYNC    VMBUS_GUID(0x9527e630u, 0xd0ae, 0x497b, 0xadce, 0xe80ab0175cafull)
#define VMBUS_CLASS_KVP         VMBUS_GUID(0xa9a0f4e7u, 0x5a45, 0x4d96, 0xb827, 0x8a841e8c03e6ull)
#define VMBUS_CLASS_VSS         VMBUS_GUID(0x35fa2e29u, 0xea23, 0x4236, 0x96ae, 0x3a6ebacba440ull)
#define VMBUS_CLASS_FILE_COPY   VMBUS_GUID(0x34d14be3u, 0xdee4, 0x41c8, 0x9ae7, 0x6b174977c192ull)
#define VMBUS_CLASS_KEYBOARD    VMBUS_GUID(0xf912ad6du, 0x2b17, 0x48ea, 0xbd65, 0xf927a61c7684ull)
#define VMBUS_CLASS_MOUSE       VMBUS_GUID(0xcfa8b69eu, 0x5b4a, 0x4cc0, 0xb98b, 0x8ba1a1f3f95aull)
#define VMBUS_CLASS_VIDEO       VMBUS_GUID(0xda0a7802u, 0xe377, 0x4aac, 0x8e77, 0x0558eb1073f8ull)
#define VMBUS_CLASS_BALLOON     VMBUS_GUID(0x525074dcu, 0x8985, 0x46e2, 0x8057, 0xa307dc18a502ull)
#define VMBUS_CLASS_PCI         VMBUS_GUID(0x44c4f61du, 0x4444, 0x4400, 0x9d52, 0x802e27ede19full)
#define VMBUS_CLASS_NETWORK_DIRECT VMBUS_GUID(0x8c2eaf3du, 0x32a7, 0x4b09, 0xab99, 0xbd1f1c86b501ull)
#define VMBUS_CLASS_RDV         VMBUS_GUID(0x276aacf4u, 0xac15, 0x426c, 0x98dd, 0x7521ad3f01feull)
#define VMBUS_CLASS_RDP_CONTROL VMBUS_GUID(0xf8e65716u, 0x3cb3, 0x4a06, 0x9a60, 0x1889c5cccab5ull)
#define VMBUS_CLASS_AVMA        VMBUS_GUID(0x3375baf4u, 0x9e15, 0x4b30, 0xb765, 0x67acb10d607bull)
#define VMBUS_CLASS_VMBFS       VMBUS_GUID(0xc376c1c3u, 0xd276, 0x48d2, 0x90a9, 0xc04748072c60ull)

/* Fixed IC instance GUIDs (the same on Hyper-V and OpenVMM); match on the
 * class GUID, these are for hosts we simulate. */
#define VMBUS_INSTANCE_HEARTBEAT VMBUS_GUID(0xfd149e91u, 0x82e0, 0x4a7d, 0xafa6, 0x2a4166cbd7c0ull)
#define VMBUS_INSTANCE_SHUTDOWN  VMBUS_GUID(0xb6650ff7u, 0x33bc, 0x4840, 0x8048, 0xe0676786f393ull)
#define VMBUS_INSTANCE_TIMESYNC  VMBUS_GUID(0x2dd1ce17u, 0x079e, 0x403c, 0xb352, 0xa1921ee207eeull)
#define VMBUS_INSTANCE_KVP       VMBUS_GUID(0x242ff919u, 0x07db, 0x4180, 0x9c2e, 0xb86cb68c8c55ull)
#define VMBUS_INSTANCE_VSS       VMBUS_GUID(0x2450ee40u, 0x33bf, 0x4fbd, 0x892e, 0x9fb06e9214cfull)
#define VMBUS_INSTANCE_FILE_COPY VMBUS_GUID(0xeb765408u, 0x105f, 0x49b6, 0xb4aa, 0xc123b64d17d4ull)

static inline int vmbus_guid_equal(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

struct vmbus_class {
    struct vmbus_guid guid;
    const char *name;
};

/* The well-known device classes with short human names. The table lives in a
 * function so each file that uses it gets one copy and others none. */
static inline const struct vmbus_class *vmbus_class_table(size_t *count)
{
    static const struct vmbus_class table[] = {
        { VMBUS_CLASS_NETWORK, "network" },
        { VMBUS_CLASS_SCSI, "scsi" },
        { VMBUS_CLASS_IDE, "ide" },
        { VMBUS_CLASS_FIBRE_CHANNEL, "fibre-channel" },
        { VMBUS_CLASS_HEARTBEAT, "heartbeat" },
        { VMBUS_CLASS_SHUTDOWN, "shutdown" },
        { VMBUS_CLASS_TIMESYNC, "timesync" },
        { VMBUS_CLASS_KVP, "kvp" },
        { VMBUS_CLASS_VSS, "vss" },
        { VMBUS_CLASS_FILE_COPY, "file-copy" },
        { VMBUS_CLASS_KEYBOARD, "keyboard" },
        { VMBUS_CLASS_MOUSE, "mouse" },
        { VMBUS_CLASS_VIDEO, "video" },
        { VMBUS_CLASS_BALLOON, "balloon" },
        { VMBUS_CLASS_PCI, "pci" },
        { VMBUS_CLASS_NETWORK_DIRECT, "network-direct" },
        { VMBUS_CLASS_RDV, "rdv" },
        { VMBUS_CLASS_RDP_CONTROL, "rdp-control" },
        { VMBUS_CLASS_AVMA, "avma" },
        { VMBUS_CLASS_VMBFS, "vmbfs" },
    };
    *count = sizeof(table) / sizeof(table[0]);
    return table;
}

/* The human name of a device class, or NULL for one we do not know. */
static inline const char *vmbus_class_name(const struct vmbus_guid *type)
{
    size_t n;
    const struct vmbus_class *t = vmbus_class_table(&n);
    for (size_t i = 0; i < n; i++)
        if (vmbus_guid_equal(&t[i].guid, type))
            return t[i].name;
    return NULL;
}

/* ---- Messages (section 6); offsets in comments are from the message start ---- */

struct vmbus_msg_header {
    uint32_t type;      /* enum vmbus_msg_type */
    uint32_t padding;   /* 0 */
} __attribute__((packed));

/* Offer flags (OFFERCHANNEL off 56). */
#define VMBUS_OFFER_FLAG_ENUMERATE_INTERFACE 0x0001u
#define VMBUS_OFFER_FLAG_XFER_PAGES_OR_CONFIDENTIAL_RING 0x0002u /* legacy / 6.0 paravisor */
#define VMBUS_OFFER_FLAG_GPADLS_OR_CONFIDENTIAL_MEMORY   0x0004u /* legacy / 6.0 */
#define VMBUS_OFFER_FLAG_PINNED_EXTERNAL_MEMORY          0x0008u
#define VMBUS_OFFER_FLAG_NAMED_PIPE          0x0010u
#define VMBUS_OFFER_FLAG_LOOPBACK            0x0100u
#define VMBUS_OFFER_FLAG_PARENT_OFFER        0x0200u
#define VMBUS_OFFER_FLAG_MONITORED_NOTIFY    0x0400u
#define VMBUS_OFFER_FLAG_TLNPI_PROVIDER      0x2000u /* hv_sock: type = service id, instance = endpoint id */

/* First u32 of the offer's user data in named-pipe mode. */
#define VMBUS_PIPE_MODE_BYTE    0u
#define VMBUS_PIPE_MODE_MESSAGE 4u

struct vmbus_msg_offer {
    struct vmbus_msg_header hdr;
    struct vmbus_guid type;             /* 8: device class */
    struct vmbus_guid instance;         /* 24 */
    uint8_t reserved1[16];              /* 40: may be non-zero before 2.4 */
    uint16_t flags;                     /* 56: VMBUS_OFFER_FLAG_* */
    uint16_t mmio_megabytes;            /* 58 */
    uint8_t user_data[120];             /* 60: pipe mode: u32 VMBUS_PIPE_MODE_* first */
    uint16_t sub_channel_index;         /* 180: >= 2.4; 0 = primary */
    uint16_t mmio_megabytes_optional;   /* 182 */
    uint32_t child_relid;               /* 184: 1..2047 */
    uint8_t monitor_id;                 /* 188 */
    uint8_t monitor_allocated;          /* 189: bit0 */
    uint16_t is_dedicated_interrupt;    /* 190: bit0, >= 1.1 */
    uint32_t connection_id;             /* 192: HvSignalEvent target, >= 1.1 */
} __attribute__((packed));

struct vmbus_msg_rescind {              /* also RELID_RELEASED and CLOSECHANNEL */
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
} __attribute__((packed));

struct vmbus_msg_relid_released {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
} __attribute__((packed));

struct vmbus_msg_close_channel {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;
} __attribute__((packed));

struct vmbus_msg_request_offers {       /* also ALLOFFERS_DELIVERED, UNLOAD(_RESPONSE), PAUSE... */
    struct vmbus_msg_header hdr;
} __attribute__((packed));

#define VMBUS_TARGET_VP_NONE 0xFFFFFFFFu    /* OPENCHANNEL: no host->guest interrupts */

/* OPENCHANNEL flags (off 154, 6.0 feature 0x2). */
#define VMBUS_OPEN_FLAG_REDIRECT_INTERRUPT 0x0001u

struct vmbus_msg_open_channel {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t open_id;                   /* 12: echoed in the result */
    uint32_t ring_gpadl;                /* 16 */
    uint32_t target_vp;                 /* 20: VP index, >= 2.4 */
    uint32_t downstream_page_offset;    /* 24: pages before the host->guest ring */
    uint8_t user_data[120];             /* 28 */
    /* 6.0 extension, sent only with feature 0x1 or 0x2: */
    uint32_t connection_id;             /* 148 */
    uint16_t event_flag;                /* 152 */
    uint16_t flags;                     /* 154: VMBUS_OPEN_FLAG_* */
} __attribute__((packed));
#define VMBUS_MSG_OPEN_CHANNEL_SIZE        148u
#define VMBUS_MSG_OPEN_CHANNEL_SIZE_V6_EXT 156u

struct vmbus_msg_open_result {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t open_id;                   /* 12 */
    uint32_t status;                    /* 16: 0 = success */
} __attribute__((packed));

struct vmbus_msg_gpadl_header {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t gpadl;                     /* 12: handle chosen by the guest */
    uint16_t range_buflen;              /* 16: bytes of all ranges incl. their PFNs */
    uint16_t range_count;               /* 18 */
    /* 20: struct vmbus_gpa_range, its u64 PFNs, ... */
} __attribute__((packed));

/* A range as GPADL messages and GPA-direct packets carry it. */
struct vmbus_gpa_range {
    uint32_t byte_count;
    uint32_t byte_offset;               /* into the first page */
    /* u64 pfn[ceil((byte_offset + byte_count) / 4096)] follow */
} __attribute__((packed));

struct vmbus_msg_gpadl_body {
    struct vmbus_msg_header hdr;
    uint32_t msgnum;                    /* 8: ignored by hosts */
    uint32_t gpadl;                     /* 12 */
    /* 16: u64 pfn[] */
} __attribute__((packed));

struct vmbus_msg_gpadl_created {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t gpadl;                     /* 12 */
    uint32_t status;                    /* 16: 0 = success, else an NTSTATUS */
} __attribute__((packed));

struct vmbus_msg_gpadl_teardown {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t gpadl;                     /* 12 */
} __attribute__((packed));

struct vmbus_msg_gpadl_torndown {
    struct vmbus_msg_header hdr;
    uint32_t gpadl;                     /* 8 */
} __attribute__((packed));

/* 6.0 feature flags: INITIATE_CONTACT off 20, VERSION_RESPONSE off 16. */
#define VMBUS_FEATURE_GUEST_SIGNAL_PARAMS   0x01u
#define VMBUS_FEATURE_INTERRUPT_REDIRECTION 0x02u
#define VMBUS_FEATURE_MODIFY_CONNECTION     0x04u
#define VMBUS_FEATURE_CLIENT_ID             0x08u
#define VMBUS_FEATURE_CONFIDENTIAL_CHANNELS 0x10u
#define VMBUS_FEATURE_PAUSE_RESUME          0x20u
#define VMBUS_FEATURE_SERVER_MONITOR_PAGES  0x40u
#define VMBUS_FEATURE_GPA_PINNING           0x80u

struct vmbus_msg_initiate_contact {
    struct vmbus_msg_header hdr;
    uint32_t version;                   /* 8: VMBUS_VERSION_* */
    uint32_t target_vp;                 /* 12: VP index for control messages */
    union {                             /* 16 */
        uint64_t interrupt_page;        /* < 5.0 (used by the host only < 2.4) */
        struct {                        /* >= 5.0 */
            uint8_t msg_sint;           /* 16: VMBUS_SINT */
            uint8_t msg_vtl;            /* 17: 0 */
            uint16_t reserved;          /* 18 */
            uint32_t feature_flags;     /* 20: 6.0 VMBUS_FEATURE_* */
        } __attribute__((packed));
    } __attribute__((packed));
    uint64_t monitor_page1;             /* 24: parent->child */
    uint64_t monitor_page2;             /* 32: child->parent */
    struct vmbus_guid client_id;        /* 40: only with VMBUS_FEATURE_CLIENT_ID */
} __attribute__((packed));
#define VMBUS_MSG_INITIATE_CONTACT_SIZE           40u
#define VMBUS_MSG_INITIATE_CONTACT_SIZE_CLIENT_ID 56u

/* VERSION_RESPONSE connection_state (valid >= 2.4). */
#define VMBUS_CONNECTION_OK            0u
#define VMBUS_CONNECTION_LOW_RESOURCES 1u
#define VMBUS_CONNECTION_FAILED        2u

struct vmbus_msg_version_response {
    struct vmbus_msg_header hdr;
    uint8_t version_supported;          /* 8: 0 = try an older version */
    uint8_t connection_state;           /* 9 */
    uint16_t padding;                   /* 10 */
    uint32_t msg_conn_id;               /* 12: >= 5.0; the selected version before */
    uint32_t supported_features;        /* 16: 6.0 */
    uint32_t padding2;                  /* 20 */
    uint64_t monitor_page1;             /* 24: with VMBUS_FEATURE_SERVER_MONITOR_PAGES */
    uint64_t monitor_page2;             /* 32 */
} __attribute__((packed));
#define VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE         16u  /* before 6.0; QEMU */
#define VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_V6      20u
#define VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_MONITOR 40u

struct vmbus_msg_open_reserved {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t target_vp;                 /* 12 */
    uint32_t target_sint;               /* 16 */
    uint32_t ring_gpadl;                /* 20 */
    uint32_t downstream_page_offset;    /* 24 */
} __attribute__((packed));

struct vmbus_msg_close_reserved {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t target_vp;                 /* 12 */
    uint32_t target_sint;               /* 16 */
} __attribute__((packed));

struct vmbus_msg_close_reserved_response {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
} __attribute__((packed));

struct vmbus_msg_tl_connect_request {
    struct vmbus_msg_header hdr;
    struct vmbus_guid endpoint_id;      /* 8: guest endpoint */
    struct vmbus_guid service_id;       /* 24: host service */
    struct vmbus_guid silo_id;          /* 40: >= 5.2 */
} __attribute__((packed));
#define VMBUS_MSG_TL_CONNECT_REQUEST_SIZE      40u
#define VMBUS_MSG_TL_CONNECT_REQUEST_SIZE_SILO 56u

struct vmbus_msg_tl_connect_result {
    struct vmbus_msg_header hdr;
    struct vmbus_guid endpoint_id;      /* 8 */
    struct vmbus_guid service_id;       /* 24 */
    int32_t status;                     /* 40: NTSTATUS */
} __attribute__((packed));

struct vmbus_msg_modify_channel {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    uint32_t target_vp;                 /* 12 */
} __attribute__((packed));

struct vmbus_msg_modify_channel_response {
    struct vmbus_msg_header hdr;
    uint32_t child_relid;               /* 8 */
    int32_t status;                     /* 12 */
} __attribute__((packed));

struct vmbus_msg_modify_connection {
    struct vmbus_msg_header hdr;
    uint64_t monitor_page1;             /* 8: parent->child */
    uint64_t monitor_page2;             /* 16: child->parent */
} __attribute__((packed));

struct vmbus_msg_modify_connection_response {
    struct vmbus_msg_header hdr;
    uint8_t connection_state;           /* 8 */
} __attribute__((packed));

/* ---- Receive sizes ---- */

#define VMBUS_MSG_OFFER_MIN_SIZE_V1 190u   /* before 1.1: no is_dedicated_interrupt, connection_id */
#define VMBUS_MSG_OFFER_MIN_SIZE    196u   /* QEMU sends 200 */

/* The smallest payload a host may send of a type at a protocol version:
 * vmbus_msg_min_size() in vmbus.h, read from connection.c's table. */

/* ---- Layout pins: every number below is from the reference's tables ---- */

_Static_assert(sizeof(struct vmbus_msg_header) == 8, "header");
_Static_assert(offsetof(struct vmbus_msg_header, padding) == 4, "header padding");

_Static_assert(sizeof(struct vmbus_msg_offer) == 196, "OFFERCHANNEL");
_Static_assert(offsetof(struct vmbus_msg_offer, type) == 8, "offer type");
_Static_assert(offsetof(struct vmbus_msg_offer, instance) == 24, "offer instance");
_Static_assert(offsetof(struct vmbus_msg_offer, reserved1) == 40, "offer reserved");
_Static_assert(offsetof(struct vmbus_msg_offer, flags) == 56, "offer flags");
_Static_assert(offsetof(struct vmbus_msg_offer, mmio_megabytes) == 58, "offer mmio");
_Static_assert(offsetof(struct vmbus_msg_offer, user_data) == 60, "offer user data");
_Static_assert(offsetof(struct vmbus_msg_offer, sub_channel_index) == 180, "offer sub-channel");
_Static_assert(offsetof(struct vmbus_msg_offer, mmio_megabytes_optional) == 182, "offer mmio opt");
_Static_assert(offsetof(struct vmbus_msg_offer, child_relid) == 184, "offer relid");
_Static_assert(offsetof(struct vmbus_msg_offer, monitor_id) == 188, "offer monitor id");
_Static_assert(offsetof(struct vmbus_msg_offer, monitor_allocated) == 189, "offer monitor alloc");
_Static_assert(offsetof(struct vmbus_msg_offer, is_dedicated_interrupt) == 190, "offer dedicated");
_Static_assert(offsetof(struct vmbus_msg_offer, connection_id) == 192, "offer connection id");
_Static_assert(offsetof(struct vmbus_msg_offer, is_dedicated_interrupt) == VMBUS_MSG_OFFER_MIN_SIZE_V1,
               "pre-1.1 offers end before is_dedicated_interrupt");

_Static_assert(sizeof(struct vmbus_msg_rescind) == 12, "RESCIND");
_Static_assert(offsetof(struct vmbus_msg_rescind, child_relid) == 8, "rescind relid");
_Static_assert(sizeof(struct vmbus_msg_relid_released) == 12, "RELID_RELEASED");
_Static_assert(sizeof(struct vmbus_msg_close_channel) == 12, "CLOSECHANNEL");
_Static_assert(sizeof(struct vmbus_msg_request_offers) == 8, "REQUESTOFFERS");

_Static_assert(sizeof(struct vmbus_msg_open_channel) == VMBUS_MSG_OPEN_CHANNEL_SIZE_V6_EXT, "OPENCHANNEL 6.0");
_Static_assert(VMBUS_MSG_OPEN_CHANNEL_SIZE_V6_EXT == 156, "OPENCHANNEL 6.0 size");
_Static_assert(offsetof(struct vmbus_msg_open_channel, child_relid) == 8, "open relid");
_Static_assert(offsetof(struct vmbus_msg_open_channel, open_id) == 12, "open id");
_Static_assert(offsetof(struct vmbus_msg_open_channel, ring_gpadl) == 16, "open gpadl");
_Static_assert(offsetof(struct vmbus_msg_open_channel, target_vp) == 20, "open vp");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_page_offset) == 24, "open downstream");
_Static_assert(offsetof(struct vmbus_msg_open_channel, user_data) == 28, "open user data");
_Static_assert(offsetof(struct vmbus_msg_open_channel, connection_id) == VMBUS_MSG_OPEN_CHANNEL_SIZE,
               "OPENCHANNEL without the 6.0 tail is 148");
_Static_assert(VMBUS_MSG_OPEN_CHANNEL_SIZE == 148, "OPENCHANNEL size");
_Static_assert(offsetof(struct vmbus_msg_open_channel, event_flag) == 152, "open event flag");
_Static_assert(offsetof(struct vmbus_msg_open_channel, flags) == 154, "open flags");

_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "OPENCHANNEL_RESULT");
_Static_assert(offsetof(struct vmbus_msg_open_result, open_id) == 12, "result open id");
_Static_assert(offsetof(struct vmbus_msg_open_result, status) == 16, "result status");

_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 20, "GPADL_HEADER fixed part");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, gpadl) == 12, "gpadl header handle");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_buflen) == 16, "gpadl range_buflen");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_count) == 18, "gpadl range count");
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "range header");
_Static_assert(offsetof(struct vmbus_gpa_range, byte_offset) == 4, "range byte_offset");
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "GPADL_BODY fixed part");
_Static_assert(offsetof(struct vmbus_msg_gpadl_body, gpadl) == 12, "gpadl body handle");
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "GPADL_CREATED");
_Static_assert(offsetof(struct vmbus_msg_gpadl_created, status) == 16, "created status");
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "GPADL_TEARDOWN");
_Static_assert(offsetof(struct vmbus_msg_gpadl_teardown, gpadl) == 12, "teardown handle");
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "GPADL_TORNDOWN");
_Static_assert(offsetof(struct vmbus_msg_gpadl_torndown, gpadl) == 8, "torndown handle");

_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == VMBUS_MSG_INITIATE_CONTACT_SIZE_CLIENT_ID,
               "INITIATE_CONTACT with client id");
_Static_assert(VMBUS_MSG_INITIATE_CONTACT_SIZE_CLIENT_ID == 56, "INITIATE_CONTACT 56");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, client_id) == VMBUS_MSG_INITIATE_CONTACT_SIZE,
               "INITIATE_CONTACT is 40 without the client id");
_Static_assert(VMBUS_MSG_INITIATE_CONTACT_SIZE == 40, "INITIATE_CONTACT 40");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, version) == 8, "contact version");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, target_vp) == 12, "contact vp");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, interrupt_page) == 16, "contact int page");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_sint) == 16, "contact msg_sint");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_vtl) == 17, "contact msg_vtl");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, feature_flags) == 20, "contact features");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "contact monitor 1");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page2) == 32, "contact monitor 2");

_Static_assert(sizeof(struct vmbus_msg_version_response) == VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_MONITOR,
               "VERSION_RESPONSE full");
_Static_assert(VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_MONITOR == 40, "VERSION_RESPONSE 40");
_Static_assert(offsetof(struct vmbus_msg_version_response, version_supported) == 8, "vr supported");
_Static_assert(offsetof(struct vmbus_msg_version_response, connection_state) == 9, "vr state");
_Static_assert(offsetof(struct vmbus_msg_version_response, msg_conn_id) == 12, "vr conn id");
_Static_assert(offsetof(struct vmbus_msg_version_response, supported_features) ==
               VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE, "VERSION_RESPONSE is 16 before 6.0");
_Static_assert(offsetof(struct vmbus_msg_version_response, padding2) ==
               VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_V6, "VERSION_RESPONSE is 20 for 6.0");
_Static_assert(offsetof(struct vmbus_msg_version_response, monitor_page1) == 24, "vr monitor 1");
_Static_assert(offsetof(struct vmbus_msg_version_response, monitor_page2) == 32, "vr monitor 2");

_Static_assert(sizeof(struct vmbus_msg_open_reserved) == 28, "OPEN_RESERVED_CHANNEL");
_Static_assert(offsetof(struct vmbus_msg_open_reserved, ring_gpadl) == 20, "open reserved gpadl");
_Static_assert(sizeof(struct vmbus_msg_close_reserved) == 20, "CLOSE_RESERVED_CHANNEL");
_Static_assert(sizeof(struct vmbus_msg_close_reserved_response) == 12, "CLOSE_RESERVED_RESPONSE");

_Static_assert(sizeof(struct vmbus_msg_tl_connect_request) == VMBUS_MSG_TL_CONNECT_REQUEST_SIZE_SILO,
               "TL_CONNECT_REQUEST with silo");
_Static_assert(offsetof(struct vmbus_msg_tl_connect_request, silo_id) == VMBUS_MSG_TL_CONNECT_REQUEST_SIZE,
               "TL_CONNECT_REQUEST is 40 without silo");
_Static_assert(offsetof(struct vmbus_msg_tl_connect_request, service_id) == 24, "tl service");
_Static_assert(sizeof(struct vmbus_msg_tl_connect_result) == 44, "TL_CONNECT_RESULT");
_Static_assert(offsetof(struct vmbus_msg_tl_connect_result, status) == 40, "tl result status");

_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "MODIFYCHANNEL");
_Static_assert(offsetof(struct vmbus_msg_modify_channel, target_vp) == 12, "modify vp");
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16, "MODIFYCHANNEL_RESPONSE");
_Static_assert(offsetof(struct vmbus_msg_modify_channel_response, status) == 12, "modify status");
_Static_assert(sizeof(struct vmbus_msg_modify_connection) == 24, "MODIFY_CONNECTION");
_Static_assert(offsetof(struct vmbus_msg_modify_connection, monitor_page2) == 16, "modify conn page 2");
_Static_assert(sizeof(struct vmbus_msg_modify_connection_response) == 9, "MODIFY_CONNECTION_RESPONSE");

#endif
