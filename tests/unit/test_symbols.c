/* lib/symbols.c: address to function name for backtraces. */
#include <string.h>

#include "tests/unit/check.h"
#include "lib/symbols.h"

static const struct symbol_entry entries[] = { { 0x1000, 0 }, { 0x1040, 6 }, { 0x1100, 12 } };
static const char names[] = "start\0alpha\0omega";
static const struct symbol_table table = { entries, 3, names, sizeof(names), 0x1200 };

static void test_lookup_inside_functions(void)
{
    uint64_t within = 99;
    const char *n = symbol_lookup(&table, 0x1000, &within);
    CHECK(n && strcmp(n, "start") == 0 && within == 0, "0x1000 -> %s+%llu", n, (unsigned long long)within);
    n = symbol_lookup(&table, 0x107f, &within);
    CHECK(n && strcmp(n, "alpha") == 0 && within == 0x3f, "0x107f -> %s", n);
    n = symbol_lookup(&table, 0x11ff, &within);
    CHECK(n && strcmp(n, "omega") == 0 && within == 0xff, "0x11ff -> %s", n);
}

static void test_outside_the_code(void)
{
    uint64_t within;
    CHECK(symbol_lookup(&table, 0xfff, &within) == NULL, "below the first symbol");
    CHECK(symbol_lookup(&table, 0x1200, &within) == NULL, "past the end of code");
    struct symbol_table empty = { entries, 0, names, sizeof(names), 0x1200 };
    CHECK(symbol_lookup(&empty, 0x1000, &within) == NULL, "empty table");
    struct symbol_entry bad = { 0x1000, 1000 };
    struct symbol_table corrupt = { &bad, 1, names, sizeof(names), 0x1200 };
    CHECK(symbol_lookup(&corrupt, 0x1000, &within) == NULL, "name offset out of range");
}

int main(void)
{
    RUN_TEST(test_lookup_inside_functions);
    RUN_TEST(test_outside_the_code);
    return check_summary();
}
