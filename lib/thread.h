/* Threads, waiting and deferred work: hvrt's execution model.
 *
 * One CPU (the boot VP). Three contexts, as KMCL names them:
 *   interrupt  an interrupt handler: acknowledges, queues a dpc, returns.
 *              Never runs driver or app code, never blocks.
 *   dispatch   a dpc: runs on the dispatch thread with interrupts on, before
 *              any other thread. Must not block (no mutex, no wait); it may
 *              signal (event_set, cond_signal, dpc_queue, work_queue).
 *   passive    any other thread (app mains, service threads, the passive
 *              worker that runs work items). May block.
 *
 * This header is the contract the rest of the runtime (vmbus/, drivers/,
 * lib/) codes against; lib/thread.c and friends implement it; the public
 * face for apps is POSIX (pthread.h) plus include/hvrt/thread.h.
 * Deadlines are absolute, in platform_time_ns() nanoseconds; UINT64_MAX
 * means no deadline. */
#ifndef HVRT_LIB_THREAD_H
#define HVRT_LIB_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define THREAD_NO_DEADLINE UINT64_MAX

/* ---- threads ---- */

struct thread;
typedef void (*thread_fn)(void *arg);

/* Starts fn(arg) on a new thread with its own stack (stack_bytes, 0 for the
 * default) below a guard page. NULL when out of memory. From passive or
 * dispatch context. */
struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_bytes);
/* Waits until t has ended, then frees it. Passive only; once per thread. */
void thread_join(struct thread *t);
/* Lets t's resources go when it ends, instead of at thread_join (which
 * must then not be called). */
void thread_detach(struct thread *t);
/* Ends the calling thread (returning from its fn does the same). */
__attribute__((noreturn)) void thread_exit(void);
/* Lets every other runnable thread of the same or higher priority run. */
void thread_yield(void);
/* Blocks the calling thread until the deadline (passive only). */
void thread_sleep_until(uint64_t deadline_ns);
/* For loops that poll a condition an interrupt handler sets (VMBus's
 * waits for the host): returns once an interrupt has been handled (or the
 * platform's idle poll ran) since the caller's previous call, or at the
 * deadline. Other threads run meanwhile. Callers re-check in a loop, as
 * with platform_wait_until, which it replaces. Where blocking is not
 * allowed (dispatch, interrupts off) it is platform_wait_until. */
void thread_wait_until(uint64_t deadline_ns);
/* The dispatch thread preempts a passive thread when an interrupt queues a
 * dpc; between these two calls it does not (code that a dpc must not
 * interleave with, e.g. newlib's malloc). They nest. */
void thread_preempt_disable(void);
void thread_preempt_enable(void);
struct thread *thread_self(void);
const char *thread_name(const struct thread *t);

enum exec_context { CONTEXT_PASSIVE, CONTEXT_DISPATCH, CONTEXT_INTERRUPT };
enum exec_context thread_context(void);
/* True where blocking is allowed: passive context with interrupts on. */
bool thread_may_block(void);

/* ---- waiting: the one primitive the others are built on ---- */

/* A signalled flag, settable from any context (interrupt and dispatch
 * included), waited on at passive level. Auto-reset events wake one waiter
 * and clear; manual-reset ones stay set and wake all. */
struct event {
    volatile bool set;
    bool auto_reset;
    void *waiters;          /* implementation's list */
};
void event_init(struct event *e, bool auto_reset);
void event_set(struct event *e);
void event_reset(struct event *e);
/* true when set, false when the deadline passed first. Passive only. */
bool event_wait(struct event *e, uint64_t deadline_ns);

/* ---- sleeping locks (passive only) ---- */

struct mutex {
    struct thread *owner;
    void *waiters;
};
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
/* false when the deadline passed before the mutex was free. */
bool mutex_lock_until(struct mutex *m, uint64_t deadline_ns);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

struct cond {
    void *waiters;
};
void cond_init(struct cond *c);
/* Unlocks m, waits for a signal or the deadline, relocks m. false on
 * timeout. Spurious wake-ups are allowed: callers loop on their predicate. */
bool cond_wait(struct cond *c, struct mutex *m, uint64_t deadline_ns);
void cond_signal(struct cond *c);      /* any context */
void cond_broadcast(struct cond *c);   /* any context */

struct semaphore {
    volatile uint32_t count;
    void *waiters;
};
void semaphore_init(struct semaphore *s, uint32_t count);
bool semaphore_down(struct semaphore *s, uint64_t deadline_ns);   /* passive */
void semaphore_up(struct semaphore *s);                           /* any context */

/* ---- deferred work ---- */

/* A dpc runs fn(arg) at dispatch level. Queuing one that is already queued
 * does nothing (it runs once), so an interrupt handler can queue the same
 * dpc for every interrupt. The storage belongs to the caller. */
struct dpc {
    void (*fn)(void *arg);
    void *arg;
    bool queued;
    struct dpc *next;
};
void dpc_init(struct dpc *d, void (*fn)(void *arg), void *arg);
void dpc_queue(struct dpc *d);       /* any context */

/* A work item runs fn(arg) on the passive worker thread, where it may
 * block. Same queuing rule as a dpc. */
struct work {
    void (*fn)(void *arg);
    void *arg;
    bool queued;
    struct work *next;
};
void work_init(struct work *w, void (*fn)(void *arg), void *arg);
void work_queue(struct work *w);     /* any context */
/* Waits (passive) until no work item is queued or running; false when the
 * deadline came first. The end of a run waits so, so that a host shutdown
 * in progress on the worker finishes before the app's exit ends the run. */
bool work_wait_idle(uint64_t deadline_ns);

/* Starts the scheduler's own threads (dispatch, passive worker) and makes
 * the caller a thread (the boot thread). Before this, everything runs on
 * the boot stack and the calls above fall back to busy waiting. */
void threads_init(void);

/* For the hosted tests. Lets the dispatch and worker threads (and any
 * runnable thread) run until no dpc or work item is left. */
void threads_run_pending(void);
/* Ends the calling thread for good and makes the boot thread run fn
 * (which must not return: a longjmp out of the run) where its current wait
 * stands; from the boot thread, just calls fn. */
__attribute__((noreturn)) void thread_unwind_to_boot(void (*fn)(void));

#endif
