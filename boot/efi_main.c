/* The EFI entry point: ask the firmware for everything the runtime needs
 * (memory map, ACPI RSDP, command line, wall clock), exit boot services, and
 * enter the runtime. After ExitBootServices nothing here or later calls the
 * firmware again. */
#include <efi.h>
#include <efilib.h>
#include <string.h>

#include "boot/boot_info.h"
#include "arch/x86_64/cpu.h"

#define CONFIG_FILE_NAME L"\\hvrt.cfg"

static EFI_SYSTEM_TABLE *st;

static void say(const CHAR16 *msg)
{
    st->ConOut->OutputString(st->ConOut, (CHAR16 *)msg);
}

static void *alloc_pages(UINTN bytes)
{
    EFI_PHYSICAL_ADDRESS addr = 0;
    if (st->BootServices->AllocatePages(AllocateAnyPages, EfiLoaderData,
                                        EFI_SIZE_TO_PAGES(bytes), &addr) != EFI_SUCCESS)
        return NULL;
    return (void *)(UINTN)addr;
}

/* The configuration table's entry for `want`, else for `older`; 0 when
 * neither is there. ACPI 2.0 before 1.0; SMBIOS 3.x before 2.x, as the
 * newer entry point can describe a table above 4 GiB. */
static uint64_t find_table(EFI_GUID want, EFI_GUID older)
{
    uint64_t fallback = 0;
    for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
        if (memcmp(&t->VendorGuid, &want, sizeof(want)) == 0)
            return (uint64_t)(UINTN)t->VendorTable;
        if (memcmp(&t->VendorGuid, &older, sizeof(older)) == 0)
            fallback = (uint64_t)(UINTN)t->VendorTable;
    }
    return fallback;
}

/* A boot from removable media has no load options, so the command line may
 * also come from a file at the root of the volume we were loaded from. */
static uint32_t read_config_file(EFI_HANDLE device, char *dst, uint32_t dst_size)
{
    EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_FILE_HANDLE root = NULL, file = NULL;
    /* On the firmware's stack (UEFI guarantees an image 128 KiB of it), not
     * in .bss, where it would count in SizeOfImage (docs/boot.md). */
    char text[BOOT_CMDLINE_MAX * 4];
    UINTN size = sizeof(text);

    if (device == NULL ||
        st->BootServices->HandleProtocol(device, &fs_guid, (void **)&fs) != EFI_SUCCESS ||
        fs->OpenVolume(fs, &root) != EFI_SUCCESS)
        return 0;
    if (root->Open(root, &file, CONFIG_FILE_NAME, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS) {
        root->Close(root);
        return 0;
    }
    EFI_STATUS s = file->Read(file, &size, text);
    file->Close(file);
    root->Close(root);
    if (s != EFI_SUCCESS)
        return 0;
    return cmdline_from_text(text, size, dst, dst_size);
}

static void gather_command_line(EFI_HANDLE image, struct boot_info *bi)
{
    EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
    EFI_LOADED_IMAGE *li = NULL;
    if (st->BootServices->HandleProtocol(image, &li_guid, (void **)&li) != EFI_SUCCESS)
        return;
    bi->image_base = (uint64_t)(UINTN)li->ImageBase;
    bi->image_size = li->ImageSize;
    if (li->LoadOptionsSize >= 2 &&
        cmdline_from_ucs2(li->LoadOptions, li->LoadOptionsSize, bi->cmdline, sizeof(bi->cmdline)) > 0) {
        bi->cmdline_source = CMDLINE_LOAD_OPTIONS;
        return;
    }
    if (read_config_file(li->DeviceHandle, bi->cmdline, sizeof(bi->cmdline)) > 0)
        bi->cmdline_source = CMDLINE_CONFIG_FILE;
}

static void gather_time(struct boot_info *bi)
{
    EFI_TIME t;
    if (st->RuntimeServices->GetTime(&t, NULL) != EFI_SUCCESS)
        return;
    int64_t secs = epoch_from_date(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second);
    if (secs != 0 && t.TimeZone != EFI_UNSPECIFIED_TIMEZONE && t.TimeZone >= -1440 && t.TimeZone <= 1440)
        secs -= (int64_t)t.TimeZone * 60;   /* UEFI: local = UTC + TimeZone */
    bi->epoch_seconds = secs;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    uint64_t tsc0 = rdtsc();
    st = systab;

    struct boot_info *bi = alloc_pages(sizeof(*bi));
    if (bi == NULL) {
        say(L"hvrt: cannot allocate the boot_info block\r\n");
        return EFI_OUT_OF_RESOURCES;
    }
    st->BootServices->SetMem(bi, sizeof(*bi), 0);
    bi->tsc_at_efi_main = tsc0;
    bi->acpi_rsdp = find_table((EFI_GUID)ACPI_20_TABLE_GUID, (EFI_GUID)ACPI_TABLE_GUID);
    bi->smbios_entry = find_table((EFI_GUID)SMBIOS3_TABLE_GUID, (EFI_GUID)SMBIOS_TABLE_GUID);
    gather_command_line(image, bi);
    gather_time(bi);

    /* Room for the map plus slack: allocating the buffer itself, and the
     * firmware's own events, can add descriptors before we exit. */
    UINTN map_size = 0, map_key, desc_size;
    UINT32 desc_version;
    st->BootServices->GetMemoryMap(&map_size, NULL, &map_key, &desc_size, &desc_version);
    UINTN map_capacity = map_size + 64 * sizeof(EFI_MEMORY_DESCRIPTOR) + 4096;
    void *map = alloc_pages(map_capacity);
    if (map == NULL) {
        say(L"hvrt: cannot allocate the memory map buffer\r\n");
        return EFI_OUT_OF_RESOURCES;
    }

    /* A stale map key makes ExitBootServices fail; then the spec allows
     * only GetMemoryMap and another try. */
    EFI_STATUS s = EFI_LOAD_ERROR;
    for (int attempt = 0; attempt < 8; attempt++) {
        map_size = map_capacity;
        s = st->BootServices->GetMemoryMap(&map_size, map, &map_key, &desc_size, &desc_version);
        if (s != EFI_SUCCESS)
            break;
        s = st->BootServices->ExitBootServices(image, map_key);
        if (s == EFI_SUCCESS)
            break;
    }
    if (s != EFI_SUCCESS) {
        say(L"hvrt: ExitBootServices failed\r\n");
        return s;
    }

    bi->region_count = memmap_from_efi(map, map_size, desc_size, bi->regions, BOOT_REGIONS_MAX);
    runtime_start(bi);
}
