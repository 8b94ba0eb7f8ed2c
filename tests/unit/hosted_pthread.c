/* pthread_create, _join and _detach on lib/thread.h for hosted tests that
 * run apps which start threads (linked with -Wl,--wrap for each). In the
 * image an app's pthreads are hvrt's threads (lib/pthread.c, on newlib's
 * <pthread.h>); on the host they would be glibc's, real OS threads running
 * beside hvrt's scheduler and calling into it at the same time. lib/pthread.c
 * cannot stand in (newlib's pthread_t and attributes), so this small shim
 * does, for the calls such apps make. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lib/thread.h"

struct start {
    void *(*fn)(void *);
    void *arg;
};

static void trampoline(void *arg)
{
    struct start st = *(struct start *)arg;
    free(arg);
    st.fn(st.arg);
}

int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int __wrap_pthread_join(pthread_t id, void **result);
int __wrap_pthread_detach(pthread_t id);

int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    (void)attr;   /* the default stack; the apps that use this set nothing else */
    struct start *st = malloc(sizeof(*st));
    if (st == NULL)
        return EAGAIN;
    *st = (struct start){ fn, arg };
    struct thread *t = thread_create("pthread", trampoline, st, 0);
    if (t == NULL) {
        free(st);
        return EAGAIN;
    }
    *id = (pthread_t)t;
    return 0;
}

int __wrap_pthread_join(pthread_t id, void **result)
{
    thread_join((struct thread *)id);
    if (result != NULL)
        *result = NULL;   /* not kept: these apps join for the end, not the value */
    return 0;
}

int __wrap_pthread_detach(pthread_t id)
{
    thread_detach((struct thread *)id);
    return 0;
}
