/* Routing an ISA device's interrupt line through the I/O APIC to a vector
 * on this CPU. The legacy PICs stay masked (lapic_init). */
#ifndef HVRT_ARCH_IOAPIC_H
#define HVRT_ARCH_IOAPIC_H

#include <stdint.h>

/* Where ACPI's tables are, for the MADT. */
void ioapic_init(uint64_t acpi_rsdp);

/* 0 on success; -1 with the reason printed when ACPI names no I/O APIC for
 * the IRQ or the I/O APIC has no such pin. */
int ioapic_route_isa_irq(uint8_t irq, uint8_t vector);

#endif
