/* lib/smbios.c on tables built here: the entry points, string lookup,
 * and tables that lie (strings without their double NUL, string numbers
 * past the last string, lengths that run off the end). */
#include <string.h>

#include "tests/unit/check.h"
#include "lib/smbios.h"

const struct boot_info *runtime_boot_info;   /* lib/smbios.c reads it; unused here */

#define AZURE_TAG "7783-7084-3265-9085-8269-3286-77"

/* type 1 (system) with two strings, type 3 (chassis) with the asset tag as
 * its third string, then the end-of-table structure. */
static size_t build_table(uint8_t *t)
{
    size_t n = 0;
    uint8_t sys[8] = { 1, 8, 0x01, 0x00, 1, 2, 0, 0 };
    memcpy(t + n, sys, sizeof(sys)), n += sizeof(sys);
    memcpy(t + n, "Microsoft Corporation\0Virtual Machine\0\0", 39), n += 39;
    uint8_t chassis[9] = { 3, 9, 0x02, 0x00, 1, 0x03, 2, 0, 3 };
    memcpy(t + n, chassis, sizeof(chassis)), n += sizeof(chassis);
    memcpy(t + n, "Microsoft\0" "7.0\0" AZURE_TAG "\0\0", 10 + 4 + sizeof(AZURE_TAG) + 1), n += 15 + sizeof(AZURE_TAG);
    uint8_t end[6] = { 127, 4, 0x03, 0x00, 0, 0 };
    memcpy(t + n, end, sizeof(end)), n += sizeof(end);
    return n;
}

static void test_asset_tag_found(void)
{
    uint8_t t[256];
    size_t n = build_table(t);
    char out[64] = "";
    CHECK_EQ(smbios_string(t, n, 3, 0x08, out, sizeof(out)), 0);
    CHECK(strcmp(out, AZURE_TAG) == 0, "got '%s'", out);
    CHECK_EQ(smbios_string(t, n, 1, 0x05, out, sizeof(out)), 0);
    CHECK(strcmp(out, "Virtual Machine") == 0, "got '%s'", out);
}

static void test_absent_and_malformed(void)
{
    uint8_t t[256];
    size_t n = build_table(t);
    char out[64];
    CHECK_EQ(smbios_string(t, n, 17, 0x04, out, sizeof(out)), -1);     /* no such type */
    CHECK_EQ(smbios_string(t, n, 3, 0x07, out, sizeof(out)), -1);      /* string number 0: none */
    CHECK_EQ(smbios_string(t, n, 3, 0x20, out, sizeof(out)), -1);      /* offset past the structure */
    CHECK_EQ(smbios_string(t, 47 + 20, 3, 0x08, out, sizeof(out)), -1); /* table cut inside the strings */
    t[47 + 8] = 9;                                                       /* a ninth string that is not there */
    CHECK_EQ(smbios_string(t, n, 3, 0x08, out, sizeof(out)), -1);
    CHECK_EQ(smbios_string(t, n, 3, 0x04, out, 4), -1);                 /* too long for out */
    t[1] = 200;                                                          /* a length past the end */
    CHECK_EQ(smbios_string(t, n, 3, 0x08, out, sizeof(out)), -1);
}

static void test_entry_points(void)
{
    uint8_t e3[0x18] = { '_', 'S', 'M', '3', '_', 0, 0x18, 3, 1 };
    e3[0x0c] = 0x34, e3[0x0d] = 0x12;
    e3[0x10] = 0x00, e3[0x11] = 0x10, e3[0x14] = 0x01;
    uint64_t table;
    uint32_t len;
    CHECK_EQ(smbios_table_from_entry(e3, sizeof(e3), &table, &len), 0);
    CHECK_EQ(table, 0x100001000ull);
    CHECK_EQ(len, 0x1234);
    uint8_t e2[0x1f] = { '_', 'S', 'M', '_' };
    memcpy(e2 + 0x10, "_DMI_", 5);
    e2[0x16] = 0x00, e2[0x17] = 0x02, e2[0x18] = 0x00, e2[0x19] = 0xf0, e2[0x1a] = 0x0e;
    CHECK_EQ(smbios_table_from_entry(e2, sizeof(e2), &table, &len), 0);
    CHECK_EQ(table, 0xef000);
    CHECK_EQ(len, 0x200);
    CHECK_EQ(smbios_table_from_entry(e2, 0x10, &table, &len), -1);
    e2[0x10] = 'x';
    CHECK_EQ(smbios_table_from_entry(e2, sizeof(e2), &table, &len), -1);
}

int main(void)
{
    RUN_TEST(test_asset_tag_found);
    RUN_TEST(test_absent_and_malformed);
    RUN_TEST(test_entry_points);
    return check_summary();
}
