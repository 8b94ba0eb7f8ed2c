/* storvsc's throughput, hosted: hvsim's storage device on a file, the
 * driver and block layer built optimised, against pread on the same file
 * in the same run (the limit: every storvsc I/O ends in a pread or pwrite
 * of the host). Prints "key value" lines for scripts/bench.sh:
 *   storvsc_iops_4k_qd1, storvsc_iops_4k_qd32, storvsc_mbps_1m
 *   pread_iops_4k_qd1, pread_iops_4k_qd32, pread_mbps_1m
 * 4 KiB reads at random 4 KiB-aligned offsets; 1 MiB reads in sequence.
 * QD32 for pread is 32 threads each with one read outstanding. The file
 * (64 MiB) is read once first, so both sides read the page cache. Times
 * are wall-clock (the hosted platform's virtual clock does not count). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hvrt/block.h>
#include <hvrt/runtime.h>
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/storage.h"
#include "drivers/block/block_dev.h"

#define FILE_BYTES (64u << 20)
#define SECTORS (FILE_BYTES / 512)

static char path[64] = "/tmp/hvrt-bench-storvsc-XXXXXX";
static int fd;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* ---- pread ---- */

static volatile int stop_threads;
static void *pread_thread(void *arg)
{
    uint64_t *count = arg, r = (uint64_t)(uintptr_t)arg * 2654435761u | 1;
    char buf[4096];
    while (!stop_threads) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        if (pread(fd, buf, 4096, (off_t)(r % (FILE_BYTES / 4096)) * 4096) != 4096)
            break;
        (*count)++;
    }
    return NULL;
}

static double pread_iops(int threads, double seconds)
{
    pthread_t t[32];
    static uint64_t counts[32][8];   /* a cache line each */
    memset(counts, 0, sizeof(counts));
    stop_threads = 0;
    double start = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, pread_thread, counts[i]);
    while (now_s() - start < seconds)
        usleep(10000);
    stop_threads = 1;
    uint64_t total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += counts[i][0];
    }
    return total / (now_s() - start);
}

static double pread_mbps(double seconds)
{
    char *buf = malloc(1 << 20);
    uint64_t bytes = 0, off = 0;
    double start = now_s();
    while (now_s() - start < seconds) {
        if (pread(fd, buf, 1 << 20, (off_t)off) != 1 << 20)
            break;
        bytes += 1 << 20;
        off = (off + (1 << 20)) % FILE_BYTES;
    }
    free(buf);
    return bytes / (now_s() - start) / 1e6;
}

/* ---- storvsc ---- */

static double sv_iops_qd1(double seconds)
{
    char buf[4096];
    uint64_t n = 0;
    double start = now_s();
    while (now_s() - start < seconds) {
        if (hvrt_blk_read(0, (next_random() % (SECTORS / 8)) * 8, 8, buf) != HVRT_BLK_OK)
            return 0;
        n++;
    }
    return n / (now_s() - start);
}

struct qd {
    struct hvrt_blk_request req[32];
    char buf[32][4096];
    volatile uint64_t done;
    volatile int stopping, active, errors;
    double deadline;   /* checked here too: in-process, answers come inside the submit */
};

static void qd_done(struct hvrt_blk_request *req)
{
    struct qd *q = req->context;
    q->done++;
    if (req->status != HVRT_BLK_OK)
        q->errors++;
    if (q->stopping || now_s() > q->deadline)
        q->stopping = 1;
    if (q->stopping) {
        q->active--;
        return;
    }
    req->lba = (next_random() % (SECTORS / 8)) * 8;
    if (hvrt_blk_submit(0, req) != HVRT_BLK_OK)
        q->active--;
}

static double sv_iops_qd32(double seconds)
{
    static struct qd q;
    memset(&q, 0, sizeof(q));
    double start = now_s();
    q.deadline = start + seconds;
    for (int i = 0; i < 32; i++) {
        q.req[i] = (struct hvrt_blk_request){ .op = HVRT_BLK_READ, .lba = (next_random() % (SECTORS / 8)) * 8,
                                              .count = 8, .buf = q.buf[i], .done = qd_done, .context = &q };
        q.active++;
        hvrt_blk_submit(0, &q.req[i]);
    }
    while (now_s() - start < seconds)
        hvrt_sleep_us(10);
    q.stopping = 1;
    while (q.active > 0)
        hvrt_sleep_us(10);
    return q.errors ? 0 : q.done / (now_s() - start);
}

static double sv_mbps(double seconds)
{
    char *buf = malloc(1 << 20);
    uint64_t bytes = 0, lba = 0;
    double start = now_s();
    while (now_s() - start < seconds) {
        if (hvrt_blk_read(0, lba, (1 << 20) / 512, buf) != HVRT_BLK_OK)
            break;
        bytes += 1 << 20;
        lba = (lba + (1 << 20) / 512) % SECTORS;
    }
    free(buf);
    return bytes / (now_s() - start) / 1e6;
}

int main(void)
{
    fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, FILE_BYTES) != 0)
        return 1;
    char *warm = malloc(1 << 20);
    memset(warm, 0x42, 1 << 20);
    for (uint32_t off = 0; off < FILE_BYTES; off += 1 << 20)
        if (pwrite(fd, warm, 1 << 20, off) != 1 << 20)
            return 1;
    free(warm);

    struct hvsim_storage_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.luns[0] = (struct hvsim_storage_lun){ .path = path, .lun = 0 };
    cfg.lun_count = 1;
    struct hvsim_storage *st = hvsim_storage_create(NULL, &cfg);
    struct hvsim_vmbus_device dev = { .model = HVSIM_VMBUS_STORAGE, .model_data = st };
    struct hvsim_vmbus *host = st ? fixture_start(HVSIM_VMBUS_HYPERV, &dev, 1, 64) : NULL;
    if (host == NULL || hvrt_blk_count() != 1) {
        fprintf(stderr, "bench_storvsc: no disk\n");
        return 1;
    }
    double secs = 1.0;
    printf("storvsc_iops_4k_qd1 %.0f\n", sv_iops_qd1(secs));
    printf("storvsc_iops_4k_qd32 %.0f\n", sv_iops_qd32(secs));
    printf("storvsc_mbps_1m %.0f\n", sv_mbps(secs));
    printf("pread_iops_4k_qd1 %.0f\n", pread_iops(1, secs));
    printf("pread_iops_4k_qd32 %.0f\n", pread_iops(32, secs));
    printf("pread_mbps_1m %.0f\n", pread_mbps(secs));
    block_reset();
    fixture_stop(host);
    hvsim_storage_destroy(st);
    close(fd);
    unlink(path);
    return 0;
}
