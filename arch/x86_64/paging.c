#include "arch/x86_64/paging.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

#include <string.h>

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITE    (1ull << 1)
#define PTE_PCD      (1ull << 4)
#define PTE_LARGE    (1ull << 7)
#define PTE_NX       (1ull << 63)
#define PTE_ADDR     0x000ffffffffff000ull
#define LARGE_ADDR   0x000fffffffe00000ull

#define SIZE_2M (2ull << 20)

/* linker/efi.lds */
extern char __text_start[], __text_end[], __image_end[];

static uint64_t *pml4;
static uint64_t (*page_source)(void);   /* paging_init's alloc_page */

static uint64_t *table_at(uint64_t entry) { return (uint64_t *)(entry & PTE_ADDR); }

static uint64_t *new_table(void)
{
    uint64_t pa = page_source();
    if (pa == 0)
        return NULL;
    memset((void *)pa, 0, 4096);
    return (uint64_t *)pa;
}

static uint64_t pte_flags(unsigned flags)
{
    uint64_t f = PTE_PRESENT;
    if (flags & MAP_WRITE)
        f |= PTE_WRITE;
    if (!(flags & MAP_EXEC))
        f |= PTE_NX;
    if (flags & MAP_UNCACHED)
        f |= PTE_PCD;
    return f;
}

/* Walks to the page-table entry for va, creating tables on the way and
 * splitting a 2 MiB page into 4 KiB ones with the same rights. */
static uint64_t *walk(uint64_t va, int create)
{
    uint64_t *t = pml4;
    for (int level = 3; level >= 1; level--) {
        uint64_t *e = &t[(va >> (12 + 9 * level)) & 511];
        if (!(*e & PTE_PRESENT)) {
            if (!create)
                return NULL;
            uint64_t *n = new_table();
            if (n == NULL)
                return NULL;
            *e = (uint64_t)n | PTE_PRESENT | PTE_WRITE;
        } else if (*e & PTE_LARGE) {
            if (level != 1 || !create)
                return level == 1 ? e : NULL;
            uint64_t *n = new_table();
            if (n == NULL)
                return NULL;
            uint64_t base = *e & LARGE_ADDR, keep = *e & (PTE_WRITE | PTE_PCD | PTE_NX | PTE_PRESENT);
            for (int i = 0; i < 512; i++)
                n[i] = (base + (uint64_t)i * 4096) | keep;
            *e = (uint64_t)n | PTE_PRESENT | PTE_WRITE;
        }
        t = table_at(*e);
    }
    return &t[(va >> 12) & 511];
}

int paging_map(uint64_t va, uint64_t pa, unsigned flags)
{
    uint64_t *e = walk(va, 1);
    if (e == NULL)
        return -1;
    *e = (pa & PTE_ADDR) | pte_flags(flags);
    if (pml4 == (uint64_t *)read_cr3())
        invlpg(va);
    return 0;
}

void paging_unmap(uint64_t va)
{
    uint64_t *e = walk(va, 1);
    if (e == NULL)
        return;
    *e = 0;
    if (pml4 == (uint64_t *)read_cr3())
        invlpg(va);
}

uint64_t paging_translate(uint64_t va)
{
    uint64_t *t = pml4;
    for (int level = 3; level >= 0; level--) {
        uint64_t e = t[(va >> (12 + 9 * level)) & 511];
        if (!(e & PTE_PRESENT))
            return (uint64_t)-1;
        if (level == 1 && (e & PTE_LARGE))
            return (e & LARGE_ADDR) | (va & (SIZE_2M - 1));
        if (level == 0)
            return (e & PTE_ADDR) | (va & 4095);
        t = table_at(e);
    }
    return (uint64_t)-1;
}

static uint64_t highest_address(const struct boot_info *bi)
{
    uint64_t top = 4ull << 30;   /* always cover the 32-bit MMIO hole (LAPIC, IOAPIC) */
    for (uint32_t i = 0; i < bi->region_count; i++) {
        uint64_t end = bi->regions[i].base + bi->regions[i].pages * 4096;
        if (bi->regions[i].kind != MEM_MMIO && end > top)
            top = end;
    }
    return (top + SIZE_2M - 1) & ~(SIZE_2M - 1);
}

void paging_init(const struct boot_info *bi, uint64_t (*alloc_page)(void))
{
    page_source = alloc_page;
    pml4 = new_table();
    if (pml4 == NULL)
        trap_panic("out of memory for page tables");

    /* Everything identity-mapped, writable, not executable, in 2 MiB pages. */
    uint64_t top = highest_address(bi);
    for (uint64_t a = 0; a < top; a += SIZE_2M) {
        uint64_t *pdpt_e = &pml4[(a >> 39) & 511];
        if (!(*pdpt_e & PTE_PRESENT)) {
            uint64_t *n = new_table();
            if (n == NULL)
                trap_panic("out of memory for page tables");
            *pdpt_e = (uint64_t)n | PTE_PRESENT | PTE_WRITE;
        }
        uint64_t *pdpt = table_at(*pdpt_e);
        uint64_t *pd_e = &pdpt[(a >> 30) & 511];
        if (!(*pd_e & PTE_PRESENT)) {
            uint64_t *n = new_table();
            if (n == NULL)
                trap_panic("out of memory for page tables");
            *pd_e = (uint64_t)n | PTE_PRESENT | PTE_WRITE;
        }
        table_at(*pd_e)[(a >> 21) & 511] = a | PTE_PRESENT | PTE_WRITE | PTE_LARGE | PTE_NX;
    }

    /* The image: code read-only and executable, the rest stays data. */
    for (uint64_t a = (uint64_t)__text_start & ~4095ull; a < (uint64_t)__text_end; a += 4096)
        if (paging_map(a, a, MAP_EXEC) != 0)
            trap_panic("out of memory for page tables");

    /* Faults instead of silent corruption: null pointers, stack overflows. */
    paging_unmap(0);
    for (unsigned i = 0; i < runtime_stack_count; i++)
        paging_unmap(runtime_stacks[i].low - 4096);

    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr3((uint64_t)pml4);
    write_cr0(read_cr0() | CR0_WP);   /* read-only applies to ring 0 too */
}
