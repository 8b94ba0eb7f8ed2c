/* pthread mutexes and condition variables on lib/thread.h's. newlib names
 * each with a 32-bit id; a static initializer (0xFFFFFFFF) gets its object
 * on first use. Mutex types: normal, recursive, error-checking (default is
 * error-checking's checks, which cost nothing here). Timed waits take an
 * absolute time on the object's clock (CLOCK_REALTIME unless a condattr
 * says CLOCK_MONOTONIC), as POSIX says, turned into a deadline on the
 * runtime's monotonic clock when the wait starts. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lib/handles.h"
#include "lib/thread.h"
#include "lib/time.h"

struct pmutex {
    struct mutex m;
    int type;
    unsigned depth;   /* recursive: how many locks the owner holds */
};

struct pcond {
    struct cond c;
    clockid_t clock;
};

/* The deadline on time_ns()'s clock for an absolute time on clock. */
static int deadline_of(clockid_t clock, const struct timespec *abs, uint64_t *deadline)
{
    if (abs == NULL || abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000 || abs->tv_sec < 0)
        return EINVAL;
    uint64_t now = time_ns();
    int64_t clock_now = clock == CLOCK_MONOTONIC ? (int64_t)now : time_realtime_ns();
    int64_t want = abs->tv_sec > INT64_MAX / 1000000000 - 1 ? INT64_MAX
                                                            : abs->tv_sec * 1000000000 + abs->tv_nsec;
    *deadline = want <= clock_now ? now : now + (uint64_t)(want - clock_now);
    if (*deadline < now)
        *deadline = THREAD_NO_DEADLINE;   /* overflowed: as good as never */
    return 0;
}

/* ---- mutexes ---- */

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
    *attr = (pthread_mutexattr_t){ .is_initialized = 1, .type = PTHREAD_MUTEX_DEFAULT };
    return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
    attr->is_initialized = 0;
    return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
    if (type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_DEFAULT)
        return EINVAL;
    attr->type = type;
    return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
    *type = attr->type;
    return 0;
}

static int make_mutex(pthread_mutex_t *id, int type)
{
    struct pmutex *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return ENOMEM;
    mutex_init(&p->m);
    p->type = type;
    *id = handle_new(p);
    if (*id == 0) {
        free(p);
        return ENOMEM;
    }
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *id, const pthread_mutexattr_t *attr)
{
    return make_mutex(id, attr != NULL && attr->is_initialized ? attr->type : PTHREAD_MUTEX_DEFAULT);
}

/* The object behind id; a statically initialized mutex gets one now. */
static struct pmutex *mutex_of(pthread_mutex_t *id)
{
    if (*id == HANDLE_STATIC_INIT && make_mutex(id, PTHREAD_MUTEX_DEFAULT) != 0)
        return NULL;
    return handle_get(*id);
}

int pthread_mutex_destroy(pthread_mutex_t *id)
{
    struct pmutex *p = handle_get(*id);
    if (*id == HANDLE_STATIC_INIT)
        return 0;
    if (p == NULL)
        return EINVAL;
    if (p->m.owner != NULL)
        return EBUSY;
    handle_free(*id);
    free(p);
    *id = 0;
    return 0;
}

static int lock(pthread_mutex_t *id, uint64_t deadline, bool try_only)
{
    struct pmutex *p = mutex_of(id);
    if (p == NULL)
        return EINVAL;
    if (p->m.owner == thread_self()) {
        if (p->type != PTHREAD_MUTEX_RECURSIVE)
            return try_only ? EBUSY : EDEADLK;   /* a normal mutex would hang: say so instead */
        p->depth++;
        return 0;
    }
    bool got = try_only ? mutex_trylock(&p->m) : mutex_lock_until(&p->m, deadline);
    if (!got)
        return try_only ? EBUSY : ETIMEDOUT;
    p->depth = 1;
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t *id) { return lock(id, THREAD_NO_DEADLINE, false); }
int pthread_mutex_trylock(pthread_mutex_t *id) { return lock(id, 0, true); }

int pthread_mutex_timedlock(pthread_mutex_t *id, const struct timespec *abs)
{
    uint64_t deadline;
    int err = deadline_of(CLOCK_REALTIME, abs, &deadline);
    if (err == 0)
        err = lock(id, deadline, false);
    return err;
}

int pthread_mutex_unlock(pthread_mutex_t *id)
{
    struct pmutex *p = handle_get(*id);
    if (p == NULL)
        return EINVAL;
    if (p->m.owner != thread_self())
        return EPERM;
    if (--p->depth == 0)
        mutex_unlock(&p->m);
    return 0;
}

/* ---- condition variables ---- */

int pthread_condattr_init(pthread_condattr_t *attr)
{
    *attr = (pthread_condattr_t){ .is_initialized = 1, .clock = CLOCK_REALTIME };
    return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
    attr->is_initialized = 0;
    return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return EINVAL;
    attr->clock = clock;
    return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clock)
{
    *clock = attr->clock;
    return 0;
}

static int make_cond(pthread_cond_t *id, clockid_t clock)
{
    struct pcond *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ENOMEM;
    cond_init(&c->c);
    c->clock = clock;
    *id = handle_new(c);
    if (*id == 0) {
        free(c);
        return ENOMEM;
    }
    return 0;
}

int pthread_cond_init(pthread_cond_t *id, const pthread_condattr_t *attr)
{
    return make_cond(id, attr != NULL && attr->is_initialized ? attr->clock : CLOCK_REALTIME);
}

static struct pcond *cond_of(pthread_cond_t *id)
{
    if (*id == HANDLE_STATIC_INIT && make_cond(id, CLOCK_REALTIME) != 0)
        return NULL;
    return handle_get(*id);
}

int pthread_cond_destroy(pthread_cond_t *id)
{
    struct pcond *c = handle_get(*id);
    if (*id == HANDLE_STATIC_INIT)
        return 0;
    if (c == NULL)
        return EINVAL;
    if (c->c.waiters != NULL)
        return EBUSY;
    handle_free(*id);
    free(c);
    *id = 0;
    return 0;
}

static int wait(pthread_cond_t *cid, pthread_mutex_t *mid, uint64_t deadline)
{
    struct pcond *c = cond_of(cid);
    struct pmutex *m = handle_get(*mid);
    if (c == NULL || m == NULL)
        return EINVAL;
    if (m->m.owner != thread_self())
        return EPERM;
    unsigned depth = m->depth;   /* a recursive mutex is released whole, and restored */
    bool signalled = cond_wait(&c->c, &m->m, deadline);
    m->depth = depth;
    return signalled ? 0 : ETIMEDOUT;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) { return wait(c, m, THREAD_NO_DEADLINE); }

int pthread_cond_timedwait(pthread_cond_t *cid, pthread_mutex_t *m, const struct timespec *abs)
{
    struct pcond *c = cond_of(cid);
    if (c == NULL)
        return EINVAL;
    uint64_t deadline;
    int err = deadline_of(c->clock, abs, &deadline);
    return err != 0 ? err : wait(cid, m, deadline);
}

int pthread_cond_signal(pthread_cond_t *id)
{
    struct pcond *c = cond_of(id);
    if (c == NULL)
        return EINVAL;
    cond_signal(&c->c);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *id)
{
    struct pcond *c = cond_of(id);
    if (c == NULL)
        return EINVAL;
    cond_broadcast(&c->c);
    return 0;
}
