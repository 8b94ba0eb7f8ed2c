/* MDLs and the host's view of them: the GPA-direct ranges that describe an
 * MDL chain to the host when we send external data. */
#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

/* GPA-direct ranges for a chain of MDLs, each one range. length (0: the
 * rest of the chain) counts across the whole chain, as KMCL's MdlLength
 * does: the host must never see bytes past it. */
NTSTATUS kmcl_ranges_from_mdl(PMDL mdl, UINT32 offset, UINT32 length, bool force_length, uint8_t *ext,
                                uint32_t ext_size, uint32_t *ext_len)
{
    struct vmbus_gpa_range_in ranges[16];
    uint64_t pfns[16][64];
    uint32_t count = 0;
    uint32_t left = length != 0 ? length : UINT32_MAX;
    for (PMDL m = mdl; m != NULL && left > 0; m = force_length ? NULL : m->Next) {
        uint32_t bytes = m->ByteCount;
        uint32_t start = m->ByteOffset;
        if (m == mdl) {
            if (offset > bytes && !force_length)
                return STATUS_INVALID_PARAMETER;
            start += offset;
            bytes = force_length ? length : bytes - offset;
        }
        if (bytes > left)
            bytes = left;
        if (bytes == 0)
            continue;
        if (count == 16)
            return STATUS_INVALID_PARAMETER;   /* more MDLs than ranges: refuse rather than send part */
        left -= bytes;
        uint32_t first_page = start / 4096, in_page = start % 4096;
        uint32_t n = vmbus_gpa_range_pfn_count(in_page, bytes);
        if (n == 0 || n > 64)
            return STATUS_INVALID_PARAMETER;
        for (uint32_t i = 0; i < n; i++)
            pfns[count][i] = platform_va_to_gpa((const uint8_t *)m->StartVa + (uint64_t)(first_page + i) * 4096) >> 12;
        ranges[count] = (struct vmbus_gpa_range_in){ bytes, in_page, pfns[count] };
        count++;
    }
    if (count == 0)
        return STATUS_INVALID_PARAMETER;
    return vmbus_gpa_direct_build(ext, ext_size, ranges, count, ext_len) == VMBUS_RING_OK ? STATUS_SUCCESS
                                                                                            : STATUS_INVALID_PARAMETER;
}
