/* Synthetic MSRs: access rights (a privilege or feature bit not granted means
 * #GP), read-only and reserved-bit rules, and the partition-wide registers
 * (guest OS id, hypercall page, VP index, time). SynIC, timer and crash
 * registers are handed to their own files. */
#include <inttypes.h>
#include <stdio.h>

#include "tests/hvsim/hvsim_state.h"

/* Safety bound for one GUEST_IDLE read: periodic timers on other VPs could
 * otherwise keep it going for ever. */
#define IDLE_MAX_EVENTS 100000u

/* Names for log lines ("wrmsr SIMP=0x..."); buf holds numbered ones. */
static const char *msr_name(uint32_t msr, char buf[24])
{
    switch (msr) {
    case HVW_MSR_GUEST_OS_ID: return "GUEST_OS_ID";
    case HVW_MSR_HYPERCALL: return "HYPERCALL";
    case HVW_MSR_VP_INDEX: return "VP_INDEX";
    case HVW_MSR_RESET: return "RESET";
    case HVW_MSR_VP_RUNTIME: return "VP_RUNTIME";
    case HVW_MSR_TIME_REF_COUNT: return "TIME_REF_COUNT";
    case HVW_MSR_REFERENCE_TSC: return "REFERENCE_TSC";
    case HVW_MSR_TSC_FREQUENCY: return "TSC_FREQUENCY";
    case HVW_MSR_APIC_FREQUENCY: return "APIC_FREQUENCY";
    case HVW_MSR_EOI: return "EOI";
    case HVW_MSR_SCONTROL: return "SCONTROL";
    case HVW_MSR_SVERSION: return "SVERSION";
    case HVW_MSR_SIEFP: return "SIEFP";
    case HVW_MSR_SIMP: return "SIMP";
    case HVW_MSR_EOM: return "EOM";
    case HVW_MSR_GUEST_IDLE: return "GUEST_IDLE";
    case HVW_MSR_CRASH_CTL: return "CRASH_CTL";
    default: break;
    }
    if (msr >= HVW_MSR_SINT(0) && msr < HVW_MSR_SINT(0) + HVW_SINTS)
        snprintf(buf, 24, "SINT%u", msr - HVW_MSR_SINT(0));
    else if (msr >= HVW_MSR_STIMER_CONFIG(0) && msr < HVW_MSR_STIMER_CONFIG(0) + 2 * HVW_STIMERS)
        snprintf(buf, 24, "STIMER%u_%s", (msr - HVW_MSR_STIMER_CONFIG(0)) / 2,
                 (msr - HVW_MSR_STIMER_CONFIG(0)) % 2 ? "COUNT" : "CONFIG");
    else if (msr >= HVW_MSR_CRASH_P(0) && msr < HVW_MSR_CRASH_P(0) + HVW_CRASH_PARAMS)
        snprintf(buf, 24, "CRASH_P%u", msr - HVW_MSR_CRASH_P(0));
    else
        snprintf(buf, 24, "0x%x", msr);
    return buf;
}

static bool granted(const struct hvsim *sim, uint64_t priv)
{
    return (sim->cfg.privileges & priv) == priv;
}

static bool has_feature(const struct hvsim *sim, uint32_t feature)
{
    return (sim->cfg.features & feature) == feature;
}

bool msr_rsvdp_rejected(const struct hvsim *sim, uint64_t value, uint64_t rsvdp_mask)
{
    return sim->cfg.strict_rsvdp && (value & rsvdp_mask) != 0;
}

static bool is_synic_msr(uint32_t msr)
{
    return (msr >= HVW_MSR_SCONTROL && msr <= HVW_MSR_EOM) ||
           (msr >= HVW_MSR_SINT(0) && msr < HVW_MSR_SINT(0) + HVW_SINTS);
}

static bool is_stimer_msr(uint32_t msr)
{
    return msr >= HVW_MSR_STIMER_CONFIG(0) && msr < HVW_MSR_STIMER_CONFIG(0) + 2 * HVW_STIMERS;
}

static bool is_crash_msr(uint32_t msr)
{
    return msr >= HVW_MSR_CRASH_P(0) && msr <= HVW_MSR_CRASH_CTL;
}

static bool frequency_msrs_ok(const struct hvsim *sim)
{
    return granted(sim, HVW_PRIV_FREQUENCY_MSRS) && has_feature(sim, HVW_FEAT_FREQUENCY_MSRS);
}

/* Idle until this VP has taken an interrupt or nothing is left to happen. */
static void guest_idle(struct hvsim *sim, struct hvsim_vp *vp)
{
    uint64_t taken = vp->stats.interrupts;
    sim->pstats.idle_reads++;
    for (unsigned i = 0; i < IDLE_MAX_EVENTS; i++) {
        if (vp->stats.interrupts != taken || (vp->irr[0] | vp->irr[1] | vp->irr[2] | vp->irr[3]))
            return;
        uint64_t when;
        if (!hvsim_next_event_ns(sim, &when)) {
            sim_log(sim, "vp%u idle: nothing can wake it", vp->index);
            return;
        }
        clock_advance_to(sim, when > sim->now_ns ? when : sim->now_ns);
    }
    sim_log(sim, "vp%u idle: gave up after %u events", vp->index, IDLE_MAX_EVENTS);
}

static enum hvsim_msr_result rdmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t *value)
{
    if (is_synic_msr(msr))
        return granted(sim, HVW_PRIV_SYNIC) ? synic_rdmsr(sim, vp, msr, value) : HVSIM_MSR_GP;
    if (is_stimer_msr(msr))
        return granted(sim, HVW_PRIV_STIMERS) ? stimer_rdmsr(sim, vp, msr, value) : HVSIM_MSR_GP;
    if (is_crash_msr(msr))
        return has_feature(sim, HVW_FEAT_CRASH_MSRS) ? crash_rdmsr(sim, msr, value) : HVSIM_MSR_GP;

    switch (msr) {
    case HVW_MSR_GUEST_OS_ID:
        if (!granted(sim, HVW_PRIV_HYPERCALL_MSRS))
            return HVSIM_MSR_GP;
        *value = sim->guest_os_id;
        return HVSIM_MSR_OK;
    case HVW_MSR_HYPERCALL:
        if (!granted(sim, HVW_PRIV_HYPERCALL_MSRS))
            return HVSIM_MSR_GP;
        *value = sim->hypercall_msr;
        return HVSIM_MSR_OK;
    case HVW_MSR_VP_INDEX:
        if (!granted(sim, HVW_PRIV_VP_INDEX))
            return HVSIM_MSR_GP;
        *value = vp->index;
        return HVSIM_MSR_OK;
    case HVW_MSR_RESET:
        if (!granted(sim, HVW_PRIV_RESET))
            return HVSIM_MSR_GP;
        *value = 0;
        return HVSIM_MSR_OK;
    case HVW_MSR_VP_RUNTIME:
        if (!granted(sim, HVW_PRIV_VP_RUNTIME))
            return HVSIM_MSR_GP;
        *value = clock_ref_count(sim); /* a simulated VP never waits for a CPU */
        return HVSIM_MSR_OK;
    case HVW_MSR_TIME_REF_COUNT:
        if (!granted(sim, HVW_PRIV_TIME_REF_COUNT))
            return HVSIM_MSR_GP;
        *value = clock_ref_count(sim);
        return HVSIM_MSR_OK;
    case HVW_MSR_REFERENCE_TSC:
        if (!granted(sim, HVW_PRIV_REFERENCE_TSC))
            return HVSIM_MSR_GP;
        *value = sim->reference_tsc_msr;
        return HVSIM_MSR_OK;
    case HVW_MSR_TSC_FREQUENCY:
        if (!frequency_msrs_ok(sim))
            return HVSIM_MSR_GP;
        *value = sim->tsc_hz;
        return HVSIM_MSR_OK;
    case HVW_MSR_APIC_FREQUENCY:
        if (!frequency_msrs_ok(sim))
            return HVSIM_MSR_GP;
        *value = sim->cfg.apic_hz;
        return HVSIM_MSR_OK;
    case HVW_MSR_GUEST_IDLE:
        if (!granted(sim, HVW_PRIV_GUEST_IDLE))
            return HVSIM_MSR_GP;
        guest_idle(sim, vp);
        *value = 0;
        return HVSIM_MSR_OK;
    default:
        /* EOI is write-only; ICR, TPR, VP assist and the rest: not modelled. */
        return HVSIM_MSR_GP;
    }
}

static void hypercall_page_write_stub(struct hvsim *sim)
{
    /* VMCALL (or VMMCALL); RET, then INT3 filler: it looks like the real
     * thing, though the hosted backend calls hvsim_hypercall instead. */
    uint8_t *page = sim->mem + sim->hypercall_page.gpa;
    static const uint8_t vmcall_ret[4] = {0x0F, 0x01, 0xC1, 0xC3};
    static const uint8_t vmmcall_ret[4] = {0x0F, 0x01, 0xD9, 0xC3};
    for (unsigned i = 0; i < HVW_PAGE; i++)
        page[i] = 0xCC;
    const uint8_t *stub = sim->cfg.amd_hypercall ? vmmcall_ret : vmcall_ret;
    for (unsigned i = 0; i < sizeof(vmcall_ret); i++)
        page[i] = stub[i];
}

static void hypercall_page_disable(struct hvsim *sim)
{
    overlay_unmap(sim, &sim->hypercall_page);
    sim->hypercall_msr &= ~HVW_PAGE_MSR_ENABLE;
}

static enum hvsim_msr_result write_hypercall(struct hvsim *sim, uint64_t value)
{
    if (sim->hypercall_msr & HVW_HYPERCALL_LOCKED) {
        sim_log(sim, "wrmsr HYPERCALL=0x%" PRIx64 " ignored: locked", value);
        return HVSIM_MSR_OK;
    }
    if (msr_rsvdp_rejected(sim, value, HVW_HYPERCALL_RSVDP))
        return HVSIM_MSR_GP;

    bool enable = (value & HVW_PAGE_MSR_ENABLE) != 0;
    /* Without the lock feature the bit means nothing and is dropped. */
    bool lock = (value & HVW_HYPERCALL_LOCKED) && has_feature(sim, HVW_FEAT_HYPERCALL_LOCK);
    uint64_t gpa = value & ~0xFFFull;

    if (enable && sim->guest_os_id == 0) {
        sim_log(sim, "wrmsr HYPERCALL: GUEST_OS_ID is 0, Enable stays 0");
        enable = false;
    }
    if (enable) {
        if (!overlay_map(sim, &sim->hypercall_page, gpa))
            return HVSIM_MSR_GP; /* outside guest RAM, or on another overlay page */
        hypercall_page_write_stub(sim);
    } else {
        overlay_unmap(sim, &sim->hypercall_page);
    }
    sim->hypercall_msr = gpa | (value & HVW_HYPERCALL_RSVDP) | (lock ? HVW_HYPERCALL_LOCKED : 0) |
                         (enable ? HVW_PAGE_MSR_ENABLE : 0);
    return HVSIM_MSR_OK;
}

static enum hvsim_msr_result wrmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t value)
{
    if (is_synic_msr(msr))
        return granted(sim, HVW_PRIV_SYNIC) ? synic_wrmsr(sim, vp, msr, value) : HVSIM_MSR_GP;
    if (is_stimer_msr(msr))
        return granted(sim, HVW_PRIV_STIMERS) ? stimer_wrmsr(sim, vp, msr, value) : HVSIM_MSR_GP;
    if (is_crash_msr(msr))
        return has_feature(sim, HVW_FEAT_CRASH_MSRS) ? crash_wrmsr(sim, vp->index, msr, value)
                                                       : HVSIM_MSR_GP;

    switch (msr) {
    case HVW_MSR_GUEST_OS_ID:
        if (!granted(sim, HVW_PRIV_HYPERCALL_MSRS))
            return HVSIM_MSR_GP;
        sim->guest_os_id = value;
        if (value == 0 && (sim->hypercall_msr & HVW_PAGE_MSR_ENABLE)) {
            sim_log(sim, "GUEST_OS_ID cleared: hypercall page disabled");
            hypercall_page_disable(sim);
        }
        return HVSIM_MSR_OK;
    case HVW_MSR_HYPERCALL:
        if (!granted(sim, HVW_PRIV_HYPERCALL_MSRS))
            return HVSIM_MSR_GP;
        return write_hypercall(sim, value);
    case HVW_MSR_RESET:
        if (!granted(sim, HVW_PRIV_RESET))
            return HVSIM_MSR_GP;
        if (value & 1) {
            sim->pstats.reset_requests++; /* recorded only: hvsim does not reset itself */
            sim_log(sim, "vp%u requested a partition reset", vp->index);
        }
        return HVSIM_MSR_OK;
    case HVW_MSR_REFERENCE_TSC:
        if (!granted(sim, HVW_PRIV_REFERENCE_TSC))
            return HVSIM_MSR_GP;
        return clock_wrmsr_reference_tsc(sim, value);
    case HVW_MSR_EOI:
        if (!granted(sim, HVW_PRIV_APIC_MSRS))
            return HVSIM_MSR_GP;
        apic_eoi(sim, vp);
        return HVSIM_MSR_OK;
    default:
        /* Read-only registers (VP_INDEX, TIME_REF_COUNT, VP_RUNTIME,
         * frequencies, GUEST_IDLE) and everything not modelled. */
        return HVSIM_MSR_GP;
    }
}

enum hvsim_msr_result hvsim_rdmsr(struct hvsim *sim, uint32_t vpi, uint32_t msr, uint64_t *value)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    *value = 0;
    if (!vp) {
        sim_log(sim, "rdmsr 0x%x from unknown vp%u", msr, vpi);
        return HVSIM_MSR_GP;
    }
    sim_enter(sim);
    enum hvsim_msr_result r = rdmsr(sim, vp, msr, value);
    if (r != HVSIM_MSR_OK) {
        *value = 0;
        vp->stats.gp_faults++;
        char buf[24];
        sim_log(sim, "vp%u rdmsr %s: #GP", vpi, msr_name(msr, buf));
    }
    sim_leave(sim);
    return r;
}

enum hvsim_msr_result hvsim_wrmsr(struct hvsim *sim, uint32_t vpi, uint32_t msr, uint64_t value)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    if (!vp) {
        sim_log(sim, "wrmsr 0x%x from unknown vp%u", msr, vpi);
        return HVSIM_MSR_GP;
    }
    sim_enter(sim);
    enum hvsim_msr_result r = wrmsr(sim, vp, msr, value);
    char buf[24];
    if (r != HVSIM_MSR_OK)
        vp->stats.gp_faults++;
    sim_log(sim, "vp%u wrmsr %s=0x%" PRIx64 "%s", vpi, msr_name(msr, buf), value,
            r == HVSIM_MSR_OK ? "" : ": #GP");
    sim_leave(sim);
    return r;
}
