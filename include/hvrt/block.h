/* Block devices for apps: the disks the drivers found (storvsc's SCSI
 * disks on Hyper-V), by index. Read, write and flush whole sectors,
 * synchronously or asynchronously; errors are named. docs/storage.md says
 * how disks are found, what each error means and what the host may do. */
#ifndef HVRT_BLOCK_H
#define HVRT_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Results: 0, or one of these (negative). */
enum hvrt_blk_error {
    HVRT_BLK_OK = 0,
    HVRT_BLK_E_INVALID = -1,    /* bad argument: no such disk index, a range past the end, count 0 */
    HVRT_BLK_E_REMOVED = -2,    /* the disk (or its controller) is gone */
    HVRT_BLK_E_READ_ONLY = -3,  /* a write to a write-protected disk */
    HVRT_BLK_E_MEDIUM = -4,     /* the medium failed: an unrecoverable read or write error */
    HVRT_BLK_E_NOT_READY = -5,  /* the disk stayed not ready */
    HVRT_BLK_E_TIMEOUT = -6,    /* no answer from the host in time */
    HVRT_BLK_E_PROTOCOL = -7,   /* the host broke the protocol (a malformed or impossible answer) */
    HVRT_BLK_E_IO = -8,         /* any other device error (sense data in the log) */
    HVRT_BLK_E_NO_MEMORY = -9,
    HVRT_BLK_E_BUSY = -10,      /* the host stayed busy */
};
/* A short English name for err ("medium error"). */
const char *hvrt_blk_strerror(int err);

struct hvrt_blk_info {
    char name[8];               /* "sd0", "sd1", ... in the order found */
    uint64_t sectors;
    uint32_t sector_size;       /* bytes: 512 or 4096 usually */
    char vendor[9], model[17], revision[5], serial[33];
    bool read_only;
    bool removed;
    uint32_t max_transfer;      /* bytes the device takes in one request (larger I/O is split) */
    uint8_t path, target, lun;  /* where storvsc found it */
};

/* Disks found so far. The first call looks for them (opens the SCSI
 * controller, scans its LUNs): passive context only. */
unsigned hvrt_blk_count(void);
/* HVRT_BLK_OK, or HVRT_BLK_E_INVALID for an unknown index. */
int hvrt_blk_info(unsigned disk, struct hvrt_blk_info *out);
/* Looks again (as after the host's "bus changed" notice): new disks get
 * new indexes, gone ones are marked removed. Passive only. */
int hvrt_blk_rescan(void);

/* Synchronous I/O: count sectors at lba, from or into buf (any memory,
 * any alignment). Passive context only; they wait. */
int hvrt_blk_read(unsigned disk, uint64_t lba, uint32_t count, void *buf);
int hvrt_blk_write(unsigned disk, uint64_t lba, uint32_t count, const void *buf);
/* Makes written data durable (SYNCHRONIZE CACHE). */
int hvrt_blk_flush(unsigned disk);

/* Asynchronous I/O: fill in op, lba, count, buf, done (and context), then
 * submit. done(req) runs once, at dispatch level (it must not block; it may
 * submit more requests), with req->status set. The request and its buffer
 * belong to the block layer until then. Any number may be submitted: those
 * beyond the device's queue wait their turn. */
enum hvrt_blk_op { HVRT_BLK_READ, HVRT_BLK_WRITE, HVRT_BLK_FLUSH };
struct hvrt_blk_request {
    enum hvrt_blk_op op;
    uint64_t lba;
    uint32_t count;             /* sectors (0 for FLUSH) */
    void *buf;
    void (*done)(struct hvrt_blk_request *req);
    void *context;              /* the caller's */
    volatile int status;        /* 1 while in flight, then HVRT_BLK_OK or an error */
    /* the block layer's own, do not touch */
    struct hvrt_blk_request *next_;
    void *owner_;
    uint32_t refs_, blocks_cut_;
    int error_;
};
#define HVRT_BLK_PENDING 1
/* HVRT_BLK_OK when accepted (done will run), or an error (done will not). */
int hvrt_blk_submit(unsigned disk, struct hvrt_blk_request *req);

#endif
