/* File systems behind newlib's open/read/lseek/fstat/close (fopen, fread,
 * ...). A driver defines a file system (HVRT_FILESYSTEM); an app that
 * opens files on it says so (HVRT_USE_FILESYSTEM), which puts it in the
 * image's table; the runtime hands it the paths under its prefix. hvrt has
 * one: hvrt_esp_fs, "/esp", the EFI system partition of the boot disk,
 * read-only (docs/storage.md):
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

/* Defines a file system (in its driver): HVRT_FILESYSTEM(name) = { ... }; */
#define HVRT_FILESYSTEM(var_) const struct hvrt_fs var_

/* The boot disk's EFI system partition (drivers/fs/esp.c). */
extern const struct hvrt_fs hvrt_esp_fs;

/* Said once, at file scope, by an app that opens files on fs, e.g.
 *     HVRT_USE_FILESYSTEM(hvrt_esp_fs);
 * The linker collects these into the table lib/file.c routes paths with.
 * An image in which no app says so carries no disk code at all (the
 * driver is dropped with --gc-sections), and paths under the prefix are
 * not found (ENOENT). Saying it twice is harmless. */
#define HVRT_USE_FILESYSTEM(var_)                                               \
    static const struct hvrt_fs *const hvrt_fs_use_##var_                       \
        __attribute__((used, section("hvrt_fs"), aligned(8))) = &var_

#endif
