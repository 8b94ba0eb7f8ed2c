/* The runtime's page tables: RAM identity-mapped (virtual == physical), the
 * image's code read-only and executable, everything else not executable,
 * page 0 and each stack's guard page unmapped; plus mappings made later at
 * other addresses (the heap). */
#ifndef HVRT_ARCH_PAGING_H
#define HVRT_ARCH_PAGING_H

#include <stdint.h>
#include "boot/boot_info.h"

enum {
    MAP_WRITE    = 1 << 0,
    MAP_EXEC     = 1 << 1,
    MAP_UNCACHED = 1 << 2,
};

/* alloc_page: one physical page (0 when there is none), for page tables
 * from now on: the runtime's page allocator. */
void paging_init(const struct boot_info *bi, uint64_t (*alloc_page)(void));

/* One 4 KiB page; splits a large page when needed. 0, or -1 when out of
 * memory for page tables. */
int paging_map(uint64_t va, uint64_t pa, unsigned flags);
void paging_unmap(uint64_t va);

/* The physical address behind va, or -1 when unmapped. */
uint64_t paging_translate(uint64_t va);

#endif
