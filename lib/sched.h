/* The scheduler's inside, shared by lib/thread.c (threads, run queue),
 * lib/sync.c (events, locks) and lib/dpc.c (dpcs, work items). Not an API:
 * everything else uses lib/thread.h. Every function here is called with
 * interrupts off (platform_irq_save), which is what makes a check-then-wait
 * atomic against interrupt handlers and dpc preemption on one CPU. */
#ifndef HVRT_LIB_SCHED_H
#define HVRT_LIB_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Blocks the calling thread on *queue (an object's `waiters` field) until
 * sched_wake_* takes it off or the deadline passes. true when woken (or
 * when blocking is impossible here and the caller must simply re-check),
 * false when the deadline passed. Callers loop on their predicate. */
bool sched_wait(void **queue, uint64_t deadline_ns);
/* Makes the first waiter of *queue runnable; false if there was none. */
bool sched_wake_one(void **queue);
void sched_wake_all(void **queue);

/* The dispatch thread: parks until sched_kick_dispatch (dpc.c's loop). */
void sched_park_dispatch(void);
void sched_kick_dispatch(void);

/* dpc.c: the bodies of the scheduler's own threads, and queue resets. */
void dpc_dispatch_main(void *arg);
void work_worker_main(void *arg);
bool dpc_pending(void);
bool work_pending(void);
void dpc_reset(void);

#endif
