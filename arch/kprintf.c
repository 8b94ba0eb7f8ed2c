/* The runtime's printf onto the console, through arch/format.c: usable where
 * newlib's is not (fault handlers, early boot). The console itself differs
 * per backend (COM1 in the image, stdout in hosted tests). */
#include "arch/console.h"
#include "arch/format.h"

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    console_write(buf, (size_t)n);
}
