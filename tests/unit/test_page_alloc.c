/* lib/page_alloc.c on made-up memory maps: the allocator never touches the
 * pages it manages, only its bitmap. */
#include <stdlib.h>

#include "tests/unit/check.h"
#include "lib/page_alloc.h"

#define MiB (1ull << 20)

static struct page_allocator a;
static uint64_t *bitmap;

static void setup(const struct mem_region *r, uint32_t n)
{
    free(bitmap);
    uint64_t words = page_alloc_bitmap_words(r, n);
    bitmap = calloc(words ? words : 1, sizeof(uint64_t));
    page_alloc_init(&a, r, n, bitmap);
}

static const struct mem_region two_holes[] = {
    { 0, 160, MEM_USABLE, 0 },                       /* below 1 MiB: never handed out */
    { 1 * MiB, 256, MEM_USABLE, 0 },                 /* 1 MiB */
    { 2 * MiB, 16, MEM_ACPI_RECLAIM, 0 },
    { 2 * MiB + 64 * 1024, 512, MEM_USABLE, 0 },     /* 2 MiB */
    { 4 * MiB + 64 * 1024, 8, MEM_IMAGE, 0 },
    { 0x100000000ull, 256, MEM_USABLE, 0 },          /* above 4 GiB */
};

static void test_counts_only_usable_ram_above_1mib(void)
{
    setup(two_holes, 6);
    CHECK_EQ(a.free_pages, 256 + 512 + 256);
    CHECK_EQ(a.usable_pages, a.free_pages);
    CHECK_EQ(a.base, 1 * MiB);
}

static void test_allocations_are_in_usable_ram_and_distinct(void)
{
    setup(two_holes, 6);
    uint64_t seen[1024];
    int n = 0;
    uint64_t p;
    while ((p = page_alloc(&a, 1)) != 0) {
        int in_ram = (p >= 1 * MiB && p < 2 * MiB) ||
                     (p >= 2 * MiB + 64 * 1024 && p < 4 * MiB + 64 * 1024) ||
                     (p >= 0x100000000ull && p < 0x100100000ull);
        CHECK(in_ram, "page 0x%llx is not usable RAM", (unsigned long long)p);
        for (int i = 0; i < n; i++)
            CHECK(seen[i] != p, "page 0x%llx handed out twice", (unsigned long long)p);
        CHECK(n < 1024, "more pages than exist");
        if (n >= 1024)
            break;
        seen[n++] = p;
    }
    CHECK_EQ(n, 1024);
    CHECK_EQ(a.free_pages, 0);
}

static void test_contiguous_runs_skip_holes(void)
{
    setup(two_holes, 6);
    uint64_t big = page_alloc(&a, 300);   /* only the 2 MiB region has 300 in a row */
    CHECK_EQ(big, 2 * MiB + 64 * 1024);
    CHECK_EQ(page_alloc(&a, 513), 0);     /* no run this long anywhere */
    CHECK_EQ(a.free_pages, 1024 - 300);
}

static void test_free_and_reuse(void)
{
    setup(two_holes, 6);
    uint64_t p = page_alloc(&a, 4);
    CHECK(p != 0, "allocation failed");
    CHECK_EQ(page_free(&a, p, 4), 0);
    CHECK_EQ(a.free_pages, 1024);
    CHECK_EQ(page_alloc(&a, 4), p);       /* freed pages are found again */
}

static void test_bad_frees_are_refused(void)
{
    setup(two_holes, 6);
    uint64_t p = page_alloc(&a, 2);
    CHECK_EQ(page_free(&a, p, 2), 0);
    CHECK_EQ(page_free(&a, p, 2), -1);    /* double free */
    CHECK_EQ(page_free(&a, p + 1, 1), -1);  /* not page aligned */
    CHECK_EQ(page_free(&a, 0x1000, 1), -1); /* below the allocator */
    CHECK_EQ(page_free(&a, 0x200000000ull, 1), -1);  /* above it */
    CHECK_EQ(a.free_pages, 1024);
}

static void test_reserve(void)
{
    setup(two_holes, 6);
    CHECK_EQ(page_reserve(&a, 1 * MiB, 4), 0);
    CHECK_EQ(page_reserve(&a, 1 * MiB, 1), -1);   /* already taken */
    CHECK_EQ(a.free_pages, 1020);
    CHECK(page_alloc(&a, 1) >= 1 * MiB + 4 * 4096, "reserved pages handed out");
}

static void test_empty_map(void)
{
    struct mem_region none = { 0x1000, 10, MEM_FIRMWARE, 0 };
    setup(&none, 1);
    CHECK_EQ(a.free_pages, 0);
    CHECK_EQ(page_alloc(&a, 1), 0);
}

int main(void)
{
    RUN_TEST(test_counts_only_usable_ram_above_1mib);
    RUN_TEST(test_allocations_are_in_usable_ram_and_distinct);
    RUN_TEST(test_contiguous_runs_skip_holes);
    RUN_TEST(test_free_and_reuse);
    RUN_TEST(test_bad_frees_are_refused);
    RUN_TEST(test_reserve);
    RUN_TEST(test_empty_map);
    free(bitmap);
    return check_summary();
}
