/* hvsim's storage device: a SCSI controller speaking VSTOR on the host
 * side, with disks (LUNs) backed by image files, raw or fixed VHD (the
 * disk is the file minus its 512-byte footer). Written from
 * /work/shared/reference/devices.md section 2 with its own definitions
 * (explicit byte offsets): it never includes the guest's drivers/ or
 * vmbus/ headers, so a guest misreading the reference fails against it.
 *
 * Faults, each switchable while running: medium errors on chosen sectors,
 * UNIT ATTENTION after a "reset", NOT READY for a number of commands, slow
 * answers, answers held back and released in reverse order, a transfer
 * length larger than was asked for, REPORT LUNS refused. Rescind is the
 * VMBus host's (hvsim_vmbus_rescind); held answers are then dropped. */
#ifndef HVSIM_STORAGE_H
#define HVSIM_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/hvsim/hvsim.h"

#define HVSIM_STORAGE_MAX_LUNS 16
#define HVSIM_STORAGE_MAX_BAD 16

struct hvsim_storage_lun {
    const char *path;          /* image file, opened read-write (read-only when read_only) */
    uint8_t lun;
    bool read_only;            /* MODE SENSE says write-protected; writes get DATA PROTECT */
    bool vhd;                  /* a fixed VHD: the footer is checked and never exposed */
    uint32_t sector_size;      /* 0: 512 */
    const char *serial;        /* NULL: made up from the LUN */
};

struct hvsim_storage_faults {
    uint64_t bad_lba[HVSIM_STORAGE_MAX_BAD];   /* medium errors on these sectors (all LUNs) */
    uint32_t bad_count;
    uint32_t not_ready;        /* the next this many commands get NOT READY, becoming ready */
    uint64_t delay_ns;         /* each answer waits this long */
    uint32_t reorder;          /* hold answers until this many, then send them newest first */
    bool overrun;              /* data commands report 512 bytes more than asked */
    bool refuse_report_luns;   /* REPORT LUNS gets ILLEGAL REQUEST */
    bool busy_once;            /* the next data command gets SCSI status BUSY */
};

struct hvsim_storage_config {
    struct hvsim_storage_lun luns[HVSIM_STORAGE_MAX_LUNS];
    uint32_t lun_count;
    uint16_t versions[8];      /* accepted protocol versions; none: 2.0, 4.2, 5.1, 6.0, 6.2 */
    uint32_t version_count;
    uint32_t max_transfer;     /* QUERY_PROPERTIES; 0: 0x40000 */
    struct hvsim_storage_faults faults;
};

struct hvsim_storage_counters {
    uint64_t packets, protocol_errors, commands, reads, writes, bytes_read, bytes_written;
    uint64_t flushes, medium_errors, unit_attentions, not_ready, dropped_answers, max_in_flight;
    uint64_t by_opcode[256];
    uint16_t version;          /* negotiated, 0 before */
    uint32_t last_packet_size; /* of the last guest request */
};

struct hvsim_storage;
/* Opens the image files; NULL (and a message) when one cannot be used.
 * sim may be NULL: the channel's hvsim is taken when the guest opens it
 * (so the object can be named in the device list before hvsim exists). */
struct hvsim_storage *hvsim_storage_create(struct hvsim *sim, const struct hvsim_storage_config *cfg);
/* After the hvsim it ran in is destroyed (timers may hold it till then). */
void hvsim_storage_destroy(struct hvsim_storage *st);

void hvsim_storage_set_faults(struct hvsim_storage *st, const struct hvsim_storage_faults *f);
/* A bus reset: every LUN reports UNIT ATTENTION (29/00) once. */
void hvsim_storage_reset(struct hvsim_storage *st);
/* Adds or removes a LUN and tells the guest (ENUMERATE_BUS). 0 or -1. */
int hvsim_storage_add_lun(struct hvsim_storage *st, const struct hvsim_storage_lun *lun);
int hvsim_storage_remove_lun(struct hvsim_storage *st, uint8_t lun);
void hvsim_storage_get_counters(const struct hvsim_storage *st, struct hvsim_storage_counters *out);

/* ---- for the VMBus host's model table (vmbus_devices.c) ---- */
struct hvsim_vmbus_chan;
struct hvsim_packet;
int hvsim_storage_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt);
void hvsim_storage_on_room(struct hvsim_vmbus_chan *ch);
struct hvsim_vmbus;
void hvsim_storage_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch);

/* The model's wire core, reachable without a VMBus host (fuzzing, unit
 * tests): one guest packet in, answers out through send(). */
struct hvsim_storage_packet {
    uint16_t type;             /* 6 in-band, 9 GPA direct, 11 completion */
    uint16_t flags;
    uint64_t transaction_id;
    const uint8_t *ext;        /* GPA-direct header and ranges */
    uint32_t ext_len;
    const uint8_t *payload;
    uint32_t payload_len;
};
void hvsim_storage_handle(struct hvsim_storage *st, const struct hvsim_storage_packet *p);

#endif
