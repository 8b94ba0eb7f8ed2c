/* Ending a run on the machine: ACPI S5, reset, QEMU's isa-debug-exit. */
#ifndef HVRT_ARCH_POWER_H
#define HVRT_ARCH_POWER_H

#include <stdint.h>

/* Reads the FADT (and the \_S5 object of the DSDT) from the RSDP. */
void power_init(uint64_t rsdp);

__attribute__((noreturn)) void power_off(void);
__attribute__((noreturn)) void power_reset(void);

/* QEMU exits with status (code << 1) | 1; returns only where the device
 * is missing, and then power_off follows. */
void power_debug_exit(int code);

#endif
