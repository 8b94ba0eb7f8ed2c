/* The cost of the execution model (lib/thread.c), on the hosted backend,
 * built optimised and without sanitizers; the switch is the same assembly
 * as in the image.
 *   thread_switch_ns  one switch between two passive threads that yield to
 *                     each other (a round trip is two)
 *   dpc_latency_ns    from dpc_queue on a passive thread to the dpc running
 *                     on the dispatch thread: the queue, the preemption on
 *                     the way out of a no-preemption stretch (the path an
 *                     interrupt's exit takes) and one switch
 * Each is the best of 5 runs. */
#include <stdio.h>
#include <time.h>

#include "tests/hosted/hosted.h"
#include "lib/thread.h"

#define ROUNDS 200000

static uint64_t real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void yielder(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        thread_yield();
}

static double switch_ns(void)
{
    struct thread *a = thread_create("a", yielder, NULL, 0);
    struct thread *b = thread_create("b", yielder, NULL, 0);
    uint64_t t0 = real_ns();
    thread_join(a);   /* a and b alternate; the boot thread waits */
    thread_join(b);
    return (double)(real_ns() - t0) / (2.0 * ROUNDS);
}

static uint64_t ran_at;
static void mark(void *arg) { (void)arg; ran_at = real_ns(); }

static double dpc_ns(void)
{
    struct dpc d;
    dpc_init(&d, mark, NULL);
    uint64_t total = 0;
    for (int i = 0; i < ROUNDS; i++) {
        thread_preempt_disable();
        uint64_t t0 = real_ns();
        dpc_queue(&d);
        thread_preempt_enable();   /* the dispatch thread runs the dpc here */
        total += ran_at - t0;
    }
    return (double)total / ROUNDS;
}

int main(void)
{
    double best_switch = 1e30, best_dpc = 1e30;
    for (int run = 0; run < 5; run++) {
        if (hosted_start(NULL) != 0)
            return 1;
        double s = switch_ns(), d = dpc_ns();
        best_switch = s < best_switch ? s : best_switch;
        best_dpc = d < best_dpc ? d : best_dpc;
        hosted_stop();
    }
    printf("thread_switch_ns %.0f\n", best_switch);
    printf("dpc_latency_ns %.0f\n", best_dpc);
    return 0;
}
