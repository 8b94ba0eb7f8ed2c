/* The POSIX thread face in the real image: create/join with results,
 * mutexes under contention, condition variables that time out on both
 * clocks and that are signalled, semaphores, pthread_once, sleeps that
 * overlap (they yield), detached threads. `threadtest overflow` runs a
 * thread into its guard page on purpose (the fault report must name it). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hvrt/runtime.h>
#include <hvrt/thread.h>

static int passed, failed;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

static uint64_t ms_since(uint64_t t0) { return (hvrt_time_ns() - t0) / 1000000; }

static void abs_in(clockid_t clock, long ms, struct timespec *ts)
{
    clock_gettime(clock, ts);
    ts->tv_nsec += (ms % 1000) * 1000000;
    ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000;
    ts->tv_nsec %= 1000000000;
}

static void *square(void *arg)
{
    long n = (long)arg;
    sched_yield();
    return (void *)(n * n);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int inside, most_inside, total;

static void *contend(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&lock);
        if (++inside > most_inside)
            most_inside = inside;
        sched_yield();   /* the others run, and must wait for the lock */
        total++;
        inside--;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void *signal_later(void *arg)
{
    (void)arg;
    usleep(10000);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void init_once(void) { once_runs++; usleep(1000); }
static void *call_once(void *arg) { (void)arg; pthread_once(&once, init_once); return NULL; }

static uint64_t slept_from[3], slept_to[3];

static void *sleep_50ms(void *arg)
{
    long i = (long)arg;
    slept_from[i] = hvrt_time_ns();
    usleep(50000);
    slept_to[i] = hvrt_time_ns();
    return NULL;
}

static sem_t sem;
static void *post_twice(void *arg) { (void)arg; sem_post(&sem); usleep(5000); sem_post(&sem); return NULL; }

static volatile int detached_ran;
static void *detached(void *arg) { (void)arg; detached_ran = 1; return NULL; }

static void test_create_join(void)
{
    pthread_t t[4];
    int ok = 1;
    for (long i = 0; i < 4; i++)
        ok &= pthread_create(&t[i], NULL, square, (void *)(i + 2)) == 0;
    for (long i = 0; i < 4; i++) {
        void *r = NULL;
        ok &= pthread_join(t[i], &r) == 0 && (long)r == (i + 2) * (i + 2);
    }
    check(ok, "pthread_create and pthread_join return each thread's result");
    check(pthread_join(t[0], NULL) == ESRCH, "a second join finds no thread");
}

static void test_mutex(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, contend, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    check(most_inside == 1 && total == 400, "a mutex excludes 4 threads that yield while holding it");
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_t r;
    pthread_mutex_init(&r, &a);
    check(pthread_mutex_lock(&r) == 0 && pthread_mutex_lock(&r) == 0 && pthread_mutex_unlock(&r) == 0 &&
          pthread_mutex_unlock(&r) == 0 && pthread_mutex_unlock(&r) == EPERM,
          "a recursive mutex counts its locks");
    pthread_mutex_destroy(&r);
    pthread_mutex_lock(&lock);
    check(pthread_mutex_lock(&lock) == EDEADLK && pthread_mutex_trylock(&lock) == EBUSY,
          "relocking a default mutex says EDEADLK instead of hanging");
    pthread_mutex_unlock(&lock);
}

static void test_cond(void)
{
    struct timespec ts;
    pthread_mutex_lock(&lock);
    uint64_t t0 = hvrt_time_ns();
    abs_in(CLOCK_REALTIME, 30, &ts);
    int r = pthread_cond_timedwait(&cond, &lock, &ts);
    uint64_t waited = ms_since(t0);
    check(r == ETIMEDOUT && waited >= 29 && waited < 5000, "cond_timedwait on CLOCK_REALTIME times out after 30 ms");

    pthread_condattr_t ca;
    pthread_cond_t mono;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mono, &ca);
    t0 = hvrt_time_ns();
    abs_in(CLOCK_MONOTONIC, 20, &ts);
    r = pthread_cond_timedwait(&mono, &lock, &ts);
    waited = ms_since(t0);
    check(r == ETIMEDOUT && waited >= 19 && waited < 5000, "cond_timedwait on CLOCK_MONOTONIC times out after 20 ms");
    pthread_cond_destroy(&mono);

    pthread_t t;
    ready = 0;
    pthread_create(&t, NULL, signal_later, NULL);
    abs_in(CLOCK_REALTIME, 5000, &ts);
    r = 0;
    while (!ready && r == 0)
        r = pthread_cond_timedwait(&cond, &lock, &ts);
    check(r == 0 && ready, "cond_timedwait is woken by a signal before its deadline");
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
}

static void test_sem(void)
{
    struct timespec ts;
    sem_init(&sem, 0, 0);
    check(sem_trywait(&sem) == -1 && errno == EAGAIN, "sem_trywait on zero says EAGAIN");
    pthread_t t;
    pthread_create(&t, NULL, post_twice, NULL);
    check(sem_wait(&sem) == 0 && sem_wait(&sem) == 0, "sem_wait takes what another thread posts");
    abs_in(CLOCK_REALTIME, 10, &ts);
    check(sem_timedwait(&sem, &ts) == -1 && errno == ETIMEDOUT, "sem_timedwait times out");
    pthread_join(t, NULL);
    int v = -1;
    sem_post(&sem);
    check(sem_getvalue(&sem, &v) == 0 && v == 1, "sem_getvalue");
}

static void test_once_sleep_detach(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, call_once, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    check(once_runs == 1, "pthread_once runs its routine once for 3 threads");

    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, sleep_50ms, (void *)i);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    /* By order, not by duration (a loaded host delays wake-ups): every
     * thread was asleep before the first one woke. */
    int overlap = 1;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            overlap &= slept_from[i] < slept_to[k] && slept_to[k] - slept_from[k] >= 50000000;
    check(overlap, "three 50 ms usleeps overlap: sleeping yields to the other threads");

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    pthread_create(&d, &a, detached, NULL);
    usleep(1000);
    check(detached_ran && pthread_join(d, NULL) != 0, "a detached thread runs and cannot be joined");
    check(hvrt_thread_context() == HVRT_CONTEXT_PASSIVE && hvrt_may_block(), "an app's main is a passive thread");
}

static int recurse(volatile char *p, int depth)
{
    volatile char buf[512];
    buf[0] = p != NULL ? p[0] : 1;
    if (depth > 1000000)
        return buf[0];
    return recurse(buf, depth + 1) + buf[1];
}

static void *overflow(void *arg) { (void)arg; recurse(NULL, 0); return NULL; }

static int threadtest_main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "overflow") == 0) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 16 * 1024);
        pthread_create(&t, &a, overflow, NULL);
        pthread_join(t, NULL);
        return 1;   /* not reached: the guard page ends the run */
    }
    test_create_join();
    test_mutex();
    test_cond();
    test_sem();
    test_once_sleep_detach();
    printf("threadtest: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

HVRT_APP("threadtest", threadtest_main, "POSIX threads, mutexes, condition variables, semaphores (threadtest [overflow])");
