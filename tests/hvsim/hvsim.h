/* hvsim: a simulated Hyper-V host for one partition, as a plain C library.
 *
 * The guest side (a test, or the hosted platform backend) calls in as a CPU
 * would trap out: CPUID, RDMSR/WRMSR, hypercalls, APIC EOI. The host side (a
 * test, later a VMBus host model) registers connection ports, queues messages
 * and event flags for the guest, and drives a virtual clock. Guest memory is
 * an arena in which a guest physical address (GPA) is an offset, never a host
 * pointer.
 *
 * Interrupts reach the guest through one callback, called the way a CPU takes
 * interrupts: at the end of the outermost hvsim call, never from inside a
 * nested one, one at a time (the callback may call back into hvsim).
 *
 * Not thread-safe: call it from one thread. See docs/hvsim.md. */
#ifndef HVSIM_HVSIM_H
#define HVSIM_HVSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVSIM_MAX_VPS 64u

struct hvsim;

typedef void (*hvsim_log_fn)(void *ctx, const char *line);

/* What happens to a SINT interrupt raised while the SINT is masked. */
enum hvsim_masked_policy {
    HVSIM_MASKED_HOLD, /* kept pending, raised when the guest unmasks the SINT */
    HVSIM_MASKED_DROP, /* lost (the message, if any, still sits in its slot) */
};

struct hvsim_config {
    uint32_t vp_count;        /* 1..HVSIM_MAX_VPS */
    void *guest_mem;          /* caller's mapping, 4 KiB aligned; NULL: hvsim allocates */
    uint64_t guest_mem_size;  /* bytes, a non-zero multiple of 4096 */

    /* CPUID 0x40000000-0x4000000A */
    uint32_t max_leaf;           /* 0x40000000 EAX */
    uint32_t version[4];         /* 0x40000002 EAX..EDX */
    uint64_t privileges;         /* 0x40000003 EBX:EAX */
    uint32_t power_info;         /* 0x40000003 ECX */
    uint32_t features;           /* 0x40000003 EDX */
    uint32_t recommendations;    /* 0x40000004 EAX */
    uint32_t spinlock_retries;   /* 0x40000004 EBX */
    uint32_t phys_addr_bits;     /* 0x40000004 ECX[6:0] */
    uint32_t max_vps, max_lps, max_irq_vectors; /* 0x40000005 */
    uint32_t hw_features;        /* 0x40000006 EAX */

    /* time */
    uint64_t tsc_hz;    /* virtual TSC frequency, > 10 MHz */
    uint64_t tsc_start; /* virtual TSC value at partition creation */
    uint64_t apic_hz;   /* APIC_FREQUENCY MSR */

    /* behaviour */
    uint64_t crash_ctl_supported; /* value CRASH_CTL reads as: the actions the host supports */
    uint64_t partition_id;        /* HvCallGetPartitionId output */
    uint32_t synic_version;       /* SVERSION */
    uint32_t msg_queue_depth;     /* host->guest messages held per SINT (incl. delayed) */
    uint64_t msg_delay_ns;        /* delivery delay used by hvsim_post_to_guest */
    enum hvsim_masked_policy masked_policy;
    bool zero_synic_pages; /* zero SIM/SIEF pages when enabled (KVM does, Hyper-V does not) */
    bool strict_rsvdp;     /* #GP on non-zero RsvdP bits too (catches sloppy guests) */
    bool amd_hypercall;    /* hypercall page uses VMMCALL instead of VMCALL */

    hvsim_log_fn log;
    void *log_ctx;
};

/* Defaults: 1 VP, 16 MiB arena, every feature hvsim models granted, AutoEOI
 * deprecated, 2.5 GHz TSC, 16 messages per SINT, no delay, HOLD policy. */
void hvsim_config_default(struct hvsim_config *cfg);
struct hvsim *hvsim_create(const struct hvsim_config *cfg); /* NULL on a bad config */
void hvsim_destroy(struct hvsim *sim);
void hvsim_set_log(struct hvsim *sim, hvsim_log_fn fn, void *ctx);
uint32_t hvsim_vp_count(const struct hvsim *sim);

/* ---- guest memory ---- */
/* Host address of [gpa, gpa+len), or NULL if any of it is outside the arena
 * (or len is 0). */
void *hvsim_gpa_to_host(struct hvsim *sim, uint64_t gpa, uint64_t len);
/* GPA of a host address inside the arena; false if it is not inside. */
bool hvsim_host_to_gpa(const struct hvsim *sim, const void *ptr, uint64_t *gpa);
uint64_t hvsim_guest_mem_size(const struct hvsim *sim);

/* ---- the CPU's view: CPUID, MSRs ---- */
enum hvsim_msr_result {
    HVSIM_MSR_OK = 0,
    HVSIM_MSR_GP = 1, /* the instruction would raise #GP */
};

/* Leaves 0x40000000..max_leaf as configured; leaf 1 reports only ECX[31]
 * (hypervisor present); anything else reads as zeros. */
void hvsim_cpuid(struct hvsim *sim, uint32_t vp, uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
enum hvsim_msr_result hvsim_rdmsr(struct hvsim *sim, uint32_t vp, uint32_t msr, uint64_t *value);
enum hvsim_msr_result hvsim_wrmsr(struct hvsim *sim, uint32_t vp, uint32_t msr, uint64_t value);

/* ---- hypercalls ---- */
/* The result value the guest finds in RAX: status 15:0, reps completed
 * 43:32. When control has the Fast bit (16), rdx/r8 are register input;
 * otherwise they are the input and output GPAs. */
uint64_t hvsim_hypercall(struct hvsim *sim, uint32_t vp, uint64_t control, uint64_t input_gpa,
                         uint64_t output_gpa);
/* Same with the Fast bit forced on: rdx and r8 carry the first 16 input bytes. */
uint64_t hvsim_hypercall_fast(struct hvsim *sim, uint32_t vp, uint64_t control, uint64_t rdx,
                              uint64_t r8);
/* Returned when the guest calls without an enabled hypercall page: on a real
 * CPU there is nothing to call (or VMCALL outside the page raises #UD). */
#define HVSIM_HYPERCALL_UD UINT64_MAX

static inline uint16_t hvsim_result_status(uint64_t result) { return (uint16_t)result; }
static inline uint32_t hvsim_result_reps(uint64_t result) { return (uint32_t)(result >> 32) & 0xFFFu; }

/* Fault injection: the next `count` hypercalls with this call code fail with
 * `status` and have no other effect. count 0 clears the rule. Returns 0, or
 * -1 if the rule table (8 codes) is full. */
int hvsim_inject_hypercall_fault(struct hvsim *sim, uint16_t code, uint16_t status, uint32_t count);

/* ---- host side: what the guest posts and signals ---- */
/* A port's handler returns the HV_STATUS the guest's hypercall gets: 0, or
 * e.g. HV_STATUS_INSUFFICIENT_BUFFERS when the host's own queue is full. It
 * may call hvsim (post a reply, signal an event); interrupts it causes are
 * taken after the hypercall returns. */
typedef uint16_t (*hvsim_message_fn)(void *ctx, struct hvsim *sim, uint32_t vp,
                                     uint32_t connection_id, uint32_t message_type,
                                     const void *payload, uint32_t payload_size);
typedef uint16_t (*hvsim_event_fn)(void *ctx, struct hvsim *sim, uint32_t vp,
                                   uint32_t connection_id, uint16_t flag);

/* 0 on success; -1 if the id has bits 31:24 set, is taken, or fn is NULL. */
int hvsim_register_message_port(struct hvsim *sim, uint32_t connection_id, hvsim_message_fn fn,
                                void *ctx);
int hvsim_register_event_port(struct hvsim *sim, uint32_t connection_id, uint16_t flag_count,
                              hvsim_event_fn fn, void *ctx);
int hvsim_unregister_message_port(struct hvsim *sim, uint32_t connection_id);
int hvsim_unregister_event_port(struct hvsim *sim, uint32_t connection_id);

/* ---- host side: to the guest ---- */
enum {
    HVSIM_OK = 0,
    HVSIM_EINVAL = -1, /* bad vp, sint, type, size or flag */
    HVSIM_EFULL = -2,  /* the SINT's queue holds msg_queue_depth messages */
    HVSIM_ESTATE = -3, /* the guest's SynIC cannot take it (SCONTROL/SIEFP off) */
};

/* Queue a message for SINT `sint` of `vp`, deliverable after the configured
 * delay. It reaches the SIM slot when the slot is free (type 0) and SCONTROL
 * and SIMP are enabled. type must be non-zero; size <= 240. */
int hvsim_post_to_guest(struct hvsim *sim, uint32_t vp, uint32_t sint, uint32_t type,
                        const void *payload, uint32_t size);
int hvsim_post_to_guest_ex(struct hvsim *sim, uint32_t vp, uint32_t sint, uint32_t type,
                           const void *payload, uint32_t size, uint64_t delay_ns,
                           uint64_t origination_id);
/* Messages queued (not yet in the slot) for a SINT, delayed ones included. */
uint32_t hvsim_queued_messages(const struct hvsim *sim, uint32_t vp, uint32_t sint);
/* Set flag `flag` (< 2048) of SINT `sint` in the SIEF page; the SINT is
 * raised on a 0->1 transition only. HVSIM_ESTATE when SCONTROL or SIEFP is off. */
int hvsim_signal_guest_event(struct hvsim *sim, uint32_t vp, uint32_t sint, uint32_t flag);

/* Interrupt faults. Lost: the next `count` raises of the SINT go nowhere
 * (messages still reach the slot, flags are still set; nobody is told).
 * Spurious: the SINT fires now with no new message or flag behind it. */
int hvsim_inject_lost_sint(struct hvsim *sim, uint32_t vp, uint32_t sint, uint32_t count);
int hvsim_raise_spurious_sint(struct hvsim *sim, uint32_t vp, uint32_t sint);

/* ---- interrupts (a minimal local APIC per VP) ---- */
typedef void (*hvsim_irq_fn)(void *ctx, struct hvsim *sim, uint32_t vp, uint8_t vector);
/* With no handler, raised vectors stay pending for hvsim_take_interrupt. */
void hvsim_set_irq_handler(struct hvsim *sim, hvsim_irq_fn fn, void *ctx);
/* Like RFLAGS.IF: while disabled, nothing is delivered to the VP (default on). */
void hvsim_set_irq_enabled(struct hvsim *sim, uint32_t vp, bool enabled);
/* Take the highest deliverable pending vector by hand; -1 if none. */
int hvsim_take_interrupt(struct hvsim *sim, uint32_t vp);
/* APIC EOI: ends the highest in-service vector and rescans queued messages. */
void hvsim_apic_eoi(struct hvsim *sim, uint32_t vp);
bool hvsim_irq_pending(const struct hvsim *sim, uint32_t vp, uint8_t vector);
bool hvsim_irq_in_service(const struct hvsim *sim, uint32_t vp, uint8_t vector);

/* ---- time ---- */
uint64_t hvsim_now_ns(const struct hvsim *sim);
uint64_t hvsim_time_ref_count(const struct hvsim *sim); /* 100 ns units */
uint64_t hvsim_read_tsc(const struct hvsim *sim, uint32_t vp);
/* Move the clock forward, firing timers, delayed messages and host
 * callbacks in time order; interrupts are taken at each event's time. */
void hvsim_advance_ns(struct hvsim *sim, uint64_t ns);
/* The same after the host itself could not run for ns (hvsim-bridge when
 * it catches its clock up with real time): what fell due in the gap still
 * happens in time order, but a periodic synthetic timer due several times
 * in it expires once and skips the rest (counted in timer_missed), as
 * Hyper-V skips expirations it could not signal in time rather than send
 * them in a burst (TLFS, "Timers": "Periodic Timers"). */
void hvsim_advance_late_ns(struct hvsim *sim, uint64_t ns);
/* When the next timed event is due (absolute ns); false if none. */
bool hvsim_next_event_ns(const struct hvsim *sim, uint64_t *when_ns);
/* Advance to the next timed event; false (clock unchanged) if none. */
bool hvsim_advance_to_next_event(struct hvsim *sim);
/* Change the TSC rate from now on (as after a migration); the reference TSC
 * page is rewritten with a new sequence number. -1 if hz <= 10 MHz. */
int hvsim_set_tsc_frequency(struct hvsim *sim, uint64_t hz);
/* false: the reference TSC page reports sequence 0 ("read the MSR"). */
void hvsim_set_reference_tsc_valid(struct hvsim *sim, bool valid);

/* Host-side work in virtual time (e.g. a device model replying later).
 * Returns 0, or -1 if out of memory. */
typedef void (*hvsim_host_fn)(void *ctx, struct hvsim *sim);
int hvsim_call_at(struct hvsim *sim, uint64_t when_ns, hvsim_host_fn fn, void *ctx);

/* ---- what the guest did ---- */
struct hvsim_crash {
    uint32_t count;   /* CRASH_CTL writes with CrashNotify */
    uint32_t vp;      /* of the latest one */
    uint64_t params[5];
    uint64_t ctl;
    uint64_t time_ns;
    bool message_valid; /* CrashMessage set and P3/P4 named readable memory */
    uint32_t message_len;
    uint8_t message[4096];
};
const struct hvsim_crash *hvsim_crash_info(const struct hvsim *sim);

struct hvsim_stats {
    /* per VP */
    uint64_t interrupts;          /* vectors handed to the guest */
    uint64_t messages_delivered;  /* copied into a SIM slot */
    uint64_t message_pending_set; /* slot busy: MessagePending set instead */
    uint64_t eom_writes;
    uint64_t apic_eois;
    uint64_t timer_expirations[4];
    uint64_t timer_missed[4];     /* periodic expirations merged into an undelivered one */
    uint64_t gp_faults;
    /* partition-wide */
    uint64_t hypercalls;
    uint64_t hypercall_ud;
    uint64_t reset_requests;
    uint64_t idle_reads;
};
void hvsim_get_stats(const struct hvsim *sim, uint32_t vp, struct hvsim_stats *out);

#endif
