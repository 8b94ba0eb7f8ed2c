/* What storage.c (VSTOR) and storage_scsi.c (the SCSI target and image
 * files) share. Host-side definitions, by byte offset (devices.md 2.2-2.9). */
#ifndef HVSIM_STORAGE_PRIVATE_H
#define HVSIM_STORAGE_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include "tests/hvsim/storage.h"

/* vstor_packet: operation at 0, flags 4, status 8, payload from 12. */
#define ST_OFF_OPERATION 0
#define ST_OFF_STATUS 8
#define ST_OFF_PAYLOAD 12
#define ST_SHORT_PACKET 0x30       /* before 5.1 */
#define ST_LONG_PACKET 0x40
/* SCSI request, from the payload: */
#define SRB_LENGTH 0
#define SRB_SRB_STATUS 2
#define SRB_SCSI_STATUS 3
#define SRB_PATH 5
#define SRB_TARGET 6
#define SRB_LUN 7
#define SRB_CDB_LENGTH 8
#define SRB_SENSE_LENGTH 9
#define SRB_DATA_IN 10
#define SRB_TRANSFER_LENGTH 12
#define SRB_CDB 16                 /* cdb[16] in, sense[20] out */

static inline uint16_t st_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t st_le32(const uint8_t *p) { return (uint32_t)st_le16(p) | (uint32_t)st_le16(p + 2) << 16; }
static inline uint64_t st_le64(const uint8_t *p) { return (uint64_t)st_le32(p) | (uint64_t)st_le32(p + 4) << 32; }
static inline void st_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void st_put_le32(uint8_t *p, uint32_t v) { st_put_le16(p, (uint16_t)v), st_put_le16(p + 2, (uint16_t)(v >> 16)); }
static inline uint16_t st_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t st_be32(const uint8_t *p) { return (uint32_t)st_be16(p) << 16 | st_be16(p + 2); }
static inline uint64_t st_be64(const uint8_t *p) { return (uint64_t)st_be32(p) << 32 | st_be32(p + 4); }
static inline void st_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline void st_put_be32(uint8_t *p, uint32_t v) { st_put_be16(p, (uint16_t)(v >> 16)), st_put_be16(p + 2, (uint16_t)v); }
static inline void st_put_be64(uint8_t *p, uint64_t v) { st_put_be32(p, (uint32_t)(v >> 32)), st_put_be32(p + 4, (uint32_t)v); }

struct st_lun {
    struct hvsim_storage_lun cfg;
    int fd;
    uint64_t sectors;
    bool present;
    bool unit_attention;
};

/* One SCSI command, as the target sees it. data: the guest's buffer,
 * gathered (out) or to be scattered (in), len bytes. */
struct st_cmd {
    uint8_t lun;
    const uint8_t *cdb;
    uint8_t cdb_len;
    uint8_t *data;
    uint32_t len;
    bool data_in;              /* disk to guest */
    /* results */
    uint8_t srb_status, scsi_status;
    uint8_t sense[18];
    uint32_t sense_len;
    uint32_t transferred;
};

struct hvsim_storage {
    struct hvsim *sim;
    struct hvsim_storage_config cfg;
    struct st_lun luns[HVSIM_STORAGE_MAX_LUNS];
    uint32_t lun_count;
    struct hvsim_storage_faults faults;
    struct hvsim_storage_counters counters;
    enum { ST_BEGIN, ST_QUERY_VERSION, ST_QUERY_PROPERTIES, ST_END, ST_READY } state;
    uint16_t version;
    struct hvsim_vmbus_chan *ch;
    uint32_t relid;
    /* answers not yet in the ring: held (delay, reorder) or the ring was full */
    struct st_answer *answers;
    uint32_t answer_count, answer_cap;
    uint32_t held;             /* answers[0..held) wait for the reorder count */
    uint64_t in_flight;
};

/* storage_scsi.c */
void st_scsi_execute(struct hvsim_storage *st, struct st_cmd *c);
int st_lun_open(struct st_lun *l);
void st_lun_close(struct st_lun *l);

#endif
