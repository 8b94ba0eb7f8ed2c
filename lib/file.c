/* Files for newlib's system calls: descriptors 3 and up name files opened
 * on the file systems some app asked for with HVRT_USE_FILESYSTEM (the
 * linker collects pointers to them into one table). A path goes to the file system whose
 * prefix it starts with ("/esp/x" -> "x"), or, when it starts with '\', to
 * the boot volume ("\\EFI\\BOOT" -> "EFI\\BOOT"). Read-only: every file
 * system hvrt has is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/fs.h>
#include "lib/file.h"

#define MAX_FILES 16

extern const struct hvrt_fs *const __hvrt_fs_start[], *const __hvrt_fs_end[];

struct open_file {
    const struct hvrt_fs *fs;
    void *handle;
    uint64_t size, offset;
    bool is_dir;
};

static struct open_file files[MAX_FILES];

static const struct hvrt_fs *route(const char *path, const char **rest)
{
    for (const struct hvrt_fs *const *p = __hvrt_fs_start; p < __hvrt_fs_end; p++) {
        const struct hvrt_fs *fs = *p;
        size_t n = strlen(fs->prefix);
        if (path[0] == '\\' && fs->boot_volume) {
            *rest = path + 1;
            return fs;
        }
        if (strncmp(path, fs->prefix, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
            *rest = path[n] == '/' ? path + n + 1 : path + n;
            return fs;
        }
    }
    return NULL;
}

static struct open_file *file_of(int fd)
{
    if (fd < FILE_FIRST_FD || fd >= FILE_FIRST_FD + MAX_FILES || files[fd - FILE_FIRST_FD].fs == NULL)
        return NULL;
    return &files[fd - FILE_FIRST_FD];
}

int file_open(const char *path, int flags)
{
    const char *rest = NULL;
    const struct hvrt_fs *fs = path != NULL ? route(path, &rest) : NULL;
    if (fs == NULL)
        return -ENOENT;
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)))
        return -EROFS;
    int slot = 0;
    while (slot < MAX_FILES && files[slot].fs != NULL)
        slot++;
    if (slot == MAX_FILES)
        return -EMFILE;
    struct open_file *f = &files[slot];
    int rc = fs->open(rest, &f->handle, &f->size, &f->is_dir);
    if (rc < 0)
        return rc;
    f->fs = fs;
    f->offset = 0;
    return FILE_FIRST_FD + slot;
}

long file_read(int fd, void *buf, size_t len)
{
    struct open_file *f = file_of(fd);
    if (f == NULL)
        return -EBADF;
    if (f->is_dir)
        return -EISDIR;
    long n = f->fs->pread(f->handle, buf, len, f->offset);
    if (n > 0)
        f->offset += (uint64_t)n;
    return n;
}

long long file_lseek(int fd, long long offset, int whence)
{
    struct open_file *f = file_of(fd);
    if (f == NULL)
        return -EBADF;
    long long base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (long long)f->offset
                   : whence == SEEK_END ? (long long)f->size : -1;
    if (base < 0 || (offset < 0 && -offset > base))
        return -EINVAL;
    f->offset = (uint64_t)(base + offset);
    return (long long)f->offset;
}

int file_stat(int fd, uint64_t *size, bool *is_dir)
{
    struct open_file *f = file_of(fd);
    if (f == NULL)
        return -EBADF;
    *size = f->size;
    *is_dir = f->is_dir;
    return 0;
}

int file_close(int fd)
{
    struct open_file *f = file_of(fd);
    if (f == NULL)
        return -EBADF;
    f->fs->close(f->handle);
    memset(f, 0, sizeof(*f));
    return 0;
}
