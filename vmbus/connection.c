/* The VMBus connection: the SINT every control message arrives on, version
 * negotiation, and requests that wait for a reply. Everything the host sends
 * is copied (platform hands us a private copy) and checked for its minimum
 * size before a handler looks at it. */
#include <string.h>

#include "arch/platform.h"
#include "lib/thread.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "vmbus/vmbus.h"

#define DEFAULT_TIMEOUT_MS 1000
#define MAX_WAITERS 8

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
    uint32_t type = read_u32(msg, 0);
    uint32_t need = vmbus_msg_min_size(type, conn.version);
    if (need == 0 || size < need) {
        conn.counters.messages_rejected++;   /* unknown, guest-bound only, or short */
        return;
    }
    switch (type) {
    case VMBUS_MSG_OFFERCHANNEL: {
        struct vmbus_msg_offer offer;
        memset(&offer, 0, sizeof(offer));    /* a pre-1.1 offer is shorter */
        memcpy(&offer, msg, size < sizeof(offer) ? size : sizeof(offer));
        vmbus_on_offer(&offer);
        break;
    }
    case VMBUS_MSG_RESCIND_CHANNELOFFER:
        vmbus_on_rescind(read_u32(msg, 8));
        break;
    case VMBUS_MSG_ALLOFFERS_DELIVERED:
        vmbus_on_all_offers_delivered();
        break;
    default:
        if (!deliver_to_waiter(type, msg, size))
            conn.counters.messages_rejected++;   /* a reply nobody waits for */
        break;
    }
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

    conn.msg_connection_id = connection_id;
    struct vmbus_msg_version_response reply;
    int status = vmbus_request(&msg, VMBUS_MSG_INITIATE_CONTACT_SIZE, VMBUS_MSG_VERSION_RESPONSE, 0, 0,
                               &reply, sizeof(reply), timeout_ms);
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

static int negotiate(uint32_t highest, uint64_t timeout_ms)
{
    bool multiclient_refused = false;
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
        if (status != VMBUS_E_REFUSED)
            return status;
    }
    return VMBUS_E_REFUSED;
}

static void on_event(void *ctx);

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
        if (platform_sint_attach(VMBUS_SINT, on_message, on_event, NULL) != 0)
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
        vmbus_request(&unload, sizeof(unload), VMBUS_MSG_UNLOAD_RESPONSE, 0, 0, NULL, 0, DEFAULT_TIMEOUT_MS);
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

static void on_event(void *ctx)
{
    platform_event_scan(VMBUS_SINT, VMBUS_MAX_RELID + 1, channel_flag, ctx);
}
