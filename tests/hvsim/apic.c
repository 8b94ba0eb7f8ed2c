/* A minimal local APIC per VP, just enough for SINT and timer delivery to be
 * checkable: a request map (IRR, so an edge raised twice before it is taken
 * counts once), an in-service map (ISR, so a vector is not re-entered until
 * the guest EOIs it) and the x86 priority rule between them (a vector is
 * taken only if its class, vector/16, is above the highest in-service one).
 * AutoEOI vectors skip the ISR, as the hypervisor EOIs them for the guest.
 * TPR, ICR and IPIs are not modelled. */
#include "tests/hvsim/hvsim_state.h"

static bool bit_test(const uint64_t map[4], unsigned v)
{
    return (map[v / 64] >> (v % 64)) & 1;
}

static void bit_set(uint64_t map[4], unsigned v)
{
    map[v / 64] |= 1ull << (v % 64);
}

static void bit_clear(uint64_t map[4], unsigned v)
{
    map[v / 64] &= ~(1ull << (v % 64));
}

static int bit_highest(const uint64_t map[4])
{
    for (int i = 3; i >= 0; i--)
        if (map[i])
            return i * 64 + 63 - __builtin_clzll(map[i]);
    return -1;
}

void apic_raise(struct hvsim *sim, struct hvsim_vp *vp, uint8_t vector, bool auto_eoi)
{
    bit_set(vp->irr, vector);
    if (auto_eoi)
        bit_set(vp->auto_eoi, vector);
    else
        bit_clear(vp->auto_eoi, vector);
    sim_log(sim, "vp%u raise vector 0x%02x%s", vp->index, vector, auto_eoi ? " (auto-EOI)" : "");
}

/* The vector the VP would take now, or -1. */
static int apic_select(const struct hvsim_vp *vp)
{
    int v = bit_highest(vp->irr);
    int s = bit_highest(vp->isr);
    if (v < 0 || (s >= 0 && (v >> 4) <= (s >> 4)))
        return -1;
    return v;
}

static void apic_accept(struct hvsim_vp *vp, unsigned v)
{
    bit_clear(vp->irr, v);
    if (!bit_test(vp->auto_eoi, v))
        bit_set(vp->isr, v);
    vp->stats.interrupts++;
}

void apic_deliver(struct hvsim *sim)
{
    if (sim->depth != 0 || sim->draining || !sim->irq_fn)
        return;
    sim->draining = true; /* the handler runs with "interrupts off": no nesting */
    bool progress = true;
    while (progress) {
        progress = false;
        for (uint32_t i = 0; i < sim->cfg.vp_count; i++) {
            struct hvsim_vp *vp = &sim->vps[i];
            int v = vp->irq_enabled ? apic_select(vp) : -1;
            if (v < 0)
                continue;
            apic_accept(vp, (unsigned)v);
            sim_log(sim, "vp%u interrupt vector 0x%02x", i, v);
            sim->irq_fn(sim->irq_ctx, sim, i, (uint8_t)v);
            progress = true;
        }
    }
    sim->draining = false;
}

void apic_eoi(struct hvsim *sim, struct hvsim_vp *vp)
{
    int s = bit_highest(vp->isr);
    vp->stats.apic_eois++;
    if (s < 0)
        sim_log(sim, "vp%u EOI with nothing in service", vp->index);
    else
        bit_clear(vp->isr, (unsigned)s);
    /* An EOI is one of the events on which queued messages are retried. */
    synic_scan(sim, vp);
}

void hvsim_set_irq_handler(struct hvsim *sim, hvsim_irq_fn fn, void *ctx)
{
    sim->irq_fn = fn;
    sim->irq_ctx = ctx;
    sim_enter(sim);
    sim_leave(sim);
}

void hvsim_set_irq_enabled(struct hvsim *sim, uint32_t vpi, bool enabled)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp)
        return;
    sim_enter(sim);
    vp->irq_enabled = enabled;
    sim_leave(sim);
}

int hvsim_take_interrupt(struct hvsim *sim, uint32_t vpi)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp)
        return -1;
    int v = apic_select(vp);
    if (v >= 0) {
        apic_accept(vp, (unsigned)v);
        sim_log(sim, "vp%u took vector 0x%02x", vpi, v);
    }
    return v;
}

void hvsim_apic_eoi(struct hvsim *sim, uint32_t vpi)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp)
        return;
    sim_enter(sim);
    apic_eoi(sim, vp);
    sim_leave(sim);
}

bool hvsim_irq_pending(const struct hvsim *sim, uint32_t vpi, uint8_t vector)
{
    return vpi < sim->cfg.vp_count && bit_test(sim->vps[vpi].irr, vector);
}

bool hvsim_irq_in_service(const struct hvsim *sim, uint32_t vpi, uint8_t vector)
{
    return vpi < sim->cfg.vp_count && bit_test(sim->vps[vpi].isr, vector);
}
