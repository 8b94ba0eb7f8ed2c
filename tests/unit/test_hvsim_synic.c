/* hvsim: SynIC message slots (free slot, busy slot + MessagePending + EOM),
 * SINT masking and AutoEOI, event flags, delayed delivery, the interrupt
 * model. */
#include <string.h>

#include "tests/hvsim/hvsim_test_guest.h"
#include "tests/unit/check.h"

static struct hvsim *setup_cfg(struct hvsim_config *cfg, struct tg_irqs *irqs)
{
    struct hvsim *sim = tg_create(cfg);
    tg_enable_hypercalls(sim);
    tg_enable_synic(sim, 0);
    tg_set_sint(sim, 0, 2, 0x41, 0);
    if (irqs)
        tg_irqs_attach(sim, irqs);
    return sim;
}

static struct hvsim *setup(struct tg_irqs *irqs)
{
    return setup_cfg(NULL, irqs);
}

static void test_message_into_free_slot(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    CHECK_EQ(hvsim_post_to_guest_ex(sim, 0, 2, 1, "hello", 5, 0, 0x42), HVSIM_OK);
    struct hv_message *slot = tg_slot(sim, 0, 2);
    CHECK_EQ(slot->header.message_type, 1);
    CHECK_EQ(slot->header.payload_size, 5);
    CHECK_EQ(slot->header.flags, 0);
    CHECK_EQ(slot->header.origination_id, 0x42);
    CHECK(memcmp(slot->payload, "hello", 5) == 0, "payload");
    CHECK_EQ(slot->payload[5], 0);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vector[0], 0x41);
    CHECK_EQ(irqs.vp[0], 0);
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 0);
    /* Other slots untouched. */
    CHECK_EQ(tg_slot(sim, 0, 1)->header.message_type, 0);
    CHECK_EQ(tg_slot(sim, 0, 3)->header.message_type, 0);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.messages_delivered, 1);
    hvsim_destroy(sim);
}

static void test_post_to_guest_argument_checks(void)
{
    struct hvsim *sim = setup(NULL);
    uint8_t big[241] = {0};
    CHECK_EQ(hvsim_post_to_guest(sim, 1, 2, 1, "x", 1), HVSIM_EINVAL);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 16, 1, "x", 1), HVSIM_EINVAL);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 0, "x", 1), HVSIM_EINVAL);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, big, 241), HVSIM_EINVAL);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, NULL, 4), HVSIM_EINVAL);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, big, 240), HVSIM_OK);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.payload_size, 240);
    hvsim_destroy(sim);
}

static void test_busy_slot_sets_pending_then_eom_delivers(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_post_to_guest(sim, 0, 2, 1, "first", 5);
    CHECK_EQ(irqs.count, 1);
    hvsim_apic_eoi(sim, 0); /* the guest's handler ends; the message stays in the slot */
    struct hv_message *slot = tg_slot(sim, 0, 2);
    CHECK_EQ(slot->header.flags & HV_MESSAGE_FLAG_PENDING, 0);

    hvsim_post_to_guest(sim, 0, 2, 1, "second", 6);
    CHECK_EQ(irqs.count, 1); /* no interrupt for a busy slot */
    CHECK_EQ(slot->header.flags & HV_MESSAGE_FLAG_PENDING, HV_MESSAGE_FLAG_PENDING);
    CHECK(memcmp(slot->payload, "first", 5) == 0, "slot still holds the first message");
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 1);

    /* EOM without emptying the slot changes nothing. */
    hvsim_wrmsr(sim, 0, HV_MSR_EOM, 0);
    CHECK_EQ(irqs.count, 1);
    CHECK(memcmp(slot->payload, "first", 5) == 0, "EOM on a full slot");

    tg_consume_slot(sim, 0, 2); /* empty + EOM */
    CHECK_EQ(irqs.count, 2);
    CHECK_EQ(slot->header.message_type, 1);
    CHECK(memcmp(slot->payload, "second", 6) == 0, "second message delivered after EOM");
    CHECK_EQ(slot->header.flags & HV_MESSAGE_FLAG_PENDING, 0);
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 0);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.eom_writes, 2);
    CHECK_EQ(st.message_pending_set, 1);
    hvsim_destroy(sim);
}

static void test_pending_flag_when_more_are_ready(void)
{
    /* Two messages queued while SIMP is off: the first to land says more wait. */
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_wrmsr(sim, 0, HV_MSR_SCONTROL, 0);
    hvsim_post_to_guest(sim, 0, 2, 1, "a", 1);
    hvsim_post_to_guest(sim, 0, 2, 1, "b", 1);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 0); /* SCONTROL off: nothing delivered */
    CHECK_EQ(irqs.count, 0);
    hvsim_wrmsr(sim, 0, HV_MSR_SCONTROL, 1);
    struct hv_message *slot = tg_slot(sim, 0, 2);
    CHECK_EQ(slot->payload[0], 'a');
    CHECK_EQ(slot->header.flags, HV_MESSAGE_FLAG_PENDING);
    CHECK_EQ(irqs.count, 1);
    tg_consume_slot(sim, 0, 2);
    CHECK_EQ(slot->payload[0], 'b');
    CHECK_EQ(slot->header.flags, 0);
    hvsim_destroy(sim);
}

static void test_no_delivery_until_simp_enabled(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_wrmsr(sim, 0, HV_MSR_SIMP, tg_simp_gpa(0)); /* disabled */
    hvsim_post_to_guest(sim, 0, 2, 1, "x", 1);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 0);
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 1);
    hvsim_wrmsr(sim, 0, HV_MSR_SIMP, tg_simp_gpa(0) | 1);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 1);
    CHECK_EQ(irqs.count, 1);
    hvsim_destroy(sim);
}

static void test_apic_eoi_retries_delivery(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_post_to_guest(sim, 0, 2, 1, "a", 1);
    hvsim_post_to_guest(sim, 0, 2, 1, "b", 1);
    struct hv_message *slot = tg_slot(sim, 0, 2);
    slot->header.message_type = 0; /* emptied, but no EOM */
    CHECK_EQ(hvsim_irq_in_service(sim, 0, 0x41), true);
    hvsim_apic_eoi(sim, 0); /* ends 0x41; the retry raises and delivers it again */
    CHECK_EQ(slot->header.message_type, 1);
    CHECK_EQ(slot->payload[0], 'b');
    CHECK_EQ(irqs.count, 2);
    /* Through the EOI MSR as well. */
    slot->header.message_type = 0;
    hvsim_post_to_guest(sim, 0, 2, 1, "c", 1); /* slot free: delivered, but vector 0x41 in service */
    CHECK_EQ(irqs.count, 2);
    CHECK_EQ(hvsim_irq_pending(sim, 0, 0x41), true);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_EOI, 0), HVSIM_MSR_OK);
    CHECK_EQ(irqs.count, 3);
    hvsim_destroy(sim);
}

/* Injected interrupt faults: a lost raise leaves the message in the slot
 * with nobody told; a spurious one fires with nothing new behind it. */
static void test_lost_and_spurious_interrupts(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    CHECK_EQ(hvsim_inject_lost_sint(sim, 0, 2, 1), HVSIM_OK);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, "lost", 4), HVSIM_OK);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 1);   /* delivered ... */
    CHECK_EQ(irqs.count, 0);                                  /* ... silently */
    tg_consume_slot(sim, 0, 2);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, "next", 4), HVSIM_OK);
    CHECK_EQ(irqs.count, 1);                                  /* only the next one was lost */

    tg_consume_slot(sim, 0, 2);
    hvsim_apic_eoi(sim, 0);
    CHECK_EQ(hvsim_raise_spurious_sint(sim, 0, 2), HVSIM_OK);
    CHECK_EQ(irqs.count, 2);
    CHECK_EQ(irqs.vector[1], 0x41);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 0);     /* nothing behind it */
    CHECK_EQ(hvsim_raise_spurious_sint(sim, 0, 16), HVSIM_EINVAL);
    CHECK_EQ(hvsim_inject_lost_sint(sim, 1, 2, 1), HVSIM_EINVAL);
    hvsim_destroy(sim);
}

static void test_masked_sint_held_until_unmasked(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    tg_set_sint(sim, 0, 2, 0x41, HV_SINT_MASKED);
    hvsim_post_to_guest(sim, 0, 2, 1, "x", 1);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 1); /* the slot is written anyway */
    CHECK_EQ(irqs.count, 0);
    CHECK_EQ(hvsim_irq_pending(sim, 0, 0x41), false);
    tg_set_sint(sim, 0, 2, 0x41, 0);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vector[0], 0x41);
    /* Unmasking again raises nothing more. */
    tg_set_sint(sim, 0, 2, 0x41, HV_SINT_MASKED);
    tg_set_sint(sim, 0, 2, 0x41, 0);
    CHECK_EQ(irqs.count, 1);
    hvsim_destroy(sim);
}

static void test_masked_sint_drop_policy(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.masked_policy = HVSIM_MASKED_DROP;
    struct tg_irqs irqs;
    struct hvsim *sim = setup_cfg(&cfg, &irqs);
    tg_set_sint(sim, 0, 2, 0x41, HV_SINT_MASKED);
    hvsim_post_to_guest(sim, 0, 2, 1, "x", 1);
    tg_set_sint(sim, 0, 2, 0x41, 0);
    CHECK_EQ(irqs.count, 0);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 1);
    hvsim_destroy(sim);
}

static void test_auto_eoi(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    tg_set_sint(sim, 0, 3, 0x52, HV_SINT_AUTO_EOI);
    hvsim_post_to_guest(sim, 0, 3, 1, "a", 1);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(hvsim_irq_in_service(sim, 0, 0x52), false); /* hypervisor did the EOI */
    tg_consume_slot(sim, 0, 3);
    hvsim_post_to_guest(sim, 0, 3, 1, "b", 1);
    CHECK_EQ(irqs.count, 2); /* no EOI needed before the next one */

    /* Without AutoEOI the vector stays in service and blocks itself. */
    hvsim_post_to_guest(sim, 0, 2, 1, "c", 1);
    CHECK_EQ(irqs.count, 3);
    CHECK_EQ(hvsim_irq_in_service(sim, 0, 0x41), true);
    tg_consume_slot(sim, 0, 2);
    hvsim_post_to_guest(sim, 0, 2, 1, "d", 1);
    CHECK_EQ(irqs.count, 3);
    hvsim_apic_eoi(sim, 0);
    CHECK_EQ(irqs.count, 4);
    hvsim_destroy(sim);
}

static void test_polling_sint_raises_nothing(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.features |= HV_FEATURE_SINT_POLLING;
    struct tg_irqs irqs;
    struct hvsim *sim = setup_cfg(&cfg, &irqs);
    tg_set_sint(sim, 0, 5, 0x60, HV_SINT_POLLING);
    hvsim_post_to_guest(sim, 0, 5, 1, "p", 1);
    CHECK_EQ(tg_slot(sim, 0, 5)->header.message_type, 1);
    CHECK_EQ(irqs.count, 0);
    hvsim_destroy(sim);
}

static void test_event_flags(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    tg_set_sint(sim, 0, 3, 0x50, 0);
    CHECK_EQ(hvsim_signal_guest_event(sim, 0, 3, 13), HVSIM_OK);
    uint8_t *flags = tg_sief(sim, 0, 3);
    CHECK_EQ(flags[1], 1u << 5); /* bit 13 = byte 1, bit 5 */
    CHECK_EQ(tg_sief(sim, 0, 2)[1], 0);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vector[0], 0x50);
    hvsim_apic_eoi(sim, 0);
    /* Already set: no new interrupt. */
    hvsim_signal_guest_event(sim, 0, 3, 13);
    CHECK_EQ(irqs.count, 1);
    /* Another flag in the same array: 0->1, interrupt. */
    hvsim_signal_guest_event(sim, 0, 3, 2047);
    CHECK_EQ(flags[255], 0x80);
    CHECK_EQ(irqs.count, 2);
    hvsim_apic_eoi(sim, 0);
    /* The guest clears the bit; the next signal interrupts again. */
    __atomic_fetch_and(&flags[1], (uint8_t)~(1u << 5), __ATOMIC_SEQ_CST);
    hvsim_signal_guest_event(sim, 0, 3, 13);
    CHECK_EQ(irqs.count, 3);
    CHECK_EQ(hvsim_signal_guest_event(sim, 0, 3, 2048), HVSIM_EINVAL);
    CHECK_EQ(hvsim_signal_guest_event(sim, 0, 16, 0), HVSIM_EINVAL);
    hvsim_wrmsr(sim, 0, HV_MSR_SIEFP, tg_siefp_gpa(0));
    CHECK_EQ(hvsim_signal_guest_event(sim, 0, 3, 1), HVSIM_ESTATE);
    hvsim_wrmsr(sim, 0, HV_MSR_SIEFP, tg_siefp_gpa(0) | 1);
    hvsim_wrmsr(sim, 0, HV_MSR_SCONTROL, 0);
    CHECK_EQ(hvsim_signal_guest_event(sim, 0, 3, 1), HVSIM_ESTATE);
    hvsim_destroy(sim);
}

static void test_queue_full(void)
{
    struct hvsim *sim = setup(NULL);
    /* Slot takes the first; 16 more fill the queue. */
    for (int i = 0; i < 17; i++)
        CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, "q", 1), HVSIM_OK);
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 16);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 2, 1, "q", 1), HVSIM_EFULL);
    CHECK_EQ(hvsim_post_to_guest(sim, 0, 3, 1, "q", 1), HVSIM_OK); /* per SINT */
    hvsim_destroy(sim);
}

static void test_delayed_delivery(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.msg_delay_ns = 1000;
    struct tg_irqs irqs;
    struct hvsim *sim = setup_cfg(&cfg, &irqs);
    hvsim_advance_ns(sim, 50);
    hvsim_post_to_guest(sim, 0, 2, 1, "late", 4);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 0);
    uint64_t when = 0;
    CHECK(hvsim_next_event_ns(sim, &when), "an event is due");
    CHECK_EQ(when, 1050);
    hvsim_advance_ns(sim, 999);
    CHECK_EQ(irqs.count, 0);
    hvsim_advance_ns(sim, 1);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.time_ns[0], 1050);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 1);
    CHECK(!hvsim_next_event_ns(sim, &when), "nothing left");
    hvsim_destroy(sim);
}

static void test_delays_reorder(void)
{
    struct tg_irqs irqs;
    struct hvsim *sim = setup(&irqs);
    hvsim_post_to_guest_ex(sim, 0, 2, 1, "A", 1, 500, 0);
    hvsim_post_to_guest_ex(sim, 0, 2, 1, "B", 1, 100, 0);
    hvsim_post_to_guest_ex(sim, 0, 2, 1, "C", 1, 100, 0);
    CHECK(hvsim_advance_to_next_event(sim), "advance");
    CHECK_EQ(hvsim_now_ns(sim), 100);
    struct hv_message *slot = tg_slot(sim, 0, 2);
    CHECK_EQ(slot->payload[0], 'B');
    CHECK_EQ(slot->header.flags, HV_MESSAGE_FLAG_PENDING); /* C is ready too */
    tg_consume_slot(sim, 0, 2);
    CHECK_EQ(slot->payload[0], 'C');
    CHECK_EQ(slot->header.flags, 0); /* A is not ready yet */
    tg_consume_slot(sim, 0, 2);
    CHECK_EQ(slot->header.message_type, 0);
    hvsim_advance_ns(sim, 400);
    CHECK_EQ(slot->payload[0], 'A');
    hvsim_destroy(sim);
}

/* The whole guest loop inside the interrupt handler: copy, clear, EOM, EOI. */
struct drain_ctx {
    char seen[32];
    int n;
};

static void drain_hook(struct tg_irqs *irqs, struct hvsim *sim, uint32_t vp, uint8_t vector)
{
    (void)vector;
    struct drain_ctx *d = irqs->user;
    struct hv_message *slot = tg_slot(sim, vp, 2);
    if (slot->header.message_type != 0 && d->n < 31)
        d->seen[d->n++] = (char)slot->payload[0];
    tg_consume_slot(sim, vp, 2);
    hvsim_apic_eoi(sim, vp);
}

static void test_guest_handler_drains_queue(void)
{
    struct tg_irqs irqs;
    struct drain_ctx d = {{0}, 0};
    struct hvsim *sim = setup(&irqs);
    hvsim_set_irq_enabled(sim, 0, false);
    hvsim_post_to_guest(sim, 0, 2, 1, "1", 1);
    hvsim_post_to_guest(sim, 0, 2, 1, "2", 1);
    hvsim_post_to_guest(sim, 0, 2, 1, "3", 1);
    CHECK_EQ(irqs.count, 0); /* interrupts off */
    CHECK_EQ(hvsim_irq_pending(sim, 0, 0x41), true);
    irqs.hook = drain_hook;
    irqs.user = &d;
    hvsim_set_irq_enabled(sim, 0, true);
    CHECK_EQ(d.n, 3);
    CHECK(strcmp(d.seen, "123") == 0, "order: %s", d.seen);
    CHECK_EQ(irqs.count, 3);
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 0);
    CHECK_EQ(hvsim_irq_in_service(sim, 0, 0x41), false);
    hvsim_destroy(sim);
}

static void test_take_interrupt_by_hand(void)
{
    struct hvsim *sim = setup(NULL);
    tg_set_sint(sim, 0, 4, 0x30, 0);
    tg_set_sint(sim, 0, 5, 0x90, 0);
    hvsim_post_to_guest(sim, 0, 4, 1, "lo", 2);
    hvsim_post_to_guest(sim, 0, 5, 1, "hi", 2);
    CHECK_EQ(hvsim_take_interrupt(sim, 0), 0x90); /* higher vector first */
    CHECK_EQ(hvsim_take_interrupt(sim, 0), -1);   /* 0x30 is below 0x90's class */
    hvsim_apic_eoi(sim, 0);
    CHECK_EQ(hvsim_take_interrupt(sim, 0), 0x30);
    hvsim_apic_eoi(sim, 0);
    CHECK_EQ(hvsim_take_interrupt(sim, 0), -1);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.interrupts, 2);
    CHECK_EQ(st.apic_eois, 2);
    hvsim_destroy(sim);
}

static void test_zero_synic_pages_option(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.zero_synic_pages = true;
    struct hvsim *sim = tg_create(&cfg);
    uint8_t *page = hvsim_gpa_to_host(sim, tg_simp_gpa(0), 4096);
    memset(page, 0xEE, 4096);
    hvsim_wrmsr(sim, 0, HV_MSR_SIMP, tg_simp_gpa(0) | 1);
    CHECK_EQ(page[0], 0);
    CHECK_EQ(page[4095], 0);
    hvsim_destroy(sim);

    /* Default (as Hyper-V): the guest's bytes stay, so a dirty slot blocks delivery. */
    sim = tg_create(NULL);
    page = hvsim_gpa_to_host(sim, tg_simp_gpa(0), 4096);
    memset(page, 0xEE, 4096);
    hvsim_wrmsr(sim, 0, HV_MSR_SIMP, tg_simp_gpa(0) | 1);
    hvsim_wrmsr(sim, 0, HV_MSR_SCONTROL, 1);
    CHECK_EQ(page[0], 0xEE);
    hvsim_post_to_guest(sim, 0, 2, 1, "x", 1);
    CHECK_EQ(hvsim_queued_messages(sim, 0, 2), 1);
    hvsim_destroy(sim);
}

static void test_second_vp(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.vp_count = 2;
    struct tg_irqs irqs;
    struct hvsim *sim = setup_cfg(&cfg, &irqs);
    tg_enable_synic(sim, 1);
    tg_set_sint(sim, 1, 2, 0x42, 0);
    hvsim_post_to_guest(sim, 1, 2, 1, "to vp1", 6);
    CHECK_EQ(irqs.count, 1);
    CHECK_EQ(irqs.vp[0], 1);
    CHECK_EQ(irqs.vector[0], 0x42);
    CHECK_EQ(tg_slot(sim, 1, 2)->header.message_type, 1);
    CHECK_EQ(tg_slot(sim, 0, 2)->header.message_type, 0);
    hvsim_signal_guest_event(sim, 1, 2, 7);
    CHECK_EQ(tg_sief(sim, 1, 2)[0], 0x80);
    CHECK_EQ(tg_sief(sim, 0, 2)[0], 0);
    hvsim_destroy(sim);
}

int main(void)
{
    RUN_TEST(test_message_into_free_slot);
    RUN_TEST(test_post_to_guest_argument_checks);
    RUN_TEST(test_busy_slot_sets_pending_then_eom_delivers);
    RUN_TEST(test_pending_flag_when_more_are_ready);
    RUN_TEST(test_no_delivery_until_simp_enabled);
    RUN_TEST(test_apic_eoi_retries_delivery);
    RUN_TEST(test_lost_and_spurious_interrupts);
    RUN_TEST(test_masked_sint_held_until_unmasked);
    RUN_TEST(test_masked_sint_drop_policy);
    RUN_TEST(test_auto_eoi);
    RUN_TEST(test_polling_sint_raises_nothing);
    RUN_TEST(test_event_flags);
    RUN_TEST(test_queue_full);
    RUN_TEST(test_delayed_delivery);
    RUN_TEST(test_delays_reorder);
    RUN_TEST(test_guest_handler_drains_queue);
    RUN_TEST(test_take_interrupt_by_hand);
    RUN_TEST(test_zero_synic_pages_option);
    RUN_TEST(test_second_vp);
    return check_summary();
}
