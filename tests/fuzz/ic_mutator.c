/* fuzz_ic's structure-aware mutator (libFuzzer's LLVMFuzzerCustomMutator).
 *
 * Plain byte mutation rarely gets an IC message past its first checks: the
 * pipe header's size, the IC header's size and its REQUEST flag must agree
 * with the packet's length, and a NEGOTIATE's version counts with its body.
 * This mutator keeps fuzz_ic's input layout (records [sel][len lo][len hi]
 * [payload], see fuzz_ic.c): it mutates one record's payload (or its
 * selector, or the record list), then re-frames that record so the checks
 * pass, three times in four; the fourth keeps whatever the bytes say, so the
 * refusals stay fuzzed too. One mutation in eight is libFuzzer's own, on
 * the raw bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAX_RECORDS 8u
#define MAX_PAYLOAD 8192u
#define PIPE_SIZE_AT 4u      /* pipe header: type, size */
#define IC_TYPE_AT 12u       /* IC header after the pipe header: ... type at 4 */
#define IC_SIZE_AT 18u       /* ... size at 10 */
#define IC_FLAGS_AT 25u      /* ... flags at 17 */
#define IC_BODY_AT 28u
#define IC_REQUEST 0x2u

struct record { size_t at; uint32_t len; };

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* The records as fuzz_ic reads them. */
static unsigned parse(const uint8_t *d, size_t size, struct record *r)
{
    unsigned n = 0;
    for (size_t at = 0; n < MAX_RECORDS && at + 3 <= size; n++) {
        uint32_t len = ((uint32_t)d[at + 1] | (uint32_t)d[at + 2] << 8) % (MAX_PAYLOAD + 1);
        if (len > size - at - 3)
            len = (uint32_t)(size - at - 3);
        r[n] = (struct record){ at, len };
        at += 3 + len;
    }
    return n;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* What fuzz_ic.c and apps/ic check, made true for a payload of len bytes. */
static void frame(uint8_t *p, uint32_t len)
{
    if (len >= 8)
        put32(p + PIPE_SIZE_AT, len - 8);
    if (len < IC_BODY_AT)
        return;
    put16(p + IC_SIZE_AT, len - IC_BODY_AT);
    p[IC_FLAGS_AT] |= IC_REQUEST;
    uint32_t body = len - IC_BODY_AT;
    if (p[IC_TYPE_AT] == 0 && p[IC_TYPE_AT + 1] == 0 && body >= 8) {   /* NEGOTIATE */
        uint32_t room = (body - 8) / 4, f = p[IC_BODY_AT] % 4, m = p[IC_BODY_AT + 2] % 4;
        if (f + m > room)
            f = m = room / 2;
        put16(p + IC_BODY_AT, f);
        put16(p + IC_BODY_AT + 2, m);
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static uint8_t payload[MAX_PAYLOAD], out[MAX_RECORDS * (MAX_PAYLOAD + 3)];
    uint32_t s = seed | 1;
    struct record r[MAX_RECORDS];
    unsigned n = parse(data, size, r);
    unsigned what = next(&s) % 8;
    if (n == 0 || what == 7)
        return LLVMFuzzerMutate(data, size, max_size);
    unsigned k = next(&s) % n;
    size_t o = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *src = data + r[i].at + 3;
        uint32_t len = r[i].len;
        uint8_t sel = data[r[i].at];
        if (i == k && what == 5)
            sel ^= (uint8_t)(1u << next(&s) % 4);        /* another service, or completion / COMP bits */
        if (i == k && what <= 4) {
            memcpy(payload, src, len);
            if (len == 0)
                payload[len++] = 0;   /* something to mutate */
            len = (uint32_t)LLVMFuzzerMutate(payload, len, sizeof(payload));
            if (next(&s) % 4 != 0)
                frame(payload, len);
            src = payload;
        }
        unsigned copies = (i == k && what == 6) ? 2 : 1;  /* a record again: replays, duplicates */
        for (unsigned c = 0; c < copies && o + 3 + len <= max_size && o + 3 + len <= sizeof(out); c++) {
            out[o] = sel;
            put16(out + o + 1, len);
            memcpy(out + o + 3, src, len);
            o += 3 + len;
        }
    }
    if (o == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    memcpy(data, out, o);
    return o;
}
