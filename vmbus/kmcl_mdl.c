/* MDLs and the host's view of them, both ways: the GPA-direct ranges that
 * describe an MDL chain to the host when we send external data, and the
 * MDLs that describe a received packet's external data to the client
 * (VmbChannelPacketGetExternalData). What the host names is checked
 * against memory the client shared on purpose (its GPADLs) before any MDL
 * points at it. */
#include <stdlib.h>

#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

#define MAX_RANGES 16        /* MDLs in a chain we send */
#define MAX_RANGE_PAGES 64   /* pages of one of them */

/* GPA-direct ranges for a chain of MDLs, each one range, into a buffer of
 * the packet's own (*ext, malloc): a send never shares scratch space with
 * another one. length (0: the rest of the chain) counts across the whole
 * chain, as KMCL's MdlLength does: the host must never see bytes past it. */
NTSTATUS kmcl_ranges_from_mdl(PMDL mdl, UINT32 offset, UINT32 length, bool force_length, uint8_t **ext,
                              uint32_t *ext_len)
{
    struct vmbus_gpa_range_in ranges[MAX_RANGES];
    uint64_t *pfns = malloc(MAX_RANGES * MAX_RANGE_PAGES * sizeof(uint64_t));
    uint32_t ext_size = MAX_RANGES * (16 + MAX_RANGE_PAGES * 8) + 8;
    *ext = malloc(ext_size);
    NTSTATUS st = pfns != NULL && *ext != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
    uint32_t count = 0;
    uint32_t left = length != 0 ? length : UINT32_MAX;
    for (PMDL m = mdl; NT_SUCCESS(st) && m != NULL && left > 0; m = force_length ? NULL : m->Next) {
        uint32_t bytes = m->ByteCount;
        uint32_t start = m->ByteOffset;
        if (m == mdl) {
            if (offset > bytes && !force_length) {
                st = STATUS_INVALID_PARAMETER;
                break;
            }
            start += offset;
            bytes = force_length ? length : bytes - offset;
        }
        if (bytes > left)
            bytes = left;
        if (bytes == 0)
            continue;
        uint32_t first_page = start / 4096, in_page = start % 4096;
        uint32_t n = vmbus_gpa_range_pfn_count(in_page, bytes);
        if (count == MAX_RANGES || n == 0 || n > MAX_RANGE_PAGES) {
            st = STATUS_INVALID_PARAMETER;   /* more than we describe: refuse rather than send part */
            break;
        }
        left -= bytes;
        uint64_t *p = pfns + count * MAX_RANGE_PAGES;
        for (uint32_t i = 0; i < n; i++)
            p[i] = platform_va_to_gpa((const uint8_t *)m->StartVa + (uint64_t)(first_page + i) * 4096) >> 12;
        ranges[count++] = (struct vmbus_gpa_range_in){ bytes, in_page, p };
    }
    if (NT_SUCCESS(st) && (count == 0 || vmbus_gpa_direct_build(*ext, ext_size, ranges, count, ext_len) != VMBUS_RING_OK))
        st = STATUS_INVALID_PARAMETER;
    free(pfns);
    if (!NT_SUCCESS(st)) {
        free(*ext);
        *ext = NULL;
    }
    return st;
}

/* ---- received external data ---- */

static NTSTATUS mdls_alloc(struct vmb_packet_completion *c, uint32_t count)
{
    c->mdls = calloc(count, sizeof(MDL));
    c->mdl_count = 0;
    return c->mdls != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

static void mdl_add(struct vmb_packet_completion *c, uint8_t *va, uint32_t bytes)
{
    MDL *m = &c->mdls[c->mdl_count];
    m->StartVa = (void *)((uintptr_t)va & ~(uintptr_t)4095);
    m->ByteOffset = (UINT32)((uintptr_t)va & 4095);
    m->ByteCount = bytes;
    if (c->mdl_count > 0)
        c->mdls[c->mdl_count - 1].Next = m;
    c->mdl_count++;
}

static const struct vmbus_channel_gpadl *xfer_gpadl(VMBCHANNEL ch, uint16_t set_id)
{
    for (int i = 0; i < KMCL_MAX_XFER_SETS; i++)
        if (ch->xfer_sets[i].gpadl != 0 && ch->xfer_sets[i].id == set_id)
            return vmbus_channel_gpadl_find(&ch->core, ch->xfer_sets[i].gpadl);
    return NULL;
}

/* One MDL a range; each range must lie inside the set's GPADL. */
static NTSTATUS xfer_mdls(VMBCHANNEL ch, struct vmb_packet_completion *c)
{
    struct vmbus_xfer_pages x;
    if (vmbus_xfer_pages_parse(&c->pkt, &x) != VMBUS_RING_OK || x.range_count == 0)
        return STATUS_INVALID_PARAMETER;   /* the host broke the format */
    const struct vmbus_channel_gpadl *g = xfer_gpadl(ch, x.set_id);
    if (g == NULL)
        return STATUS_INVALID_DEVICE_REQUEST;   /* no GPADL mapped to this set (HvrtChannelMapTransferPageSet) */
    NTSTATUS st = mdls_alloc(c, x.range_count);
    uint64_t size = (uint64_t)g->pages * 4096;
    for (uint32_t i = 0; NT_SUCCESS(st) && i < x.range_count; i++) {
        struct vmbus_xfer_range r = vmbus_xfer_pages_range(&x, i);
        if (r.byte_count == 0 || r.byte_offset > size || r.byte_count > size - r.byte_offset)
            st = STATUS_INVALID_PARAMETER;   /* past the receive buffer: never hand that out */
        else
            mdl_add(c, (uint8_t *)g->va + r.byte_offset, r.byte_count);
    }
    return st;
}

/* Pages of one GPA-direct range, one MDL per run of pages that are
 * contiguous here too; every page inside one of the client's GPADLs. */
static NTSTATUS gpa_range_mdls(VMBCHANNEL ch, struct vmb_packet_completion *c, const struct vmbus_gpa_range_view *v)
{
    uint32_t left = v->byte_count, offset = v->byte_offset;
    uint8_t *run = NULL;
    uint32_t run_bytes = 0;
    for (uint32_t i = 0; i < v->pfn_count && left > 0; i++) {
        uint32_t bytes = 4096 - offset < left ? 4096 - offset : left;
        uint8_t *va = vmbus_channel_gpadl_va(&ch->core, (vmbus_gpa_range_pfn(v, i) << 12) + offset, bytes);
        if (va == NULL)
            return STATUS_INVALID_PARAMETER;   /* not memory the client shared */
        if (run != NULL && run + run_bytes != va) {
            mdl_add(c, run, run_bytes);
            run = NULL;
        }
        if (run == NULL)
            run = va, run_bytes = 0;
        run_bytes += bytes;
        left -= bytes;
        offset = 0;
    }
    if (left > 0)
        return STATUS_INVALID_PARAMETER;
    if (run != NULL)
        mdl_add(c, run, run_bytes);
    return STATUS_SUCCESS;
}

static NTSTATUS gpa_direct_mdls(VMBCHANNEL ch, struct vmb_packet_completion *c)
{
    struct vmbus_gpa_iter it;
    struct vmbus_gpa_range_view v;
    uint32_t pages = 0;
    if (vmbus_gpa_direct_begin(&c->pkt, &it) != VMBUS_RING_OK)
        return STATUS_INVALID_PARAMETER;
    while (vmbus_gpa_direct_next(&it, &v))
        pages += v.pfn_count;   /* at most one MDL a page */
    NTSTATUS st = pages > 0 ? mdls_alloc(c, pages) : STATUS_INVALID_PARAMETER;
    vmbus_gpa_direct_begin(&c->pkt, &it);
    while (NT_SUCCESS(st) && vmbus_gpa_direct_next(&it, &v))
        st = gpa_range_mdls(ch, c, &v);
    return st;
}

NTSTATUS kmcl_external_mdls(VMBCHANNEL ch, struct vmb_packet_completion *c)
{
    NTSTATUS st = STATUS_INVALID_DEVICE_REQUEST;   /* in-band: there is no external data */
    if (c->pkt.type == VMBUS_PACKET_DATA_XFER_PAGES)
        st = xfer_mdls(ch, c);
    else if (c->pkt.type == VMBUS_PACKET_DATA_GPA_DIRECT)
        st = gpa_direct_mdls(ch, c);
    if (!NT_SUCCESS(st)) {
        free(c->mdls);
        c->mdls = NULL;
        c->mdl_count = 0;
    }
    return st;
}

PVOID HvrtMdlVirtualAddress(PMDL Mdl)
{
    return Mdl != NULL ? (uint8_t *)Mdl->StartVa + Mdl->ByteOffset : NULL;
}

NTSTATUS HvrtChannelMapTransferPageSet(VMBCHANNEL Channel, UINT16 SetId, UINT32 GpadlHandle)
{
    if (Channel == NULL)
        return STATUS_INVALID_PARAMETER_1;
    int slot = -1;
    for (int i = 0; i < KMCL_MAX_XFER_SETS && slot < 0; i++)
        if (Channel->xfer_sets[i].gpadl != 0 && Channel->xfer_sets[i].id == SetId)
            slot = i;   /* mapped already: mapped again */
    for (int i = 0; i < KMCL_MAX_XFER_SETS && slot < 0; i++)
        if (Channel->xfer_sets[i].gpadl == 0)
            slot = i;
    if (slot < 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    Channel->xfer_sets[slot] = (struct kmcl_xfer_set){ SetId, GpadlHandle };   /* 0 unmaps */
    return STATUS_SUCCESS;
}
