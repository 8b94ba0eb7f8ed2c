#ifndef HVRT_ARCH_SERIAL_H
#define HVRT_ARCH_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* The console, COM1. */
void serial_init(void);
void serial_putc(char c);
int serial_getc_nowait(void);   /* a byte, or -1 when none is waiting */

/* Any 16550 by its I/O base. rx_interrupt: raise the UART's IRQ when a
 * byte arrives (the caller routes the IRQ). */
void serial_port_init(uint16_t port, bool rx_interrupt);
void serial_port_putc(uint16_t port, char c);
int serial_port_getc_nowait(uint16_t port);

#endif
