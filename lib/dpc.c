/* Deferred work: dpcs (dispatch level) and work items (passive level), two
 * FIFO queues and the loops of the two threads that drain them.
 *   dispatch thread  runs dpcs, interrupts on, ahead of every other thread;
 *                    parks when the queue is empty (dpc_queue wakes it).
 *   worker thread    runs work items, a passive thread like any other, so a
 *                    work item may block.
 * A dpc or work item is queued at most once at a time; queuing it again
 * while queued does nothing, and it may queue itself again while running.
 * hvrt_defer (include/hvrt/runtime.h) is a work item from a small pool. */
#include <stddef.h>

#include "lib/thread.h"
#include "lib/sched.h"
#include "arch/platform.h"
#include "hvrt/runtime.h"

static struct dpc *dpc_head, *dpc_tail;
static struct work *work_head, *work_tail;
static struct event work_ready;
static bool work_running;   /* the worker is inside a work item */

void dpc_init(struct dpc *d, void (*fn)(void *arg), void *arg)
{
    d->fn = fn;
    d->arg = arg;
    d->queued = false;
    d->next = NULL;
}

void dpc_queue(struct dpc *d)
{
    platform_irq_state s = platform_irq_save();
    if (!d->queued) {
        d->queued = true;
        d->next = NULL;
        if (dpc_tail != NULL)
            dpc_tail->next = d;
        else
            dpc_head = d;
        dpc_tail = d;
        sched_kick_dispatch();
    }
    platform_irq_restore(s);
}

bool dpc_pending(void) { return dpc_head != NULL; }

void dpc_dispatch_main(void *arg)
{
    (void)arg;
    platform_irq_state s = platform_irq_save();
    for (;;) {
        struct dpc *d = dpc_head;
        if (d == NULL) {
            sched_park_dispatch();
            continue;
        }
        dpc_head = d->next;
        if (dpc_head == NULL)
            dpc_tail = NULL;
        void (*fn)(void *) = d->fn;
        void *fn_arg = d->arg;
        d->queued = false;   /* before it runs: it may queue itself again */
        platform_irq_restore(s);
        fn(fn_arg);
        s = platform_irq_save();
    }
}

void work_init(struct work *w, void (*fn)(void *arg), void *arg)
{
    w->fn = fn;
    w->arg = arg;
    w->queued = false;
    w->next = NULL;
}

void work_queue(struct work *w)
{
    platform_irq_state s = platform_irq_save();
    if (!w->queued) {
        w->queued = true;
        w->next = NULL;
        if (work_tail != NULL)
            work_tail->next = w;
        else
            work_head = w;
        work_tail = w;
        event_set(&work_ready);
    }
    platform_irq_restore(s);
}

bool work_pending(void) { return work_head != NULL; }

bool work_wait_idle(uint64_t deadline_ns)
{
    while (work_head != NULL || work_running) {
        uint64_t now = platform_time_ns();
        if (now >= deadline_ns)
            return false;
        thread_sleep_until(now + 1000000 < deadline_ns ? now + 1000000 : deadline_ns);
    }
    return true;
}

void work_worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        platform_irq_state s = platform_irq_save();
        struct work *w = work_head;
        void (*fn)(void *) = NULL;
        void *fn_arg = NULL;
        if (w != NULL) {
            work_head = w->next;
            if (work_head == NULL)
                work_tail = NULL;
            fn = w->fn;   /* read before it can be queued again with other contents */
            fn_arg = w->arg;
            w->queued = false;
        }
        work_running = fn != NULL;
        platform_irq_restore(s);
        if (fn != NULL)
            fn(fn_arg);
        else
            event_wait(&work_ready, THREAD_NO_DEADLINE);
        work_running = false;
    }
}

/* Whatever was queued is dropped (threads_init on a new hosted run). */
void dpc_reset(void)
{
    for (struct dpc *d = dpc_head; d != NULL; d = d->next)
        d->queued = false;
    for (struct work *w = work_head; w != NULL; w = w->next)
        w->queued = false;
    dpc_head = dpc_tail = NULL;
    work_head = work_tail = NULL;
    event_init(&work_ready, true);
}

/* ---- hvrt_defer: fn(arg) as a work item, without storage of the caller's ---- */

#define DEFER_SLOTS 8
static struct work defer_slots[DEFER_SLOTS];

void hvrt_defer(void (*fn)(void *arg), void *arg)
{
    platform_irq_state s = platform_irq_save();
    bool queued = false;   /* the same pair, not run yet: it runs once */
    struct work *slot = NULL;
    for (int i = 0; i < DEFER_SLOTS; i++) {
        struct work *w = &defer_slots[i];
        if (w->queued && w->fn == fn && w->arg == arg)
            queued = true;
        else if (!w->queued && slot == NULL)
            slot = w;
    }
    if (!queued && slot != NULL) {
        work_init(slot, fn, arg);
        work_queue(slot);
    }
    platform_irq_restore(s);
}
