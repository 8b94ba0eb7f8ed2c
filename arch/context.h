/* Thread stacks and the switch between them: what lib/thread.c needs of
 * the machine beyond arch/platform.h. The switch is x86-64 SysV assembly
 * (arch/x86_64/context.S) that the image and the hosted tests both
 * assemble; stacks come from each backend (lib/stack.c in the
 * image: pages with an unmapped guard page below; tests/hosted/hosted.c:
 * mmap with a PROT_NONE guard page). */
#ifndef HVRT_ARCH_CONTEXT_H
#define HVRT_ARCH_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

/* A thread's stack: [low, high), with a guard page right below low. The
 * backend keeps a list of them so a fault report can say whose stack an
 * address (or a guard-page hit) belongs to. */
struct arch_stack {
    uintptr_t low, high;
    const char *name;          /* the thread's name, for fault reports */
    struct arch_stack *next;   /* the backend's list */
};

/* Allocates bytes (rounded up to pages) of stack below a guard page and
 * registers it under name. 0, or -1 when out of memory. */
int arch_stack_alloc(struct arch_stack *s, size_t bytes, const char *name);
/* Unregisters and frees a stack nobody runs on any more. */
void arch_stack_free(struct arch_stack *s);

/* Lays out a fresh stack so that the first arch_context_switch to the
 * returned stack pointer calls entry(arg) (interrupts as the switcher had
 * them; entry must never return). top is the stack's high end. */
void *arch_context_init(uintptr_t top, void (*entry)(void *arg), void *arg);

/* Saves the callee-saved registers, the x87 control word and MXCSR on the
 * current stack, stores the stack pointer in *save_sp, then resumes the
 * context whose stack pointer is next_sp. Returns when something switches
 * back to *save_sp. */
void arch_context_switch(void **save_sp, void *next_sp);

#endif
