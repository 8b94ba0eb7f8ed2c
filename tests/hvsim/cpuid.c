/* CPUID: the hypervisor leaves 0x40000000..max_leaf, filled from the
 * configuration, so a test decides which privileges and features exist. */
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

void hvsim_cpuid(struct hvsim *sim, uint32_t vp, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
    const struct hvsim_config *c = &sim->cfg;
    (void)vp;
    (void)subleaf;
    memset(regs, 0, 4 * sizeof(regs[0]));

    if (leaf == 1) {
        regs[2] = 1u << 31; /* hypervisor present; the real CPU answers the rest */
        return;
    }
    if (leaf < HVW_LEAF_VENDOR || leaf > c->max_leaf)
        return;

    switch (leaf) {
    case HVW_LEAF_VENDOR:
        regs[0] = c->max_leaf;
        regs[1] = HVW_VENDOR_EBX;
        regs[2] = HVW_VENDOR_ECX;
        regs[3] = HVW_VENDOR_EDX;
        break;
    case HVW_LEAF_INTERFACE:
        regs[0] = HVW_HV1;
        break;
    case HVW_LEAF_VERSION:
        memcpy(regs, c->version, sizeof(c->version));
        break;
    case HVW_LEAF_FEATURES:
        regs[0] = (uint32_t)c->privileges;
        regs[1] = (uint32_t)(c->privileges >> 32);
        regs[2] = c->power_info;
        regs[3] = c->features;
        break;
    case HVW_LEAF_RECOMMEND:
        regs[0] = c->recommendations;
        regs[1] = c->spinlock_retries;
        regs[2] = c->phys_addr_bits & 0x7Fu;
        break;
    case HVW_LEAF_LIMITS:
        regs[0] = c->max_vps;
        regs[1] = c->max_lps;
        regs[2] = c->max_irq_vectors;
        break;
    case HVW_LEAF_HW_FEATURES:
        regs[0] = c->hw_features;
        break;
    default:
        break; /* 0x40000007..0x4000000A: root/nested features, none modelled */
    }
}
