/* Integrity under load: packets carrying a sequence number and a checksum
 * go through hvsim's echo device via the KMCL API and must come back all,
 * once each, in order and intact. INTEGRITY_PACKETS overrides the count
 * (make test: 10^6; make bench can run 10^8). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include <hvrt/vmbus.h>
#include <hvrt/runtime.h>
#include "arch/platform.h"

struct stream {
    uint64_t next_expected, received, lost, duplicated, reordered, corrupt;
};

struct sample {
    uint64_t seq;
    uint32_t len, checksum;
    uint8_t bytes[48];
};

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)flags;
    struct stream *s = VmbChannelGetPointer(ch);
    struct sample x;
    if (len < sizeof(x)) {
        s->corrupt++;
    } else {
        memcpy(&x, buf, sizeof(x));
        if (x.len > sizeof(x.bytes) || fnv1a(x.bytes, x.len) != x.checksum)
            s->corrupt++;
        else if (x.seq == s->next_expected)
            s->next_expected++;
        else if (x.seq < s->next_expected)
            s->duplicated++;
        else {
            s->lost += x.seq - s->next_expected;
            s->reordered++;
            s->next_expected = x.seq + 1;
        }
    }
    s->received++;
    VmbChannelPacketComplete(pc, NULL, 0);
}

static uint64_t sent_done;
static void on_sent(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    (void)p, (void)status, (void)buf, (void)len;
    sent_done++;
}

static void test_echo_stream_integrity(void)
{
    static const struct hvsim_vmbus_device echo = { .model = HVSIM_VMBUS_ECHO };
    struct hvsim_vmbus *host = fixture_start(HVSIM_VMBUS_HYPERV, &echo, 1, 0);
    static const GUID echo_class = { 0x68767274, 0x0001, 0x4563, { 0x80, 0x00, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x00 } };
    struct stream s = { 0 };
    VMBCHANNEL ch;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    VmbClientChannelInitSetTargetPnp(ch, &echo_class, NULL, NULL);
    VmbClientChannelInitSetRingBufferPageCount(ch, 4, 4);
    VmbChannelInitSetProcessPacketCallbacks(ch, on_packet, NULL);
    VmbChannelSetPointer(ch, &s);
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);
    CHECK_EQ(HvrtChannelWaitOpened(ch, 5000), STATUS_SUCCESS);   /* Enable returns at once */

    const char *env = getenv("INTEGRITY_PACKETS");
    uint64_t n = env ? strtoull(env, NULL, 10) : 1000000;
    struct vmb_packet_storage { uint8_t bytes[256]; } storage;
    VMBPACKET p = (VMBPACKET)&storage;
    CHECK_EQ(VmbPacketInitialize(ch, p, sizeof(storage)), STATUS_SUCCESS);
    VmbPacketSetCompletionRoutine(p, on_sent);
    uint64_t send_errors = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct sample x = { .seq = i, .len = (uint32_t)(8 + i % 40) };
        for (uint32_t b = 0; b < x.len; b++)
            x.bytes[b] = (uint8_t)(i * 131 + b);
        x.checksum = fnv1a(x.bytes, x.len);
        send_errors += VmbPacketSend(p, &x, sizeof(x), NULL, 0) != STATUS_SUCCESS;
        /* A full ring queues the send: the packet is ours again only once
         * its completion routine ran (at once when it went into the ring). */
        while (sent_done <= i && send_errors == 0)
            hvrt_sleep_us(10);
    }
    for (int i = 0; i < 100 && s.received < n; i++)
        platform_wait_until(UINT64_MAX);
    CHECK_EQ(send_errors, 0);
    CHECK_EQ(s.received, n);
    CHECK_EQ(s.next_expected, n);
    CHECK_EQ(s.lost, 0);
    CHECK_EQ(s.duplicated, 0);
    CHECK_EQ(s.reordered, 0);
    CHECK_EQ(s.corrupt, 0);
    VmbChannelCleanup(ch);
    fixture_stop(host);
}

int main(void)
{
    RUN_TEST(test_echo_stream_integrity);
    return check_summary();
}
