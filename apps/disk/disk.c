/* disk: the block devices, from the command line.
 *   disk list                      every disk: size, sector size, vendor/model, serial, read-only
 *   disk sum N [LBA COUNT]         read (all of disk N, or COUNT sectors at LBA) and print a checksum
 *   disk verify N [MiB]            write, read back and compare patterns: destroys data on disk N,
 *                                  so it refuses a disk with a partition table (the boot disk)
 *   disk bench N [SECONDS]         4 KiB random reads, 1 and 32 in flight, and 1 MiB sequential reads
 *   disk cat PATH                  print a file through fopen, e.g. /esp/hvrt.cfg or \hvrt.cfg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/block.h>
#include <hvrt/fs.h>
#include <hvrt/runtime.h>
#include <hvrt/thread.h>

#define CHUNK (1u << 20)

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static int list(void)
{
    unsigned n = hvrt_blk_count();
    printf("disk: %u disk%s\n", n, n == 1 ? "" : "s");
    for (unsigned i = 0; i < n; i++) {
        struct hvrt_blk_info d;
        hvrt_blk_info(i, &d);
        printf("  %-4s lun %u  %llu sectors x %u = %llu MiB  %s %s  serial '%s'%s%s\n", d.name, d.lun,
               (unsigned long long)d.sectors, d.sector_size,
               (unsigned long long)(d.sectors * d.sector_size >> 20), d.vendor, d.model, d.serial,
               d.read_only ? "  read-only" : "", d.removed ? "  REMOVED" : "");
    }
    return 0;
}

static int open_disk(const char *arg, struct hvrt_blk_info *d)
{
    unsigned n = (unsigned)strtoul(arg, NULL, 10);
    if (n >= hvrt_blk_count() || hvrt_blk_info(n, d) != HVRT_BLK_OK) {
        printf("disk: no disk %s (disk list shows them)\n", arg);
        return -1;
    }
    return (int)n;
}

static int sum(int disk, const struct hvrt_blk_info *d, uint64_t lba, uint64_t count)
{
    uint8_t *buf = malloc(CHUNK);
    uint32_t per = CHUNK / d->sector_size, h = 2166136261u;
    uint64_t t0 = hvrt_time_ns();
    for (uint64_t at = lba; at < lba + count; at += per) {
        uint32_t n = lba + count - at < per ? (uint32_t)(lba + count - at) : per;
        int rc = hvrt_blk_read((unsigned)disk, at, n, buf);
        if (rc != HVRT_BLK_OK) {
            printf("disk: read at sector %llu: %s\n", (unsigned long long)at, hvrt_blk_strerror(rc));
            free(buf);
            return 1;
        }
        h = fnv(h, buf, (size_t)n * d->sector_size);
    }
    uint64_t ms = (hvrt_time_ns() - t0) / 1000000;
    printf("disk: %s sectors %llu..%llu checksum %08x (%llu ms)\n", d->name, (unsigned long long)lba,
           (unsigned long long)(lba + count - 1), (unsigned)h, (unsigned long long)ms);
    free(buf);
    return 0;
}

static bool has_partition_table(int disk, const struct hvrt_blk_info *d)
{
    uint8_t *buf = malloc(d->sector_size * 2);
    bool yes = hvrt_blk_read((unsigned)disk, 0, 2, buf) == HVRT_BLK_OK &&
               ((buf[510] == 0x55 && buf[511] == 0xAA) || memcmp(buf + d->sector_size, "EFI PART", 8) == 0);
    free(buf);
    return yes;
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = seed * 6364136223846793005ull + i;
        memcpy(p + i, &v, 8);
    }
}

static int verify(int disk, const struct hvrt_blk_info *d, uint64_t mib)
{
    if (d->read_only || has_partition_table(disk, d)) {
        printf("disk: %s is %s: verify writes over it, so it stops here\n", d->name,
               d->read_only ? "read-only" : "partitioned (a boot or data disk)");
        return 1;
    }
    uint8_t *w = malloc(CHUNK), *r = malloc(CHUNK);
    uint32_t per = CHUNK / d->sector_size;
    uint64_t chunks = mib, bad = 0;
    if (chunks * per > d->sectors)
        chunks = d->sectors / per;
    for (uint64_t c = 0; c < chunks; c++) {
        fill(w, CHUNK, c + 1);
        int rc = hvrt_blk_write((unsigned)disk, c * per, per, w);
        if (rc == HVRT_BLK_OK)
            rc = hvrt_blk_flush((unsigned)disk);
        if (rc == HVRT_BLK_OK)
            rc = hvrt_blk_read((unsigned)disk, c * per, per, r);
        if (rc != HVRT_BLK_OK) {
            printf("disk: MiB %llu: %s\n", (unsigned long long)c, hvrt_blk_strerror(rc));
            bad++;
        } else if (memcmp(w, r, CHUNK) != 0) {
            printf("disk: MiB %llu read back different\n", (unsigned long long)c);
            bad++;
        }
    }
    printf("disk: verify %s: %llu MiB written, read back, %llu bad: %s\n", d->name, (unsigned long long)chunks,
           (unsigned long long)bad, bad ? "FAIL" : "PASS");
    free(w), free(r);
    return bad ? 1 : 0;
}

/* ---- bench ---- */

static uint64_t rng = 88172645463325252ull;
static uint64_t random_4k(const struct hvrt_blk_info *d)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    uint64_t blocks = d->sectors * d->sector_size / 4096;
    return (rng % (blocks ? blocks : 1)) * (4096 / d->sector_size);
}

struct qd {
    const struct hvrt_blk_info *d;
    unsigned disk;
    volatile uint64_t done;
    volatile unsigned active, errors;
    uint64_t deadline;
    sem_t idle;                 /* posted when the last request has stopped */
};

static void qd_done(struct hvrt_blk_request *req)
{
    struct qd *q = req->context;
    q->done++;
    q->errors += req->status != HVRT_BLK_OK;
    req->lba = random_4k(q->d);
    if (hvrt_time_ns() >= q->deadline || hvrt_blk_submit(q->disk, req) != HVRT_BLK_OK)
        if (__atomic_sub_fetch(&q->active, 1, __ATOMIC_ACQ_REL) == 0)
            sem_post(&q->idle);
}

static int bench(int disk, const struct hvrt_blk_info *d, unsigned seconds)
{
    uint64_t ns = (uint64_t)seconds * 1000000000, n = 0, t0 = hvrt_time_ns();
    /* From the heap, not .bss: 128 KiB there would keep the image from
     * loading where the firmware has little memory. */
    uint8_t *buf = malloc(CHUNK), (*bufs)[4096] = malloc(32 * 4096);
    struct hvrt_blk_request *reqs = calloc(32, sizeof(*reqs));
    if (buf == NULL || reqs == NULL || bufs == NULL) {
        printf("disk: out of memory\n");
        free(buf), free(reqs), free(bufs);
        return 1;
    }
    uint32_t per4k = 4096 / d->sector_size;
    while (hvrt_time_ns() - t0 < ns && hvrt_blk_read((unsigned)disk, random_4k(d), per4k, buf) == HVRT_BLK_OK)
        n++;
    printf("disk: %s 4 KiB random reads, 1 in flight: %llu IOPS\n", d->name,
           (unsigned long long)(n * 1000000000 / (hvrt_time_ns() - t0)));
    struct qd q = { d, (unsigned)disk, 0, 0, 0, hvrt_time_ns() + ns, { 0, NULL } };
    sem_init(&q.idle, 0, 0);
    t0 = hvrt_time_ns();
    q.active = 1;   /* ours, while submitting: the last done cannot post before we wait */
    for (unsigned i = 0; i < 32; i++) {
        reqs[i] = (struct hvrt_blk_request){ .op = HVRT_BLK_READ, .lba = random_4k(d), .count = per4k,
                                             .buf = bufs[i], .done = qd_done, .context = &q };
        __atomic_add_fetch(&q.active, 1, __ATOMIC_ACQ_REL);
        if (hvrt_blk_submit((unsigned)disk, &reqs[i]) != HVRT_BLK_OK)
            __atomic_sub_fetch(&q.active, 1, __ATOMIC_ACQ_REL);
    }
    if (__atomic_sub_fetch(&q.active, 1, __ATOMIC_ACQ_REL) > 0)
        sem_wait(&q.idle);
    printf("disk: %s 4 KiB random reads, 32 in flight: %llu IOPS (%u errors)\n", d->name,
           (unsigned long long)(q.done * 1000000000 / (hvrt_time_ns() - t0)), q.errors);
    uint64_t bytes = 0, lba = 0, per = CHUNK / d->sector_size;
    t0 = hvrt_time_ns();
    while (hvrt_time_ns() - t0 < ns && d->sectors >= per &&
           hvrt_blk_read((unsigned)disk, lba, (uint32_t)per, buf) == HVRT_BLK_OK) {
        bytes += CHUNK;
        lba = lba + 2 * per <= d->sectors ? lba + per : 0;
    }
    printf("disk: %s 1 MiB sequential reads: %llu MB/s\n", d->name,
           (unsigned long long)(bytes * 1000 / (hvrt_time_ns() - t0)));
    free(buf), free(reqs), free(bufs);
    return 0;
}

/* `disk cat` reads files on the boot disk's ESP: this puts the ESP in the
 * image's file systems (an image without this app has no disk code). */
HVRT_USE_FILESYSTEM(hvrt_esp_fs);

static int cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        printf("disk: cannot open %s\n", path);
        return 1;
    }
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

static int disk_main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "list";
    if (strcmp(cmd, "list") == 0)
        return list();
    if (strcmp(cmd, "cat") == 0 && argc > 2)
        return cat(argv[2]);
    struct hvrt_blk_info d;
    int disk = argc > 2 ? open_disk(argv[2], &d) : -1;
    if (argc > 2 && disk < 0)
        return 1;
    if (strcmp(cmd, "sum") == 0 && disk >= 0) {
        uint64_t lba = argc > 4 ? strtoull(argv[3], NULL, 0) : 0;
        uint64_t count = argc > 4 ? strtoull(argv[4], NULL, 0) : d.sectors;
        if (lba >= d.sectors || count == 0 || count > d.sectors - lba) {
            printf("disk: %s has %llu sectors\n", d.name, (unsigned long long)d.sectors);
            return HVRT_EXIT_USAGE;
        }
        return sum(disk, &d, lba, count);
    }
    if (strcmp(cmd, "verify") == 0 && disk >= 0)
        return verify(disk, &d, argc > 3 ? strtoull(argv[3], NULL, 0) : 16);
    if (strcmp(cmd, "bench") == 0 && disk >= 0)
        return bench(disk, &d, argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 2);
    printf("usage: disk list | sum N [LBA COUNT] | verify N [MiB] | bench N [SECONDS] | cat PATH\n");
    return HVRT_EXIT_USAGE;
}

HVRT_APP("disk", disk_main, "list disks, checksum, write-read-verify, throughput, cat a file [list|sum|verify|bench|cat]");
