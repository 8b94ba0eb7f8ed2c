/* The SCSI commands storvsc sends and the data a disk returns: CDB
 * builders, and parsers for INQUIRY (standard, VPD 0x80 and 0xB0), READ
 * CAPACITY (10)/(16), REPORT LUNS, MODE SENSE(6) and sense data. The
 * returned bytes come from the host: every parser takes the byte count the
 * host said it transferred and never reads past it. SCSI integers are
 * big-endian. (SPC/SBC facts; devices.md 2.9-2.11 for how the host uses them.) */
#ifndef HVRT_DRIVERS_SCSI_H
#define HVRT_DRIVERS_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scsi_opcode {
    SCSI_TEST_UNIT_READY = 0x00,
    SCSI_INQUIRY = 0x12,
    SCSI_MODE_SENSE_6 = 0x1A,
    SCSI_READ_CAPACITY_10 = 0x25,
    SCSI_READ_10 = 0x28,
    SCSI_WRITE_10 = 0x2A,
    SCSI_SYNCHRONIZE_CACHE_10 = 0x35,
    SCSI_READ_16 = 0x88,
    SCSI_WRITE_16 = 0x8A,
    SCSI_SERVICE_ACTION_IN_16 = 0x9E,   /* service action 0x10: READ CAPACITY(16) */
    SCSI_REPORT_LUNS = 0xA0,
};
#define SCSI_SA_READ_CAPACITY_16 0x10

/* SCSI status bytes. */
#define SCSI_STATUS_GOOD 0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02
#define SCSI_STATUS_BUSY 0x08

/* Sense keys. */
enum scsi_sense_key {
    SCSI_SENSE_NO_SENSE = 0x0,
    SCSI_SENSE_RECOVERED_ERROR = 0x1,
    SCSI_SENSE_NOT_READY = 0x2,
    SCSI_SENSE_MEDIUM_ERROR = 0x3,
    SCSI_SENSE_HARDWARE_ERROR = 0x4,
    SCSI_SENSE_ILLEGAL_REQUEST = 0x5,
    SCSI_SENSE_UNIT_ATTENTION = 0x6,
    SCSI_SENSE_DATA_PROTECT = 0x7,
    SCSI_SENSE_ABORTED_COMMAND = 0xB,
};

/* Peripheral device types (INQUIRY byte 0, bits 0-4). */
#define SCSI_TYPE_DISK 0x00
#define SCSI_TYPE_NO_LUN 0x1F
#define SCSI_QUALIFIER_NOT_CONNECTED 0x1   /* bits 5-7: the LUN exists, no device there */
#define SCSI_QUALIFIER_NONE 0x3

/* ---- commands: each writes a CDB and returns its length ---- */

uint8_t scsi_cdb_test_unit_ready(uint8_t cdb[16]);
uint8_t scsi_cdb_inquiry(uint8_t cdb[16], bool vpd, uint8_t page, uint16_t alloc);
uint8_t scsi_cdb_mode_sense6(uint8_t cdb[16], uint8_t page, uint8_t alloc);
uint8_t scsi_cdb_read_capacity10(uint8_t cdb[16]);
uint8_t scsi_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc);
uint8_t scsi_cdb_report_luns(uint8_t cdb[16], uint32_t alloc);
uint8_t scsi_cdb_sync_cache(uint8_t cdb[16]);
/* READ/WRITE(10) when lba and blocks fit (32-bit LBA, 16-bit count), else (16). */
uint8_t scsi_cdb_rw(uint8_t cdb[16], bool write, uint64_t lba, uint32_t blocks, bool force16);

/* ---- what the disk returns ---- */

struct scsi_inquiry {
    uint8_t qualifier, type;
    bool removable;
    char vendor[9], product[17], revision[5];   /* trailing blanks dropped, printable only */
};
/* 0, or -1 when len is below the 36 bytes of standard data. */
int scsi_parse_inquiry(const uint8_t *d, size_t len, struct scsi_inquiry *out);
/* VPD 0x80: the unit serial number, printable, at most out_size - 1 chars.
 * 0, or -1 when the page is not 0x80 or is short. */
int scsi_parse_vpd_serial(const uint8_t *d, size_t len, char *out, size_t out_size);
/* VPD 0xB0 block limits: maximum and optimal transfer length in blocks
 * (0 = not reported). 0, or -1 when malformed. */
int scsi_parse_vpd_limits(const uint8_t *d, size_t len, uint32_t *max_blocks, uint32_t *opt_blocks);

struct scsi_capacity {
    uint64_t blocks;       /* last LBA + 1 */
    uint32_t block_size;
};
/* 0, or -1 when short or nonsensical (block size 0, not a power of two,
 * below 512 or above 64 KiB). READ CAPACITY(10) says 0xFFFFFFFF when the
 * disk needs (16): *need16 is set then. */
int scsi_parse_capacity10(const uint8_t *d, size_t len, struct scsi_capacity *out, bool *need16);
int scsi_parse_capacity16(const uint8_t *d, size_t len, struct scsi_capacity *out);

/* REPORT LUNS: up to max LUNs below 256 (single-level addressing) into
 * luns[]; returns how many, or -1 when malformed. Entries that are not
 * single-level LUNs below 256 are skipped. */
int scsi_parse_report_luns(const uint8_t *d, size_t len, uint8_t *luns, int max);

/* MODE SENSE(6) header: the write-protect bit. 0, or -1 when short. */
int scsi_parse_mode_sense6_wp(const uint8_t *d, size_t len, bool *write_protected);

struct scsi_sense {
    uint8_t key, asc, ascq;
    bool valid;
};
/* Fixed (0x70/0x71) or descriptor (0x72/0x73) format; valid false when
 * neither or too short. */
void scsi_parse_sense(const uint8_t *d, size_t len, struct scsi_sense *out);

#endif
