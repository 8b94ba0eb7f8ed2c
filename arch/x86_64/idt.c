/* The interrupt descriptor table: every one of the 256 vectors has a stub
 * (entry.S); exceptions end in the runtime's report (trap_set_fatal_handlers),
 * device vectors in the handler
 * installed with irq_set_handler, then in the interrupt-exit hook
 * (platform_on_interrupt_exit), where the scheduler may switch threads. */
#include <stdint.h>

#include "arch/x86_64/trap.h"
#include "arch/x86_64/lapic.h"
#include "arch/console.h"
#include "arch/platform.h"

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entries are 16 bytes");

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

extern char isr_stubs_start[];   /* entry.S: stubs are 16 bytes apart */

static struct idt_entry idt[256];
static struct { irq_handler_fn fn; void *arg; } handlers[256];

enum { GATE_INTERRUPT = 0x8e, SEL_CODE = 0x08, IST_FAULT = 1 };

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t addr = (uint64_t)(isr_stubs_start + 16 * v);
        idt[v] = (struct idt_entry){
            .offset_low = addr & 0xffff,
            .selector = SEL_CODE,
            /* Exceptions run on the fault stack, so a blown main stack can
             * still be reported; device interrupts stay on the current one. */
            .ist = v < 32 ? IST_FAULT : 0,
            .type_attr = GATE_INTERRUPT,
            .offset_mid = (addr >> 16) & 0xffff,
            .offset_high = addr >> 32,
        };
    }
    struct idt_pointer p = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

void irq_set_handler(uint8_t vector, irq_handler_fn fn, void *arg)
{
    if (vector < 32)
        return;
    handlers[vector].arg = arg;
    handlers[vector].fn = fn;
}

void irq_run_handler(uint8_t vector)
{
    if (handlers[vector].fn != NULL)
        handlers[vector].fn(handlers[vector].arg);
    else
        kprintf("hvrt: unexpected interrupt, vector %u\n", vector);
}

static void (*on_exception)(const struct trap_frame *frame);
static void (*on_panic)(const char *msg);

void trap_set_fatal_handlers(void (*exception_fn)(const struct trap_frame *), void (*panic_fn)(const char *))
{
    on_exception = exception_fn;
    on_panic = panic_fn;
}

static __attribute__((noreturn)) void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void fatal_exception(const struct trap_frame *frame)
{
    if (on_exception != NULL)
        on_exception(frame);   /* does not return */
    kprintf("\nhvrt: CPU exception %lu at 0x%lx before the runtime could report it\n",
            (unsigned long)frame->vector, (unsigned long)frame->rip);
    halt_forever();
}

void trap_panic(const char *msg)
{
    if (on_panic != NULL)
        on_panic(msg);   /* does not return */
    kprintf("\nhvrt: panic before the runtime could report it: %s\n", msg);
    halt_forever();
}

extern const struct fault_fixup __hvrt_fixups_start[], __hvrt_fixups_end[];

static int apply_fixup(struct trap_frame *frame)
{
    for (const struct fault_fixup *f = __hvrt_fixups_start; f < __hvrt_fixups_end; f++) {
        if ((uint64_t)((const char *)&f->insn + f->insn) == frame->rip) {
            frame->rip = (uint64_t)((const char *)&f->landing + f->landing);
            return 1;
        }
    }
    return 0;
}

static void (*exit_hook)(void);
static unsigned handler_depth;

void platform_on_interrupt_exit(void (*fn)(void)) { exit_hook = fn; }
bool platform_in_interrupt(void) { return handler_depth != 0; }

void trap_dispatch(struct trap_frame *frame)
{
    uint64_t v = frame->vector;
    if ((v == 13 || v == 6) && apply_fixup(frame))
        return;
    if (v < 32)
        fatal_exception(frame);
    if (v == VECTOR_SPURIOUS)
        return;   /* no EOI for the spurious vector */
    handler_depth++;
    irq_run_handler((uint8_t)v);
    handler_depth--;
    lapic_eoi();
    /* The interrupt is acknowledged: on the way back to code that had
     * interrupts on, the scheduler may switch to the dispatch thread
     * (lib/thread.c); this thread resumes here later and returns. */
    if ((frame->rflags & (1u << 9)) && exit_hook != NULL)
        exit_hook();
}
