#include "lib/memory.h"
#include "lib/page_alloc.h"
#include "lib/runtime.h"
#include "arch/x86_64/paging.h"
#include "hvrt/runtime.h"

#include <string.h>

static struct page_allocator allocator;

void memory_init(const struct boot_info *bi)
{
    uint64_t words = page_alloc_bitmap_words(bi->regions, bi->region_count);
    uint64_t bitmap_pages = (words * 8 + PAGE_SIZE - 1) / PAGE_SIZE;

    /* The bitmap lives in the first usable run large enough to hold it. */
    uint64_t where = 0;
    for (uint32_t i = 0; i < bi->region_count && where == 0; i++) {
        const struct mem_region *r = &bi->regions[i];
        uint64_t start = r->base < PAGE_ALLOC_LOWEST ? PAGE_ALLOC_LOWEST : r->base;
        uint64_t end = r->base + r->pages * PAGE_SIZE;
        if (r->kind == MEM_USABLE && start < end && (end - start) / PAGE_SIZE >= bitmap_pages)
            where = start;
    }
    if (where == 0)
        runtime_panic("no usable memory for the page bitmap");
    page_alloc_init(&allocator, bi->regions, bi->region_count, (uint64_t *)where);
    if (page_reserve(&allocator, where, bitmap_pages) != 0)
        runtime_panic("cannot reserve the page bitmap");
}

uint64_t pages_alloc(uint64_t count)
{
    return page_alloc(&allocator, count);
}

void pages_free(uint64_t phys, uint64_t count)
{
    if (page_free(&allocator, phys, count) != 0)
        runtime_panic("bad free of physical pages");
}

uint64_t memory_usable_bytes(void) { return allocator.usable_pages * PAGE_SIZE; }
uint64_t memory_free_bytes(void) { return allocator.free_pages * PAGE_SIZE; }

static uint64_t heap_break = HEAP_BASE;    /* what sbrk reports */
static uint64_t heap_mapped = HEAP_BASE;   /* end of the backed pages */

static void heap_shrink_to(uint64_t end)
{
    while (heap_mapped > end) {
        heap_mapped -= PAGE_SIZE;
        uint64_t pa = paging_translate(heap_mapped);
        paging_unmap(heap_mapped);
        pages_free(pa, 1);
    }
}

void *heap_grow(intptr_t increment)
{
    uint64_t old = heap_break;
    if (increment < 0 && (uint64_t)-increment > heap_break - HEAP_BASE)
        return (void *)-1;
    if (increment > 0 && (uint64_t)increment > HEAP_LIMIT - heap_break)
        return (void *)-1;
    uint64_t want = heap_break + (uint64_t)increment;
    uint64_t want_mapped = (want + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);

    while (heap_mapped < want_mapped) {
        uint64_t pa = pages_alloc(1);
        if (pa == 0 || paging_map(heap_mapped, pa, MAP_WRITE) != 0) {
            if (pa != 0)
                pages_free(pa, 1);
            heap_shrink_to((old + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1));
            return (void *)-1;
        }
        memset((void *)heap_mapped, 0, PAGE_SIZE);
        heap_mapped += PAGE_SIZE;
    }
    heap_shrink_to(want_mapped);
    heap_break = want;
    return (void *)old;
}

uint64_t heap_bytes(void) { return heap_break - HEAP_BASE; }

uint64_t hvrt_memory_bytes(void) { return memory_usable_bytes(); }
uint64_t hvrt_memory_free_bytes(void) { return memory_free_bytes(); }
