/* What the user sees when the CPU raises an exception: which one, where,
 * the registers, the faulting address and a backtrace with function names.
 * Then the run ends with HVRT_EXIT_PANIC. Uses nothing that allocates. */
#include <stdint.h>

#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "hvrt/runtime.h"
#include "arch/console.h"
#include "arch/format.h"
#include "lib/symbols.h"
#include "lib/apps.h"
#include "lib/runtime.h"
#include "lib/fault.h"
#include "arch/x86_64/power.h"

extern char ImageBase[];   /* linker/efi.lds: the image's load address */

static const char *const exception_names[32] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)",
    "segment not present (#NP)", "stack fault (#SS)", "general protection (#GP)",
    "page fault (#PF)", "reserved 15", "x87 floating point (#MF)", "alignment check (#AC)",
    "machine check (#MC)", "SIMD floating point (#XM)", "virtualization (#VE)",
    "control protection (#CP)", "reserved 22", "reserved 23", "reserved 24", "reserved 25",
    "reserved 26", "reserved 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
    "security (#SX)", "reserved 31",
};

static int nested;

static void print_location(uint64_t addr)
{
    uint64_t base = (uint64_t)ImageBase, within = 0;
    const char *name = addr >= base ? symbol_lookup(&image_symbols, addr - base, &within) : NULL;
    if (name != NULL)
        kprintf("0x%016lx %s+0x%lx\n", (unsigned long)addr, name, (unsigned long)within);
    else
        kprintf("0x%016lx ?\n", (unsigned long)addr);
}

/* The fixed stacks (gdt.c), then the threads' (stack.c). */
static struct stack_range found;
static int found_thread;   /* the last lookup found a thread's stack */

static const struct stack_range *lookup(uint64_t addr, int guard)
{
    for (unsigned i = 0; i < runtime_stack_count; i++) {
        const struct stack_range *r = &runtime_stacks[i];
        if (guard ? (addr >= r->low - 4096 && addr < r->low) : (addr >= r->low && addr < r->high)) {
            found_thread = 0;
            return r;
        }
    }
    const struct arch_stack *t = thread_stack_at(addr, guard);
    if (t == NULL)
        return NULL;
    found = (struct stack_range){ t->low, t->high, t->name };
    found_thread = 1;
    return &found;
}

static const struct stack_range *stack_of(uint64_t addr) { return lookup(addr, 0); }
static const struct stack_range *guard_of(uint64_t addr) { return lookup(addr, 1); }

/* Follows the saved frame pointers (the runtime is built with them) while
 * they stay inside one known stack and move up it. */
static int in_image_code(uint64_t addr)
{
    uint64_t base = (uint64_t)ImageBase, within;
    return addr >= base && symbol_lookup(&image_symbols, addr - base, &within) != NULL;
}

static void backtrace(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
    kprintf("backtrace:\n  #0  ");
    print_location(rip);
    int depth = 1;
    /* A call to a bad address faults before the callee saves a frame: the
     * return address on top of the stack names the caller. */
    if (!in_image_code(rip) && stack_of(rsp) != NULL && in_image_code(*(const uint64_t *)rsp)) {
        kprintf("  #%-2d ", depth++);
        print_location(*(const uint64_t *)rsp);
    }
    const struct stack_range *stack = stack_of(rbp);
    uint64_t last = 0, repeats = 0;
    /* rbp must rise within one stack each step, so the walk ends. */
    while (stack != NULL) {
        if ((rbp & 7) != 0 || rbp + 16 > stack->high)
            break;
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1], next = frame[0];
        if (ret == 0)
            break;
        if (ret == last) {
            repeats++;   /* deep recursion: one line, not thousands */
        } else {
            if (repeats > 0)
                kprintf("       ... the same frame %lu more times\n", (unsigned long)repeats);
            repeats = 0;
            if (depth == 32) {
                kprintf("       ... (more frames not shown)\n");
                return;
            }
            kprintf("  #%-2d ", depth++);
            print_location(ret);
        }
        last = ret;
        if (next <= rbp)
            break;
        rbp = next;
    }
    if (repeats > 0)
        kprintf("       ... the same frame %lu more times\n", (unsigned long)repeats);
}

void fault_report(const struct trap_frame *f)
{
    if (nested++) {
        kprintf("\nhvrt: fault while reporting a fault (vector %lu at 0x%lx)\n",
                (unsigned long)f->vector, (unsigned long)f->rip);
        runtime_exit_now(HVRT_EXIT_PANIC);
    }
    uint64_t cr2 = read_cr2();
    kprintf("\nhvrt: CPU exception: %s, vector %lu, error code 0x%lx\n",
            exception_names[f->vector & 31], (unsigned long)f->vector, (unsigned long)f->error_code);
    const char *app = apps_current_name();
    kprintf("hvrt: while running %s%s\n", app ? "app " : "the runtime", app ? app : "");
    const struct stack_range *on = stack_of(f->rsp);
    if (on == NULL && f->vector == 14)
        on = guard_of(read_cr2());
    if (on != NULL && found_thread)
        kprintf("hvrt: in thread %s\n", on->name);
    if (f->vector == 14) {
        const struct stack_range *guard = guard_of(cr2);
        kprintf("hvrt: faulting address 0x%016lx (%s, %s%s)\n", (unsigned long)cr2,
                (f->error_code & 1) ? "protection violation" : "page not present",
                (f->error_code & 2) ? "write" : "read",
                (f->error_code & 16) ? ", instruction fetch" : "");
        if (guard != NULL)
            kprintf("hvrt: stack overflow: the %s%s stack ran into its guard page\n",
                    found_thread ? "thread " : "", guard->name);
        else if (cr2 < 4096)
            kprintf("hvrt: null pointer dereference\n");
    }
    kprintf("rip 0x%016lx  rsp 0x%016lx  rflags 0x%08lx  cs 0x%lx\n", (unsigned long)f->rip,
            (unsigned long)f->rsp, (unsigned long)f->rflags, (unsigned long)f->cs);
    kprintf("rax 0x%016lx  rbx 0x%016lx  rcx 0x%016lx  rdx 0x%016lx\n", (unsigned long)f->rax,
            (unsigned long)f->rbx, (unsigned long)f->rcx, (unsigned long)f->rdx);
    kprintf("rsi 0x%016lx  rdi 0x%016lx  rbp 0x%016lx  r8  0x%016lx\n", (unsigned long)f->rsi,
            (unsigned long)f->rdi, (unsigned long)f->rbp, (unsigned long)f->r8);
    kprintf("r9  0x%016lx  r10 0x%016lx  r11 0x%016lx  r12 0x%016lx\n", (unsigned long)f->r9,
            (unsigned long)f->r10, (unsigned long)f->r11, (unsigned long)f->r12);
    kprintf("r13 0x%016lx  r14 0x%016lx  r15 0x%016lx  cr2 0x%016lx\n", (unsigned long)f->r13,
            (unsigned long)f->r14, (unsigned long)f->r15, (unsigned long)cr2);
    kprintf("cr3 0x%016lx  image base 0x%016lx\n", (unsigned long)read_cr3(), (unsigned long)(uint64_t)ImageBase);
    backtrace(f->rip, f->rsp, f->rbp);
    char text[128];
    fmt_snprintf(text, sizeof(text), "hvrt: %s at rip 0x%lx (cr2 0x%lx) in %s",
                 exception_names[f->vector & 31], (unsigned long)f->rip, (unsigned long)cr2,
                 app ? app : "the runtime");
    runtime_report_crash(f->vector, f->rip, f->rsp, text);
    runtime_exit_now(HVRT_EXIT_PANIC);
}

void backtrace_here(void)
{
    const uint64_t *frame = __builtin_frame_address(0);   /* [0]: the caller's rbp */
    backtrace((uint64_t)__builtin_return_address(0), 0, frame[0]);
}
