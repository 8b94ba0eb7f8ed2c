/* The runtime's clock: the TSC, counted from efi_main, in nanoseconds;
 * plus the wall clock the firmware reported at boot. */
#ifndef HVRT_LIB_TIME_H
#define HVRT_LIB_TIME_H

#include <stdint.h>

void time_init(uint64_t tsc_hz, uint64_t tsc_at_boot, int64_t epoch_seconds_at_boot);
uint64_t time_ns(void);            /* monotonic, since efi_main */
uint64_t time_tsc_hz(void);
int64_t time_realtime_ns(void);    /* since 1970, UTC */
void time_set_realtime_ns(int64_t ns);

/* Converts a TSC difference to nanoseconds with the calibrated rate. */
uint64_t time_tsc_to_ns(uint64_t ticks);

/* The machine's one-shot timer (the LAPIC's, set at start-up): the one the
 * runtime waits with until a better one comes (time_use_timer). */
void time_set_machine_timer(void (*oneshot)(uint64_t ns));

/* Switch the clock (NULL: back to the TSC) or the one-shot timer (NULL:
 * back to the machine's). time_ns() stays continuous across a clock switch. */
void time_use_source(uint64_t (*ns_since_anything)(void));
void time_use_timer(void (*oneshot)(uint64_t ns));

/* Halts until any interrupt or the deadline (time_ns), whichever is first,
 * or until the idle hook is due (it runs, and we return); UINT64_MAX: no
 * deadline. Returns with interrupts enabled. */
void time_wait_until(uint64_t deadline_ns);

/* Sleeps the calling thread; other threads run meanwhile (lib/thread.h). */
void time_sleep_ns(uint64_t ns);

/* Runs every PLATFORM_IDLE_POLL_NS of waiting or sleeping (arch/platform.h). */
void time_set_idle_hook(void (*fn)(void));

#endif
