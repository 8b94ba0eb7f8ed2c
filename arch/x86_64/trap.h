/* Interrupts and exceptions: the frame every entry stub builds, and the
 * table through which a vector reaches its handler. */
#ifndef HVRT_ARCH_TRAP_H
#define HVRT_ARCH_TRAP_H

#include <stdint.h>

#include "arch/context.h"

/* Laid out by isr_common in entry.S, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame must match entry.S");

typedef void (*irq_handler_fn)(void *arg);

/* Vectors the runtime uses for device interrupts (exceptions are 0-31). */
enum {
    VECTOR_TIMER    = 0x40,
    VECTOR_BRIDGE   = 0x60,   /* COM2: hvsim's interrupts on the bridged platform */
    VECTOR_SPURIOUS = 0xff,
};

/* The GDT and TSS; exceptions switch to the top of the boot stack (IST1)
 * until gdt_set_fault_stack moves them to the real fault stack. */
void gdt_init(void);
void gdt_set_fault_stack(uint64_t top);
void idt_init(void);

/* Makes fn(arg) the handler of a vector >= 32, in the one table every
 * device interrupt goes through, however it arrives; one handler per
 * vector. trap_dispatch sends the LAPIC's EOI after it. */
void irq_set_handler(uint8_t vector, irq_handler_fn fn, void *arg);
/* Runs the vector's handler now, as its interrupt would: for interrupts
 * that arrive another way (hvsim's, as bytes on COM2 when bridged). */
void irq_run_handler(uint8_t vector);

/* Called from entry.S for every vector. */
void trap_dispatch(struct trap_frame *frame);

/* An instruction that may fault on purpose (rdmsr of an MSR the host may
 * lack): FAULT_FIXUP("1b", "3f") inside its asm lists it, and a #GP or #UD
 * there resumes at the landing label instead of ending the run. Entries
 * hold offsets relative to themselves, so they need no relocation. */
struct fault_fixup { int32_t insn, landing; };
#define FAULT_FIXUP(insn, landing)                                          \
    ".pushsection hvrt_fixups, \"a\"\n"                                      \
    ".balign 4\n"                                                            \
    ".long " insn " - .\n"                                                   \
    ".long " landing " - .\n"                                                \
    ".popsection\n"

/* What the machine cannot handle by itself goes to the runtime, which sets
 * both once at start-up (lib/start.c): an exception no fixup covers (the
 * report, lib/fault.c), and a panic of the machine layer (no memory for
 * page tables, hvsim gone). Until then both print what they can and halt. */
void trap_set_fatal_handlers(void (*on_exception)(const struct trap_frame *frame),
                             void (*on_panic)(const char *msg));
__attribute__((noreturn)) void trap_panic(const char *msg);

/* Where the runtime's stacks are, for backtraces and guard-page checks:
 * its own (boot, main, fault) and the threads' (both in lib/stack.c). */
struct stack_range { uint64_t low, high; const char *name; };
extern struct stack_range runtime_stacks[];
extern unsigned runtime_stack_count;

/* runtime_stacks[0] is the boot stack (in the image): the boot runs on its
 * lower half (entry.S), an exception meanwhile on its upper half. */
/* Once pages and page tables exist: allocates the main stack and the fault
 * stack (IST1), each over an unmapped guard page, and returns the main
 * stack's top to switch to. Panics when out of memory. */
uint64_t runtime_stacks_init(void);
/* The thread stack holding addr (guard: or whose guard page holds it). */
const struct arch_stack *thread_stack_at(uint64_t addr, int guard);

#endif
