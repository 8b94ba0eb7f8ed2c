/* The block layer's face for drivers: a driver registers each disk it
 * finds with its submit function; the block layer (block.c) checks every
 * request against the disk before the driver sees it, gives apps the
 * synchronous calls on top, and completes requests for the driver. */
#ifndef HVRT_DRIVERS_BLOCK_DEV_H
#define HVRT_DRIVERS_BLOCK_DEV_H

#include <hvrt/block.h>

struct block_driver {
    const char *name;
    /* Looks for disks and registers them; 0 when it ran (even if it found
     * none), negative when its device is absent. Passive. */
    int (*probe)(void);
    /* Looks again: registers new disks, marks gone ones. Passive. */
    int (*rescan)(void);
    /* Starts req (checked: in range, disk not removed). Must end with
     * block_complete, exactly once, in any context. */
    void (*submit)(void *disk_ctx, struct hvrt_blk_request *req);
    /* A synchronous request has waited too long: give up on the device so
     * that everything it holds completes (with an error). Passive. */
    void (*abort)(void *disk_ctx);
    /* Forget every disk and close the device (tests, shutdown). Passive. */
    void (*detach)(void);
};

/* Registers a disk; returns its index, or -1 when the table is full. The
 * name is filled in. */
int block_register(const struct hvrt_blk_info *info, const struct block_driver *drv, void *disk_ctx);
/* The disk's information changed (capacity, read-only) or it is gone. */
void block_update(int index, const struct hvrt_blk_info *info);
void block_set_removed(int index);
/* Ends a request: sets its status and calls done. Any context. */
void block_complete(struct hvrt_blk_request *req, int status);
/* Detaches every driver and forgets every disk; the next hvrt_blk_count
 * probes again. Passive. */
void block_reset(void);
/* How long a synchronous call waits before it aborts the device (ns). */
void block_set_sync_timeout_ns(uint64_t ns);

#endif
