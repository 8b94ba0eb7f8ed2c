/* Files for the system calls (lib/file.c): descriptors from FILE_FIRST_FD
 * on. Each returns a negative errno value on failure. */
#ifndef HVRT_LIB_FILE_H
#define HVRT_LIB_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FILE_FIRST_FD 3

int file_open(const char *path, int flags);
long file_read(int fd, void *buf, size_t len);
long long file_lseek(int fd, long long offset, int whence);
int file_stat(int fd, uint64_t *size, bool *is_dir);
int file_close(int fd);

#endif
