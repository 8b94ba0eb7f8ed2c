/* GPT (UEFI spec, "GUID Partition Table"): finding the EFI system
 * partition on a disk. The header and entries come from the disk, which
 * the host controls: sizes, counts and LBAs are checked against the disk
 * and both CRC32s are verified before anything is used. */
#ifndef HVRT_DRIVERS_GPT_H
#define HVRT_DRIVERS_GPT_H

#include <stddef.h>
#include <stdint.h>

struct gpt_header {
    uint64_t my_lba, alternate_lba, first_usable, last_usable;
    uint64_t entries_lba;
    uint32_t entry_count, entry_size;
    uint32_t entries_crc;
};

/* The header in one sector (sector_size bytes) of a disk of disk_sectors:
 * 0, or -1 when it is not a valid GPT header (signature, size, CRC, LBAs,
 * entry geometry; the entry array at most 1 MiB). */
int gpt_parse_header(const uint8_t *sector, size_t sector_size, uint64_t disk_sectors, struct gpt_header *out);

/* The first EFI system partition in the entry array (len bytes, checked
 * against the header's CRC): its first and last LBA. 0, or -1 when the
 * CRC is wrong, none is there, or its range lies outside the usable LBAs. */
int gpt_find_esp(const struct gpt_header *h, const uint8_t *entries, size_t len, uint64_t *first, uint64_t *last);

uint32_t gpt_crc32(const uint8_t *p, size_t n);

/* Reads the table of a disk through read(ctx, lba, count, buf) (0 on
 * success): the primary header at LBA 1, the backup at the last LBA when
 * the primary is bad. 0 with the ESP's range, or -1. */
int gpt_locate_esp(int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf), void *ctx,
                   uint32_t sector_size, uint64_t disk_sectors, uint64_t *first, uint64_t *last);

#endif
