/* A slow or sloppy host: replies that come late (or too late), replies
 * that come twice, interrupts with nothing behind them, and buffer storms.
 * Whatever happens: no crash, no hang, a clear status. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "vmbus/vmbus.h"

static const struct hvsim_vmbus_device echo = { .model = HVSIM_VMBUS_ECHO };

static struct hvsim_vmbus *start_with_delay(uint32_t type, uint64_t delay_ns)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.devices = &echo;
    vc.device_count = 1;
    vc.type_delay_ns[type] = delay_ns;
    return fixture_start_config(&vc, 0);
}

static void test_late_replies_are_waited_for(void)
{
    const uint32_t types[] = { VMBUS_MSG_VERSION_RESPONSE, VMBUS_MSG_ALLOFFERS_DELIVERED, VMBUS_MSG_GPADL_CREATED,
                               VMBUS_MSG_OPENCHANNEL_RESULT };
    for (unsigned i = 0; i < 4; i++) {
        struct hvsim_vmbus *host = start_with_delay(types[i], 300000000);   /* 300 ms */
        CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
        struct vmbus_offer o;
        CHECK(vmbus_offer_at(0, &o), "offer after a late type %u", types[i]);
        static struct vmbus_channel ch;
        CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
        vmbus_channel_close(&ch, 1000);
        fixture_stop(host);
    }
}

static void test_too_late_is_a_timeout(void)
{
    struct hvsim_vmbus *host = start_with_delay(VMBUS_MSG_OPENCHANNEL_RESULT, 3000000000ull);   /* 3 s */
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    vmbus_offer_at(0, &o);
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 500), VMBUS_E_TIMEOUT);
    /* The answer that comes after all is a reply nobody waits for: ignored. */
    struct vmbus_counters before, after;
    vmbus_get_counters(&before);
    hvsim_advance_ns(hosted_sim(), 3000000000ull);
    vmbus_get_counters(&after);
    CHECK(after.messages_rejected > before.messages_rejected, "the late result was dropped");
    fixture_stop(host);
}

static void test_duplicated_replies_are_ignored(void)
{
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &echo, 1, 0);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_offer o;
    vmbus_offer_at(0, &o);
    /* A second VERSION_RESPONSE and a second ALLOFFERS_DELIVERED, unasked. */
    uint8_t msg[16] = { VMBUS_MSG_VERSION_RESPONSE, 0, 0, 0, 0, 0, 0, 0, 1 };
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, msg, sizeof(msg));
    uint8_t all[8] = { VMBUS_MSG_ALLOFFERS_DELIVERED };
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, all, sizeof(all));
    /* The same offer again: refused, the registry unchanged. */
    struct vmbus_msg_offer dup;
    memset(&dup, 0, sizeof(dup));
    dup.hdr.type = VMBUS_MSG_OFFERCHANNEL;
    dup.child_relid = o.relid;
    hvsim_post_to_guest(hosted_sim(), 0, VMBUS_SINT, 1, &dup, sizeof(dup));
    CHECK_EQ(vmbus_offer_count(), 1);
    CHECK(vmbus_connected() && vmbus_version() == VMBUS_VERSION_WIN10_V5_3, "connection unchanged");
    static struct vmbus_channel ch;
    CHECK_EQ(vmbus_channel_open(&ch, &o, 4096, 4096, NULL, 0, NULL, NULL, 1000), VMBUS_OK);
    vmbus_channel_close(&ch, 1000);
    fixture_stop(host);
}

static void test_spurious_interrupts_are_harmless(void)
{
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &echo, 1, 0);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    struct vmbus_counters before, after;
    vmbus_get_counters(&before);
    /* Event flags for relids nobody has open, and empty SINT interrupts. */
    for (uint32_t flag = 0; flag < 2048; flag += 97)
        hvsim_signal_guest_event(hosted_sim(), 0, VMBUS_SINT, flag);
    vmbus_get_counters(&after);
    CHECK_EQ(after.messages_received, before.messages_received);
    CHECK(vmbus_connected() && vmbus_offer_count() == 1, "still connected");
    fixture_stop(host);
}

static void test_buffer_storm_on_every_post(void)
{
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &echo, 1, 0);
    /* Each post fails twice with INSUFFICIENT_BUFFERS before it goes through. */
    for (int i = 0; i < 50; i++)
        hvsim_inject_hypercall_fault(hosted_sim(), HV_CALL_POST_MESSAGE, HV_STATUS_INSUFFICIENT_BUFFERS, 2);
    CHECK_EQ(vmbus_connect(NULL), VMBUS_OK);
    CHECK_EQ(vmbus_offer_count(), 1);
    fixture_stop(host);
}

int main(void)
{
    RUN_TEST(test_late_replies_are_waited_for);
    RUN_TEST(test_too_late_is_a_timeout);
    RUN_TEST(test_duplicated_replies_are_ignored);
    RUN_TEST(test_spurious_interrupts_are_harmless);
    RUN_TEST(test_buffer_storm_on_every_post);
    return check_summary();
}
