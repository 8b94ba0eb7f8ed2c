/* GPT parsing (gpt.h). Layout of the header (LBA 1): signature "EFI PART"
 * at 0, revision 8, header size 12, header CRC32 16 (computed with itself
 * zeroed), my LBA 24, alternate LBA 32, first/last usable 40/48, disk GUID
 * 56, entry array LBA 72, entry count 80, entry size 84, entry array CRC32
 * 88. An entry: type GUID at 0, first LBA 32, last LBA 40. */
#include <stdlib.h>
#include <string.h>

#include "drivers/fs/gpt.h"

#define MAX_ENTRY_BYTES (1u << 20)

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B, in its on-disk byte order. */
static const uint8_t esp_type[16] = { 0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                                      0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B };

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

uint32_t gpt_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

int gpt_parse_header(const uint8_t *sector, size_t sector_size, uint64_t disk_sectors, struct gpt_header *out)
{
    memset(out, 0, sizeof(*out));
    if (sector_size < 512 || memcmp(sector, "EFI PART", 8) != 0)
        return -1;
    uint32_t size = le32(sector + 12);
    if (size < 92 || size > sector_size)
        return -1;
    uint8_t copy[4096];
    if (size > sizeof(copy))
        return -1;
    memcpy(copy, sector, size);
    memset(copy + 16, 0, 4);
    if (gpt_crc32(copy, size) != le32(sector + 16))
        return -1;
    out->my_lba = le64(sector + 24);
    out->alternate_lba = le64(sector + 32);
    out->first_usable = le64(sector + 40);
    out->last_usable = le64(sector + 48);
    out->entries_lba = le64(sector + 72);
    out->entry_count = le32(sector + 80);
    out->entry_size = le32(sector + 84);
    out->entries_crc = le32(sector + 88);
    uint64_t bytes = (uint64_t)out->entry_count * out->entry_size;
    uint64_t entry_sectors = (bytes + sector_size - 1) / sector_size;
    if (out->my_lba >= disk_sectors || out->first_usable > out->last_usable || out->last_usable >= disk_sectors)
        return -1;
    if (out->entry_size < 128 || out->entry_size % 8 != 0 || out->entry_count == 0 || bytes > MAX_ENTRY_BYTES)
        return -1;
    if (out->entries_lba < 2 || out->entries_lba >= disk_sectors || entry_sectors > disk_sectors - out->entries_lba)
        return -1;
    return 0;
}

int gpt_find_esp(const struct gpt_header *h, const uint8_t *entries, size_t len, uint64_t *first, uint64_t *last)
{
    uint64_t bytes = (uint64_t)h->entry_count * h->entry_size;
    if (bytes > len || gpt_crc32(entries, (size_t)bytes) != h->entries_crc)
        return -1;
    for (uint32_t i = 0; i < h->entry_count; i++) {
        const uint8_t *e = entries + (size_t)i * h->entry_size;
        if (memcmp(e, esp_type, 16) != 0)
            continue;
        uint64_t a = le64(e + 32), b = le64(e + 40);
        if (a > b || a < h->first_usable || b > h->last_usable)
            continue;   /* a partition outside the disk's usable space is not one we read */
        *first = a, *last = b;
        return 0;
    }
    return -1;
}

static int try_header(int (*read)(void *, uint64_t, uint32_t, void *), void *ctx, uint32_t sector_size,
                      uint64_t disk_sectors, uint64_t lba, uint64_t *first, uint64_t *last)
{
    uint8_t *sector = malloc(sector_size);
    struct gpt_header h;
    int rc = -1;
    if (sector != NULL && read(ctx, lba, 1, sector) == 0 &&
        gpt_parse_header(sector, sector_size, disk_sectors, &h) == 0 && h.my_lba == lba) {
        uint32_t count = (uint32_t)(((uint64_t)h.entry_count * h.entry_size + sector_size - 1) / sector_size);
        uint8_t *entries = malloc((size_t)count * sector_size);
        if (entries != NULL && read(ctx, h.entries_lba, count, entries) == 0)
            rc = gpt_find_esp(&h, entries, (size_t)count * sector_size, first, last);
        free(entries);
    }
    free(sector);
    return rc;
}

int gpt_locate_esp(int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf), void *ctx,
                   uint32_t sector_size, uint64_t disk_sectors, uint64_t *first, uint64_t *last)
{
    if (disk_sectors < 3 || sector_size < 512 || sector_size > 4096)
        return -1;
    if (try_header(read, ctx, sector_size, disk_sectors, 1, first, last) == 0)
        return 0;
    return try_header(read, ctx, sector_size, disk_sectors, disk_sectors - 1, first, last);
}
