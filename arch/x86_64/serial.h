#ifndef HVRT_ARCH_SERIAL_H
#define HVRT_ARCH_SERIAL_H

void serial_init(void);
void serial_putc(char c);
int serial_getc_nowait(void);   /* a byte, or -1 when none is waiting */

#endif
