/* Events, mutexes, condition variables and semaphores, all on the one
 * wait-queue primitive of lib/sched.h. Each checks its predicate and
 * queues itself with interrupts off, so a signal from an interrupt handler
 * or a dpc cannot slip between the check and the wait. Wake-ups only make a
 * waiter runnable; it re-checks when it runs (another thread may have taken
 * the mutex, the count or the event first). */
#include "lib/thread.h"
#include "lib/sched.h"
#include "arch/platform.h"

/* ---- events ---- */

void event_init(struct event *e, bool auto_reset)
{
    e->set = false;
    e->auto_reset = auto_reset;
    e->waiters = NULL;
}

void event_set(struct event *e)
{
    platform_irq_state s = platform_irq_save();
    e->set = true;
    if (e->auto_reset)
        sched_wake_one(&e->waiters);
    else
        sched_wake_all(&e->waiters);
    platform_irq_restore(s);
}

void event_reset(struct event *e)
{
    e->set = false;
}

bool event_wait(struct event *e, uint64_t deadline_ns)
{
    platform_irq_state s = platform_irq_save();
    while (!e->set && sched_wait(&e->waiters, deadline_ns))
        ;
    bool got = e->set;
    if (got && e->auto_reset)
        e->set = false;
    platform_irq_restore(s);
    return got;
}

/* ---- mutexes ---- */

void mutex_init(struct mutex *m)
{
    m->owner = NULL;
    m->waiters = NULL;
}

void mutex_lock(struct mutex *m)
{
    platform_irq_state s = platform_irq_save();
    while (m->owner != NULL)
        sched_wait(&m->waiters, THREAD_NO_DEADLINE);
    m->owner = thread_self();
    platform_irq_restore(s);
}

bool mutex_lock_until(struct mutex *m, uint64_t deadline_ns)
{
    platform_irq_state s = platform_irq_save();
    while (m->owner != NULL && sched_wait(&m->waiters, deadline_ns))
        ;
    bool got = m->owner == NULL;
    if (got)
        m->owner = thread_self();
    platform_irq_restore(s);
    return got;
}

bool mutex_trylock(struct mutex *m)
{
    platform_irq_state s = platform_irq_save();
    bool got = m->owner == NULL;
    if (got)
        m->owner = thread_self();
    platform_irq_restore(s);
    return got;
}

void mutex_unlock(struct mutex *m)
{
    platform_irq_state s = platform_irq_save();
    m->owner = NULL;
    sched_wake_one(&m->waiters);
    platform_irq_restore(s);
}

/* ---- condition variables ---- */

void cond_init(struct cond *c)
{
    c->waiters = NULL;
}

bool cond_wait(struct cond *c, struct mutex *m, uint64_t deadline_ns)
{
    platform_irq_state s = platform_irq_save();
    mutex_unlock(m);   /* queued before anyone can signal: interrupts are off */
    bool signalled = sched_wait(&c->waiters, deadline_ns);
    platform_irq_restore(s);
    mutex_lock(m);
    return signalled;
}

void cond_signal(struct cond *c)
{
    platform_irq_state s = platform_irq_save();
    sched_wake_one(&c->waiters);
    platform_irq_restore(s);
}

void cond_broadcast(struct cond *c)
{
    platform_irq_state s = platform_irq_save();
    sched_wake_all(&c->waiters);
    platform_irq_restore(s);
}

/* ---- semaphores ---- */

void semaphore_init(struct semaphore *sem, uint32_t count)
{
    sem->count = count;
    sem->waiters = NULL;
}

bool semaphore_down(struct semaphore *sem, uint64_t deadline_ns)
{
    platform_irq_state s = platform_irq_save();
    while (sem->count == 0 && sched_wait(&sem->waiters, deadline_ns))
        ;
    bool got = sem->count > 0;
    if (got)
        sem->count--;
    platform_irq_restore(s);
    return got;
}

void semaphore_up(struct semaphore *sem)
{
    platform_irq_state s = platform_irq_save();
    sem->count++;
    sched_wake_one(&sem->waiters);
    platform_irq_restore(s);
}
