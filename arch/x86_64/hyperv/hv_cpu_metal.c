/* hv_cpu.h on the real instructions, for the EFI image. An MSR the host
 * does not have raises #GP; the access is listed in the fault-fixup table
 * (trap.h), so the #GP handler resumes at a landing that reports failure.
 * On the bridged platform (--hvsim under TCG) the instructions go to hvsim
 * instead (hv_cpu_bridge.c); everything else stays the same. */
#include <stddef.h>

#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_bridge.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"

/* The hypervisor's CPUID range: what hvsim answers when bridged. */
static bool hypervisor_leaf(uint32_t leaf)
{
    return leaf >= HV_CPUID_MAX_LEAF_AND_VENDOR && leaf - HV_CPUID_MAX_LEAF_AND_VENDOR < 0x100;
}

void hv_cpu_cpuid(uint32_t leaf, uint32_t regs[4])
{
    if (hv_bridge_active() && hypervisor_leaf(leaf)) {
        bridge_cpuid(leaf, regs);
        return;
    }
    struct cpuid_regs r = cpuid(leaf, 0);
    if (hv_bridge_active() && leaf == 1)
        r.ecx |= 1u << 31;   /* "a hypervisor is present": hvsim is */
    regs[0] = r.eax;
    regs[1] = r.ebx;
    regs[2] = r.ecx;
    regs[3] = r.edx;
}

bool hv_cpu_rdmsr(uint32_t msr, uint64_t *value)
{
    if (hv_bridge_active())
        return bridge_rdmsr(msr, value);
    uint32_t lo = 0, hi = 0, faulted = 0;
    __asm__ volatile("1: rdmsr\n"
                     "2:\n"
                     FAULT_FIXUP("1b", "3f")
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: movl $1, %2\n"
                     "   jmp 2b\n"
                     ".popsection\n"
                     : "=a"(lo), "=d"(hi), "+r"(faulted)
                     : "c"(msr));
    *value = ((uint64_t)hi << 32) | lo;
    return !faulted;
}

bool hv_cpu_wrmsr(uint32_t msr, uint64_t value)
{
    if (hv_bridge_active())
        return bridge_wrmsr(msr, value);
    uint32_t faulted = 0;
    __asm__ volatile("1: wrmsr\n"
                     "2:\n"
                     FAULT_FIXUP("1b", "3f")
                     ".pushsection .text.fixup, \"ax\"\n"
                     "3: movl $1, %0\n"
                     "   jmp 2b\n"
                     ".popsection\n"
                     : "+r"(faulted)
                     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
    return !faulted;
}

/* Bridged, the reference TSC page's scale is for hvsim's TSC, not QEMU's. */
uint64_t hv_cpu_rdtsc(void) { return hv_bridge_active() ? bridge_rdtsc() : rdtsc(); }

static void *hypercall_page;

void hv_cpu_set_hypercall_page(void *va)
{
    if (hv_bridge_active())
        return;   /* hvsim takes hypercalls through the mailbox */
    if (va != NULL && paging_map((uint64_t)va, paging_translate((uint64_t)va), MAP_EXEC) != 0)
        va = NULL;   /* cannot make it executable: no hypercalls */
    hypercall_page = va;
}

#define HV_STATUS_NO_HYPERCALL_PAGE 0x0002   /* as an unknown call would answer */

uint64_t hv_cpu_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa)
{
    if (hv_bridge_active())
        return bridge_hypercall(control, input_gpa, output_gpa);
    if (hypercall_page == NULL)
        return HV_STATUS_NO_HYPERCALL_PAGE;
    uint64_t result;
    register uint64_t r8 __asm__("r8") = output_gpa;
    __asm__ volatile("call *%[page]"
                     : "=a"(result), "+c"(control), "+d"(input_gpa), "+r"(r8)
                     : [page] "m"(hypercall_page)
                     : "r9", "r10", "r11", "memory", "cc");
    return result;
}

uint64_t hv_cpu_hypercall_fast(uint64_t control, uint64_t rdx, uint64_t r8_value)
{
    if (hv_bridge_active())
        return bridge_hypercall_fast(control, rdx, r8_value);
    return hv_cpu_hypercall(control, rdx, r8_value);   /* same registers; the Fast bit tells them apart */
}

static void (*vector_handlers[256])(uint8_t vector);

void hv_cpu_run_vector_handler(uint8_t vector)
{
    if (vector_handlers[vector] != NULL)
        vector_handlers[vector](vector);
}

static void dispatch(struct trap_frame *frame, void *arg)
{
    (void)arg;
    hv_cpu_run_vector_handler((uint8_t)frame->vector);
}

void hv_cpu_set_vector_handler(uint8_t vector, void (*fn)(uint8_t vector))
{
    vector_handlers[vector] = fn;
    irq_set_handler(vector, dispatch, 0);   /* trap_dispatch sends the EOI */
}
