/* The I/O APIC, just enough to deliver one ISA interrupt: find where the
 * IRQ lands in the MADT, then write that pin's redirection entry. */
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/console.h"

/* Two MMIO registers: write the index, then read or write the window. */
enum { IOREGSEL = 0x00, IOWIN = 0x10 };
enum { IOAPIC_VERSION = 0x01, IOAPIC_REDIRECTION = 0x10 };
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL      (1u << 15)

static uint32_t ioapic_read(volatile uint8_t *base, uint32_t reg)
{
    *(volatile uint32_t *)(base + IOREGSEL) = reg;
    return *(volatile uint32_t *)(base + IOWIN);
}

static void ioapic_write(volatile uint8_t *base, uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(base + IOREGSEL) = reg;
    *(volatile uint32_t *)(base + IOWIN) = value;
}

static uint64_t rsdp;

void ioapic_init(uint64_t acpi_rsdp) { rsdp = acpi_rsdp; }

int ioapic_route_isa_irq(uint8_t irq, uint8_t vector)
{
    struct acpi_irq_route route;
    uint64_t madt = acpi_find_table(rsdp, "APIC");
    if (madt == 0 || acpi_route_isa_irq(madt, irq, &route) != 0) {
        kprintf("hvrt: IRQ %u: no I/O APIC in the ACPI MADT\n", irq);
        return -1;
    }
    uint64_t page = route.ioapic_address & ~0xfffull;
    if (paging_map(page, page, MAP_WRITE | MAP_UNCACHED) != 0)
        return -1;
    volatile uint8_t *base = (volatile uint8_t *)(uintptr_t)route.ioapic_address;
    uint32_t pin = route.gsi - route.ioapic_gsi_base;
    uint32_t pins = ((ioapic_read(base, IOAPIC_VERSION) >> 16) & 0xff) + 1;
    if (pin >= pins) {
        kprintf("hvrt: IRQ %u: GSI %u is past the I/O APIC's %u pins\n", irq, route.gsi, pins);
        return -1;
    }
    uint32_t low = vector | (route.active_low ? REDIR_ACTIVE_LOW : 0) | (route.level_triggered ? REDIR_LEVEL : 0);
    ioapic_write(base, IOAPIC_REDIRECTION + 2 * pin + 1, lapic_id() << 24);   /* physical destination */
    ioapic_write(base, IOAPIC_REDIRECTION + 2 * pin, low);                    /* unmasked, fixed delivery */
    return 0;
}
