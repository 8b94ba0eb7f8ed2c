/* Runtime-wide state and the ways a run ends; internal to the runtime. */
#ifndef HVRT_LIB_RUNTIME_H
#define HVRT_LIB_RUNTIME_H

#include <stdint.h>
#include "boot/boot_info.h"

struct runtime_options {
    int debug_exit;   /* --debug-exit: end through QEMU's isa-debug-exit port (tests) */
    int quiet;        /* --quiet: no runtime banner or exit line */
};

extern struct runtime_options runtime_options;
extern const struct boot_info *runtime_boot_info;

/* Prints the message and a backtrace of the caller, then exits with
 * HVRT_EXIT_PANIC. */
__attribute__((noreturn)) void runtime_panic(const char *msg);

/* Ends the run now: no atexit handlers, no stdio flush. Used by _exit and
 * by fault reports. */
__attribute__((noreturn)) void runtime_exit_now(int status);

/* Work to do before the machine powers off or resets (VMBus UNLOAD, Hyper-V
 * teardown), run last-added first; adding one twice changes nothing. Not
 * run after a panic. */
void runtime_add_shutdown_hook(void (*fn)(void));

/* Who to tell about a panic besides the console (the Hyper-V crash MSRs). */
void runtime_set_crash_reporter(void (*fn)(uint64_t code, uint64_t rip, uint64_t rsp, const char *text));
void runtime_report_crash(uint64_t code, uint64_t rip, uint64_t rsp, const char *text);

/* Descriptors another layer owns (the network stack's sockets, net/):
 * read(), write() and close() on a descriptor from `base` up go to these,
 * so code written for BSD sockets works unchanged. One owner; set once. */
struct syscalls_fd_ops {
    long (*read)(int fd, void *buf, unsigned long len);
    long (*write)(int fd, const void *buf, unsigned long len);
    int (*close)(int fd);
};
void syscalls_set_fd_owner(int base, const struct syscalls_fd_ops *ops);

/* Runs the apps the command line names and returns the final status. */
int apps_run_command_line(const char *cmdline);

#endif
