/* storvsc and the block layer against hvsim's storage device: bring-up
 * at each protocol version, the SCSI commands, many random reads and
 * writes with checksums and a reopen that finds the data, and the host's
 * faults (medium errors, unit attention, not ready, busy, slow and
 * reordered answers, overruns, rescind mid-I/O). Disks are files in /tmp. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hvrt/block.h>
#include <hvrt/runtime.h>
#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "tests/hvsim/storage.h"
#include "drivers/block/block_dev.h"
#include "drivers/fs/esp.h"
#include "drivers/storvsc/storvsc.h"

#define MIB (1024u * 1024)

static struct hvsim_vmbus *host;
static struct hvsim_storage *storage;
static char paths[4][64];

/* A file of size bytes whose sector s holds (s * 31 + i) bytes. */
static const char *make_disk(int i, uint64_t size, bool pattern)
{
    snprintf(paths[i], sizeof(paths[i]), "/tmp/hvrt-storvsc-XXXXXX");
    int fd = mkstemp(paths[i]);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
        return NULL;
    if (pattern) {
        uint8_t *buf = malloc(MIB);
        for (uint64_t off = 0; off < size; off += MIB) {
            for (uint32_t k = 0; k < MIB; k++)
                buf[k] = (uint8_t)((off + k) / 512 * 31 + k % 512);
            if (pwrite(fd, buf, MIB, (off_t)off) != MIB)
                break;
        }
        free(buf);
    }
    close(fd);
    return paths[i];
}

static uint8_t pattern_byte(uint64_t sector, uint32_t k) { return (uint8_t)(sector * 31 + k); }

static void start(const struct hvsim_storage_config *cfg)
{
    storage = hvsim_storage_create(NULL, cfg);
    CHECK(storage != NULL, "storage model up");
    struct hvsim_vmbus_device dev = { .model = HVSIM_VMBUS_STORAGE, .model_data = storage };
    host = fixture_start(HVSIM_VMBUS_HYPERV, &dev, 1, 64);
    CHECK(host != NULL, "fixture up");
}

static void stop(void)
{
    esp_forget();
    block_reset();
    fixture_stop(host);
    hvsim_storage_destroy(storage);
    storage = NULL;
}

static void one_disk_config(struct hvsim_storage_config *cfg, uint64_t size)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->luns[0] = (struct hvsim_storage_lun){ .path = make_disk(0, size, true), .lun = 0 };
    cfg->lun_count = 1;
}

static void test_bring_up_and_read(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 8 * MIB);
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    struct hvrt_blk_info info;
    CHECK_EQ(hvrt_blk_info(0, &info), HVRT_BLK_OK);
    CHECK_EQ(info.sectors, 8 * MIB / 512);
    CHECK_EQ(info.sector_size, 512);
    CHECK(strcmp(info.vendor, "Msft") == 0, "vendor '%s'", info.vendor);
    CHECK(strcmp(info.model, "Virtual Disk") == 0, "model '%s'", info.model);
    CHECK(strcmp(info.serial, "HVSIM-LUN-0") == 0, "serial '%s'", info.serial);
    CHECK(!info.read_only, "writable");
    uint8_t buf[4096];
    CHECK_EQ(hvrt_blk_read(0, 100, 8, buf), HVRT_BLK_OK);
    bool same = true;
    for (uint32_t k = 0; k < sizeof(buf); k++)
        same &= buf[k] == pattern_byte(100 + k / 512, k % 512);
    CHECK(same, "sectors 100..107 read back as written to the file");
    struct hvsim_storage_counters c;
    hvsim_storage_get_counters(storage, &c);
    CHECK_EQ(c.version, 0x0602);
    CHECK_EQ(c.last_packet_size, 0x40);
    stop();
    unlink(paths[0]);
}


static bool check_pattern(const uint8_t *buf, uint64_t first, uint32_t sectors)
{
    for (uint32_t k = 0; k < sectors * 512; k++)
        if (buf[k] != pattern_byte(first + k / 512, k % 512))
            return false;
    return true;
}

/* Each version the host might accept alone: the driver settles on it,
 * with 0x30-byte packets before 5.1, and I/O works. */
static void test_each_protocol_version(void)
{
    static const uint16_t versions[] = { 0x0602, 0x0600, 0x0501, 0x0402, 0x0200 };
    for (unsigned i = 0; i < 5; i++) {
        struct hvsim_storage_config cfg;
        one_disk_config(&cfg, 2 * MIB);
        cfg.versions[0] = versions[i];
        cfg.version_count = 1;
        start(&cfg);
        CHECK_EQ(hvrt_blk_count(), 1);
        uint8_t buf[1024];
        CHECK_EQ(hvrt_blk_read(0, 7, 2, buf), HVRT_BLK_OK);
        CHECK(check_pattern(buf, 7, 2), "data at version %04x", versions[i]);
        struct hvsim_storage_counters c;
        hvsim_storage_get_counters(storage, &c);
        CHECK_EQ(c.version, versions[i]);
        CHECK_EQ(c.last_packet_size, versions[i] >= 0x0501 ? 0x40 : 0x30);
        CHECK_EQ(storvsc_controller()->version, versions[i]);
        stop();
        unlink(paths[0]);
    }
    /* a host that accepts none of them: no disks, a clear failure */
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    cfg.versions[0] = 0x0100;
    cfg.version_count = 1;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 0);
    stop();
    unlink(paths[0]);
}

/* Every SCSI command the driver has, on a disk large enough for the
 * 16-byte CDBs (a sparse file past 2 TiB), one of 4 KiB sectors, and a
 * read-only one; REPORT LUNS lists all three. */
static void test_scsi_commands(void)
{
    struct hvsim_storage_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    uint64_t big = (1ull << 32) * 512 + 64 * MIB;
    cfg.luns[0] = (struct hvsim_storage_lun){ .path = make_disk(0, big, false), .lun = 0 };
    cfg.luns[1] = (struct hvsim_storage_lun){ .path = make_disk(1, 4 * MIB, true), .lun = 3, .sector_size = 4096,
                                              .serial = "  SER-4K" };
    cfg.luns[2] = (struct hvsim_storage_lun){ .path = make_disk(2, 1 * MIB, true), .lun = 5, .read_only = true };
    cfg.lun_count = 3;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 3);
    struct hvrt_blk_info a, b, c;
    hvrt_blk_info(0, &a), hvrt_blk_info(1, &b), hvrt_blk_info(2, &c);
    CHECK_EQ(a.sectors, big / 512);
    CHECK_EQ(b.sector_size, 4096);
    CHECK_EQ(b.sectors, 1024);
    CHECK_EQ(b.lun, 3);
    CHECK(strcmp(b.serial, "SER-4K") == 0, "serial '%s'", b.serial);
    CHECK(c.read_only && !a.read_only, "MODE SENSE write protection");
    CHECK(strcmp(a.name, "sd0") == 0 && strcmp(c.name, "sd2") == 0, "names");
    /* past 2^32 sectors: READ/WRITE(16) */
    uint8_t *buf = malloc(64 * 1024);
    memset(buf, 0x5A, 64 * 1024);
    uint64_t far = (1ull << 32) + 1000;
    CHECK_EQ(hvrt_blk_write(0, far, 128, buf), HVRT_BLK_OK);
    memset(buf, 0, 64 * 1024);
    CHECK_EQ(hvrt_blk_read(0, far, 128, buf), HVRT_BLK_OK);
    CHECK(buf[0] == 0x5A && buf[65535] == 0x5A, "READ(16) finds WRITE(16)'s data");
    CHECK_EQ(hvrt_blk_read(1, 10, 2, buf), HVRT_BLK_OK);   /* 4 KiB sectors */
    CHECK(buf[0] == (uint8_t)(80 * 31) && buf[4096] == (uint8_t)(88 * 31), "4 KiB sectors at the right place");
    CHECK_EQ(hvrt_blk_flush(0), HVRT_BLK_OK);
    CHECK_EQ(hvrt_blk_write(2, 0, 1, buf), HVRT_BLK_E_READ_ONLY);
    CHECK_EQ(hvrt_blk_read(0, big / 512, 1, buf), HVRT_BLK_E_INVALID);
    CHECK_EQ(hvrt_blk_read(0, big / 512 - 1, 2, buf), HVRT_BLK_E_INVALID);
    CHECK_EQ(hvrt_blk_read(7, 0, 1, buf), HVRT_BLK_E_INVALID);
    struct hvsim_storage_counters k;
    hvsim_storage_get_counters(storage, &k);
    CHECK(k.by_opcode[0xA0] >= 1, "REPORT LUNS");
    CHECK(k.by_opcode[0x12] >= 9, "INQUIRY and VPD pages (%llu)", (unsigned long long)k.by_opcode[0x12]);
    CHECK(k.by_opcode[0x00] >= 3, "TEST UNIT READY");
    CHECK(k.by_opcode[0x25] >= 3 && k.by_opcode[0x9E] >= 1, "READ CAPACITY(10) and (16)");
    CHECK(k.by_opcode[0x88] >= 1 && k.by_opcode[0x8A] >= 1, "READ/WRITE(16)");
    CHECK(k.by_opcode[0x28] >= 1, "READ(10)");
    CHECK_EQ(k.by_opcode[0x35], 1);
    CHECK(k.by_opcode[0x1A] >= 3, "MODE SENSE(6)");
    CHECK_EQ(k.writes, 1);
    free(buf);
    stop();
    for (int i = 0; i < 3; i++)
        unlink(paths[i]);
}

/* A host whose maximum transfer is 64 KiB: a 1 MiB read goes out in 16
 * pieces, several at once, and comes back whole. */
static void test_transfers_split_at_host_maximum(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 4 * MIB);
    cfg.max_transfer = 64 * 1024;
    cfg.faults.delay_ns = 100000;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    struct hvrt_blk_info info;
    hvrt_blk_info(0, &info);
    CHECK_EQ(info.max_transfer, 64 * 1024);
    uint8_t *buf = malloc(MIB + 512);
    struct hvsim_storage_counters before, after;
    hvsim_storage_get_counters(storage, &before);
    CHECK_EQ(hvrt_blk_read(0, 3, MIB / 512, buf + 1), HVRT_BLK_OK);   /* any alignment */
    hvsim_storage_get_counters(storage, &after);
    CHECK(check_pattern(buf + 1, 3, MIB / 512), "1 MiB read whole");
    CHECK_EQ(after.reads - before.reads, 16);
    CHECK(after.max_in_flight >= 16, "pieces in flight together: %llu", (unsigned long long)after.max_in_flight);
    free(buf);
    stop();
    unlink(paths[0]);
}

struct async_state {
    unsigned done, errors;
};

static void async_done(struct hvrt_blk_request *req)
{
    struct async_state *s = req->context;
    s->done++;
    if (req->status != HVRT_BLK_OK)
        s->errors++;
}

static void wait_for(volatile unsigned *n, unsigned want)
{
    for (int i = 0; i < 1000000 && *n < want; i++)
        hvrt_sleep_us(10);
}

/* 64 asynchronous requests at once (more than the 32 slots): all end,
 * each with its own data, while the host answers out of order. */
static void test_async_out_of_order(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 4 * MIB);
    cfg.faults.reorder = 7;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    static uint8_t bufs[64][2048];
    static struct hvrt_blk_request reqs[64];
    struct async_state s = { 0, 0 };
    for (unsigned i = 0; i < 64; i++) {
        reqs[i] = (struct hvrt_blk_request){ .op = HVRT_BLK_READ, .lba = i * 37, .count = 4, .buf = bufs[i],
                                             .done = async_done, .context = &s };
        CHECK_EQ(hvrt_blk_submit(0, &reqs[i]), HVRT_BLK_OK);
    }
    wait_for(&s.done, 64);
    CHECK_EQ(s.done, 64);
    CHECK_EQ(s.errors, 0);
    bool ok = true;
    for (unsigned i = 0; i < 64; i++)
        ok &= check_pattern(bufs[i], i * 37, 4) && reqs[i].status == HVRT_BLK_OK;
    CHECK(ok, "every request got its own sectors");
    struct hvsim_storage_counters k;
    hvsim_storage_get_counters(storage, &k);
    CHECK(k.max_in_flight >= 7, "answers were held and reordered (%llu)", (unsigned long long)k.max_in_flight);
    stop();
    unlink(paths[0]);
}


/* A tiny deterministic generator (xorshift), so a failure repeats. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* 10^5 random reads and writes of 1..16 sectors, checked against a model
 * of the disk kept in memory (a per-sector stamp); then the controller is
 * closed, the host restarted on the same file, and everything read back. */
static void test_random_io_and_reopen(void)
{
    enum { SECTORS = 4096, OPS = 100000 };
    struct hvsim_storage_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.luns[0] = (struct hvsim_storage_lun){ .path = make_disk(0, SECTORS * 512, false), .lun = 0 };
    cfg.lun_count = 1;
    static uint32_t stamp[SECTORS];   /* 0: never written (zeros) */
    memset(stamp, 0, sizeof(stamp));
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    static uint8_t buf[16 * 512];
    unsigned bad = 0, errors = 0;
    for (uint32_t op = 1; op <= OPS; op++) {
        uint64_t r = next_random();
        uint32_t count = 1 + (uint32_t)(r % 16);
        uint64_t lba = (r >> 8) % (SECTORS - count + 1);
        if ((r >> 40) & 1) {
            for (uint32_t s = 0; s < count; s++) {
                stamp[lba + s] = op;
                for (uint32_t k = 0; k < 512; k += 4)
                    memcpy(buf + s * 512 + k, &(uint32_t){ op * 2654435761u ^ (uint32_t)(lba + s) ^ k }, 4);
            }
            errors += hvrt_blk_write(0, lba, count, buf) != HVRT_BLK_OK;
        } else {
            errors += hvrt_blk_read(0, lba, count, buf) != HVRT_BLK_OK;
            for (uint32_t s = 0; s < count; s++) {
                uint32_t st = stamp[lba + s], first;
                memcpy(&first, buf + s * 512, 4);
                bad += first != (st ? (st * 2654435761u ^ (uint32_t)(lba + s)) : 0);
            }
        }
    }
    CHECK_EQ(errors, 0);
    CHECK_EQ(bad, 0);
    CHECK_EQ(hvrt_blk_flush(0), HVRT_BLK_OK);
    uint32_t sum_before = 0;
    static uint8_t whole[SECTORS * 512];
    CHECK_EQ(hvrt_blk_read(0, 0, SECTORS, whole), HVRT_BLK_OK);
    sum_before = checksum(whole, sizeof(whole));
    block_reset();
    fixture_stop(host);
    hvsim_storage_destroy(storage);

    start(&cfg);   /* the same file: a reboot */
    CHECK_EQ(hvrt_blk_count(), 1);
    memset(whole, 0, sizeof(whole));
    CHECK_EQ(hvrt_blk_read(0, 0, SECTORS, whole), HVRT_BLK_OK);
    CHECK_EQ(checksum(whole, sizeof(whole)), sum_before);
    unsigned wrong = 0;
    for (uint32_t s = 0; s < SECTORS; s++) {
        uint32_t first;
        memcpy(&first, whole + s * 512, 4);
        wrong += first != (stamp[s] ? (stamp[s] * 2654435761u ^ s) : 0);
    }
    CHECK_EQ(wrong, 0);
    stop();
    unlink(paths[0]);
}

/* Medium errors on two sectors: reads and writes touching them fail with
 * HVRT_BLK_E_MEDIUM; a write that fails writes nothing; the sectors
 * around them still work. */
static void test_medium_errors(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    cfg.faults.bad_lba[0] = 100, cfg.faults.bad_lba[1] = 300;
    cfg.faults.bad_count = 2;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    uint8_t buf[8 * 512];
    CHECK_EQ(hvrt_blk_read(0, 96, 8, buf), HVRT_BLK_E_MEDIUM);
    CHECK_EQ(hvrt_blk_read(0, 100, 1, buf), HVRT_BLK_E_MEDIUM);
    CHECK_EQ(hvrt_blk_read(0, 101, 8, buf), HVRT_BLK_OK);
    CHECK(check_pattern(buf, 101, 8), "the sectors after still read");
    CHECK_EQ(hvrt_blk_read(0, 92, 8, buf), HVRT_BLK_OK);
    memset(buf, 0xEE, sizeof(buf));
    CHECK_EQ(hvrt_blk_write(0, 296, 8, buf), HVRT_BLK_E_MEDIUM);
    CHECK_EQ(hvrt_blk_read(0, 296, 4, buf), HVRT_BLK_OK);
    CHECK(check_pattern(buf, 296, 4), "the failed write wrote nothing");
    memset(buf, 0xEE, sizeof(buf));
    CHECK_EQ(hvrt_blk_write(0, 301, 8, buf), HVRT_BLK_OK);
    uint8_t *big = malloc(512 * 512);
    CHECK_EQ(hvrt_blk_read(0, 0, 512, big), HVRT_BLK_E_MEDIUM);   /* one piece of a split request fails */
    free(big);
    stop();
    int fd = open(paths[0], O_RDONLY);
    uint8_t sector[512];
    CHECK(pread(fd, sector, 512, 296 * 512) == 512 && sector[0] == pattern_byte(296, 0), "file untouched at 296");
    CHECK(pread(fd, sector, 512, 301 * 512) == 512 && sector[0] == 0xEE, "file written at 301");
    close(fd);
    unlink(paths[0]);
}

/* After a bus reset every command meets UNIT ATTENTION once: retried, the
 * caller never sees it. NOT READY a few times is waited out; for ever is
 * an error. BUSY is retried. */
static void test_unit_attention_not_ready_busy(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    uint8_t buf[512];
    hvsim_storage_reset(storage);
    uint64_t retries = storvsc_controller()->retries;
    CHECK_EQ(hvrt_blk_read(0, 5, 1, buf), HVRT_BLK_OK);
    CHECK(check_pattern(buf, 5, 1), "data after the unit attention");
    CHECK_EQ(storvsc_controller()->retries - retries, 1);
    struct hvsim_storage_faults f = { .not_ready = 3 };
    hvsim_storage_set_faults(storage, &f);
    uint64_t t0 = hvrt_time_ns();
    CHECK_EQ(hvrt_blk_read(0, 6, 1, buf), HVRT_BLK_OK);
    CHECK(hvrt_time_ns() - t0 >= 3 * SV_LATER_NS, "waited for the disk to become ready");
    f = (struct hvsim_storage_faults){ .not_ready = 1000 };
    hvsim_storage_set_faults(storage, &f);
    CHECK_EQ(hvrt_blk_read(0, 6, 1, buf), HVRT_BLK_E_NOT_READY);
    f = (struct hvsim_storage_faults){ .busy_once = true };
    hvsim_storage_set_faults(storage, &f);
    CHECK_EQ(hvrt_blk_read(0, 7, 1, buf), HVRT_BLK_OK);
    CHECK(check_pattern(buf, 7, 1), "data after BUSY");
    stop();
    unlink(paths[0]);
}

/* A host that says it moved more than was asked: a protocol error, the
 * app's buffer beyond the request untouched; the disk works once it
 * behaves. */
static void test_overrun_is_a_protocol_error(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    uint8_t buf[1024];
    memset(buf, 0x11, sizeof(buf));
    struct hvsim_storage_faults f = { .overrun = true };
    hvsim_storage_set_faults(storage, &f);
    CHECK_EQ(hvrt_blk_read(0, 9, 1, buf), HVRT_BLK_E_PROTOCOL);
    CHECK(buf[512] == 0x11 && buf[1023] == 0x11, "nothing written past the request");
    CHECK(storvsc_controller()->bad_completions >= 1, "counted");
    f = (struct hvsim_storage_faults){ 0 };
    hvsim_storage_set_faults(storage, &f);
    CHECK_EQ(hvrt_blk_read(0, 9, 2, buf), HVRT_BLK_OK);
    CHECK(check_pattern(buf, 9, 2), "usable afterwards");
    stop();
    unlink(paths[0]);
}

/* LUNs come and go: the host's ENUMERATE_BUS makes the driver rescan;
 * a new disk gets the next index, a vanished one is marked removed and
 * its I/O fails cleanly, the others go on. REPORT LUNS refused: the scan
 * falls back to probing LUNs 0..7. */
static void test_rescan_on_enumerate_bus(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    cfg.luns[1] = (struct hvsim_storage_lun){ .path = make_disk(1, 1 * MIB, true), .lun = 1 };
    cfg.lun_count = 2;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 2);
    struct hvsim_storage_lun extra = { .path = make_disk(2, 2 * MIB, true), .lun = 2 };
    CHECK_EQ(hvsim_storage_add_lun(storage, &extra), 0);
    for (int i = 0; i < 100 && hvrt_blk_count() < 3; i++)
        hvrt_sleep_us(1000);
    CHECK_EQ(hvrt_blk_count(), 3);
    CHECK(storvsc_controller()->rescans_requested >= 1, "ENUMERATE_BUS seen");
    struct hvrt_blk_info info;
    hvrt_blk_info(2, &info);
    CHECK_EQ(info.sectors, 2 * MIB / 512);
    CHECK_EQ(hvsim_storage_remove_lun(storage, 1), 0);
    for (int i = 0; i < 100; i++) {
        hvrt_sleep_us(1000);
        hvrt_blk_info(1, &info);
        if (info.removed)
            break;
    }
    CHECK(info.removed, "LUN 1 marked removed");
    uint8_t buf[512];
    CHECK_EQ(hvrt_blk_read(1, 0, 1, buf), HVRT_BLK_E_REMOVED);
    CHECK_EQ(hvrt_blk_read(2, 4, 1, buf), HVRT_BLK_OK);
    CHECK(check_pattern(buf, 4, 1), "the others go on");
    stop();

    cfg.faults.refuse_report_luns = true;
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 2);
    stop();
    for (int i = 0; i < 3; i++)
        unlink(paths[i]);
}

static uint32_t storage_relid(void)
{
    for (uint32_t relid = 1; relid < 64; relid++) {
        struct hvsim_vmbus_channel_info ci;
        if (hvsim_vmbus_channel(host, relid, &ci) && ci.model == HVSIM_VMBUS_STORAGE)
            return relid;
    }
    return 0;
}

/* A host that never answers: a synchronous read blocks on its semaphore
 * until the timeout, not a moment less, then gives up on the controller
 * with a timeout; the disk is then gone, and nothing hangs. */
static void test_sync_wait_times_out(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    block_set_sync_timeout_ns(2ull * 1000000000);
    struct hvsim_storage_faults f = { .delay_ns = 1000ull * 1000000000 };
    hvsim_storage_set_faults(storage, &f);
    uint8_t buf[512];
    uint64_t t0 = hvrt_time_ns();
    CHECK_EQ(hvrt_blk_read(0, 1, 1, buf), HVRT_BLK_E_TIMEOUT);
    uint64_t waited = hvrt_time_ns() - t0;
    CHECK(waited >= 2ull * 1000000000 && waited < 3ull * 1000000000, "waited the timeout: %llu ns",
          (unsigned long long)waited);
    CHECK_EQ(hvrt_blk_read(0, 1, 1, buf), HVRT_BLK_E_REMOVED);
    block_set_sync_timeout_ns(60ull * 1000000000);
    stop();
    unlink(paths[0]);
}

/* The controller is rescinded while slow requests are in flight: every
 * one ends with an error (no hang), later ones fail at once, and nothing
 * is written after the rescind. */
static void test_rescind_mid_io(void)
{
    struct hvsim_storage_config cfg;
    one_disk_config(&cfg, 1 * MIB);
    start(&cfg);
    CHECK_EQ(hvrt_blk_count(), 1);
    block_set_sync_timeout_ns(2ull * 1000000000);
    struct hvsim_storage_faults f = { .delay_ns = 50ull * 1000000 };
    hvsim_storage_set_faults(storage, &f);
    static uint8_t bufs[8][4096];
    static struct hvrt_blk_request reqs[8];
    struct async_state s = { 0, 0 };
    for (unsigned i = 0; i < 8; i++) {
        reqs[i] = (struct hvrt_blk_request){ .op = HVRT_BLK_READ, .lba = i * 8, .count = 8, .buf = bufs[i],
                                             .done = async_done, .context = &s };
        CHECK_EQ(hvrt_blk_submit(0, &reqs[i]), HVRT_BLK_OK);
    }
    CHECK_EQ(hvsim_vmbus_rescind(host, storage_relid()), 0);
    uint8_t buf[512];
    int rc = hvrt_blk_read(0, 1, 1, buf);
    CHECK(rc == HVRT_BLK_E_REMOVED || rc == HVRT_BLK_E_TIMEOUT, "a clear error: %s", hvrt_blk_strerror(rc));
    wait_for(&s.done, 8);
    CHECK_EQ(s.done, 8);
    CHECK_EQ(s.errors, 8);
    CHECK_EQ(hvrt_blk_write(0, 1, 1, buf), HVRT_BLK_E_REMOVED);
    struct hvsim_storage_counters k;
    hvsim_storage_get_counters(storage, &k);
    CHECK_EQ(k.writes, 0);
    block_set_sync_timeout_ns(60ull * 1000000000);
    stop();
    unlink(paths[0]);
}

/* The boot disk make image produces, raw and as a fixed VHD, behind
 * storvsc, with a blank data disk as LUN 0: the ESP is found on the disk
 * that has one, and \hvrt.cfg and \EFI\BOOT\BOOTX64.EFI read through it. */
static void test_esp_on_the_boot_disk(void)
{
    char dir[64] = "/tmp/hvrt-esp-XXXXXX", cmd[512];
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(cmd, sizeof(cmd), "cd %s && printf 'MZfake-efi' > fake.efi && %s/scripts/mkimage.sh --formats raw,vhd "
             "--esp-mib 34 --disk-mib 36 --cmdline 'disk list' fake.efi . >/dev/null", dir, getenv("PWD"));
    CHECK_EQ(system(cmd), 0);
    for (int vhd = 0; vhd < 2; vhd++) {
        char image[128];
        snprintf(image, sizeof(image), "%s/hvrt.%s", dir, vhd ? "vhd" : "raw");
        struct hvsim_storage_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.luns[0] = (struct hvsim_storage_lun){ .path = make_disk(0, 1 * MIB, false), .lun = 0 };
        cfg.luns[1] = (struct hvsim_storage_lun){ .path = image, .lun = 1, .vhd = vhd, .read_only = true };
        cfg.lun_count = 2;
        start(&cfg);
        CHECK_EQ(hvrt_blk_count(), 2);
        struct hvrt_blk_info info;
        hvrt_blk_info(1, &info);
        CHECK_EQ(info.sectors, 36u * 2048);   /* the VHD's footer is not part of the disk */
        void *file;
        uint64_t size;
        bool is_dir;
        CHECK_EQ(hvrt_esp_fs.open("hvrt.cfg", &file, &size, &is_dir), 0);
        char buf[256] = { 0 };
        CHECK(hvrt_esp_fs.pread(file, buf, sizeof(buf) - 1, 0) == (long)size && strstr(buf, "\ndisk list\n"),
              "\\hvrt.cfg through storvsc (%s): %s", vhd ? "vhd" : "raw", buf);
        hvrt_esp_fs.close(file);
        CHECK_EQ(hvrt_esp_fs.open("EFI\\BOOT\\bootx64.efi", &file, &size, &is_dir), 0);
        CHECK_EQ(size, 10);
        CHECK(hvrt_esp_fs.pread(file, buf, 10, 0) == 10 && memcmp(buf, "MZfake-efi", 10) == 0, "BOOTX64.EFI");
        hvrt_esp_fs.close(file);
        CHECK(hvrt_esp_fs.open("nothing.txt", &file, &size, &is_dir) < 0, "a missing file");
        stop();
        unlink(paths[0]);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
}

/* The disk app, hosted: list, checksum, write-read-verify on a scratch
 * disk, and its refusal to verify (write over) a partitioned disk. */
static void test_disk_app(void)
{
    struct hvsim_storage_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.luns[0] = (struct hvsim_storage_lun){ .path = make_disk(0, 4 * MIB, false), .lun = 0 };
    cfg.luns[1] = (struct hvsim_storage_lun){ .path = make_disk(1, 1 * MIB, true), .lun = 1 };
    cfg.lun_count = 2;
    start(&cfg);
    CHECK_EQ(hosted_run_app("disk list"), 0);   /* apps print through the C library: statuses are checked */
    CHECK_EQ(hosted_run_app("disk sum 1 0 4"), 0);
    CHECK_EQ(hosted_run_app("disk verify 0 3"), 0);
    struct hvsim_storage_counters k;
    hvsim_storage_get_counters(storage, &k);
    CHECK_EQ(k.bytes_written, 3 * MIB);
    CHECK_EQ(hosted_run_app("disk verify 0 3"), 0);   /* its own patterns are no partition table */
    uint8_t mbr[512] = { 0 };
    mbr[510] = 0x55, mbr[511] = 0xAA;
    CHECK_EQ(hvrt_blk_write(1, 0, 1, mbr), HVRT_BLK_OK);
    CHECK_EQ(hosted_run_app("disk verify 1"), 1);
    hvsim_storage_get_counters(storage, &k);
    CHECK_EQ(k.bytes_written, 6 * MIB + 512);   /* the refused verify wrote nothing */
    CHECK_EQ(hosted_run_app("disk sum 9"), 1);
    CHECK_EQ(hosted_run_app("disk frobnicate 0"), HVRT_EXIT_USAGE);
    stop();
    unlink(paths[0]);
    unlink(paths[1]);
}

int main(void)
{
    RUN_TEST(test_bring_up_and_read);
    RUN_TEST(test_each_protocol_version);
    RUN_TEST(test_scsi_commands);
    RUN_TEST(test_transfers_split_at_host_maximum);
    RUN_TEST(test_async_out_of_order);
    RUN_TEST(test_random_io_and_reopen);
    RUN_TEST(test_medium_errors);
    RUN_TEST(test_unit_attention_not_ready_busy);
    RUN_TEST(test_overrun_is_a_protocol_error);
    RUN_TEST(test_rescan_on_enumerate_bus);
    RUN_TEST(test_sync_wait_times_out);
    RUN_TEST(test_rescind_mid_io);
    RUN_TEST(test_esp_on_the_boot_disk);
    RUN_TEST(test_disk_app);
    return check_summary();
}
