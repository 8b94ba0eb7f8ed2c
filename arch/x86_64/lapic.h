/* The local APIC (x2APIC when the CPU has it) and its timer, and the TSC
 * that the runtime's clock counts with. */
#ifndef HVRT_ARCH_LAPIC_H
#define HVRT_ARCH_LAPIC_H

#include <stdint.h>

/* clock_ns: the runtime's clock, to measure the timer's rate against on
 * its first use (by then the clock runs). */
void lapic_init(uint64_t (*clock_ns)(void));
void lapic_eoi(void);
int lapic_is_x2apic(void);
uint32_t lapic_id(void);   /* this CPU's, as an I/O APIC names a destination */

/* An interrupt at VECTOR_TIMER after about ns nanoseconds; 0 cancels. */
void lapic_timer_oneshot(uint64_t ns);

/* Measures the TSC frequency (CPUID leaf 0x15 when it says, else against
 * the PIT) and returns it in Hz. */
uint64_t tsc_calibrate(void);

#endif
