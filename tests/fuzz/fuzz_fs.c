/* The boot disk's on-disk formats as libFuzzer input: the input is a disk
 * (512-byte sectors; sectors past its end fail to read). The GPT is
 * searched for an ESP, the input is mounted as a FAT volume, and a few
 * paths are opened and read to the end. Nothing may hang, read outside
 * the input, or return more bytes than a file holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/fs/fat.h"
#include "drivers/fs/gpt.h"

struct disk {
    const uint8_t *data;
    size_t size;
};

static int read_disk(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    const struct disk *d = ctx;
    uint64_t off = sector * 512, n = (uint64_t)count * 512;
    if (sector > (1ull << 40) || off > d->size || n > d->size - off)
        return -1;
    memcpy(buf, d->data + off, n);
    return 0;
}

static void read_all(struct fat_volume *v, const char *path)
{
    struct fat_file f;
    if (fat_open(v, path, &f) != 0)
        return;
    uint8_t buf[700];
    uint64_t total = 0;
    long n;
    while ((n = fat_pread(v, &f, buf, sizeof(buf), total)) > 0) {
        total += (uint64_t)n;
        if (total > f.size)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    struct disk d = { copy, size };
    uint64_t first, last;
    if (gpt_locate_esp(read_disk, &d, 512, size / 512, &first, &last) == 0 && (first > last || last >= size / 512))
        abort();
    struct fat_volume v;
    if (fat_mount(&v, read_disk, &d, 512, size) == 0) {
        read_all(&v, "hvrt.cfg");
        read_all(&v, "EFI/BOOT/BOOTX64.EFI");
        read_all(&v, "a long file name.txt");
        read_all(&v, "sub/x");
        fat_unmount(&v);
    }
    free(copy);
    return 0;
}
