/* hvsim's VMBus host: the host side of the VMBus control protocol and of
 * channel ring buffers, on top of hvsim's ports, message queues and event
 * flags. Written from /work/shared/reference/hyperv-vmbus-protocol.md
 * sections 5-9.
 *
 * The guest is the code under test: every message and every ring byte it
 * writes is validated before use, and garbage is logged and counted, never
 * trusted. Two flavours model the hosts hvrt meets: Hyper-V (exact message
 * sizes, the multi-client port 4, versions up to 6.0) and QEMU (port 1 only,
 * versions up to 4.0, sizes rounded up to 8, strict GPADL shapes).
 *
 * Device models (echo, sink, source, inert) answer packets on the channels
 * they are offered on. See docs/hvsim.md, "The VMBus host". Not thread-safe,
 * like the rest of hvsim.
 *
 * Independent of the guest: nothing here comes from vmbus/ or arch/. Wire
 * layouts are hvsim's own (vmbus_wire.h, VBW_ names), rings are read and
 * written by host_ring.c, and GUIDs are 16 wire bytes (struct hvsim_guid).
 * Tests may pass the guest's VMBUS_MSG_* numbers where a message type is
 * asked for: they are the protocol's numbers, the same on both sides. */
#ifndef HVSIM_VMBUS_HOST_H
#define HVSIM_VMBUS_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/vmbus_wire.h"

struct hvsim_netvsc_config;

#define HVSIM_VMBUS_MAX_CHANNELS 256u  /* hv_sock: a channel per connection */
#define HVSIM_VMBUS_MAX_VERSIONS 16u
#define HVSIM_VMBUS_MAX_GPADLS   512u

#define HVSIM_VMBUS_MSG_TYPES 30u   /* message types 1..29; arrays indexed by type */

/* A GUID as its 16 wire bytes (reference section 9); HVSIM_GUID spells it
 * like the text form: HVSIM_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x913f, 0xf2d2f965ed0e). */
struct hvsim_guid {
    uint8_t bytes[16];
};
#define HVSIM_GUID(d1, d2, d3, d4, d5) VBW_GUID(d1, d2, d3, d4, d5)

/* hvrt's own test devices: made-up class GUIDs ("hvrt" in data1), not
 * device classes any real host offers. */
#define HVSIM_VMBUS_CLASS_ECHO   HVSIM_GUID(0x68767274u, 0x0001, 0x4563, 0x8000, 0x6563686f0000ull)
#define HVSIM_VMBUS_CLASS_SINK   HVSIM_GUID(0x68767274u, 0x0002, 0x4563, 0x8000, 0x73696e6b0000ull)
#define HVSIM_VMBUS_CLASS_SOURCE HVSIM_GUID(0x68767274u, 0x0003, 0x4563, 0x8000, 0x737263000000ull)

/* Failure status in GPADL_CREATED (an NTSTATUS: STATUS_INVALID_PARAMETER)
 * and in OPENCHANNEL_RESULT (1, as QEMU uses). */
#define HVSIM_VMBUS_GPADL_FAILED 0xC000000Du
#define HVSIM_VMBUS_OPEN_FAILED  1u

enum hvsim_vmbus_flavor {
    HVSIM_VMBUS_HYPERV, /* ports 1 and 4; exact sizes; msg conn id at VERSION_RESPONSE off 12 (>= 5.0) */
    HVSIM_VMBUS_QEMU,   /* port 1 only; max 4.0; host->guest sizes rounded up to 8; relids from 1;
                           event conn id 16 + relid; dedicated interrupts; single-range GPADLs only */
};

enum hvsim_vmbus_model_id {
    HVSIM_VMBUS_ECHO,   /* INBAND back as INBAND, or as COMP when a completion is requested;
                           GPA-direct: a COMP holding the bytes the ranges describe */
    HVSIM_VMBUS_SINK,   /* counts packets and bytes, answers nothing */
    HVSIM_VMBUS_SOURCE, /* on any guest packet ({u32 count, u32 size} overrides the config):
                           writes count INBAND packets of size bytes as fast as the ring allows */
    HVSIM_VMBUS_INERT,  /* offered and openable; packets are counted and dropped (give it a class) */
    HVSIM_VMBUS_HEARTBEAT, /* IC models (vmbus_ic.h): the host initiates, the guest answers */
    HVSIM_VMBUS_SHUTDOWN,
    HVSIM_VMBUS_TIMESYNC,
    HVSIM_VMBUS_KVP,
    HVSIM_VMBUS_NETVSC, /* a synthetic NIC: NVSP and RNDIS (dev_netvsc.h); config in .netvsc */
    HVSIM_VMBUS_STORAGE, /* a SCSI controller (storage.h): give it model_data = a struct hvsim_storage */
    HVSIM_VMBUS_HVSOCK, /* one hv_sock connection (dev_hvsock.h offers these itself) */
    HVSIM_VMBUS_MODEL_COUNT
};

/* One offered device. GUID pointers are read at create/offer time. */
struct hvsim_vmbus_device {
    enum hvsim_vmbus_model_id model;
    const struct hvsim_guid *class_id;    /* NULL: the model's class */
    const struct hvsim_guid *instance_id; /* NULL: the model's instance with data1 = relid */
    const char *name;                     /* NULL: the model's name */
    uint16_t offer_flags;                 /* OFFERCHANNEL flags (reference section 6) */
    uint16_t sub_channel_index;
    uint16_t mmio_megabytes;
    bool dedicated_interrupt;             /* Hyper-V flavour; QEMU always offers 1 */
    uint32_t source_count;                /* source: packets per guest request */
    uint32_t source_size;                 /* source: payload bytes, >= 8 (sequence number first) */
    const struct hvsim_netvsc_config *netvsc; /* netvsc: NULL for the defaults; read at each open */
    void *model_data;                     /* the model's own object (storage: struct hvsim_storage) */
    const uint8_t *user_data;             /* OFFERCHANNEL's user-defined area (NULL: zeros) */
    uint32_t user_data_len;               /* up to VBW_OFFER_USER_DATA_SIZE */
};

/* Fault switches; any of them can be changed later with hvsim_vmbus_set_faults. */
struct hvsim_vmbus_faults {
    bool ignore_gpadl;          /* GPADLs are created but GPADL_CREATED never sent */
    bool ignore_open;           /* OPENCHANNEL never answered (and the channel stays closed) */
    bool refuse_open;           /* OPENCHANNEL answered with status 1 */
    bool ignore_request_offers; /* no offers, no ALLOFFERS_DELIVERED */
    bool ignore_unload;         /* no UNLOAD_RESPONSE */
    bool ignore_gpadl_teardown; /* GPADL_TEARDOWN never answered (the GPADL stays) */
    /* Host->guest control messages, by type (HVSIM_VMBUS_MSG_BIT(type)).
     * Delays are in the config (reply_delay_ns, type_delay_ns). */
    uint32_t drop_msgs;         /* never sent */
    uint32_t duplicate_msgs;    /* sent twice, back to back */
    uint32_t reorder_msgs;      /* held back, sent right after the next message (or 1 ms later) */
    /* The host stops reading the guest->host rings: guest signals are
     * counted and ignored. Clearing it drains every open channel at once. */
    bool stop_reading;
    /* A busy host: each guest message is refused with
     * HV_STATUS_INSUFFICIENT_BUFFERS this many times in a row before it is taken. */
    uint32_t busy_posts;
    /* Hyper-V under load: every guest message is refused with
     * INSUFFICIENT_BUFFERS for this long (virtual ns from when the switch
     * is set): storms last seconds, not milliseconds (issue 14). */
    uint64_t busy_storm_ns;
    /* Hyper-V under load: the next n guest messages are taken (the post
     * succeeds) and dropped silently: no reply ever comes. */
    uint32_t drop_posts;
    /* The host sets its interrupt mask on every open guest->host ring (as a
     * host does while it reads): a guest signal is then a protocol error,
     * counted in signals_while_masked. */
    bool mask_interrupts;
};
#define HVSIM_VMBUS_MSG_BIT(type) (1u << (type))

struct hvsim_vmbus_config {
    enum hvsim_vmbus_flavor flavor;
    /* Accepted versions: those in versions[] (all known ones when
     * version_count is 0) that are <= max_version. */
    uint32_t max_version;
    uint32_t versions[HVSIM_VMBUS_MAX_VERSIONS];
    uint32_t version_count;
    /* Hyper-V: the id VERSION_RESPONSE announces for >= 5.0 (a port is
     * registered on it too); 0 = the id INITIATE_CONTACT came in on. */
    uint32_t msg_conn_id;
    uint32_t supported_features;  /* 6.0 feature flags offered (intersected with the guest's) */
    uint32_t first_relid;         /* Hyper-V: lowest relid handed out (1..2047) */
    /* Hyper-V 6.0: refuse a 6.0 INITIATE_CONTACT that carries no client id
     * (the 56-byte form with feature 0x8). */
    bool require_client_id;
    /* The Gen2 firmware connected at this version (VBW_V6_0 or VBW_V3_0)
     * and sent UNLOAD before the guest ran; 0: no firmware connection. */
    uint32_t firmware_version;
    uint32_t event_conn_base;     /* Hyper-V: offer connection id = base + relid (QEMU: 16) */
    /* Delivery delay of every host->guest message, plus per message type. */
    uint64_t reply_delay_ns;
    uint64_t type_delay_ns[HVSIM_VMBUS_MSG_TYPES];
    const struct hvsim_vmbus_device *devices;
    uint32_t device_count;
    struct hvsim_vmbus_faults faults;
};

/* Hyper-V: max 5.3, all versions, conn id 0 (echo the port), relids from 1,
 * event ids 0x10000 + relid, no devices. QEMU: max 4.0, versions 2.4-4.0. */
void hvsim_vmbus_config_default(struct hvsim_vmbus_config *cfg, enum hvsim_vmbus_flavor flavor);

struct hvsim_vmbus;
struct hvsim_vmbus *hvsim_vmbus_create(struct hvsim *sim, const struct hvsim_vmbus_config *cfg);
/* Unregisters its ports. Destroy it together with sim: host callbacks it
 * scheduled (delayed retries, reorder releases) would otherwise still fire. */
void hvsim_vmbus_destroy(struct hvsim_vmbus *vb);

/* ---- run-time control ---- */
void hvsim_vmbus_set_faults(struct hvsim_vmbus *vb, const struct hvsim_vmbus_faults *faults);
/* Offer a new device now (sent at once if the guest has asked for offers).
 * Returns its relid, or 0 when no relid or channel slot is free. */
uint32_t hvsim_vmbus_offer(struct hvsim_vmbus *vb, const struct hvsim_vmbus_device *dev);
/* Rescind relid now: the channel is closed host-side, RESCIND_CHANNELOFFER
 * is sent; the relid is free again after the guest's RELID_RELEASED.
 * 0, or -1 if relid is not offered. */
int hvsim_vmbus_rescind(struct hvsim_vmbus *vb, uint32_t relid);

/* hv_sock's control messages (reference section 6). A TL_CONNECT_REQUEST
 * the host accepted (size and version checked) goes to fn; with no fn it
 * is refused. hvsim_vmbus_tl_connect_result sends TL_CONNECT_RESULT when
 * the negotiated version has it (>= 4.1) and returns whether it did. */
typedef void (*hvsim_vmbus_tl_connect_fn)(void *ctx, const struct hvsim_guid *endpoint,
                                          const struct hvsim_guid *service);
void hvsim_vmbus_set_tl_connect(struct hvsim_vmbus *vb, hvsim_vmbus_tl_connect_fn fn, void *ctx);
bool hvsim_vmbus_tl_connect_result(struct hvsim_vmbus *vb, const struct hvsim_guid *endpoint,
                                   const struct hvsim_guid *service, uint32_t status);

/* ---- looking inside ---- */
enum hvsim_vmbus_chan_state {
    HVSIM_CHAN_FREE,      /* no such relid */
    HVSIM_CHAN_OFFERED,   /* offered (or waiting for REQUESTOFFERS) */
    HVSIM_CHAN_OPEN,
    HVSIM_CHAN_CLOSED,    /* was open, the guest closed it */
    HVSIM_CHAN_RESCINDED, /* rescinded, waiting for RELID_RELEASED */
};

struct hvsim_vmbus_channel_info {
    enum hvsim_vmbus_chan_state state;
    bool offer_sent;
    uint32_t relid;
    uint32_t connection_id;   /* guest->host signal target */
    enum hvsim_vmbus_model_id model;
    const char *name;
    struct hvsim_guid class_id, instance_id;
    uint32_t ring_gpadl;      /* when open */
    uint32_t target_vp;
    uint32_t out_ring_size;   /* data bytes, guest->host */
    uint32_t in_ring_size;    /* data bytes, host->guest */
    uint32_t opens;
    uint64_t packets_in, bytes_in;   /* read from the guest->host ring */
    uint64_t packets_out;            /* written to the host->guest ring */
    uint64_t signals_to_guest, signals_from_guest;
    uint64_t ring_errors;            /* bad packets or indices in the guest->host ring */
    /* source: packets per request (from the device), payload bytes of the
     * current burst, packets still to write, next transaction id */
    uint32_t source_count, source_size, source_left;
    uint64_t source_next_id;
    void *model_data;                /* from the device */
};
/* false when relid is not a channel (state FREE). */
bool hvsim_vmbus_channel(const struct hvsim_vmbus *vb, uint32_t relid,
                         struct hvsim_vmbus_channel_info *out);

struct hvsim_vmbus_gpadl_info {
    uint32_t handle;
    uint32_t relid;
    uint32_t range_count;
    uint32_t page_count;
    bool created;             /* all messages in and validated */
    bool in_use;              /* ring of an open channel */
};
/* Live GPADLs in creation order; false past the end. */
bool hvsim_vmbus_gpadl_at(const struct hvsim_vmbus *vb, uint32_t index,
                          struct hvsim_vmbus_gpadl_info *out);
uint32_t hvsim_vmbus_gpadl_count(const struct hvsim_vmbus *vb);

enum hvsim_vmbus_conn_state {
    HVSIM_VMBUS_DISCONNECTED,
    HVSIM_VMBUS_CONNECTED,    /* a version was accepted */
};

struct hvsim_vmbus_counters {
    uint64_t msgs_in[HVSIM_VMBUS_MSG_TYPES];  /* guest->host, by type, well-formed enough to dispatch */
    uint64_t msgs_out[HVSIM_VMBUS_MSG_TYPES]; /* host->guest, by type, handed to hvsim */
    uint64_t unknown_msgs;    /* type unknown or not one a guest sends */
    uint64_t short_msgs;      /* payload below the type's size */
    uint64_t bad_post_type;   /* HvPostMessage type other than 1 */
    uint64_t protocol_errors; /* well-formed but wrong: bad relid, state, handle, ... */
    uint64_t post_retries;    /* host->guest message found the SINT queue full, retried */
    uint64_t post_drops;      /* host->guest message hvsim refused (SynIC off) */
    uint64_t msgs_dropped, msgs_duplicated, msgs_reordered; /* by the fault switches */
    uint64_t posts_refused_busy; /* guest posts answered INSUFFICIENT_BUFFERS (busy_posts, busy_storm_ns) */
    uint64_t posts_dropped_busy; /* guest posts taken and forgotten (drop_posts) */
    uint64_t signals_while_masked; /* guest signals with the host's interrupt mask set */
    uint64_t firmware_unloads;   /* the firmware's connection, unloaded before the guest (firmware_version) */
    uint64_t signals_to_guest, signals_from_guest;
    uint64_t packets_echoed, packets_sunk, bytes_sunk, packets_sourced;
    uint64_t gpadls_created, gpadls_failed, gpadls_ignored, gpadls_torndown;
};
void hvsim_vmbus_get_counters(const struct hvsim_vmbus *vb, struct hvsim_vmbus_counters *out);
enum hvsim_vmbus_conn_state hvsim_vmbus_conn_state(const struct hvsim_vmbus *vb);
/* The client id of the last INITIATE_CONTACT (6.0, feature 0x8); false if none. */
bool hvsim_vmbus_client_id(const struct hvsim_vmbus *vb, struct hvsim_guid *out);

/* Guest protocol errors by name ("signal while the host's interrupt mask is
 * set", "bad trailer", "message size not the one its type has", ...), in
 * the order first seen. Fills up to max and returns how many kinds there are. */
#define HVSIM_VMBUS_MAX_ERROR_KINDS 64u
struct hvsim_vmbus_error {
    const char *what;
    uint64_t count;
};
uint32_t hvsim_vmbus_errors(const struct hvsim_vmbus *vb, struct hvsim_vmbus_error *out, uint32_t max);
/* How often the error named what happened (0 if never). */
uint64_t hvsim_vmbus_error_count(const struct hvsim_vmbus *vb, const char *what);
uint32_t hvsim_vmbus_version(const struct hvsim_vmbus *vb);   /* negotiated, 0 if none */

/* ---- for device models (vmbus_devices.c) ---- */
struct hvsim_vmbus_chan;

/* Packet types and the flag a model sees and sends (reference section 7). */
#define HVSIM_PKT_INBAND     0x6u
#define HVSIM_PKT_XFER_PAGES 0x7u
#define HVSIM_PKT_GPA_DIRECT 0x9u
#define HVSIM_PKT_COMP       0xBu
#define HVSIM_PKT_FLAG_COMPLETION_REQUESTED 0x1u

/* A guest packet as host_ring.c copied it out of the ring and checked it;
 * the pointers point into that copy. payload_len includes the padding to 8. */
struct hvsim_packet {
    uint16_t type;
    uint16_t flags;
    uint64_t transaction_id;
    const uint8_t *ext;             /* between the descriptor and the payload */
    uint32_t ext_len;
    const uint8_t *payload;
    uint32_t payload_len;
    uint32_t total_len;             /* ring bytes, trailer included */
};

/* A packet for the guest: descriptor and trailer are added, the payload
 * padded to 8 with zeros. ext_len is a multiple of 8. */
struct hvsim_packet_out {
    uint16_t type;
    uint16_t flags;
    uint64_t transaction_id;
    const void *ext;
    uint32_t ext_len;
    const void *payload;
    uint32_t payload_len;
};

/* The ranges of a GPA-direct packet (already checked when it was read). */
struct hvsim_gpa_range {
    uint32_t byte_count;
    uint32_t byte_offset;           /* into the first page */
    uint32_t pfn_count;
    const uint8_t *pfns;            /* pfn_count little-endian u64s: hvsim_gpa_range_pfn */
};
uint32_t hvsim_gpa_direct_count(const struct hvsim_packet *pkt);
/* The i-th range; false past the end. */
bool hvsim_gpa_direct_range(const struct hvsim_packet *pkt, uint32_t i, struct hvsim_gpa_range *out);
uint64_t hvsim_gpa_range_pfn(const struct hvsim_gpa_range *r, uint32_t i);

/* A pipe-mode payload's header {u32 type, u32 size}: false unless size
 * fits the payload and the pipe limit (16384). */
bool hvsim_pipe_parse(const uint8_t *payload, uint32_t payload_len, uint32_t *type, const uint8_t **data,
                      uint32_t *size);

enum hvsim_vmbus_verdict {
    HVSIM_VMBUS_DONE,  /* packet handled: consume it */
    HVSIM_VMBUS_RETRY, /* host->guest ring full: keep it, retry when the guest makes room */
};

struct hvsim_vmbus_model {
    enum hvsim_vmbus_model_id id;
    const char *name;
    struct hvsim_guid class_id, instance_id;
    enum hvsim_vmbus_verdict (*on_packet)(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt);
    void (*on_room)(struct hvsim_vmbus_chan *ch); /* may be NULL: after each guest signal */
    /* may be NULL: the guest opened the channel (OPENCHANNEL_RESULT status 0
     * is queued); the model may start sending. */
    void (*on_open)(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch);
    /* may be NULL: the channel closed (guest close, rescind, reset); the
     * model lets go of its state. */
    void (*on_close)(struct hvsim_vmbus_chan *ch);
};
const struct hvsim_vmbus_model *hvsim_vmbus_model(enum hvsim_vmbus_model_id id);

/* Write one packet to the host->guest ring and signal the guest if the ring
 * says so. 0, 1 when the ring is full (pending_send_size set), -1 on error. */
int hvsim_vmbus_chan_send(struct hvsim_vmbus_chan *ch, const struct hvsim_packet_out *p);
struct hvsim *hvsim_vmbus_chan_sim(struct hvsim_vmbus_chan *ch);
struct hvsim_vmbus_channel_info *hvsim_vmbus_chan_info(struct hvsim_vmbus_chan *ch);
struct hvsim_vmbus_counters *hvsim_vmbus_chan_counters(struct hvsim_vmbus_chan *ch);
void hvsim_vmbus_chan_log(struct hvsim_vmbus_chan *ch, const char *what);
/* The model can take packets again (it returned HVSIM_VMBUS_RETRY while
 * its own buffer was full): read the guest->host ring now, as on a signal. */
void hvsim_vmbus_chan_kick(struct hvsim_vmbus_chan *ch);
/* The open channel of relid, or NULL. */
struct hvsim_vmbus_chan *hvsim_vmbus_chan_find(struct hvsim_vmbus *vb, uint32_t relid);
/* A model's own state for this open channel (NULL at open; the model frees
 * it in on_close), and the device's model config (hvsim_vmbus_device). */
void **hvsim_vmbus_chan_model_state(struct hvsim_vmbus_chan *ch);
const void *hvsim_vmbus_chan_model_config(struct hvsim_vmbus_chan *ch);
/* The pages of a GPADL the guest created for this channel: its PFNs, in
 * order, and their count; NULL when there is no such (complete) GPADL. */
const uint64_t *hvsim_vmbus_chan_gpadl(struct hvsim_vmbus_chan *ch, uint32_t handle, uint32_t *page_count);

#endif
