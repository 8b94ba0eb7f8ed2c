/* hvsim's VMBus host: connection and version negotiation, offers and
 * rescinds, GPADLs, open/close, and the channel plumbing between the rings
 * and the device models (vmbus_devices.c). Reference sections 5-8.
 *
 * Every guest message arrives through a message port as a copy hvsim took
 * of the hypercall input; it is copied once more into a zero-filled buffer
 * of the largest size its type has, and read field by field at the
 * reference's offsets (vmbus_wire.h) before anything acts on it. Replies go
 * through a small outbox, so a full SINT queue delays them instead of losing
 * them. Ring pages are reached through the arena: each ring half needs its
 * data pages GPA-contiguous (the control page may be anywhere), which every
 * guest we know allocates; anything else fails OPENCHANNEL with a log line. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/host_ring.h"
#include "tests/hvsim/hvsim_state.h"
#include "tests/hvsim/vmbus_host.h"
#include "tests/hvsim/vmbus_wire.h"

#define PAGE 4096u
#define MAX_RELID VBW_MAX_RELID
#define MAX_PACKET_BYTES (0xFFFFu * 8u + 8u) /* len8 is u16, plus the trailer */
#define OUTBOX_RETRY_NS 1000u
#define REORDER_HOLD_NS 1000000u /* a held-back message goes out alone after this */
#define QEMU_EVENT_CONN_BASE 16u

struct outbox_msg {
    uint32_t vp, sint, size;
    uint64_t delay_ns;
    uint8_t payload[VBW_MSG_MAX];
};

struct hvsim_vmbus_chan {
    struct hvsim_vmbus *vb;
    struct hvsim_vmbus_channel_info info;
    const struct hvsim_vmbus_model *model;
    uint16_t offer_flags, sub_channel_index, mmio_megabytes;
    bool dedicated_interrupt;
    struct hring out_ring;      /* guest->host: we read it */
    struct hring in_ring;       /* host->guest: we write it */
    uint8_t *buf;               /* one packet copied out of out_ring */
    uint32_t buf_size;
    const void *model_config;   /* the device's (netvsc) */
    void *model_state;          /* the model's, while open */
    uint8_t user_data[VBW_OFFER_USER_DATA_SIZE];
};

struct gpadl {
    bool used;
    bool created;       /* every byte received and validated */
    bool in_use;        /* ring of an open channel */
    uint32_t handle, relid;
    uint16_t range_buflen, range_count;
    uint32_t received;  /* range bytes so far */
    uint8_t *ranges;    /* range_buflen bytes as the guest sent them; NULL once failed */
    uint32_t status;    /* 0, or why it will fail */
    const char *why;
    bool whole_pages;   /* every range: offset 0, a multiple of 4096 bytes */
    uint64_t *pfns;     /* all ranges' PFNs, in order */
    uint32_t page_count;
    uint64_t seq;
};

struct hvsim_vmbus {
    struct hvsim *sim;
    struct hvsim_vmbus_config cfg;
    struct hvsim_vmbus_faults faults;
    enum hvsim_vmbus_conn_state state;
    uint32_t version, features;
    uint32_t target_vp, msg_sint; /* where control messages go */
    uint32_t announced_conn_id;   /* extra port for cfg.msg_conn_id, or 0 */
    bool offers_requested;
    struct hvsim_vmbus_chan chans[HVSIM_VMBUS_MAX_CHANNELS];
    struct gpadl gpadls[HVSIM_VMBUS_MAX_GPADLS];
    uint64_t gpadl_seq;
    struct outbox_msg *outbox;
    uint32_t outbox_count, outbox_cap;
    bool retry_scheduled;
    struct outbox_msg held;       /* reorder fault: waits for the next message */
    bool has_held;
    uint64_t held_until_ns;       /* sent alone at this time if nothing overtook it */
    uint32_t busy_streak;         /* busy_posts fault: refusals of the current message so far */
    uint64_t storm_until_ns;      /* busy_storm_ns fault: every post refused until then */
    uint32_t drops_left;          /* drop_posts fault: posts still to take and forget */
    struct hvsim_guid client_id;  /* INITIATE_CONTACT's, 6.0 with feature 0x8 */
    bool client_id_given;
    hvsim_vmbus_tl_connect_fn tl_connect;   /* hv_sock's host (dev_hvsock.c), or NULL */
    void *tl_connect_ctx;
    struct hvsim_vmbus_error errors[HVSIM_VMBUS_MAX_ERROR_KINDS];
    uint32_t error_kinds;
    struct hvsim_vmbus_counters counters;
};

static const uint32_t all_versions[] = {
    VBW_V0_13, VBW_V1_1, VBW_V2_4, VBW_V3_0, VBW_V4_0, VBW_V4_1, VBW_V5_0, VBW_V5_1, VBW_V5_2, VBW_V5_3, VBW_V6_0,
};
static const uint32_t qemu_versions[] = { VBW_V2_4, VBW_V3_0, VBW_V4_0 };

/* ---- config ---- */

void hvsim_vmbus_config_default(struct hvsim_vmbus_config *cfg, enum hvsim_vmbus_flavor flavor)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->flavor = flavor;
    cfg->first_relid = 1;
    if (flavor == HVSIM_VMBUS_QEMU) {
        cfg->max_version = VBW_V4_0;
        memcpy(cfg->versions, qemu_versions, sizeof(qemu_versions));
        cfg->version_count = sizeof(qemu_versions) / sizeof(qemu_versions[0]);
        cfg->event_conn_base = QEMU_EVENT_CONN_BASE;
    } else {
        cfg->max_version = VBW_V5_3;
        memcpy(cfg->versions, all_versions, sizeof(all_versions));
        cfg->version_count = sizeof(all_versions) / sizeof(all_versions[0]);
        cfg->event_conn_base = 0x10000;
    }
}

static bool is_qemu(const struct hvsim_vmbus *vb) { return vb->cfg.flavor == HVSIM_VMBUS_QEMU; }

static bool version_accepted(const struct hvsim_vmbus *vb, uint32_t version)
{
    if (version > vb->cfg.max_version)
        return false;
    const uint32_t *list = vb->cfg.versions;
    uint32_t count = vb->cfg.version_count;
    if (count == 0) {
        list = all_versions;
        count = sizeof(all_versions) / sizeof(all_versions[0]);
    }
    for (uint32_t i = 0; i < count; i++)
        if (list[i] == version)
            return true;
    return false;
}

/* ---- host->guest messages ---- */

static void outbox_flush(struct hvsim_vmbus *vb);

static void outbox_retry(void *ctx, struct hvsim *sim)
{
    (void)sim;
    struct hvsim_vmbus *vb = ctx;
    vb->retry_scheduled = false;
    outbox_flush(vb);
}

static void outbox_pop(struct hvsim_vmbus *vb)
{
    memmove(&vb->outbox[0], &vb->outbox[1], (vb->outbox_count - 1) * sizeof(vb->outbox[0]));
    vb->outbox_count--;
}

/* Hands queued messages to hvsim in order; a full SINT queue stops the
 * flush and schedules a retry a microsecond later. */
static void outbox_flush(struct hvsim_vmbus *vb)
{
    while (vb->outbox_count > 0) {
        struct outbox_msg *m = &vb->outbox[0];
        int rc = hvsim_post_to_guest_ex(vb->sim, m->vp, m->sint, VBW_POST_TYPE, m->payload, m->size,
                                        m->delay_ns, 0);
        uint32_t type = ld32(m->payload, VBW_HDR_TYPE);
        if (rc == HVSIM_EFULL) {
            vb->counters.post_retries++;
            if (!vb->retry_scheduled &&
                hvsim_call_at(vb->sim, hvsim_now_ns(vb->sim) + OUTBOX_RETRY_NS, outbox_retry, vb) == 0)
                vb->retry_scheduled = true;
            return;
        }
        if (rc == HVSIM_OK)
            vb->counters.msgs_out[type]++;
        else {
            vb->counters.post_drops++;
            sim_log(vb->sim, "vmbus: message type %u to vp%u sint%u dropped (hvsim %d)", type, m->vp,
                    m->sint, rc);
        }
        outbox_pop(vb);
    }
}

static void outbox_append(struct hvsim_vmbus *vb, const struct outbox_msg *m)
{
    if (vb->outbox_count == vb->outbox_cap) {
        uint32_t cap = vb->outbox_cap ? vb->outbox_cap * 2 : 16;
        struct outbox_msg *n = realloc(vb->outbox, cap * sizeof(*n));
        if (!n) {
            vb->counters.post_drops++;
            return;
        }
        vb->outbox = n;
        vb->outbox_cap = cap;
    }
    vb->outbox[vb->outbox_count++] = *m;
}

/* Reorder fault: the held message goes out alone when nothing overtook it
 * in time. A timer left from an earlier hold finds a later deadline. */
static void release_held(void *ctx, struct hvsim *sim)
{
    struct hvsim_vmbus *vb = ctx;
    if (!vb->has_held || hvsim_now_ns(sim) < vb->held_until_ns)
        return;
    vb->has_held = false;
    outbox_append(vb, &vb->held);
    outbox_flush(vb);
}

/* QEMU rounds every payload size up to 8; Hyper-V sends the exact size.
 * The message fault switches act here, on whole messages. */
static void send_msg(struct hvsim_vmbus *vb, const void *msg, uint32_t exact)
{
    uint32_t type = ld32(msg, VBW_HDR_TYPE);
    uint32_t size = is_qemu(vb) ? (exact + 7u) & ~7u : exact;
    if (size > VBW_MSG_MAX || type >= HVSIM_VMBUS_MSG_TYPES)
        return;
    uint32_t bit = HVSIM_VMBUS_MSG_BIT(type);
    if (vb->faults.drop_msgs & bit) {
        vb->counters.msgs_dropped++;
        sim_log(vb->sim, "vmbus: message type %u dropped (fault)", type);
        return;
    }
    struct outbox_msg m;
    memset(&m, 0, sizeof(m));
    m.vp = vb->target_vp;
    m.sint = vb->msg_sint;
    m.size = size;
    m.delay_ns = vb->cfg.reply_delay_ns + vb->cfg.type_delay_ns[type];
    memcpy(m.payload, msg, exact); /* the rounding bytes stay zero */
    if ((vb->faults.reorder_msgs & bit) && !vb->has_held) {
        vb->counters.msgs_reordered++;
        sim_log(vb->sim, "vmbus: message type %u held back (reorder fault)", type);
        vb->held = m;
        vb->has_held = true;
        vb->held_until_ns = hvsim_now_ns(vb->sim) + REORDER_HOLD_NS;
        hvsim_call_at(vb->sim, vb->held_until_ns, release_held, vb);
        return;
    }
    outbox_append(vb, &m);
    if (vb->faults.duplicate_msgs & bit) {
        vb->counters.msgs_duplicated++;
        outbox_append(vb, &m);
    }
    if (vb->has_held) {   /* this one overtook it */
        vb->has_held = false;
        outbox_append(vb, &vb->held);
    }
    outbox_flush(vb);
}

static void send_header_only(struct hvsim_vmbus *vb, uint32_t type)
{
    uint8_t m[VBW_HDR] = { 0 };
    st32(m, VBW_HDR_TYPE, type);
    send_msg(vb, m, sizeof(m));
}

/* ---- channels ---- */

static struct hvsim_vmbus_chan *find_chan(struct hvsim_vmbus *vb, uint32_t relid)
{
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++)
        if (vb->chans[i].info.state != HVSIM_CHAN_FREE && vb->chans[i].info.relid == relid)
            return &vb->chans[i];
    return NULL;
}

static uint32_t free_relid(struct hvsim_vmbus *vb)
{
    uint32_t first = is_qemu(vb) ? 1 : vb->cfg.first_relid;
    if (first == 0)
        first = 1;
    for (uint32_t relid = first; relid <= MAX_RELID; relid++)
        if (!find_chan(vb, relid))
            return relid;
    return 0;
}

static void signal_guest(struct hvsim_vmbus_chan *ch)
{
    if (ch->info.target_vp == VBW_TARGET_VP_NONE)
        return;
    int rc = hvsim_signal_guest_event(ch->vb->sim, ch->info.target_vp, VBW_SINT, ch->info.relid);
    if (rc != HVSIM_OK) {
        sim_log(ch->vb->sim, "vmbus: relid %u: signal to vp%u failed (hvsim %d)", ch->info.relid,
                ch->info.target_vp, rc);
        return;
    }
    ch->info.signals_to_guest++;
    ch->vb->counters.signals_to_guest++;
}

static struct gpadl *find_gpadl(struct hvsim_vmbus *vb, uint32_t handle, bool created)
{
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_GPADLS; i++) {
        struct gpadl *g = &vb->gpadls[i];
        if (g->used && g->handle == handle && g->created == created)
            return g;
    }
    return NULL;
}

static void gpadl_free(struct gpadl *g)
{
    free(g->ranges);
    free(g->pfns);
    memset(g, 0, sizeof(*g));
}

/* Host side of a close: the rings are forgotten, the event port goes. */
static void chan_close(struct hvsim_vmbus_chan *ch)
{
    if (ch->info.state != HVSIM_CHAN_OPEN)
        return;
    if (ch->model->on_close)
        ch->model->on_close(ch);
    ch->model_state = NULL;
    hvsim_unregister_event_port(ch->vb->sim, ch->info.connection_id);
    struct gpadl *g = find_gpadl(ch->vb, ch->info.ring_gpadl, true);
    if (g)
        g->in_use = false;
    free(ch->buf);
    ch->buf = NULL;
    ch->buf_size = 0;
    ch->info.state = HVSIM_CHAN_CLOSED;
}

static void chan_clear(struct hvsim_vmbus_chan *ch)
{
    struct hvsim_vmbus *vb = ch->vb;
    chan_close(ch);
    memset(ch, 0, sizeof(*ch));
    ch->vb = vb;
}

static void chan_init(struct hvsim_vmbus_chan *ch, uint32_t relid, const struct hvsim_vmbus_device *dev)
{
    const struct hvsim_vmbus_model *model = hvsim_vmbus_model(dev->model);
    struct hvsim_vmbus_channel_info *in = &ch->info;
    ch->model = model;
    in->state = HVSIM_CHAN_OFFERED;
    in->relid = relid;
    in->model = dev->model;
    in->name = dev->name ? dev->name : model->name;
    in->class_id = dev->class_id ? *dev->class_id : model->class_id;
    if (dev->instance_id) {
        in->instance_id = *dev->instance_id;
    } else {
        in->instance_id = model->instance_id;
        st32(in->instance_id.bytes, 0, relid);   /* data1 */
    }
    in->connection_id = ch->vb->cfg.event_conn_base + relid;
    in->target_vp = VBW_TARGET_VP_NONE;
    in->source_count = dev->source_count;
    in->source_size = dev->source_size;
    in->model_data = dev->model_data;
    ch->offer_flags = dev->offer_flags;
    ch->sub_channel_index = dev->sub_channel_index;
    ch->mmio_megabytes = dev->mmio_megabytes;
    ch->dedicated_interrupt = is_qemu(ch->vb) || dev->dedicated_interrupt;
    ch->model_config = dev->netvsc;
    if (dev->user_data)
        memcpy(ch->user_data, dev->user_data,
               dev->user_data_len < sizeof(ch->user_data) ? dev->user_data_len : sizeof(ch->user_data));
}

/* Field by field from reference section 6, OFFERCHANNEL. */
static void send_offer(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch)
{
    uint8_t m[VBW_OFFER_SIZE];
    memset(m, 0, sizeof(m));
    st32(m, VBW_HDR_TYPE, VBW_OFFERCHANNEL);
    memcpy(m + VBW_OFFER_CLASS, ch->info.class_id.bytes, 16);
    memcpy(m + VBW_OFFER_INSTANCE, ch->info.instance_id.bytes, 16);
    st16(m, VBW_OFFER_FLAGS, ch->offer_flags);
    st16(m, VBW_OFFER_MMIO_MB, ch->mmio_megabytes);
    memcpy(m + VBW_OFFER_USER_DATA, ch->user_data, sizeof(ch->user_data));
    st16(m, VBW_OFFER_SUBCHANNEL, ch->sub_channel_index);
    st32(m, VBW_OFFER_RELID, ch->info.relid);
    st16(m, VBW_OFFER_DEDICATED, ch->dedicated_interrupt ? 1 : 0);
    st32(m, VBW_OFFER_CONN_ID, ch->info.connection_id);
    send_msg(vb, m, vb->version < VBW_V1_1 ? VBW_OFFER_SIZE_V1 : VBW_OFFER_SIZE);
    ch->info.offer_sent = true;
}

static bool chan_live(const struct hvsim_vmbus_chan *ch)
{
    return ch->info.state == HVSIM_CHAN_OFFERED || ch->info.state == HVSIM_CHAN_OPEN ||
           ch->info.state == HVSIM_CHAN_CLOSED;
}

/* What a new INITIATE_CONTACT or an UNLOAD does: the guest's view of every
 * channel and GPADL is gone; devices stay, to be offered again. */
static void reset_connection(struct hvsim_vmbus *vb)
{
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++) {
        struct hvsim_vmbus_chan *ch = &vb->chans[i];
        if (ch->info.state == HVSIM_CHAN_RESCINDED)
            chan_clear(ch);
        chan_close(ch);
        if (ch->info.state == HVSIM_CHAN_CLOSED)
            ch->info.state = HVSIM_CHAN_OFFERED;
        ch->info.offer_sent = false;
    }
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_GPADLS; i++)
        if (vb->gpadls[i].used)
            gpadl_free(&vb->gpadls[i]);
    if (vb->announced_conn_id) {
        hvsim_unregister_message_port(vb->sim, vb->announced_conn_id);
        vb->announced_conn_id = 0;
    }
    vb->state = HVSIM_VMBUS_DISCONNECTED;
    vb->version = 0;
    vb->features = 0;
    vb->offers_requested = false;
}

/* Every guest protocol error is counted under its name (the string, which
 * is a literal or a host_ring name), so a test can say which one happened. */
static void count_error(struct hvsim_vmbus *vb, const char *what)
{
    for (uint32_t i = 0; i < vb->error_kinds; i++)
        if (vb->errors[i].what == what || strcmp(vb->errors[i].what, what) == 0) {
            vb->errors[i].count++;
            return;
        }
    if (vb->error_kinds < HVSIM_VMBUS_MAX_ERROR_KINDS)
        vb->errors[vb->error_kinds++] = (struct hvsim_vmbus_error){ .what = what, .count = 1 };
}

static void protocol_error(struct hvsim_vmbus *vb, const char *what, uint32_t value)
{
    vb->counters.protocol_errors++;
    count_error(vb, what);
    sim_log(vb->sim, "vmbus: protocol error: %s (%u)", what, value);
}

/* ---- INITIATE_CONTACT ---- */

static uint16_t on_message(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t connection_id,
                           uint32_t message_type, const void *payload, uint32_t payload_size);

/* The id VERSION_RESPONSE announces (>= 5.0, Hyper-V); a port listens on it. */
static uint32_t announce_conn_id(struct hvsim_vmbus *vb, uint32_t arrived_on)
{
    uint32_t id = vb->cfg.msg_conn_id ? vb->cfg.msg_conn_id : arrived_on;
    if (id != VBW_CONN_MESSAGE && id != VBW_CONN_MULTICLIENT &&
        hvsim_register_message_port(vb->sim, id, on_message, vb) == 0)
        vb->announced_conn_id = id;
    return id;
}

static void on_initiate_contact(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                                uint32_t size)
{
    (void)vp;
    uint32_t version = ld32(msg, VBW_IC_VERSION), target_vp = ld32(msg, VBW_IC_TARGET_VP);
    uint8_t msg_sint = ld8(msg, VBW_IC_MSG_SINT);
    uint32_t features = ld32(msg, VBW_IC_FEATURES);
    reset_connection(vb);

    bool ok = version_accepted(vb, version);
    bool has_client_id = version >= VBW_V6_0 && size >= VBW_IC_SIZE_CLIENT_ID && (features & VBW_FEAT_CLIENT_ID);
    vb->client_id_given = has_client_id;
    memset(vb->client_id.bytes, 0, 16);
    if (has_client_id)
        memcpy(vb->client_id.bytes, (const uint8_t *)msg + VBW_IC_CLIENT_ID, 16);
    if (size != VBW_IC_SIZE && size != VBW_IC_SIZE_CLIENT_ID)
        protocol_error(vb, "INITIATE_CONTACT neither 40 nor 56 bytes", size);
    else if (size == VBW_IC_SIZE_CLIENT_ID && !has_client_id)
        protocol_error(vb, "INITIATE_CONTACT of 56 bytes without the 6.0 client-id feature", features);
    if (version >= VBW_V5_1 && ld8(msg, VBW_IC_MSG_VTL) != 0)
        protocol_error(vb, "INITIATE_CONTACT msg_vtl not 0", ld8(msg, VBW_IC_MSG_VTL));
    if (ok && vb->cfg.require_client_id && version >= VBW_V6_0 && !has_client_id) {
        sim_log(vb->sim, "vmbus: 6.0 INITIATE_CONTACT without a client id: refused (require_client_id)");
        ok = false;
    }
    uint8_t state = VBW_STATE_OK;
    vb->target_vp = 0;
    vb->msg_sint = VBW_SINT;
    if (target_vp >= hvsim_vp_count(vb->sim)) {
        protocol_error(vb, "INITIATE_CONTACT target VP", target_vp);
        ok = false;
        state = VBW_STATE_FAILED;
    } else {
        vb->target_vp = target_vp;
    }
    /* Only the multi-client port honours msg_sint (>= 5.0). */
    if (ok && conn_id == VBW_CONN_MULTICLIENT && version >= VBW_V5_0) {
        if (msg_sint == 0 || msg_sint >= 16)
            protocol_error(vb, "INITIATE_CONTACT msg_sint", msg_sint);
        else
            vb->msg_sint = msg_sint;
    }

    uint8_t r[VBW_VR_SIZE_V6];
    memset(r, 0, sizeof(r));
    st32(r, VBW_HDR_TYPE, VBW_VERSION_RESPONSE);
    st8(r, VBW_VR_SUPPORTED, ok ? 1 : 0);
    st8(r, VBW_VR_STATE, state);
    /* QEMU's answer is 12 bytes (no id field), rounded up to 16 by send_msg. */
    uint32_t rsize = is_qemu(vb) ? VBW_VR_CONN_ID : VBW_VR_SIZE;
    if (ok) {
        vb->state = HVSIM_VMBUS_CONNECTED;
        vb->version = version;
        if (version >= VBW_V6_0)
            vb->features = ld32(msg, VBW_IC_FEATURES) & vb->cfg.supported_features;
    }
    if (!is_qemu(vb)) {
        if (version >= VBW_V5_0)
            st32(r, VBW_VR_CONN_ID, ok ? announce_conn_id(vb, conn_id) : 0);
        else
            st32(r, VBW_VR_CONN_ID, ok ? version : 0);
        if (version >= VBW_V6_0) {
            st32(r, VBW_VR_FEATURES, vb->features);
            rsize = VBW_VR_SIZE_V6;
        }
    }
    sim_log(vb->sim, "vmbus: INITIATE_CONTACT %u.%u on conn %u: %s", version >> 16, version & 0xFFFF, conn_id,
            ok ? "accepted" : "refused");
    send_msg(vb, r, rsize);
}

/* ---- offers ---- */

static void on_request_offers(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                              uint32_t size)
{
    (void)vp, (void)conn_id, (void)msg, (void)size;
    if (vb->faults.ignore_request_offers)
        return;
    if (vb->offers_requested)
        protocol_error(vb, "REQUESTOFFERS again", 0);
    vb->offers_requested = true;
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++)
        if (chan_live(&vb->chans[i]))
            send_offer(vb, &vb->chans[i]);
    send_header_only(vb, VBW_ALLOFFERS_DELIVERED);
}

static void on_relid_released(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                              uint32_t size)
{
    (void)vp, (void)conn_id, (void)size;
    uint32_t relid = ld32(msg, VBW_RELID_AT);
    struct hvsim_vmbus_chan *ch = find_chan(vb, relid);
    if (!ch || ch->info.state != HVSIM_CHAN_RESCINDED) {
        protocol_error(vb, "RELID_RELEASED of a relid not rescinded", relid);
        return;
    }
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_GPADLS; i++) {
        struct gpadl *g = &vb->gpadls[i];
        if (g->used && g->relid == relid) {
            sim_log(vb->sim, "vmbus: relid %u released with GPADL %#x still up; dropped", g->relid,
                    g->handle);
            gpadl_free(g);
        }
    }
    chan_clear(ch);
}

/* ---- GPADLs ---- */

static void send_gpadl_created(struct hvsim_vmbus *vb, uint32_t relid, uint32_t handle, uint32_t status)
{
    uint8_t r[VBW_GPADLC_SIZE] = { 0 };
    st32(r, VBW_HDR_TYPE, VBW_GPADL_CREATED);
    st32(r, VBW_GPADLC_RELID, relid);
    st32(r, VBW_GPADLC_HANDLE, handle);
    st32(r, VBW_GPADLC_STATUS, status);
    send_msg(vb, r, sizeof(r));
}

static void gpadl_fail(struct gpadl *g, const char *why)
{
    if (g->status == 0) {
        g->status = HVSIM_VMBUS_GPADL_FAILED;
        g->why = why;
    }
    free(g->ranges);
    g->ranges = NULL;
}

/* Pages a range spans: ceil((offset + count) / 4096). */
static uint64_t range_pages(uint32_t offset, uint32_t count)
{
    return ((uint64_t)offset + count + PAGE - 1) / PAGE;
}

/* Walks the ranges: offsets and PFN counts must add up to range_buflen
 * exactly. Fills g->pfns and g->page_count. 64-bit sums throughout. */
static const char *gpadl_parse(struct hvsim_vmbus *vb, struct gpadl *g)
{
    const uint8_t *p = g->ranges;
    uint64_t left = g->range_buflen, total = 0;
    g->whole_pages = true;
    for (uint32_t r = 0; r < g->range_count; r++) {
        if (left < VBW_RANGE_HDR)
            return "range header past range_buflen";
        uint32_t count = ld32(p, VBW_RANGE_COUNT), offset = ld32(p, VBW_RANGE_OFFSET);
        p += VBW_RANGE_HDR;
        left -= VBW_RANGE_HDR;
        if (offset >= PAGE || count == 0)
            return "range offset or count";
        uint64_t n = range_pages(offset, count);
        if (n * 8 > left)
            return "PFNs past range_buflen";
        if (offset != 0 || count % PAGE != 0)
            g->whole_pages = false;
        p += n * 8;
        left -= n * 8;
        total += n;
    }
    if (left != 0)
        return "range_buflen larger than the ranges";
    g->pfns = malloc(total * sizeof(uint64_t));
    if (!g->pfns)
        return "out of memory";
    g->page_count = (uint32_t)total;
    p = g->ranges;
    uint32_t k = 0;
    for (uint32_t r = 0; r < g->range_count; r++) {
        uint32_t n = (uint32_t)range_pages(ld32(p, VBW_RANGE_OFFSET), ld32(p, VBW_RANGE_COUNT));
        p += VBW_RANGE_HDR;
        for (uint32_t i = 0; i < n; i++, k++, p += 8) {
            uint64_t pfn = ld64(p, 0);
            if (pfn > (UINT64_MAX >> 12) || !hvsim_gpa_to_host(vb->sim, pfn << 12, PAGE))
                return "PFN outside guest RAM";
            g->pfns[k] = pfn;
        }
    }
    return NULL;
}

/* QEMU accepts one range of whole pages from offset 0 and silently ignores
 * any other shape (reference section 8). */
static bool qemu_shape_ok(const struct gpadl *g)
{
    if (g->range_count != 1)
        return false;
    return ld32(g->ranges, VBW_RANGE_OFFSET) == 0 &&
           (uint64_t)ld32(g->ranges, VBW_RANGE_COUNT) == (uint64_t)g->page_count * PAGE;
}

/* All bytes are in: validate, then answer (or not). */
static void gpadl_finish(struct hvsim_vmbus *vb, struct gpadl *g)
{
    struct hvsim_vmbus_chan *ch = find_chan(vb, g->relid);
    if (ch && ch->info.state == HVSIM_CHAN_RESCINDED) {
        sim_log(vb->sim, "vmbus: GPADL %#x for rescinded relid %u dropped, no reply", g->handle, g->relid);
        gpadl_free(g);
        return;
    }
    if (g->status == 0) {
        const char *why = gpadl_parse(vb, g);
        if (why)
            gpadl_fail(g, why);
        else if (is_qemu(vb) && !qemu_shape_ok(g)) {
            vb->counters.gpadls_ignored++;
            sim_log(vb->sim, "vmbus: GPADL %#x not one page-aligned range: ignored (QEMU)", g->handle);
            gpadl_free(g);
            return;
        }
    }
    if (g->status != 0) {
        vb->counters.gpadls_failed++;
        count_error(vb, g->why);
        sim_log(vb->sim, "vmbus: GPADL %#x relid %u refused: %s", g->handle, g->relid, g->why);
        send_gpadl_created(vb, g->relid, g->handle, g->status);
        gpadl_free(g);
        return;
    }
    g->created = true;
    vb->counters.gpadls_created++;
    sim_log(vb->sim, "vmbus: GPADL %#x relid %u: %u pages", g->handle, g->relid, g->page_count);
    if (!vb->faults.ignore_gpadl)
        send_gpadl_created(vb, g->relid, g->handle, 0);
}

/* More range bytes from a HEADER or BODY message. */
static void gpadl_append(struct hvsim_vmbus *vb, struct gpadl *g, const uint8_t *data, uint32_t len)
{
    if ((uint64_t)g->received + len > g->range_buflen) {
        gpadl_fail(g, "more bytes than range_buflen");
        g->received = g->range_buflen;
    } else {
        if (g->ranges)
            memcpy(g->ranges + g->received, data, len);
        g->received += len;
    }
    if (g->received == g->range_buflen)
        gpadl_finish(vb, g);
}

static struct gpadl *gpadl_alloc(struct hvsim_vmbus *vb)
{
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_GPADLS; i++)
        if (!vb->gpadls[i].used) {
            struct gpadl *g = &vb->gpadls[i];
            memset(g, 0, sizeof(*g));
            g->used = true;
            g->seq = vb->gpadl_seq++;
            return g;
        }
    return NULL;
}

static void on_gpadl_header(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                            uint32_t size)
{
    (void)vp, (void)conn_id;
    uint32_t relid = ld32(msg, VBW_GPADLH_RELID), handle = ld32(msg, VBW_GPADLH_HANDLE);
    uint16_t buflen = ld16(msg, VBW_GPADLH_BUFLEN), count = ld16(msg, VBW_GPADLH_COUNT);
    /* Taken in even when it will fail, so its BODY messages find it; a
     * rescinded relid's GPADL is dropped without a reply at the end. */
    struct hvsim_vmbus_chan *ch = find_chan(vb, relid);
    bool duplicate = find_gpadl(vb, handle, true) || find_gpadl(vb, handle, false);
    struct gpadl *g = gpadl_alloc(vb);
    if (!g) {
        protocol_error(vb, "too many GPADLs", handle);
        send_gpadl_created(vb, relid, handle, HVSIM_VMBUS_GPADL_FAILED);
        return;
    }
    g->handle = handle;
    g->relid = relid;
    g->range_buflen = buflen;
    g->range_count = count;
    if (!ch || !chan_live(ch))
        gpadl_fail(g, "no such relid");
    else if (handle == 0)
        gpadl_fail(g, "handle 0");
    else if (duplicate)
        gpadl_fail(g, "handle in use");
    else if (count == 0 || buflen % 8 != 0 || (uint32_t)buflen < (uint32_t)count * 16u)
        gpadl_fail(g, "range_count and range_buflen disagree");
    else if (!(g->ranges = malloc(buflen)))
        gpadl_fail(g, "out of memory");
    gpadl_append(vb, g, (const uint8_t *)msg + VBW_GPADLH_SIZE, size - VBW_GPADLH_SIZE);
}

static void on_gpadl_body(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                          uint32_t size)
{
    (void)vp, (void)conn_id;
    uint32_t handle = ld32(msg, VBW_GPADLB_HANDLE);
    struct gpadl *g = find_gpadl(vb, handle, false);
    if (!g) {
        protocol_error(vb, "GPADL_BODY for no GPADL in progress", handle);
        return;
    }
    uint32_t len = size - VBW_GPADLB_SIZE;
    if (len % 8 != 0)
        gpadl_fail(g, "GPADL_BODY not whole PFNs");
    gpadl_append(vb, g, (const uint8_t *)msg + VBW_GPADLB_SIZE, len);
}

static void on_gpadl_teardown(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                              uint32_t size)
{
    (void)vp, (void)conn_id, (void)size;
    uint32_t relid = ld32(msg, VBW_GPADLT_RELID), handle = ld32(msg, VBW_GPADLT_HANDLE);
    struct gpadl *g = find_gpadl(vb, handle, true);
    if (!g || g->relid != relid) {
        protocol_error(vb, "GPADL_TEARDOWN of an unknown GPADL", handle);
        return;
    }
    if (g->in_use) {
        protocol_error(vb, "GPADL_TEARDOWN of an open channel's ring; closing it", handle);
        struct hvsim_vmbus_chan *ch = find_chan(vb, g->relid);
        if (ch)
            chan_close(ch);
    }
    if (vb->faults.ignore_gpadl_teardown)
        return;   /* the host keeps the pages mapped and never says so */
    gpadl_free(g);
    vb->counters.gpadls_torndown++;
    uint8_t r[VBW_TORNDOWN_SIZE] = { 0 };
    st32(r, VBW_HDR_TYPE, VBW_GPADL_TORNDOWN);
    st32(r, VBW_TORNDOWN_HANDLE, handle);
    send_msg(vb, r, sizeof(r));
}

/* ---- open / close ---- */

static uint16_t on_channel_signal(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t connection_id,
                                  uint16_t flag);

static void send_open_result(struct hvsim_vmbus *vb, uint32_t relid, uint32_t open_id, uint32_t status)
{
    uint8_t r[VBW_OPENRES_SIZE] = { 0 };
    st32(r, VBW_HDR_TYPE, VBW_OPENCHANNEL_RESULT);
    st32(r, VBW_OPENRES_RELID, relid);
    st32(r, VBW_OPENRES_ID, open_id);
    st32(r, VBW_OPENRES_STATUS, status);
    send_msg(vb, r, sizeof(r));
}

/* One ring half: control page pfns[0], data pages pfns[1..count), which
 * must follow each other in guest-physical memory. */
static const char *map_ring_half(struct hvsim_vmbus *vb, const uint64_t *pfns, uint32_t count,
                                 struct hring *r)
{
    if (count < 2)
        return "ring half smaller than 2 pages";
    for (uint32_t i = 2; i < count; i++)
        if (pfns[i] != pfns[1] + (i - 1))
            return "ring data pages not contiguous (an hvsim limit)";
    uint64_t data_size = (uint64_t)(count - 1) * PAGE;
    if (data_size > (1u << 30))
        return "ring too large";
    uint8_t *control = hvsim_gpa_to_host(vb->sim, pfns[0] << 12, PAGE);
    uint8_t *data = hvsim_gpa_to_host(vb->sim, pfns[1] << 12, data_size);
    if (!control || !data)
        return "ring outside guest RAM";
    enum hring_result res = hring_attach(r, control, data, (uint32_t)data_size);
    r->skip_trailers = is_qemu(vb);   /* QEMU seeks past the trailer without writing it */
    return res == HRING_OK ? NULL : hring_result_name(res);
}

/* Everything OPENCHANNEL names, checked; NULL when the channel can open. */
static const char *open_check(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch, const uint8_t *m,
                              struct gpadl **out)
{
    if (ch->info.state == HVSIM_CHAN_OPEN)
        return "already open";
    struct gpadl *g = find_gpadl(vb, ld32(m, VBW_OPEN_GPADL), true);
    if (!g || g->relid != ld32(m, VBW_OPEN_RELID))
        return "ring GPADL not created for this relid";
    if (g->in_use)
        return "ring GPADL already in use";
    if (!g->whole_pages)
        return "ring GPADL not whole pages";
    uint32_t off = ld32(m, VBW_OPEN_DOWNSTREAM), vp = ld32(m, VBW_OPEN_TARGET_VP);
    if (off < 2 || off >= g->page_count || g->page_count - off < 2)
        return "downstream offset outside the GPADL";
    if (vp != VBW_TARGET_VP_NONE && vp >= hvsim_vp_count(vb->sim))
        return "target VP";
    const char *why = map_ring_half(vb, g->pfns, off, &ch->out_ring);
    if (!why)
        why = map_ring_half(vb, g->pfns + off, g->page_count - off, &ch->in_ring);
    *out = g;
    return why;
}

static void on_open_channel(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                            uint32_t size)
{
    (void)vp, (void)conn_id, (void)size;
    const uint8_t *m = msg;
    uint32_t relid = ld32(m, VBW_OPEN_RELID), open_id = ld32(m, VBW_OPEN_ID);
    struct hvsim_vmbus_chan *ch = find_chan(vb, relid);
    if (!ch || !ch->info.offer_sent) {
        protocol_error(vb, "OPENCHANNEL of an unknown relid", relid);
        return;
    }
    if (ch->info.state == HVSIM_CHAN_RESCINDED) {
        sim_log(vb->sim, "vmbus: OPENCHANNEL of rescinded relid %u: no reply", relid);
        return;
    }
    if (vb->faults.ignore_open)
        return;
    if (vb->faults.refuse_open) {
        send_open_result(vb, relid, open_id, HVSIM_VMBUS_OPEN_FAILED);
        return;
    }
    struct gpadl *g = NULL;
    const char *why = open_check(vb, ch, m, &g);
    uint32_t buf_size = ch->out_ring.size < MAX_PACKET_BYTES ? ch->out_ring.size : MAX_PACKET_BYTES;
    if (!why && !(ch->buf = malloc(buf_size)))
        why = "out of memory";
    if (!why && hvsim_register_event_port(vb->sim, ch->info.connection_id, 1, on_channel_signal, ch) != 0)
        why = "connection id taken";
    if (why) {
        free(ch->buf);
        ch->buf = NULL;
        protocol_error(vb, why, relid);
        send_open_result(vb, relid, open_id, HVSIM_VMBUS_OPEN_FAILED);
        return;
    }
    ch->buf_size = buf_size;
    g->in_use = true;
    ch->info.state = HVSIM_CHAN_OPEN;
    if (vb->faults.mask_interrupts)
        st32_release(ch->out_ring.ctl, VBW_RING_MASK, 1);
    ch->info.ring_gpadl = g->handle;
    ch->info.target_vp = vb->version < VBW_V2_4 ? vb->target_vp : ld32(m, VBW_OPEN_TARGET_VP);
    ch->info.out_ring_size = ch->out_ring.size;
    ch->info.in_ring_size = ch->in_ring.size;
    ch->info.opens++;
    sim_log(vb->sim, "vmbus: relid %u open: rings %u + %u bytes, vp %u", ch->info.relid,
            ch->out_ring.size, ch->in_ring.size, ch->info.target_vp);
    send_open_result(vb, relid, open_id, 0);
    if (ch->model->on_open)
        ch->model->on_open(vb, ch);
}

static void on_close_channel(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                             uint32_t size)
{
    (void)vp, (void)conn_id, (void)size;
    uint32_t relid = ld32(msg, VBW_RELID_AT);
    struct hvsim_vmbus_chan *ch = find_chan(vb, relid);
    if (ch && ch->info.state == HVSIM_CHAN_RESCINDED)
        return; /* already closed host-side by the rescind */
    if (!ch || ch->info.state != HVSIM_CHAN_OPEN) {
        protocol_error(vb, "CLOSECHANNEL of a channel not open", relid);
        return;
    }
    chan_close(ch);
}

static void on_unload(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg,
                      uint32_t size)
{
    (void)vp, (void)conn_id, (void)msg, (void)size;
    reset_connection(vb);
    if (!vb->faults.ignore_unload)
        send_header_only(vb, VBW_UNLOAD_RESPONSE);
}

/* ---- hv_sock's connect request (reference section 6; devices.md 3.3) ---- */

/* From 4.0; the silo id (56 bytes) from 5.2. QEMU has no hv_sock: it
 * drops the message (reference appendix, "no TL_CONNECT"). Without a
 * handler every request is refused, as OpenVMM does without a relay. */
static void on_tl_connect(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg, uint32_t size)
{
    (void)vp, (void)conn_id;
    if (is_qemu(vb)) {
        count_error(vb, "TL_CONNECT_REQUEST to a host without hv_sock (QEMU)");
        sim_log(vb->sim, "vmbus: TL_CONNECT_REQUEST ignored (QEMU has no hv_sock)");
        return;
    }
    if (vb->version < VBW_V4_0) {
        protocol_error(vb, "TL_CONNECT_REQUEST before VMBus 4.0", vb->version);
        return;
    }
    if (size == VBW_TL_REQ_SIZE_SILO && vb->version < VBW_V5_2)
        protocol_error(vb, "TL_CONNECT_REQUEST with a silo id before VMBus 5.2", vb->version);
    struct hvsim_guid endpoint, service;
    memcpy(endpoint.bytes, (const uint8_t *)msg + VBW_TL_ENDPOINT, 16);
    memcpy(service.bytes, (const uint8_t *)msg + VBW_TL_SERVICE, 16);
    if (vb->tl_connect)
        vb->tl_connect(vb->tl_connect_ctx, &endpoint, &service);
    else
        hvsim_vmbus_tl_connect_result(vb, &endpoint, &service, 0xC0000236u);   /* STATUS_CONNECTION_REFUSED */
}

void hvsim_vmbus_set_tl_connect(struct hvsim_vmbus *vb, hvsim_vmbus_tl_connect_fn fn, void *ctx)
{
    vb->tl_connect = fn;
    vb->tl_connect_ctx = ctx;
}

/* OpenVMM sends it only to report a failure, and only from 4.1 (devices.md 3.3). */
bool hvsim_vmbus_tl_connect_result(struct hvsim_vmbus *vb, const struct hvsim_guid *endpoint,
                                   const struct hvsim_guid *service, uint32_t status)
{
    if (vb->state != HVSIM_VMBUS_CONNECTED || vb->version < VBW_V4_1)
        return false;
    uint8_t r[VBW_TL_RESULT_SIZE] = { 0 };
    st32(r, VBW_HDR_TYPE, VBW_TL_CONNECT_RESULT);
    memcpy(r + VBW_TL_ENDPOINT, endpoint->bytes, 16);
    memcpy(r + VBW_TL_SERVICE, service->bytes, 16);
    st32(r, VBW_TL_STATUS, status);
    send_msg(vb, r, sizeof(r));
    return true;
}

/* ---- message dispatch ---- */

struct msg_handler {
    uint32_t type;
    uint32_t min_size;
    uint32_t exact_size, alt_size;   /* the sizes a guest sends (0: any from min_size, e.g. GPADL messages) */
    bool needs_connection;
    void (*fn)(struct hvsim_vmbus *vb, uint32_t vp, uint32_t conn_id, const void *msg, uint32_t size);
};

static const struct msg_handler handlers[] = {
    { VBW_INITIATE_CONTACT, VBW_IC_SIZE, 0, 0, false, on_initiate_contact },   /* 40 or 56: checked there */
    { VBW_REQUESTOFFERS, VBW_HDR, VBW_HDR, 0, true, on_request_offers },
    { VBW_OPENCHANNEL, VBW_OPEN_SIZE, VBW_OPEN_SIZE, VBW_OPEN_SIZE_V6, true, on_open_channel },
    { VBW_CLOSECHANNEL, VBW_RELID_MSG_SIZE, VBW_RELID_MSG_SIZE, 0, true, on_close_channel },
    { VBW_GPADL_HEADER, VBW_GPADLH_SIZE, 0, 0, true, on_gpadl_header },
    { VBW_GPADL_BODY, VBW_GPADLB_SIZE, 0, 0, true, on_gpadl_body },
    { VBW_GPADL_TEARDOWN, VBW_GPADLT_SIZE, VBW_GPADLT_SIZE, 0, true, on_gpadl_teardown },
    { VBW_RELID_RELEASED, VBW_RELID_MSG_SIZE, VBW_RELID_MSG_SIZE, 0, true, on_relid_released },
    { VBW_UNLOAD, VBW_HDR, VBW_HDR, 0, false, on_unload },
    { VBW_TL_CONNECT_REQUEST, VBW_TL_REQ_SIZE, VBW_TL_REQ_SIZE, VBW_TL_REQ_SIZE_SILO, true, on_tl_connect },
};

static const struct msg_handler *find_handler(uint32_t type)
{
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (handlers[i].type == type)
            return &handlers[i];
    return NULL;
}

/* Whatever the guest posts, the hypercall succeeds (the host would take it
 * off the queue before looking); what is wrong is logged and counted. */
static uint16_t on_message(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t connection_id,
                           uint32_t message_type, const void *payload, uint32_t payload_size)
{
    (void)sim;
    struct hvsim_vmbus *vb = ctx;
    if (vb->busy_streak < vb->faults.busy_posts || hvsim_now_ns(vb->sim) < vb->storm_until_ns) {
        vb->busy_streak++;
        vb->counters.posts_refused_busy++;
        return HVW_E_INSUFFICIENT_BUFFERS;   /* not taken: the guest must post it again */
    }
    vb->busy_streak = 0;
    if (vb->drops_left > 0) {   /* a busy Hyper-V host: taken, never acted on, nobody told */
        vb->drops_left--;
        vb->counters.posts_dropped_busy++;
        sim_log(vb->sim, "vmbus: guest message dropped while busy (drop_posts)");
        return HVW_OK;
    }
    if (message_type != VBW_POST_TYPE) {
        vb->counters.bad_post_type++;
        count_error(vb, "HvPostMessage type not 1");
        sim_log(vb->sim, "vmbus: HvPostMessage type %#x ignored", message_type);
        return HVW_OK;
    }
    if (payload_size < VBW_HDR) {
        vb->counters.short_msgs++;
        count_error(vb, "message shorter than its header");
        sim_log(vb->sim, "vmbus: %u-byte message ignored", payload_size);
        return HVW_OK;
    }
    uint32_t type = ld32(payload, VBW_HDR_TYPE);
    const struct msg_handler *h = find_handler(type);
    if (!h) {
        vb->counters.unknown_msgs++;
        count_error(vb, "message type a guest does not send");
        sim_log(vb->sim, "vmbus: message type %u ignored", type);
        return HVW_OK;
    }
    if (payload_size < h->min_size) {
        vb->counters.short_msgs++;
        count_error(vb, "message shorter than its type");
        sim_log(vb->sim, "vmbus: message type %u: %u bytes, needs %u", type, payload_size, h->min_size);
        return HVW_OK;
    }
    vb->counters.msgs_in[type]++;
    /* A guest sends exactly the listed size (reference section 6); the
     * header's padding is 0. Both are errors, and the message still acts. */
    if (h->exact_size != 0 && payload_size != h->exact_size && payload_size != h->alt_size)
        protocol_error(vb, "message size not the one its type has", type << 16 | payload_size);
    if (ld32(payload, VBW_HDR_TYPE + 4) != 0)
        protocol_error(vb, "message header padding not 0", type);
    if (h->needs_connection && vb->state != HVSIM_VMBUS_CONNECTED) {
        protocol_error(vb, "message before a version was accepted", type);
        return HVW_OK;
    }
    /* A private, zero-filled copy at the largest size a message has: an
     * optional tail the guest did not send reads as 0, nothing reads past. */
    uint8_t copy[VBW_MSG_MAX];
    memset(copy, 0, sizeof(copy));
    memcpy(copy, payload, payload_size);
    h->fn(vb, vp, connection_id, copy, payload_size);
    return HVW_OK;
}

/* ---- channel I/O ---- */

/* Reads what the guest wrote; a packet the device cannot answer yet (ring
 * full) stays in the ring until the guest makes room and signals again. */
static void chan_drain(struct hvsim_vmbus_chan *ch)
{
    while (ch->info.state == HVSIM_CHAN_OPEN) {
        struct hvsim_packet pkt;
        enum hring_result res = hring_peek(&ch->out_ring, ch->buf, ch->buf_size, &pkt);
        if (res == HRING_EMPTY)
            break;
        if (res != HRING_OK) {
            ch->info.ring_errors++;
            protocol_error(ch->vb, hring_result_name(res), ch->info.relid);
            break;
        }
        if (ch->model->on_packet(ch, &pkt) == HVSIM_VMBUS_RETRY)
            break;
        ch->info.packets_in++;
        ch->info.bytes_in += pkt.payload_len;
        hring_consume(&ch->out_ring);
    }
    if (ch->info.state != HVSIM_CHAN_OPEN)
        return;
    if (hring_commit(&ch->out_ring))
        signal_guest(ch);
}

static uint16_t on_channel_signal(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t connection_id,
                                  uint16_t flag)
{
    (void)sim, (void)vp, (void)connection_id, (void)flag;
    struct hvsim_vmbus_chan *ch = ctx;
    ch->info.signals_from_guest++;
    ch->vb->counters.signals_from_guest++;
    /* Our interrupt mask on the guest->host ring is set (mask_interrupts): the
     * guest must not signal, and Hyper-V throttles guests that do. */
    if (ld32_acquire(ch->out_ring.ctl, VBW_RING_MASK) != 0) {
        ch->vb->counters.signals_while_masked++;
        protocol_error(ch->vb, "signal while the host's interrupt mask is set", ch->info.relid);
    }
    if (ch->vb->faults.stop_reading)
        return HVW_OK;   /* a stalled host: the ring fills up */
    chan_drain(ch);
    if (ch->info.state == HVSIM_CHAN_OPEN && ch->model->on_room)
        ch->model->on_room(ch);
    return HVW_OK;
}

int hvsim_vmbus_chan_send(struct hvsim_vmbus_chan *ch, const struct hvsim_packet_out *p)
{
    if (ch->info.state != HVSIM_CHAN_OPEN)
        return -1;
    bool signal = false;
    enum hring_result res = hring_write(&ch->in_ring, p, &signal);
    if (res == HRING_FULL)
        return 1;
    if (res != HRING_OK) {
        ch->info.ring_errors++;
        sim_log(ch->vb->sim, "vmbus: relid %u: write: %s", ch->info.relid, hring_result_name(res));
        return -1;
    }
    ch->info.packets_out++;
    if (signal)
        signal_guest(ch);
    return 0;
}

void hvsim_vmbus_chan_kick(struct hvsim_vmbus_chan *ch)
{
    if (ch->info.state != HVSIM_CHAN_OPEN || ch->vb->faults.stop_reading)
        return;
    chan_drain(ch);
    if (ch->info.state == HVSIM_CHAN_OPEN && ch->model->on_room)
        ch->model->on_room(ch);
}

struct hvsim *hvsim_vmbus_chan_sim(struct hvsim_vmbus_chan *ch) { return ch->vb->sim; }
void **hvsim_vmbus_chan_model_state(struct hvsim_vmbus_chan *ch) { return &ch->model_state; }
const void *hvsim_vmbus_chan_model_config(struct hvsim_vmbus_chan *ch) { return ch->model_config; }

struct hvsim_vmbus_chan *hvsim_vmbus_chan_find(struct hvsim_vmbus *vb, uint32_t relid)
{
    struct hvsim_vmbus_chan *ch = find_chan(vb, relid);
    return ch && ch->info.state == HVSIM_CHAN_OPEN ? ch : NULL;
}

const uint64_t *hvsim_vmbus_chan_gpadl(struct hvsim_vmbus_chan *ch, uint32_t handle, uint32_t *page_count)
{
    struct gpadl *g = find_gpadl(ch->vb, handle, true);
    if (!g || g->relid != ch->info.relid || g->in_use || !g->whole_pages)
        return NULL;
    *page_count = g->page_count;
    return g->pfns;
}
struct hvsim_vmbus_channel_info *hvsim_vmbus_chan_info(struct hvsim_vmbus_chan *ch) { return &ch->info; }
struct hvsim_vmbus_counters *hvsim_vmbus_chan_counters(struct hvsim_vmbus_chan *ch) { return &ch->vb->counters; }

void hvsim_vmbus_chan_log(struct hvsim_vmbus_chan *ch, const char *what)
{
    sim_log(ch->vb->sim, "vmbus: relid %u (%s): %s", ch->info.relid, ch->info.name, what);
}

/* ---- create, destroy, control ---- */

uint32_t hvsim_vmbus_offer(struct hvsim_vmbus *vb, const struct hvsim_vmbus_device *dev)
{
    if (!dev || (unsigned)dev->model >= HVSIM_VMBUS_MODEL_COUNT)
        return 0;
    uint32_t relid = free_relid(vb);
    if (relid == 0)
        return 0;
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++) {
        struct hvsim_vmbus_chan *ch = &vb->chans[i];
        if (ch->info.state != HVSIM_CHAN_FREE)
            continue;
        chan_clear(ch);
        chan_init(ch, relid, dev);
        if (vb->state == HVSIM_VMBUS_CONNECTED && vb->offers_requested)
            send_offer(vb, ch);
        return relid;
    }
    return 0;
}

int hvsim_vmbus_rescind(struct hvsim_vmbus *vb, uint32_t relid)
{
    struct hvsim_vmbus_chan *ch = find_chan(vb, relid);
    if (!ch || !chan_live(ch))
        return -1;
    chan_close(ch);
    if (!ch->info.offer_sent) { /* the guest never heard of it */
        chan_clear(ch);
        return 0;
    }
    ch->info.state = HVSIM_CHAN_RESCINDED;
    uint8_t m[VBW_RELID_MSG_SIZE] = { 0 };
    st32(m, VBW_HDR_TYPE, VBW_RESCIND_CHANNELOFFER);
    st32(m, VBW_RELID_AT, relid);
    send_msg(vb, m, sizeof(m));
    return 0;
}

static void apply_faults(struct hvsim_vmbus *vb, const struct hvsim_vmbus_faults *faults)
{
    vb->faults = *faults;
    vb->storm_until_ns = faults->busy_storm_ns ? hvsim_now_ns(vb->sim) + faults->busy_storm_ns : 0;
    vb->drops_left = faults->drop_posts;
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++)
        if (vb->chans[i].info.state == HVSIM_CHAN_OPEN)
            st32_release(vb->chans[i].out_ring.ctl, VBW_RING_MASK, faults->mask_interrupts ? 1 : 0);
}

void hvsim_vmbus_set_faults(struct hvsim_vmbus *vb, const struct hvsim_vmbus_faults *faults)
{
    bool resume = vb->faults.stop_reading && !faults->stop_reading;
    apply_faults(vb, faults);
    if (!resume)
        return;
    /* The host catches up: as if each channel had just been signalled. */
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++) {
        struct hvsim_vmbus_chan *ch = &vb->chans[i];
        if (ch->info.state != HVSIM_CHAN_OPEN)
            continue;
        chan_drain(ch);
        if (ch->info.state == HVSIM_CHAN_OPEN && ch->model->on_room)
            ch->model->on_room(ch);
    }
}

/* The Gen2 firmware's own connection before ExitBootServices (reference
 * section 3 and appendix A; mu_msvm): it negotiated its version (6.0 or
 * 3.0) on port 1, took the offers, and sent UNLOAD; the host answered and
 * forgot it. The guest then starts from a clean INITIATE_CONTACT. Played
 * on the host's state only: nothing reaches the guest's SynIC. */
static void firmware_connection(struct hvsim_vmbus *vb, uint32_t version)
{
    vb->state = HVSIM_VMBUS_CONNECTED;
    vb->version = version;
    vb->offers_requested = true;
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++)
        if (chan_live(&vb->chans[i]))
            vb->chans[i].info.offer_sent = true;
    reset_connection(vb);   /* the firmware's UNLOAD */
    vb->counters.firmware_unloads++;
    sim_log(vb->sim, "vmbus: the firmware's %u.%u connection was unloaded before the guest", version >> 16,
            version & 0xFFFF);
}

struct hvsim_vmbus *hvsim_vmbus_create(struct hvsim *sim, const struct hvsim_vmbus_config *cfg)
{
    if (!sim || !cfg || cfg->device_count > HVSIM_VMBUS_MAX_CHANNELS || (cfg->device_count && !cfg->devices) ||
        cfg->version_count > HVSIM_VMBUS_MAX_VERSIONS || cfg->first_relid > MAX_RELID ||
        cfg->event_conn_base > HVW_CONN_ID_BITS - MAX_RELID)
        return NULL;
    struct hvsim_vmbus *vb = calloc(1, sizeof(*vb));
    if (!vb)
        return NULL;
    vb->sim = sim;
    vb->cfg = *cfg;
    if (vb->cfg.flavor == HVSIM_VMBUS_QEMU)
        vb->cfg.event_conn_base = QEMU_EVENT_CONN_BASE;
    apply_faults(vb, &cfg->faults);
    vb->msg_sint = VBW_SINT;
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++)
        vb->chans[i].vb = vb;
    bool ok = hvsim_register_message_port(sim, VBW_CONN_MESSAGE, on_message, vb) == 0;
    if (ok && !is_qemu(vb))
        ok = hvsim_register_message_port(sim, VBW_CONN_MULTICLIENT, on_message, vb) == 0;
    for (uint32_t i = 0; ok && i < cfg->device_count; i++)
        ok = hvsim_vmbus_offer(vb, &cfg->devices[i]) != 0;
    vb->cfg.devices = NULL; /* copied into the channels; the caller's array may go */
    if (ok && cfg->firmware_version)
        firmware_connection(vb, cfg->firmware_version);
    if (!ok) {
        hvsim_vmbus_destroy(vb);
        return NULL;
    }
    return vb;
}

void hvsim_vmbus_destroy(struct hvsim_vmbus *vb)
{
    if (!vb)
        return;
    reset_connection(vb);
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_CHANNELS; i++)
        chan_clear(&vb->chans[i]);
    hvsim_unregister_message_port(vb->sim, VBW_CONN_MESSAGE);
    if (!is_qemu(vb))
        hvsim_unregister_message_port(vb->sim, VBW_CONN_MULTICLIENT);
    free(vb->outbox);
    free(vb);
}

/* ---- looking inside ---- */

bool hvsim_vmbus_channel(const struct hvsim_vmbus *vb, uint32_t relid, struct hvsim_vmbus_channel_info *out)
{
    const struct hvsim_vmbus_chan *ch = find_chan((struct hvsim_vmbus *)vb, relid);
    if (!ch)
        return false;
    *out = ch->info;
    return true;
}

/* The index-th live GPADL in creation order. */
static const struct gpadl *gpadl_by_order(const struct hvsim_vmbus *vb, uint32_t index)
{
    uint64_t last = 0;
    const struct gpadl *found = NULL;
    for (uint32_t n = 0; n <= index; n++) {
        found = NULL;
        for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_GPADLS; i++) {
            const struct gpadl *g = &vb->gpadls[i];
            if (g->used && (n == 0 || g->seq > last) && (!found || g->seq < found->seq))
                found = g;
        }
        if (!found)
            return NULL;
        last = found->seq;
    }
    return found;
}

bool hvsim_vmbus_gpadl_at(const struct hvsim_vmbus *vb, uint32_t index, struct hvsim_vmbus_gpadl_info *out)
{
    const struct gpadl *g = gpadl_by_order(vb, index);
    if (!g)
        return false;
    *out = (struct hvsim_vmbus_gpadl_info){
        .handle = g->handle, .relid = g->relid, .range_count = g->range_count,
        .page_count = g->page_count, .created = g->created, .in_use = g->in_use,
    };
    return true;
}

uint32_t hvsim_vmbus_gpadl_count(const struct hvsim_vmbus *vb)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < HVSIM_VMBUS_MAX_GPADLS; i++)
        n += vb->gpadls[i].used;
    return n;
}

void hvsim_vmbus_get_counters(const struct hvsim_vmbus *vb, struct hvsim_vmbus_counters *out)
{
    *out = vb->counters;
}

enum hvsim_vmbus_conn_state hvsim_vmbus_conn_state(const struct hvsim_vmbus *vb) { return vb->state; }

bool hvsim_vmbus_client_id(const struct hvsim_vmbus *vb, struct hvsim_guid *out)
{
    if (vb->client_id_given)
        *out = vb->client_id;
    return vb->client_id_given;
}

uint32_t hvsim_vmbus_errors(const struct hvsim_vmbus *vb, struct hvsim_vmbus_error *out, uint32_t max)
{
    uint32_t n = vb->error_kinds < max ? vb->error_kinds : max;
    for (uint32_t i = 0; i < n; i++)
        out[i] = vb->errors[i];
    return vb->error_kinds;
}

uint64_t hvsim_vmbus_error_count(const struct hvsim_vmbus *vb, const char *what)
{
    for (uint32_t i = 0; i < vb->error_kinds; i++)
        if (strcmp(vb->errors[i].what, what) == 0)
            return vb->errors[i].count;
    return 0;
}
uint32_t hvsim_vmbus_version(const struct hvsim_vmbus *vb) { return vb->version; }
