/* Opens the echo device through the KMCL API and checks round trips: N
 * synchronous requests whose replies must equal what was sent, then a burst
 * of plain packets whose echoes must come back complete and in order (a
 * burst larger than the ring: the sends that find it full wait in KMCL's
 * queue). The device may be offered after the app starts: Enable returns at
 * once and the app waits for the open. With --passive, ProcessPacket runs
 * on the passive worker and blocks (sleeps) now and then, as it may. The
 * echo device is hvrt's own test device (hvsim offers it); a real Hyper-V
 * host has none, so elsewhere this says so and stops. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>
#include <hvrt/vmbus.h>

/* hvrt's echo device class, 68767274-0001-4563-8000-6563686f0000 ("hvrt", "echo"). */
static const GUID echo_class = { 0x68767274, 0x0001, 0x4563, { 0x80, 0x00, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x00 } };

#define OPEN_TIMEOUT_MS 10000

struct burst {
    volatile unsigned received;
    unsigned bad;
    bool passive;         /* ProcessPacket at passive level: it may block */
    unsigned blocked;     /* times it did */
};

static void on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)flags;
    struct burst *b = VmbChannelGetPointer(ch);
    unsigned seq;
    if (len < sizeof(seq))
        b->bad++;
    else {
        memcpy(&seq, buf, sizeof(seq));
        if (seq != b->received)
            b->bad++;   /* lost, duplicated or reordered */
    }
    if (b->passive && b->received % 64 == 0) {
        hvrt_sleep_us(200);   /* blocking here is what passive delivery allows */
        b->blocked++;
    }
    b->received++;
    VmbChannelPacketComplete(pc, NULL, 0);
}

/* The host rescinded the device: say so once and stop, rather than count
 * every later request as a wrong answer. */
static int device_removed(VMBCHANNEL ch, unsigned done)
{
    printf("echo: the host removed the echo device after %u requests and packets\n", done);
    VmbChannelCleanup(ch);
    printf("echo: FAIL\n");
    return 1;
}

static int echo_main(int argc, char **argv)
{
    struct burst burst = { 0 };
    if (argc > 1 && strcmp(argv[1], "--passive") == 0) {
        burst.passive = true;
        argc--, argv++;
    }
    unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
    VMBCHANNEL ch;
    NTSTATUS st = VmbChannelAllocate(NULL, FALSE, &ch);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetTargetPnp(ch, &echo_class, NULL, NULL);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetRingBufferPageCount(ch, 4, 4);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetProcessPacketCallbacks(ch, on_packet, NULL);
    VmbChannelSetPointer(ch, &burst);
    if (NT_SUCCESS(st))
        VmbChannelSetIncomingProcessingAtPassive(ch, burst.passive);
    if (NT_SUCCESS(st))
        st = VmbChannelEnable(ch);
    if (NT_SUCCESS(st))   /* the offer may come later than we start */
        st = HvrtChannelWaitOpened(ch, OPEN_TIMEOUT_MS);
    if (!NT_SUCCESS(st)) {
        printf("echo: cannot open the echo device: NTSTATUS 0x%08x%s\n", (unsigned)st,
               st == STATUS_NO_SUCH_DEVICE ? " (no such device offered, or no VMBus)" : "");
        VmbChannelCleanup(ch);
        return 1;
    }

    unsigned mismatches = 0;
    for (unsigned i = 0; i < rounds; i++) {
        char request[64], reply[64] = { 0 };
        int len = snprintf(request, sizeof(request), "round %u of %u", i, rounds) + 1;
        UINT32 size = sizeof(reply);
        LARGE_INTEGER timeout = { -10000000 };   /* 1 s */
        st = VmbChannelSendSynchronousRequest(ch, request, (UINT32)len, NULL, 0, reply, &size, &timeout);
        if (st == STATUS_DEVICE_REMOVED)
            return device_removed(ch, i);
        if (!NT_SUCCESS(st) || strcmp(reply, request) != 0)
            mismatches++;
    }
    printf("echo: %u synchronous round trips, %u wrong\n", rounds, mismatches);

    for (unsigned seq = 0; seq < rounds; seq++) {
        VMBPACKET p = VmbPacketAllocate(ch);
        st = p != NULL ? VmbPacketSend(p, &seq, sizeof(seq), NULL, 0) : STATUS_INSUFFICIENT_RESOURCES;
        if (st == STATUS_DEVICE_REMOVED)
            return device_removed(ch, rounds + seq);
        if (!NT_SUCCESS(st))
            mismatches++;
    }
    for (int spins = 0; burst.received < rounds && spins < 5000; spins++)
        hvrt_sleep_us(1000);
    printf("echo: %u packets echoed, %u back in order, %u wrong\n", rounds, burst.received, burst.bad);
    if (burst.passive)
        printf("echo: ProcessPacket ran at passive level and blocked %u times\n", burst.blocked);
    VmbChannelCleanup(ch);
    bool ok = mismatches == 0 && burst.received == rounds && burst.bad == 0;
    printf("echo: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

HVRT_APP("echo", echo_main, "round trips through hvrt's echo device via the KMCL API [--passive] [ROUNDS]");
