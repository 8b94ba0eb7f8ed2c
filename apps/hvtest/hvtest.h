/* hvtest: the Hyper-V enlightenment tests, modeled on what kvm-unit-tests'
 * hyperv_synic, hyperv_connections, hyperv_stimer and hyperv_clock check.
 * The same source runs in the image (on KVM with hv-* flags, or Hyper-V)
 * and in a Linux process against hvsim (tests/unit/test_hvtest.c). Each
 * check is one report() line; a group that the host cannot run is skipped
 * with the reason. */
#ifndef HVRT_APPS_HVTEST_H
#define HVRT_APPS_HVTEST_H

#include <stdbool.h>
#include <stdint.h>

int hvtest_main(int argc, char **argv);

/* The counts of the last run, for the hosted test that drives hvtest. */
struct hvtest_counts { int passed, failed, skipped; };
struct hvtest_counts hvtest_last_counts(void);

/* One check: prints "ok" or "FAIL" with the description. */
void report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A whole group cannot run here. */
void skip(const char *group, const char *why);

/* Waits (halting) until *flag is non-zero or timeout_ms passes. */
bool wait_for(volatile int *flag, uint64_t timeout_ms);

void hvtest_synic(void);
void hvtest_connections(bool have_loopback);
void hvtest_stimer(void);
void hvtest_clock(void);

/* Loopback connections, the way kvm-unit-tests uses QEMU's hyperv-testdev:
 * what the guest posts or signals on connection_id comes back to its own
 * SINT. In the image they go through hyperv-testdev (loopback_testdev.c);
 * hosted, through hvsim ports (tests/hosted/loopback_hvsim.c). 0 or -1. */
int loopback_message_connection(uint8_t connection_id, uint8_t sint);
int loopback_event_connection(uint8_t connection_id, uint8_t sint);
void loopback_remove(uint8_t connection_id);

#endif
