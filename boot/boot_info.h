/* What boot/ hands the runtime after ExitBootServices: everything the runtime
 * needs from the firmware, gathered once, so nothing later calls it again. */
#ifndef HVRT_BOOT_INFO_H
#define HVRT_BOOT_INFO_H

#include <stdint.h>

enum mem_kind {
    MEM_USABLE = 1,      /* free RAM (conventional, boot services code and data) */
    MEM_IMAGE,           /* our image and what boot/ allocated for the runtime */
    MEM_ACPI_RECLAIM,    /* ACPI tables */
    MEM_ACPI_NVS,
    MEM_FIRMWARE,        /* runtime services, reserved, persistent */
    MEM_MMIO,
    MEM_UNUSABLE,
};

struct mem_region {
    uint64_t base;       /* page aligned */
    uint64_t pages;      /* 4 KiB pages */
    uint32_t kind;       /* enum mem_kind */
    uint32_t reserved;
};

#define BOOT_CMDLINE_MAX 1024
#define BOOT_REGIONS_MAX 512

enum cmdline_source { CMDLINE_NONE, CMDLINE_LOAD_OPTIONS, CMDLINE_CONFIG_FILE };

struct boot_info {
    uint64_t tsc_at_efi_main;   /* for the boot-time figure */
    uint64_t image_base;        /* where the firmware loaded us */
    uint64_t image_size;
    uint64_t acpi_rsdp;         /* physical address, 0 when the firmware gave none */
    uint64_t smbios_entry;      /* the SMBIOS 3.x (else 2.x) entry point, 0 when none */
    int64_t  epoch_seconds;     /* wall clock at boot from the firmware, 0 if unknown */
    uint32_t cmdline_source;    /* enum cmdline_source */
    uint32_t region_count;
    char cmdline[BOOT_CMDLINE_MAX];
    struct mem_region regions[BOOT_REGIONS_MAX];
};

/* The EFI memory descriptor as the UEFI spec lays it out. The firmware's
 * stride (DescriptorSize) may be larger than this struct. */
struct efi_mem_desc {
    uint32_t type;
    uint32_t pad;
    uint64_t phys_start;
    uint64_t virt_start;
    uint64_t pages;
    uint64_t attribute;
};

/* Converts the firmware's map into sorted, merged regions of our own kinds.
 * Returns how many regions were written, at most max. */
uint32_t memmap_from_efi(const void *map, uint64_t map_size, uint64_t desc_size,
                         struct mem_region *out, uint32_t max);

/* Converts UCS-2 load options to one ASCII line: drops a leading "*.efi"
 * word (the shell passes the image path as argv[0]), replaces characters
 * outside ASCII by '?', stops at NUL. Returns the length written. */
uint32_t cmdline_from_ucs2(const uint16_t *src, uint64_t src_bytes, char *dst, uint32_t dst_size);

/* The same for a command line read from a text file: '#' starts a comment
 * line, line breaks count as blanks, runs of blanks collapse to one. */
uint32_t cmdline_from_text(const char *src, uint64_t src_len, char *dst, uint32_t dst_size);

/* Seconds since 1970-01-01 UTC for a calendar date, 0 when out of range. */
int64_t epoch_from_date(unsigned year, unsigned month, unsigned day,
                        unsigned hour, unsigned minute, unsigned second);

/* The runtime's entry: never returns. */
__attribute__((noreturn)) void runtime_start(struct boot_info *bi);

#endif
