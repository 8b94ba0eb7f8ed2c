/* The runtime's memory: physical pages for everyone (page tables, stacks,
 * later VMBus rings) and the heap that newlib's malloc grows through sbrk. */
#ifndef HVRT_LIB_MEMORY_H
#define HVRT_LIB_MEMORY_H

#include <stdint.h>
#include <stddef.h>
#include "boot/boot_info.h"

void memory_init(const struct boot_info *bi);

uint64_t pages_alloc(uint64_t count);               /* physical address, 0 if none */
void pages_free(uint64_t phys, uint64_t count);     /* panics on a bad free */

uint64_t memory_usable_bytes(void);
uint64_t memory_free_bytes(void);

/* The heap lives above the identity map at HEAP_BASE and is backed page by
 * page, so it needs no contiguous physical memory. */
#define HEAP_BASE  0x0000400000000000ull
#define HEAP_LIMIT 0x0000500000000000ull
void *heap_grow(intptr_t increment);                /* sbrk semantics; (void *)-1 on failure */
uint64_t heap_bytes(void);

#endif
