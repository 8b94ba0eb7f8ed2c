/* lib/thread.h on the hosted backend: threads, the sync objects, dpcs and
 * work items, sleeping and waiting in hvsim's virtual time, a dpc from a
 * real (simulated) interrupt preempting a passive thread that never
 * yields, and a stack overflow hitting the guard page (in a child). */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "tests/hosted/hosted.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "lib/thread.h"
#include <hvrt/runtime.h>

#define MS 1000000ull

static uint64_t now(void) { return platform_time_ns(); }

static void start(void)
{
    CHECK_EQ(hosted_start(NULL), 0);
}

/* ---- create, join, exit, yield ---- */

static char trace[64];
static size_t trace_len;
static void note(char c) { if (trace_len + 1 < sizeof(trace)) trace[trace_len++] = c, trace[trace_len] = 0; }

static void step_thread(void *arg)
{
    char c = (char)(uintptr_t)arg;
    for (int i = 0; i < 3; i++) {
        note(c);
        thread_yield();
    }
}

static void test_create_join_and_yield_interleave(void)
{
    start();
    trace_len = 0;
    struct thread *a = thread_create("a", step_thread, (void *)(uintptr_t)'a', 0);
    struct thread *b = thread_create("b", step_thread, (void *)(uintptr_t)'b', 0);
    CHECK(a != NULL && b != NULL, "created");
    CHECK_EQ(strcmp(thread_name(a), "a"), 0);
    thread_join(a);
    thread_join(b);
    CHECK(strcmp(trace, "ababab") == 0, "trace %s: yield hands over in FIFO order", trace);
    hosted_stop();
}

static int exit_reached;
static void exits_early(void *arg)
{
    (void)arg;
    exit_reached = 1;
    thread_exit();
    exit_reached = 2;   /* never */
}

static void test_exit_ends_the_thread(void)
{
    start();
    exit_reached = 0;
    struct thread *t = thread_create("x", exits_early, NULL, 0);
    thread_join(t);
    CHECK_EQ(exit_reached, 1);
    CHECK(thread_context() == CONTEXT_PASSIVE && thread_may_block(), "the test is a passive thread");
    hosted_stop();
}

/* ---- mutex ---- */

static struct mutex lock;
static int inside, most_inside, total;

static void contend(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        mutex_lock(&lock);
        inside++;
        if (inside > most_inside)
            most_inside = inside;
        thread_yield();   /* the others run and must block on the lock */
        total++;
        inside--;
        mutex_unlock(&lock);
        thread_yield();
    }
}

static void test_mutex_excludes_under_contention(void)
{
    start();
    mutex_init(&lock);
    inside = most_inside = total = 0;
    struct thread *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = thread_create("contend", contend, NULL, 0);
    for (int i = 0; i < 3; i++)
        thread_join(t[i]);
    CHECK_EQ(most_inside, 1);
    CHECK_EQ(total, 150);
    CHECK(mutex_trylock(&lock), "free again");
    CHECK(!mutex_trylock(&lock), "held now");
    mutex_unlock(&lock);
    hosted_stop();
}

/* ---- condition variables ---- */

static struct cond cv;
static int ready;

static void signal_after_2ms(void *arg)
{
    (void)arg;
    thread_sleep_until(now() + 2 * MS);
    mutex_lock(&lock);
    ready = 1;
    cond_signal(&cv);
    mutex_unlock(&lock);
}

static void test_cond_times_out_in_virtual_time_and_is_signalled(void)
{
    start();
    mutex_init(&lock);
    cond_init(&cv);
    uint64_t t0 = now();
    mutex_lock(&lock);
    CHECK(!cond_wait(&cv, &lock, t0 + 5 * MS), "nobody signals: times out");
    CHECK(now() >= t0 + 5 * MS && now() < t0 + 6 * MS, "at the deadline (%llu ns)", (unsigned long long)(now() - t0));
    CHECK(lock.owner == thread_self(), "relocked after the timeout");

    ready = 0;
    t0 = now();
    struct thread *t = thread_create("signaller", signal_after_2ms, NULL, 0);
    while (!ready)
        CHECK(cond_wait(&cv, &lock, t0 + 100 * MS), "signalled before the deadline");
    CHECK(now() >= t0 + 2 * MS && now() < t0 + 3 * MS, "woken at the signal (%llu ns)", (unsigned long long)(now() - t0));
    mutex_unlock(&lock);
    thread_join(t);
    hosted_stop();
}

/* ---- semaphores and events ---- */

static struct semaphore items;
static int consumed;

static void consumer(void *arg)
{
    (void)arg;
    while (semaphore_down(&items, now() + 10 * MS))
        consumed++;
}

static void test_semaphore_counts_and_times_out(void)
{
    start();
    semaphore_init(&items, 2);
    consumed = 0;
    struct thread *t = thread_create("consumer", consumer, NULL, 0);
    thread_yield();
    CHECK_EQ(consumed, 2);
    for (int i = 0; i < 5; i++)
        semaphore_up(&items);
    thread_yield();
    CHECK_EQ(consumed, 7);
    uint64_t t0 = now();
    thread_join(t);   /* its down times out 10 ms after the last item */
    CHECK(now() >= t0 + 10 * MS, "the consumer timed out in virtual time");
    CHECK(!semaphore_down(&items, now() + MS), "nothing left");
    hosted_stop();
}

static struct event ev;
static int woke;
static void waits_for_event(void *arg) { (void)arg; if (event_wait(&ev, THREAD_NO_DEADLINE)) woke++; }

static void test_events_auto_and_manual_reset(void)
{
    start();
    event_init(&ev, true);
    woke = 0;
    struct thread *a = thread_create("w1", waits_for_event, NULL, 0);
    struct thread *b = thread_create("w2", waits_for_event, NULL, 0);
    thread_yield();
    event_set(&ev);
    thread_yield();
    CHECK_EQ(woke, 1);   /* auto-reset: one waiter, then clear */
    CHECK(!ev.set, "cleared by the waiter it woke");
    event_set(&ev);
    thread_join(a);
    thread_join(b);
    CHECK_EQ(woke, 2);

    event_init(&ev, false);
    woke = 0;
    a = thread_create("w1", waits_for_event, NULL, 0);
    b = thread_create("w2", waits_for_event, NULL, 0);
    thread_yield();
    event_set(&ev);
    thread_join(a);
    thread_join(b);
    CHECK_EQ(woke, 2);   /* manual reset: all, and it stays set */
    CHECK(event_wait(&ev, now()), "still set");
    event_reset(&ev);
    CHECK(!event_wait(&ev, now() + MS), "reset");
    hosted_stop();
}

/* ---- sleeping ---- */

static uint64_t woke_at[2];
static void sleeper(void *arg)
{
    int i = (int)(uintptr_t)arg;
    thread_sleep_until(now() + (uint64_t)(i + 1) * 3 * MS);
    woke_at[i] = now();
}

static void test_sleep_yields_and_wakes_in_deadline_order(void)
{
    start();
    uint64_t t0 = now();
    struct thread *late = thread_create("late", sleeper, (void *)1, 0);
    struct thread *early = thread_create("early", sleeper, (void *)0, 0);
    hvrt_sleep_us(1000);   /* the boot thread sleeps too; all three wait at once */
    CHECK(now() - t0 >= MS && now() - t0 < 2 * MS, "boot slept 1 ms");
    thread_join(late);
    thread_join(early);
    CHECK(woke_at[0] >= t0 + 3 * MS && woke_at[0] < t0 + 4 * MS, "early at 3 ms");
    CHECK(woke_at[1] >= t0 + 6 * MS && woke_at[1] < t0 + 7 * MS, "late at 6 ms: the sleeps overlapped");
    hosted_stop();
}

/* ---- dpcs and work items ---- */

static struct dpc dpc;
static struct work work;
static int dpc_runs, work_runs, spins;
static enum exec_context dpc_context, work_context;
static int spins_when_dpc_ran;

static void dpc_fn(void *arg)
{
    (void)arg;
    dpc_runs++;
    dpc_context = thread_context();
    spins_when_dpc_ran = spins;
    work_queue(&work);
}

static void work_fn(void *arg)
{
    (void)arg;
    work_runs++;
    work_context = thread_context();
    thread_sleep_until(now() + MS);   /* work items may block */
}

static bool in_attach;

static void on_sint(uint32_t event_flag, void *ctx)
{
    (void)event_flag;
    (void)ctx;
    CHECK(in_attach || thread_context() == CONTEXT_INTERRUPT, "the SINT handler runs in interrupt context");
    dpc_queue(&dpc);
    dpc_queue(&dpc);   /* queued twice: runs once */
}

static void signal_guest(void *ctx, struct hvsim *sim)
{
    (void)ctx;
    hvsim_signal_guest_event(sim, 0, 2, 5);
}

/* Spins in virtual time without ever yielding. */
static void busy(void *arg)
{
    (void)arg;
    for (spins = 0; spins < 100; spins++)
        platform_delay_ns(100000);
}

static void test_dpc_from_an_interrupt_preempts_a_busy_thread(void)
{
    start();
    CHECK_EQ(hyperv_init(), 0);
    dpc_init(&dpc, dpc_fn, NULL);
    work_init(&work, work_fn, NULL);
    in_attach = true;   /* attaching polls the SINT once, outside an interrupt */
    CHECK_EQ(platform_sint_attach(2, NULL, on_sint, 64, NULL), 0);
    in_attach = false;
    hosted_run_deferred();
    dpc_runs = work_runs = 0;
    spins_when_dpc_ran = -1;
    CHECK_EQ(hvsim_call_at(hosted_sim(), now() + 5 * MS, signal_guest, NULL), 0);
    struct thread *t = thread_create("busy", busy, NULL, 0);
    thread_join(t);   /* busy runs 10 ms; the interrupt comes at 5 */
    CHECK_EQ(dpc_runs, 1);
    CHECK(spins_when_dpc_ran > 0 && spins_when_dpc_ran < 100,
          "the dpc ran in the middle of the busy thread (after %d of 100 spins)", spins_when_dpc_ran);
    CHECK(dpc_context == CONTEXT_DISPATCH, "dpcs run at dispatch level");
    hosted_run_deferred();
    CHECK_EQ(work_runs, 1);
    CHECK(work_context == CONTEXT_PASSIVE, "work items run at passive level");
    platform_sint_detach(2);
    hyperv_teardown();
    hosted_stop();
}

/* thread_wait_until: VMBus's way of waiting for the host. */
static volatile int flag;
static void set_flag(uint32_t event_flag, void *ctx) { (void)ctx; flag = event_flag == 5; }
static int others_ran;
static void other(void *arg) { (void)arg; others_ran++; }

static void test_wait_until_returns_after_an_interrupt_and_lets_others_run(void)
{
    start();
    CHECK_EQ(hyperv_init(), 0);
    CHECK_EQ(platform_sint_attach(2, NULL, set_flag, 64, NULL), 0);
    flag = 0;
    others_ran = 0;
    uint64_t t0 = now();
    CHECK_EQ(hvsim_call_at(hosted_sim(), t0 + 3 * MS, signal_guest, NULL), 0);
    struct thread *t = thread_create("other", other, NULL, 0);
    while (!flag && now() < t0 + 50 * MS)
        thread_wait_until(t0 + 50 * MS);
    CHECK(flag, "the interrupt came");
    CHECK(now() >= t0 + 3 * MS && now() < t0 + 4 * MS, "woken at the interrupt, not the deadline");
    CHECK_EQ(others_ran, 1);
    thread_join(t);
    platform_sint_detach(2);
    hyperv_teardown();
    hosted_stop();
}

static int deferred_runs;
static void deferred(void *arg) { (void)arg; deferred_runs++; }

static void test_hvrt_defer_is_a_work_item(void)
{
    start();
    deferred_runs = 0;
    hvrt_defer(deferred, NULL);
    hvrt_defer(deferred, NULL);   /* not run yet: runs once */
    CHECK_EQ(deferred_runs, 0);
    hosted_run_deferred();
    CHECK_EQ(deferred_runs, 1);
    hosted_stop();
}

/* ---- ending the run from another thread ---- */

static void powers_off(void *arg) { (void)arg; hvrt_poweroff(); }

static void test_poweroff_from_a_thread_unwinds_to_the_boot_thread(void)
{
    start();
    jmp_buf target;
    volatile int jumped = 0;
    hosted_catch_poweroff(&target);
    if (setjmp(target) == 0) {
        thread_create("off", powers_off, NULL, 0);
        thread_sleep_until(now() + 100 * MS);
    } else {
        jumped = 1;
    }
    CHECK(jumped, "the power-off came back to the boot thread");
    CHECK_EQ(hosted_poweroff_kind(), HOSTED_POWEROFF);
    CHECK(thread_self() != NULL && thread_may_block(), "still a thread");
    hosted_catch_poweroff(NULL);
    hosted_stop();
}

/* ---- the guard page ---- */

static volatile int depth_limit = 1 << 30;   /* never reached: the guard page is */

static int recurse(volatile char *p, int depth)
{
    volatile char buf[512];
    buf[0] = p ? p[0] : 1;
    if (depth >= depth_limit)
        return buf[0];
    return recurse(buf, depth + 1) + buf[1];
}

static void overflow(void *arg) { (void)arg; recurse(NULL, 0); }

static void test_stack_overflow_hits_the_guard_page(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);   /* die of it, without the sanitizer's report */
        hosted_start(NULL);
        thread_join(thread_create("deep", overflow, NULL, 16 * 1024));
        _exit(0);
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "child status 0x%x: died of SIGSEGV", status);
}

int main(void)
{
    RUN_TEST(test_create_join_and_yield_interleave);
    RUN_TEST(test_exit_ends_the_thread);
    RUN_TEST(test_mutex_excludes_under_contention);
    RUN_TEST(test_cond_times_out_in_virtual_time_and_is_signalled);
    RUN_TEST(test_semaphore_counts_and_times_out);
    RUN_TEST(test_events_auto_and_manual_reset);
    RUN_TEST(test_sleep_yields_and_wakes_in_deadline_order);
    RUN_TEST(test_dpc_from_an_interrupt_preempts_a_busy_thread);
    RUN_TEST(test_wait_until_returns_after_an_interrupt_and_lets_others_run);
    RUN_TEST(test_hvrt_defer_is_a_work_item);
    RUN_TEST(test_poweroff_from_a_thread_unwinds_to_the_boot_thread);
    RUN_TEST(test_stack_overflow_hits_the_guard_page);
    return check_summary();
}
