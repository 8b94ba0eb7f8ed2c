/* The COM1 console: a 16550 UART at I/O port 0x3f8, polled. */
#include "arch/x86_64/serial.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8
enum { DATA = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
enum { LSR_DATA_READY = 0x01, LSR_TX_EMPTY = 0x20 };

void serial_init(void)
{
    outb(COM1 + IER, 0x00);       /* no UART interrupts: we poll */
    outb(COM1 + LCR, 0x80);       /* divisor latch */
    outb(COM1 + DATA, 0x01);      /* 115200 baud */
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x03);       /* 8N1 */
    outb(COM1 + FCR, 0xc7);       /* FIFOs on, cleared */
    outb(COM1 + MCR, 0x03);       /* DTR, RTS */
}

void serial_putc(char c)
{
    /* Bounded wait: a missing UART (all ones or never ready) must not hang. */
    for (int spins = 0; spins < 100000 && !(inb(COM1 + LSR) & LSR_TX_EMPTY); spins++)
        cpu_relax();
    outb(COM1 + DATA, (uint8_t)c);
}

int serial_getc_nowait(void)
{
    if (!(inb(COM1 + LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1 + DATA);
}
