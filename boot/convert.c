/* Turning what the firmware reports into what the runtime uses: the memory
 * map and the command line. Pure functions, unit tested on the host. */
#include "boot/boot_info.h"

#include <stddef.h>

/* UEFI memory types (UEFI spec, EFI_MEMORY_TYPE). */
enum {
    EFI_RESERVED, EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_BOOT_CODE, EFI_BOOT_DATA,
    EFI_RUNTIME_CODE, EFI_RUNTIME_DATA, EFI_CONVENTIONAL, EFI_UNUSABLE,
    EFI_ACPI_RECLAIM, EFI_ACPI_NVS, EFI_MMIO, EFI_MMIO_PORT, EFI_PAL_CODE,
    EFI_PERSISTENT,
};

static uint32_t kind_of(uint32_t efi_type)
{
    switch (efi_type) {
    case EFI_CONVENTIONAL:
    case EFI_BOOT_CODE:
    case EFI_BOOT_DATA:    return MEM_USABLE;   /* free once boot services exit */
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:  return MEM_IMAGE;
    case EFI_ACPI_RECLAIM: return MEM_ACPI_RECLAIM;
    case EFI_ACPI_NVS:     return MEM_ACPI_NVS;
    case EFI_MMIO:
    case EFI_MMIO_PORT:    return MEM_MMIO;
    case EFI_UNUSABLE:     return MEM_UNUSABLE;
    default:               return MEM_FIRMWARE;
    }
}

static void insert_sorted(struct mem_region *r, uint32_t n, struct mem_region add)
{
    uint32_t i = n;
    while (i > 0 && r[i - 1].base > add.base) {
        r[i] = r[i - 1];
        i--;
    }
    r[i] = add;
}

uint32_t memmap_from_efi(const void *map, uint64_t map_size, uint64_t desc_size,
                         struct mem_region *out, uint32_t max)
{
    uint32_t n = 0;
    if (desc_size < sizeof(struct efi_mem_desc))
        return 0;
    for (uint64_t off = 0; off + desc_size <= map_size; off += desc_size) {
        const struct efi_mem_desc *d = (const void *)((const uint8_t *)map + off);
        if (d->pages == 0 || (d->phys_start & 0xfff) != 0)
            continue;
        if (d->pages > (UINT64_MAX - d->phys_start) >> 12)
            continue;   /* wraps past the top of the address space */
        struct mem_region add = { d->phys_start, d->pages, kind_of(d->type), 0 };
        if (n == max)
            break;
        insert_sorted(out, n++, add);
    }

    /* Merge neighbours of the same kind so later walks stay short. */
    uint32_t merged = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (merged > 0) {
            struct mem_region *last = &out[merged - 1];
            if (last->kind == out[i].kind && last->base + last->pages * 4096 == out[i].base) {
                last->pages += out[i].pages;
                continue;
            }
        }
        out[merged++] = out[i];
    }
    return merged;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int ends_with_efi(const char *s, uint32_t len)
{
    if (len < 4)
        return 0;
    const char *e = s + len - 4;
    return e[0] == '.' && (e[1] | 0x20) == 'e' && (e[2] | 0x20) == 'f' && (e[3] | 0x20) == 'i';
}

uint32_t cmdline_from_ucs2(const uint16_t *src, uint64_t src_bytes, char *dst, uint32_t dst_size)
{
    uint32_t len = 0;
    if (dst_size == 0)
        return 0;
    for (uint64_t i = 0; i < src_bytes / 2 && len + 1 < dst_size; i++) {
        uint16_t c = src[i];
        if (c == 0)
            break;
        dst[len++] = (c >= 0x20 && c < 0x7f) ? (char)c : (c == '\t' ? ' ' : '?');
    }
    dst[len] = '\0';

    /* Drop a first word that names the image itself. */
    uint32_t start = 0;
    while (start < len && is_space(dst[start]))
        start++;
    uint32_t end = start;
    while (end < len && !is_space(dst[end]))
        end++;
    if (ends_with_efi(dst + start, end - start))
        start = end;
    while (start < len && is_space(dst[start]))
        start++;
    uint32_t out = 0;
    for (uint32_t i = start; i < len; i++)
        dst[out++] = dst[i];
    while (out > 0 && is_space(dst[out - 1]))
        out--;
    dst[out] = '\0';
    return out;
}

uint32_t cmdline_from_text(const char *src, uint64_t src_len, char *dst, uint32_t dst_size)
{
    uint32_t len = 0;
    int in_comment = 0, line_start = 1;
    if (dst_size == 0)
        return 0;
    for (uint64_t i = 0; i < src_len && src[i] != '\0' && len + 1 < dst_size; i++) {
        char c = src[i];
        if (line_start && c == '#')
            in_comment = 1;
        line_start = (c == '\n');
        if (c == '\n') {
            in_comment = 0;
            c = ' ';
        }
        if (in_comment)
            continue;
        dst[len++] = (c >= 0x20 && c < 0x7f) ? c : ' ';
    }
    /* Collapse runs of blanks, trim both ends. */
    uint32_t out = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (dst[i] == ' ' && (out == 0 || dst[out - 1] == ' '))
            continue;
        dst[out++] = dst[i];
    }
    while (out > 0 && dst[out - 1] == ' ')
        out--;
    dst[out] = '\0';
    return out;
}

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int64_t epoch_from_date(unsigned year, unsigned month, unsigned day,
                        unsigned hour, unsigned minute, unsigned second)
{
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 ||
        hour > 23 || minute > 59 || second > 59)
        return 0;
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}
