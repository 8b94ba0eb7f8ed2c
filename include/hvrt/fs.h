/* File systems behind newlib's open/read/lseek/fstat/close (fopen, fread,
 * ...). A file system registers at link time with HVRT_FILESYSTEM; the
 * runtime hands it the paths under its prefix. hvrt has one: "/esp", the
 * EFI system partition of the boot disk, read-only (docs/storage.md):
 *   fopen("/esp/hvrt.cfg", "r")        the path under the prefix
 *   fopen("\\hvrt.cfg", "r")           a path starting with '\': the boot volume
 * Names compare without case; '/' and '\' both separate. */
#ifndef HVRT_FS_H
#define HVRT_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hvrt_fs {
    const char *prefix;        /* "/esp": "/esp/a/b" opens "a/b" */
    bool boot_volume;          /* paths starting with '\' come here too */
    /* path relative to the root ("" is the root). 0 with *file and its
     * size, or a negative errno value (-ENOENT, -EIO, ...). Passive. */
    int (*open)(const char *path, void **file, uint64_t *size, bool *is_dir);
    /* Up to len bytes at offset: the count (0 at the end) or -errno. */
    long (*pread)(void *file, void *buf, size_t len, uint64_t offset);
    void (*close)(void *file);
};

#define HVRT_FILESYSTEM(var_)                                                   \
    const struct hvrt_fs var_ __attribute__((used, section("hvrt_fs"), aligned(8)))

#endif
