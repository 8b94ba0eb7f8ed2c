/* Allocates, fills, checks and frees N MiB (default 16) through malloc, in
 * one block and in many small ones, and checks the memory comes back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>

static int fill_and_check(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed + i * 7))
            return -1;
    return 0;
}

static int memtest_main(int argc, char **argv)
{
    unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
    size_t bytes = (size_t)mib << 20;
    uint64_t free_before = hvrt_memory_free_bytes();
    printf("memtest: %lu MiB, %llu MiB free\n", mib, (unsigned long long)(free_before >> 20));

    uint8_t *big = malloc(bytes);
    if (big == NULL || fill_and_check(big, bytes, 1) != 0) {
        printf("memtest: FAIL: one block of %lu MiB\n", mib);
        return 1;
    }
    free(big);

    enum { CHUNK = 64 * 1024 };
    size_t count = bytes / CHUNK;
    uint8_t **chunks = calloc(count, sizeof(*chunks));
    if (chunks == NULL)
        return 1;
    for (size_t i = 0; i < count; i++) {
        chunks[i] = malloc(CHUNK);
        if (chunks[i] == NULL || fill_and_check(chunks[i], CHUNK, (uint8_t)i) != 0) {
            printf("memtest: FAIL: chunk %zu of %zu\n", i, count);
            return 1;
        }
    }
    for (size_t i = 0; i < count; i++)
        if (chunks[i][CHUNK - 1] != (uint8_t)(i + (CHUNK - 1) * 7)) {
            printf("memtest: FAIL: chunk %zu was overwritten\n", i);
            return 1;
        }
    for (size_t i = 0; i < count; i += 2)
        free(chunks[i]);
    for (size_t i = 1; i < count; i += 2)
        free(chunks[i]);
    free(chunks);

    /* malloc returns its top to sbrk; a little may stay cached. */
    uint64_t free_after = hvrt_memory_free_bytes();
    uint64_t kept = free_before > free_after ? free_before - free_after : 0;
    printf("memtest: %lu MiB in 1 block and %zu blocks of 64 KiB: ok; %llu KiB still held\n",
           mib, count, (unsigned long long)(kept >> 10));
    if (kept > (1u << 20)) {
        printf("memtest: FAIL: %llu KiB not returned\n", (unsigned long long)(kept >> 10));
        return 1;
    }
    printf("memtest: PASS\n");
    return 0;
}

HVRT_APP("memtest", memtest_main, "allocate, check and free N MiB (default 16)");
