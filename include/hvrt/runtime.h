/* hvrt's runtime API for in-image apps: registering an app, time, memory,
 * and ending the run. Everything else comes from the C library (newlib). */
#ifndef HVRT_RUNTIME_H
#define HVRT_RUNTIME_H

#include <stdint.h>

/* Exit statuses the runtime itself uses. */
#define HVRT_EXIT_USAGE       2     /* a bad command line */
#define HVRT_EXIT_PANIC       125   /* a CPU exception or a runtime panic */
#define HVRT_EXIT_UNREPRESENTABLE 126 /* under --debug-exit: the status was outside 0..127 */
#define HVRT_EXIT_UNKNOWN_APP 127   /* the command line names no such app */

/* An in-image app: a main-like entry the command line can name. */
struct hvrt_app {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;   /* one line for `help` */
};

/* Registers an app at link time, e.g.
 *     HVRT_APP("hello", hello_main, "print a greeting and what the machine is");
 * The linker collects these into one table; nothing runs before main. */
#define HVRT_APP(name_, main_, summary_)                                        \
    static const struct hvrt_app hvrt_app_entry_##main_                         \
        __attribute__((used, section("hvrt_apps"), aligned(8))) = { name_, main_, summary_ }

/* The registered apps, in link order. */
unsigned hvrt_app_count(void);
const struct hvrt_app *hvrt_app_at(unsigned index);

/* Nanoseconds since the image started (the TSC, calibrated at boot). */
uint64_t hvrt_time_ns(void);
/* Sleeps the calling thread for at least us microseconds; other threads
 * run meanwhile, and the CPU halts when none can. */
void hvrt_sleep_us(uint64_t us);

/* The wall clock (UTC, nanoseconds since 1970), as time() and
 * gettimeofday() see it; setting it moves them too. */
int64_t hvrt_wall_clock_ns(void);
void hvrt_set_wall_clock_ns(int64_t ns);

/* The hypervisor's reference time (100 ns units), or 0 without Hyper-V. */
uint64_t hvrt_reference_time_100ns(void);

/* From any context (a VMBus callback at dispatch level included): run
 * fn(arg) as a work item on the runtime's worker thread, at passive level,
 * where it may block (docs/threads.md). The same fn and arg queued again
 * before it ran runs once; at most 8 different ones wait at a time. */
void hvrt_defer(void (*fn)(void *arg), void *arg);

/* A background service started before the first app (the integration
 * services), unless the command line says --no-NAME. start returns 0 when
 * it runs, non-zero when it cannot here (no VMBus, no such device). */
struct hvrt_service {
    const char *name;
    int (*start)(void);
};

#define HVRT_SERVICE(name_, start_)                                             \
    static const struct hvrt_service hvrt_service_entry_##start_                \
        __attribute__((used, section("hvrt_services"), aligned(8))) = { name_, start_ }

unsigned hvrt_service_count(void);
const struct hvrt_service *hvrt_service_at(unsigned index);

/* A runtime option --NAME=VALUE that a service or driver takes (the
 * network's --ip=, for instance), registered like an app. parse gets the
 * text after '=' and returns 0, or -1 after saying what is wrong. Options
 * apply before any app or service starts. */
struct hvrt_option {
    const char *name;
    int (*parse)(const char *value);
    const char *help;      /* "--ip=ADDR/PREFIX  a static IPv4 address" */
};

#define HVRT_OPTION(name_, parse_, help_)                                       \
    static const struct hvrt_option hvrt_option_entry_##parse_                  \
        __attribute__((used, section("hvrt_options"), aligned(8))) = { name_, parse_, help_ }

unsigned hvrt_option_count(void);
const struct hvrt_option *hvrt_option_at(unsigned index);

/* RAM the firmware reported usable, and what is free now. */
uint64_t hvrt_memory_bytes(void);
uint64_t hvrt_memory_free_bytes(void);

/* The SMBIOS chassis asset tag (Azure's is 7783-7084-3265-9085-8269-3286-77),
 * or NULL when the firmware gave none. */
const char *hvrt_chassis_asset_tag(void);

/* The command line the image was started with. */
const char *hvrt_command_line(void);

/* Ends the run: ACPI power-off (S5), or a reset. */
__attribute__((noreturn)) void hvrt_poweroff(void);
__attribute__((noreturn)) void hvrt_reset(void);

#endif
