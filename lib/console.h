/* The console: where the runtime's messages and the apps' stdout go. */
#ifndef HVRT_LIB_CONSOLE_H
#define HVRT_LIB_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t n);   /* "\n" becomes "\r\n" */
int console_read_byte(void);                   /* waits for a byte */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
