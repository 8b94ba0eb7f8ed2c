/* hvsim's Integration Component (IC) device models: heartbeat, shutdown,
 * time sync and KVP, played from the host's side. Written from
 * /work/shared/reference/hyperv-vmbus-protocol.md section 10.
 *
 * The host initiates every exchange; the guest (the code under test) only
 * answers. Each model negotiates versions when the guest opens its channel,
 * then does its service's work, one request in flight at a time, and checks
 * every reply: transaction id, pipe header, ICMSGHDR flags, type, length and
 * body. Anything wrong is logged and counted as a protocol error, never
 * trusted. See docs/hvsim.md, "IC device models". Not thread-safe. */
#ifndef HVSIM_VMBUS_IC_H
#define HVSIM_VMBUS_IC_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/hvsim/vmbus_host.h"

/* The fixed IC instance GUIDs real hosts use (reference section 9): pass
 * one as a device's instance_id. */
#define HVSIM_IC_INSTANCE_HEARTBEAT VBW_INSTANCE_HEARTBEAT
#define HVSIM_IC_INSTANCE_SHUTDOWN  VBW_INSTANCE_SHUTDOWN
#define HVSIM_IC_INSTANCE_TIMESYNC  VBW_INSTANCE_TIMESYNC
#define HVSIM_IC_INSTANCE_KVP       VBW_INSTANCE_KVP
#define HVSIM_IC_CLASS_HEARTBEAT    VBW_CLASS_HEARTBEAT

/* A version as {u16 major, u16 minor} is on the wire: major in the high half. */
#define HVSIM_IC_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define HVSIM_IC_MAX_VERSIONS 16u

/* ICMSGHDR status values (HRESULTs). */
#define HVSIM_IC_S_OK           0x00000000u
#define HVSIM_IC_E_FAIL         0x80004005u
#define HVSIM_IC_NO_MORE_ITEMS  0x80070103u
#define HVSIM_IC_NOT_SUPPORTED  0x80070032u

/* Time sync flags. */
#define HVSIM_IC_TIMESYNC_PROBE  0u
#define HVSIM_IC_TIMESYNC_SYNC   1u
#define HVSIM_IC_TIMESYNC_SAMPLE 2u

/* Shutdown flags: bit0 force, bit1 restart, bit2 hibernate. */
#define HVSIM_IC_SHUTDOWN_FORCE     1u
#define HVSIM_IC_SHUTDOWN_RESTART   2u
#define HVSIM_IC_SHUTDOWN_HIBERNATE 4u

/* KVP pools. */
#define HVSIM_IC_KVP_POOL_EXTERNAL      0u
#define HVSIM_IC_KVP_POOL_GUEST         1u
#define HVSIM_IC_KVP_POOL_AUTO          2u
#define HVSIM_IC_KVP_POOL_AUTO_EXTERNAL 3u

/* Sizes of the ASCII copies of KVP keys and values, NUL included
 * (the wire holds 256 and 1024 UTF-16 units). */
#define HVSIM_IC_KVP_KEY_MAX   256u
#define HVSIM_IC_KVP_VALUE_MAX 1024u

/* Per IC model, process-wide: read when a channel of that model opens. */
struct hvsim_ic_config {
    /* NEGOTIATE offers these, in this order (the guest picks). */
    uint32_t framework_versions[HVSIM_IC_MAX_VERSIONS];
    uint32_t framework_count;            /* 1..HVSIM_IC_MAX_VERSIONS */
    uint32_t service_versions[HVSIM_IC_MAX_VERSIONS];
    uint32_t service_count;              /* 1..HVSIM_IC_MAX_VERSIONS */
    uint64_t start_delay_ns;             /* NEGOTIATE: 0 = from inside the open; else this much later */
    /* heartbeat */
    uint64_t heartbeat_interval_ns;      /* default 1 s of virtual time */
    uint64_t heartbeat_first_seq;        /* the first request's sequence number */
    uint32_t heartbeat_body_size;        /* 40 (Linux's struct, default) or 16 (OpenVMM); >= 8 */
    /* shutdown */
    uint32_t shutdown_timeout_s;         /* default 30 */
    /* KVP */
    bool kvp_enumerate;                  /* enumerate after negotiating (default true) */
    uint8_t kvp_enum_pool;               /* default 2 (auto) */
    uint32_t kvp_enum_limit;             /* indices asked at most (default 64, max 1024) */
    /* After negotiating, SET HostName, VirtualMachineName and VirtualMachineId
     * (HVSIM_IC_KVP_*) into pool 3, as Hyper-V does for every guest (issue 14;
     * reference section 10, pools). Default off. */
    bool kvp_push_host_info;
};

/* The host facts kvp_push_host_info sets. */
#define HVSIM_IC_KVP_HOST_NAME "hvsim-host"
#define HVSIM_IC_KVP_VM_NAME   "hvsim-vm"
#define HVSIM_IC_KVP_VM_ID     "6876736d-0000-4000-8000-766d69640001"

/* The defaults of section 10 for model (HVSIM_VMBUS_HEARTBEAT .. KVP):
 * frameworks {3.0, 1.0}; heartbeat {3.0, 1.0}; shutdown {3.2, 3.1, 3.0,
 * 1.0}; timesync {4.0, 3.0, 1.0}; KVP {5.0, 4.0, 3.0, 1.0}. */
void hvsim_ic_config_default(enum hvsim_vmbus_model_id model, struct hvsim_ic_config *cfg);
/* Sets the configuration channels of model use from their next open; NULL
 * restores the defaults. Process-wide (tests: set it, and reset it after).
 * 0, or -1 when model is not an IC model or the config is out of range. */
int hvsim_ic_set_config(enum hvsim_vmbus_model_id model, const struct hvsim_ic_config *cfg);

enum hvsim_ic_negotiation {
    HVSIM_IC_NEG_NONE,     /* channel not opened yet (or NEGOTIATE not sent yet) */
    HVSIM_IC_NEG_PENDING,  /* NEGOTIATE sent, no valid answer yet */
    HVSIM_IC_NEG_DONE,     /* the guest chose a framework and a service version we offered */
    HVSIM_IC_NEG_REFUSED,  /* F = M = 0, or a failure status */
    HVSIM_IC_NEG_FAILED,   /* the answer was malformed or chose a version we never offered */
};

struct hvsim_ic_info {
    enum hvsim_vmbus_model_id model;
    uint32_t opens;                    /* opens seen by the model; the fields below are this open's */
    enum hvsim_ic_negotiation negotiation;
    uint32_t negotiate_status;         /* ICMSGHDR status of the NEGOTIATE answer */
    uint32_t framework_version;        /* HVSIM_IC_VERSION; 0 unless DONE */
    uint32_t service_version;          /* HVSIM_IC_VERSION; 0 unless DONE */
    uint64_t requests_sent;            /* NEGOTIATE included */
    uint64_t replies_ok;               /* well-formed answers to the request in flight */
    uint64_t protocol_errors;          /* malformed, unexpected or unprompted packets */
    uint32_t requests_queued;          /* waiting behind the one in flight (or for ring room) */
    bool request_in_flight;
    /* heartbeat */
    uint64_t hb_last_seq_sent;
    uint64_t hb_last_seq_acked;        /* sequence of the last good reply (= sent + 1) */
    uint64_t hb_good, hb_bad;          /* replies with the right / a wrong sequence or status */
    uint64_t hb_missed;                /* ticks that found the previous heartbeat unanswered (or unsent) */
    uint64_t hb_late;                  /* answers to heartbeats already counted missed (not errors) */
    /* shutdown */
    uint64_t shutdown_requests;
    bool shutdown_replied;
    uint32_t shutdown_status;          /* status of the last reply */
    uint64_t shutdown_reply_ns;        /* virtual time of the last reply */
    /* time sync */
    uint64_t ts_sent, ts_replies;
    uint32_t ts_last_status;
    uint8_t ts_last_flags;             /* as sent in the last request */
    uint64_t ts_last_parent_time;      /* as sent */
    uint64_t ts_last_ref_time;         /* as sent (4.0 layout), TIME_REF_COUNT at sending */
    /* KVP */
    uint32_t kvp_entries;              /* enumerated so far */
    bool kvp_enum_done;
    uint32_t kvp_enum_status;          /* status that ended it (NO_MORE_ITEMS normally) */
    uint64_t kvp_get_replies;
    uint32_t kvp_get_status;           /* status of the last GET reply */
    uint64_t kvp_set_replies;
    uint32_t kvp_set_status;           /* status of the last SET reply */
};

/* false when relid is not a channel of an IC model. A channel never opened
 * gives true with negotiation NONE and zero counts. */
bool hvsim_ic_state(struct hvsim_vmbus *vb, uint32_t relid, struct hvsim_ic_info *out);

/* Requests; each returns 0 when queued (sent as soon as nothing else is in
 * flight and the ring has room), -1 when relid is not an open channel of
 * that model with a negotiated version, or the queue (8) is full. */
int hvsim_ic_request_shutdown(struct hvsim_vmbus *vb, uint32_t relid, uint32_t flags, uint32_t reason);
/* parent_time: UTC in 100 ns units since 1601-01-01; flags HVSIM_IC_TIMESYNC_*.
 * 4.0: body {parent, TIME_REF_COUNT when written to the ring, flags, leap 0,
 * stratum 0, 5 reserved} (24 bytes); older: {parent, child 0, round trip 0,
 * flags, 3 reserved} (28 bytes). */
int hvsim_ic_timesync_send(struct hvsim_vmbus *vb, uint32_t relid, uint64_t parent_time, uint8_t flags);
/* SET of an ASCII key and REG_SZ value into pool (0 or 3 are the host's). */
int hvsim_ic_kvp_set(struct hvsim_vmbus *vb, uint32_t relid, uint8_t pool, const char *key, const char *value);
/* GET of an ASCII key (< HVSIM_IC_KVP_KEY_MAX chars) in pool. */
int hvsim_ic_kvp_get(struct hvsim_vmbus *vb, uint32_t relid, uint8_t pool, const char *key);

/* The i-th enumerated KVP entry, as ASCII (non-ASCII UTF-16 units become
 * '?'; DWORD and QWORD values in decimal). key_out holds
 * HVSIM_IC_KVP_KEY_MAX bytes, value_out HVSIM_IC_KVP_VALUE_MAX; either may
 * be NULL. false past the end. */
bool hvsim_ic_kvp_entry(struct hvsim_vmbus *vb, uint32_t relid, uint32_t i, char *key_out, char *value_out);
/* The value (and value type) of the last successful GET reply; false if none. */
bool hvsim_ic_kvp_get_value(struct hvsim_vmbus *vb, uint32_t relid, char *value_out, uint32_t *type_out);

/* ---- for the model table (vmbus_devices.c) ---- */
enum hvsim_vmbus_verdict hvsim_ic_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt);
void hvsim_ic_on_room(struct hvsim_vmbus_chan *ch);
void hvsim_ic_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch);

#endif
