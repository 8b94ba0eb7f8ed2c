/* A tiny guest for hvsim's unit tests: a fixed memory layout, the usual
 * enable sequence, and an interrupt recorder. Header-only (static) so each
 * test program takes what it uses. */
#ifndef HVSIM_TEST_GUEST_H
#define HVSIM_TEST_GUEST_H

#include <string.h>

#include "arch/x86_64/hyperv/hv_defs.h"
#include "tests/hvsim/hvsim.h"

#define TG_HYPERCALL_GPA 0x1000ull
#define TG_SIMP_GPA      0x2000ull /* VP n uses + n * 0x10000 */
#define TG_SIEFP_GPA     0x3000ull /* VP n uses + n * 0x10000 */
#define TG_TSC_GPA       0x4000ull
#define TG_INPUT_GPA     0x8000ull
#define TG_OUTPUT_GPA    0x9000ull
#define TG_GUEST_OS_ID   0x8F00000000000000ull

static inline struct hvsim *tg_create(const struct hvsim_config *cfg)
{
    struct hvsim_config def;
    if (!cfg) {
        hvsim_config_default(&def);
        cfg = &def;
    }
    return hvsim_create(cfg);
}

static inline void tg_enable_hypercalls(struct hvsim *sim)
{
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID);
    hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | HV_MSR_ENABLE);
}

static inline uint64_t tg_simp_gpa(uint32_t vp) { return TG_SIMP_GPA + vp * 0x10000ull; }
static inline uint64_t tg_siefp_gpa(uint32_t vp) { return TG_SIEFP_GPA + vp * 0x10000ull; }

/* SIMP, SIEFP, then SCONTROL, on zeroed pages, as a guest would. */
static inline void tg_enable_synic(struct hvsim *sim, uint32_t vp)
{
    memset(hvsim_gpa_to_host(sim, tg_simp_gpa(vp), HV_PAGE_SIZE), 0, HV_PAGE_SIZE);
    memset(hvsim_gpa_to_host(sim, tg_siefp_gpa(vp), HV_PAGE_SIZE), 0, HV_PAGE_SIZE);
    hvsim_wrmsr(sim, vp, HV_MSR_SIMP, tg_simp_gpa(vp) | HV_MSR_ENABLE);
    hvsim_wrmsr(sim, vp, HV_MSR_SIEFP, tg_siefp_gpa(vp) | HV_MSR_ENABLE);
    hvsim_wrmsr(sim, vp, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
}

static inline int tg_set_sint(struct hvsim *sim, uint32_t vp, uint32_t sint, uint8_t vector, uint64_t flags)
{
    return hvsim_wrmsr(sim, vp, HV_MSR_SINT0 + sint, vector | flags);
}

static inline struct hv_message *tg_slot(struct hvsim *sim, uint32_t vp, uint32_t sint)
{
    return hvsim_gpa_to_host(sim, tg_simp_gpa(vp) + sint * HV_SIM_SLOT_SIZE, HV_SIM_SLOT_SIZE);
}

static inline uint8_t *tg_sief(struct hvsim *sim, uint32_t vp, uint32_t sint)
{
    return hvsim_gpa_to_host(sim, tg_siefp_gpa(vp) + sint * HV_SIEF_ARRAY_SIZE, HV_SIEF_ARRAY_SIZE);
}

/* Guest handler step: empty the slot, then EOM if something is pending. */
static inline void tg_consume_slot(struct hvsim *sim, uint32_t vp, uint32_t sint)
{
    struct hv_message *m = tg_slot(sim, vp, sint);
    __atomic_store_n(&m->header.message_type, HV_MESSAGE_TYPE_NONE, __ATOMIC_SEQ_CST);
    if (m->header.flags & HV_MESSAGE_FLAG_PENDING)
        hvsim_wrmsr(sim, vp, HV_MSR_EOM, 0);
}

/* Interrupt recorder; an optional hook runs inside the handler. */
#define TG_MAX_IRQS 256
struct tg_irqs {
    unsigned count;
    uint32_t vp[TG_MAX_IRQS];
    uint8_t vector[TG_MAX_IRQS];
    uint64_t time_ns[TG_MAX_IRQS];
    void (*hook)(struct tg_irqs *irqs, struct hvsim *sim, uint32_t vp, uint8_t vector);
    void *user;
};

static inline void tg_irq_record(void *ctx, struct hvsim *sim, uint32_t vp, uint8_t vector)
{
    struct tg_irqs *r = ctx;
    if (r->count < TG_MAX_IRQS) {
        r->vp[r->count] = vp;
        r->vector[r->count] = vector;
        r->time_ns[r->count] = hvsim_now_ns(sim);
    }
    r->count++;
    if (r->hook)
        r->hook(r, sim, vp, vector);
}

static inline void tg_irqs_attach(struct hvsim *sim, struct tg_irqs *r)
{
    memset(r, 0, sizeof(*r));
    hvsim_set_irq_handler(sim, tg_irq_record, r);
}

#endif
