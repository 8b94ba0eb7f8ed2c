/* libFuzzer target: the guest's VMBus control-message handler (on_message
 * in vmbus/connection.c, static) and what it calls (offer.c: offers,
 * rescinds; reply delivery to waiters), reached the way the host reaches
 * it: hvsim posts a SynIC message to the VMBus SINT, the hosted backend
 * takes the interrupt, arch/x86_64/hyperv/synic.c copies the slot out and
 * calls the handler.
 *
 * Set-up (once, or again when the input asks for another host): hosted
 * backend + hyperv_init + hvsim's VMBus host + vmbus_connect. Every
 * iteration then:
 *   byte 0: bits 0-1  host: Hyper-V 5.3, Hyper-V 6.0 (Copper), Hyper-V
 *                     capped at 2.4 (Win8), QEMU 4.0 -- the negotiated
 *                     version changes which per-type minimum sizes apply
 *           bit 2     reconnect: disconnect (UNLOAD), queue the first message
 *                     before vmbus_connect, so it arrives while version
 *                     negotiation is in flight (version 0)
 *           bit 3     a waiter is registered (vmbus_expect) for the reply
 *                     type/key/relid in bytes 1-9, awaited with a 1 ms
 *                     timeout after the messages
 *           bits 4-7  reconnect: the highest version the guest asks for
 *                     (0: the newest; else one of `highest` below, some
 *                     older than any we speak: every version refused)
 *   bytes 1-9: waiter type (u8), key offset (u8), key (u32), relid (u16)
 *   then messages: [len][flags][len bytes]... len % 241 (capped by what is
 *           left); flags bit0 set -> SynIC message type 2 (not VMBus).
 * Afterwards the offer registry is read back (vmbus_offer_count,
 * vmbus_offer_at, vmbus_wait_offer with no wait, and a 1 ms wait for the
 * class in bytes 1-4 as an app would wait for its device) and reset
 * (vmbus_offers_reset), so per-iteration state stays bounded. The whole
 * simulation is re-created every RECREATE_EVERY iterations. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "tests/hosted/hosted.h"
#include "tests/hvsim/vmbus_host.h"
#include "vmbus/vmbus.h"

#define RECREATE_EVERY 2000u
#define MAX_MESSAGES 32u

static const uint32_t highest[16] = {
    0, VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN10_V4_1,
    VMBUS_VERSION_WIN10_V5, VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_3,
    VMBUS_VERSION_COPPER, VMBUS_VERSION_WIN7, VMBUS_VERSION_WS2008, 0xFFFFFFFFu, 0x00020003u, 0x00070000u, 1,
};

/* Status names go to logs: each must be a string. */
static volatile size_t name_len;
static void note(int status) { name_len += strlen(vmbus_status_name(status)); }

static struct hvsim_vmbus *host;
static int host_kind = -1;
static unsigned iterations;

static void quiet(void *ctx, const char *line) { (void)ctx; (void)line; }

static const struct hvsim_vmbus_device devices[] = {
    { .model = HVSIM_VMBUS_ECHO },
    { .model = HVSIM_VMBUS_SINK },
};

static void teardown(void)
{
    if (host_kind < 0)
        return;
    vmbus_disconnect();
    hvsim_vmbus_destroy(host);
    hyperv_teardown();
    hosted_stop();
    host = NULL;
    host_kind = -1;
}

static void setup(int kind)
{
    teardown();
    struct hvsim_config c;
    hvsim_config_default(&c);
    c.guest_mem_size = 4u << 20;
    c.log = quiet;
    if (hosted_start(&c) != 0 || hyperv_init() != 0) {
        fprintf(stderr, "fuzz_vmbus_msg: hosted set-up failed\n");
        abort();
    }
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, kind == 3 ? HVSIM_VMBUS_QEMU : HVSIM_VMBUS_HYPERV);
    if (kind == 1)
        vc.max_version = VMBUS_VERSION_COPPER;
    else if (kind == 2)
        vc.max_version = VMBUS_VERSION_WIN8;
    vc.devices = devices;
    vc.device_count = 2;
    host = hvsim_vmbus_create(hosted_sim(), &vc);
    if (host == NULL) {
        fprintf(stderr, "fuzz_vmbus_msg: VMBus host set-up failed\n");
        abort();
    }
    struct vmbus_connect_options o = { .timeout_ms = 50 };
    if (vmbus_connect(&o) != VMBUS_OK) {
        fprintf(stderr, "fuzz_vmbus_msg: the first connect failed\n");
        abort();
    }
    host_kind = kind;
    iterations = 0;
}

/* Let every queued message reach the guest (each EOM releases the next). */
static void drain(void)
{
    struct hvsim *sim = hosted_sim();
    for (int i = 0; i < 256 && hvsim_queued_messages(sim, 0, VMBUS_SINT) > 0; i++)
        platform_wait_until(UINT64_MAX);
    hosted_run_deferred();
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 10)
        return 0;
    uint8_t mode = data[0];
    int kind = mode & 3;
    if (kind != host_kind || ++iterations >= RECREATE_EVERY)
        setup(kind);
    struct hvsim *sim = hosted_sim();

    const uint8_t *p = data + 10;
    size_t left = size - 10;
    bool reconnect = mode & 4;
    if (reconnect)
        vmbus_disconnect();
    if (!vmbus_connected())
        reconnect = true;

    struct vmbus_waiter *w = NULL;
    if (mode & 8)
        w = vmbus_expect(data[1], data[2], get32(data + 3), (uint32_t)data[7] | (uint32_t)data[8] << 8);

    for (unsigned n = 0; n < MAX_MESSAGES && left >= 2; n++) {
        uint32_t len = p[0] % 241u;
        uint32_t type = (p[1] & 1) ? 2u : VMBUS_POST_MESSAGE_TYPE;
        p += 2;
        left -= 2;
        if (len > left)
            len = (uint32_t)left;
        (void)hvsim_post_to_guest(sim, 0, VMBUS_SINT, type, p, len);
        p += len;
        left -= len;
        if (reconnect && n == 0) {
            /* The SINT is attached inside vmbus_connect: the message is
             * handled before or during negotiation, at version 0. */
            struct vmbus_connect_options o = { .highest_version = highest[mode >> 4], .timeout_ms = 5 };
            note(vmbus_connect(&o));
        }
        if (!vmbus_connected())
            break;   /* a forged reply broke the negotiation: reconnect next time */
        drain();
    }
    drain();

    if (w != NULL) {
        uint8_t reply[VMBUS_MSG_MAX_SIZE + 16];
        note(vmbus_await(w, reply, (uint32_t)(data[9] % sizeof(reply)), 1));
    }

    struct vmbus_offer o;
    unsigned count = vmbus_offer_count();
    for (unsigned i = 0; i <= count && i < VMBUS_MAX_OFFERS + 1; i++)
        if (vmbus_offer_at(i, &o) && o.relid == 0)
            abort();   /* offer.c refuses relid 0 */
    if (count > 0 && vmbus_offer_at(0, &o)) {
        struct vmbus_offer again;
        if (vmbus_wait_offer(&o.class_id, &o.instance_id, 0, &again) != VMBUS_OK)
            abort();   /* a live offer must be found by its GUIDs */
    }
    struct vmbus_guid wanted;
    memset(&wanted, 0, sizeof(wanted));
    memcpy(&wanted, data + 1, sizeof(wanted) < size - 1 ? sizeof(wanted) : size - 1);
    struct vmbus_offer found;
    note(vmbus_wait_offer(&wanted, NULL, 1, &found));
    (void)vmbus_all_offers_delivered();
    if (vmbus_connected() && vmbus_connect(NULL) != VMBUS_OK)
        abort();   /* connecting when connected is a no-op */
    name_len += vmbus_version() + vmbus_message_connection_id();
    struct vmbus_counters ctr;
    vmbus_get_counters(&ctr);
    vmbus_offers_reset();
    if (!vmbus_connected())
        setup(kind);   /* the next iteration starts connected again */
    return 0;
}
