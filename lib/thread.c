/* Threads on the one CPU: creation, the run queue, blocking with deadlines,
 * the idle loop, and the switch to the dispatch thread when an interrupt
 * leaves dpcs behind. docs/threads.md tells the model; in short:
 *   - the dispatch thread (dpcs) runs before any other thread, and an
 *     interrupt that queued a dpc switches to it as the interrupt returns
 *     (unless the interrupted thread said thread_preempt_disable);
 *   - passive threads are cooperative among themselves: one runs until it
 *     blocks, sleeps or yields, then the next in FIFO order;
 *   - with nothing runnable the CPU waits in platform_wait_until until the
 *     earliest deadline (hosted: hvsim's virtual time moves on).
 * All scheduler state changes with interrupts off. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/thread.h"
#include "lib/sched.h"
#include "arch/context.h"
#include "arch/platform.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HVRT_ASAN 1
#include <sanitizer/common_interface_defs.h>
#endif
#endif

#define DEFAULT_STACK (128 * 1024)

enum thread_state { RUNNING, RUNNABLE, BLOCKED, DEAD };

struct wait_node {
    struct thread *thread;
    struct wait_node *next;
    void **queue;              /* NULL once a waker took it off */
};

struct thread {
    struct arch_stack stack;   /* zero for the boot thread: its stack is the arch's own */
    void *sp;
    char name[24];
    thread_fn fn;
    void *arg;
    enum thread_state state;
    bool detached;
    bool timed_out;
    uint64_t deadline;         /* while BLOCKED: when the timer wakes it */
    struct wait_node *wait;    /* while BLOCKED on a queue */
    struct thread *next;       /* run queue */
    struct thread *all_next;   /* every thread but the boot one */
    struct event done;         /* set when it has ended */
    int saved_errno;           /* errno is per thread */
    unsigned preempt_off;
    uint64_t seen_events;      /* thread_wait_until: events it has seen */
    void (*unwind)(void);      /* thread_unwind_to_boot */
    void *fake_stack;          /* ASan's, while switched away */
};

static struct thread boot_thread = { .name = "boot", .state = RUNNING, .deadline = THREAD_NO_DEADLINE };
static struct thread *current = &boot_thread;
static struct thread *dispatch_thread, *worker_thread;
static struct thread *all_threads;
static struct thread *run_head, *run_tail;   /* passive threads, FIFO */
static bool dispatch_ready;
static bool initialized;
static bool idling;                          /* in the idle loop: no preemption */
static struct thread *switched_from;
static void *event_waiters;                  /* thread_wait_until */
static uint64_t events;                      /* interrupts handled and idle polls, counted */

/* ---- run queue ---- */

static void make_runnable(struct thread *t)
{
    if (t->state != BLOCKED)
        return;
    t->state = RUNNABLE;
    if (t == dispatch_thread) {
        dispatch_ready = true;
        return;
    }
    t->next = NULL;
    if (run_tail != NULL)
        run_tail->next = t;
    else
        run_head = t;
    run_tail = t;
}

/* The preempted thread goes first again once the dispatch thread parks. */
static void push_front(struct thread *t)
{
    t->state = RUNNABLE;
    t->next = run_head;
    run_head = t;
    if (run_tail == NULL)
        run_tail = t;
}

static struct thread *pick(void)
{
    if (dispatch_ready) {
        dispatch_ready = false;
        return dispatch_thread;
    }
    struct thread *t = run_head;
    if (t != NULL) {
        run_head = t->next;
        if (run_head == NULL)
            run_tail = NULL;
    }
    return t;
}

static void unlink_wait(struct thread *t)
{
    struct wait_node *n = t->wait;
    if (n == NULL || n->queue == NULL)
        return;
    for (struct wait_node **p = (struct wait_node **)n->queue; *p != NULL; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            break;
        }
    }
    n->queue = NULL;
}

static void wake_expired(uint64_t now)
{
    for (struct thread *t = all_threads; t != NULL; t = t->all_next) {
        if (t->state == BLOCKED && t->deadline <= now) {
            t->timed_out = true;
            make_runnable(t);
        }
    }
    if (boot_thread.state == BLOCKED && boot_thread.deadline <= now) {
        boot_thread.timed_out = true;
        make_runnable(&boot_thread);
    }
}

static uint64_t earliest_deadline(void)
{
    uint64_t d = boot_thread.state == BLOCKED ? boot_thread.deadline : THREAD_NO_DEADLINE;
    for (struct thread *t = all_threads; t != NULL; t = t->all_next)
        if (t->state == BLOCKED && t->deadline < d)
            d = t->deadline;
    return d;
}

/* Something happened that a thread_wait_until caller may be polling for. */
static void note_event(void)
{
    events++;
    sched_wake_all(&event_waiters);
}

/* ---- switching ---- */

static void free_thread(struct thread *t)
{
    for (struct thread **p = &all_threads; *p != NULL; p = &(*p)->all_next) {
        if (*p == t) {
            *p = t->all_next;
            break;
        }
    }
    arch_stack_free(&t->stack);
    free(t);
}

/* First thing on a stack after a switch (and a new thread's first code). */
static void finish_switch(void)
{
#ifdef HVRT_ASAN
    const void *bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(current->fake_stack, &bottom, &size);
    if (switched_from == &boot_thread && boot_thread.stack.low == 0) {
        boot_thread.stack.low = (uintptr_t)bottom;   /* the process's own stack */
        boot_thread.stack.high = (uintptr_t)bottom + size;
    }
#endif
    errno = current->saved_errno;
    struct thread *from = switched_from;
    switched_from = NULL;
    if (from != NULL && from->state == DEAD && from->detached)
        free_thread(from);   /* nobody joins it; its stack is free now */
}

static void switch_to(struct thread *next)
{
    struct thread *prev = current;
    prev->saved_errno = errno;
    switched_from = prev;
    current = next;
#ifdef HVRT_ASAN
    __sanitizer_start_switch_fiber(prev->state == DEAD ? NULL : &prev->fake_stack,
                                   (const void *)next->stack.low, next->stack.high - next->stack.low);
#endif
    arch_context_switch(&prev->sp, next->sp);
    finish_switch();
}

static void idle(void)
{
    uint64_t deadline = earliest_deadline();
    idling = true;
    platform_irq_restore(1);
    platform_wait_until(deadline);   /* halts; runs the platform's idle hook when due */
    platform_irq_save();
    idling = false;
    note_event();
}

/* The caller has set current->state (RUNNABLE and queued, BLOCKED or
 * DEAD); runs whatever comes next, idling while nothing can. */
static void schedule(void)
{
    struct thread *next;
    for (;;) {
        wake_expired(platform_time_ns());
        next = pick();
        if (next != NULL)
            break;
        idle();
    }
    next->state = RUNNING;
    if (next != current)
        switch_to(next);
    if (current->unwind != NULL) {
        void (*fn)(void) = current->unwind;
        current->unwind = NULL;
        unlink_wait(current);
        current->wait = NULL;
        current->deadline = THREAD_NO_DEADLINE;
        platform_irq_restore(1);
        fn();   /* does not return */
    }
}

static bool can_block(void)
{
    return initialized && !idling && current != dispatch_thread && current->state == RUNNING &&
           !platform_in_interrupt();
}

/* ---- lib/sched.h ---- */

bool sched_wait(void **queue, uint64_t deadline_ns)
{
    if (!can_block()) {
        /* Before threads_init, or where blocking is not allowed: wait for
         * the machine instead (the old busy wait), and let the caller look. */
        if (platform_time_ns() >= deadline_ns)
            return false;
        if (!platform_in_interrupt() && !idling) {
            platform_irq_restore(1);
            platform_wait_until(deadline_ns);
            platform_irq_save();
        }
        return platform_time_ns() < deadline_ns;
    }
    if (platform_time_ns() >= deadline_ns)
        return false;
    struct wait_node n = { current, NULL, queue };
    struct wait_node **p = (struct wait_node **)queue;
    while (*p != NULL)
        p = &(*p)->next;
    *p = &n;
    current->wait = &n;
    current->deadline = deadline_ns;
    current->timed_out = false;
    current->state = BLOCKED;
    schedule();
    bool woken = n.queue == NULL;
    unlink_wait(current);
    current->wait = NULL;
    current->deadline = THREAD_NO_DEADLINE;
    return woken || !current->timed_out;
}

bool sched_wake_one(void **queue)
{
    struct wait_node *n = *queue;
    if (n == NULL)
        return false;
    *queue = n->next;
    n->queue = NULL;
    make_runnable(n->thread);
    return true;
}

void sched_wake_all(void **queue)
{
    while (sched_wake_one(queue))
        ;
}

void sched_park_dispatch(void)
{
    current->state = BLOCKED;
    current->deadline = THREAD_NO_DEADLINE;
    schedule();
}

void sched_kick_dispatch(void)
{
    if (dispatch_thread != NULL)
        make_runnable(dispatch_thread);
}

/* ---- preemption by the dispatch thread ---- */

static void yield_to_dispatch(void)
{
    if (!dispatch_ready || idling || current == dispatch_thread || current->state != RUNNING ||
        current->preempt_off != 0 || !initialized)
        return;
    push_front(current);
    schedule();
}

/* Registered with the platform: the end of every interrupt that came while
 * interrupts were on, still with interrupts off. */
static void on_interrupt_exit(void)
{
    note_event();
    yield_to_dispatch();
}

void thread_preempt_disable(void)
{
    current->preempt_off++;
}

void thread_preempt_enable(void)
{
    platform_irq_state s = platform_irq_save();
    if (current->preempt_off > 0 && --current->preempt_off == 0 && s && !platform_in_interrupt())
        yield_to_dispatch();   /* a dpc queued meanwhile runs now */
    platform_irq_restore(s);
}

/* ---- lib/thread.h ---- */

static void thread_start(void *arg)
{
    finish_switch();
    platform_irq_restore(1);
    struct thread *t = arg;
    t->fn(t->arg);
    thread_exit();
}

static struct thread *create(const char *name, thread_fn fn, void *arg, size_t stack_bytes)
{
    struct thread *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    strncpy(t->name, name != NULL ? name : "thread", sizeof(t->name) - 1);
    if (arch_stack_alloc(&t->stack, stack_bytes ? stack_bytes : DEFAULT_STACK, t->name) != 0) {
        free(t);
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    t->deadline = THREAD_NO_DEADLINE;
    t->state = BLOCKED;   /* make_runnable below queues it */
    event_init(&t->done, false);
    t->sp = arch_context_init(t->stack.high, thread_start, t);
    return t;
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_bytes)
{
    struct thread *t = create(name, fn, arg, stack_bytes);
    if (t == NULL)
        return NULL;
    platform_irq_state s = platform_irq_save();
    t->all_next = all_threads;
    all_threads = t;
    make_runnable(t);
    platform_irq_restore(s);
    return t;
}

void thread_join(struct thread *t)
{
    if (t == NULL || t == current || t == &boot_thread)
        return;
    event_wait(&t->done, THREAD_NO_DEADLINE);
    platform_irq_state s = platform_irq_save();
    while (t->state != DEAD) {   /* before threads_init nothing else can run it */
        platform_irq_restore(s);
        thread_yield();
        s = platform_irq_save();
    }
    free_thread(t);
    platform_irq_restore(s);
}

void thread_detach(struct thread *t)
{
    platform_irq_state s = platform_irq_save();
    if (t != NULL && t != &boot_thread) {
        if (t->state == DEAD && t != current)
            free_thread(t);
        else
            t->detached = true;
    }
    platform_irq_restore(s);
}

void thread_exit(void)
{
    if (current == &boot_thread || !initialized) {
        for (;;)
            thread_sleep_until(THREAD_NO_DEADLINE);   /* the boot thread cannot end */
    }
    event_set(&current->done);
    platform_irq_save();
    current->state = DEAD;
    schedule();
    __builtin_unreachable();
}

void thread_yield(void)
{
    if (!can_block())
        return;
    platform_irq_state s = platform_irq_save();
    current->state = BLOCKED;   /* make_runnable queues it at the back */
    make_runnable(current);
    schedule();
    platform_irq_restore(s);
}

void thread_sleep_until(uint64_t deadline_ns)
{
    while (platform_time_ns() < deadline_ns) {
        if (!can_block()) {
            platform_wait_until(deadline_ns);
            continue;
        }
        platform_irq_state s = platform_irq_save();
        current->deadline = deadline_ns;
        current->state = BLOCKED;
        schedule();
        current->deadline = THREAD_NO_DEADLINE;
        platform_irq_restore(s);
    }
}

void thread_wait_until(uint64_t deadline_ns)
{
    if (!can_block()) {
        platform_wait_until(deadline_ns);
        return;
    }
    platform_irq_state s = platform_irq_save();
    if (current->seen_events == events)
        sched_wait(&event_waiters, deadline_ns);
    current->seen_events = events;
    platform_irq_restore(s);
}

struct thread *thread_self(void) { return current; }
const char *thread_name(const struct thread *t) { return t->name; }

enum exec_context thread_context(void)
{
    if (platform_in_interrupt())
        return CONTEXT_INTERRUPT;
    return current == dispatch_thread && initialized ? CONTEXT_DISPATCH : CONTEXT_PASSIVE;
}

bool thread_may_block(void)
{
    return thread_context() == CONTEXT_PASSIVE && platform_irq_enabled();
}

void thread_unwind_to_boot(void (*fn)(void))
{
    platform_irq_save();
    if (current == &boot_thread || !initialized) {
        platform_irq_restore(1);
        fn();
    }
    boot_thread.unwind = fn;
    if (boot_thread.state == BLOCKED)
        make_runnable(&boot_thread);
    current->state = BLOCKED;   /* abandoned: never woken, freed by the next threads_init */
    current->deadline = THREAD_NO_DEADLINE;
    unlink_wait(current);
    schedule();
    __builtin_unreachable();
}

void threads_run_pending(void)
{
    for (int i = 0; i < 10000 && (dpc_pending() || work_pending() || run_head != NULL); i++)
        thread_yield();
}

/* Drops every thread but the caller (the boot thread) and the queues they
 * were on: for the hosted tests, which start the runtime again and again. */
static void reset(void)
{
    while (all_threads != NULL) {
        struct thread *t = all_threads;
        unlink_wait(t);
        all_threads = t->all_next;
        arch_stack_free(&t->stack);
        free(t);
    }
    run_head = run_tail = NULL;
    dispatch_ready = false;
    dispatch_thread = worker_thread = NULL;
    event_waiters = NULL;
    boot_thread.unwind = NULL;
    dpc_reset();
}

void threads_init(void)
{
    platform_irq_state s = platform_irq_save();
    if (initialized)
        reset();
    else
        dpc_reset();   /* the work queue's event is auto-reset from the first run on */
    current = &boot_thread;
    boot_thread.state = RUNNING;
    boot_thread.preempt_off = 0;
    dispatch_thread = thread_create("dispatch", dpc_dispatch_main, NULL, 0);
    worker_thread = thread_create("worker", work_worker_main, NULL, 0);
    if (dispatch_thread == NULL || worker_thread == NULL)
        abort();
    /* The dispatch thread parks until a dpc comes; it is not a queued passive thread. */
    run_head = run_tail = NULL;
    dispatch_thread->state = BLOCKED;
    worker_thread->state = BLOCKED;
    make_runnable(worker_thread);
    make_runnable(dispatch_thread);
    platform_on_interrupt_exit(on_interrupt_exit);
    initialized = true;
    platform_irq_restore(s);
}
