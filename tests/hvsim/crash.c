/* Guest crash reporting: P0-P4 hold free-form values; CRASH_CTL reads as the
 * actions the host supports, and a write with CrashNotify records a crash
 * (with the text message P3/P4 point at, when CrashMessage is set). */
#include <inttypes.h>
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

enum hvsim_msr_result crash_rdmsr(struct hvsim *sim, uint32_t msr, uint64_t *value)
{
    if (msr == HVW_MSR_CRASH_CTL)
        *value = sim->cfg.crash_ctl_supported;
    else
        *value = sim->crash_params[msr - HVW_MSR_CRASH_P(0)];
    return HVSIM_MSR_OK;
}

static void record_crash(struct hvsim *sim, uint32_t vp, uint64_t ctl)
{
    struct hvsim_crash *c = &sim->crash;
    c->count++;
    c->vp = vp;
    memcpy(c->params, sim->crash_params, sizeof(c->params));
    c->ctl = ctl;
    c->time_ns = sim->now_ns;
    c->message_valid = false;
    c->message_len = 0;
    if (ctl & HVW_CRASH_MESSAGE) {
        uint64_t gpa = sim->crash_params[3], len = sim->crash_params[4];
        if (len <= HVW_CRASH_MESSAGE_MAX && mem_read(sim, gpa, c->message, len)) {
            c->message_valid = true;
            c->message_len = (uint32_t)len;
        }
    }
    sim_log(sim, "vp%u guest crashed: P0=0x%" PRIx64 " P1=0x%" PRIx64 " P2=0x%" PRIx64
            " P3=0x%" PRIx64 " P4=0x%" PRIx64 "%s",
            vp, c->params[0], c->params[1], c->params[2], c->params[3], c->params[4],
            c->message_valid ? " (message)" : "");
}

enum hvsim_msr_result crash_wrmsr(struct hvsim *sim, uint32_t vp, uint32_t msr, uint64_t value)
{
    if (msr != HVW_MSR_CRASH_CTL) {
        sim->crash_params[msr - HVW_MSR_CRASH_P(0)] = value;
        return HVSIM_MSR_OK;
    }
    if (value & HVW_CRASH_RSVDZ)
        return HVSIM_MSR_GP;
    /* Action bits the host did not offer are refused like reserved ones. */
    const uint64_t actions = HVW_CRASH_NOTIFY | HVW_CRASH_MESSAGE;
    if (value & actions & ~sim->cfg.crash_ctl_supported)
        return HVSIM_MSR_GP;
    if (value & HVW_CRASH_NOTIFY)
        record_crash(sim, vp, value);
    return HVSIM_MSR_OK;
}
