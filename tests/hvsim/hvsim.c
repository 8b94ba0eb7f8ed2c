/* hvsim core: configuration, creation, logging, the public-call nesting that
 * decides when interrupts are taken, and the counters tests read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

void hvsim_config_default(struct hvsim_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->vp_count = 1;
    cfg->guest_mem_size = 16u << 20;
    cfg->max_leaf = HVW_LEAF_NESTED;
    cfg->version[0] = 20348;  /* a build number, informational only */
    cfg->version[1] = (10u << 16) | 0;
    cfg->privileges = HVW_PRIV_VP_RUNTIME | HVW_PRIV_TIME_REF_COUNT | HVW_PRIV_SYNIC |
                      HVW_PRIV_STIMERS | HVW_PRIV_APIC_MSRS | HVW_PRIV_HYPERCALL_MSRS |
                      HVW_PRIV_VP_INDEX | HVW_PRIV_RESET | HVW_PRIV_REFERENCE_TSC |
                      HVW_PRIV_GUEST_IDLE | HVW_PRIV_FREQUENCY_MSRS | HVW_PRIV_PARTITION_ID |
                      HVW_PRIV_POST_MESSAGES | HVW_PRIV_SIGNAL_EVENTS;
    cfg->features = HVW_FEAT_FREQUENCY_MSRS | HVW_FEAT_CRASH_MSRS |
                    HVW_FEAT_HYPERCALL_LOCK | HVW_FEAT_DIRECT_STIMERS;
    cfg->recommendations = HVW_REC_RELAXED_TIMING | HVW_REC_NO_AUTOEOI;
    cfg->spinlock_retries = 0xFFFFFFFFu;
    cfg->phys_addr_bits = 36;
    cfg->max_vps = HVSIM_MAX_VPS;
    cfg->max_lps = HVSIM_MAX_VPS;
    cfg->tsc_hz = 2500000000ull;
    cfg->tsc_start = 0x1000000000ull; /* non-zero, so "TSC = time" assumptions fail */
    cfg->apic_hz = 200000000ull;
    cfg->crash_ctl_supported = HVW_CRASH_NOTIFY | HVW_CRASH_MESSAGE;
    cfg->partition_id = 0x100;
    cfg->synic_version = 1;
    cfg->msg_queue_depth = 16;
    cfg->masked_policy = HVSIM_MASKED_HOLD;
}

struct hvsim *hvsim_create(const struct hvsim_config *cfg)
{
    if (cfg->vp_count == 0 || cfg->vp_count > HVSIM_MAX_VPS)
        return NULL;
    if (cfg->tsc_hz <= 10000000ull || cfg->msg_queue_depth == 0 || cfg->msg_queue_depth > 4096)
        return NULL;

    struct hvsim *sim = calloc(1, sizeof(*sim));
    if (!sim)
        return NULL;
    sim->cfg = *cfg;
    sim->log = cfg->log;
    sim->log_ctx = cfg->log_ctx;
    sim->tsc_hz = cfg->tsc_hz;
    sim->tsc_base = cfg->tsc_start;
    sim->tsc_valid = true;
    if (mem_init(sim) != 0) {
        free(sim);
        return NULL;
    }
    sim->vps = calloc(cfg->vp_count, sizeof(*sim->vps));
    if (!sim->vps) {
        hvsim_destroy(sim);
        return NULL;
    }
    for (uint32_t i = 0; i < cfg->vp_count; i++) {
        struct hvsim_vp *vp = &sim->vps[i];
        vp->index = i;
        vp->irq_enabled = true;
        for (uint32_t s = 0; s < HVW_SINTS; s++) {
            vp->sint[s] = HVW_SINT_RESET;
            vp->queue[s].items = calloc(cfg->msg_queue_depth, sizeof(struct hvsim_queued_msg));
            if (!vp->queue[s].items) {
                hvsim_destroy(sim);
                return NULL;
            }
        }
    }
    return sim;
}

void hvsim_destroy(struct hvsim *sim)
{
    if (!sim)
        return;
    synic_free(sim);
    ports_free(sim);
    clock_free(sim);
    free(sim->vps);
    mem_fini(sim);
    free(sim);
}

void hvsim_set_log(struct hvsim *sim, hvsim_log_fn fn, void *ctx)
{
    sim->log = fn;
    sim->log_ctx = ctx;
}

uint32_t hvsim_vp_count(const struct hvsim *sim)
{
    return sim->cfg.vp_count;
}

void sim_log(struct hvsim *sim, const char *fmt, ...)
{
    if (!sim->log)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    sim->log(sim->log_ctx, line);
}

struct hvsim_vp *sim_vp(struct hvsim *sim, uint32_t vp)
{
    if (vp >= sim->cfg.vp_count)
        return NULL;
    return &sim->vps[vp];
}

void sim_enter(struct hvsim *sim)
{
    sim->depth++;
}

void sim_leave(struct hvsim *sim)
{
    sim->depth--;
    if (sim->depth == 0)
        apic_deliver(sim);
}

void sim_interrupt_window(struct hvsim *sim)
{
    if (sim->depth != 1)
        return;
    sim->depth = 0;
    apic_deliver(sim);
    sim->depth = 1;
}

const struct hvsim_crash *hvsim_crash_info(const struct hvsim *sim)
{
    return &sim->crash;
}

void hvsim_get_stats(const struct hvsim *sim, uint32_t vp, struct hvsim_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (vp < sim->cfg.vp_count)
        *out = sim->vps[vp].stats;
    out->hypercalls = sim->pstats.hypercalls;
    out->hypercall_ud = sim->pstats.hypercall_ud;
    out->reset_requests = sim->pstats.reset_requests;
    out->idle_reads = sim->pstats.idle_reads;
}
