/* The platform interface: everything vmbus/ (and the in-image Hyper-V
 * tests) may ask of the machine. vmbus/ includes this header and the
 * arch-neutral arch/hv_abi.h (status codes, the SynIC message, the
 * connection-id mask) and nothing else from arch/, so it runs unchanged on
 * all three backends:
 *   bare metal  lib/platform_image.c (memory, interrupts, time from the
 *               runtime) + arch/x86_64/hyperv/ on the real instructions
 *   hosted      tests/hosted/hosted.c (a Linux process with hvsim) + arch/x86_64/hyperv/
 *   bridged     the image under QEMU, arch/x86_64/hyperv/hv_cpu_bridge.c, hvsim in another process
 * The Hyper-V half is implemented once, in arch/x86_64/hyperv/, on top of
 * hv_cpu.h; only memory, interrupts and time differ per backend. */
#ifndef HVRT_ARCH_PLATFORM_H
#define HVRT_ARCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_message;   /* arch/hv_abi.h: what vmbus/ may know of Hyper-V beside this interface */

/* ---- memory ordering ---- */

/* A full barrier: every load and store before it is globally visible, or
 * done, before any load or store after it; store->load is the order that
 * matters (x86 keeps the others by itself). A locked read-modify-write of
 * the word at the top of the stack (adding 0 changes nothing) gives it: on
 * x86 a locked instruction waits for the store buffer to drain and lets no
 * later load pass it, which for ordinary write-back memory, the only kind
 * ring and message pages are, orders exactly what MFENCE orders. MFENCE
 * also orders weakly-ordered accesses (non-temporal stores, write-combining
 * memory), which we never use, and costs about four times as much on the
 * AMD family 26 CPUs these machines have (docs/performance.md). */
static inline void platform_full_barrier(void)
{
    __asm__ volatile("lock addl $0, (%%rsp)" ::: "memory", "cc");
}

/* ---- memory the host may see ---- */

/* count zeroed, page-aligned pages; *gpa is their guest physical address.
 * The pages are contiguous in both address spaces. NULL when out of memory. */
void *platform_pages_alloc(size_t count, uint64_t *gpa);
void platform_pages_free(void *va, size_t count);
uint64_t platform_va_to_gpa(const void *va);
void *platform_gpa_to_va(uint64_t gpa);

/* ---- interrupts, waiting, time ---- */

typedef unsigned long platform_irq_state;
platform_irq_state platform_irq_save(void);          /* disables, returns the old state */
void platform_irq_restore(platform_irq_state state);
/* Halts until an interrupt has been handled or deadline_ns (platform time)
 * has come, whichever is first; UINT64_MAX: no deadline. Callers re-check
 * their condition in a loop. Call with interrupts enabled. Every
 * PLATFORM_IDLE_POLL_NS of waiting it returns early to run the idle hook
 * (platform_at_idle). */
void platform_wait_until(uint64_t deadline_ns);
uint64_t platform_time_ns(void);                      /* monotonic */
bool platform_irq_enabled(void);
/* True while an interrupt handler (or platform_sint_poll's) runs. */
bool platform_in_interrupt(void);
/* fn runs at the end of every interrupt that came while interrupts were
 * on, with interrupts still off, on the interrupted stack; it may switch
 * threads (lib/thread.c switches to the dispatch thread there). Hosted: at
 * the first guest instruction after the hvsim call that delivered it. */
void platform_on_interrupt_exit(void (*fn)(void));

/* Runs fn before power-off or reset, before the Hyper-V teardown (the last
 * registered runs first). Registering the same fn again changes nothing. */
void platform_at_shutdown(void (*fn)(void));
void platform_delay_ns(uint64_t ns);                  /* busy-waits: for short backoffs */

/* ---- Hyper-V messages and events (arch/x86_64/hyperv/synic.c, hypercall.c) ---- */

/* Called in interrupt context with a private copy of the message. */
typedef void (*platform_message_fn)(const struct hv_message *msg, void *ctx);
/* Called in interrupt context with each event flag the host set (already
 * taken: cleared atomically). */
typedef void (*platform_flag_fn)(uint32_t flag, void *ctx);

/* When the SINT fires, the SynIC code takes every set flag of its event
 * array below flag_count and calls on_flag with each, then on_message with
 * each message: the interrupt goes up to the caller, never back down.
 * Either may be NULL (flag_count is then ignored). 0, or -1 if the SynIC is
 * not available. */
int platform_sint_attach(uint32_t sint, platform_message_fn on_message,
                         platform_flag_fn on_flag, uint32_t flag_count, void *ctx);
void platform_sint_detach(uint32_t sint);
/* Runs the SINT's handlers now, as if its interrupt had come (interrupts
 * off meanwhile): for waits that must survive an interrupt the host lost. */
void platform_sint_poll(uint32_t sint);

/* fn runs every PLATFORM_IDLE_POLL_NS while anything waits: VMBus's own
 * waits, and an app's sleep (hvrt_sleep_us, nanosleep). VMBus looks at its
 * SINT there, so an interrupt the host lost costs at most that long instead
 * of a hang. The period spans calls: 1 ms naps are polled for too. NULL: none. */
#define PLATFORM_IDLE_POLL_NS 10000000ull   /* 10 ms: rare enough to cost nothing */
void platform_at_idle(void (*fn)(void));

/* HvPostMessage, retried a bounded number of times while the host's buffers
 * are full; returns the final HV_STATUS. */
uint16_t platform_post_message(uint32_t connection_id, uint32_t message_type,
                               const void *payload, uint32_t size);
/* HvSignalEvent; returns the HV_STATUS. */
uint16_t platform_signal_event(uint32_t connection_id, uint16_t flag);

/* This VP's index, for every "target VP" field. */
uint32_t platform_vp_index(void);

#endif
