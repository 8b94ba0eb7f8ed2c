/* Thread stacks in the image: physical pages from the page allocator
 * (identity-mapped), the lowest one unmapped as a guard, so an overflow
 * faults (fault.c names the thread) instead of corrupting what lies below.
 * Kept in a list for the fault report. */
#include "arch/context.h"
#include "arch/platform.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "lib/memory.h"

#define PAGE 4096u

static struct arch_stack *stacks;

int arch_stack_alloc(struct arch_stack *s, size_t bytes, const char *name)
{
    uint64_t pages = (bytes + PAGE - 1) / PAGE + 1;
    uint64_t base = pages_alloc(pages);
    if (base == 0)
        return -1;
    paging_unmap(base);   /* the guard page */
    s->low = base + PAGE;
    s->high = base + pages * PAGE;
    s->name = name;
    platform_irq_state st = platform_irq_save();
    s->next = stacks;
    stacks = s;
    platform_irq_restore(st);
    return 0;
}

void arch_stack_free(struct arch_stack *s)
{
    if (s->low == 0)
        return;
    platform_irq_state st = platform_irq_save();
    for (struct arch_stack **p = &stacks; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    platform_irq_restore(st);
    uint64_t base = s->low - PAGE;
    paging_map(base, base, MAP_WRITE);   /* back to the identity map before reuse */
    pages_free(base, (s->high - base) / PAGE);
    s->low = s->high = 0;
}

const struct arch_stack *thread_stack_at(uint64_t addr, int guard)
{
    for (const struct arch_stack *s = stacks; s != NULL; s = s->next) {
        if (guard ? (addr >= s->low - PAGE && addr < s->low) : (addr >= s->low && addr < s->high))
            return s;
    }
    return NULL;
}
