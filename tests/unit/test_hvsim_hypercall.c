/* hvsim: the hypercall ABI (input value, memory and fast forms, status
 * codes), HvPostMessage and HvSignalEvent against host ports, fault
 * injection. */
#include <string.h>

#include "tests/hvsim/hvsim_test_guest.h"
#include "tests/unit/check.h"

/* A host port that records what it got and answers with a set status. */
struct port_log {
    int calls;
    uint32_t vp, id, type, size, flag;
    uint8_t payload[240];
    uint16_t answer;
    const void *payload_ptr;
};

static uint16_t on_message(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t id, uint32_t type,
                           const void *payload, uint32_t size)
{
    (void)sim;
    struct port_log *p = ctx;
    p->calls++;
    p->vp = vp;
    p->id = id;
    p->type = type;
    p->size = size;
    p->payload_ptr = payload;
    memcpy(p->payload, payload, size);
    return p->answer;
}

static uint16_t on_event(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t id, uint16_t flag)
{
    (void)sim;
    struct port_log *p = ctx;
    p->calls++;
    p->vp = vp;
    p->id = id;
    p->flag = flag;
    return p->answer;
}

static struct hvsim *setup(const struct hvsim_config *cfg)
{
    struct hvsim *sim = tg_create(cfg);
    tg_enable_hypercalls(sim);
    return sim;
}

static struct hv_post_message_input *input_block(struct hvsim *sim, uint64_t gpa)
{
    return hvsim_gpa_to_host(sim, gpa, sizeof(struct hv_post_message_input));
}

static void fill_post(struct hvsim *sim, uint64_t gpa, uint32_t id, uint32_t type, const char *text)
{
    struct hv_post_message_input *in = input_block(sim, gpa);
    memset(in, 0, sizeof(*in));
    in->connection_id = id;
    in->message_type = type;
    in->payload_size = (uint32_t)strlen(text);
    memcpy(in->payload, text, strlen(text));
}

static uint16_t post(struct hvsim *sim, uint64_t gpa)
{
    return hvsim_result_status(hvsim_hypercall(sim, 0, HV_CALL_POST_MESSAGE, gpa, 0));
}

static void test_hypercall_without_page_is_ud(void)
{
    struct hvsim *sim = tg_create(NULL);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT, 1, 0), HVSIM_HYPERCALL_UD);
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT, 1, 0), HVSIM_HYPERCALL_UD);
    hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | 1);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT, 1, 0), HV_STATUS_SUCCESS);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.hypercall_ud, 2);
    CHECK_EQ(st.hypercalls, 3);
    hvsim_destroy(sim);
}

static void test_unknown_call_code(void)
{
    struct hvsim *sim = setup(NULL);
    uint64_t r = hvsim_hypercall(sim, 0, 0x0099, TG_INPUT_GPA, TG_OUTPUT_GPA);
    CHECK_EQ(hvsim_result_status(r), HV_STATUS_INVALID_HYPERCALL_CODE);
    CHECK_EQ(hvsim_result_reps(r), 0);
    CHECK_EQ(hvsim_result_status(hvsim_hypercall_fast(sim, 0, 0xFFFF, 0, 0)),
             HV_STATUS_INVALID_HYPERCALL_CODE);
    CHECK_EQ(hvsim_result_status(hvsim_hypercall(sim, 0, 0x8001, 0, 0)), HV_STATUS_INVALID_HYPERCALL_CODE);
    hvsim_destroy(sim);
}

static void test_control_reserved_bits(void)
{
    struct hvsim *sim = setup(NULL);
    const uint64_t bad[] = {
        1ull << 27, 1ull << 30, 1ull << 31 /* nested */, 1ull << 44, 1ull << 47, 1ull << 60, 1ull << 63,
        1ull << 32 /* rep count on a simple call */, 1ull << 48 /* rep start */,
        1ull << 17 /* variable header */,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t r = hvsim_hypercall_fast(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT | bad[i], 1, 0);
        CHECK(hvsim_result_status(r) == HV_STATUS_INVALID_HYPERCALL_INPUT, "control bit 0x%llx gave 0x%x",
              (unsigned long long)bad[i], hvsim_result_status(r));
    }
    hvsim_destroy(sim);
}

static void test_slow_input_alignment(void)
{
    struct hvsim *sim = setup(NULL);
    struct port_log log = {0};
    hvsim_register_message_port(sim, 1, on_message, &log);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "hi");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    fill_post(sim, TG_INPUT_GPA + 4, 1, 1, "hi");
    CHECK_EQ(post(sim, TG_INPUT_GPA + 4), HV_STATUS_INVALID_ALIGNMENT);
    /* 256 bytes from 0xF08 cross into the next page; from 0xF00 they do not. */
    fill_post(sim, TG_INPUT_GPA + 0xF08, 1, 1, "hi");
    CHECK_EQ(post(sim, TG_INPUT_GPA + 0xF08), HV_STATUS_INVALID_ALIGNMENT);
    fill_post(sim, TG_INPUT_GPA + 0xF00, 1, 1, "hi");
    CHECK_EQ(post(sim, TG_INPUT_GPA + 0xF00), HV_STATUS_SUCCESS);
    CHECK_EQ(post(sim, hvsim_guest_mem_size(sim)), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(post(sim, UINT64_MAX - 7), HV_STATUS_INVALID_ALIGNMENT);
    /* the hypercall page is an overlay, not RAM */
    CHECK_EQ(post(sim, TG_HYPERCALL_GPA), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(log.calls, 2);
    hvsim_destroy(sim);
}

static void test_output_block_rules(void)
{
    struct hvsim *sim = setup(NULL);
    uint64_t *out = hvsim_gpa_to_host(sim, TG_OUTPUT_GPA, 16);
    out[0] = out[1] = 0xDEAD;
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_GET_PARTITION_ID, 0, TG_OUTPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(out[0], 0x100);
    out[0] = 0xDEAD;
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_GET_PARTITION_ID, 0, TG_OUTPUT_GPA + 4),
             HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_GET_PARTITION_ID, 0, TG_OUTPUT_GPA + 0xFFC),
             HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_GET_PARTITION_ID, 0, hvsim_guest_mem_size(sim) - 4),
             HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(out[0], 0xDEAD); /* nothing written on failure */
    /* output through registers would need XMM fast output: refused */
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_GET_PARTITION_ID, 0, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.privileges &= ~HV_PRIV_ACCESS_PARTITION_ID;
    sim = setup(&cfg);
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_GET_PARTITION_ID, 0, TG_OUTPUT_GPA), HV_STATUS_ACCESS_DENIED);
    hvsim_destroy(sim);
}

static void test_fast_form(void)
{
    struct hvsim *sim = setup(NULL);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT, 100, 0), HV_STATUS_SUCCESS);
    /* Same call through hvsim_hypercall with the Fast bit: RDX is data, not a GPA. */
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT | HV_HC_FAST, 0x3, 0), HV_STATUS_SUCCESS);
    /* Memory form: RDX must be a valid GPA. */
    CHECK_EQ(hvsim_hypercall(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT, 0x3, 0), HV_STATUS_INVALID_ALIGNMENT);
    /* PostMessage's 256-byte block cannot travel in registers. */
    struct port_log log = {0};
    hvsim_register_message_port(sim, 1, on_message, &log);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_POST_MESSAGE, 1, 1), HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK_EQ(log.calls, 0);
    hvsim_destroy(sim);
}

static void test_post_message_reaches_port(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.vp_count = 2;
    struct hvsim *sim = setup(&cfg);
    struct port_log log = {0};
    CHECK_EQ(hvsim_register_message_port(sim, 4, on_message, &log), 0);
    fill_post(sim, TG_INPUT_GPA, 4, 1, "INITIATE_CONTACT");
    uint64_t r = hvsim_hypercall(sim, 1, HV_CALL_POST_MESSAGE, TG_INPUT_GPA, 0);
    CHECK_EQ(r, HV_STATUS_SUCCESS);
    CHECK_EQ(log.calls, 1);
    CHECK_EQ(log.vp, 1);
    CHECK_EQ(log.id, 4);
    CHECK_EQ(log.type, 1);
    CHECK_EQ(log.size, 16);
    CHECK(memcmp(log.payload, "INITIATE_CONTACT", 16) == 0, "payload");
    /* The handler saw a copy, not guest memory the guest could still change. */
    CHECK(hvsim_host_to_gpa(sim, log.payload_ptr, &(uint64_t){0}) == false, "payload points into guest memory");
    /* Maximum size passes. */
    struct hv_post_message_input *in = input_block(sim, TG_INPUT_GPA);
    in->payload_size = 240;
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(log.size, 240);
    hvsim_destroy(sim);
}

static void test_post_message_parameter_checks(void)
{
    struct hvsim *sim = setup(NULL);
    struct port_log log = {0};
    hvsim_register_message_port(sim, 1, on_message, &log);
    struct hv_post_message_input *in = input_block(sim, TG_INPUT_GPA);

    fill_post(sim, TG_INPUT_GPA, 1, 0, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_PARAMETER); /* type 0 */
    fill_post(sim, TG_INPUT_GPA, 1, 0x80000001u, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_PARAMETER); /* hypervisor type */
    fill_post(sim, TG_INPUT_GPA, 1, 1, "x");
    in->payload_size = 241;
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_PARAMETER);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "x");
    in->reserved = 1;
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_HYPERCALL_INPUT);
    fill_post(sim, TG_INPUT_GPA, 2, 1, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_CONNECTION_ID); /* nobody listens */
    fill_post(sim, TG_INPUT_GPA, 0x01000001u, 1, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_CONNECTION_ID); /* bits 31:24 */
    CHECK_EQ(log.calls, 0);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(log.calls, 1);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.privileges &= ~HV_PRIV_POST_MESSAGES;
    sim = setup(&cfg);
    hvsim_register_message_port(sim, 1, on_message, &log);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(log.calls, 1);
    hvsim_destroy(sim);
}

/* A host with a 2-entry queue, as a real port has a fixed number of buffers. */
struct small_queue {
    int held;
};

static uint16_t on_message_queue2(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t id, uint32_t type,
                                  const void *payload, uint32_t size)
{
    (void)sim, (void)vp, (void)id, (void)type, (void)payload, (void)size;
    struct small_queue *q = ctx;
    if (q->held == 2)
        return HV_STATUS_INSUFFICIENT_BUFFERS;
    q->held++;
    return HV_STATUS_SUCCESS;
}

static void test_post_message_host_queue_full(void)
{
    struct hvsim *sim = setup(NULL);
    struct small_queue q = {0};
    hvsim_register_message_port(sim, 1, on_message_queue2, &q);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "m");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INSUFFICIENT_BUFFERS);
    q.held = 0; /* the host drained its queue */
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    hvsim_destroy(sim);
}

static void test_signal_event(void)
{
    struct hvsim *sim = setup(NULL);
    struct port_log log = {0};
    CHECK_EQ(hvsim_register_event_port(sim, 0x17, 4, on_event, &log), 0);
    uint64_t ctl = HV_CALL_SIGNAL_EVENT;
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x17 | (3ull << 32), 0), HV_STATUS_SUCCESS);
    CHECK_EQ(log.calls, 1);
    CHECK_EQ(log.id, 0x17);
    CHECK_EQ(log.flag, 3);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x17 | (4ull << 32), 0), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x17 | (1ull << 48), 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x18, 0), HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x17 | 0xFF000000ull, 0), HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(log.calls, 1);
    /* A message port with the same id is a different thing. */
    CHECK_EQ(hvsim_register_message_port(sim, 0x18, on_message, &log), 0);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x18, 0), HV_STATUS_INVALID_CONNECTION_ID);
    /* Memory form: the same 8 bytes at the input GPA. */
    uint64_t *in = hvsim_gpa_to_host(sim, TG_INPUT_GPA, 8);
    *in = 0x17 | (2ull << 32);
    CHECK_EQ(hvsim_hypercall(sim, 0, ctl, TG_INPUT_GPA, 0), HV_STATUS_SUCCESS);
    CHECK_EQ(log.flag, 2);
    /* The host's answer is the guest's status. */
    log.answer = HV_STATUS_INVALID_SYNIC_STATE;
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x17, 0), HV_STATUS_INVALID_SYNIC_STATE);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.privileges &= ~HV_PRIV_SIGNAL_EVENTS;
    sim = setup(&cfg);
    hvsim_register_event_port(sim, 0x17, 1, on_event, &log);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, ctl, 0x17, 0), HV_STATUS_ACCESS_DENIED);
    hvsim_destroy(sim);
}

static void test_port_registration(void)
{
    struct hvsim *sim = setup(NULL);
    struct port_log log = {0};
    CHECK_EQ(hvsim_register_message_port(sim, 1, on_message, &log), 0);
    CHECK_EQ(hvsim_register_message_port(sim, 1, on_message, &log), -1);
    CHECK_EQ(hvsim_register_message_port(sim, 0x1000000, on_message, &log), -1);
    CHECK_EQ(hvsim_register_message_port(sim, 2, NULL, &log), -1);
    CHECK_EQ(hvsim_register_event_port(sim, 2, 0, on_event, &log), -1);
    for (uint32_t id = 100; id < 140; id++) /* grows past the first allocation */
        CHECK_EQ(hvsim_register_event_port(sim, id, 1, on_event, &log), 0);
    CHECK_EQ(hvsim_unregister_message_port(sim, 1), 0);
    CHECK_EQ(hvsim_unregister_message_port(sim, 1), -1);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "x");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_SIGNAL_EVENT, 139, 0), HV_STATUS_SUCCESS);
    CHECK_EQ(hvsim_unregister_event_port(sim, 139), 0);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_SIGNAL_EVENT, 139, 0), HV_STATUS_INVALID_CONNECTION_ID);
    hvsim_destroy(sim);
}

static void test_fault_injection(void)
{
    struct hvsim *sim = setup(NULL);
    struct port_log log = {0};
    hvsim_register_message_port(sim, 1, on_message, &log);
    hvsim_register_event_port(sim, 2, 1, on_event, &log);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "x");
    CHECK_EQ(hvsim_inject_hypercall_fault(sim, HV_CALL_POST_MESSAGE, HV_STATUS_INSUFFICIENT_BUFFERS, 2), 0);
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_SIGNAL_EVENT, 2, 0), HV_STATUS_SUCCESS); /* other code */
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(log.calls, 1); /* only the event reached the host */
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(log.calls, 2);

    /* Any status, even on an otherwise malformed call; count 0 clears. */
    hvsim_inject_hypercall_fault(sim, HV_CALL_SIGNAL_EVENT, HV_STATUS_INVALID_CONNECTION_ID, 5);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_SIGNAL_EVENT, 2, 0), HV_STATUS_INVALID_CONNECTION_ID);
    hvsim_inject_hypercall_fault(sim, HV_CALL_SIGNAL_EVENT, 0, 0);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_SIGNAL_EVENT, 2, 0), HV_STATUS_SUCCESS);

    /* The rule table holds 8 codes. */
    for (uint16_t c = 0; c < 8; c++)
        CHECK_EQ(hvsim_inject_hypercall_fault(sim, (uint16_t)(0x300 + c), 5, 1), 0);
    CHECK_EQ(hvsim_inject_hypercall_fault(sim, 0x400, 5, 1), -1);
    CHECK_EQ(hvsim_inject_hypercall_fault(sim, 0x300, 5, 3), 0); /* update an existing rule */
    hvsim_destroy(sim);
}

/* A host that answers every guest message right away, on SINT 2. */
struct echo_host {
    int in_handler;
    int replies;
};

static uint16_t echo_reply(void *ctx, struct hvsim *sim, uint32_t vp, uint32_t id, uint32_t type,
                           const void *payload, uint32_t size)
{
    (void)id;
    struct echo_host *h = ctx;
    h->in_handler = 1;
    if (hvsim_post_to_guest(sim, vp, 2, type, payload, size) == HVSIM_OK)
        h->replies++;
    h->in_handler = 0;
    return HV_STATUS_SUCCESS;
}

static int interrupt_during_handler;

static void check_not_in_handler(struct tg_irqs *irqs, struct hvsim *sim, uint32_t vp, uint8_t vector)
{
    (void)sim, (void)vp, (void)vector;
    struct echo_host *h = irqs->user;
    if (h->in_handler)
        interrupt_during_handler++;
}

static void test_reply_interrupt_after_hypercall(void)
{
    struct hvsim *sim = setup(NULL);
    struct echo_host host = {0};
    struct tg_irqs irqs;
    tg_enable_synic(sim, 0);
    tg_set_sint(sim, 0, 2, 0x41, 0);
    tg_irqs_attach(sim, &irqs);
    irqs.hook = check_not_in_handler;
    irqs.user = &host;
    interrupt_during_handler = 0;
    hvsim_register_message_port(sim, 1, echo_reply, &host);
    fill_post(sim, TG_INPUT_GPA, 1, 1, "ping");
    CHECK_EQ(post(sim, TG_INPUT_GPA), HV_STATUS_SUCCESS);
    CHECK_EQ(host.replies, 1);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vector[0], 0x41);
    CHECK_EQ(interrupt_during_handler, 0);
    struct hv_message *slot = tg_slot(sim, 0, 2);
    CHECK_EQ(slot->header.message_type, 1);
    CHECK(memcmp(slot->payload, "ping", 4) == 0, "reply payload");
    hvsim_destroy(sim);
}

int main(void)
{
    RUN_TEST(test_hypercall_without_page_is_ud);
    RUN_TEST(test_unknown_call_code);
    RUN_TEST(test_control_reserved_bits);
    RUN_TEST(test_slow_input_alignment);
    RUN_TEST(test_output_block_rules);
    RUN_TEST(test_fast_form);
    RUN_TEST(test_post_message_reaches_port);
    RUN_TEST(test_post_message_parameter_checks);
    RUN_TEST(test_post_message_host_queue_full);
    RUN_TEST(test_signal_event);
    RUN_TEST(test_port_registration);
    RUN_TEST(test_fault_injection);
    RUN_TEST(test_reply_interrupt_after_hypercall);
    return check_summary();
}
