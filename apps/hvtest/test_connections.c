/* Messages and events between the guest and itself through loopback
 * connections (after kvm-unit-tests' hyperv_connections): exact delivery,
 * a busy slot that holds the next message until EOM, an already-set flag
 * that raises no second interrupt, an unknown connection refused. */
#include <string.h>

#include "apps/hvtest/hvtest.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_defs.h"

#define MSG_CONNECTION 0x10
#define EVT_CONNECTION 0x20
#define MSG_SINT 6
#define EVT_SINT 7

static volatile int messages, events;
static uint8_t last_payload[HV_MESSAGE_PAYLOAD_MAX];
static uint32_t last_size, order[4];

static void on_message(const struct hv_message *m, void *ctx)
{
    (void)ctx;
    memcpy(last_payload, m->payload, m->header.payload_size);
    last_size = m->header.payload_size;
    if (messages < 4)
        order[messages] = m->payload[0];
    messages++;
}

static void count_flag(uint32_t flag, void *ctx)
{
    (void)ctx;
    if (flag == 0)
        events++;
}

void hvtest_connections(bool have_loopback)
{
    if (!hv.synic || !hv.messages || !hv.events) {
        skip("connections", "needs the SynIC, HvPostMessage and HvSignalEvent");
        return;
    }
    if (!have_loopback) {
        skip("connections", "needs loopback connections (QEMU's hyperv-testdev: pass --testdev)");
        return;
    }
    if (loopback_message_connection(MSG_CONNECTION, MSG_SINT) != 0 ||
        loopback_event_connection(EVT_CONNECTION, EVT_SINT) != 0) {
        report(false, "connections: create loopback connections");
        return;
    }
    messages = events = 0;
    platform_sint_attach(MSG_SINT, on_message, NULL, 0, NULL);
    platform_sint_attach(EVT_SINT, NULL, count_flag, 64, NULL);

    uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
    for (unsigned i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(0xa5 ^ i);
    uint16_t status = platform_post_message(MSG_CONNECTION, 1, payload, sizeof(payload));
    report(status == HV_STATUS_SUCCESS, "connections: post 240 bytes to myself (status 0x%x)", status);
    report(wait_for(&messages, 100) && messages == 1 && last_size == sizeof(payload) &&
           memcmp(last_payload, payload, sizeof(payload)) == 0, "connections: the message arrives intact, once");

    /* Two posts while interrupts are off: the second finds the slot busy. */
    messages = 0;
    platform_irq_state s = platform_irq_save();
    uint8_t one = 1, two = 2;
    platform_post_message(MSG_CONNECTION, 1, &one, 1);
    platform_post_message(MSG_CONNECTION, 1, &two, 1);
    platform_irq_restore(s);
    report(wait_for(&messages, 100), "connections: busy slot: first delivered");
    uint64_t deadline = platform_time_ns() + 100000000;
    while (messages < 2 && platform_time_ns() < deadline)
        platform_delay_ns(10000);
    report(messages == 2 && order[0] == 1 && order[1] == 2, "connections: busy slot: second delivered after EOM, in order");

    status = platform_signal_event(EVT_CONNECTION, 0);
    report(status == HV_STATUS_SUCCESS && wait_for(&events, 100) && events == 1,
           "connections: signal my own event flag (status 0x%x)", status);

    /* Signalled twice before the guest looks: one flag, one interrupt. */
    events = 0;
    s = platform_irq_save();
    platform_signal_event(EVT_CONNECTION, 0);
    platform_signal_event(EVT_CONNECTION, 0);
    platform_irq_restore(s);
    wait_for(&events, 100);
    platform_delay_ns(1000000);
    report(events == 1, "connections: an already-set flag raises nothing more (%d seen)", events);

    status = platform_post_message(0x7ff, 1, payload, 8);
    report(status == HV_STATUS_INVALID_CONNECTION_ID, "connections: unknown connection refused (status 0x%x)", status);

    platform_sint_detach(MSG_SINT);
    platform_sint_detach(EVT_SINT);
    loopback_remove(MSG_CONNECTION);
    loopback_remove(EVT_CONNECTION);
}
