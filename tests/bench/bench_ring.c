/* Ring buffer throughput: one thread writes packets with vmbus/ring.c, one
 * thread reads them, on a shared ring as guest and host would. Prints one
 * "key value" line per figure for scripts/bench.sh. Also memcpy bandwidth
 * for the same sizes, measured in the same run: the physical limit. */
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmbus/ring.h"

#define RING_BYTES (1u << 20)

struct run {
    uint32_t payload;
    uint64_t packets;
    struct vmbus_ring_control *control;
    uint8_t *data;
    atomic_int ready;
    uint64_t signals, received, errors;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
    struct run *r = arg;
    struct vmbus_ring ring;
    while (!atomic_load(&r->ready))
        sched_yield();
    vmbus_ring_attach(&ring, r->control, r->data, RING_BYTES);
    vmbus_ring_mask_interrupts(&ring);   /* a polling reader: batched receive */
    uint8_t *buf = malloc(r->payload + 64);
    while (r->received < r->packets) {
        struct vmbus_packet pkt;
        enum vmbus_ring_result res = vmbus_ring_read(&ring, buf, r->payload + 64, &pkt);
        if (res == VMBUS_RING_EMPTY) {
            bool signal;
            vmbus_ring_commit(&ring, &signal);
            continue;
        }
        if (res != VMBUS_RING_OK) {
            r->errors++;
            break;
        }
        r->received++;
        if ((r->received & 63) == 0) {
            bool signal;
            vmbus_ring_commit(&ring, &signal);
        }
    }
    bool signal;
    vmbus_ring_commit(&ring, &signal);
    free(buf);
    return NULL;
}

static void *writer(void *arg)
{
    struct run *r = arg;
    struct vmbus_ring ring;
    vmbus_ring_init(&ring, r->control, r->data, RING_BYTES);
    uint8_t *payload_buf = calloc(1, r->payload);
    atomic_store(&r->ready, 1);
    for (uint64_t i = 0; i < r->packets;) {
        bool signal = false;
        struct vmbus_packet_out p = { VMBUS_PACKET_DATA_INBAND, 0, i + 1, NULL, 0, payload_buf, r->payload };
        enum vmbus_ring_result res = vmbus_ring_write(&ring, &p, &signal);
        if (res == VMBUS_RING_FULL) {
            sched_yield();
            continue;
        }
        r->signals += signal;
        i++;
    }
    free(payload_buf);
    return NULL;
}

/* tx: the guest writes in this thread; rx: the guest reads in it. */
static double run_ring(uint32_t payload, uint64_t packets, uint64_t *signals, bool rx)
{
    struct run r = { .payload = payload, .packets = packets };
    r.control = aligned_alloc(4096, 4096);
    r.data = aligned_alloc(4096, RING_BYTES);
    pthread_t t;
    double start = now_s();
    if (rx) {
        pthread_create(&t, NULL, writer, &r);
        reader(&r);
    } else {
        pthread_create(&t, NULL, reader, &r);
        writer(&r);
    }
    pthread_join(t, NULL);
    double elapsed = now_s() - start;
    if (r.errors)
        fprintf(stderr, "bench_ring: %llu ring errors\n", (unsigned long long)r.errors);
    *signals = r.signals;
    free(r.control);
    free(r.data);
    return elapsed;
}

static double memcpy_gbps(uint32_t size, uint64_t count)
{
    uint8_t *a = malloc(RING_BYTES), *b = malloc(RING_BYTES);
    memset(a, 1, RING_BYTES);
    memset(b, 2, RING_BYTES);
    double start = now_s();
    for (uint64_t i = 0; i < count; i++) {
        uint32_t off = (uint32_t)((i * size) % (RING_BYTES - size));
        memcpy(b + off, a + off, size);
        __asm__ volatile("" : : "r"(b) : "memory");
    }
    double e = now_s() - start;
    free(a);
    free(b);
    return (double)size * count / e / 1e9;
}

/* Guest to host (tx) and host to guest (rx) run the same ring code, one
 * side per thread; both are measured so a change that favours one shows. */
int main(void)
{
    static const uint32_t sizes[] = { 64, 256, 1024, 4096 };
    static const char *const suffix[] = { "", "_rx" };
    uint64_t signals;
    for (int dir = 0; dir < 2; dir++) {
        for (unsigned i = 0; i < 4; i++) {
            uint64_t n = 2000000 / (1 + sizes[i] / 512);
            double e = run_ring(sizes[i], n, &signals, dir == 1);
            printf("ring_pps_%u%s %.0f\n", sizes[i], suffix[dir], n / e);
            if (sizes[i] == 256 && dir == 0)
                printf("signals_per_1k %.3f\n", signals * 1000.0 / n);
        }
        uint64_t n = 50000;
        double e = run_ring(65536, n, &signals, dir == 1);
        printf("ring_gbps_65536%s %.3f\n", suffix[dir], 65536.0 * n / e / 1e9);
    }
    printf("memcpy_gbps_65536 %.3f\n", memcpy_gbps(65536, 200000));
    return 0;
}
