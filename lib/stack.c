/* Stacks in the image: physical pages from the page allocator
 * (identity-mapped), the lowest one unmapped as a guard, so an overflow
 * faults (fault.c names the stack) instead of corrupting what lies below.
 * The threads' are kept in a list for the fault report; the runtime's own
 * (main and fault) in runtime_stacks, beside the boot stack.
 *
 * Only the boot stack is static (.bss): the runtime needs one before it has
 * a page allocator. Everything static counts in the image's SizeOfImage,
 * which OVMF must find room for in a small VM before the runtime starts
 * (docs/boot.md), so the 256 KiB main stack and the 32 KiB fault stack come
 * from pages as soon as there are pages. */
#include "arch/context.h"
#include "arch/platform.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "lib/memory.h"
#include "lib/runtime.h"

#define PAGE 4096u
#define BOOT_STACK_SIZE  (16 * 1024)
#define MAIN_STACK_SIZE  (256 * 1024)
#define FAULT_STACK_SIZE (32 * 1024)

struct guarded_boot_stack { uint8_t guard[PAGE]; uint8_t stack[BOOT_STACK_SIZE]; };
__attribute__((aligned(4096), section(".bss.stacks"))) struct guarded_boot_stack boot_stack_area;
_Static_assert(BOOT_STACK_SIZE == 16384, "entry.S starts the boot at guard + 8 KiB");

/* paging.c unmaps the guard page of each entry present when it runs. */
struct stack_range runtime_stacks[3] = {
    { (uint64_t)boot_stack_area.stack, (uint64_t)boot_stack_area.stack + BOOT_STACK_SIZE, "boot" },
};
unsigned runtime_stack_count = 1;

static uint64_t guarded_pages(uint64_t bytes, const char *name)
{
    uint64_t pages = bytes / PAGE + 1;
    uint64_t base = pages_alloc(pages);
    if (base == 0)
        runtime_panic("out of memory for the runtime's stacks");
    paging_unmap(base);   /* the guard page */
    runtime_stacks[runtime_stack_count++] = (struct stack_range){ base + PAGE, base + pages * PAGE, name };
    return base + pages * PAGE;
}

uint64_t runtime_stacks_init(void)
{
    gdt_set_fault_stack(guarded_pages(FAULT_STACK_SIZE, "fault"));
    return guarded_pages(MAIN_STACK_SIZE, "main");
}

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
