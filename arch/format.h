/* A small printf for the runtime's own messages: no heap, no locks, safe in
 * a fault handler, where newlib's printf is not. */
#ifndef HVRT_ARCH_FORMAT_H
#define HVRT_ARCH_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Supports %% %c %s %d %i %u %x %X %p with the flags '-' and '0', a width,
 * a precision for %s, and the length modifiers l, ll and z. Returns the
 * length the full output would have; writes at most size-1 characters and
 * always terminates when size > 0. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
