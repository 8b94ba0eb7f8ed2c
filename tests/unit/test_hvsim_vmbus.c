/* hvsim's VMBus host, driven the way a minimal guest drives it: messages
 * posted with HvPostMessage from an input block in guest memory, replies
 * read from SIM slot 2 (then the slot emptied and EOM written when
 * pending), channel signals through HvSignalEvent and SIEF array 2, and the
 * rings handled with vmbus/ring.c from the guest's side. */
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/vmbus_test_guest.h"
#include "tests/unit/check.h"
#include "vmbus/gpadl_msgs.h"
#include "vmbus/ring.h"

#define RING_GPA   0x100000ull   /* guest pages for rings and buffers from here */
#define PAGE       4096u

/* The guest's spelling of the classes (vmbus_msgs.h) and the host's
 * (hvsim's own GUID bytes): the offer tests check that they agree. */
static const struct vmbus_guid echo_class = VMBUS_GUID(0x68767274u, 0x0001, 0x4563, 0x8000, 0x6563686f0000ull);
static const struct vmbus_guid heartbeat_class = VMBUS_CLASS_HEARTBEAT;
static const struct vmbus_guid heartbeat_instance = VMBUS_INSTANCE_HEARTBEAT;
static const struct hvsim_guid host_heartbeat_class =
    HVSIM_GUID(0x57164f39u, 0x9115, 0x4e78, 0xab55, 0x382f3bd5422dull);
static const struct hvsim_guid host_heartbeat_instance =
    HVSIM_GUID(0xfd149e91u, 0x82e0, 0x4a7d, 0xafa6, 0x2a4166cbd7c0ull);

/* ---- the mini guest ---- */

static struct hvsim_vmbus_device dev_echo(void)
{
    return (struct hvsim_vmbus_device){ .model = HVSIM_VMBUS_ECHO };
}

static void guest_up(struct guest *g, const struct hvsim_vmbus_config *cfg)
{
    g->sim = tg_create(NULL);
    tg_enable_hypercalls(g->sim);
    tg_enable_synic(g->sim, 0);
    tg_set_sint(g->sim, 0, VMBUS_SINT, 0x41, 0);
    g->vb = hvsim_vmbus_create(g->sim, cfg);
}

static void guest_down(struct guest *g)
{
    hvsim_vmbus_destroy(g->vb);
    hvsim_destroy(g->sim);
}

static uint16_t post_header(struct guest *g, uint32_t type)
{
    struct vmbus_msg_header h = { .type = type };
    return post(g, VMBUS_CONNID_MESSAGE, &h, sizeof(h));
}

static uint32_t drain_msgs(struct guest *g)
{
    struct msg m;
    uint32_t n = 0;
    while (recv_msg(g, &m))
        n++;
    return n;
}

static bool contact(struct guest *g, uint32_t conn_id, uint32_t version, struct msg *reply)
{
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof(c));
    c.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    c.version = version;
    if (version >= VMBUS_VERSION_WIN10_V5)
        c.msg_sint = VMBUS_SINT;
    if (post(g, conn_id, &c, VMBUS_MSG_INITIATE_CONTACT_SIZE) != HV_STATUS_SUCCESS)
        return false;
    return recv_msg(g, reply) && msg_type(reply) == VMBUS_MSG_VERSION_RESPONSE;
}

/* Contact + REQUESTOFFERS, offers and ALLOFFERS_DELIVERED swallowed. */
static void connect_and_offers(struct guest *g, uint32_t version)
{
    struct msg m;
    contact(g, VMBUS_CONNID_MESSAGE, version, &m);
    post_header(g, VMBUS_MSG_REQUESTOFFERS);
    drain_msgs(g);
}

static uint64_t pfn_of(uint64_t gpa) { return gpa >> 12; }

/* GPADL of count pages from gpa; returns the GPADL_CREATED status, or -1
 * when no GPADL_CREATED came. */
static long create_gpadl_pfns(struct guest *g, uint32_t relid, uint32_t handle, const uint64_t *pfns,
                              uint32_t count)
{
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    uint32_t n = gpadl_msgs_count(count);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = gpadl_msg_build(i, relid, handle, pfns, count, buf);
        if (len == 0 || post(g, VMBUS_CONNID_MESSAGE, buf, len) != HV_STATUS_SUCCESS)
            return -2;
    }
    struct msg m;
    if (!recv_msg(g, &m) || msg_type(&m) != VMBUS_MSG_GPADL_CREATED)
        return -1;
    struct vmbus_msg_gpadl_created c;
    memcpy(&c, m.data, sizeof(c));
    if (c.gpadl != handle || c.child_relid != relid)
        return -3;
    return c.status;
}

static long create_gpadl(struct guest *g, uint32_t relid, uint32_t handle, uint64_t gpa, uint32_t count)
{
    uint64_t *pfns = calloc(count, sizeof(uint64_t));
    for (uint32_t i = 0; i < count; i++)
        pfns[i] = pfn_of(gpa) + i;
    long st = create_gpadl_pfns(g, relid, handle, pfns, count);
    free(pfns);
    return st;
}

/* A channel as the guest sees it. */
struct gchan {
    uint32_t relid, conn_id, gpadl;
    struct vmbus_ring out, in;
};

/* Rings of out_pages + in_pages data pages (each with a control page) at
 * gpa, GPADL, OPENCHANNEL; returns the OPENCHANNEL_RESULT status or -1. */
static long open_chan(struct guest *g, struct gchan *c, uint32_t relid, uint32_t handle, uint64_t gpa,
                      uint32_t out_pages, uint32_t in_pages)
{
    struct hvsim_vmbus_channel_info info;
    if (!hvsim_vmbus_channel(g->vb, relid, &info))
        return -2;
    c->relid = relid;
    c->conn_id = info.connection_id;
    c->gpadl = handle;
    uint8_t *base = hvsim_gpa_to_host(g->sim, gpa, (uint64_t)(out_pages + in_pages + 2) * PAGE);
    uint8_t *in_base = base + (uint64_t)(1 + out_pages) * PAGE;
    vmbus_ring_init(&c->out, base, base + PAGE, out_pages * PAGE);
    vmbus_ring_init(&c->in, in_base, in_base + PAGE, in_pages * PAGE);
    long st = create_gpadl(g, relid, handle, gpa, out_pages + in_pages + 2);
    if (st != 0)
        return -3;
    struct vmbus_msg_open_channel o;
    memset(&o, 0, sizeof(o));
    o.hdr.type = VMBUS_MSG_OPENCHANNEL;
    o.child_relid = relid;
    o.open_id = relid + 100;
    o.ring_gpadl = handle;
    o.target_vp = 0;
    o.downstream_page_offset = 1 + out_pages;
    post(g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    struct msg m;
    if (!recv_msg(g, &m) || msg_type(&m) != VMBUS_MSG_OPENCHANNEL_RESULT)
        return -1;
    struct vmbus_msg_open_result r;
    memcpy(&r, m.data, sizeof(r));
    if (r.child_relid != relid || r.open_id != relid + 100)
        return -4;
    return r.status;
}

static uint16_t signal_host(struct guest *g, uint32_t conn_id)
{
    return hvsim_result_status(hvsim_hypercall_fast(g->sim, 0, HV_CALL_SIGNAL_EVENT, conn_id, 0));
}

/* Test-and-clear the channel's SIEF bit, as the guest's ISR would. */
static bool take_event(struct guest *g, uint32_t relid)
{
    uint8_t *sief = tg_sief(g->sim, 0, VMBUS_SINT);
    uint8_t bit = (uint8_t)(1u << (relid % 8));
    bool set = sief[relid / 8] & bit;
    sief[relid / 8] &= (uint8_t)~bit;
    return set;
}

static bool send_inband(struct guest *g, struct gchan *c, uint64_t tid, bool comp, const void *p, uint32_t len)
{
    bool sig = false;
    if (vmbus_ring_write_inband(&c->out, tid, comp, p, len, &sig) != VMBUS_RING_OK)
        return false;
    if (sig)
        signal_host(g, c->conn_id);
    return true;
}

static struct hvsim_vmbus_counters counters(struct guest *g)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(g->vb, &c);
    return c;
}

/* ---- negotiation ---- */

static void test_hyperv_negotiation(void)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    struct vmbus_msg_version_response r;

    /* 6.0 is above the default 5.3: refused, exact 16 bytes. */
    CHECK(contact(&g, VMBUS_CONNID_MULTICLIENT, VMBUS_VERSION_COPPER, &m), "reply to 6.0");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 0);
    CHECK_EQ(m.size, 20);  /* a 6.0 request gets the 6.0 size */
    CHECK_EQ(hvsim_vmbus_conn_state(g.vb), HVSIM_VMBUS_DISCONNECTED);

    /* 5.3 on port 4: accepted, message connection id 4 at offset 12. */
    CHECK(contact(&g, VMBUS_CONNID_MULTICLIENT, VMBUS_VERSION_WIN10_V5_3, &m), "reply to 5.3");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(m.size, 16);
    CHECK_EQ(r.version_supported, 1);
    CHECK_EQ(r.connection_state, 0);
    CHECK_EQ(r.msg_conn_id, VMBUS_CONNID_MULTICLIENT);
    CHECK_EQ(hvsim_vmbus_version(g.vb), VMBUS_VERSION_WIN10_V5_3);

    /* 5.0 on port 1: the id it came in on. */
    CHECK(contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10_V5, &m), "reply to 5.0");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 1);
    CHECK_EQ(r.msg_conn_id, VMBUS_CONNID_MESSAGE);

    /* Below 5.0 the field holds the version. */
    CHECK(contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN8_1, &m), "reply to 3.0");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 1);
    CHECK_EQ(r.msg_conn_id, VMBUS_VERSION_WIN8_1);

    /* A version nobody defined. */
    CHECK(contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION(3, 7), &m), "reply to 3.7");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 0);
    CHECK_EQ(hvsim_vmbus_conn_state(g.vb), HVSIM_VMBUS_DISCONNECTED);
    CHECK_EQ(counters(&g).msgs_in[VMBUS_MSG_INITIATE_CONTACT], 5);
    CHECK_EQ(counters(&g).msgs_out[VMBUS_MSG_VERSION_RESPONSE], 5);
    guest_down(&g);
}

static void test_hyperv_6_0_features_and_announced_id(void)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.max_version = VMBUS_VERSION_COPPER;
    cfg.supported_features = VMBUS_FEATURE_GUEST_SIGNAL_PARAMS | VMBUS_FEATURE_MODIFY_CONNECTION;
    cfg.msg_conn_id = 0x800;
    struct guest g;
    guest_up(&g, &cfg);
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof(c));
    c.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    c.version = VMBUS_VERSION_COPPER;
    c.msg_sint = VMBUS_SINT;
    c.feature_flags = VMBUS_FEATURE_MODIFY_CONNECTION | VMBUS_FEATURE_CLIENT_ID;
    CHECK_EQ(post(&g, VMBUS_CONNID_MULTICLIENT, &c, VMBUS_MSG_INITIATE_CONTACT_SIZE), HV_STATUS_SUCCESS);
    struct msg m;
    CHECK(recv_msg(&g, &m), "VERSION_RESPONSE");
    struct vmbus_msg_version_response r;
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(m.size, VMBUS_MSG_VERSION_RESPONSE_MIN_SIZE_V6);
    CHECK_EQ(r.version_supported, 1);
    CHECK_EQ(r.msg_conn_id, 0x800);
    CHECK_EQ(r.supported_features, VMBUS_FEATURE_MODIFY_CONNECTION);
    /* The announced id works for later messages. */
    struct vmbus_msg_header h = { .type = VMBUS_MSG_REQUESTOFFERS };
    CHECK_EQ(post(&g, 0x800, &h, sizeof(h)), HV_STATUS_SUCCESS);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_ALLOFFERS_DELIVERED, "ALLOFFERS via 0x800");
    guest_down(&g);
}

static void test_qemu_negotiation(void)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_QEMU);
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof(c));
    c.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    c.version = VMBUS_VERSION_WIN10_V5;
    CHECK_EQ(post(&g, VMBUS_CONNID_MULTICLIENT, &c, VMBUS_MSG_INITIATE_CONTACT_SIZE),
             HV_STATUS_INVALID_CONNECTION_ID);
    CHECK(!recv_msg(&g, &m), "nothing for a post that failed");

    CHECK(contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10_V5, &m), "reply to 5.0 on 1");
    struct vmbus_msg_version_response r;
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 0);

    CHECK(contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m), "reply to 4.0");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(m.size, 16);
    CHECK_EQ(r.version_supported, 1);
    CHECK_EQ(r.connection_state, 0);
    CHECK_EQ(r.msg_conn_id, 0); /* QEMU has no id field */
    CHECK_EQ(hvsim_vmbus_version(g.vb), VMBUS_VERSION_WIN10);
    guest_down(&g);
}

static void test_configured_version_list(void)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.versions[0] = VMBUS_VERSION_WIN8;
    cfg.version_count = 1;
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    struct vmbus_msg_version_response r;
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m);
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 0);
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN8, &m);
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 1);
    guest_down(&g);

    /* No list: every known version up to the maximum. */
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.version_count = 0;
    cfg.max_version = VMBUS_VERSION_WIN10_V4_1;
    guest_up(&g, &cfg);
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10_V4_1, &m);
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 1);
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10_V5, &m);
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.version_supported, 0);
    guest_down(&g);
}

static void test_garbage_is_counted(void)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    struct guest g;
    guest_up(&g, &cfg);
    /* Before contact: REQUESTOFFERS is a protocol error, no reply. */
    CHECK_EQ(post_header(&g, VMBUS_MSG_REQUESTOFFERS), HV_STATUS_SUCCESS);
    CHECK_EQ(counters(&g).protocol_errors, 1);
    /* Unknown type, a host->guest type, a short message, a wrong post type. */
    post_header(&g, 99);
    post_header(&g, VMBUS_MSG_OFFERCHANNEL);
    uint8_t four[4] = { 14, 0, 0, 0 };
    post(&g, VMBUS_CONNID_MESSAGE, four, 4);
    struct vmbus_msg_header h = { .type = VMBUS_MSG_INITIATE_CONTACT };
    post(&g, VMBUS_CONNID_MESSAGE, &h, sizeof(h)); /* 8 bytes: short */
    struct hv_post_message_input *in = hvsim_gpa_to_host(g.sim, TG_INPUT_GPA, sizeof(*in));
    memset(in, 0, sizeof(*in));
    in->connection_id = 1;
    in->message_type = 7;
    in->payload_size = 8;
    hvsim_hypercall(g.sim, 0, HV_CALL_POST_MESSAGE, TG_INPUT_GPA, 0);
    struct hvsim_vmbus_counters c = counters(&g);
    CHECK_EQ(c.unknown_msgs, 2);
    CHECK_EQ(c.short_msgs, 2);
    CHECK_EQ(c.bad_post_type, 1);
    CHECK_EQ(drain_msgs(&g), 0);

    /* Random messages of every type and size: never a crash, never a sanitizer report. */
    connect_and_offers(&g, VMBUS_VERSION_WIN10);
    srand(7);
    for (int i = 0; i < 20000; i++) {
        uint8_t buf[VMBUS_MSG_MAX_SIZE];
        for (size_t k = 0; k < sizeof(buf); k++)
            buf[k] = (uint8_t)rand();
        uint32_t type = 1 + (uint32_t)rand() % 20;
        if (type == VMBUS_MSG_INITIATE_CONTACT || type == VMBUS_MSG_UNLOAD)
            type = VMBUS_MSG_GPADL_BODY;
        memcpy(buf, &type, 4);
        uint32_t size = (uint32_t)rand() % (VMBUS_MSG_MAX_SIZE + 1);
        if (size < 8)
            size = 8;
        post(&g, VMBUS_CONNID_MESSAGE, buf, size);
        drain_msgs(&g);
    }
    CHECK(counters(&g).protocol_errors > 100, "random messages counted as errors");
    guest_down(&g);
}

/* ---- offers ---- */

static void test_offers_hyperv(void)
{
    struct hvsim_vmbus_device devs[2] = {
        dev_echo(),
        { .model = HVSIM_VMBUS_INERT, .class_id = &host_heartbeat_class, .instance_id = &host_heartbeat_instance,
          .name = "heartbeat", .offer_flags = VMBUS_OFFER_FLAG_NAMED_PIPE, .sub_channel_index = 0 },
    };
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.devices = devs;
    cfg.device_count = 2;
    cfg.first_relid = 5;
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m);
    CHECK_EQ(post_header(&g, VMBUS_MSG_REQUESTOFFERS), HV_STATUS_SUCCESS);

    struct vmbus_msg_offer o;
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "first offer");
    CHECK_EQ(m.size, 196);
    memcpy(&o, m.data, sizeof(o));
    CHECK(vmbus_guid_equal(&o.type, &echo_class), "echo class");
    CHECK_EQ(o.child_relid, 5);
    CHECK_EQ(o.instance.data1, 5);
    CHECK_EQ(o.connection_id, 0x10000 + 5);
    CHECK_EQ(o.sub_channel_index, 0);
    CHECK_EQ(o.monitor_allocated, 0);
    CHECK_EQ(o.is_dedicated_interrupt, 0);

    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "second offer");
    memcpy(&o, m.data, sizeof(o));
    CHECK(vmbus_guid_equal(&o.type, &heartbeat_class), "heartbeat class");
    CHECK(vmbus_guid_equal(&o.instance, &heartbeat_instance), "heartbeat instance");
    CHECK_EQ(o.child_relid, 6);
    CHECK_EQ(o.flags, VMBUS_OFFER_FLAG_NAMED_PIPE);

    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_ALLOFFERS_DELIVERED, "ALLOFFERS_DELIVERED");
    CHECK_EQ(m.size, 8);
    CHECK(!recv_msg(&g, &m), "nothing more");

    struct hvsim_vmbus_channel_info info;
    CHECK(hvsim_vmbus_channel(g.vb, 6, &info), "relid 6");
    CHECK_EQ(info.state, HVSIM_CHAN_OFFERED);
    CHECK(info.offer_sent, "offer sent");
    CHECK(strcmp(info.name, "heartbeat") == 0, "name");
    CHECK(!hvsim_vmbus_channel(g.vb, 7, &info), "no relid 7");

    /* A device offered later arrives at once. */
    struct hvsim_vmbus_device late = { .model = HVSIM_VMBUS_SINK };
    CHECK_EQ(hvsim_vmbus_offer(g.vb, &late), 7);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "late offer");
    memcpy(&o, m.data, sizeof(o));
    CHECK_EQ(o.child_relid, 7);
    guest_down(&g);
}

static void test_offers_qemu_and_old_version(void)
{
    struct hvsim_vmbus_device devs[2] = { dev_echo(), dev_echo() };
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_QEMU);
    cfg.devices = devs;
    cfg.device_count = 2;
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m);
    post_header(&g, VMBUS_MSG_REQUESTOFFERS);
    for (uint32_t relid = 1; relid <= 2; relid++) {
        struct vmbus_msg_offer o;
        CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "offer");
        CHECK_EQ(m.size, 200);
        CHECK_EQ(m.data[196] | m.data[197] | m.data[198] | m.data[199], 0);
        memcpy(&o, m.data, sizeof(o));
        CHECK_EQ(o.child_relid, relid);
        CHECK_EQ(o.connection_id, 16 + relid);
        CHECK_EQ(o.is_dedicated_interrupt, 1);
    }
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_ALLOFFERS_DELIVERED, "ALLOFFERS_DELIVERED");
    CHECK_EQ(m.size, 8);
    guest_down(&g);

    /* Hyper-V flavour at 0.13: offers end before is_dedicated_interrupt. */
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.devices = devs;
    cfg.device_count = 1;
    guest_up(&g, &cfg);
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WS2008, &m);
    post_header(&g, VMBUS_MSG_REQUESTOFFERS);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "0.13 offer");
    CHECK_EQ(m.size, VMBUS_MSG_OFFER_MIN_SIZE_V1);
    guest_down(&g);
}

static void test_many_offers_wait_for_the_queue(void)
{
    /* 40 offers + ALLOFFERS is more than the 16-message SINT queue: the host
     * keeps the rest and retries; nothing is lost or reordered. */
    struct hvsim_vmbus_device devs[40];
    for (int i = 0; i < 40; i++)
        devs[i] = dev_echo();
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.devices = devs;
    cfg.device_count = 40;
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m);
    post_header(&g, VMBUS_MSG_REQUESTOFFERS);
    uint32_t next_relid = 1;
    bool all = false;
    for (int round = 0; round < 100 && !all; round++) {
        while (recv_msg(&g, &m)) {
            if (msg_type(&m) == VMBUS_MSG_ALLOFFERS_DELIVERED) {
                all = true;
                break;
            }
            struct vmbus_msg_offer o;
            memcpy(&o, m.data, sizeof(o));
            CHECK_EQ(o.child_relid, next_relid);
            next_relid++;
        }
        hvsim_advance_ns(g.sim, 1000);
    }
    CHECK(all, "ALLOFFERS_DELIVERED arrived");
    CHECK_EQ(next_relid, 41);
    CHECK(counters(&g).post_retries > 0, "the queue filled up");
    guest_down(&g);
}

/* ---- GPADLs ---- */

static struct hvsim_vmbus_config one_echo_cfg(enum hvsim_vmbus_flavor flavor, struct hvsim_vmbus_device *dev)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, flavor);
    *dev = dev_echo();
    cfg.devices = dev;
    cfg.device_count = 1;
    return cfg;
}

/* One echo device, offered by a host of this flavour, connected at 4.0. */
static void echo_guest_up(struct guest *g, enum hvsim_vmbus_flavor flavor)
{
    static struct hvsim_vmbus_device dev;
    struct hvsim_vmbus_config cfg = one_echo_cfg(flavor, &dev);
    guest_up(g, &cfg);
    connect_and_offers(g, VMBUS_VERSION_WIN10);
}

static void test_gpadl_sizes(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    static const uint32_t sizes[] = { 1, 26, 27, 55, 300 };
    for (uint32_t i = 0; i < 5; i++) {
        uint32_t handle = 0xE1E10 + i;
        CHECK_EQ(create_gpadl(&g, 1, handle, RING_GPA + i * 0x200000ull, sizes[i]), 0);
        struct hvsim_vmbus_gpadl_info gi;
        CHECK(hvsim_vmbus_gpadl_at(g.vb, i, &gi), "gpadl %u listed", i);
        CHECK_EQ(gi.handle, handle);
        CHECK_EQ(gi.relid, 1);
        CHECK_EQ(gi.page_count, sizes[i]);
        CHECK_EQ(gi.range_count, 1);
        CHECK(gi.created, "created");
    }
    CHECK_EQ(hvsim_vmbus_gpadl_count(g.vb), 5);
    CHECK_EQ(counters(&g).gpadls_created, 5);
    CHECK_EQ(counters(&g).msgs_in[VMBUS_MSG_GPADL_BODY], 0 + 0 + 1 + 2 + 10);

    /* Non-contiguous pages are fine for a GPADL. */
    uint64_t pfns[3] = { pfn_of(RING_GPA) + 7, pfn_of(RING_GPA) + 3, pfn_of(RING_GPA) + 100 };
    CHECK_EQ(create_gpadl_pfns(&g, 1, 0x77, pfns, 3), 0);

    /* Teardown: TORNDOWN with the handle, gone from the list. */
    struct vmbus_msg_gpadl_teardown t = { .hdr.type = VMBUS_MSG_GPADL_TEARDOWN, .child_relid = 1, .gpadl = 0x77 };
    post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t));
    struct msg m;
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_TORNDOWN, "TORNDOWN");
    CHECK_EQ(m.size, 12);
    struct vmbus_msg_gpadl_torndown td;
    memcpy(&td, m.data, sizeof(td));
    CHECK_EQ(td.gpadl, 0x77);
    CHECK_EQ(hvsim_vmbus_gpadl_count(g.vb), 5);
    /* Tearing it down again: an error, no reply. */
    post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t));
    CHECK(!recv_msg(&g, &m), "no second TORNDOWN");
    CHECK_EQ(counters(&g).protocol_errors, 1);
    guest_down(&g);
}

static void test_gpadl_failures(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    CHECK_EQ(create_gpadl(&g, 1, 0x100, RING_GPA, 4), 0);
    /* Duplicate handle (the first stays). */
    CHECK_EQ(create_gpadl(&g, 1, 0x100, RING_GPA + 0x10000, 30), HVSIM_VMBUS_GPADL_FAILED);
    /* Unknown relid, with body messages that must not count as strays. */
    CHECK_EQ(create_gpadl(&g, 9, 0x101, RING_GPA, 55), HVSIM_VMBUS_GPADL_FAILED);
    /* Handle 0. */
    CHECK_EQ(create_gpadl(&g, 1, 0, RING_GPA, 2), HVSIM_VMBUS_GPADL_FAILED);
    /* A PFN past the end of RAM (16 MiB), in a body message. */
    uint64_t pfns[40];
    for (int i = 0; i < 40; i++)
        pfns[i] = pfn_of(RING_GPA) + i;
    pfns[33] = (16ull << 20) >> 12;
    CHECK_EQ(create_gpadl_pfns(&g, 1, 0x102, pfns, 40), HVSIM_VMBUS_GPADL_FAILED);
    pfns[33] = UINT64_MAX; /* overflows when shifted */
    CHECK_EQ(create_gpadl_pfns(&g, 1, 0x103, pfns, 40), HVSIM_VMBUS_GPADL_FAILED);
    CHECK_EQ(counters(&g).protocol_errors, 0);

    /* range_buflen says 3 PFNs, the range needs 2: inconsistent. */
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    struct vmbus_msg_gpadl_header h = { .hdr.type = VMBUS_MSG_GPADL_HEADER, .child_relid = 1, .gpadl = 0x104,
                                        .range_buflen = 8 + 3 * 8, .range_count = 1 };
    struct vmbus_gpa_range r = { .byte_count = 2 * PAGE, .byte_offset = 0 };
    uint64_t three[3] = { pfn_of(RING_GPA), pfn_of(RING_GPA) + 1, pfn_of(RING_GPA) + 2 };
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + 20, &r, sizeof(r));
    memcpy(buf + 28, three, sizeof(three));
    post(&g, VMBUS_CONNID_MESSAGE, buf, 28 + 24);
    struct msg m;
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_CREATED, "reply to a bad buflen");
    struct vmbus_msg_gpadl_created c;
    memcpy(&c, m.data, sizeof(c));
    CHECK_EQ(c.status, HVSIM_VMBUS_GPADL_FAILED);

    /* Too many bytes: header says 16, carries 24. */
    h.gpadl = 0x105;
    h.range_buflen = 16;
    memcpy(buf, &h, sizeof(h));
    post(&g, VMBUS_CONNID_MESSAGE, buf, 28 + 24);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_CREATED, "reply to extra bytes");
    memcpy(&c, m.data, sizeof(c));
    CHECK_EQ(c.status, HVSIM_VMBUS_GPADL_FAILED);

    /* Two ranges, the second with an offset: fine on Hyper-V. */
    h.gpadl = 0x106;
    h.range_count = 2;
    h.range_buflen = 16 + 24;
    struct vmbus_gpa_range r2 = { .byte_count = 100, .byte_offset = 4000 }; /* spans 2 pages */
    memcpy(buf, &h, sizeof(h));
    r.byte_count = PAGE;
    memcpy(buf + 20, &r, 8);
    memcpy(buf + 28, &three[0], 8);
    memcpy(buf + 36, &r2, 8);
    memcpy(buf + 44, &three[1], 16);
    post(&g, VMBUS_CONNID_MESSAGE, buf, 60);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_CREATED, "reply to two ranges");
    memcpy(&c, m.data, sizeof(c));
    CHECK_EQ(c.status, 0);

    /* A body for no GPADL in progress. */
    struct vmbus_msg_gpadl_body b = { .hdr.type = VMBUS_MSG_GPADL_BODY, .gpadl = 0x999 };
    post(&g, VMBUS_CONNID_MESSAGE, &b, sizeof(b));
    CHECK_EQ(counters(&g).protocol_errors, 1);
    CHECK_EQ(hvsim_vmbus_gpadl_count(g.vb), 2);
    CHECK_EQ(counters(&g).gpadls_failed, 7);
    guest_down(&g);
}

static void test_gpadl_qemu_shapes(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_QEMU);
    /* Single range of whole pages: created, GPADL_CREATED rounded to 24. */
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    uint64_t pfn = pfn_of(RING_GPA);
    uint32_t len = gpadl_msg_build(0, 1, 0x10, &pfn, 1, buf);
    post(&g, VMBUS_CONNID_MESSAGE, buf, len);
    struct msg m;
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_CREATED, "created");
    CHECK_EQ(m.size, 24);

    /* Offset 16 or a short byte_count: silently ignored. */
    struct vmbus_msg_gpadl_header h = { .hdr.type = VMBUS_MSG_GPADL_HEADER, .child_relid = 1, .gpadl = 0x11,
                                        .range_buflen = 16, .range_count = 1 };
    struct vmbus_gpa_range r = { .byte_count = 100, .byte_offset = 16 };
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + 20, &r, 8);
    memcpy(buf + 28, &pfn, 8);
    post(&g, VMBUS_CONNID_MESSAGE, buf, 36);
    CHECK(!recv_msg(&g, &m), "offset range ignored");
    /* Two ranges: ignored too. */
    h.gpadl = 0x12;
    h.range_count = 2;
    h.range_buflen = 32;
    r.byte_offset = 0;
    r.byte_count = PAGE;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + 20, &r, 8);
    memcpy(buf + 28, &pfn, 8);
    memcpy(buf + 36, &r, 8);
    memcpy(buf + 44, &pfn, 8);
    post(&g, VMBUS_CONNID_MESSAGE, buf, 52);
    CHECK(!recv_msg(&g, &m), "two ranges ignored");
    CHECK_EQ(counters(&g).gpadls_ignored, 2);
    CHECK_EQ(hvsim_vmbus_gpadl_count(g.vb), 1);

    /* TORNDOWN rounded to 16. */
    struct vmbus_msg_gpadl_teardown t = { .hdr.type = VMBUS_MSG_GPADL_TEARDOWN, .child_relid = 1, .gpadl = 0x10 };
    post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t));
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_TORNDOWN, "torndown");
    CHECK_EQ(m.size, 16);
    guest_down(&g);
}

static void test_gpadl_ignored_by_fault(void)
{
    struct hvsim_vmbus_device dev;
    struct hvsim_vmbus_config cfg = one_echo_cfg(HVSIM_VMBUS_HYPERV, &dev);
    cfg.faults.ignore_gpadl = true;
    struct guest g;
    guest_up(&g, &cfg);
    connect_and_offers(&g, VMBUS_VERSION_WIN10);
    CHECK_EQ(create_gpadl(&g, 1, 0x20, RING_GPA, 3), -1);
    CHECK_EQ(hvsim_vmbus_gpadl_count(g.vb), 1);
    struct hvsim_vmbus_faults none = {0};
    hvsim_vmbus_set_faults(g.vb, &none);
    CHECK_EQ(create_gpadl(&g, 1, 0x21, RING_GPA, 3), 0);
    guest_down(&g);
}

/* ---- channels ---- */

static void test_open_echo_close(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0xE1E10, RING_GPA, 4, 4), 0);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.state, HVSIM_CHAN_OPEN);
    CHECK_EQ(info.out_ring_size, 4 * PAGE);
    CHECK_EQ(info.in_ring_size, 4 * PAGE);
    CHECK_EQ(info.ring_gpadl, 0xE1E10);
    struct hvsim_vmbus_gpadl_info gi;
    hvsim_vmbus_gpadl_at(g.vb, 0, &gi);
    CHECK(gi.in_use, "ring GPADL in use");

    /* INBAND round trip. */
    CHECK(send_inband(&g, &c, 42, false, "hello, host", 11), "write");
    CHECK(take_event(&g, 1), "SIEF bit for relid 1");
    uint8_t buf[8192];
    struct vmbus_packet pkt = { 0 };   /* a failed read leaves it empty, not garbage */
    CHECK_EQ(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.type, VMBUS_PACKET_DATA_INBAND);
    CHECK_EQ(pkt.transaction_id, 42);
    CHECK_EQ(pkt.payload_len, 16);
    CHECK(pkt.payload && memcmp(pkt.payload, "hello, host", 11) == 0, "payload echoed");
    bool sig;
    vmbus_ring_commit(&c.in, &sig);
    CHECK(!sig, "no reader signal: the host was not blocked");

    /* Completion requested: a COMP with the same id and payload. */
    CHECK(send_inband(&g, &c, 43, true, "ping", 4), "write");
    CHECK(take_event(&g, 1), "SIEF bit again");
    CHECK_EQ(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.type, VMBUS_PACKET_COMP);
    CHECK_EQ(pkt.transaction_id, 43);
    CHECK(pkt.payload && memcmp(pkt.payload, "ping", 4) == 0, "payload in the completion");
    vmbus_ring_commit(&c.in, &sig);

    /* Guest masks its inbound interrupts: the host writes but does not signal. */
    vmbus_ring_mask_interrupts(&c.in);
    send_inband(&g, &c, 44, false, "quiet", 5);
    CHECK(!take_event(&g, 1), "no signal while masked");
    CHECK(vmbus_ring_unmask_interrupts(&c.in), "data arrived meanwhile");
    CHECK_EQ(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.transaction_id, 44);
    vmbus_ring_commit(&c.in, &sig);

    struct hvsim_vmbus_counters k = counters(&g);
    CHECK_EQ(k.packets_echoed, 3);
    CHECK_EQ(k.signals_from_guest, 3);
    CHECK_EQ(k.signals_to_guest, 2);
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.packets_in, 3);
    CHECK_EQ(info.packets_out, 3);

    /* Close: no reply, state CLOSED, the event port is gone. */
    struct vmbus_msg_close_channel cl = { .hdr.type = VMBUS_MSG_CLOSECHANNEL, .child_relid = 1 };
    post(&g, VMBUS_CONNID_MESSAGE, &cl, sizeof(cl));
    struct msg m;
    CHECK(!recv_msg(&g, &m), "CLOSECHANNEL has no reply");
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.state, HVSIM_CHAN_CLOSED);
    CHECK_EQ(signal_host(&g, c.conn_id), HV_STATUS_INVALID_CONNECTION_ID);
    hvsim_vmbus_gpadl_at(g.vb, 0, &gi);
    CHECK(!gi.in_use, "ring GPADL free again");
    /* Closing twice is an error. */
    post(&g, VMBUS_CONNID_MESSAGE, &cl, sizeof(cl));
    CHECK_EQ(counters(&g).protocol_errors, 1);

    /* Reopen on the same GPADL works. */
    struct vmbus_msg_open_channel o;
    memset(&o, 0, sizeof(o));
    o.hdr.type = VMBUS_MSG_OPENCHANNEL;
    o.child_relid = 1;
    o.ring_gpadl = 0xE1E10;
    o.downstream_page_offset = 5;
    post(&g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OPENCHANNEL_RESULT, "reopen result");
    struct vmbus_msg_open_result r;
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.status, 0);
    CHECK_EQ(m.size, 20);
    guest_down(&g);
}

static void test_echo_gpa_direct(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 1, RING_GPA, 4, 4), 0);
    /* A buffer spanning 3 scattered pages, from offset 4000, 5000 bytes. */
    uint64_t buf_gpa = 0x400000;
    uint64_t pfns[3] = { pfn_of(buf_gpa) + 5, pfn_of(buf_gpa) + 1, pfn_of(buf_gpa) + 9 };
    uint8_t expect[5000];
    for (uint32_t i = 0; i < 5000; i++)
        expect[i] = (uint8_t)(i * 7 + 1);
    uint32_t pos = 0, off = 4000;
    for (int p = 0; p < 3 && pos < 5000; p++) {
        uint32_t chunk = PAGE - off < 5000 - pos ? PAGE - off : 5000 - pos;
        memcpy(hvsim_gpa_to_host(g.sim, (pfns[p] << 12) + off, chunk), expect + pos, chunk);
        pos += chunk;
        off = 0;
    }
    struct vmbus_gpa_range_in range = { .byte_count = 5000, .byte_offset = 4000, .pfns = pfns };
    uint8_t ext[64];
    uint32_t ext_len;
    CHECK_EQ(vmbus_gpa_direct_build(ext, sizeof(ext), &range, 1, &ext_len), VMBUS_RING_OK);
    struct vmbus_packet_out p = { .type = VMBUS_PACKET_DATA_GPA_DIRECT, .flags = VMBUS_PACKET_FLAG_COMPLETION_REQUESTED,
                                  .transaction_id = 9, .ext = ext, .ext_len = ext_len, .payload = "hdr", .payload_len = 3 };
    bool sig;
    CHECK_EQ(vmbus_ring_write(&c.out, &p, &sig), VMBUS_RING_OK);
    CHECK(sig, "first packet signals");
    signal_host(&g, c.conn_id);
    uint8_t buf[8192];
    struct vmbus_packet pkt;
    CHECK_EQ(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.type, VMBUS_PACKET_COMP);
    CHECK_EQ(pkt.transaction_id, 9);
    CHECK_EQ(pkt.payload_len, 5000);
    CHECK(memcmp(pkt.payload, expect, 5000) == 0, "the bytes of the described pages");

    /* A range on a page outside RAM: an empty completion, counted. */
    uint64_t bad = (64ull << 20) >> 12;
    struct vmbus_gpa_range_in br = { .byte_count = 16, .byte_offset = 0, .pfns = &bad };
    vmbus_gpa_direct_build(ext, sizeof(ext), &br, 1, &ext_len);
    p.ext_len = ext_len;
    p.transaction_id = 10;
    vmbus_ring_commit(&c.in, &sig);
    vmbus_ring_write(&c.out, &p, &sig);
    signal_host(&g, c.conn_id);
    CHECK_EQ(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.transaction_id, 10);
    CHECK_EQ(pkt.payload_len, 0);
    CHECK_EQ(counters(&g).protocol_errors, 1);
    guest_down(&g);
}

static void test_open_failures(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    CHECK_EQ(create_gpadl(&g, 1, 0x30, RING_GPA, 6), 0);
    struct vmbus_msg_open_channel o;
    memset(&o, 0, sizeof(o));
    o.hdr.type = VMBUS_MSG_OPENCHANNEL;
    o.child_relid = 1;
    o.open_id = 77;
    struct { uint32_t gpadl, offset, vp; } cases[] = {
        { 0x31, 3, 0 },          /* no such GPADL */
        { 0x30, 0, 0 },          /* offset 0 */
        { 0x30, 1, 0 },          /* guest->host half of 1 page */
        { 0x30, 5, 0 },          /* host->guest half of 1 page */
        { 0x30, 6, 0 },          /* offset at the end */
        { 0x30, 0xFFFFFFFF, 0 }, /* offset far out */
        { 0x30, 3, 5 },          /* VP 5 does not exist */
    };
    struct msg m;
    struct vmbus_msg_open_result r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        o.ring_gpadl = cases[i].gpadl;
        o.downstream_page_offset = cases[i].offset;
        o.target_vp = cases[i].vp;
        post(&g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
        CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OPENCHANNEL_RESULT, "result %zu", i);
        memcpy(&r, m.data, sizeof(r));
        CHECK_EQ(r.status, HVSIM_VMBUS_OPEN_FAILED);
        CHECK_EQ(r.open_id, 77);
    }
    /* A ring with scattered data pages: refused (an hvsim limit, documented). */
    uint64_t pfns[6] = { 0x200, 0x201, 0x205, 0x300, 0x301, 0x302 };
    CHECK_EQ(create_gpadl_pfns(&g, 1, 0x32, pfns, 6), 0);
    o.ring_gpadl = 0x32;
    o.downstream_page_offset = 3;
    o.target_vp = 0;
    post(&g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    CHECK(recv_msg(&g, &m), "result");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.status, HVSIM_VMBUS_OPEN_FAILED);
    /* The control pages may be anywhere. */
    uint64_t pfns2[6] = { 0x400, 0x210, 0x211, 0x500, 0x220, 0x221 };
    memset(hvsim_gpa_to_host(g.sim, 0x400000, PAGE), 0, PAGE);
    memset(hvsim_gpa_to_host(g.sim, 0x500000, PAGE), 0, PAGE);
    CHECK_EQ(create_gpadl_pfns(&g, 1, 0x33, pfns2, 6), 0);
    o.ring_gpadl = 0x33;
    post(&g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    CHECK(recv_msg(&g, &m), "result");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.status, 0);
    /* Opening it again while open fails. */
    post(&g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    CHECK(recv_msg(&g, &m), "result");
    memcpy(&r, m.data, sizeof(r));
    CHECK_EQ(r.status, HVSIM_VMBUS_OPEN_FAILED);
    /* Unknown relid: no reply. */
    o.child_relid = 33;
    post(&g, VMBUS_CONNID_MESSAGE, &o, VMBUS_MSG_OPEN_CHANNEL_SIZE);
    CHECK(!recv_msg(&g, &m), "no reply for an unknown relid");
    guest_down(&g);
}

static void test_refuse_open_fault(void)
{
    struct hvsim_vmbus_device dev;
    struct hvsim_vmbus_config cfg = one_echo_cfg(HVSIM_VMBUS_QEMU, &dev);
    cfg.faults.refuse_open = true;
    struct guest g;
    guest_up(&g, &cfg);
    connect_and_offers(&g, VMBUS_VERSION_WIN10);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 1, RING_GPA, 1, 1), HVSIM_VMBUS_OPEN_FAILED);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.state, HVSIM_CHAN_OFFERED);
    struct hvsim_vmbus_faults f = { .ignore_open = true };
    hvsim_vmbus_set_faults(g.vb, &f);
    CHECK_EQ(open_chan(&g, &c, 1, 2, RING_GPA + 0x10000, 1, 1), -1);
    guest_down(&g);
}

static void test_rescind(void)
{
    struct hvsim_vmbus_device devs[2] = { dev_echo(), dev_echo() };
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.devices = devs;
    cfg.device_count = 2;
    struct guest g;
    guest_up(&g, &cfg);
    connect_and_offers(&g, VMBUS_VERSION_WIN10);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x40, RING_GPA, 2, 2), 0);

    CHECK_EQ(hvsim_vmbus_rescind(g.vb, 1), 0);
    CHECK_EQ(hvsim_vmbus_rescind(g.vb, 1), -1);
    CHECK_EQ(hvsim_vmbus_rescind(g.vb, 9), -1);
    struct msg m;
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_RESCIND_CHANNELOFFER, "RESCIND");
    CHECK_EQ(m.size, 12);
    struct vmbus_msg_rescind rs;
    memcpy(&rs, m.data, sizeof(rs));
    CHECK_EQ(rs.child_relid, 1);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.state, HVSIM_CHAN_RESCINDED);
    /* The channel is dead host-side: signals fail, packets go unanswered. */
    CHECK_EQ(signal_host(&g, c.conn_id), HV_STATUS_INVALID_CONNECTION_ID);
    /* Opening or new GPADLs on it: no reply. */
    CHECK_EQ(create_gpadl(&g, 1, 0x41, RING_GPA + 0x10000, 30), -1);
    struct vmbus_msg_close_channel cl = { .hdr.type = VMBUS_MSG_CLOSECHANNEL, .child_relid = 1 };
    post(&g, VMBUS_CONNID_MESSAGE, &cl, sizeof(cl));
    /* Teardown still answered. */
    struct vmbus_msg_gpadl_teardown t = { .hdr.type = VMBUS_MSG_GPADL_TEARDOWN, .child_relid = 1, .gpadl = 0x40 };
    post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t));
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_TORNDOWN, "TORNDOWN after rescind");
    /* A new device before the release gets another relid. */
    struct hvsim_vmbus_device late = dev_echo();
    CHECK_EQ(hvsim_vmbus_offer(g.vb, &late), 3);
    drain_msgs(&g);
    struct vmbus_msg_relid_released rel = { .hdr.type = VMBUS_MSG_RELID_RELEASED, .child_relid = 1 };
    post(&g, VMBUS_CONNID_MESSAGE, &rel, sizeof(rel));
    CHECK(!hvsim_vmbus_channel(g.vb, 1, &info), "relid 1 free");
    CHECK_EQ(hvsim_vmbus_offer(g.vb, &late), 1);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "offer reusing relid 1");
    /* Releasing a relid that was not rescinded. */
    rel.child_relid = 2;
    post(&g, VMBUS_CONNID_MESSAGE, &rel, sizeof(rel));
    CHECK_EQ(counters(&g).protocol_errors, 1);
    guest_down(&g);
}

static void test_unload_and_reconnect(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x50, RING_GPA, 2, 2), 0);
    CHECK_EQ(post_header(&g, VMBUS_MSG_UNLOAD), HV_STATUS_SUCCESS);
    struct msg m;
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_UNLOAD_RESPONSE, "UNLOAD_RESPONSE");
    CHECK_EQ(m.size, 8);
    CHECK_EQ(hvsim_vmbus_conn_state(g.vb), HVSIM_VMBUS_DISCONNECTED);
    CHECK_EQ(hvsim_vmbus_gpadl_count(g.vb), 0);
    CHECK_EQ(signal_host(&g, c.conn_id), HV_STATUS_INVALID_CONNECTION_ID);
    /* Connect again: the same device is offered again and opens. */
    connect_and_offers(&g, VMBUS_VERSION_WIN10);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.state, HVSIM_CHAN_OFFERED);
    CHECK(info.offer_sent, "offered again");
    CHECK_EQ(open_chan(&g, &c, 1, 0x50, RING_GPA, 2, 2), 0);
    guest_down(&g);
}

static void test_reply_delay(void)
{
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.reply_delay_ns = 1000;
    cfg.type_delay_ns[VMBUS_MSG_ALLOFFERS_DELIVERED] = 5000;
    struct guest g;
    guest_up(&g, &cfg);
    struct msg m;
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof(c));
    c.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    c.version = VMBUS_VERSION_WIN10;
    post(&g, VMBUS_CONNID_MESSAGE, &c, VMBUS_MSG_INITIATE_CONTACT_SIZE);
    CHECK(!recv_msg(&g, &m), "not yet");
    hvsim_advance_ns(g.sim, 999);
    CHECK(!recv_msg(&g, &m), "not yet at 999 ns");
    hvsim_advance_ns(g.sim, 1);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_VERSION_RESPONSE, "at 1000 ns");
    post_header(&g, VMBUS_MSG_REQUESTOFFERS);
    hvsim_advance_ns(g.sim, 5999);
    CHECK(!recv_msg(&g, &m), "ALLOFFERS later");
    hvsim_advance_ns(g.sim, 1);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_ALLOFFERS_DELIVERED, "ALLOFFERS at 6000 ns");
    guest_down(&g);
}

/* ---- flow control, sink, source ---- */

static void test_echo_waits_for_room(void)
{
    /* 1-page rings: the guest writes more than the host->guest ring holds;
     * the host echoes what fits and resumes when the guest reads. */
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x60, RING_GPA, 4, 1), 0);
    uint8_t payload[1000];
    memset(payload, 0xAB, sizeof(payload));
    for (uint64_t i = 1; i <= 12; i++)
        CHECK(send_inband(&g, &c, i, false, payload, sizeof(payload)), "write %llu", (unsigned long long)i);
    uint64_t next = 1;
    uint8_t buf[4096];
    for (int round = 0; round < 50 && next <= 12; round++) {
        struct vmbus_packet pkt;
        while (vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt) == VMBUS_RING_OK) {
            CHECK_EQ(pkt.transaction_id, next);
            next++;
        }
        bool sig;
        vmbus_ring_commit(&c.in, &sig);
        if (sig)
            signal_host(&g, c.conn_id);
    }
    CHECK_EQ(next, 13);
    CHECK_EQ(counters(&g).packets_echoed, 12);
    guest_down(&g);
}

/* The message fault switches act on whole host->guest messages; busy_posts
 * refuses guest posts; stop_reading leaves the guest's ring alone until it
 * is cleared. */
static void test_message_and_ring_fault_switches(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct msg m;
    struct hvsim_vmbus_faults f = { .drop_msgs = HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_VERSION_RESPONSE) };
    hvsim_vmbus_set_faults(g.vb, &f);
    CHECK(!contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m), "dropped");
    CHECK_EQ(counters(&g).msgs_dropped, 1);

    f = (struct hvsim_vmbus_faults){ .duplicate_msgs = HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_VERSION_RESPONSE) };
    hvsim_vmbus_set_faults(g.vb, &f);
    CHECK(contact(&g, VMBUS_CONNID_MESSAGE, VMBUS_VERSION_WIN10, &m), "first copy");
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_VERSION_RESPONSE, "second copy");
    CHECK_EQ(counters(&g).msgs_duplicated, 1);

    /* Reorder: the offer is held until ALLOFFERS_DELIVERED passes it; a
     * held message with nothing behind it goes out alone after 1 ms. */
    f = (struct hvsim_vmbus_faults){ .reorder_msgs = HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_OFFERCHANNEL) };
    hvsim_vmbus_set_faults(g.vb, &f);
    post_header(&g, VMBUS_MSG_REQUESTOFFERS);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_ALLOFFERS_DELIVERED, "ALLOFFERS first");
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_OFFERCHANNEL, "then the offer");
    CHECK_EQ(counters(&g).msgs_reordered, 1);
    f.reorder_msgs = HVSIM_VMBUS_MSG_BIT(VMBUS_MSG_GPADL_CREATED);
    hvsim_vmbus_set_faults(g.vb, &f);
    CHECK_EQ(create_gpadl(&g, 1, 0x70, RING_GPA, 1), -1);   /* not yet */
    hvsim_advance_ns(g.sim, 1000000);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_CREATED, "alone, 1 ms later");

    /* Busy: each post refused twice, then taken. */
    f = (struct hvsim_vmbus_faults){ .busy_posts = 2 };
    hvsim_vmbus_set_faults(g.vb, &f);
    struct vmbus_msg_gpadl_teardown t = { { VMBUS_MSG_GPADL_TEARDOWN, 0 }, 1, 0x70 };
    CHECK_EQ(post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t)), HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t)), HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(counters(&g).msgs_in[VMBUS_MSG_GPADL_TEARDOWN], 0);
    CHECK_EQ(post(&g, VMBUS_CONNID_MESSAGE, &t, sizeof(t)), HV_STATUS_SUCCESS);
    CHECK(recv_msg(&g, &m) && msg_type(&m) == VMBUS_MSG_GPADL_TORNDOWN, "taken the third time");
    CHECK_EQ(counters(&g).posts_refused_busy, 2);

    /* Stalled reader: nothing echoed until the host resumes. */
    f = (struct hvsim_vmbus_faults){ 0 };
    hvsim_vmbus_set_faults(g.vb, &f);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x71, RING_GPA, 2, 2), 0);
    f.stop_reading = true;
    hvsim_vmbus_set_faults(g.vb, &f);
    CHECK(send_inband(&g, &c, 5, false, "stalled", 8), "written");
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.packets_in, 0);
    CHECK_EQ(info.signals_from_guest, 1);
    f.stop_reading = false;
    hvsim_vmbus_set_faults(g.vb, &f);
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.packets_in, 1);
    uint8_t buf[256];
    struct vmbus_packet pkt;
    CHECK(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt) == VMBUS_RING_OK && pkt.transaction_id == 5, "echoed on resume");
    guest_down(&g);
}

/* Rings of 16 + 16 pages: a GPADL of 34 pages, so GPADL_BODY messages
 * carry part of the ring, and the host maps what they name. */
static void test_big_rings_through_gpadl_bodies(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x73, RING_GPA, 16, 16), 0);
    CHECK_EQ(counters(&g).msgs_in[VMBUS_MSG_GPADL_BODY], 1);
    uint8_t payload[3000], buf[4096];
    for (uint32_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 3);
    for (int k = 0; k < 40; k++) {   /* 40 x 3 KiB: around both 64 KiB rings */
        CHECK(send_inband(&g, &c, (uint64_t)k + 1, false, payload, sizeof(payload)), "write %d", k);
        struct vmbus_packet pkt;
        CHECK_EQ(vmbus_ring_read(&c.in, buf, sizeof(buf), &pkt), VMBUS_RING_OK);
        CHECK(pkt.transaction_id == (uint64_t)k + 1 && memcmp(pkt.payload, payload, sizeof(payload)) == 0,
              "echo %d intact", k);
        bool sig;
        vmbus_ring_commit(&c.in, &sig);
    }
    guest_down(&g);
}

/* The host's interrupt mask on the guest->host ring (mask_interrupts): a
 * guest that writes with the guest's ring code does not signal; one that
 * signals anyway is a protocol error with a name. */
static void test_signal_while_the_host_masks(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x71, RING_GPA, 2, 2), 0);
    struct hvsim_vmbus_faults f = { .mask_interrupts = true, .stop_reading = true };
    hvsim_vmbus_set_faults(g.vb, &f);
    CHECK(send_inband(&g, &c, 1, false, "masked", 6), "written");
    CHECK_EQ(counters(&g).signals_while_masked, 0);
    CHECK_EQ(counters(&g).signals_from_guest, 0);
    signal_host(&g, c.conn_id);   /* a guest that does not look at the mask */
    CHECK_EQ(counters(&g).signals_while_masked, 1);
    CHECK_EQ(hvsim_vmbus_error_count(g.vb, "signal while the host's interrupt mask is set"), 1);
    f = (struct hvsim_vmbus_faults){ 0 };
    hvsim_vmbus_set_faults(g.vb, &f);   /* unmasked; the host catches up */
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.packets_in, 1);
    guest_down(&g);
}

/* Guest mistakes are counted by name. */
static void test_errors_have_names(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x72, RING_GPA, 2, 2), 0);
    uint8_t closemsg[16] = { VMBUS_MSG_CLOSECHANNEL, 0, 0, 0, 0, 0, 0, 0, 9 };
    post(&g, VMBUS_CONNID_MESSAGE, closemsg, 16);   /* CLOSECHANNEL is 12 bytes */
    CHECK_EQ(hvsim_vmbus_error_count(g.vb, "message size not the one its type has"), 1);
    uint8_t padded[8] = { VMBUS_MSG_REQUESTOFFERS, 0, 0, 0, 1 };
    post(&g, VMBUS_CONNID_MESSAGE, padded, 8);
    CHECK_EQ(hvsim_vmbus_error_count(g.vb, "message header padding not 0"), 1);
    /* A packet whose trailer lies: the host's reader names it. */
    CHECK(send_inband(&g, &c, 7, false, "trailer", 7), "written");
    struct msg m;
    while (recv_msg(&g, &m))
        ;
    CHECK_EQ(hvsim_vmbus_error_count(g.vb, "bad trailer"), 0);
    uint32_t start = c.out.write_index;
    bool sig;
    CHECK_EQ(vmbus_ring_write_inband(&c.out, 8, false, "trailer", 7, &sig), VMBUS_RING_OK);
    c.out.data[(start + 28) % c.out.size] ^= 8;   /* descriptor 16 + payload 8: the trailer's high half */
    signal_host(&g, c.conn_id);
    CHECK(hvsim_vmbus_error_count(g.vb, "bad trailer") >= 1, "bad trailer named");
    struct hvsim_vmbus_error errs[8];
    CHECK(hvsim_vmbus_errors(g.vb, errs, 8) >= 3, "three kinds listed");
    guest_down(&g);
}

static void test_sink_and_source(void)
{
    struct hvsim_vmbus_device devs[2] = {
        { .model = HVSIM_VMBUS_SINK },
        { .model = HVSIM_VMBUS_SOURCE, .source_count = 200, .source_size = 500 },
    };
    struct hvsim_vmbus_config cfg;
    hvsim_vmbus_config_default(&cfg, HVSIM_VMBUS_HYPERV);
    cfg.devices = devs;
    cfg.device_count = 2;
    struct guest g;
    guest_up(&g, &cfg);
    connect_and_offers(&g, VMBUS_VERSION_WIN10);
    struct gchan sink, src;
    CHECK_EQ(open_chan(&g, &sink, 1, 0x70, RING_GPA, 2, 1), 0);
    CHECK_EQ(open_chan(&g, &src, 2, 0x71, RING_GPA + 0x10000, 1, 2), 0);

    for (int i = 0; i < 10; i++)
        send_inband(&g, &sink, (uint64_t)i + 1, false, "12345678", 8);
    struct hvsim_vmbus_counters k = counters(&g);
    CHECK_EQ(k.packets_sunk, 10);
    CHECK_EQ(k.bytes_sunk, 80);
    CHECK_EQ(k.signals_to_guest, 0);

    /* A request with no body: the configured 200 x 500 bytes. */
    send_inband(&g, &src, 1, false, NULL, 0);
    uint64_t next = 1;
    uint8_t buf[4096];
    int signals = 0;
    for (int round = 0; round < 1000 && next <= 200; round++) {
        if (take_event(&g, 2))
            signals++;
        struct vmbus_packet pkt;
        while (vmbus_ring_read(&src.in, buf, sizeof(buf), &pkt) == VMBUS_RING_OK) {
            uint64_t seq;
            memcpy(&seq, pkt.payload, 8);
            CHECK_EQ(pkt.transaction_id, next);
            CHECK_EQ(seq, next);
            CHECK_EQ(pkt.payload[100], (uint8_t)(next + 100));
            next++;
        }
        bool sig;
        vmbus_ring_commit(&src.in, &sig);
        if (sig)
            signal_host(&g, src.conn_id);
    }
    CHECK_EQ(next, 201);
    k = counters(&g);
    CHECK_EQ(k.packets_sourced, 200);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 2, &info);
    CHECK_EQ(info.source_left, 0);
    CHECK_EQ(info.signals_to_guest, (uint64_t)signals);
    CHECK(signals > 1 && signals < 200, "one signal per refill, not per packet (%d)", signals);

    /* A request overriding count and size. */
    uint32_t req[2] = { 3, 64 };
    send_inband(&g, &src, 2, false, req, sizeof(req));
    int got = 0;
    struct vmbus_packet pkt;
    while (vmbus_ring_read(&src.in, buf, sizeof(buf), &pkt) == VMBUS_RING_OK) {
        CHECK_EQ(pkt.payload_len, 64);
        got++;
    }
    CHECK_EQ(got, 3);
    guest_down(&g);
}

static void test_bad_ring_packet_is_counted(void)
{
    struct guest g;
    echo_guest_up(&g, HVSIM_VMBUS_HYPERV);
    struct gchan c;
    CHECK_EQ(open_chan(&g, &c, 1, 0x80, RING_GPA, 1, 1), 0);
    /* A descriptor with len8 < offset8, published by hand. */
    struct vmbus_packet_desc d = { .type = VMBUS_PACKET_DATA_INBAND, .offset8 = 4, .len8 = 2 };
    memcpy(c.out.data, &d, sizeof(d));
    c.out.control->write_index = 24;
    signal_host(&g, c.conn_id);
    struct hvsim_vmbus_channel_info info;
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.ring_errors, 1);
    CHECK_EQ(info.packets_in, 0);
    /* A write index out of range. */
    c.out.control->write_index = 0xFFFFFFF8u;
    signal_host(&g, c.conn_id);
    hvsim_vmbus_channel(g.vb, 1, &info);
    CHECK_EQ(info.ring_errors, 2);
    guest_down(&g);
}

int main(void)
{
    RUN_TEST(test_hyperv_negotiation);
    RUN_TEST(test_hyperv_6_0_features_and_announced_id);
    RUN_TEST(test_qemu_negotiation);
    RUN_TEST(test_configured_version_list);
    RUN_TEST(test_garbage_is_counted);
    RUN_TEST(test_offers_hyperv);
    RUN_TEST(test_offers_qemu_and_old_version);
    RUN_TEST(test_many_offers_wait_for_the_queue);
    RUN_TEST(test_gpadl_sizes);
    RUN_TEST(test_gpadl_failures);
    RUN_TEST(test_gpadl_qemu_shapes);
    RUN_TEST(test_gpadl_ignored_by_fault);
    RUN_TEST(test_open_echo_close);
    RUN_TEST(test_echo_gpa_direct);
    RUN_TEST(test_open_failures);
    RUN_TEST(test_refuse_open_fault);
    RUN_TEST(test_rescind);
    RUN_TEST(test_unload_and_reconnect);
    RUN_TEST(test_reply_delay);
    RUN_TEST(test_echo_waits_for_room);
    RUN_TEST(test_message_and_ring_fault_switches);
    RUN_TEST(test_big_rings_through_gpadl_bodies);
    RUN_TEST(test_signal_while_the_host_masks);
    RUN_TEST(test_errors_have_names);
    RUN_TEST(test_sink_and_source);
    RUN_TEST(test_bad_ring_packet_is_counted);
    return check_summary();
}
