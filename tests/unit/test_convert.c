/* boot/convert.c: the firmware's memory map, load options, config file and
 * date, turned into the runtime's forms. */
#include <string.h>

#include "tests/unit/check.h"
#include "boot/boot_info.h"

/* A firmware descriptor with the larger stride real firmware uses. */
struct padded_desc {
    struct efi_mem_desc d;
    uint64_t extra;
};

static struct padded_desc map[16];
static int map_n;

static void add(uint32_t type, uint64_t base, uint64_t pages)
{
    map[map_n].d = (struct efi_mem_desc){ .type = type, .phys_start = base, .pages = pages };
    map[map_n].extra = 0xdeadbeef;
    map_n++;
}

static void test_memmap_kinds_sorted_and_merged(void)
{
    struct mem_region out[16];
    map_n = 0;
    add(7, 0x200000, 16);      /* conventional */
    add(4, 0x100000, 256);     /* boot services data: free after exit */
    add(3, 0x210000, 16);      /* boot services code, adjacent: merges */
    add(2, 0x300000, 4);       /* loader data: ours */
    add(9, 0x400000, 8);       /* ACPI reclaim */
    add(11, 0xfee00000, 1);    /* MMIO */
    add(6, 0x500000, 2);       /* runtime services data */
    add(7, 0x600000, 0);       /* empty: dropped */
    uint32_t n = memmap_from_efi(map, sizeof(map[0]) * map_n, sizeof(map[0]), out, 16);
    CHECK_EQ(n, 5);
    CHECK_EQ(out[0].base, 0x100000);
    CHECK_EQ(out[0].pages, 256 + 16 + 16);   /* three usable runs merged */
    CHECK_EQ(out[0].kind, MEM_USABLE);
    CHECK_EQ(out[1].kind, MEM_IMAGE);
    CHECK_EQ(out[2].kind, MEM_ACPI_RECLAIM);
    CHECK_EQ(out[3].kind, MEM_FIRMWARE);
    CHECK_EQ(out[4].kind, MEM_MMIO);
}

static void test_memmap_rejects_bad_descriptors(void)
{
    struct mem_region out[4];
    map_n = 0;
    add(7, 0x100001, 4);                   /* not page aligned */
    add(7, 0xfffffffffffff000ull, 4);      /* wraps */
    add(7, 0x100000, 1);
    CHECK_EQ(memmap_from_efi(map, sizeof(map[0]) * map_n, sizeof(map[0]), out, 4), 1);
    CHECK_EQ(memmap_from_efi(map, sizeof(map[0]) * map_n, 8, out, 4), 0);   /* stride too small */
    map_n = 0;
    for (int i = 0; i < 6; i++)
        add(i % 2 ? 7 : 9, 0x100000 * (i + 1), 1);
    CHECK_EQ(memmap_from_efi(map, sizeof(map[0]) * map_n, sizeof(map[0]), out, 4), 4);  /* capped */
}

static uint32_t from_ucs2(const char *ascii, char *out, uint32_t out_size)
{
    uint16_t wide[256];
    size_t n = strlen(ascii);
    for (size_t i = 0; i <= n; i++)
        wide[i] = (unsigned char)ascii[i];
    return cmdline_from_ucs2(wide, (n + 1) * 2, out, out_size);
}

static void test_load_options(void)
{
    char out[64];
    CHECK_EQ(from_ucs2("hello 1 2", out, sizeof(out)), 9);
    CHECK(strcmp(out, "hello 1 2") == 0, "got %s", out);
    from_ucs2("FS0:\\EFI\\hvrt.EFI  memtest 16  ", out, sizeof(out));
    CHECK(strcmp(out, "memtest 16") == 0, "image path not dropped: %s", out);
    from_ucs2("hvrt.efi", out, sizeof(out));
    CHECK(strcmp(out, "") == 0, "got %s", out);
    CHECK_EQ(from_ucs2("a very long command line", out, 7), 6);
    CHECK(strcmp(out, "a very") == 0, "got %s", out);

    uint16_t odd[] = { 'h', 0x263a, 'i', 0 };
    cmdline_from_ucs2(odd, sizeof(odd), out, sizeof(out));
    CHECK(strcmp(out, "h?i") == 0, "non-ASCII shown as ?: %s", out);
}

static void test_config_file_text(void)
{
    char out[64];
    const char *text = "# hvrt command line\n--quiet\r\n  hello ;\n\n# comment\nmemtest   4\n";
    cmdline_from_text(text, strlen(text), out, sizeof(out));
    CHECK(strcmp(out, "--quiet hello ; memtest 4") == 0, "got \"%s\"", out);
    CHECK_EQ(cmdline_from_text("", 0, out, sizeof(out)), 0);
}

static void test_epoch(void)
{
    CHECK_EQ(epoch_from_date(1970, 1, 1, 0, 0, 0), 0);
    CHECK_EQ(epoch_from_date(2000, 3, 1, 0, 0, 0), 951868800);
    CHECK_EQ(epoch_from_date(2026, 11, 24, 3, 8, 43), 1795489723);
    CHECK_EQ(epoch_from_date(2024, 2, 29, 23, 59, 59), 1709251199);
    CHECK_EQ(epoch_from_date(2024, 13, 1, 0, 0, 0), 0);   /* out of range */
}

int main(void)
{
    RUN_TEST(test_memmap_kinds_sorted_and_merged);
    RUN_TEST(test_memmap_rejects_bad_descriptors);
    RUN_TEST(test_load_options);
    RUN_TEST(test_config_file_text);
    RUN_TEST(test_epoch);
    return check_summary();
}
