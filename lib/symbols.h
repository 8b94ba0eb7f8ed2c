/* Function names for backtraces. The build links the image twice: the
 * second link embeds a table made from the first one's symbols
 * (scripts/gen-symtab.sh), sorted by address, offsets from the image base. */
#ifndef HVRT_LIB_SYMBOLS_H
#define HVRT_LIB_SYMBOLS_H

#include <stdint.h>

struct symbol_entry {
    uint32_t offset;        /* from the image base */
    uint32_t name_offset;   /* into symbol_names */
};

struct symbol_table {
    const struct symbol_entry *entries;
    uint32_t count;
    const char *names;
    uint32_t names_size;
    uint32_t text_end;      /* no symbol covers an offset at or past this */
};

/* Finds the function containing offset; returns its name and sets *within
 * to the distance from its start, or returns NULL. */
const char *symbol_lookup(const struct symbol_table *t, uint64_t offset, uint64_t *within);

/* The image's own table (generated). */
extern const struct symbol_table image_symbols;

#endif
