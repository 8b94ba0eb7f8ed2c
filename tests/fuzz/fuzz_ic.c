/* libFuzzer target: the integration services (apps/ic/: the framework's
 * packet handler, negotiation, heartbeat, shutdown, time sync, KVP) fed
 * with host packets made of fuzz bytes.
 *
 * Set-up (once, re-created every RECREATE_EVERY iterations or when a
 * channel broke): hosted backend + hyperv_init + hvsim's VMBus host offering
 * the four IC devices + vmbus_connect + ic_start of each service; hvsim's IC
 * models negotiate once, as a host does. hvsim has no public way to inject
 * a raw packet, so the fuzzer plays the host itself: it finds the guest's
 * inbound ring of the channel (through tests/fuzz/kmcl_shim.c, which
 * reads the KMCL face's private state), attaches a writer to the
 * same shared control page and data (vmbus_ring_attach), writes a packet
 * and raises the channel's event (vmbus_channel_event(relid), what the SINT
 * event scan calls). The guest's real receive path runs: ring peek/read,
 * KMCL drain and completion, the IC framework's on_packet (pipe header, IC
 * header, negotiate) and the service handlers, and the reply goes back
 * through the outbound ring to hvsim's IC model.
 *
 * Input: up to MAX_PACKETS records [sel][len lo][len hi][len bytes]:
 *   sel % 4: heartbeat, shutdown, timesync, KVP
 *   sel & 4: completion requested     sel & 8: send as a COMP packet
 *   len % (MAX_PAYLOAD + 1), capped by the bytes left: the packet payload
 *   (pipe header, IC header, body: all from the input). The fuzzer mutates
 *   these records with tests/fuzz/ic_mutator.c, which keeps most of them
 *   framed well enough to reach the services.
 * Shutdown's power-off or reset (deferred) is caught with
 * hosted_catch_poweroff; the next iteration re-creates everything. Like an
 * appliance, the harness registers a host-shutdown hook, keeps a value in
 * the guest KVP pool and reads back what the host wrote to the external
 * pool after every input. */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/ic.h>
#include "apps/ic/ic.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "tests/hosted/hosted.h"
#include "tests/hvsim/vmbus_host.h"
#include "tests/hvsim/vmbus_ic.h"
#include "vmbus/vmbus.h"

struct vmbus_ring *fuzz_kmcl_in_ring(VMBCHANNEL ch);
uint32_t fuzz_kmcl_relid(VMBCHANNEL ch);
bool fuzz_kmcl_failed(VMBCHANNEL ch);
bool fuzz_kmcl_active(VMBCHANNEL ch);

#define RECREATE_EVERY 5000u
#define MAX_PACKETS 8u
#define MAX_PAYLOAD 8192u   /* IC_MAX_MESSAGE: KMCL's packet limit for IC channels */

static const struct ic_service *const services[4] = { &ic_heartbeat, &ic_shutdown, &ic_timesync, &ic_kvp };
static const enum hvsim_vmbus_model_id models[4] = {
    HVSIM_VMBUS_HEARTBEAT, HVSIM_VMBUS_SHUTDOWN, HVSIM_VMBUS_TIMESYNC, HVSIM_VMBUS_KVP,
};

static struct hvsim_vmbus *host;
static bool up;
static unsigned iterations;
static jmp_buf poweroff;
static uint8_t payload[MAX_PAYLOAD];

static void quiet(void *ctx, const char *line) { (void)ctx; (void)line; }

static unsigned shutdowns;
static void on_shutdown(bool restart, void *ctx)
{
    (void)ctx;
    shutdowns += restart ? 2 : 1;
}

static void teardown(void)
{
    if (!up)
        return;
    up = false;
    jmp_buf here;
    hosted_catch_poweroff(&here);
    if (setjmp(here) == 0) {
        ic_stop_all();
        vmbus_disconnect();
    }
    hosted_catch_poweroff(NULL);
    hvsim_vmbus_destroy(host);
    hyperv_teardown();
    hosted_stop();
    host = NULL;
}

static void setup(void)
{
    teardown();
    for (int i = 0; i < 4; i++) {
        struct hvsim_ic_config ic;
        hvsim_ic_config_default(models[i], &ic);
        ic.heartbeat_interval_ns = 1000000000000000ull;   /* the host stays quiet */
        ic.kvp_enumerate = false;
        if (hvsim_ic_set_config(models[i], &ic) != 0)
            abort();
    }
    struct hvsim_config c;
    hvsim_config_default(&c);
    c.guest_mem_size = 4u << 20;   /* enough for the rings; a small arena re-creates faster */
    c.log = quiet;
    if (hosted_start(&c) != 0 || hyperv_init() != 0) {
        fprintf(stderr, "fuzz_ic: hosted set-up failed\n");
        abort();
    }
    static const struct hvsim_vmbus_device devices[4] = {
        { .model = HVSIM_VMBUS_HEARTBEAT }, { .model = HVSIM_VMBUS_SHUTDOWN },
        { .model = HVSIM_VMBUS_TIMESYNC }, { .model = HVSIM_VMBUS_KVP },
    };
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, HVSIM_VMBUS_HYPERV);
    vc.devices = devices;
    vc.device_count = 4;
    host = hvsim_vmbus_create(hosted_sim(), &vc);
    if (host == NULL || vmbus_connect(NULL) != VMBUS_OK) {
        fprintf(stderr, "fuzz_ic: VMBus set-up failed\n");
        abort();
    }
    for (int i = 0; i < 4; i++) {
        if (ic_start(services[i]) != 0) {
            fprintf(stderr, "fuzz_ic: %s did not start\n", services[i]->name);
            abort();
        }
    }
    static bool hooked;
    if (!hooked && hvrt_on_host_shutdown(on_shutdown, NULL) != 0)
        abort();
    hooked = true;
    if (hvrt_kvp_set("FuzzStatus", "running") != 0 || hvrt_kvp_set("FuzzStatus", "") != 0 ||
        hvrt_kvp_set("FuzzStatus", "up") != 0)
        abort();
    for (int i = 0; i < 16; i++)   /* let the host's NEGOTIATEs be answered */
        platform_wait_until(UINT64_MAX);
    up = true;
    iterations = 0;
}

static bool channels_healthy(void)
{
    for (int i = 0; i < 4; i++)
        if (services[i]->state->channel == NULL || fuzz_kmcl_failed(services[i]->state->channel) ||
            !fuzz_kmcl_active(services[i]->state->channel))
            return false;
    return true;
}

/* One packet into the guest's inbound ring, as the host writes it. */
static void host_send(const struct ic_service *s, uint8_t sel, const uint8_t *data, uint32_t len)
{
    VMBCHANNEL ch = s->state->channel;
    struct vmbus_ring *in = fuzz_kmcl_in_ring(ch);
    uint32_t relid = fuzz_kmcl_relid(ch);
    struct vmbus_ring w;
    /* Our own writer over the shared pages: its write index comes from the
     * control page, so packets follow whatever was there. */
    if (vmbus_ring_attach(&w, in->control, in->data, in->size) != VMBUS_RING_OK)
        return;
    memcpy(payload, data, len);
    struct vmbus_packet_out p = {
        .type = (sel & 8) ? VMBUS_PACKET_COMP : VMBUS_PACKET_DATA_INBAND,
        .flags = (sel & 4) ? VMBUS_PACKET_FLAG_COMPLETION_REQUESTED : 0,
        .transaction_id = (uint64_t)sel << 32 | len,
        .payload = payload,
        .payload_len = len,
    };
    bool signal;
    enum vmbus_ring_result res = vmbus_ring_write(&w, &p, &signal);
    if (res == VMBUS_RING_FULL) {
        /* The guest has not drained yet: let it, then try once more. */
        platform_irq_state st = platform_irq_save();
        vmbus_channel_event(relid);
        platform_irq_restore(st);
        if (vmbus_ring_attach(&w, in->control, in->data, in->size) != VMBUS_RING_OK)
            return;
        res = vmbus_ring_write(&w, &p, &signal);
    }
    if (res != VMBUS_RING_OK)
        return;
    /* Interrupt context, as when the SINT's event flag scan finds relid. */
    platform_irq_state st = platform_irq_save();
    vmbus_channel_event(relid);
    platform_irq_restore(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!up || ++iterations >= RECREATE_EVERY || !channels_healthy())
        setup();

    hosted_catch_poweroff(&poweroff);
    if (setjmp(poweroff) != 0) {
        /* Shutdown powered off or reset: the run ended; start again next time. */
        hosted_catch_poweroff(NULL);
        up = false;
        hvsim_vmbus_destroy(host);
        hyperv_teardown();
        hosted_stop();
        host = NULL;
        return 0;
    }

    const uint8_t *p = data;
    size_t left = size;
    for (unsigned n = 0; n < MAX_PACKETS && left >= 3; n++) {
        uint8_t sel = p[0];
        uint32_t len = ((uint32_t)p[1] | (uint32_t)p[2] << 8) % (MAX_PAYLOAD + 1);
        p += 3;
        left -= 3;
        if (len > left)
            len = (uint32_t)left;
        const struct ic_service *s = services[sel % 4];
        if (s->state->channel != NULL && !fuzz_kmcl_failed(s->state->channel))
            host_send(s, sel, p, len);
        p += len;
        left -= len;
    }
    /* Deferred work (the shutdown service powers off from there). */
    hosted_run_deferred();
    const char *v = hvrt_kvp_get("HostName", true);
    if (v != NULL && strlen(v) >= 1024)
        abort();   /* a value is at most 1023 characters */
    hosted_console_clear();
    hosted_catch_poweroff(NULL);
    return 0;
}
