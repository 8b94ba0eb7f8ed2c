/* The VMBus connection: the SINT every control message arrives on, version
 * negotiation, and requests that wait for a reply. Everything the host sends
 * is copied (platform hands us a private copy), looked up in one table of
 * the messages a host sends (host_msgs: type, minimum size at the negotiated
 * version, handler) and checked against that size before its handler runs. */
#include <string.h>

#include "arch/platform.h"
#include "arch/hv_abi.h"
#include "lib/thread.h"
#include "vmbus/tl_connect.h"
#include "vmbus/vmbus.h"

#define DEFAULT_TIMEOUT_MS 1000
/* Linux waits 5 s for UNLOAD_RESPONSE before it gives up; a busy host may
 * take that long, and a guest that stops waiting early leaves the host
 * with a connection it still serves. */
#define UNLOAD_TIMEOUT_MS 5000
#define MAX_WAITERS 8

/* Who we are at 6.0 (INITIATE_CONTACT's client id, feature 0x8): a made-up
 * GUID of hvrt's own, "hvrt" "vmbc". */
static const struct vmbus_guid client_id = VMBUS_GUID(0x68767274u, 0x766d, 0x6263, 0x8000, 0x636c69656e74ull);

static const uint32_t known_versions[] = {
    VMBUS_VERSION_COPPER, VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2,
    VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5, VMBUS_VERSION_WIN10_V4_1,
    VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN8,
};

static struct {
    bool attached, connected;
    uint32_t version;
    uint32_t msg_connection_id;
    uint16_t last_post_status;   /* HV_STATUS of the last post */
    struct vmbus_counters counters;
} conn;

/* A request waiting for its reply; filled in interrupt context. */
struct vmbus_waiter {
    bool active;
    volatile bool done;
    int status;
    uint32_t type, key_offset, key;
    uint32_t relid;                  /* a rescind of it ends the wait; 0: none */
    uint8_t reply[VMBUS_MSG_MAX_SIZE];
    uint32_t reply_size;
};
static struct vmbus_waiter waiters[MAX_WAITERS];

const char *vmbus_status_name(int status)
{
    switch (status) {
    case VMBUS_OK:              return "ok";
    case VMBUS_E_NO_HYPERV:     return "no Hyper-V SynIC/messages";
    case VMBUS_E_TIMEOUT:       return "the host did not answer";
    case VMBUS_E_REFUSED:       return "refused by the host";
    case VMBUS_E_HOST:          return "hypercall failed";
    case VMBUS_E_NO_MEMORY:     return "out of memory";
    case VMBUS_E_INVALID:       return "invalid argument";
    case VMBUS_E_RESCINDED:     return "channel rescinded";
    case VMBUS_E_NOT_CONNECTED: return "not connected";
    case VMBUS_E_BUSY:          return "busy";
    default:                    return "unknown error";
    }
}

static uint32_t read_u32(const uint8_t *p, uint32_t off)
{
    uint32_t v;
    memcpy(&v, p + off, 4);
    return v;
}

static bool deliver_to_waiter(uint32_t type, const uint8_t *msg, uint32_t size)
{
    for (int i = 0; i < MAX_WAITERS; i++) {
        struct vmbus_waiter *w = &waiters[i];
        if (!w->active || w->done || w->type != type)
            continue;
        if (w->key_offset != 0 && (w->key_offset + 4 > size || read_u32(msg, w->key_offset) != w->key))
            continue;
        w->reply_size = size < sizeof(w->reply) ? size : sizeof(w->reply);
        memcpy(w->reply, msg, w->reply_size);
        w->status = VMBUS_OK;
        w->done = true;
        return true;
    }
    return false;
}

/* ---- what a host sends: one table ---- */

static void on_offer_msg(const uint8_t *msg, uint32_t size)
{
    struct vmbus_msg_offer offer;
    memset(&offer, 0, sizeof(offer));    /* a pre-1.1 offer is shorter */
    memcpy(&offer, msg, size < sizeof(offer) ? size : sizeof(offer));
    vmbus_on_offer(&offer);
}

static void on_rescind_msg(const uint8_t *msg, uint32_t size)
{
    (void)size;
    vmbus_on_rescind(read_u32(msg, offsetof(struct vmbus_msg_rescind, child_relid)));
}

static void on_all_offers_msg(const uint8_t *msg, uint32_t size)
{
    (void)msg, (void)size;
    vmbus_on_all_offers_delivered();
}

/* A reply to a request: to whoever waits for it. */
static void on_reply_msg(const uint8_t *msg, uint32_t size)
{
    if (!deliver_to_waiter(read_u32(msg, 0), msg, size))
        conn.counters.messages_rejected++;   /* a reply nobody waits for */
}

struct host_msg {
    uint32_t type;
    uint32_t min_size;      /* every field we read, at the versions this entry covers */
    uint32_t below_version; /* 0, or: the entry applies only below this version */
    void (*handle)(const uint8_t *msg, uint32_t size);
};

/* Every message a host sends, with the smallest payload that carries its
 * fields (reference section 6; hosts may send more, QEMU rounds up to 8).
 * A type with two entries changed size: the first that applies wins. A
 * guest-bound type, or one not here, is rejected. */
static const struct host_msg host_msgs[] = {
    { .type = VMBUS_MSG_OFFERCHANNEL, .min_size = VMBUS_MSG_OFFER_MIN_SIZE_V1,
      .below_version = VMBUS_VERSION_WIN7, .handle = on_offer_msg },
    { .type = VMBUS_MSG_OFFERCHANNEL, .min_size = VMBUS_MSG_OFFER_MIN_SIZE, .handle = on_offer_msg },
    { .type = VMBUS_MSG_RESCIND_CHANNELOFFER, .min_size = sizeof(struct vmbus_msg_rescind), .handle = on_rescind_msg },
    { .type = VMBUS_MSG_ALLOFFERS_DELIVERED, .min_size = sizeof(struct vmbus_msg_header), .handle = on_all_offers_msg },
    { .type = VMBUS_MSG_OPENCHANNEL_RESULT, .min_size = sizeof(struct vmbus_msg_open_result), .handle = on_reply_msg },
    { .type = VMBUS_MSG_GPADL_CREATED, .min_size = sizeof(struct vmbus_msg_gpadl_created), .handle = on_reply_msg },
    { .type = VMBUS_MSG_GPADL_TORNDOWN, .min_size = sizeof(struct vmbus_msg_gpadl_torndown), .handle = on_reply_msg },
    { .type = VMBUS_MSG_VERSION_RESPONSE, .min_size = VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE, .handle = on_reply_msg },
    { .type = VMBUS_MSG_UNLOAD_RESPONSE, .min_size = sizeof(struct vmbus_msg_header), .handle = on_reply_msg },
    { .type = VMBUS_MSG_CLOSE_RESERVED_RESPONSE, .min_size = sizeof(struct vmbus_msg_close_reserved_response),
      .handle = on_reply_msg },
    { .type = VMBUS_MSG_TL_CONNECT_RESULT, .min_size = sizeof(struct vmbus_msg_tl_connect_result),
      .handle = vmbus_on_tl_connect_result },   /* hv_sock's refusals: tl_connect.c */
    { .type = VMBUS_MSG_MODIFYCHANNEL_RESPONSE, .min_size = sizeof(struct vmbus_msg_modify_channel_response),
      .handle = on_reply_msg },
    { .type = VMBUS_MSG_MODIFY_CONNECTION_RESPONSE, .min_size = sizeof(struct vmbus_msg_modify_connection_response),
      .handle = on_reply_msg },
    { .type = VMBUS_MSG_PAUSE_RESPONSE, .min_size = sizeof(struct vmbus_msg_header), .handle = on_reply_msg },
};

static const struct host_msg *host_msg_find(uint32_t type, uint32_t version)
{
    for (size_t i = 0; i < sizeof(host_msgs) / sizeof(host_msgs[0]); i++) {
        const struct host_msg *h = &host_msgs[i];
        if (h->type == type && (h->below_version == 0 || version < h->below_version))
            return h;
    }
    return NULL;
}

uint32_t vmbus_msg_min_size(uint32_t type, uint32_t version)
{
    const struct host_msg *h = host_msg_find(type, version);
    return h != NULL ? h->min_size : 0;
}

static void on_message(const struct hv_message *m, void *ctx)
{
    (void)ctx;
    const uint8_t *msg = m->payload;
    uint32_t size = m->header.payload_size;
    conn.counters.messages_received++;
    if (m->header.message_type != VMBUS_POST_MESSAGE_TYPE || size < sizeof(struct vmbus_msg_header)) {
        conn.counters.messages_rejected++;
        return;
    }
    const struct host_msg *h = host_msg_find(read_u32(msg, 0), conn.version);
    if (h == NULL || size < h->min_size) {
        conn.counters.messages_rejected++;   /* unknown, guest-bound only, or short */
        return;
    }
    h->handle(msg, size);
}

int vmbus_post(const void *msg, uint32_t size)
{
    uint16_t status = platform_post_message(conn.msg_connection_id, VMBUS_POST_MESSAGE_TYPE, msg, size);
    conn.last_post_status = status;
    if (status != HV_STATUS_SUCCESS)
        return VMBUS_E_HOST;
    conn.counters.messages_sent++;
    return VMBUS_OK;
}

struct vmbus_waiter *vmbus_expect(uint32_t reply_type, uint32_t key_offset, uint32_t key, uint32_t relid)
{
    platform_irq_state s = platform_irq_save();
    struct vmbus_waiter *found = NULL;
    for (int i = 0; i < MAX_WAITERS && found == NULL; i++) {
        if (!waiters[i].active) {
            found = &waiters[i];
            found->type = reply_type;
            found->key_offset = key_offset;
            found->key = key;
            found->relid = relid;
            found->done = false;
            found->active = true;
        }
    }
    platform_irq_restore(s);
    return found;
}

int vmbus_await(struct vmbus_waiter *w, void *reply, uint32_t reply_size, uint64_t timeout_ms)
{
    uint64_t deadline = platform_time_ns() + (timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS) * 1000000;
    while (!w->done && platform_time_ns() < deadline)
        thread_wait_until(deadline);
    platform_irq_state s = platform_irq_save();
    int status = w->done ? w->status : VMBUS_E_TIMEOUT;
    if (status == VMBUS_OK && reply != NULL) {
        memset(reply, 0, reply_size);   /* fields beyond a short reply read as 0 */
        memcpy(reply, w->reply, w->reply_size < reply_size ? w->reply_size : reply_size);
    }
    w->active = false;
    platform_irq_restore(s);
    return status;
}

void vmbus_forget(struct vmbus_waiter *w)
{
    w->active = false;
}

int vmbus_request(const void *msg, uint32_t size, uint32_t reply_type, uint32_t key_offset, uint32_t key,
                  void *reply, uint32_t reply_size, uint64_t timeout_ms)
{
    /* Registered before sending: the reply can arrive before the post returns. */
    struct vmbus_waiter *w = vmbus_expect(reply_type, key_offset, key, 0);
    if (w == NULL)
        return VMBUS_E_BUSY;
    int status = vmbus_post(msg, size);
    if (status != VMBUS_OK) {
        vmbus_forget(w);
        return status;
    }
    return vmbus_await(w, reply, reply_size, timeout_ms);
}

void vmbus_cancel_requests(uint32_t relid)
{
    for (int i = 0; i < MAX_WAITERS; i++) {
        struct vmbus_waiter *w = &waiters[i];
        if (w->active && !w->done && w->relid == relid) {
            w->status = VMBUS_E_RESCINDED;
            w->done = true;
        }
    }
}

/* One INITIATE_CONTACT. Returns OK (accepted), REFUSED (try older), or an error. */
static int initiate_contact(uint32_t version, uint32_t connection_id, uint64_t timeout_ms)
{
    struct vmbus_msg_initiate_contact msg;
    memset(&msg, 0, sizeof(msg));
    msg.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    msg.version = version;
    msg.target_vp = platform_vp_index();
    if (version >= VMBUS_VERSION_WIN10_V5)
        msg.msg_sint = VMBUS_SINT;   /* no interrupt page: we start at 2.4 */
    uint32_t size = VMBUS_MSG_INITIATE_CONTACT_SIZE;
    if (version >= VMBUS_VERSION_COPPER) {
        /* 6.0 hosts may insist on knowing the client: the 56-byte form. */
        msg.feature_flags = VMBUS_FEATURE_CLIENT_ID;
        msg.client_id = client_id;
        size = VMBUS_MSG_INITIATE_CONTACT_SIZE_CLIENT_ID;
    }

    conn.msg_connection_id = connection_id;
    struct vmbus_msg_version_response reply;
    int status = vmbus_request(&msg, size, VMBUS_MSG_VERSION_RESPONSE, 0, 0, &reply, sizeof(reply), timeout_ms);
    if (status != VMBUS_OK)
        return status;
    if (!reply.version_supported || reply.connection_state != VMBUS_CONNECTION_OK)
        return VMBUS_E_REFUSED;
    conn.version = version;
    /* From 5.0 the host names the port for all later messages. */
    if (version >= VMBUS_VERSION_WIN10_V5 && reply.msg_conn_id != 0 &&
        (reply.msg_conn_id & ~HV_CONNECTION_ID_MASK) == 0)
        conn.msg_connection_id = reply.msg_conn_id;
    return VMBUS_OK;
}

/* Newest first. A version the host refuses, or whose request it never
 * answers (a busy host drops messages silently), moves on to the next
 * older one; the result is the last version's. */
static int negotiate(uint32_t highest, uint64_t timeout_ms)
{
    bool multiclient_refused = false;
    int last = VMBUS_E_REFUSED;
    for (unsigned i = 0; i < sizeof(known_versions) / sizeof(known_versions[0]); i++) {
        uint32_t v = known_versions[i];
        if (v > highest)
            continue;
        uint32_t id = (v >= VMBUS_VERSION_WIN10_V5 && !multiclient_refused) ? VMBUS_CONNID_MULTICLIENT
                                                                               : VMBUS_CONNID_MESSAGE;
        int status = initiate_contact(v, id, timeout_ms);
        if (status == VMBUS_E_HOST && id == VMBUS_CONNID_MULTICLIENT &&
            conn.last_post_status == HV_STATUS_INVALID_CONNECTION_ID) {
            /* Older hosts and QEMU have no multi-client port: id 1 from now on. */
            multiclient_refused = true;
            status = initiate_contact(v, VMBUS_CONNID_MESSAGE, timeout_ms);
        }
        if (status == VMBUS_OK)
            return VMBUS_OK;
        if (status != VMBUS_E_REFUSED && status != VMBUS_E_TIMEOUT)
            return status;
        last = status;
    }
    return last;
}

static void channel_flag(uint32_t relid, void *ctx);

/* The platform's idle hook while attached. A host that posts a message
 * without raising the SINT (the interrupt was lost, or dropped while
 * masked) leaves it in the slot, every later message queues behind it, and
 * channel packets wait likewise: nothing would wake us again. Every wait
 * (ours, or an app's sleep) looks every PLATFORM_IDLE_POLL_NS. */
static void poll_for_lost_interrupt(void)
{
    if (conn.attached)
        platform_sint_poll(VMBUS_SINT);
}

int vmbus_connect(const struct vmbus_connect_options *options)
{
    uint32_t highest = options && options->highest_version ? options->highest_version : VMBUS_VERSION_COPPER;
    uint64_t timeout_ms = options && options->timeout_ms ? options->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (conn.connected)
        return VMBUS_OK;
    memset(&conn.counters, 0, sizeof(conn.counters));
    conn.version = 0;
    vmbus_offers_reset();
    vmbus_channels_forget();
    if (!conn.attached) {
        if (platform_sint_attach(VMBUS_SINT, on_message, channel_flag, VMBUS_MAX_RELID + 1, NULL) != 0)
            return VMBUS_E_NO_HYPERV;
        conn.attached = true;
        platform_at_idle(poll_for_lost_interrupt);
    }
    int status = negotiate(highest, timeout_ms);
    if (status != VMBUS_OK)
        return status;
    conn.connected = true;
    platform_at_shutdown(vmbus_disconnect);   /* UNLOAD before power-off or reset */

    struct vmbus_msg_request_offers req = { { VMBUS_MSG_REQUESTOFFERS, 0 } };
    status = vmbus_post(&req, sizeof(req));
    uint64_t deadline = platform_time_ns() + timeout_ms * 1000000;
    while (status == VMBUS_OK && !vmbus_all_offers_delivered() && platform_time_ns() < deadline)
        thread_wait_until(deadline);
    if (status == VMBUS_OK && !vmbus_all_offers_delivered())
        status = VMBUS_E_TIMEOUT;
    return status;
}

void vmbus_disconnect(void)
{
    if (conn.connected && conn.version >= VMBUS_VERSION_WIN8_1) {
        struct vmbus_msg_request_offers unload = { { VMBUS_MSG_UNLOAD, 0 } };
        vmbus_request(&unload, sizeof(unload), VMBUS_MSG_UNLOAD_RESPONSE, 0, 0, NULL, 0, UNLOAD_TIMEOUT_MS);
    }
    conn.connected = false;
    if (conn.attached) {
        platform_at_idle(NULL);
        platform_sint_detach(VMBUS_SINT);
    }
    conn.attached = false;
}

bool vmbus_connected(void) { return conn.connected; }
uint32_t vmbus_version(void) { return conn.version; }
uint32_t vmbus_message_connection_id(void) { return conn.msg_connection_id; }
void vmbus_get_counters(struct vmbus_counters *out) { *out = conn.counters; }

/* From 2.4 on, the host sets flag <relid> of the VMBus SINT's array. */
static void channel_flag(uint32_t relid, void *ctx)
{
    (void)ctx;
    vmbus_channel_event(relid);
}
