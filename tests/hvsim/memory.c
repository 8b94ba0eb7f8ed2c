/* Guest physical memory: one arena, a GPA is an offset into it. Every access
 * hvsim makes on the guest's behalf goes through a range check written so it
 * cannot overflow. Overlay pages (hypercall page, reference TSC page) save the
 * RAM they cover and put it back when unmapped. */
#include <string.h>
#include <sys/mman.h>

#include "tests/hvsim/hvsim_state.h"

int mem_init(struct hvsim *sim)
{
    uint64_t size = sim->cfg.guest_mem_size;
    if (size == 0 || size % HVW_PAGE != 0 || size > (uint64_t)SIZE_MAX)
        return -1;
    if (sim->cfg.guest_mem) {
        /* Slot and flag writes are atomic and need natural alignment. */
        if ((uintptr_t)sim->cfg.guest_mem % HVW_PAGE != 0)
            return -1;
        sim->mem = sim->cfg.guest_mem;
        sim->mem_owned = false;
    } else {
        void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return -1;
        sim->mem = p;
        sim->mem_owned = true;
    }
    sim->mem_size = size;
    return 0;
}

void mem_fini(struct hvsim *sim)
{
    if (sim->mem_owned && sim->mem)
        munmap(sim->mem, (size_t)sim->mem_size);
    sim->mem = NULL;
}

bool mem_range_ok(const struct hvsim *sim, uint64_t gpa, uint64_t len)
{
    return len != 0 && gpa < sim->mem_size && len <= sim->mem_size - gpa;
}

bool mem_page_ok(const struct hvsim *sim, uint64_t gpa)
{
    return gpa % HVW_PAGE == 0 && mem_range_ok(sim, gpa, HVW_PAGE);
}

bool mem_read(const struct hvsim *sim, uint64_t gpa, void *buf, uint64_t len)
{
    if (!mem_range_ok(sim, gpa, len))
        return false;
    memcpy(buf, sim->mem + gpa, (size_t)len);
    return true;
}

bool mem_write(struct hvsim *sim, uint64_t gpa, const void *buf, uint64_t len)
{
    if (!mem_range_ok(sim, gpa, len))
        return false;
    memcpy(sim->mem + gpa, buf, (size_t)len);
    return true;
}

void *hvsim_gpa_to_host(struct hvsim *sim, uint64_t gpa, uint64_t len)
{
    if (!mem_range_ok(sim, gpa, len))
        return NULL;
    return sim->mem + gpa;
}

bool hvsim_host_to_gpa(const struct hvsim *sim, const void *ptr, uint64_t *gpa)
{
    uintptr_t p = (uintptr_t)ptr, base = (uintptr_t)sim->mem;
    if (p < base || p - base >= sim->mem_size)
        return false;
    *gpa = p - base;
    return true;
}

uint64_t hvsim_guest_mem_size(const struct hvsim *sim)
{
    return sim->mem_size;
}

static bool overlay_hits(const struct hvsim_overlay *ov, uint64_t gpa, uint64_t len)
{
    /* [gpa, gpa+len) meets [ov->gpa, ov->gpa+4096); len >= 1, ranges already checked */
    return ov->active && gpa < ov->gpa + HVW_PAGE && ov->gpa < gpa + len;
}

bool mem_in_overlay(const struct hvsim *sim, uint64_t gpa, uint64_t len)
{
    return overlay_hits(&sim->hypercall_page, gpa, len) || overlay_hits(&sim->tsc_page, gpa, len);
}

bool overlay_map(struct hvsim *sim, struct hvsim_overlay *ov, uint64_t gpa)
{
    if (!mem_page_ok(sim, gpa))
        return false;
    if (ov->active && ov->gpa == gpa)
        return true;
    /* Two overlays on one page would restore each other's bytes. */
    bool was_active = ov->active;
    ov->active = false;
    bool clash = mem_in_overlay(sim, gpa, HVW_PAGE);
    ov->active = was_active;
    if (clash)
        return false;
    overlay_unmap(sim, ov);
    memcpy(ov->saved, sim->mem + gpa, HVW_PAGE);
    ov->gpa = gpa;
    ov->active = true;
    return true;
}

void overlay_unmap(struct hvsim *sim, struct hvsim_overlay *ov)
{
    if (!ov->active)
        return;
    memcpy(sim->mem + ov->gpa, ov->saved, HVW_PAGE);
    ov->active = false;
}
