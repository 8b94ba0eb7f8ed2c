/* The few DPDK environment definitions that DPDK's VMBus ring
 * (drivers/bus/vmbus/vmbus_bufring.c, fetched into build/dpdk by
 * scripts/fetch-dpdk-ring.sh, never committed) needs to compile in our
 * benchmark, written here for x86-64 from what each one must do. The
 * rte_*.h files beside this one only include it: DPDK's sources include
 * them by those names.
 *
 * The barriers matter for a fair comparison, so they are what DPDK uses on
 * x86-64: the write and read barriers only stop the compiler (x86 keeps
 * stores in order and loads in order), the full barrier is a locked
 * read-modify-write of a stack word, and compare-and-set is a locked
 * cmpxchg. Everything else is a type or a macro the headers mention. */
#ifndef HVRT_BENCH_RTE_SHIM_H
#define HVRT_BENCH_RTE_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/types.h>

#define __rte_packed __attribute__((packed))
#define __rte_always_inline inline __attribute__((always_inline))

typedef unsigned char rte_uuid_t[16];
typedef uint64_t rte_iova_t;

#define RTE_TAILQ_HEAD(name, type) TAILQ_HEAD(name, type)
#define RTE_TAILQ_FOREACH(var, head, field) TAILQ_FOREACH(var, head, field)

/* private.h embeds a bus object and sizes a resource table. */
struct rte_bus { int unused; };
#define VMBUS_MAX_RESOURCE 5

#define RTE_LOG_ERR 4
static inline int rte_log(int level, int type, const char *fmt, ...)
{
    (void)level; (void)type; (void)fmt;
    return 0;
}

/* Checks that DPDK compiles out in release builds (RTE_ASSERT) or always
 * keeps (RTE_VERIFY). */
#define RTE_ASSERT(cond) do { } while (0)
#define RTE_VERIFY(cond) do { if (!(cond)) abort(); } while (0)

/* The ring's control page is one 4 KiB page before the data. */
static inline size_t rte_mem_page_size(void)
{
    return 4096;
}

static __rte_always_inline void rte_compiler_barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

static __rte_always_inline void rte_smp_wmb(void)
{
    rte_compiler_barrier();
}

static __rte_always_inline void rte_smp_rmb(void)
{
    rte_compiler_barrier();
}

static __rte_always_inline void rte_smp_mb(void)
{
    __asm__ volatile("lock addl $0, -128(%%rsp)" ::: "memory", "cc");
}

static __rte_always_inline int rte_atomic32_cmpset(volatile uint32_t *dst, uint32_t expected,
                                                   uint32_t desired)
{
    return __sync_bool_compare_and_swap(dst, expected, desired);
}

static __rte_always_inline void rte_pause(void)
{
    __builtin_ia32_pause();
}

#endif
