/* The console, at the bottom of the house so that every layer can report:
 * where the runtime's messages and the apps' stdout go. COM1 in the image
 * (arch/x86_64/console.c), stdout in the hosted tests (tests/hosted/hosted.c). */
#ifndef HVRT_ARCH_CONSOLE_H
#define HVRT_ARCH_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t n);   /* "\n" becomes "\r\n" */
int console_read_byte(void);                   /* waits for a byte */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
