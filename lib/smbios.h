/* SMBIOS, the firmware's description of the machine: what hvrt reads of
 * it (the chassis asset tag that says "Azure", the system UUID). Facts:
 * shared/reference's azure-provisioning.md, section 1. The parsers take
 * bytes and lengths, so tests and the fuzzer can feed them anything. */
#ifndef HVRT_LIB_SMBIOS_H
#define HVRT_LIB_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

/* From an entry point ("_SM3_" for 3.x, "_SM_" for 2.x) of avail bytes:
 * the structure table's physical address and length. 0, or -1. */
int smbios_table_from_entry(const uint8_t *entry, size_t avail, uint64_t *table, uint32_t *length);

/* The string that the byte at offset (a string number, 1-based) of the
 * first structure of type names; copied into out (NUL-terminated). 0, or
 * -1 when absent, empty or malformed. */
int smbios_string(const uint8_t *table, size_t length, uint8_t type, uint8_t offset, char *out, size_t size);

#endif
