/* A read-only FAT12/16/32 reader (Microsoft's FAT specification): enough
 * to read the EFI system partition's files. Everything on the volume is
 * untrusted: the boot sector's geometry is checked against the partition,
 * cluster numbers against the volume, and every cluster chain is bounded
 * (a loop or a chain shorter than the file is an error, never a hang or a
 * read past the end). Long file names (VFAT) are matched when their
 * checksum agrees with the short entry; names compare without case. */
#ifndef HVRT_DRIVERS_FAT_H
#define HVRT_DRIVERS_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads count volume sectors (of the volume's sector size) at sector,
 * relative to the start of the volume. 0 on success. */
typedef int (*fat_read_fn)(void *ctx, uint64_t sector, uint32_t count, void *buf);

struct fat_volume {
    fat_read_fn read;
    void *ctx;
    int type;                   /* 12, 16 or 32 */
    uint32_t sector_size, cluster_size;   /* bytes */
    uint32_t sectors_per_cluster;
    uint64_t fat_start, root_start, data_start;   /* sectors */
    uint32_t fat_sectors, root_sectors;   /* root_sectors: FAT12/16's fixed root */
    uint32_t root_cluster;      /* FAT32 */
    uint32_t clusters;          /* data clusters: numbers 2 .. clusters + 1 */
    uint8_t *sector_buf;        /* one sector: FAT and directory reads */
    uint64_t cached_sector;
    bool cache_valid;
};

struct fat_file {
    uint32_t first_cluster;     /* 0: FAT12/16 root directory, or an empty file */
    uint32_t size;
    bool is_dir;
    /* where the last read ended, so sequential reads do not walk the chain again */
    uint32_t pos_index, pos_cluster;
};

/* Checks the boot sector (the first sector_size bytes of the volume) of a
 * volume of volume_sectors device sectors of dev_sector_size bytes.
 * 0, or -1 when it is not a FAT volume hvrt can read. */
int fat_parse_boot_sector(struct fat_volume *v, const uint8_t *boot, size_t len, uint64_t volume_bytes);
/* Reads and checks the boot sector; allocates the sector buffer. 0 or -1. */
int fat_mount(struct fat_volume *v, fat_read_fn read, void *ctx, uint32_t sector_size, uint64_t volume_bytes);
void fat_unmount(struct fat_volume *v);
/* path: '/' or '\\' separated, from the root; "" or "/" is the root.
 * 0, or -1 when not found or the volume is damaged. */
int fat_open(struct fat_volume *v, const char *path, struct fat_file *f);
/* Up to len bytes at offset: bytes read (0 at the end), or -1. */
long fat_pread(struct fat_volume *v, struct fat_file *f, void *buf, size_t len, uint64_t offset);

#endif
