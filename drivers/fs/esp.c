/* The boot disk's EFI system partition as a file system ("/esp", and
 * paths starting with '\'): on first use, the first disk whose GPT names
 * an ESP with a FAT volume hvrt can read is mounted, read-only. The
 * reference's boot disk is LUN 0 of the first SCSI controller; taking the
 * first disk with an ESP also finds it when other disks come first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/block.h>
#include <hvrt/fs.h>
#include "drivers/fs/fat.h"
#include "drivers/fs/esp.h"
#include "drivers/fs/gpt.h"

struct esp {
    bool tried, mounted;
    unsigned disk;
    uint64_t first_lba;
    uint32_t sector_size;
    struct fat_volume fat;
};

static struct esp esp;

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    unsigned disk = *(unsigned *)ctx;
    return hvrt_blk_read(disk, lba, count, buf) == HVRT_BLK_OK ? 0 : -1;
}

static int volume_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    struct esp *e = ctx;
    return hvrt_blk_read(e->disk, e->first_lba + sector, count, buf) == HVRT_BLK_OK ? 0 : -1;
}

static bool try_disk(unsigned disk)
{
    struct hvrt_blk_info info;
    uint64_t first, last;
    if (hvrt_blk_info(disk, &info) != HVRT_BLK_OK || info.removed)
        return false;
    if (gpt_locate_esp(disk_read, &disk, info.sector_size, info.sectors, &first, &last) != 0)
        return false;
    esp.disk = disk;
    esp.first_lba = first;
    esp.sector_size = info.sector_size;
    uint64_t bytes = (last - first + 1) * info.sector_size;
    return fat_mount(&esp.fat, volume_read, &esp, info.sector_size, bytes) == 0;
}

static bool mount(void)
{
    if (!esp.tried) {
        esp.tried = true;
        unsigned n = hvrt_blk_count();
        for (unsigned d = 0; d < n && !esp.mounted; d++)
            esp.mounted = try_disk(d);
    }
    return esp.mounted;
}

static int esp_open(const char *path, void **file, uint64_t *size, bool *is_dir)
{
    if (!mount())
        return -ENODEV;
    struct fat_file f, *copy;
    if (fat_open(&esp.fat, path, &f) != 0)
        return -ENOENT;
    if ((copy = malloc(sizeof(*copy))) == NULL)
        return -ENOMEM;
    *copy = f;
    *file = copy;
    *size = f.size;
    *is_dir = f.is_dir;
    return 0;
}

static long esp_pread(void *file, void *buf, size_t len, uint64_t offset)
{
    long n = fat_pread(&esp.fat, file, buf, len, offset);
    return n < 0 ? -EIO : n;
}

static void esp_close(void *file) { free(file); }

/* Forgets the mount (tests: the disks were reset). */
void esp_forget(void)
{
    if (esp.mounted)
        fat_unmount(&esp.fat);
    memset(&esp, 0, sizeof(esp));
}

HVRT_FILESYSTEM(hvrt_esp_fs) = { .prefix = "/esp", .boot_volume = true, .open = esp_open, .pread = esp_pread,
                                 .close = esp_close };
