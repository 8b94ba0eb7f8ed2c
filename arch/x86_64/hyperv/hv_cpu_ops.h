/* The EFI image's two backends of hv_cpu.h as tables of operations: the
 * real instructions (hv_cpu_metal.c) and the bridge to an hvsim process
 * (hv_cpu_bridge.c). One is chosen once, before the Hyper-V layer starts:
 * metal from boot, bridged when hv_bridge_attach succeeds. The hosted tests
 * implement hv_cpu.h directly and need none of this. */
#ifndef HVRT_HV_CPU_OPS_H
#define HVRT_HV_CPU_OPS_H

#include <stdbool.h>
#include <stdint.h>

struct hv_cpu_ops {
    const char *name;
    void (*cpuid)(uint32_t leaf, uint32_t regs[4]);
    bool (*rdmsr)(uint32_t msr, uint64_t *value);
    bool (*wrmsr)(uint32_t msr, uint64_t value);
    uint64_t (*rdtsc)(void);
    void (*set_hypercall_page)(void *va);
    uint64_t (*hypercall)(uint64_t control, uint64_t input_gpa, uint64_t output_gpa);
    uint64_t (*hypercall_fast)(uint64_t control, uint64_t rdx, uint64_t r8);
};

extern const struct hv_cpu_ops hv_cpu_metal_ops;    /* hv_cpu_metal.c */
extern const struct hv_cpu_ops hv_cpu_bridge_ops;   /* hv_cpu_bridge.c */

/* Makes ops the backend of every hv_cpu.h call from now on. */
void hv_cpu_use(const struct hv_cpu_ops *ops);

#endif
