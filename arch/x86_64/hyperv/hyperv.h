/* The Hyper-V enlightenments, as the runtime and the in-image tests use
 * them. vmbus/ does not include this: it goes through arch/platform.h. */
#ifndef HVRT_HYPERV_H
#define HVRT_HYPERV_H

#include <stdbool.h>
#include <stdint.h>

/* What CPUID says (detect.c). */
struct hv_info {
    bool present;              /* "Hv#1" interface at 0x40000001 */
    char vendor[13];           /* leaf 0x40000000, for messages */
    uint32_t max_leaf;
    uint64_t privileges;       /* 0x40000003 EBX:EAX, HV_PRIV_* */
    uint32_t features;         /* 0x40000003 EDX, HV_FEATURE_* */
    uint32_t recommendations;  /* 0x40000004 EAX, HV_RECOMMEND_* */
    uint32_t build, version_major, version_minor;   /* 0x40000002 */
};

void hv_detect(struct hv_info *out);

/* What hyperv_init managed to set up. */
struct hv_state {
    struct hv_info info;
    bool hypercalls;     /* guest OS id + hypercall page */
    bool synic;          /* SIMP, SIEFP, SCONTROL */
    bool messages;       /* HvPostMessage allowed */
    bool events;         /* HvSignalEvent allowed */
    bool ref_tsc;        /* reference TSC page enabled */
    bool ref_counter;    /* TIME_REF_COUNT readable */
    bool stimer;         /* synthetic timer 0 drives timer events */
    bool stimer_direct;  /* ... in direct mode */
    bool crash_msrs;
    uint32_t vp_index;
};

extern struct hv_state hv;

/* Brings up everything CPUID grants, in order, and says on the console what
 * is missing. Returns 0 when Hyper-V is present (whatever it grants), -1 when
 * it is absent. */
int hyperv_init(void);
/* Undoes hyperv_init (timers, SINTs, SynIC pages, reference TSC, hypercall
 * page, guest OS id), as before a power-off or reset. */
void hyperv_teardown(void);

/* hypercall.c */
#define HVRT_GUEST_OS_ID 0xFF00000000010000ull   /* open source, OS type 0x7F (unallocated), version 0.1 */
int hv_hypercall_init(void);
void hv_hypercall_teardown(void);

/* synic.c */
#define HV_VECTOR_SINT_BASE 0x50   /* SINTn interrupts on vector 0x50 + n */
int hv_synic_init(void);
void hv_synic_teardown(void);

/* clock.c: the TSC frequency in Hz from the frequency MSR (CPUID 0x40000003
 * EAX bit 11 and EDX bit 8), 0 when the hypervisor does not state it. Needs
 * only CPUID and RDMSR, not hyperv_init: the boot asks it before it would
 * calibrate the TSC. */
uint64_t hv_tsc_frequency(void);

/* clock.c: reference time in 100 ns units, and nanoseconds since boot. */
int hv_clock_init(void);
void hv_clock_teardown(void);
bool hv_clock_ref_time(uint64_t *time_100ns);

/* stimer.c: synthetic timer 0 as the runtime's one-shot timer. */
#define HV_TIMER_SINT 4            /* never 0, never the VMBus SINT (2) */
#define HV_VECTOR_STIMER_DIRECT 0x48
int hv_stimer_init(void);
void hv_stimer_teardown(void);
void hv_stimer_oneshot(uint64_t ns);   /* 0 cancels */

/* crash.c: tells the host about a panic through the crash MSRs. */
int hv_crash_init(void);
void hv_crash_report(uint64_t code, uint64_t rip, uint64_t rsp, const char *text);

#endif
