/* vmbus/ring.c: round trips across many wrap-arounds, the signalling rules
 * (counted), the pending_send_size protocol, and every way a hostile writer
 * can break a packet. Ring memory is malloc'd at its exact size, so ASan
 * reports any access outside it. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "vmbus/ring.h"

/* ---- Fixtures ---- */

/* One ring half seen from both ends: w writes, rd reads the same memory. */
struct half {
    struct vmbus_ring_control *control;
    uint8_t *data;
    uint32_t size;
    struct vmbus_ring w, rd;
};

static void half_open(struct half *h, uint32_t size)
{
    h->control = malloc(sizeof(*h->control));
    h->data = malloc(size);
    memset(h->data, 0xCC, size);
    h->size = size;
    CHECK_EQ(vmbus_ring_init(&h->w, h->control, h->data, size), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_attach(&h->rd, h->control, h->data, size), VMBUS_RING_OK);
}

static void half_close(struct half *h)
{
    free(h->control);
    free(h->data);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill_pattern(uint8_t *p, uint32_t len, uint64_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static uint32_t used_bytes(const struct half *h)
{
    uint32_t w = h->control->write_index, r = h->control->read_index;
    return w >= r ? w - r : h->size - r + w;
}

static bool write_inband(struct half *h, uint64_t tid, uint32_t len, bool *signal)
{
    uint8_t payload[4096];
    fill_pattern(payload, len, tid);
    return vmbus_ring_write_inband(&h->w, tid, false, payload, len, signal) == VMBUS_RING_OK;
}

static uint8_t rbuf[1 << 16];

/* ---- Layout and setup ---- */

static void test_control_page_layout_in_bytes(void)
{
    struct half h;
    half_open(&h, 4096);
    const uint8_t *raw = (const uint8_t *)h.control;
    uint32_t feature;
    memcpy(&feature, raw + 64, 4);
    CHECK_EQ(feature, 1);
    for (int i = 0; i < 64; i++)
        CHECK(raw[i] == 0, "byte %d of a fresh control page is %d", i, raw[i]);
    h.control->pending_send_size = 0x11223344;
    CHECK_EQ(raw[12], 0x44);
    h.control->interrupt_mask = 1;
    CHECK_EQ(raw[8], 1);
    CHECK_EQ(sizeof(struct vmbus_ring_control), 4096);

    bool sig;
    CHECK(write_inband(&h, 5, 3, &sig), "write");
    uint32_t w;
    memcpy(&w, raw + 0, 4);
    CHECK_EQ(w, 16 + 8 + 8);         /* the write index lives at offset 0 */
    half_close(&h);
}

static void test_attach_refuses_bad_sizes_and_indices(void)
{
    struct vmbus_ring_control *c = calloc(1, sizeof(*c));
    uint8_t *d = malloc(4096);
    struct vmbus_ring r;
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 0), VMBUS_RING_BAD_ARGUMENT);
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 24), VMBUS_RING_BAD_ARGUMENT);
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 4092), VMBUS_RING_BAD_ARGUMENT);
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 0x80000000u), VMBUS_RING_BAD_ARGUMENT);
    CHECK_EQ(vmbus_ring_attach(&r, NULL, d, 4096), VMBUS_RING_BAD_ARGUMENT);
    CHECK_EQ(vmbus_ring_attach(&r, c, NULL, 4096), VMBUS_RING_BAD_ARGUMENT);
    c->write_index = 4096;
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 4096), VMBUS_RING_BAD_INDEX);
    c->write_index = 8;
    c->read_index = 12;
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 4096), VMBUS_RING_BAD_INDEX);
    c->read_index = 4088;
    CHECK_EQ(vmbus_ring_attach(&r, c, d, 4096), VMBUS_RING_OK);
    CHECK_EQ(r.write_index, 8);
    CHECK_EQ(r.read_index, 4088);
    free(c);
    free(d);
}

/* ---- Writing ---- */

static void test_inband_packet_bytes(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    uint8_t payload[13];
    fill_pattern(payload, 13, 1);
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 0x1122334455ull, true, payload, 13, &sig), VMBUS_RING_OK);
    const uint8_t *d = h.data;
    uint16_t v16;
    memcpy(&v16, d + 0, 2); CHECK_EQ(v16, 6);        /* type INBAND */
    memcpy(&v16, d + 2, 2); CHECK_EQ(v16, 2);        /* offset8 */
    memcpy(&v16, d + 4, 2); CHECK_EQ(v16, 2 + 2);    /* len8: 16 + 16 bytes */
    memcpy(&v16, d + 6, 2); CHECK_EQ(v16, 1);        /* completion requested */
    uint64_t tid;
    memcpy(&tid, d + 8, 8);
    CHECK_EQ(tid, 0x1122334455ull);
    CHECK(memcmp(d + 16, payload, 13) == 0, "payload");
    CHECK(d[29] == 0 && d[30] == 0 && d[31] == 0, "padding is zeros");
    uint64_t trailer;
    memcpy(&trailer, d + 32, 8);
    CHECK_EQ(trailer, 0);                            /* started at index 0 */
    CHECK_EQ(h.control->write_index, 40);

    CHECK_EQ(vmbus_ring_write_comp(&h.w, 9, payload, 8, &sig), VMBUS_RING_OK);
    memcpy(&v16, d + 40, 2); CHECK_EQ(v16, 0xB);
    memcpy(&v16, d + 46, 2); CHECK_EQ(v16, 0);
    memcpy(&trailer, d + 40 + 24, 8);
    CHECK_EQ(trailer, 40ull << 32);                  /* start index in the high half */
    half_close(&h);
}

static void test_packet_sizes_and_bad_arguments(void)
{
    struct half h;
    half_open(&h, 128);
    CHECK_EQ(vmbus_ring_packet_size(0, 0), 24);
    CHECK_EQ(vmbus_ring_packet_size(0, 1), 32);
    CHECK_EQ(vmbus_ring_packet_size(8, 8), 40);
    CHECK_EQ(vmbus_ring_packet_size(0, 0xFFFFFFFFu), 0);
    CHECK_EQ(vmbus_ring_packet_size(0xFFFF * 8, 0), 0);     /* offset8 would overflow */
    CHECK_EQ(vmbus_ring_packet_size(0, 0xFFFF * 8 - 16), 0xFFFF * 8 + 8);
    CHECK_EQ(vmbus_ring_packet_size(0, 0xFFFF * 8 - 15), 0);

    bool sig = true;
    uint8_t x[256] = { 0 };
    struct vmbus_packet_out p = { .type = 6, .ext = x, .ext_len = 4 };
    CHECK_EQ(vmbus_ring_write(&h.w, &p, &sig), VMBUS_RING_BAD_ARGUMENT);
    CHECK(!sig, "no signal on error");
    p.ext_len = 0;
    p.payload_len = 8;                         /* payload NULL with a length */
    CHECK_EQ(vmbus_ring_write(&h.w, &p, &sig), VMBUS_RING_BAD_ARGUMENT);
    /* 128-byte ring: a packet of 128 could only fit by filling it exactly. */
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 128 - 24, &sig), VMBUS_RING_TOO_BIG);
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 0xFFFFFFF0u, &sig), VMBUS_RING_TOO_BIG);
    CHECK_EQ(h.control->pending_send_size, 0);
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 128 - 32, &sig), VMBUS_RING_OK);
    CHECK_EQ(used_bytes(&h), 120);
    half_close(&h);
}

static void test_never_fills_exactly(void)
{
    struct half h;
    half_open(&h, 96);
    bool sig;
    uint8_t x[64] = { 0 };
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 24, &sig), VMBUS_RING_OK);   /* 48 */
    CHECK_EQ(used_bytes(&h), 48);
    /* 48 free: a 48-byte packet would make write == read, i.e. "empty". */
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 2, false, x, 24, &sig), VMBUS_RING_FULL);
    CHECK_EQ(h.control->write_index, 48);
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 3, false, x, 16, &sig), VMBUS_RING_OK);   /* 40 */
    CHECK_EQ(used_bytes(&h), 88);
    CHECK(h.control->write_index != h.control->read_index, "full ring must not look empty");
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 4, false, x, 0, &sig), VMBUS_RING_FULL);

    /* The reader sees exactly two packets. */
    struct vmbus_packet pkt;
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.transaction_id, 1);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.transaction_id, 3);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_EMPTY);
    half_close(&h);
}

static void test_writer_refuses_a_garbage_read_index(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    h.control->read_index = 4096;
    CHECK(!write_inband(&h, 1, 8, &sig), "write with read index = size");
    h.control->read_index = 20;
    uint8_t x[8] = { 0 };
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 8, &sig), VMBUS_RING_BAD_INDEX);
    h.control->read_index = 0xFFFFFFF8u;
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 8, &sig), VMBUS_RING_BAD_INDEX);
    CHECK_EQ(h.control->write_index, 0);
    /* The writer's own index is private: garbage there changes nothing. */
    h.control->read_index = 0;
    h.control->write_index = 13;
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1, false, x, 8, &sig), VMBUS_RING_OK);
    CHECK_EQ(h.control->write_index, 32);
    half_close(&h);
}

/* ---- Round trips ---- */

struct expect {
    uint64_t tid;
    uint16_t type;
    uint32_t ext_len, len;
};

/* Writes a random packet (INBAND, COMP or GPA-direct) of up to max_payload
 * bytes; returns false when the ring is full. */
/* Large enough for packets of several of the reader's prefetch chunks. */
#define RANDOM_PAYLOAD_MAX 12000u

static bool write_random(struct vmbus_ring *w, uint64_t tid, uint32_t max_payload,
                         struct expect *e, bool *sig)
{
    static uint8_t payload[RANDOM_PAYLOAD_MAX];
    uint8_t ext[256];
    uint32_t len = (uint32_t)(rng() % (max_payload + 1));
    fill_pattern(payload, len, tid);
    struct vmbus_packet_out p = { .transaction_id = tid, .payload = payload, .payload_len = len };
    switch (rng() % 3) {
    case 0:
        p.type = VMBUS_PACKET_DATA_INBAND;
        break;
    case 1:
        p.type = VMBUS_PACKET_COMP;
        break;
    default: {
        uint64_t pfns[3] = { tid, tid + 1, tid + 2 };
        struct vmbus_gpa_range_in r = { (uint32_t)(rng() % 8192), (uint32_t)(tid % 4096), pfns };
        p.type = VMBUS_PACKET_DATA_GPA_DIRECT;
        p.flags = VMBUS_PACKET_FLAG_COMPLETION_REQUESTED;
        CHECK_EQ(vmbus_gpa_direct_build(ext, sizeof(ext), &r, 1, &p.ext_len), VMBUS_RING_OK);
        p.ext = ext;
        break;
    }
    }
    enum vmbus_ring_result res = vmbus_ring_write(w, &p, sig);
    CHECK(res == VMBUS_RING_OK || res == VMBUS_RING_FULL, "write: %s", vmbus_ring_result_name(res));
    *e = (struct expect){ tid, p.type, p.ext_len, len };
    return res == VMBUS_RING_OK;
}

static void check_packet(const struct vmbus_packet *pkt, const struct expect *e)
{
    static uint8_t want[RANDOM_PAYLOAD_MAX];
    CHECK_EQ(pkt->transaction_id, e->tid);
    CHECK_EQ(pkt->type, e->type);
    CHECK_EQ(pkt->ext_len, e->ext_len);
    CHECK_EQ(pkt->payload_len, (e->len + 7) & ~7u);
    fill_pattern(want, e->len, e->tid);
    CHECK(memcmp(pkt->payload, want, e->len) == 0, "payload of packet %llu",
          (unsigned long long)e->tid);
    if (e->type == VMBUS_PACKET_DATA_GPA_DIRECT) {
        struct vmbus_gpa_iter it;
        struct vmbus_gpa_range_view v;
        CHECK_EQ(vmbus_gpa_direct_begin(pkt, &it), VMBUS_RING_OK);
        CHECK(vmbus_gpa_direct_next(&it, &v), "one range");
        CHECK_EQ(v.byte_offset, e->tid % 4096);
        CHECK_EQ(vmbus_gpa_range_pfn(&v, 0), e->tid);
        CHECK(!vmbus_gpa_direct_next(&it, &v), "only one range");
    }
}

#define QUEUE 4096

/* Guest writes ring a, a "host" reads it and echoes every packet into ring
 * b, the guest reads b: both rings wrap many times, in random batches. */
static void run_echo(uint32_t size, uint32_t max_payload, uint32_t packets, uint64_t seed)
{
    struct half a, b;
    half_open(&a, size);
    half_open(&b, size);
    rng_state = seed;
    static struct expect sent[QUEUE], echoed[QUEUE];
    uint32_t sent_head = 0, sent_tail = 0, echo_head = 0, echo_tail = 0;
    uint64_t next_tid = 1, received = 0;
    uint32_t wraps = 0, last_write = 0;
    bool sig;
    struct vmbus_packet pkt;

    while (received < packets && check_failures_in_test < 10) {
        /* Guest sends a random batch until full. */
        uint32_t batch = (uint32_t)(rng() % 8);
        for (uint32_t i = 0; i < batch && next_tid <= packets && sent_head - sent_tail < QUEUE; i++) {
            if (!write_random(&a.w, next_tid, max_payload, &sent[sent_head % QUEUE], &sig))
                break;
            sent_head++;
            next_tid++;
            if (a.control->write_index < last_write)
                wraps++;
            last_write = a.control->write_index;
            CHECK(a.control->write_index != a.control->read_index || sent_head == sent_tail,
                  "ring looks empty with data in it");
        }
        /* Host echoes a random number of packets, as long as b has room. */
        batch = (uint32_t)(rng() % 8);
        for (uint32_t i = 0; i < batch && sent_tail < sent_head; i++) {
            CHECK_EQ(vmbus_ring_peek(&a.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
            check_packet(&pkt, &sent[sent_tail % QUEUE]);
            struct vmbus_packet_out out = {
                .type = pkt.type, .flags = pkt.flags, .transaction_id = pkt.transaction_id,
                .ext = pkt.ext, .ext_len = pkt.ext_len,
                .payload = pkt.payload, .payload_len = sent[sent_tail % QUEUE].len,
            };
            if (vmbus_ring_write(&b.w, &out, &sig) != VMBUS_RING_OK)
                break;
            vmbus_ring_consume(&a.rd);
            echoed[echo_head++ % QUEUE] = sent[sent_tail++ % QUEUE];
        }
        CHECK_EQ(vmbus_ring_commit(&a.rd, &sig), VMBUS_RING_OK);
        /* Guest drains some of b. */
        batch = (uint32_t)(rng() % 10);
        for (uint32_t i = 0; i < batch && echo_tail < echo_head; i++) {
            CHECK_EQ(vmbus_ring_read(&b.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
            check_packet(&pkt, &echoed[echo_tail++ % QUEUE]);
            received++;
        }
        CHECK_EQ(vmbus_ring_commit(&b.rd, &sig), VMBUS_RING_OK);
        if (echo_tail == echo_head)
            CHECK_EQ(vmbus_ring_peek(&b.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_EMPTY);
    }
    CHECK_EQ(received, packets);
    CHECK(wraps > packets / 20, "only %u wrap-arounds", wraps);
    half_close(&a);
    half_close(&b);
}

static void test_echo_small_ring_many_wraps(void) { run_echo(256, 120, 20000, 0x1234567); }
static void test_echo_page_ring(void) { run_echo(4096, 700, 20000, 0xBADC0FFEE); }
static void test_echo_odd_sizes(void) { run_echo(4096 + 8, 2000, 5000, 42); }
/* Packets of 0 to 12000 bytes: the reader copies them out in 2 KiB chunks,
 * prefetching the next, with wrap-arounds anywhere in a chunk. */
static void test_echo_large_packets(void) { run_echo(3 * 8192 + 8, RANDOM_PAYLOAD_MAX, 3000, 7); }

static void test_wrapped_packet_is_split_and_reassembled(void)
{
    struct half h;
    half_open(&h, 128);
    bool sig;
    struct vmbus_packet pkt;
    CHECK(write_inband(&h, 1, 72, &sig), "first");             /* 96 bytes: 0..96 */
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(write_inband(&h, 2, 40, &sig), "second");            /* 64 bytes: 96..128, 0..32 */
    CHECK_EQ(h.control->write_index, 32);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    uint8_t want[40];
    fill_pattern(want, 40, 2);
    CHECK(memcmp(pkt.payload, want, 40) == 0, "payload across the end");
    uint64_t trailer;
    memcpy(&trailer, h.data + 24, 8);
    CHECK_EQ(trailer >> 32, 96);
    half_close(&h);
}

/* ---- Signalling ---- */

static void test_signal_only_on_empty_to_non_empty(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    struct vmbus_packet pkt;
    CHECK(write_inband(&h, 1, 8, &sig), "w1");
    CHECK(sig, "first packet into an empty ring signals");
    CHECK(write_inband(&h, 2, 8, &sig), "w2");
    CHECK(!sig, "second packet: the reader already knows");
    /* Read but not committed: the writer still sees data, no signal. */
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK(write_inband(&h, 3, 8, &sig), "w3");
    CHECK(!sig, "reads not committed yet");
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(!sig, "no pending send size: the reader never signals");
    CHECK(write_inband(&h, 4, 8, &sig), "w4");
    CHECK(sig, "empty again: signal");
    half_close(&h);
}

static void test_interrupt_mask_suppresses_the_signal(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    struct vmbus_packet pkt;
    vmbus_ring_mask_interrupts(&h.rd);
    CHECK_EQ(h.control->interrupt_mask, 1);
    CHECK(write_inband(&h, 1, 8, &sig), "w1");
    CHECK(!sig, "masked reader");
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(!vmbus_ring_unmask_interrupts(&h.rd), "nothing arrived");
    CHECK_EQ(h.control->interrupt_mask, 0);
    CHECK(write_inband(&h, 2, 8, &sig), "w2");
    CHECK(sig, "unmasked and empty");

    /* A packet that lands while masked is found by the re-check. */
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    vmbus_ring_mask_interrupts(&h.rd);
    CHECK(write_inband(&h, 3, 8, &sig), "w3");
    CHECK(!sig, "masked");
    CHECK(vmbus_ring_unmask_interrupts(&h.rd), "re-check sees the packet");
    half_close(&h);
}

static void test_signal_counts_over_a_steady_stream(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    struct vmbus_packet pkt;
    int signals = 0;
    /* Reader keeps up: every packet finds the ring empty. */
    for (int i = 0; i < 500; i++) {
        CHECK(write_inband(&h, (uint64_t)i, (uint32_t)(i % 50), &sig), "write");
        signals += sig;
        CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
        CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
        CHECK(!sig, "reader signal without pending send size");
    }
    CHECK_EQ(signals, 500);
    /* Batches of 10 drained together: one signal per batch. */
    signals = 0;
    for (int b = 0; b < 100; b++) {
        for (int i = 0; i < 10; i++) {
            CHECK(write_inband(&h, (uint64_t)i, 40, &sig), "write");
            signals += sig;
        }
        while (vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt) == VMBUS_RING_OK)
            ;
        CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    }
    CHECK_EQ(signals, 100);
    half_close(&h);
}

/* ---- pending_send_size ---- */

static int fill_until_full(struct half *h, uint32_t len)
{
    bool sig;
    int n = 0;
    while (write_inband(h, (uint64_t)n, len, &sig))
        n++;
    return n;
}

static void test_pending_send_size_set_and_cleared(void)
{
    struct half h;
    half_open(&h, 1024);
    bool sig;
    struct vmbus_packet pkt;
    int n = fill_until_full(&h, 40);                 /* 64-byte packets */
    CHECK_EQ(n, 15);                                 /* 16 would fill it exactly */
    CHECK_EQ(h.control->pending_send_size, 64);
    CHECK(h.w.pending_send_set, "writer remembers");
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(sig, "64 free -> 128 free crosses 64: the blocked writer is told");
    CHECK(write_inband(&h, 99, 40, &sig), "room again");
    CHECK(!sig, "ring was not empty");
    CHECK_EQ(h.control->pending_send_size, 0);
    CHECK(!h.w.pending_send_set, "cleared after the write");
    half_close(&h);
}

static void test_pending_send_size_signals_only_on_the_transition(void)
{
    struct half h;
    half_open(&h, 1024);
    bool sig;
    struct vmbus_packet pkt;
    fill_until_full(&h, 40);                         /* 15 x 64 bytes, 64 free */
    uint8_t big[400] = { 0 };
    CHECK_EQ(vmbus_ring_write_inband(&h.w, 1000, false, big, 400, &sig), VMBUS_RING_FULL);
    CHECK_EQ(h.control->pending_send_size, 424);
    /* Free grows by 64 a packet from 64; the writer needs more than 424. */
    int signals = 0, first_signal_at = -1;
    for (int i = 0; i < 12; i++) {
        CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
        CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
        if (sig && first_signal_at < 0)
            first_signal_at = i;
        signals += sig;
    }
    CHECK_EQ(signals, 1);
    CHECK_EQ(first_signal_at, 5);                    /* 64 + 6 * 64 = 448 > 424 >= 384 */
    half_close(&h);
}

static void test_pending_send_size_batch_commit(void)
{
    struct half h;
    half_open(&h, 1024);
    bool sig;
    struct vmbus_packet pkt;
    fill_until_full(&h, 40);
    h.control->pending_send_size = 300;
    /* One commit for 10 packets: free goes 64 -> 704, crossing 300. */
    for (int i = 0; i < 10; i++)
        CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(sig, "batch unblocked the writer");
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(!sig, "already unblocked before this commit");
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(!sig, "an empty commit never signals");
    half_close(&h);
}

/* A batching reader commits once a quarter of the ring is consumed, and
 * the count restarts at each commit, wrapped packets included. */
static void test_commit_due_after_a_quarter_of_the_ring(void)
{
    struct half h;
    half_open(&h, 4096);   /* due at 1024 consumed bytes */
    bool sig;
    struct vmbus_packet pkt;
    CHECK(!vmbus_ring_commit_due(&h.rd), "nothing consumed");
    for (int round = 0; round < 6; round++) {   /* 6 x 1024 bytes: wraps the ring */
        for (int i = 0; i < 8; i++)                 /* 8 x (16 + 104 + 8) = 1024 bytes */
            CHECK(write_inband(&h, (uint64_t)round * 8 + i + 1, 104, &sig), "write %d.%d", round, i);
        for (int i = 0; i < 7; i++) {
            CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
            CHECK(!vmbus_ring_commit_due(&h.rd), "round %d: %d packets are under a quarter", round, i + 1);
        }
        CHECK_EQ(vmbus_ring_peek(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
        CHECK(!vmbus_ring_commit_due(&h.rd), "a peek consumes nothing");
        vmbus_ring_consume(&h.rd);
        CHECK(vmbus_ring_commit_due(&h.rd), "round %d: a quarter consumed", round);
        CHECK_EQ(h.control->read_index, (uint32_t)(round * 1024) % 4096);   /* not yet published */
        CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
        CHECK(!vmbus_ring_commit_due(&h.rd), "round %d: the commit restarts the count", round);
        CHECK_EQ(h.control->read_index, (uint32_t)((round + 1) * 1024) % 4096);
    }
    half_close(&h);
}

/* Free space is always a multiple of 8, so masking p with ~7 cannot change
 * a decision a single thread can observe; these cases pin that requests
 * with low bits set (p = 127, 7, size - 1) behave as the protocol wants. */
static void test_pending_send_size_low_bits_masked(void)
{
    struct half h;
    half_open(&h, 1024);
    bool sig;
    struct vmbus_packet pkt;
    fill_until_full(&h, 40);                         /* 64 free */
    h.control->pending_send_size = 127;              /* & ~7 = 120 */
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(sig, "64 free -> 128 free crosses 120");
    half_close(&h);

    half_open(&h, 1024);
    fill_until_full(&h, 40);
    h.control->pending_send_size = 7;                /* & ~7 = 0: no request */
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(!sig, "p = 7 masks to 0");
    half_close(&h);

    half_open(&h, 1024);
    fill_until_full(&h, 40);
    h.control->pending_send_size = 1023;             /* size - 1: masks to 1016 */
    int signals = 0;
    for (int i = 0; i < 15; i++) {
        CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
        CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
        signals += sig;
    }
    CHECK_EQ(signals, 1);                            /* at empty: 1024 free > 1016 */
    half_close(&h);
}

static void test_pending_send_size_needs_the_feature_bit(void)
{
    struct half h;
    half_open(&h, 1024);
    bool sig;
    struct vmbus_packet pkt;
    fill_until_full(&h, 40);
    h.control->feature_bits = 0;
    CHECK_EQ(h.control->pending_send_size, 64);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
    CHECK(!sig, "feature bit clear: never signal from the read side");
    half_close(&h);
}

static void test_pending_send_episodes_one_signal_each(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    struct vmbus_packet pkt;
    int reader_signals = 0, episodes = 0;
    rng_state = 99;
    for (int round = 0; round < 200; round++) {
        uint32_t len = (uint32_t)(rng() % 300);
        if (!write_inband(&h, (uint64_t)round, len, &sig)) {
            episodes++;
            /* Reader drains one packet at a time until the writer is told. */
            bool told = false;
            for (int i = 0; i < 100 && !told; i++) {
                CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
                CHECK_EQ(vmbus_ring_commit(&h.rd, &told), VMBUS_RING_OK);
                reader_signals += told;
            }
            CHECK(told, "writer blocked forever");
            CHECK(write_inband(&h, (uint64_t)round, len, &sig), "write after the signal");
        }
        if (rng() % 3 == 0) {
            CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
            CHECK_EQ(vmbus_ring_commit(&h.rd, &sig), VMBUS_RING_OK);
            reader_signals += sig;
        }
    }
    CHECK(episodes > 10, "only %d full episodes", episodes);
    CHECK_EQ(reader_signals, episodes);
    half_close(&h);
}

/* ---- A hostile writer ---- */

/* Puts a hand-made packet at data offset 0 and publishes write = end. */
static void put_raw(struct half *h, uint16_t type, uint16_t offset8, uint16_t len8,
                    const void *body, uint32_t body_len, uint64_t trailer, uint32_t write)
{
    struct vmbus_packet_desc d = { type, offset8, len8, 0, 77 };
    memset(h->data, 0, h->size);
    memcpy(h->data, &d, sizeof(d));
    if (body_len)
        memcpy(h->data + 16, body, body_len);
    if ((uint32_t)len8 * 8 + 8 <= h->size)
        memcpy(h->data + (uint32_t)len8 * 8, &trailer, 8);
    h->control->write_index = write;
}

static enum vmbus_ring_result peek(struct half *h)
{
    struct vmbus_packet pkt;
    return vmbus_ring_peek(&h->rd, rbuf, sizeof(rbuf), &pkt);
}

static void test_bad_write_index(void)
{
    struct half h;
    half_open(&h, 4096);
    put_raw(&h, 6, 2, 3, NULL, 0, 0, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    h.control->write_index = 33;
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_INDEX);
    h.control->write_index = 4096;
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_INDEX);
    h.control->write_index = 0xFFFFFFF8u;
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_INDEX);
    CHECK(vmbus_ring_unmask_interrupts(&h.rd), "garbage counts as 'look again' so the read reports it");
    CHECK_EQ(h.rd.read_index, 0);
    half_close(&h);
}

static void test_bad_descriptor_fields(void)
{
    struct half h;
    half_open(&h, 4096);
    put_raw(&h, 6, 1, 3, NULL, 0, 0, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_OFFSET8);
    put_raw(&h, 6, 0, 3, NULL, 0, 0, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_OFFSET8);
    put_raw(&h, 6, 4, 3, NULL, 0, 0, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_LEN8);
    put_raw(&h, 6, 2, 4, NULL, 0, 0, 32);             /* 40 bytes claimed, 32 there */
    CHECK_EQ(peek(&h), VMBUS_RING_TRUNCATED);
    put_raw(&h, 6, 2, 0xFFFF, NULL, 0, 0, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_TRUNCATED);
    put_raw(&h, 6, 0xFFFF, 0xFFFF, NULL, 0, 0, 4088);
    CHECK_EQ(peek(&h), VMBUS_RING_TRUNCATED);
    put_raw(&h, 6, 2, 2, NULL, 0, 0, 16);              /* less than a minimal packet */
    CHECK_EQ(peek(&h), VMBUS_RING_TRUNCATED);
    put_raw(&h, 6, 2, 2, NULL, 0, 0, 8);
    CHECK_EQ(peek(&h), VMBUS_RING_TRUNCATED);
    put_raw(&h, 6, 2, 2, NULL, 0, 0, 24);              /* minimal and valid */
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    CHECK_EQ(h.rd.read_index, 0);                      /* nothing consumed by errors or peeks */
    half_close(&h);
}

/* A trailer that does not name the packet's start (QEMU writes none) is
 * counted, and the packet still read. */
static void test_bad_trailer(void)
{
    struct half h;
    half_open(&h, 4096);
    put_raw(&h, 6, 2, 3, NULL, 0, 8ull << 32, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    CHECK_EQ(h.rd.trailer_mismatches, 1);
    put_raw(&h, 6, 2, 3, NULL, 0, 0xFFFFFFFFull << 32, 32);
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    CHECK_EQ(h.rd.trailer_mismatches, 2);
    put_raw(&h, 6, 2, 3, NULL, 0, 0x12345678, 32);     /* low half is reserved: ignored */
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    CHECK_EQ(h.rd.trailer_mismatches, 2);

    /* A correct packet, then one whose trailer names the wrong start. */
    bool sig;
    struct vmbus_packet pkt;
    half_close(&h);
    half_open(&h, 4096);
    CHECK(write_inband(&h, 1, 8, &sig) && write_inband(&h, 2, 8, &sig), "writes");
    h.data[32 + 32 - 4] ^= 1;                          /* packet 2's trailer, high half */
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK_EQ(pkt.transaction_id, 2);
    CHECK_EQ(h.rd.read_index, 64);
    CHECK_EQ(h.rd.trailer_mismatches, 1);
    half_close(&h);
}

static void test_buffer_too_small(void)
{
    struct half h;
    half_open(&h, 4096);
    bool sig;
    struct vmbus_packet pkt;
    CHECK(write_inband(&h, 1, 100, &sig), "write");
    uint8_t small[64];
    CHECK_EQ(vmbus_ring_peek(&h.rd, small, sizeof(small), &pkt), VMBUS_RING_BUFFER_TOO_SMALL);
    CHECK_EQ(pkt.total_len, 16 + 104 + 8);
    CHECK_EQ(vmbus_ring_peek(&h.rd, NULL, 0, &pkt), VMBUS_RING_BUFFER_TOO_SMALL);
    vmbus_ring_consume(&h.rd);                        /* no good peek: nothing to consume */
    CHECK_EQ(h.rd.read_index, 0);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, pkt.total_len, &pkt), VMBUS_RING_OK);
    half_close(&h);
}

static void test_gpa_direct_ranges_must_fit(void)
{
    struct half h;
    half_open(&h, 4096);
    uint32_t body[16] = { 0 };
    /* ext = 8-byte header + one range {count 4096, offset 0, 1 pfn} = 24 bytes. */
    body[1] = 1; body[2] = 4096; body[3] = 0; body[4] = 0xAB;
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    body[1] = 0;                                       /* no ranges */
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[1] = 2;                                       /* claims a second range */
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[1] = 0xFFFFFFFFu;
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[1] = 1; body[2] = 4097;                       /* needs 2 PFNs, has 1 */
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[2] = 0xFFFFFFFFu; body[3] = 4095;             /* offset + count overflows u32 */
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[2] = 100; body[3] = 4096;                     /* offset outside the first page */
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[3] = 0;
    put_raw(&h, 9, 2, 5, body, 24, 0, 48);             /* ranges in the payload, not the ext */
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    put_raw(&h, 9, 3, 5, body, 24, 0, 48);             /* header only, range cut off */
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    put_raw(&h, 9, 5, 5, body, 24, 0, 48);
    CHECK_EQ(peek(&h), VMBUS_RING_OK);
    half_close(&h);
}

static void test_gpa_direct_build_and_walk(void)
{
    uint64_t p1[] = { 10, 11 }, p2[] = { 20 }, p3[] = { 30, 31, 32 };
    struct vmbus_gpa_range_in in[] = {
        { 5000, 100, p1 },             /* 5100 bytes -> 2 PFNs */
        { 1, 4095, p2 },               /* 1 PFN */
        { 8193, 0, p3 },               /* 3 PFNs */
    };
    uint8_t ext[256];
    uint32_t ext_len;
    CHECK_EQ(vmbus_gpa_direct_build(ext, sizeof(ext), in, 3, &ext_len), VMBUS_RING_OK);
    CHECK_EQ(ext_len, 8 + (8 + 16) + (8 + 8) + (8 + 24));
    CHECK_EQ(vmbus_gpa_direct_build(ext, ext_len - 1, in, 3, &ext_len), VMBUS_RING_BAD_ARGUMENT);
    CHECK_EQ(vmbus_gpa_direct_build(ext, sizeof(ext), in, 0, &ext_len), VMBUS_RING_BAD_RANGES);
    struct vmbus_gpa_range_in bad = { 1, 4096, p2 };
    CHECK_EQ(vmbus_gpa_direct_build(ext, sizeof(ext), &bad, 1, &ext_len), VMBUS_RING_BAD_RANGES);
    CHECK_EQ(vmbus_gpa_direct_build(ext, sizeof(ext), in, 3, &ext_len), VMBUS_RING_OK);

    struct half h;
    half_open(&h, 4096);
    bool sig;
    struct vmbus_packet pkt;
    struct vmbus_packet_out out = {
        .type = VMBUS_PACKET_DATA_GPA_DIRECT, .flags = 1, .transaction_id = 5,
        .ext = ext, .ext_len = ext_len, .payload = "hello", .payload_len = 5,
    };
    CHECK_EQ(vmbus_ring_write(&h.w, &out, &sig), VMBUS_RING_OK);
    CHECK_EQ(vmbus_ring_read(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    CHECK(memcmp(pkt.payload, "hello", 5) == 0, "payload after the ranges");
    struct vmbus_gpa_iter it;
    struct vmbus_gpa_range_view v;
    CHECK_EQ(vmbus_gpa_direct_begin(&pkt, &it), VMBUS_RING_OK);
    for (int i = 0; i < 3; i++) {
        CHECK(vmbus_gpa_direct_next(&it, &v), "range %d", i);
        CHECK_EQ(v.byte_count, in[i].byte_count);
        CHECK_EQ(v.byte_offset, in[i].byte_offset);
        CHECK_EQ(v.pfn_count, vmbus_gpa_range_pfn_count(in[i].byte_offset, in[i].byte_count));
        for (uint32_t j = 0; j < v.pfn_count; j++)
            CHECK_EQ(vmbus_gpa_range_pfn(&v, j), in[i].pfns[j]);
        CHECK_EQ(vmbus_gpa_range_pfn(&v, v.pfn_count), 0);   /* out of range: 0, no read */
    }
    CHECK(!vmbus_gpa_direct_next(&it, &v), "three ranges only");
    CHECK_EQ(vmbus_gpa_range_pfn_count(0, 0), 0);
    CHECK_EQ(vmbus_gpa_range_pfn_count(4095, 0xFFFFFFFFu), 1048577);
    half_close(&h);
}

static void test_xfer_pages_parse(void)
{
    struct half h;
    half_open(&h, 4096);
    uint32_t body[8] = { 0 };
    body[0] = 0xCAFE | (1u << 16);                     /* set id, sender owns */
    body[1] = 2;                                       /* two ranges */
    body[2] = 100; body[3] = 0;
    body[4] = 200; body[5] = 4096;
    put_raw(&h, 7, 5, 6, body, 32, 0, 56);
    struct vmbus_packet pkt;
    CHECK_EQ(vmbus_ring_peek(&h.rd, rbuf, sizeof(rbuf), &pkt), VMBUS_RING_OK);
    struct vmbus_xfer_pages x;
    CHECK_EQ(vmbus_xfer_pages_parse(&pkt, &x), VMBUS_RING_OK);
    CHECK_EQ(x.set_id, 0xCAFE);
    CHECK_EQ(x.sender_owns_set, 1);
    CHECK_EQ(x.range_count, 2);
    CHECK_EQ(vmbus_xfer_pages_range(&x, 1).byte_count, 200);
    CHECK_EQ(vmbus_xfer_pages_range(&x, 1).byte_offset, 4096);
    CHECK_EQ(vmbus_xfer_pages_range(&x, 2).byte_count, 0);
    CHECK_EQ(pkt.payload_len, 8);

    body[1] = 3;                                       /* a third range would be payload */
    put_raw(&h, 7, 5, 6, body, 32, 0, 56);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    body[1] = 0xFFFFFFFFu;
    put_raw(&h, 7, 5, 6, body, 32, 0, 56);
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    put_raw(&h, 7, 2, 6, body, 32, 0, 56);             /* no room for the header */
    CHECK_EQ(peek(&h), VMBUS_RING_BAD_RANGES);
    pkt.type = VMBUS_PACKET_DATA_INBAND;
    CHECK_EQ(vmbus_xfer_pages_parse(&pkt, &x), VMBUS_RING_BAD_RANGES);
    half_close(&h);
}

static void test_pipe_header(void)
{
    uint8_t buf[64];
    uint32_t type, size;
    const uint8_t *data;
    CHECK_EQ(vmbus_pipe_build(buf, sizeof(buf), VMBUS_PIPE_DATA, "abc", 3), 11);
    CHECK_EQ(vmbus_pipe_parse(buf, 16, &type, &data, &size), VMBUS_RING_OK);
    CHECK_EQ(type, 1);
    CHECK_EQ(size, 3);
    CHECK(data == buf + 8 && memcmp(data, "abc", 3) == 0, "data after the header");
    CHECK_EQ(vmbus_pipe_parse(buf, 10, &type, &data, &size), VMBUS_RING_BAD_PIPE);
    CHECK_EQ(vmbus_pipe_parse(buf, 7, &type, &data, &size), VMBUS_RING_BAD_PIPE);
    uint32_t huge[2] = { 1, 0xFFFFFFF9u };
    CHECK_EQ(vmbus_pipe_parse((const uint8_t *)huge, 8, &type, &data, &size), VMBUS_RING_BAD_PIPE);
    CHECK_EQ(vmbus_pipe_build(buf, 10, VMBUS_PIPE_DATA, "abc", 3), 0);
    CHECK_EQ(vmbus_pipe_build(buf, 4, VMBUS_PIPE_DATA, NULL, 0), 0);
    static uint8_t big[VMBUS_PIPE_MAX_PAYLOAD + 16];
    CHECK_EQ(vmbus_pipe_build(big, sizeof(big), 1, big, VMBUS_PIPE_MAX_PAYLOAD + 1), 0);
    CHECK_EQ(vmbus_pipe_build(big, sizeof(big), 1, big + 8, VMBUS_PIPE_MAX_PAYLOAD),
             VMBUS_PIPE_MAX_PAYLOAD + 8);
}

static void test_result_names(void)
{
    for (int a = VMBUS_RING_OK; a <= VMBUS_RING_BAD_PIPE; a++) {
        CHECK(strcmp(vmbus_ring_result_name(a), "unknown") != 0, "result %d has a name", a);
        for (int b = a + 1; b <= VMBUS_RING_BAD_PIPE; b++)
            CHECK(strcmp(vmbus_ring_result_name(a), vmbus_ring_result_name(b)) != 0,
                  "results %d and %d share a name", a, b);
    }
}

/* ---- Two threads ---- */

#define THREAD_PACKETS 100000

struct thread_ctx {
    struct half h;
    uint64_t writer_signals, reader_signals, writer_full;
    uint64_t lost, reader_bad;
    int writer_failed;            /* atomic: lets the reader stop waiting */
};

static void *writer_thread(void *arg)
{
    struct thread_ctx *c = arg;
    uint64_t state = 7;
    for (uint64_t seq = 1; seq <= THREAD_PACKETS; seq++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        uint8_t payload[512];
        uint32_t len = 8 + (uint32_t)(state >> 33) % 400;
        memcpy(payload, &seq, 8);
        fill_pattern(payload + 8, len - 8, seq);
        bool sig;
        enum vmbus_ring_result res;
        while ((res = vmbus_ring_write_inband(&c->h.w, seq, false, payload, len, &sig)) ==
               VMBUS_RING_FULL) {
            c->writer_full++;
            sched_yield();
        }
        if (res != VMBUS_RING_OK) {
            __atomic_store_n(&c->writer_failed, 1, __ATOMIC_RELAXED);
            break;
        }
        c->writer_signals += sig;
    }
    return NULL;
}

static void *reader_thread(void *arg)
{
    struct thread_ctx *c = arg;
    static uint8_t buf[1024];
    uint8_t want[512];
    uint64_t expect = 1;
    while (expect <= THREAD_PACKETS && c->reader_bad == 0) {
        struct vmbus_packet pkt;
        enum vmbus_ring_result res = vmbus_ring_read(&c->h.rd, buf, sizeof(buf), &pkt);
        if (res == VMBUS_RING_EMPTY) {
            if (__atomic_load_n(&c->writer_failed, __ATOMIC_RELAXED))
                break;
            bool sig;
            vmbus_ring_commit(&c->h.rd, &sig);
            c->reader_signals += sig;
            sched_yield();
            continue;
        }
        if (res != VMBUS_RING_OK) {
            c->reader_bad++;
            break;
        }
        uint64_t seq;
        memcpy(&seq, pkt.payload, 8);
        if (seq != expect || pkt.transaction_id != expect)
            c->lost++;
        uint32_t len = pkt.payload_len - 8;
        fill_pattern(want, len, seq);
        /* The tail padding is zeros, the pattern may not be: compare what was sent. */
        if (memcmp(pkt.payload + 8, want, len > 7 ? len - 7 : 0) != 0)
            c->reader_bad++;
        expect = seq + 1;
        if (expect % 16 == 0) {
            bool sig;
            vmbus_ring_commit(&c->h.rd, &sig);
            c->reader_signals += sig;
        }
    }
    bool sig;
    vmbus_ring_commit(&c->h.rd, &sig);
    return NULL;
}

static void test_two_threads_lose_nothing(void)
{
    static struct thread_ctx c;
    memset(&c, 0, sizeof(c));
    half_open(&c.h, 4096);
    pthread_t w, r;
    pthread_create(&r, NULL, reader_thread, &c);
    pthread_create(&w, NULL, writer_thread, &c);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    CHECK_EQ(c.writer_failed, 0);
    CHECK_EQ(c.reader_bad, 0);
    CHECK_EQ(c.lost, 0);
    CHECK(c.writer_signals >= 1 && c.writer_signals <= THREAD_PACKETS, "writer signals %llu",
          (unsigned long long)c.writer_signals);
    CHECK_EQ(c.h.control->read_index, c.h.control->write_index);
    half_close(&c.h);
}

int main(void)
{
    RUN_TEST(test_control_page_layout_in_bytes);
    RUN_TEST(test_attach_refuses_bad_sizes_and_indices);
    RUN_TEST(test_inband_packet_bytes);
    RUN_TEST(test_packet_sizes_and_bad_arguments);
    RUN_TEST(test_never_fills_exactly);
    RUN_TEST(test_writer_refuses_a_garbage_read_index);
    RUN_TEST(test_echo_small_ring_many_wraps);
    RUN_TEST(test_echo_page_ring);
    RUN_TEST(test_echo_odd_sizes);
    RUN_TEST(test_echo_large_packets);
    RUN_TEST(test_wrapped_packet_is_split_and_reassembled);
    RUN_TEST(test_signal_only_on_empty_to_non_empty);
    RUN_TEST(test_interrupt_mask_suppresses_the_signal);
    RUN_TEST(test_signal_counts_over_a_steady_stream);
    RUN_TEST(test_pending_send_size_set_and_cleared);
    RUN_TEST(test_pending_send_size_signals_only_on_the_transition);
    RUN_TEST(test_pending_send_size_batch_commit);
    RUN_TEST(test_commit_due_after_a_quarter_of_the_ring);
    RUN_TEST(test_pending_send_size_low_bits_masked);
    RUN_TEST(test_pending_send_size_needs_the_feature_bit);
    RUN_TEST(test_pending_send_episodes_one_signal_each);
    RUN_TEST(test_bad_write_index);
    RUN_TEST(test_bad_descriptor_fields);
    RUN_TEST(test_bad_trailer);
    RUN_TEST(test_buffer_too_small);
    RUN_TEST(test_gpa_direct_ranges_must_fit);
    RUN_TEST(test_gpa_direct_build_and_walk);
    RUN_TEST(test_xfer_pages_parse);
    RUN_TEST(test_pipe_header);
    RUN_TEST(test_result_names);
    RUN_TEST(test_two_threads_lose_nothing);
    return check_summary();
}
