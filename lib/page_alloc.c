#include "lib/page_alloc.h"

#include <string.h>

static int bit_get(const struct page_allocator *a, uint64_t i) { return (a->bitmap[i / 64] >> (i % 64)) & 1; }
static void bit_set(struct page_allocator *a, uint64_t i) { a->bitmap[i / 64] |= 1ull << (i % 64); }
static void bit_clear(struct page_allocator *a, uint64_t i) { a->bitmap[i / 64] &= ~(1ull << (i % 64)); }

/* The usable part of a region: at or above PAGE_ALLOC_LOWEST. */
static int usable_span(const struct mem_region *r, uint64_t *start, uint64_t *end)
{
    if (r->kind != MEM_USABLE || r->pages == 0)
        return 0;
    *start = r->base < PAGE_ALLOC_LOWEST ? PAGE_ALLOC_LOWEST : r->base;
    *end = r->base + r->pages * PAGE_SIZE;
    return *start < *end;
}

static void covered_range(const struct mem_region *regions, uint32_t count, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t s, e;
        if (!usable_span(&regions[i], &s, &e))
            continue;
        if (s < *lo)
            *lo = s;
        if (e > *hi)
            *hi = e;
    }
    if (*hi == 0)
        *lo = 0;
}

uint64_t page_alloc_bitmap_words(const struct mem_region *regions, uint32_t count)
{
    uint64_t lo, hi;
    covered_range(regions, count, &lo, &hi);
    return ((hi - lo) / PAGE_SIZE + 63) / 64;
}

void page_alloc_init(struct page_allocator *a, const struct mem_region *regions, uint32_t count,
                     uint64_t *bitmap)
{
    uint64_t lo, hi;
    covered_range(regions, count, &lo, &hi);
    a->base = lo;
    a->pages = (hi - lo) / PAGE_SIZE;
    a->bitmap = bitmap;
    a->free_pages = 0;
    a->hint = 0;
    memset(bitmap, 0xff, ((a->pages + 63) / 64) * sizeof(uint64_t));
    for (uint32_t i = 0; i < count; i++) {
        uint64_t s, e;
        if (!usable_span(&regions[i], &s, &e))
            continue;
        uint64_t p = (s - lo) / PAGE_SIZE, end = (e - lo) / PAGE_SIZE;
        while (p < end) {
            if (p % 64 == 0 && end - p >= 64) {   /* a whole word at once: boot time matters */
                a->free_pages += (uint64_t)__builtin_popcountll(a->bitmap[p / 64]);
                a->bitmap[p / 64] = 0;
                p += 64;
                continue;
            }
            if (bit_get(a, p)) {   /* overlapping regions count once */
                bit_clear(a, p);
                a->free_pages++;
            }
            p++;
        }
    }
    a->usable_pages = a->free_pages;
}

/* First fit from the hint, wrapping once: allocations cluster and a search
 * rarely rescans what was just handed out. */
uint64_t page_alloc(struct page_allocator *a, uint64_t count)
{
    if (count == 0 || count > a->free_pages)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t start = pass == 0 ? a->hint : 0;
        uint64_t stop = pass == 0 ? a->pages : a->hint + count;
        if (stop > a->pages)
            stop = a->pages;
        uint64_t run = 0;
        for (uint64_t p = start; p < stop; p++) {
            if (run == 0 && (p % 64) == 0 && a->bitmap[p / 64] == UINT64_MAX) {
                p += 63;   /* a whole word in use: skip it */
                continue;
            }
            if (bit_get(a, p)) {
                run = 0;
                continue;
            }
            if (++run == count) {
                uint64_t first = p + 1 - count;
                for (uint64_t q = first; q <= p; q++)
                    bit_set(a, q);
                a->free_pages -= count;
                a->hint = p + 1 < a->pages ? p + 1 : 0;
                return a->base + first * PAGE_SIZE;
            }
        }
    }
    return 0;
}

static int page_index(const struct page_allocator *a, uint64_t phys, uint64_t count, uint64_t *first)
{
    if (phys < a->base || (phys % PAGE_SIZE) != 0 || count == 0)
        return -1;
    *first = (phys - a->base) / PAGE_SIZE;
    if (*first >= a->pages || count > a->pages - *first)
        return -1;
    return 0;
}

int page_free(struct page_allocator *a, uint64_t phys, uint64_t count)
{
    uint64_t first;
    if (page_index(a, phys, count, &first) != 0)
        return -1;
    for (uint64_t q = first; q < first + count; q++)
        if (!bit_get(a, q))
            return -1;   /* double free, or never allocated */
    for (uint64_t q = first; q < first + count; q++)
        bit_clear(a, q);
    a->free_pages += count;
    if (first < a->hint)
        a->hint = first;
    return 0;
}

int page_reserve(struct page_allocator *a, uint64_t phys, uint64_t count)
{
    uint64_t first;
    if (page_index(a, phys, count, &first) != 0)
        return -1;
    for (uint64_t q = first; q < first + count; q++)
        if (bit_get(a, q))
            return -1;
    for (uint64_t q = first; q < first + count; q++)
        bit_set(a, q);
    a->free_pages -= count;
    return 0;
}
