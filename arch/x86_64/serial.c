/* 16550 UARTs: COM1 (I/O port 0x3f8) is the console, polled; the bridged
 * platform also uses COM2, whose receive interrupt is hvsim's doorbell. */
#include "arch/x86_64/serial.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8
enum { DATA = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
enum { LSR_DATA_READY = 0x01, LSR_TX_EMPTY = 0x20 };
enum { IER_RX_DATA = 0x01 };
enum { MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT2 = 0x08 };   /* OUT2 gates the IRQ line on PCs */

void serial_port_init(uint16_t port, bool rx_interrupt)
{
    outb(port + IER, 0x00);
    outb(port + LCR, 0x80);       /* divisor latch */
    outb(port + DATA, 0x01);      /* 115200 baud */
    outb(port + IER, 0x00);
    outb(port + LCR, 0x03);       /* 8N1 */
    outb(port + FCR, 0xc7);       /* FIFOs on, cleared */
    outb(port + MCR, MCR_DTR | MCR_RTS | (rx_interrupt ? MCR_OUT2 : 0));
    /* Whatever the firmware left unread; bounded, as a missing UART reads
     * all ones and so always has "data". */
    for (int i = 0; i < 64 && (inb(port + LSR) & LSR_DATA_READY); i++)
        inb(port + DATA);
    outb(port + IER, rx_interrupt ? IER_RX_DATA : 0);
}

void serial_port_putc(uint16_t port, char c)
{
    /* Bounded wait: a missing UART (all ones or never ready) must not hang. */
    for (int spins = 0; spins < 100000 && !(inb(port + LSR) & LSR_TX_EMPTY); spins++)
        cpu_relax();
    outb(port + DATA, (uint8_t)c);
}

int serial_port_getc_nowait(uint16_t port)
{
    if (!(inb(port + LSR) & LSR_DATA_READY))
        return -1;
    return inb(port + DATA);
}

void serial_init(void) { serial_port_init(COM1, false); }
void serial_putc(char c) { serial_port_putc(COM1, c); }
int serial_getc_nowait(void) { return serial_port_getc_nowait(COM1); }
