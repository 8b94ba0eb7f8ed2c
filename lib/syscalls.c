/* The system calls newlib expects (built without its own): the console
 * for stdin/stdout/stderr, read-only files from descriptor 3 on (lib/file.c:
 * "/esp/..." and "\\..." paths, the boot disk's EFI system partition), sbrk
 * on the runtime heap, the clock, exit; read, write and close of sockets
 * (descriptors from 64) go to the network stack when it is linked
 * (syscalls_set_fd_owner). The rest fail cleanly with ENOSYS (or EBADF for
 * descriptors that don't exist). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "arch/console.h"
#include "lib/file.h"
#include "lib/memory.h"
#include "lib/runtime.h"
#include "lib/time.h"

#undef errno
extern int errno;

static int is_console(int fd) { return fd >= 0 && fd <= 2; }

static const struct syscalls_fd_ops *fd_owner;
static int fd_owner_base = 0x7fffffff;

void syscalls_set_fd_owner(int base, const struct syscalls_fd_ops *ops)
{
    fd_owner_base = base;
    fd_owner = ops;
}

static int is_owned(int fd) { return fd_owner != NULL && fd >= fd_owner_base; }

int write(int fd, const void *buf, size_t len)
{
    if (is_owned(fd))
        return (int)fd_owner->write(fd, buf, len);
    if (!is_console(fd)) {
        errno = EBADF;
        return -1;
    }
    console_write(buf, len);
    return (int)len;
}

/* A negative errno value from lib/file.c, as a system call returns it. */
static int fail(long rc)
{
    errno = (int)-rc;
    return -1;
}

/* A line at a time with echo, as a terminal in cooked mode would. */
int read(int fd, void *buf, size_t len)
{
    if (is_owned(fd))
        return (int)fd_owner->read(fd, buf, len);
    if (!is_console(fd)) {
        long n = file_read(fd, buf, len);
        return n < 0 ? fail(n) : (int)n;
    }
    char *out = buf;
    size_t n = 0;
    while (n < len) {
        int c = console_read_byte();
        if (c == '\r')
            c = '\n';
        console_write((const char *)&(char){ (char)c }, 1);
        out[n++] = (char)c;
        if (c == '\n')
            break;
    }
    return (int)n;
}

void *sbrk(ptrdiff_t increment)
{
    void *p = heap_grow(increment);
    if (p == (void *)-1)
        errno = ENOMEM;
    return p;
}

void _exit(int status)
{
    runtime_exit_now(status);
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    int64_t ns = time_realtime_ns();
    tv->tv_sec = ns / 1000000000;
    tv->tv_usec = (ns % 1000000000) / 1000;
    return 0;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    int64_t ns;
    if (clock == CLOCK_REALTIME)
        ns = time_realtime_ns();
    else if (clock == CLOCK_MONOTONIC)
        ns = (int64_t)time_ns();
    else {
        errno = EINVAL;
        return -1;
    }
    ts->tv_sec = ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
    return 0;
}

int clock_settime(clockid_t clock, const struct timespec *ts)
{
    if (clock != CLOCK_REALTIME || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) {
        errno = EINVAL;
        return -1;
    }
    time_set_realtime_ns((int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec);
    return 0;
}

int clock_getres(clockid_t clock, struct timespec *res)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
        errno = EINVAL;
        return -1;
    }
    res->tv_sec = 0;
    res->tv_nsec = 1;
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) {
        errno = EINVAL;
        return -1;
    }
    time_sleep_ns((uint64_t)req->tv_sec * 1000000000u + (uint64_t)req->tv_nsec);
    if (rem != NULL)
        rem->tv_sec = rem->tv_nsec = 0;
    return 0;
}

int usleep(useconds_t us)
{
    time_sleep_ns((uint64_t)us * 1000);
    return 0;
}

unsigned sleep(unsigned seconds)
{
    time_sleep_ns((uint64_t)seconds * 1000000000u);
    return 0;
}

clock_t times(struct tms *t)
{
    clock_t ticks = (clock_t)(time_ns() / (1000000000 / CLOCKS_PER_SEC));
    t->tms_utime = ticks;
    t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
    return ticks;
}

int fstat(int fd, struct stat *st)
{
    if (!is_console(fd)) {
        uint64_t size;
        bool is_dir;
        int rc = file_stat(fd, &size, &is_dir);
        if (rc < 0)
            return fail(rc);
        memset(st, 0, sizeof(*st));
        st->st_mode = (is_dir ? S_IFDIR : S_IFREG) | 0444;
        st->st_size = (off_t)size;
        st->st_blksize = 4096;
        return 0;
    }
    st->st_mode = S_IFCHR;
    st->st_blksize = 0;   /* unbuffered-friendly: newlib line-buffers a tty */
    return 0;
}

int isatty(int fd)
{
    if (is_console(fd))
        return 1;
    errno = EBADF;
    return 0;
}

int close(int fd)
{
    if (is_owned(fd))
        return fd_owner->close(fd);
    if (is_console(fd)) {
        errno = ENOSYS;
        return -1;
    }
    int rc = file_close(fd);
    return rc < 0 ? fail(rc) : 0;
}

off_t lseek(int fd, off_t offset, int whence)
{
    if (is_console(fd)) {
        errno = ESPIPE;
        return -1;
    }
    long long rc = file_lseek(fd, offset, whence);
    return rc < 0 ? fail((long)rc) : (off_t)rc;
}

int open(const char *path, int flags, int mode)
{
    (void)mode;
    int rc = file_open(path, flags);
    return rc < 0 ? fail(rc) : rc;
}

int getpid(void) { return 1; }

int kill(int pid, int sig)
{
    (void)sig;
    if (pid == 1)
        runtime_exit_now(128 + sig);   /* abort() and raise() end here */
    errno = ESRCH;
    return -1;
}

int link(const char *old, const char *new_path)
{
    (void)old;
    (void)new_path;
    errno = ENOSYS;
    return -1;
}

int unlink(const char *path)
{
    (void)path;
    errno = ENOSYS;
    return -1;
}

int fork(void)
{
    errno = ENOSYS;
    return -1;
}

int wait(int *status)
{
    (void)status;
    errno = ENOSYS;
    return -1;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path;
    (void)argv;
    (void)envp;
    errno = ENOSYS;
    return -1;
}
