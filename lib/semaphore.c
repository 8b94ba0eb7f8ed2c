/* POSIX semaphores (include/hvrt/thread.h: newlib has no <semaphore.h>)
 * and the context query, on lib/thread.h. sem_t has struct semaphore's
 * layout, so no allocation and no handle. */
#include <errno.h>
#include <stddef.h>

#include "hvrt/thread.h"
#include "lib/thread.h"
#include "lib/time.h"

_Static_assert(sizeof(sem_t) == sizeof(struct semaphore) &&
               offsetof(sem_t, waiters) == offsetof(struct semaphore, waiters),
               "sem_t must be a struct semaphore");

static struct semaphore *impl(sem_t *s) { return (struct semaphore *)(void *)s; }

int sem_init(sem_t *sem, int pshared, unsigned int value)
{
    if (pshared != 0 || value > SEM_VALUE_MAX) {
        errno = EINVAL;
        return -1;
    }
    semaphore_init(impl(sem), value);
    return 0;
}

int sem_destroy(sem_t *sem)
{
    if (sem->waiters != NULL) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

int sem_wait(sem_t *sem)
{
    semaphore_down(impl(sem), THREAD_NO_DEADLINE);
    return 0;
}

int sem_trywait(sem_t *sem)
{
    if (!semaphore_down(impl(sem), 0)) {
        errno = EAGAIN;
        return -1;
    }
    return 0;
}

int sem_timedwait(sem_t *sem, const struct timespec *abs)
{
    if (abs == NULL || abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000) {
        errno = EINVAL;
        return -1;
    }
    int64_t want = (int64_t)abs->tv_sec * 1000000000 + abs->tv_nsec, now = time_realtime_ns();
    uint64_t deadline = time_ns() + (want > now ? (uint64_t)(want - now) : 0);
    if (!semaphore_down(impl(sem), deadline)) {
        errno = ETIMEDOUT;
        return -1;
    }
    return 0;
}

int sem_post(sem_t *sem)
{
    if (sem->count >= SEM_VALUE_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    semaphore_up(impl(sem));
    return 0;
}

int sem_getvalue(sem_t *sem, int *value)
{
    *value = (int)sem->count;
    return 0;
}

enum hvrt_context hvrt_thread_context(void)
{
    switch (thread_context()) {
    case CONTEXT_INTERRUPT: return HVRT_CONTEXT_INTERRUPT;
    case CONTEXT_DISPATCH:  return HVRT_CONTEXT_DISPATCH;
    default:                return HVRT_CONTEXT_PASSIVE;
    }
}

bool hvrt_may_block(void) { return thread_may_block(); }
