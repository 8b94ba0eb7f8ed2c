/* The hosted backend: arch/x86_64/hyperv/ and (later) vmbus/ compiled into a
 * Linux test process, on top of hvsim. Guest memory is hvsim's arena, so a
 * guest physical address is an offset in it, never a host pointer. Time is
 * hvsim's virtual clock: waiting for an interrupt advances it to the next
 * event, so tests are fast and deterministic. */
#ifndef HVRT_TESTS_HOSTED_H
#define HVRT_TESTS_HOSTED_H

#include <stdbool.h>

#include "tests/hvsim/hvsim.h"

/* Creates the simulated host (cfg NULL: hvsim's defaults) and the guest page
 * allocator over its arena. 0, or -1. */
int hosted_start(const struct hvsim_config *cfg);
void hosted_stop(void);
struct hvsim *hosted_sim(void);

/* Pages handed out and not freed, for leak checks. */
uint64_t hosted_pages_in_use(void);

/* Tests with a real peer (a Linux stack on a TAP device): from now on the
 * virtual clock does not run ahead of real time (waits sleep for real), so
 * the guest's timeouts and retransmissions mean what they say to the peer.
 * Off again with false; hosted_start turns it off. */
void hosted_follow_real_time(bool on);

/* Console output is kept too, so tests can assert on what the code said. */
const char *hosted_console(void);
void hosted_console_clear(void);

/* Runs the exits of interrupts hvsim delivered during the test's own hvsim
 * calls, then lets the dispatch and worker threads run until no dpc or work
 * item is left; the guest's waits do the same. */
void hosted_run_deferred(void);

/* What the image does before power-off: runs platform_at_shutdown hooks. */
void hosted_run_shutdown_hooks(void);

/* hvrt_poweroff and hvrt_reset run the shutdown hooks, then longjmp to
 * the target set here; hosted_poweroff_kind says which one it was. */
#include <setjmp.h>
enum { HOSTED_POWEROFF = 1, HOSTED_RESET = 2 };
void hosted_catch_poweroff(jmp_buf *target);
int hosted_poweroff_kind(void);

/* Runs an in-image app (linked into the test) by its command line, as the
 * image's runner would; returns its exit status. */
int hosted_run_app(const char *command_line);

#endif
