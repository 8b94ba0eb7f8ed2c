#include "arch/x86_64/power.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/console.h"

#define SLP_EN (1u << 13)
#define SCI_EN 1u
#define DEBUG_EXIT_PORT 0xf4

static struct acpi_power acpi;
static int acpi_ok;

void power_init(uint64_t rsdp)
{
    uint64_t fadt = acpi_find_table(rsdp, "FACP");
    acpi_ok = fadt != 0 && acpi_read_power(fadt, &acpi) == 0;
    if (!acpi_ok)
        kprintf("hvrt: no usable ACPI FADT: power-off will halt instead\n");
    else if (!acpi.have_s5)
        kprintf("hvrt: no \\_S5 in the DSDT: trying sleep type 0 for power-off\n");
}

void power_debug_exit(int code)
{
    outl(DEBUG_EXIT_PORT, (uint32_t)code);
}

static void halt_forever(void)
{
    for (;;) {
        irq_disable();
        __asm__ volatile("hlt");
    }
}

void power_off(void)
{
    if (acpi_ok) {
        /* Firmware normally leaves ACPI mode on; switch it on if not. */
        if (!(inw(acpi.pm1a_cnt) & SCI_EN) && acpi.smi_cmd != 0 && acpi.acpi_enable != 0) {
            outb(acpi.smi_cmd, acpi.acpi_enable);
            for (int i = 0; i < 1000000 && !(inw(acpi.pm1a_cnt) & SCI_EN); i++)
                cpu_relax();
        }
        outw(acpi.pm1a_cnt, (uint16_t)((acpi.s5_typ_a & 7) << 10 | SLP_EN));
        if (acpi.pm1b_cnt != 0)
            outw(acpi.pm1b_cnt, (uint16_t)((acpi.s5_typ_b & 7) << 10 | SLP_EN));
        for (int i = 0; i < 1000000; i++)
            cpu_relax();
    }
    kprintf("hvrt: power-off did not happen; halted\n");
    halt_forever();
    __builtin_unreachable();
}

void power_reset(void)
{
    if (acpi_ok && acpi.have_reset) {
        if (acpi.reset_reg.space == ACPI_SPACE_IO && acpi.reset_reg.address <= 0xffff)
            outb((uint16_t)acpi.reset_reg.address, acpi.reset_value);
        else if (acpi.reset_reg.space == ACPI_SPACE_MEMORY)
            *(volatile uint8_t *)(uintptr_t)acpi.reset_reg.address = acpi.reset_value;
    }
    outb(0xcf9, 0x02);   /* PCI reset control: hard reset */
    outb(0xcf9, 0x06);
    outb(0x64, 0xfe);    /* keyboard controller pulse */
    /* Last resort: a triple fault through an empty IDT. */
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };
    __asm__ volatile("lidt %0; int3" : : "m"(none));
    halt_forever();
    __builtin_unreachable();
}
