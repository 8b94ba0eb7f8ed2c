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
/* Halts the CPU until at least us microseconds have passed. */
void hvrt_sleep_us(uint64_t us);

/* RAM the firmware reported usable, and what is free now. */
uint64_t hvrt_memory_bytes(void);
uint64_t hvrt_memory_free_bytes(void);

/* The command line the image was started with. */
const char *hvrt_command_line(void);

/* Ends the run: ACPI power-off (S5), or a reset. */
__attribute__((noreturn)) void hvrt_poweroff(void);
__attribute__((noreturn)) void hvrt_reset(void);

#endif
