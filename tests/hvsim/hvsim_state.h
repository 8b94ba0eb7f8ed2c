/* hvsim's runtime state and the calls its files make to each other. Only
 * the files in tests/hvsim include this; users see hvsim.h. */
#ifndef HVSIM_STATE_H
#define HVSIM_STATE_H

#include "tests/hvsim/hv_wire.h"
#include "tests/hvsim/hvsim.h"

#define HVSIM_MAX_FAULTS 8u

/* A host->guest message waiting for its SIM slot. Queues are kept sorted by
 * (ready_ns, seq), so a delayed message never blocks a later, shorter one and
 * equal delays keep posting order. */
struct hvsim_queued_msg {
    uint64_t ready_ns;
    uint64_t seq;
    int timer;              /* STIMER index whose expiry this is, or -1 */
    uint8_t msg[HVW_MSG_SLOT];  /* the slot image, type first */
};

struct hvsim_sint_queue {
    struct hvsim_queued_msg *items; /* msg_queue_depth entries */
    uint32_t count;
};

struct hvsim_stimer {
    uint64_t config;
    uint64_t count;
    bool armed;
    uint64_t due;       /* next expiry, 100 ns reference time */
    bool msg_queued;    /* an expiry message is queued but not yet in the slot */
};

struct hvsim_vp {
    uint32_t index;
    uint64_t scontrol, simp, siefp;
    uint64_t sint[HVW_SINTS];
    bool sint_held[HVW_SINTS]; /* raised while masked (HOLD policy) */
    uint32_t sint_lose[HVW_SINTS]; /* injected: the next n raises are lost */
    struct hvsim_sint_queue queue[HVW_SINTS];
    struct hvsim_stimer stimer[HVW_STIMERS];
    /* minimal local APIC: 256-bit request / in-service / auto-EOI maps */
    uint64_t irr[4], isr[4], auto_eoi[4];
    bool irq_enabled;
    struct hvsim_stats stats;
};

/* An overlay page hides the RAM under it while mapped; the RAM comes back
 * when it is unmapped. */
struct hvsim_overlay {
    bool active;
    uint64_t gpa;
    uint8_t saved[HVW_PAGE];
};

struct hvsim_port {
    uint32_t id;
    bool is_event;
    uint16_t flag_count;
    hvsim_message_fn msg_fn;
    hvsim_event_fn event_fn;
    void *ctx;
};

struct hvsim_fault {
    uint16_t code;
    uint16_t status;
    uint32_t count;
};

struct hvsim_host_call {
    uint64_t when_ns;
    uint64_t seq;
    hvsim_host_fn fn;
    void *ctx;
};

struct hvsim {
    struct hvsim_config cfg;
    uint8_t *mem;
    uint64_t mem_size;
    bool mem_owned;
    struct hvsim_vp *vps;

    /* partition-wide MSRs */
    uint64_t guest_os_id;
    uint64_t hypercall_msr;
    uint64_t reference_tsc_msr;
    struct hvsim_overlay hypercall_page;
    struct hvsim_overlay tsc_page;
    uint64_t crash_params[HVW_CRASH_PARAMS];
    struct hvsim_crash crash;

    /* time: TSC = tsc_base + (now_ns - tsc_base_ns) * tsc_hz / 1e9 */
    uint64_t now_ns;
    uint64_t late_until_ns;   /* hvsim_advance_late_ns: the gap's end while it runs, else 0 */
    uint64_t tsc_hz, tsc_base, tsc_base_ns;
    uint32_t tsc_sequence;
    bool tsc_valid;
    struct hvsim_host_call *calls;
    size_t call_count, call_cap;

    struct hvsim_port *ports;
    size_t port_count, port_cap;
    struct hvsim_fault faults[HVSIM_MAX_FAULTS];
    uint64_t seq;

    hvsim_irq_fn irq_fn;
    void *irq_ctx;
    unsigned depth;  /* nesting of public calls; interrupts wait for 0 */
    bool draining;

    hvsim_log_fn log;
    void *log_ctx;
    struct hvsim_stats pstats; /* partition-wide counters */
};

/* hvsim.c */
void sim_log(struct hvsim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct hvsim_vp *sim_vp(struct hvsim *sim, uint32_t vp);
void sim_enter(struct hvsim *sim);
void sim_leave(struct hvsim *sim); /* at depth 0, hands pending interrupts to the guest */
/* Inside the outermost call only: let pending interrupts in now (used at
 * each timed event, so the guest handles it at that virtual time). */
void sim_interrupt_window(struct hvsim *sim);

/* memory.c */
int mem_init(struct hvsim *sim);
void mem_fini(struct hvsim *sim);
bool mem_range_ok(const struct hvsim *sim, uint64_t gpa, uint64_t len);
bool mem_page_ok(const struct hvsim *sim, uint64_t gpa); /* page-aligned page inside the arena */
bool mem_read(const struct hvsim *sim, uint64_t gpa, void *buf, uint64_t len);
bool mem_write(struct hvsim *sim, uint64_t gpa, const void *buf, uint64_t len);
bool mem_in_overlay(const struct hvsim *sim, uint64_t gpa, uint64_t len);
bool overlay_map(struct hvsim *sim, struct hvsim_overlay *ov, uint64_t gpa);
void overlay_unmap(struct hvsim *sim, struct hvsim_overlay *ov);

/* msr.c helpers shared with synic.c, timer.c, crash.c */
bool msr_rsvdp_rejected(const struct hvsim *sim, uint64_t value, uint64_t rsvdp_mask);

/* synic.c */
enum hvsim_msr_result synic_rdmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t *value);
enum hvsim_msr_result synic_wrmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t value);
int synic_queue(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint, const uint8_t *msg,
                uint64_t delay_ns, int timer);
void synic_scan(struct hvsim *sim, struct hvsim_vp *vp); /* deliver whatever can be delivered */
void synic_raise(struct hvsim *sim, struct hvsim_vp *vp, uint32_t sint);
bool synic_next_ready_ns(const struct hvsim *sim, uint64_t *when_ns);
void synic_free(struct hvsim *sim);

/* apic.c */
void apic_raise(struct hvsim *sim, struct hvsim_vp *vp, uint8_t vector, bool auto_eoi);
void apic_deliver(struct hvsim *sim);
void apic_eoi(struct hvsim *sim, struct hvsim_vp *vp);

/* clock.c */
uint64_t clock_ref_count(const struct hvsim *sim);
void clock_write_tsc_page(struct hvsim *sim);
enum hvsim_msr_result clock_wrmsr_reference_tsc(struct hvsim *sim, uint64_t value);
void clock_advance_to(struct hvsim *sim, uint64_t target_ns);
void clock_free(struct hvsim *sim);

/* timer.c */
enum hvsim_msr_result stimer_rdmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t *value);
enum hvsim_msr_result stimer_wrmsr(struct hvsim *sim, struct hvsim_vp *vp, uint32_t msr, uint64_t value);
bool stimer_next_due_ns(const struct hvsim *sim, uint64_t *when_ns);
void stimer_fire_due(struct hvsim *sim);
void stimer_message_delivered(struct hvsim *sim, struct hvsim_vp *vp, int timer);

/* crash.c */
enum hvsim_msr_result crash_rdmsr(struct hvsim *sim, uint32_t msr, uint64_t *value);
enum hvsim_msr_result crash_wrmsr(struct hvsim *sim, uint32_t vp, uint32_t msr, uint64_t value);

/* hypercall.c */
void ports_free(struct hvsim *sim);

#endif
