/* hvsim storage: the SCSI target behind each LUN and the image files that
 * back them. Answers INQUIRY (standard, VPD 0x00/0x80/0xB0), TEST UNIT
 * READY, READ CAPACITY (10)/(16), READ/WRITE (10)/(16), SYNCHRONIZE
 * CACHE(10), MODE SENSE(6) and REPORT LUNS (as OpenVMM's host does, the
 * controller answers it for the target); anything else is ILLEGAL
 * REQUEST. Sense is fixed format, 18 bytes. A command to an absent LUN
 * gets INVALID_LUN, except INQUIRY (peripheral type 0x1F, qualifier 3). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/hvsim/storage_private.h"

#define SRB_OK 0x01
#define SRB_ERROR 0x04
#define SRB_INVALID_LUN 0x20
#define SRB_AUTOSENSE 0x80
#define CHECK_CONDITION 0x02
#define BUSY 0x08

/* ---- image files ---- */

/* A fixed VHD ends in a 512-byte footer: cookie "conectix" at 0, disk
 * type (2 = fixed) at 60, big-endian. */
static int vhd_check(int fd, uint64_t size)
{
    uint8_t footer[512];
    if (size < 1024 || pread(fd, footer, sizeof(footer), (off_t)(size - 512)) != 512)
        return -1;
    if (memcmp(footer, "conectix", 8) != 0 || st_be32(footer + 60) != 2)
        return -1;
    return 0;
}

int st_lun_open(struct st_lun *l)
{
    if (l->cfg.sector_size == 0)
        l->cfg.sector_size = 512;
    l->fd = open(l->cfg.path, l->cfg.read_only ? O_RDONLY : O_RDWR);
    struct stat s;
    if (l->fd < 0 || fstat(l->fd, &s) != 0) {
        fprintf(stderr, "hvsim storage: cannot open %s: %s\n", l->cfg.path, strerror(errno));
        return -1;
    }
    uint64_t size = (uint64_t)s.st_size;
    if (l->cfg.vhd) {
        if (vhd_check(l->fd, size) != 0) {
            fprintf(stderr, "hvsim storage: %s is not a fixed VHD\n", l->cfg.path);
            return -1;
        }
        size -= 512;
    }
    l->sectors = size / l->cfg.sector_size;
    l->present = l->sectors > 0;
    return l->present ? 0 : -1;
}

void st_lun_close(struct st_lun *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    l->present = false;
}

/* ---- answers ---- */

static void sense(struct st_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    memset(c->sense, 0, sizeof(c->sense));
    c->sense[0] = 0x70;
    c->sense[2] = key;
    c->sense[7] = 10;   /* additional length: bytes 8..17 */
    c->sense[12] = asc;
    c->sense[13] = ascq;
    c->sense_len = 18;
    c->srb_status = SRB_ERROR | SRB_AUTOSENSE;
    c->scsi_status = CHECK_CONDITION;
    c->transferred = 0;
}

static void reply_data(struct st_cmd *c, const uint8_t *d, uint32_t n)
{
    uint32_t k = n < c->len ? n : c->len;
    if (c->data_in && k > 0)
        memcpy(c->data, d, k);
    c->transferred = c->data_in ? k : 0;
}

static struct st_lun *find_lun(struct hvsim_storage *st, uint8_t lun)
{
    for (uint32_t i = 0; i < st->lun_count; i++)
        if (st->luns[i].present && st->luns[i].cfg.lun == lun)
            return &st->luns[i];
    return NULL;
}

static void inquiry(struct st_lun *l, struct st_cmd *c)
{
    uint8_t d[96];
    memset(d, 0, sizeof(d));
    if (c->cdb_len < 6) {
        sense(c, 0x5, 0x24, 0);
        return;
    }
    uint8_t page = c->cdb[2];
    if (l == NULL) {
        d[0] = 0x7F;   /* qualifier 3, type 0x1F: no LUN here */
        reply_data(c, d, 36);
        return;
    }
    if (!(c->cdb[1] & 1)) {
        d[2] = 6, d[3] = 2, d[4] = 91;
        memcpy(d + 8, "Msft    ", 8);
        memcpy(d + 16, "Virtual Disk    ", 16);
        memcpy(d + 32, "1.0 ", 4);
        reply_data(c, d, 96);
        return;
    }
    d[1] = page;
    if (page == 0x00) {
        d[3] = 3, d[4] = 0x00, d[5] = 0x80, d[6] = 0xB0;
        reply_data(c, d, 7);
    } else if (page == 0x80) {
        char serial[40];
        snprintf(serial, sizeof(serial), "%s", l->cfg.serial ? l->cfg.serial : "");
        if (l->cfg.serial == NULL)
            snprintf(serial, sizeof(serial), "HVSIM-LUN-%u", l->cfg.lun);
        uint32_t n = (uint32_t)strlen(serial);
        d[3] = (uint8_t)n;
        memcpy(d + 4, serial, n);
        reply_data(c, d, 4 + n);
    } else if (page == 0xB0) {
        d[3] = 0x3C;
        st_put_be32(d + 8, 0x40000u / l->cfg.sector_size);   /* maximum transfer */
        st_put_be32(d + 12, 8);                                /* optimal: 4 KiB */
        reply_data(c, d, 64);
    } else {
        sense(c, 0x5, 0x24, 0);   /* invalid field in CDB */
    }
}

static void report_luns(struct hvsim_storage *st, struct st_cmd *c)
{
    uint8_t d[8 + 8 * HVSIM_STORAGE_MAX_LUNS];
    memset(d, 0, sizeof(d));
    uint32_t n = 0;
    for (uint32_t i = 0; i < st->lun_count; i++)
        if (st->luns[i].present)
            d[8 + 8 * n++ + 1] = st->luns[i].cfg.lun;
    st_put_be32(d, 8 * n);
    reply_data(c, d, 8 + 8 * n);
}

static void capacity(struct st_lun *l, struct st_cmd *c, bool sixteen)
{
    uint8_t d[32];
    memset(d, 0, sizeof(d));
    if (sixteen) {
        st_put_be64(d, l->sectors - 1);
        st_put_be32(d + 8, l->cfg.sector_size);
        reply_data(c, d, 32);
    } else {
        st_put_be32(d, l->sectors - 1 > 0xFFFFFFFEull ? 0xFFFFFFFFu : (uint32_t)(l->sectors - 1));
        st_put_be32(d + 4, l->cfg.sector_size);
        reply_data(c, d, 8);
    }
}

static bool is_bad(struct hvsim_storage *st, uint64_t lba, uint32_t blocks)
{
    for (uint32_t i = 0; i < st->faults.bad_count && i < HVSIM_STORAGE_MAX_BAD; i++)
        if (st->faults.bad_lba[i] >= lba && st->faults.bad_lba[i] - lba < blocks)
            return true;
    return false;
}

static void read_write(struct hvsim_storage *st, struct st_lun *l, struct st_cmd *c, bool write, bool sixteen)
{
    uint64_t lba = sixteen ? st_be64(c->cdb + 2) : st_be32(c->cdb + 2);
    uint32_t blocks = sixteen ? st_be32(c->cdb + 10) : st_be16(c->cdb + 7);
    uint64_t bytes = (uint64_t)blocks * l->cfg.sector_size;
    if (lba >= l->sectors || blocks > l->sectors - lba) {
        sense(c, 0x5, 0x21, 0);   /* LBA out of range */
        return;
    }
    if (bytes != c->len || c->data_in == write) {
        sense(c, 0x5, 0x24, 0);   /* the transfer does not match the CDB */
        return;
    }
    if (write && l->cfg.read_only) {
        sense(c, 0x7, 0x27, 0);   /* write protected */
        return;
    }
    if (is_bad(st, lba, blocks)) {
        st->counters.medium_errors++;
        sense(c, 0x3, write ? 0x0C : 0x11, 0);   /* write error / unrecovered read error */
        return;
    }
    off_t at = (off_t)(lba * l->cfg.sector_size);
    ssize_t n = write ? pwrite(l->fd, c->data, bytes, at) : pread(l->fd, c->data, bytes, at);
    if (n != (ssize_t)bytes) {
        sense(c, 0x3, write ? 0x0C : 0x11, 0);
        return;
    }
    if (write) {
        st->counters.writes++;
        st->counters.bytes_written += bytes;
    } else {
        st->counters.reads++;
        st->counters.bytes_read += bytes;
    }
    c->transferred = (uint32_t)bytes;
}

static void mode_sense(struct st_lun *l, struct st_cmd *c)
{
    uint8_t d[4] = { 3, 0, l->cfg.read_only ? 0x80 : 0, 0 };
    reply_data(c, d, 4);
}

static bool is_data_command(uint8_t op) { return op == 0x28 || op == 0x2A || op == 0x88 || op == 0x8A; }

void st_scsi_execute(struct hvsim_storage *st, struct st_cmd *c)
{
    c->srb_status = SRB_OK;
    c->scsi_status = 0;
    c->sense_len = 0;
    c->transferred = 0;
    uint8_t op = c->cdb_len > 0 ? c->cdb[0] : 0xFF;
    st->counters.commands++;
    st->counters.by_opcode[op]++;
    if (op == 0xA0) {   /* the controller answers REPORT LUNS for the target */
        if (st->faults.refuse_report_luns)
            sense(c, 0x5, 0x20, 0);
        else
            report_luns(st, c);
        return;
    }
    struct st_lun *l = find_lun(st, c->lun);
    if (op == 0x12) {
        inquiry(l, c);
        return;
    }
    if (l == NULL) {
        c->srb_status = SRB_INVALID_LUN;
        c->scsi_status = CHECK_CONDITION;
        return;
    }
    if (l->unit_attention) {
        l->unit_attention = false;
        st->counters.unit_attentions++;
        sense(c, 0x6, 0x29, 0);   /* power on, reset or bus device reset occurred */
        return;
    }
    if (st->faults.not_ready > 0) {
        st->faults.not_ready--;
        st->counters.not_ready++;
        sense(c, 0x2, 0x04, 0x01);   /* becoming ready */
        return;
    }
    if (st->faults.busy_once && is_data_command(op)) {
        st->faults.busy_once = false;
        c->scsi_status = BUSY;
        return;
    }
    bool need = (op == 0x25 && c->cdb_len >= 10) || (op == 0x9E && c->cdb_len >= 16) ||
                (op == 0x28 && c->cdb_len >= 10) || (op == 0x2A && c->cdb_len >= 10) ||
                (op == 0x88 && c->cdb_len >= 16) || (op == 0x8A && c->cdb_len >= 16);
    switch (op) {
    case 0x00: break;
    case 0x1A: mode_sense(l, c); break;
    case 0x25: if (need) capacity(l, c, false); break;
    case 0x9E:
        if (need && (c->cdb[1] & 0x1F) == 0x10)
            capacity(l, c, true);
        else
            sense(c, 0x5, 0x24, 0);
        break;
    case 0x28: case 0x2A: case 0x88: case 0x8A:
        if (need)
            read_write(st, l, c, op == 0x2A || op == 0x8A, op >= 0x88);
        break;
    case 0x35: st->counters.flushes++; break;
    default: sense(c, 0x5, 0x20, 0); break;   /* invalid command operation code */
    }
    if (!need && (op == 0x25 || op == 0x9E || is_data_command(op)))
        sense(c, 0x5, 0x24, 0);
}
