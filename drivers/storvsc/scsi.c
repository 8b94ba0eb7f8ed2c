/* SCSI command blocks and the parsers of what a disk returns (scsi.h).
 * Every length comes from the host: a parser reads only below len. */
#include <string.h>

#include "drivers/storvsc/scsi.h"

static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v) { put_be16(p, (uint16_t)(v >> 16)), put_be16(p + 2, (uint16_t)v); }
static void put_be64(uint8_t *p, uint64_t v) { put_be32(p, (uint32_t)(v >> 32)), put_be32(p + 4, (uint32_t)v); }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

uint8_t scsi_cdb_test_unit_ready(uint8_t cdb[16])
{
    memset(cdb, 0, 16);
    return 6;
}

uint8_t scsi_cdb_inquiry(uint8_t cdb[16], bool vpd, uint8_t page, uint16_t alloc)
{
    memset(cdb, 0, 16);
    cdb[0] = SCSI_INQUIRY;
    cdb[1] = vpd ? 1 : 0;
    cdb[2] = vpd ? page : 0;
    put_be16(cdb + 3, alloc);
    return 6;
}

uint8_t scsi_cdb_mode_sense6(uint8_t cdb[16], uint8_t page, uint8_t alloc)
{
    memset(cdb, 0, 16);
    cdb[0] = SCSI_MODE_SENSE_6;
    cdb[1] = 0x08;   /* DBD: no block descriptors, the header is all we read */
    cdb[2] = page & 0x3F;
    cdb[4] = alloc;
    return 6;
}

uint8_t scsi_cdb_read_capacity10(uint8_t cdb[16])
{
    memset(cdb, 0, 16);
    cdb[0] = SCSI_READ_CAPACITY_10;
    return 10;
}

uint8_t scsi_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc)
{
    memset(cdb, 0, 16);
    cdb[0] = SCSI_SERVICE_ACTION_IN_16;
    cdb[1] = SCSI_SA_READ_CAPACITY_16;
    put_be32(cdb + 10, alloc);
    return 16;
}

uint8_t scsi_cdb_report_luns(uint8_t cdb[16], uint32_t alloc)
{
    memset(cdb, 0, 16);
    cdb[0] = SCSI_REPORT_LUNS;
    put_be32(cdb + 6, alloc);
    return 12;
}

uint8_t scsi_cdb_sync_cache(uint8_t cdb[16])
{
    memset(cdb, 0, 16);
    cdb[0] = SCSI_SYNCHRONIZE_CACHE_10;   /* LBA 0, 0 blocks: the whole disk */
    return 10;
}

uint8_t scsi_cdb_rw(uint8_t cdb[16], bool write, uint64_t lba, uint32_t blocks, bool force16)
{
    memset(cdb, 0, 16);
    /* lba <= max - blocks, not lba + blocks <= max: near 2^64 the sum wraps
     * and a 10-byte CDB would name another sector (found by fuzz_storvsc). */
    if (!force16 && lba <= 0xFFFFFFFFull - blocks && blocks <= 0xFFFF) {
        cdb[0] = write ? SCSI_WRITE_10 : SCSI_READ_10;
        put_be32(cdb + 2, (uint32_t)lba);
        put_be16(cdb + 7, (uint16_t)blocks);
        return 10;
    }
    cdb[0] = write ? SCSI_WRITE_16 : SCSI_READ_16;
    put_be64(cdb + 2, lba);
    put_be32(cdb + 10, blocks);
    return 16;
}

/* Copies an ASCII field, keeping printable characters and dropping the
 * trailing blanks SCSI pads with. */
static void text_field(char *out, const uint8_t *in, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        out[k++] = in[i] >= 0x20 && in[i] < 0x7F ? (char)in[i] : '?';
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

int scsi_parse_inquiry(const uint8_t *d, size_t len, struct scsi_inquiry *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 36)
        return -1;
    out->qualifier = d[0] >> 5;
    out->type = d[0] & 0x1F;
    out->removable = (d[1] & 0x80) != 0;
    text_field(out->vendor, d + 8, 8);
    text_field(out->product, d + 16, 16);
    text_field(out->revision, d + 32, 4);
    return 0;
}

int scsi_parse_vpd_serial(const uint8_t *d, size_t len, char *out, size_t out_size)
{
    if (out_size == 0)
        return -1;
    out[0] = '\0';
    if (len < 4 || d[1] != 0x80)
        return -1;
    size_t n = be16(d + 2);
    if (n > len - 4)
        n = len - 4;   /* the page says more than arrived: take what did */
    if (n > out_size - 1)
        n = out_size - 1;
    size_t start = 0;
    while (start < n && d[4 + start] == ' ')
        start++;   /* serials are often right-aligned */
    text_field(out, d + 4 + start, n - start);
    return 0;
}

int scsi_parse_vpd_limits(const uint8_t *d, size_t len, uint32_t *max_blocks, uint32_t *opt_blocks)
{
    *max_blocks = *opt_blocks = 0;
    if (len < 16 || d[1] != 0xB0 || be16(d + 2) < 12)
        return -1;
    *max_blocks = be32(d + 8);
    *opt_blocks = be32(d + 12);
    return 0;
}

static bool sane_block_size(uint32_t size)
{
    return size >= 512 && size <= 65536 && (size & (size - 1)) == 0;
}

int scsi_parse_capacity10(const uint8_t *d, size_t len, struct scsi_capacity *out, bool *need16)
{
    memset(out, 0, sizeof(*out));
    *need16 = false;
    if (len < 8)
        return -1;
    uint32_t last = be32(d);
    if (last == 0xFFFFFFFFu) {
        *need16 = true;
        return 0;
    }
    out->blocks = (uint64_t)last + 1;
    out->block_size = be32(d + 4);
    return sane_block_size(out->block_size) ? 0 : -1;
}

int scsi_parse_capacity16(const uint8_t *d, size_t len, struct scsi_capacity *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 12)
        return -1;
    uint64_t last = be64(d);
    if (last == UINT64_MAX)
        return -1;
    out->blocks = last + 1;
    out->block_size = be32(d + 8);
    return sane_block_size(out->block_size) ? 0 : -1;
}

int scsi_parse_report_luns(const uint8_t *d, size_t len, uint8_t *luns, int max)
{
    if (len < 8)
        return -1;
    uint32_t list = be32(d);
    if (list % 8 != 0)
        return -1;
    size_t avail = (len - 8) / 8, entries = list / 8;
    if (entries > avail)
        entries = avail;   /* the list was longer than our buffer: the rest is not here */
    int n = 0;
    for (size_t i = 0; i < entries && n < max; i++) {
        const uint8_t *e = d + 8 + i * 8;
        bool rest_zero = true;
        for (int k = 2; k < 8; k++)
            rest_zero &= e[k] == 0;
        if (e[0] != 0 || !rest_zero)
            continue;   /* not a single-level LUN below 256 */
        bool dup = false;
        for (int k = 0; k < n; k++)
            dup |= luns[k] == e[1];
        if (!dup)
            luns[n++] = e[1];
    }
    return n;
}

int scsi_parse_mode_sense6_wp(const uint8_t *d, size_t len, bool *write_protected)
{
    *write_protected = false;
    if (len < 4)
        return -1;
    *write_protected = (d[2] & 0x80) != 0;
    return 0;
}

void scsi_parse_sense(const uint8_t *d, size_t len, struct scsi_sense *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 1)
        return;
    uint8_t code = d[0] & 0x7F;
    if ((code == 0x70 || code == 0x71) && len >= 14) {
        out->key = d[2] & 0x0F;
        out->asc = d[12];
        out->ascq = d[13];
        out->valid = true;
    } else if ((code == 0x72 || code == 0x73) && len >= 4) {
        out->key = d[1] & 0x0F;
        out->asc = d[2];
        out->ascq = d[3];
        out->valid = true;
    }
}
