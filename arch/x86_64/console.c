#include "arch/console.h"
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
