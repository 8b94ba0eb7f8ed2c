/* Little-endian loads and stores at a byte offset: how hvsim reads and
 * writes every wire layout (SynIC slots, hypercall blocks, VMBus messages,
 * ring control pages and packets). Byte by byte, so they work at any
 * alignment and on any host, and no struct is ever laid over guest memory.
 * The atomic pair is for the words the guest and host share while both run
 * (ring indices, slot types): those are 4-byte aligned by the protocol. */
#ifndef HVSIM_WIRE_LE_H
#define HVSIM_WIRE_LE_H

#include <stdint.h>

static inline uint8_t ld8(const void *base, uint32_t off) { return ((const uint8_t *)base)[off]; }

static inline uint16_t ld16(const void *base, uint32_t off)
{
    const uint8_t *p = (const uint8_t *)base + off;
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ld32(const void *base, uint32_t off)
{
    const uint8_t *p = (const uint8_t *)base + off;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ld64(const void *base, uint32_t off)
{
    return (uint64_t)ld32(base, off) | (uint64_t)ld32(base, off + 4) << 32;
}

static inline void st8(void *base, uint32_t off, uint8_t v) { ((uint8_t *)base)[off] = v; }

static inline void st16(void *base, uint32_t off, uint16_t v)
{
    uint8_t *p = (uint8_t *)base + off;
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void st32(void *base, uint32_t off, uint32_t v)
{
    uint8_t *p = (uint8_t *)base + off;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void st64(void *base, uint32_t off, uint64_t v)
{
    st32(base, off, (uint32_t)v);
    st32(base, off + 4, (uint32_t)(v >> 32));
}

/* Shared words the other side reads or writes concurrently (bridged runs):
 * one aligned access with acquire/release order. The host is x86-64 like
 * the guest, so the in-memory order is already little-endian. */
static inline uint32_t ld32_acquire(const void *base, uint32_t off)
{
    return __atomic_load_n((const uint32_t *)((const uint8_t *)base + off), __ATOMIC_ACQUIRE);
}

static inline void st32_release(void *base, uint32_t off, uint32_t v)
{
    __atomic_store_n((uint32_t *)((uint8_t *)base + off), v, __ATOMIC_RELEASE);
}

#endif
