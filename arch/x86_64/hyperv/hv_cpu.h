/* What the Hyper-V layer cannot do in plain C: the CPUID, MSR and hypercall
 * instructions, and installing an interrupt vector's handler. Everything in
 * arch/x86_64/hyperv/ is written on top of these few calls, so the same code
 * runs on the real instructions (hv_cpu_metal.c) and against hvsim in a
 * Linux process (tests/hosted/hosted.c). */
#ifndef HVRT_HV_CPU_H
#define HVRT_HV_CPU_H

#include <stdbool.h>
#include <stdint.h>

void hv_cpu_cpuid(uint32_t leaf, uint32_t regs[4]);

/* false when the access faulted (#GP): the MSR is missing or the value has
 * reserved bits set. */
bool hv_cpu_rdmsr(uint32_t msr, uint64_t *value);
bool hv_cpu_wrmsr(uint32_t msr, uint64_t value);

uint64_t hv_cpu_rdtsc(void);

/* The hypercall page, once enabled: metal maps it read-only and executable
 * and calls into it. */
void hv_cpu_set_hypercall_page(void *va);
/* Result value: status in 15:0, reps completed in 43:32. */
uint64_t hv_cpu_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa);
uint64_t hv_cpu_hypercall_fast(uint64_t control, uint64_t rdx, uint64_t r8);

/* Makes fn(arg) the handler of an interrupt vector (in the image, its entry
 * in the one interrupt table, trap.h). The backend acknowledges the
 * interrupt (APIC EOI) after fn returns. */
void hv_cpu_set_vector_handler(uint8_t vector, void (*fn)(void *arg), void *arg);

#endif
