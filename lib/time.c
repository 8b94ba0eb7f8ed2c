#include <stdbool.h>
#include <stddef.h>

#include "lib/time.h"
#include "lib/thread.h"
#include "arch/platform.h"
#include "arch/x86_64/cpu.h"
#include "hvrt/runtime.h"

static uint64_t tsc_hz, tsc_boot;
static uint64_t ns_per_tick_q32;    /* 32.32 fixed point: no 128-bit division */
static int64_t realtime_offset_ns;  /* realtime = offset + time_ns() */

/* A better clock than the calibrated TSC (Hyper-V's reference time), and a
 * better timer than the LAPIC's (synthetic timer 0), once they are set up. */
static uint64_t (*source_ns)(void);
static uint64_t source_offset;      /* time_ns() = source + offset, continuous across switches */
static void no_timer(uint64_t ns) { (void)ns; }   /* until the machine's is set */
static void (*machine_timer)(uint64_t ns) = no_timer;
static void (*oneshot_timer)(uint64_t ns) = no_timer;

void time_set_machine_timer(void (*oneshot)(uint64_t ns))
{
    machine_timer = oneshot;
    oneshot_timer = oneshot;
}

void time_init(uint64_t hz, uint64_t tsc_at_boot, int64_t epoch_seconds_at_boot)
{
    tsc_hz = hz;
    tsc_boot = tsc_at_boot;
    ns_per_tick_q32 = (1000000000ull << 32) / hz;
    realtime_offset_ns = epoch_seconds_at_boot * 1000000000;
}

uint64_t time_tsc_hz(void) { return tsc_hz; }

uint64_t time_tsc_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}

static uint64_t raw_ns(void)
{
    return source_ns != NULL ? source_ns() : time_tsc_to_ns(rdtsc() - tsc_boot);
}

uint64_t time_ns(void) { return raw_ns() + source_offset; }

void time_use_source(uint64_t (*fn)(void))
{
    uint64_t now = time_ns();
    source_ns = fn;
    source_offset = now - raw_ns();
}

void time_use_timer(void (*fn)(uint64_t ns))
{
    oneshot_timer(0);
    oneshot_timer = fn != NULL ? fn : machine_timer;
}

int64_t time_realtime_ns(void) { return realtime_offset_ns + (int64_t)time_ns(); }

void time_set_realtime_ns(int64_t ns) { realtime_offset_ns = ns - (int64_t)time_ns(); }

static void (*idle_hook)(void);
/* Across calls: an app that sleeps 1 ms at a time must still be polled
 * for, every PLATFORM_IDLE_POLL_NS of waiting in all. */
static uint64_t next_idle_poll;

void time_set_idle_hook(void (*fn)(void)) { idle_hook = fn; }

/* With interrupts off: runs the idle hook if it is due (true), else says
 * how long to halt at most before it is. */
static bool idle_poll_due(uint64_t now, uint64_t *deadline)
{
    if (idle_hook == NULL)
        return false;
    if (now >= next_idle_poll) {
        idle_hook();
        next_idle_poll = now + PLATFORM_IDLE_POLL_NS;
        return true;
    }
    if (next_idle_poll < *deadline)
        *deadline = next_idle_poll;
    return false;
}

void time_wait_until(uint64_t deadline)
{
    irq_disable();
    uint64_t now = time_ns();
    if (now < deadline && !idle_poll_due(now, &deadline)) {
        if (deadline != UINT64_MAX)
            oneshot_timer(deadline - now);   /* without it, a silent host would halt us for good */
        irq_enable_and_halt();
        irq_disable();
        if (deadline != UINT64_MAX)
            oneshot_timer(0);
    }
    irq_enable();
}

/* Sleeps yield: the other threads run, and the CPU halts only when none
 * can (lib/thread.c's idle loop, which ends in time_wait_until). */
void time_sleep_ns(uint64_t ns)
{
    thread_sleep_until(time_ns() + ns);
}

uint64_t hvrt_time_ns(void) { return time_ns(); }
void hvrt_sleep_us(uint64_t us) { time_sleep_ns(us * 1000); }

int64_t hvrt_wall_clock_ns(void) { return time_realtime_ns(); }
void hvrt_set_wall_clock_ns(int64_t ns) { time_set_realtime_ns(ns); }
