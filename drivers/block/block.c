/* The block layer (include/hvrt/block.h): a table of the disks drivers
 * registered, the checks every request passes before a driver sees it, and
 * the synchronous calls, which submit and block the calling thread on a
 * semaphore that the request's completion posts. Drivers are probed on first
 * use, so an image that never touches a disk never opens a controller. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/runtime.h>
#include <hvrt/thread.h>
#include "drivers/block/block_dev.h"
#include "drivers/storvsc/storvsc.h"

#define MAX_DISKS 32

struct disk {
    struct hvrt_blk_info info;
    const struct block_driver *drv;
    void *ctx;
};

static struct disk disks[MAX_DISKS];
static unsigned disk_count;
static bool probed;
static uint64_t sync_timeout_ns = 60ull * 1000000000;   /* the SRB's own timeout is 60 s */

static const struct block_driver *const drivers[] = { &storvsc_block_driver };

static void probe_once(void)
{
    if (probed)
        return;
    probed = true;
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        drivers[i]->probe();
}

int block_register(const struct hvrt_blk_info *info, const struct block_driver *drv, void *disk_ctx)
{
    if (disk_count == MAX_DISKS)
        return -1;
    struct disk *d = &disks[disk_count];
    d->info = *info;
    snprintf(d->info.name, sizeof(d->info.name), "sd%u", disk_count);
    d->drv = drv;
    d->ctx = disk_ctx;
    return (int)disk_count++;
}

void block_update(int index, const struct hvrt_blk_info *info)
{
    if (index < 0 || (unsigned)index >= disk_count)
        return;
    char name[sizeof(info->name)];
    memcpy(name, disks[index].info.name, sizeof(name));
    disks[index].info = *info;
    memcpy(disks[index].info.name, name, sizeof(name));
}

void block_set_removed(int index)
{
    if (index >= 0 && (unsigned)index < disk_count)
        disks[index].info.removed = true;
}

void block_complete(struct hvrt_blk_request *req, int status)
{
    req->status = status;
    if (req->done != NULL)
        req->done(req);
}

void block_reset(void)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (probed)
            drivers[i]->detach();
    memset(disks, 0, sizeof(disks));
    disk_count = 0;
    probed = false;
}

void block_set_sync_timeout_ns(uint64_t ns) { sync_timeout_ns = ns; }

unsigned hvrt_blk_count(void)
{
    probe_once();
    return disk_count;
}

int hvrt_blk_info(unsigned disk, struct hvrt_blk_info *out)
{
    probe_once();
    if (disk >= disk_count)
        return HVRT_BLK_E_INVALID;
    *out = disks[disk].info;
    return HVRT_BLK_OK;
}

int hvrt_blk_rescan(void)
{
    if (!probed) {
        probe_once();
        return HVRT_BLK_OK;
    }
    int rc = HVRT_BLK_OK;
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (drivers[i]->rescan() < 0)
            rc = HVRT_BLK_E_REMOVED;
    return rc;
}

const char *hvrt_blk_strerror(int err)
{
    switch (err) {
    case HVRT_BLK_OK:          return "success";
    case HVRT_BLK_E_INVALID:   return "invalid argument";
    case HVRT_BLK_E_REMOVED:   return "disk removed";
    case HVRT_BLK_E_READ_ONLY: return "disk is read-only";
    case HVRT_BLK_E_MEDIUM:    return "medium error";
    case HVRT_BLK_E_NOT_READY: return "disk not ready";
    case HVRT_BLK_E_TIMEOUT:   return "timed out";
    case HVRT_BLK_E_PROTOCOL:  return "host protocol error";
    case HVRT_BLK_E_IO:        return "I/O error";
    case HVRT_BLK_E_NO_MEMORY: return "out of memory";
    case HVRT_BLK_E_BUSY:      return "device busy";
    case HVRT_BLK_PENDING:     return "in progress";
    default:                   return "unknown error";
    }
}

/* The checks every request passes: a known disk still there, a writable
 * one for writes, a buffer, and a range inside the disk (no overflow). */
static int check(unsigned disk, const struct hvrt_blk_request *req)
{
    if (disk >= disk_count || req == NULL)
        return HVRT_BLK_E_INVALID;
    const struct hvrt_blk_info *in = &disks[disk].info;
    if (in->removed)
        return HVRT_BLK_E_REMOVED;
    if (req->op == HVRT_BLK_FLUSH)
        return HVRT_BLK_OK;
    if (req->op != HVRT_BLK_READ && req->op != HVRT_BLK_WRITE)
        return HVRT_BLK_E_INVALID;
    if (req->count == 0 || req->buf == NULL || req->lba >= in->sectors || req->count > in->sectors - req->lba)
        return HVRT_BLK_E_INVALID;
    if ((uint64_t)req->count * in->sector_size > UINT32_MAX)
        return HVRT_BLK_E_INVALID;   /* one request moves at most 4 GiB */
    if (req->op == HVRT_BLK_WRITE && in->read_only)
        return HVRT_BLK_E_READ_ONLY;
    return HVRT_BLK_OK;
}

int hvrt_blk_submit(unsigned disk, struct hvrt_blk_request *req)
{
    probe_once();
    int rc = check(disk, req);
    if (rc != HVRT_BLK_OK)
        return rc;
    req->status = HVRT_BLK_PENDING;
    req->next_ = NULL;
    req->error_ = 0;
    disks[disk].drv->submit(disks[disk].ctx, req);
    return HVRT_BLK_OK;
}

static void sync_done(struct hvrt_blk_request *req) { sem_post(req->context); }

/* Blocks on sem until it is posted or timeout_ns have passed (false). */
static bool wait_for(sem_t *sem, uint64_t timeout_ns)
{
    int64_t at = hvrt_wall_clock_ns() + (int64_t)timeout_ns;   /* sem_timedwait counts on CLOCK_REALTIME */
    struct timespec abs = { .tv_sec = at / 1000000000, .tv_nsec = at % 1000000000 };
    return sem_timedwait(sem, &abs) == 0;
}

/* Submits and blocks the calling thread until done posts the semaphore.
 * A request the device has not answered after the timeout makes the driver
 * give up on the device; its requests then end with an error, this one
 * too, so the second wait always ends. */
static int run_sync(unsigned disk, enum hvrt_blk_op op, uint64_t lba, uint32_t count, void *buf)
{
    sem_t done;
    sem_init(&done, 0, 0);
    struct hvrt_blk_request req = { .op = op, .lba = lba, .count = count, .buf = buf, .done = sync_done,
                                    .context = &done };
    int rc = hvrt_blk_submit(disk, &req);
    if (rc != HVRT_BLK_OK)
        return rc;
    if (!wait_for(&done, sync_timeout_ns)) {
        disks[disk].drv->abort(disks[disk].ctx);
        sem_wait(&done);
    }
    return req.status;
}

int hvrt_blk_read(unsigned disk, uint64_t lba, uint32_t count, void *buf)
{
    return run_sync(disk, HVRT_BLK_READ, lba, count, buf);
}

int hvrt_blk_write(unsigned disk, uint64_t lba, uint32_t count, const void *buf)
{
    return run_sync(disk, HVRT_BLK_WRITE, lba, count, (void *)buf);
}

int hvrt_blk_flush(unsigned disk)
{
    return run_sync(disk, HVRT_BLK_FLUSH, 0, 0, NULL);
}
