/* The integration services framework: every service is one table entry
 * (name, device class, the versions it speaks, a handler). The framework
 * opens the channel, checks each host message, answers the version
 * negotiation, and sends the reply; a handler only edits the message body.
 * Built on the public API only (include/hvrt/), like any user app. */
#ifndef HVRT_APPS_IC_H
#define HVRT_APPS_IC_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/vmbus.h>

/* IC message header, after the 8-byte pipe header. */
struct ic_header {
    uint16_t framework_major, framework_minor;
    uint16_t type;                 /* IC_MSG_* */
    uint16_t message_major, message_minor;
    uint16_t size;                 /* bytes after this header */
    uint32_t status;               /* HRESULT */
    uint8_t transaction;
    uint8_t flags;                 /* IC_FLAG_* */
    uint16_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct ic_header) == 20, "ICMSGHDR is 20 bytes");

enum { IC_MSG_NEGOTIATE = 0, IC_MSG_HEARTBEAT = 1, IC_MSG_KVP = 2, IC_MSG_SHUTDOWN = 3, IC_MSG_TIMESYNC = 4 };
enum { IC_FLAG_TRANSACTION = 0x1, IC_FLAG_REQUEST = 0x2, IC_FLAG_RESPONSE = 0x4 };

#define IC_S_OK           0x00000000u
#define IC_E_FAIL         0x80004005u
#define IC_NO_MORE_ITEMS  0x80070103u
#define IC_NOT_SUPPORTED  0x80070032u
#define IC_NOT_FOUND      0x80041002u

#define IC_PIPE_HEADER 8u
#define IC_BODY_OFFSET (IC_PIPE_HEADER + sizeof(struct ic_header))   /* 28 */
#define IC_MAX_MESSAGE 8192u

struct ic_version { uint16_t major, minor; };

/* One host request, body editable in place. */
struct ic_request {
    struct ic_header *header;
    uint8_t *body;
    uint32_t body_len;             /* what the host sent; the reply keeps it unless the handler changes it */
    struct ic_version version;     /* the service version negotiated */
};

/* A service's state while it runs; ic.c alone writes it. */
struct ic_state {
    const struct ic_service *service;    /* whose state this is, for the packet callback */
    VMBCHANNEL channel;                  /* NULL while stopped */
    bool negotiated;
    struct ic_version version;           /* negotiated */
    uint64_t requests, rejected;
};

/* A service: a constant table entry, written with designated initializers. */
struct ic_service {
    const char *name;
    GUID class_id;
    uint16_t message_type;               /* IC_MSG_*: the requests handle answers */
    const struct ic_version *versions;   /* ours, most preferred first */
    unsigned version_count;
    void (*handle)(struct ic_request *r);
    int (*prepare)(void);                /* may be NULL; main context, before the channel opens */
    struct ic_state *state;              /* the service's own, apart from the table */
};

#define IC_VERSION_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Opens the service's channel; 0 when it runs. */
int ic_start(const struct ic_service *s);
void ic_stop(const struct ic_service *s);

/* shutdown.c: closes every IC channel on the way down. */
void ic_stop_all(void);

extern const struct ic_service ic_heartbeat, ic_shutdown, ic_timesync, ic_kvp;

/* UTF-16LE <-> ASCII for KVP keys and values; lengths in characters. */
uint32_t ic_utf16_from_ascii(uint8_t *dst, uint32_t dst_bytes, const char *src);
void ic_ascii_from_utf16(char *dst, uint32_t dst_size, const uint8_t *src, uint32_t src_bytes);

#endif
