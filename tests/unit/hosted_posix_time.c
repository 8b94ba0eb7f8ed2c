/* The two clocks lib/semaphore.c (hvrt's sem_* face) reads, for hosted
 * tests that link it: the hosted backend has hvsim's clock and a wall
 * clock offset, not lib/time.c's TSC. Without lib/semaphore.c a hosted
 * test's sem_wait would be glibc's, on a sem_t of another layout. */
#include <stdint.h>

#include <hvrt/runtime.h>
#include "lib/time.h"

uint64_t time_ns(void) { return hvrt_time_ns(); }
int64_t time_realtime_ns(void) { return hvrt_wall_clock_ns(); }
