/* SMBIOS entry points and structures (lib/smbios.h). The table lives in
 * firmware memory that stays identity-mapped after ExitBootServices. */
#include <string.h>

#include <hvrt/runtime.h>
#include "boot/boot_info.h"
#include "lib/runtime.h"
#include "lib/smbios.h"

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

int smbios_table_from_entry(const uint8_t *e, size_t avail, uint64_t *table, uint32_t *length)
{
    if (avail >= 0x18 && memcmp(e, "_SM3_", 5) == 0 && e[6] >= 0x18 && e[6] <= avail) {
        *length = le32(e + 0x0c);   /* the maximum size: the table ends at its end-of-table structure */
        *table = le64(e + 0x10);
        return 0;
    }
    if (avail >= 0x1f && memcmp(e, "_SM_", 4) == 0 && memcmp(e + 0x10, "_DMI_", 5) == 0) {
        *length = (uint32_t)(e[0x16] | e[0x17] << 8);
        *table = le32(e + 0x18);
        return 0;
    }
    return -1;
}

/* The end of the strings that follow the structure at s (its formatted
 * part is s[1] bytes): just past the double NUL, or NULL. */
static const uint8_t *strings_end(const uint8_t *s, const uint8_t *end, const uint8_t **strings)
{
    const uint8_t *p = s + s[1];
    *strings = p;
    for (; p + 1 < end; p++)
        if (p[0] == 0 && p[1] == 0)
            return p + 2;
    return NULL;
}

int smbios_string(const uint8_t *table, size_t length, uint8_t type, uint8_t offset, char *out, size_t size)
{
    const uint8_t *s = table, *end = table + length;
    while (s + 4 <= end && s[1] >= 4 && s + s[1] <= end) {
        const uint8_t *strings, *next = strings_end(s, end, &strings);
        if (next == NULL)
            return -1;
        if (s[0] == type) {
            if (offset >= s[1] || s[offset] == 0)
                return -1;
            const uint8_t *str = strings;
            for (unsigned n = 1; n < s[offset]; n++) {
                str += strlen((const char *)str) + 1;   /* bounded: the double NUL ends the walk */
                if (str >= next - 1)
                    return -1;
            }
            size_t len = strlen((const char *)str);
            if (len == 0 || len >= size)
                return -1;
            memcpy(out, str, len + 1);
            return 0;
        }
        if (s[0] == 127)
            return -1;   /* end of table */
        s = next;
    }
    return -1;
}

const char *hvrt_chassis_asset_tag(void)
{
    static char tag[64];
    static int looked;
    if (!looked) {
        looked = 1;
        const struct boot_info *bi = runtime_boot_info;
        uint64_t table;
        uint32_t length;
        if (bi != NULL && bi->smbios_entry != 0 &&
            smbios_table_from_entry((const uint8_t *)(uintptr_t)bi->smbios_entry, 0x20, &table, &length) == 0 &&
            table != 0 && length != 0 && length < (1u << 20))
            smbios_string((const uint8_t *)(uintptr_t)table, length, 3, 0x08, tag, sizeof(tag));
    }
    return tag[0] ? tag : NULL;
}
