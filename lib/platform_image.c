/* The runtime's half of arch/platform.h for the EFI image (the Hyper-V half
 * is arch/x86_64/hyperv/): memory from the page allocator (identity-mapped,
 * so a GPA is its own address), interrupts through RFLAGS.IF and hlt, time
 * and shutdown hooks from the runtime. */
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "lib/memory.h"
#include "lib/runtime.h"
#include "lib/time.h"

void *platform_pages_alloc(size_t count, uint64_t *gpa)
{
    uint64_t pa = pages_alloc(count);
    if (pa == 0)
        return NULL;
    memset((void *)pa, 0, count * 4096);
    *gpa = pa;
    return (void *)pa;
}

void platform_pages_free(void *va, size_t count)
{
    pages_free((uint64_t)va, count);
}

uint64_t platform_va_to_gpa(const void *va)
{
    return paging_translate((uint64_t)va);   /* heap addresses are not identity-mapped */
}

void *platform_gpa_to_va(uint64_t gpa)
{
    return (void *)gpa;
}

platform_irq_state platform_irq_save(void)
{
    platform_irq_state was = (platform_irq_state)irq_enabled();
    irq_disable();
    return was;
}

void platform_irq_restore(platform_irq_state state)
{
    if (state)
        irq_enable();
}

bool platform_irq_enabled(void) { return irq_enabled() != 0; }

void platform_wait_until(uint64_t deadline_ns)
{
    time_wait_until(deadline_ns);
}

uint64_t platform_time_ns(void) { return time_ns(); }

void platform_delay_ns(uint64_t ns)
{
    uint64_t until = time_ns() + ns;
    while (time_ns() < until)
        cpu_relax();
}

void platform_at_shutdown(void (*fn)(void)) { runtime_add_shutdown_hook(fn); }

void platform_at_idle(void (*fn)(void)) { time_set_idle_hook(fn); }
