/* hvrt's ring against DPDK's, in one harness (tests/bench/peer.h): the same
 * packets, the same stamps checked in the receiver's private copy, the same
 * threads. Prints "key value" lines for scripts/bench.sh:
 *   ring_vs_dpdk_1t_S    packets/s of hvrt over DPDK's, one thread writing a
 *                        packet then reading it back (1 MiB ring)
 *   ring_vs_dpdk_2t_S    the same with the writer and the reader on the two
 *                        CPUs (pinned), a stream
 *   ..._4m               the same through a 4 MiB ring
 *   ring_pps_Mt_S, dpdk_pps_Mt_S   the medians the ratios come from (1 MiB)
 *   copy_pps_1t_S        the floor under both in one thread: the payload's
 *                        two copies alone (into the ring at the packets'
 *                        positions, out to the same private buffer), no
 *                        ring protocol; copy_pps / dpdk_pps is the most any
 *                        ring making those copies can gain over DPDK's
 * Runs alternate between the two rings and every figure is a median of
 * REPEATS, so a slow minute on the shared machine hits both alike; which
 * ring goes first alternates too. One-thread runs are timed by the
 * thread's CPU time, two-thread runs by the wall clock. When DPDK's source
 * was not fetched, its figures and the ratios are null.
 *
 * `bench_peer count PEER SIZE` runs INSTR_PACKETS through one thread of a
 * 1 MiB ring and nothing else (and prints how many), for scripts/bench.sh to count instructions
 * per packet under callgrind (hvrt_peer_send/recv, dpdk_peer_send/recv). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/peer.h"

#define REPEATS 5
#define CONTROL_BYTES 4096u

static const uint32_t sizes[] = { 64, 256, 1024, 4096, 65536 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
static const uint32_t ring_sizes[] = { 1u << 20, 4u << 20 };
static const char *const ring_suffix[] = { "", "_4m" };

struct run {
    const struct peer *peer;
    uint8_t *block;
    uint32_t ring_bytes, payload;
    uint64_t packets;
    _Alignas(64) atomic_int started;    /* threads up; own line, read while spinning */
    _Alignas(64) uint64_t errors;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The calling thread's CPU time: the one-thread figures count only the time
 * the thread ran, so a slice the scheduler gave another job (the machines
 * are shared) does not land on whichever ring was running then. */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The first and last 8 payload bytes carry the sequence number, checked by
 * the receiver in its private copy: the bytes went through the ring. */
static void stamp(uint8_t *p, uint32_t len, uint64_t seq)
{
    memcpy(p, &seq, 8);
    memcpy(p + len - 8, &seq, 8);
}

static bool stamped(const uint8_t *p, int got, uint32_t len, uint64_t id, uint64_t seq)
{
    uint64_t first, last;
    if (got < (int)len || id != seq)
        return false;
    memcpy(&first, p, 8);
    memcpy(&last, p + len - 8, 8);
    return first == seq && last == seq;
}

/* The receiver's private buffer: headroom, payload, padding and trailer. */
static uint32_t buf_bytes(uint32_t len)
{
    return PEER_HEADROOM + ((len + 64 + 63) & ~63u);
}

/* Receives one packet, waiting for it; false on an error or a bad stamp.
 * A long wait yields: the two CPUs are shared with other jobs, and a
 * reader spinning while its writer is descheduled only delays everyone. */
static bool receive(const struct peer *pe, void *st, uint8_t *buf, uint32_t len, uint64_t seq)
{
    const uint8_t *payload = NULL;
    uint64_t id = 0;
    unsigned polls = 0;
    int got;
    while ((got = pe->recv(st, buf, buf_bytes(len), &payload, &id)) == 0) {
        pe->idle(st);
        if (++polls % 1024 == 0)
            sched_yield();
    }
    return got > 0 && stamped(payload, got, len, id, seq);
}

static void send_one(const struct peer *pe, void *st, uint8_t *src, uint32_t len, uint64_t seq)
{
    stamp(src, len, seq);
    while (!pe->send(st, src, len, seq))
        sched_yield();
}

static void *writer(void *arg)
{
    struct run *r = arg;
    const struct peer *pe = r->peer;
    uint32_t len = r->payload;
    uint64_t n = r->packets;
    void *st = calloc(1, pe->state_size);
    uint8_t *src = calloc(1, len);
    pin(0);
    pe->open_writer(st, r->block, r->ring_bytes);
    atomic_fetch_add(&r->started, 1);
    while (atomic_load(&r->started) < 2)
        ;
    for (uint64_t seq = 1; seq <= n; seq++)
        send_one(pe, st, src, len, seq);
    free(src);
    free(st);
    return NULL;
}

static void *reader(void *arg)
{
    struct run *r = arg;
    const struct peer *pe = r->peer;
    uint32_t len = r->payload;
    uint64_t n = r->packets, errors = 0;
    void *st = calloc(1, pe->state_size);
    uint8_t *buf = aligned_alloc(64, buf_bytes(len));
    pin(1);
    pe->open_reader(st, r->block, r->ring_bytes);
    atomic_fetch_add(&r->started, 1);
    while (atomic_load(&r->started) < 2)
        ;
    for (uint64_t seq = 1; seq <= n && !errors; seq++)
        errors += !receive(pe, st, buf, len, seq);
    pe->idle(st);
    r->errors = errors;
    free(buf);
    free(st);
    return NULL;
}

/* One thread: each packet written, then read back. */
static uint64_t one_thread(struct run *r)
{
    const struct peer *pe = r->peer;
    void *w = calloc(1, pe->state_size), *rd = calloc(1, pe->state_size);
    uint8_t *src = calloc(1, r->payload), *buf = aligned_alloc(64, buf_bytes(r->payload));
    uint64_t errors = 0;
    pin(0);
    pe->open_writer(w, r->block, r->ring_bytes);
    pe->open_reader(rd, r->block, r->ring_bytes);
    for (uint64_t seq = 1; seq <= r->packets && !errors; seq++) {
        stamp(src, r->payload, seq);
        while (!pe->send(w, src, r->payload, seq))
            pe->idle(rd);
        errors += !receive(pe, rd, buf, r->payload, seq);
    }
    free(src);
    free(buf);
    free(w);
    free(rd);
    return errors;
}

/* Packets per second through a fresh ring; 0 on an error. */
static double run_once(const struct peer *pe, uint32_t ring_bytes, uint32_t payload,
                       uint64_t packets, bool two_threads)
{
    struct run *r = aligned_alloc(64, sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->peer = pe;
    r->ring_bytes = ring_bytes;
    r->payload = payload;
    r->packets = packets;
    r->block = aligned_alloc(4096, CONTROL_BYTES + ring_bytes);
    memset(r->block, 0, CONTROL_BYTES + ring_bytes);    /* no page faults while timed */
    pe->setup(r->block, ring_bytes);
    double start = two_threads ? now_s() : thread_cpu_s();
    if (two_threads) {
        pthread_t tw, tr;
        pthread_create(&tr, NULL, reader, r);
        pthread_create(&tw, NULL, writer, r);
        pthread_join(tw, NULL);
        pthread_join(tr, NULL);
    } else {
        r->errors = one_thread(r);
    }
    double e = (two_threads ? now_s() : thread_cpu_s()) - start;
    uint64_t errors = r->errors;
    free(r->block);
    free(r);
    if (errors) {
        fprintf(stderr, "bench_peer: %s: a packet was lost or corrupted (%u bytes)\n", pe->name,
                payload);
        return 0;
    }
    return packets / e;
}

/* The two copies of one-thread run_once, nothing else: the payload into
 * the ring where the packet's payload would go (after a 16-byte
 * descriptor; a packet that would wrap starts over at 0 instead), then out
 * into the same private buffer at the same alignment. Packets/s by the
 * thread's CPU time, as run_once. */
static double copy_once(uint32_t ring_bytes, uint32_t payload, uint64_t packets)
{
    uint8_t *ring = aligned_alloc(4096, ring_bytes);
    uint8_t *src = calloc(1, payload), *buf = aligned_alloc(64, buf_bytes(payload));
    uint32_t step = 16 + ((payload + 7) & ~7u) + 8, pos = 0;
    uint64_t errors = 0;
    memset(ring, 0, ring_bytes);
    pin(0);
    double start = thread_cpu_s();
    for (uint64_t seq = 1; seq <= packets; seq++) {
        if (pos + step > ring_bytes)
            pos = 0;
        stamp(src, payload, seq);
        memcpy(ring + pos + 16, src, payload);
        __asm__ volatile("" : : "r"(ring) : "memory");
        memcpy(buf + PEER_HEADROOM, ring + pos + 16, payload);
        errors += !stamped(buf + PEER_HEADROOM, (int)payload, payload, seq, seq);
        pos += step;
    }
    double e = thread_cpu_s() - start;
    free(ring);
    free(src);
    free(buf);
    return errors ? 0 : packets / e;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), by_value);
    return v[n / 2];
}

/* About 20 ms of work per run at the speeds seen here: 200 runs in all. */
static uint64_t packets_for(uint32_t size)
{
    uint64_t n = 200000000ull / size;
    return n > 200000 ? 200000 : n < 4000 ? 4000 : n;
}

static void print_figure(const char *key, double v, bool ok)
{
    if (ok)
        printf("%s %.3f\n", key, v);
    else
        printf("%s null\n", key);
}

#define INSTR_PACKETS 2000

static int count_only(const char *name, const char *size)
{
    const struct peer *pe = strcmp(name, "dpdk") == 0 ? &peer_dpdk : &peer_hvrt;
    if (!pe->available)
        return 2;
    if (run_once(pe, 1u << 20, (uint32_t)atoi(size), INSTR_PACKETS, false) == 0)
        return 1;
    printf("packets %d\n", INSTR_PACKETS);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return count_only(argv[2], argv[3]);
    const struct peer *peers[2] = { &peer_hvrt, &peer_dpdk };
    bool have_dpdk = peer_dpdk.available;
    static double pps[2][2][NSIZES][2][REPEATS];    /* [ring size][threads][size][peer][run] */
    static double copy_pps[NSIZES][REPEATS];         /* the one-thread floor, 1 MiB */
    if (!have_dpdk)
        fprintf(stderr, "bench_peer: DPDK's ring was not fetched: its columns are null\n");
    for (int rep = 0; rep < REPEATS; rep++)
        for (int rs = 0; rs < 2; rs++)
            for (int t = 0; t < 2; t++)
                for (unsigned s = 0; s < NSIZES; s++) {
                    for (int i = 0; i < 1 + have_dpdk; i++) {
                        int p = have_dpdk ? (i + rep) % 2 : 0;
                        pps[rs][t][s][p][rep] = run_once(peers[p], ring_sizes[rs], sizes[s],
                                                         packets_for(sizes[s]), t == 1);
                    }
                    if (rs == 0 && t == 0)
                        copy_pps[s][rep] = copy_once(ring_sizes[rs], sizes[s], packets_for(sizes[s]));
                }
    char key[64];
    for (int rs = 0; rs < 2; rs++)
        for (int t = 0; t < 2; t++)
            for (unsigned s = 0; s < NSIZES; s++) {
                double mine = median(pps[rs][t][s][0], REPEATS);
                double theirs = have_dpdk ? median(pps[rs][t][s][1], REPEATS) : 0;
                if (rs == 0) {
                    snprintf(key, sizeof(key), "ring_pps_%dt_%u", t + 1, sizes[s]);
                    print_figure(key, mine, true);
                    snprintf(key, sizeof(key), "dpdk_pps_%dt_%u", t + 1, sizes[s]);
                    print_figure(key, theirs, have_dpdk);
                    if (t == 0) {
                        snprintf(key, sizeof(key), "copy_pps_1t_%u", sizes[s]);
                        print_figure(key, median(copy_pps[s], REPEATS), true);
                    }
                }
                snprintf(key, sizeof(key), "ring_vs_dpdk_%dt_%u%s", t + 1, sizes[s],
                         ring_suffix[rs]);
                print_figure(key, theirs > 0 ? mine / theirs : 0, have_dpdk && theirs > 0);
            }
    return 0;
}
