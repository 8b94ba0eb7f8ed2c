/* The physical page allocator: one bit per 4 KiB page between the lowest
 * and highest usable address the firmware reported. Pure code: it never
 * touches the pages it hands out, so the host tests run it on made-up maps. */
#ifndef HVRT_LIB_PAGE_ALLOC_H
#define HVRT_LIB_PAGE_ALLOC_H

#include <stdint.h>
#include "boot/boot_info.h"

#define PAGE_SIZE 4096u
#define PAGE_ALLOC_LOWEST 0x100000u   /* leave the first MiB to legacy uses */

struct page_allocator {
    uint64_t base;        /* physical address of bit 0 */
    uint64_t pages;       /* pages the bitmap covers */
    uint64_t *bitmap;     /* 1 = in use or not RAM */
    uint64_t free_pages;
    uint64_t usable_pages;
    uint64_t hint;        /* where the next search starts */
};

/* How many 64-bit words the bitmap needs for these regions. */
uint64_t page_alloc_bitmap_words(const struct mem_region *regions, uint32_t count);

/* Marks usable pages free. bitmap must hold page_alloc_bitmap_words() words. */
void page_alloc_init(struct page_allocator *a, const struct mem_region *regions, uint32_t count,
                     uint64_t *bitmap);

/* Allocates count contiguous pages; returns the physical address, 0 if none. */
uint64_t page_alloc(struct page_allocator *a, uint64_t count);

/* Returns pages; -1 (and nothing changes) if any of them was not allocated. */
int page_free(struct page_allocator *a, uint64_t phys, uint64_t count);

/* Takes specific free pages out of use (the bitmap's own storage); -1 if
 * any of them is not free. */
int page_reserve(struct page_allocator *a, uint64_t phys, uint64_t count);

#endif
