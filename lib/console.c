#include "lib/console.h"
#include "lib/format.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/cpu.h"

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

int console_read_byte(void)
{
    int c;
    while ((c = serial_getc_nowait()) < 0)
        cpu_relax();
    return c;
}

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
