/* POSIX threads on lib/thread.h, through newlib's <pthread.h> (the image
 * is built with _POSIX_THREADS: see docs/threads.md): create, join,
 * detach, exit, self, equal, once, attributes, sched_yield. Mutexes and
 * condition variables are in pthread_sync.c, semaphores in semaphore.c.
 * newlib names a thread with a 32-bit id: a handle (lib/handles.h) to a
 * record here. Threads the runtime started (the boot thread, an app's main)
 * get a record the first time they ask pthread_self. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "lib/handles.h"
#include "lib/thread.h"
#include "lib/time.h"

struct pthread_record {
    struct thread *thread;
    void *(*fn)(void *);
    void *arg;
    void *result;
    pthread_t id;
    bool detached, joinable, ended;
    struct pthread_record *next;
};

static struct pthread_record *records;

static struct pthread_record *record_of(struct thread *t)
{
    for (struct pthread_record *r = records; r != NULL; r = r->next)
        if (r->thread == t)
            return r;
    return NULL;
}

static struct pthread_record *new_record(void)
{
    struct pthread_record *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->id = handle_new(r);
    if (r->id == 0) {
        free(r);
        return NULL;
    }
    r->next = records;
    records = r;
    return r;
}

static void drop_record(struct pthread_record *r)
{
    for (struct pthread_record **p = &records; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    handle_free(r->id);
    free(r);
}

/* The end of a pthread, by return or pthread_exit. */
__attribute__((noreturn)) static void end(struct pthread_record *r, void *result)
{
    if (r != NULL) {
        r->result = result;
        r->ended = true;
        if (r->detached)
            drop_record(r);   /* lib/thread.c frees the thread itself */
    }
    thread_exit();
}

static void trampoline(void *arg)
{
    struct pthread_record *r = arg;
    end(r, r->fn(r->arg));
}

int pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    size_t stack = 0;
    bool detached = false;
    if (attr != NULL && attr->is_initialized) {
        stack = attr->stacksize > 0 ? (size_t)attr->stacksize : 0;
        detached = attr->detachstate == PTHREAD_CREATE_DETACHED;
    }
    struct pthread_record *r = new_record();
    if (r == NULL)
        return EAGAIN;
    r->fn = fn;
    r->arg = arg;
    r->joinable = !detached;
    r->detached = detached;
    *id = r->id;   /* before it can run: it may look at its own id */
    r->thread = thread_create("pthread", trampoline, r, stack);
    if (r->thread == NULL) {
        drop_record(r);
        return EAGAIN;
    }
    if (detached)
        thread_detach(r->thread);
    return 0;
}

int pthread_join(pthread_t id, void **result)
{
    struct pthread_record *r = handle_get(id);
    if (r == NULL)
        return ESRCH;
    if (!r->joinable)
        return EINVAL;
    if (r->thread == thread_self())
        return EDEADLK;
    r->joinable = false;   /* a second join is an error, not a hang */
    thread_join(r->thread);
    if (result != NULL)
        *result = r->result;
    drop_record(r);
    return 0;
}

int pthread_detach(pthread_t id)
{
    struct pthread_record *r = handle_get(id);
    if (r == NULL)
        return ESRCH;
    if (!r->joinable)
        return EINVAL;
    r->joinable = false;
    r->detached = true;
    struct thread *t = r->thread;
    if (r->ended)
        drop_record(r);
    thread_detach(t);
    return 0;
}

void pthread_exit(void *result)
{
    end(record_of(thread_self()), result);
}

pthread_t pthread_self(void)
{
    struct pthread_record *r = record_of(thread_self());
    if (r == NULL && (r = new_record()) != NULL)
        r->thread = thread_self();   /* a runtime thread: not joinable */
    return r != NULL ? r->id : 0;
}

int pthread_equal(pthread_t a, pthread_t b) { return a == b; }

int sched_yield(void)
{
    thread_yield();
    return 0;
}

void pthread_yield(void) { thread_yield(); }

/* Runs init once; a caller that finds it running (init blocked) waits. */
int pthread_once(pthread_once_t *once, void (*init)(void))
{
    if (once == NULL || init == NULL)
        return EINVAL;
    if (once->init_executed == 0) {
        once->init_executed = 2;   /* running */
        init();
        once->init_executed = 1;
    }
    while (once->init_executed == 2)
        thread_sleep_until(time_ns() + 1000000);
    return 0;
}

/* ---- attributes ---- */

int pthread_attr_init(pthread_attr_t *attr)
{
    *attr = (pthread_attr_t){ .is_initialized = 1, .detachstate = PTHREAD_CREATE_JOINABLE };
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
    attr->is_initialized = 0;
    return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
    if (size < 4096 || size > (size_t)1 << 30)
        return EINVAL;
    attr->stacksize = (int)size;
    return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
    *size = attr->stacksize > 0 ? (size_t)attr->stacksize : 128 * 1024;
    return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
    if (state != PTHREAD_CREATE_DETACHED && state != PTHREAD_CREATE_JOINABLE)
        return EINVAL;
    attr->detachstate = state;
    return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
    *state = attr->detachstate;
    return 0;
}
