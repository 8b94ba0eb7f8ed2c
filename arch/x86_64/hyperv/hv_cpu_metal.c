/* hv_cpu.h in the EFI image: every call goes through the table of
 * operations in use (hv_cpu_ops.h), chosen once; this file also holds the
 * metal table, on the real instructions. An MSR the host does not have
 * raises #GP; the access is listed in the fault-fixup table (trap.h), so
 * the #GP handler resumes at a landing that reports failure. */
#include <stddef.h>

#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/x86_64/hyperv/hv_cpu_ops.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"

static void metal_cpuid(uint32_t leaf, uint32_t regs[4])
{
    struct cpuid_regs r = cpuid(leaf, 0);
    regs[0] = r.eax;
    regs[1] = r.ebx;
    regs[2] = r.ecx;
    regs[3] = r.edx;
}

static bool metal_rdmsr(uint32_t msr, uint64_t *value)
{
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

static bool metal_wrmsr(uint32_t msr, uint64_t value)
{
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

static void *hypercall_page;

static void metal_set_hypercall_page(void *va)
{
    if (va != NULL && paging_map((uint64_t)va, paging_translate((uint64_t)va), MAP_EXEC) != 0)
        va = NULL;   /* cannot make it executable: no hypercalls */
    hypercall_page = va;
}

#define HV_STATUS_NO_HYPERCALL_PAGE 0x0002   /* as an unknown call would answer */

/* A fast call uses the same registers; the Fast bit in control tells them apart. */
static uint64_t metal_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa)
{
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

const struct hv_cpu_ops hv_cpu_metal_ops = {
    .name = "metal",
    .cpuid = metal_cpuid,
    .rdmsr = metal_rdmsr,
    .wrmsr = metal_wrmsr,
    .rdtsc = rdtsc,
    .set_hypercall_page = metal_set_hypercall_page,
    .hypercall = metal_hypercall,
    .hypercall_fast = metal_hypercall,
};

static const struct hv_cpu_ops *ops = &hv_cpu_metal_ops;

void hv_cpu_use(const struct hv_cpu_ops *backend) { ops = backend; }

void hv_cpu_cpuid(uint32_t leaf, uint32_t regs[4]) { ops->cpuid(leaf, regs); }
bool hv_cpu_rdmsr(uint32_t msr, uint64_t *value) { return ops->rdmsr(msr, value); }
bool hv_cpu_wrmsr(uint32_t msr, uint64_t value) { return ops->wrmsr(msr, value); }
uint64_t hv_cpu_rdtsc(void) { return ops->rdtsc(); }
void hv_cpu_set_hypercall_page(void *va) { ops->set_hypercall_page(va); }

uint64_t hv_cpu_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa)
{
    return ops->hypercall(control, input_gpa, output_gpa);
}

uint64_t hv_cpu_hypercall_fast(uint64_t control, uint64_t rdx, uint64_t r8)
{
    return ops->hypercall_fast(control, rdx, r8);
}

void hv_cpu_set_vector_handler(uint8_t vector, void (*fn)(void *arg), void *arg)
{
    irq_set_handler(vector, fn, arg);   /* trap_dispatch sends the EOI */
}
