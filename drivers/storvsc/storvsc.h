/* storvsc: the synthetic SCSI controller's client (a VSC), on the public
 * KMCL API only. Runtime state here; the wire format is vstor.h, SCSI is
 * scsi.h. Files: storvsc.c (channel and VSTOR bring-up), storvsc_io.c
 * (request slots, EXECUTE_SRB, completions), vstor_result.c (what a
 * completion means), storvsc_scan.c (LUNs, disks, the block driver).
 * docs/storage.md tells the story. */
#ifndef HVRT_DRIVERS_STORVSC_H
#define HVRT_DRIVERS_STORVSC_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/block.h>
#include <hvrt/thread.h>
#include <hvrt/vmbus.h>
#include "drivers/block/block_dev.h"
#include "drivers/storvsc/scsi.h"
#include "drivers/storvsc/vstor.h"

#define SV_SLOTS 32                  /* requests in flight on the channel */
#define SV_MAX_CHUNK (128u * 1024)   /* our own cap on one request (bounce buffer per slot) */
#define SV_MAX_DISKS 64
#define SV_RING_PAGES 16             /* each way: 32 GPA-direct requests fit many times over */
#define SV_UA_RETRIES 5              /* UNIT ATTENTION / ABORTED: resent at once */
#define SV_LATER_RETRIES 100         /* NOT READY / BUSY: resent every SV_LATER_NS */
#define SV_LATER_NS (20ull * 1000000)

/* ---- what one completion means (vstor_result.c) ---- */

enum sv_action { SV_FINISH, SV_RETRY_NOW, SV_RETRY_LATER };

struct sv_result {
    int error;                 /* HVRT_BLK_OK or an HVRT_BLK_E_* */
    enum sv_action action;
    uint32_t transferred;      /* bytes, never above what was asked */
    uint8_t srb_status, scsi_status;
    struct scsi_sense sense;
};

/* Decodes a host completion (buf, len: the copy KMCL handed us) of a
 * request that asked for `requested` bytes, with at most sense_max sense
 * bytes. Never reads past len. */
void vstor_decode_completion(const void *buf, uint32_t len, uint32_t requested, uint32_t sense_max,
                             struct sv_result *out);

/* ---- the controller ---- */

enum sv_state { SV_DOWN, SV_STARTING, SV_READY, SV_FAILED, SV_GONE };

struct storvsc;

/* One request on the wire: a chunk of a block request, or a scan command. */
struct sv_slot {
    struct storvsc *sv;
    volatile int busy;
    VMBPACKET packet;          /* caller-storage packet (VmbPacketInitialize) */
    uint8_t *bounce;           /* SV_MAX_CHUNK bytes of shared pages */
    MDL mdl;
    struct vstor_packet req;
    /* what this chunk is */
    struct hvrt_blk_request *blk;   /* NULL for a scan command */
    void *user;                /* where the data comes from or goes */
    uint32_t bytes;
    bool write;
    uint8_t retries_now, retries_later;
    struct sv_slot *next_later;
};

struct sv_disk {
    struct storvsc *sv;
    uint8_t path, target, lun;
    bool present;
    int index;                 /* in the block layer, -1 before */
    struct hvrt_blk_info info;
    uint32_t max_blocks;       /* per request, from the host's maximum and ours */
};

struct storvsc {
    VMBCHANNEL channel;
    volatile enum sv_state state;
    sem_t started;             /* posted when PostStarted has brought VSTOR up (or failed) */
    int fail_error;            /* what requests end with when the channel goes: REMOVED, or TIMEOUT after abort */
    uint16_t version;
    uint32_t packet_size, srb_size, sense_size;
    uint32_t max_transfer;     /* the host's, from QUERY_PROPERTIES */
    uint32_t chunk;            /* bytes per request: min(host, SV_MAX_CHUNK), whole pages */
    uint16_t max_sub_channels;
    uint32_t slot_count;
    struct sv_slot slots[SV_SLOTS];
    struct sv_slot scan;       /* scan and bring-up commands: one page, synchronous */
    /* block requests: pushed by anyone (atomic stack), queued by the pump */
    struct hvrt_blk_request *volatile incoming;
    struct hvrt_blk_request *queue_head, *queue_tail;
    volatile int pump_busy, pump_again;
    /* slots waiting to be resent later */
    struct sv_slot *volatile later;
    volatile int later_queued;
    volatile int rescan_queued, gone_queued;
    struct sv_disk disks[SV_MAX_DISKS];
    uint32_t disk_count;
    /* counters, for tests and the disk app */
    volatile uint64_t unmatched, bad_completions, retries, rescans_requested;
};

/* Protocol versions tried, best first (tests may narrow the list). */
extern const uint16_t storvsc_versions[];
extern const unsigned storvsc_version_count;

/* storvsc.c: opens the first SCSI controller and brings VSTOR up. 0, or a
 * negative HVRT_BLK_E_*. Passive. */
int storvsc_open(struct storvsc *sv);
void storvsc_close(struct storvsc *sv);
/* The one controller (NULL before probe): tests look at its counters. */
struct storvsc *storvsc_controller(void);

/* storvsc_io.c */
int storvsc_io_init(struct storvsc *sv);        /* slots, packets, bounce pages */
void storvsc_io_free(struct storvsc *sv);
void storvsc_submit(struct sv_disk *disk, struct hvrt_blk_request *req);
/* Runs one SCSI command and waits (scan and bring-up; passive). data:
 * len bytes in or out (len <= one chunk). Retries as I/O does. */
int storvsc_command(struct storvsc *sv, uint8_t path, uint8_t target, uint8_t lun, const uint8_t *cdb,
                    uint8_t cdb_len, bool write, void *data, uint32_t len, struct sv_result *out);
/* Every request still held ends with error; the device is unusable. */
void storvsc_fail_all(struct storvsc *sv, int error);
/* ProcessPacket: what the host sends on its own (ENUMERATE_BUS ...). */
void storvsc_on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags);

/* storvsc_scan.c */
int storvsc_scan(struct storvsc *sv);
/* Every disk of the controller is gone (rescind, abort). */
void storvsc_mark_all_gone(struct storvsc *sv);
extern const struct block_driver storvsc_block_driver;

#endif
