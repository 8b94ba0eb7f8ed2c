#include "lib/symbols.h"

#include <stddef.h>

const char *symbol_lookup(const struct symbol_table *t, uint64_t offset, uint64_t *within)
{
    if (t->count == 0 || offset < t->entries[0].offset || offset >= t->text_end)
        return NULL;
    uint32_t lo = 0, hi = t->count;   /* last entry with entry.offset <= offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->entries[mid].offset <= offset)
            lo = mid;
        else
            hi = mid;
    }
    if (t->entries[lo].name_offset >= t->names_size)
        return NULL;
    *within = offset - t->entries[lo].offset;
    return t->names + t->entries[lo].name_offset;
}
