/* The few ACPI facts the runtime needs: how to power off (PM1 control
 * blocks and the \_S5 sleep type) and how to reset (the FADT reset
 * register). Pure parsing over identity-mapped tables; unit tested. */
#ifndef HVRT_ARCH_ACPI_H
#define HVRT_ARCH_ACPI_H

#include <stdint.h>

struct acpi_gas {            /* Generic Address Structure */
    uint8_t space;           /* 0 = system memory, 1 = system I/O */
    uint8_t bit_width, bit_offset, access_size;
    uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");

enum { ACPI_SPACE_MEMORY = 0, ACPI_SPACE_IO = 1 };

struct acpi_power {
    uint16_t pm1a_cnt, pm1b_cnt;   /* I/O ports, 0 when absent */
    uint16_t smi_cmd;
    uint8_t acpi_enable;
    int have_s5;
    uint8_t s5_typ_a, s5_typ_b;
    int have_reset;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
};

/* The table with this signature, found through the XSDT (or the RSDT for
 * ACPI 1.0); 0 if missing or its checksum is wrong. */
uint64_t acpi_find_table(uint64_t rsdp, const char signature[4]);

/* Reads the FADT and the \_S5 package of its DSDT. 0 on success. */
int acpi_read_power(uint64_t fadt, struct acpi_power *out);

/* Where an ISA IRQ arrives at an I/O APIC, from the MADT ("APIC"): its
 * global system interrupt (an interrupt source override may move it and
 * set its polarity and trigger; ISA's default is edge, active high) and
 * the I/O APIC whose range holds it. */
struct acpi_irq_route {
    uint64_t ioapic_address;
    uint32_t ioapic_gsi_base;
    uint32_t gsi;
    int active_low, level_triggered;
};

/* 0 on success; -1 if the table is not a valid MADT or no I/O APIC takes
 * the interrupt. */
int acpi_route_isa_irq(uint64_t madt, uint8_t irq, struct acpi_irq_route *out);

/* Finds the \_S5 package in AML and returns its first two values. */
int acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *typ_a, uint8_t *typ_b);

#endif
