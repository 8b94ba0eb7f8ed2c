/* A new thread's first stack frame, in the shape arch_context_switch
 * (context.S) pops: x87 control word and MXCSR at their reset values,
 * r15..rbx, rbp = 0 (backtraces stop there), then arch_context_start as the
 * return address, which calls entry(arg) from r12 and r13. */
#include "arch/context.h"

extern char arch_context_start[];

void *arch_context_init(uintptr_t top, void (*entry)(void *arg), void *arg)
{
    uint64_t *x = (uint64_t *)((top & ~(uintptr_t)15) - 16);   /* 16-aligned after the ret */
    x[0] = x[1] = 0;               /* a null return address above: the end of the chain */
    x[-1] = (uint64_t)(uintptr_t)arch_context_start;
    x[-2] = 0;                     /* rbp */
    x[-3] = 0;                     /* rbx */
    x[-4] = (uint64_t)(uintptr_t)entry;   /* r12 */
    x[-5] = (uint64_t)(uintptr_t)arg;     /* r13 */
    x[-6] = 0;                     /* r14 */
    x[-7] = 0;                     /* r15 */
    x[-8] = 0x1f80;                /* MXCSR: all exceptions masked, round to nearest */
    x[-9] = 0x037f;                /* x87 control word: likewise */
    return &x[-9];
}
