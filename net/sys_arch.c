/* lwIP's operating-system layer (sys_arch) on hvrt's threads, lib/thread.h.
 *
 * lwIP's own thread (tcpip) and the app threads that call sockets wait here
 * at passive level; a mailbox post from dispatch level (a NIC's receive
 * path) uses sys_mbox_trypost, which never blocks. Timeouts are in
 * milliseconds, 0 meaning "for ever", as lwIP defines them. */
#include <stdlib.h>

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "arch/platform.h"
#include "lib/thread.h"

struct hvrt_sys_sem {
    struct semaphore sem;
};

struct hvrt_sys_mutex {
    struct mutex mutex;
};

/* A bounded queue: a mutex for the indices, a condition each way. */
struct hvrt_sys_mbox {
    struct mutex lock;
    struct cond not_empty, not_full;
    uint32_t head, count, size;
    void *slots[];
};

static uint64_t deadline_after_ms(u32_t timeout_ms)
{
    return timeout_ms == 0 ? THREAD_NO_DEADLINE : platform_time_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* lwIP wants the milliseconds waited, or SYS_ARCH_TIMEOUT. */
static u32_t waited_ms(uint64_t start_ns)
{
    uint64_t ms = (platform_time_ns() - start_ns) / 1000000u;
    return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
}

void sys_init(void) {}

u32_t sys_now(void) { return (u32_t)(platform_time_ns() / 1000000u); }

sys_prot_t sys_arch_protect(void) { return platform_irq_save(); }
void sys_arch_unprotect(sys_prot_t pval) { platform_irq_restore(pval); }

/* ---- semaphores ---- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    struct hvrt_sys_sem *s = malloc(sizeof(*s));
    if (s == NULL)
        return ERR_MEM;
    semaphore_init(&s->sem, count);
    *sem = s;
    return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
    free(*sem);
    *sem = NULL;
}

void sys_sem_signal(sys_sem_t *sem) { semaphore_up(&(*sem)->sem); }

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
    uint64_t start = platform_time_ns();
    if (!semaphore_down(&(*sem)->sem, deadline_after_ms(timeout)))
        return SYS_ARCH_TIMEOUT;
    return waited_ms(start);
}

/* ---- mutexes ---- */

err_t sys_mutex_new(sys_mutex_t *mutex)
{
    struct hvrt_sys_mutex *m = malloc(sizeof(*m));
    if (m == NULL)
        return ERR_MEM;
    mutex_init(&m->mutex);
    *mutex = m;
    return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *mutex)
{
    free(*mutex);
    *mutex = NULL;
}

void sys_mutex_lock(sys_mutex_t *mutex) { mutex_lock(&(*mutex)->mutex); }
void sys_mutex_unlock(sys_mutex_t *mutex) { mutex_unlock(&(*mutex)->mutex); }

/* ---- mailboxes ---- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    if (size <= 0)
        size = 64;
    struct hvrt_sys_mbox *m = malloc(sizeof(*m) + (size_t)size * sizeof(void *));
    if (m == NULL)
        return ERR_MEM;
    mutex_init(&m->lock);
    cond_init(&m->not_empty);
    cond_init(&m->not_full);
    m->head = m->count = 0;
    m->size = (uint32_t)size;
    *mbox = m;
    return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    free(*mbox);
    *mbox = NULL;
}

static void put(struct hvrt_sys_mbox *m, void *msg)
{
    m->slots[(m->head + m->count) % m->size] = msg;
    m->count++;
    cond_signal(&m->not_empty);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    struct hvrt_sys_mbox *m = *mbox;
    mutex_lock(&m->lock);
    while (m->count == m->size)
        cond_wait(&m->not_full, &m->lock, THREAD_NO_DEADLINE);
    put(m, msg);
    mutex_unlock(&m->lock);
}

/* Never blocks: from dispatch level the lock is free by construction (a
 * dpc runs only between passive threads' steps, never inside them), so a
 * failed trylock means a passive thread holds it, and the caller drops. */
err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    struct hvrt_sys_mbox *m = *mbox;
    if (!mutex_trylock(&m->lock))
        return ERR_MEM;
    err_t result = ERR_MEM;
    if (m->count < m->size) {
        put(m, msg);
        result = ERR_OK;
    }
    mutex_unlock(&m->lock);
    return result;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg) { return sys_mbox_trypost(mbox, msg); }

static void *take(struct hvrt_sys_mbox *m)
{
    void *msg = m->slots[m->head];
    m->head = (m->head + 1) % m->size;
    m->count--;
    cond_signal(&m->not_full);
    return msg;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
    struct hvrt_sys_mbox *m = *mbox;
    uint64_t start = platform_time_ns(), deadline = deadline_after_ms(timeout);
    mutex_lock(&m->lock);
    while (m->count == 0) {
        if (!cond_wait(&m->not_empty, &m->lock, deadline) && m->count == 0) {
            mutex_unlock(&m->lock);
            return SYS_ARCH_TIMEOUT;
        }
    }
    void *got = take(m);
    mutex_unlock(&m->lock);
    if (msg != NULL)
        *msg = got;
    return waited_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    struct hvrt_sys_mbox *m = *mbox;
    mutex_lock(&m->lock);
    if (m->count == 0) {
        mutex_unlock(&m->lock);
        return SYS_MBOX_EMPTY;
    }
    void *got = take(m);
    mutex_unlock(&m->lock);
    if (msg != NULL)
        *msg = got;
    return 0;
}

/* ---- threads ---- */

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize, int prio)
{
    (void)prio;   /* one priority for passive threads */
    struct thread *t = thread_create(name, thread, arg, stacksize > 0 ? (size_t)stacksize : 0);
    LWIP_ASSERT("sys_thread_new: out of memory", t != NULL);
    return t;
}
