/* hvrt's threads beyond what <pthread.h> gives (docs/threads.md).
 *
 * Threads are POSIX: <pthread.h> (create, join, detach, exit, self, once,
 * mutexes, condition variables with timedwait), sched_yield, and sleeping
 * with nanosleep, usleep, sleep or hvrt_sleep_us, all of which let the
 * other threads run. Scheduling is cooperative among an app's threads: one
 * runs until it blocks, sleeps or yields. Device work (dpcs) preempts them.
 *
 * newlib 3.3.0 has no <semaphore.h>: the POSIX semaphore calls are here,
 * with their POSIX names and meaning (unnamed, process-private). */
#ifndef HVRT_THREAD_H
#define HVRT_THREAD_H

#include <stdbool.h>
#include <time.h>

typedef struct {
    volatile unsigned int count;
    void *waiters;
} sem_t;

#define SEM_VALUE_MAX 0x7fffffff

/* 0, or -1 with errno (EINVAL: pshared, or value above SEM_VALUE_MAX). */
int sem_init(sem_t *sem, int pshared, unsigned int value);
int sem_destroy(sem_t *sem);
/* Waits for the count to be above zero and takes one. */
int sem_wait(sem_t *sem);
/* -1 with errno EAGAIN when the count is zero. */
int sem_trywait(sem_t *sem);
/* As sem_wait, until abs on CLOCK_REALTIME: then -1 with errno ETIMEDOUT. */
int sem_timedwait(sem_t *sem, const struct timespec *abs);
/* Any context, a VMBus callback included. */
int sem_post(sem_t *sem);
int sem_getvalue(sem_t *sem, int *value);

/* Where the caller runs: an app's threads are passive; a VMBus callback
 * may run at dispatch level (no blocking there: no mutex, no sleep, no
 * sem_wait) or, for a channel set to passive processing, passive. */
enum hvrt_context { HVRT_CONTEXT_PASSIVE, HVRT_CONTEXT_DISPATCH, HVRT_CONTEXT_INTERRUPT };
enum hvrt_context hvrt_thread_context(void);
/* True where a blocking call is allowed. */
bool hvrt_may_block(void);

#endif
