/* Our own GDT and TSS: a 64-bit code and data segment, and a TSS whose
 * interrupt stack table gives exceptions a known-good stack, so that even a
 * stack overflow into the guard page can still be reported. The stacks
 * themselves are stack.c's. */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/trap.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

enum { SEL_CODE = 0x08, SEL_DATA = 0x10, SEL_TSS = 0x18 };

static struct tss tss;
static uint64_t gdt[5];

void gdt_load(const struct gdt_pointer *p, uint16_t code, uint16_t data, uint16_t tss_sel);

void gdt_set_fault_stack(uint64_t top)
{
    tss.ist[0] = top;   /* IST1: the CPU reads it at each exception */
}

void gdt_init(void)
{
    memset(&tss, 0, sizeof(tss));
    tss.ist[0] = runtime_stacks[0].high;   /* the boot stack's upper half, until runtime_stacks_init */
    tss.iomap_base = sizeof(tss);                                      /* no I/O bitmap */

    uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffull;  /* code: present, ring 0, long mode */
    gdt[2] = 0x00cf92000000ffffull;  /* data: present, ring 0, writable */
    gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[4] = base >> 32;

    struct gdt_pointer p = { sizeof(gdt) - 1, (uint64_t)gdt };
    gdt_load(&p, SEL_CODE, SEL_DATA, SEL_TSS);
}
