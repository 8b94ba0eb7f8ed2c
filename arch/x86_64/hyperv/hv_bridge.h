/* The bridged backend of hv_cpu.h: under QEMU's TCG, where the Hyper-V
 * instructions do nothing, the image booted with --hvsim hands them to an
 * hvsim process (bridge_abi.h). hv_cpu_metal.c calls these instead of the
 * instructions once hv_bridge_attach has succeeded. */
#ifndef HVRT_HV_BRIDGE_H
#define HVRT_HV_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

/* Announces a mailbox on COM2 and waits for hvsim to take it. 0 when
 * bridged; -1, with the reason printed, when not (the image then runs on
 * the plain instructions). Needs pages, the IDT and the LAPIC, not the
 * clock: the boot attaches before it sets the TSC rate. */
int hv_bridge_attach(void);
bool hv_bridge_active(void);

/* TSC ticks the guest has spent waiting for hvsim (the attach and every
 * request): time a real hypervisor would not take, which the boot's
 * figure under the bridge leaves out. */
uint64_t hv_bridge_waited_ticks(void);

void bridge_cpuid(uint32_t leaf, uint32_t regs[4]);
bool bridge_rdmsr(uint32_t msr, uint64_t *value);
bool bridge_wrmsr(uint32_t msr, uint64_t value);
uint64_t bridge_rdtsc(void);
uint64_t bridge_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa);
uint64_t bridge_hypercall_fast(uint64_t control, uint64_t rdx, uint64_t r8);

/* hv_cpu_metal.c: runs the handler hv_cpu_set_vector_handler named. */
void hv_cpu_run_vector_handler(uint8_t vector);

#endif
