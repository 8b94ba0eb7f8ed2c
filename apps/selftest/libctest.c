/* Checks the parts of the C library that depend on the runtime: formatted
 * output, the heap, string conversion, sorting, and the clocks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <hvrt/runtime.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int libctest_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char buf[128];

    snprintf(buf, sizeof(buf), "%d %u %x %lld %s %5.2f %e", -42, 42u, 0xbeefu, -1234567890123ll, "str", 3.14159, 1e-10);
    check(strcmp(buf, "-42 42 beef -1234567890123 str  3.14 1.000000e-10") == 0, "snprintf integers, strings, floats");
    check(snprintf(buf, 4, "%s", "truncated") == 9 && strcmp(buf, "tru") == 0, "snprintf truncation");

    char *end;
    check(strtol("  -123abc", &end, 10) == -123 && *end == 'a', "strtol base 10");
    check(strtol("0x7f", NULL, 16) == 127 && strtoul("777", NULL, 8) == 511, "strtol bases 16 and 8");

    int v[] = { 5, -1, 9, 3, 3, 0, 12, -7 };
    qsort(v, 8, sizeof(int), compare_ints);
    int sorted = 1;
    for (int i = 1; i < 8; i++)
        sorted &= v[i - 1] <= v[i];
    check(sorted && v[0] == -7 && v[7] == 12, "qsort");

    check(fabs(sqrt(2.0) - 1.41421356) < 1e-8 && fabs(sin(0.5) - 0.47942554) < 1e-8, "libm sqrt, sin");

    char *p = malloc(100000), *q = calloc(1000, 4);
    check(p != NULL && q != NULL && q[3999] == 0, "malloc and calloc");
    p = realloc(p, 200000);
    check(p != NULL, "realloc");
    free(p);
    free(q);

    time_t now = time(NULL);
    check(now > 1577836800, "time() after 2020 (wall clock from the firmware)");
    struct timeval tv;
    check(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= now && tv.tv_usec < 1000000, "gettimeofday");

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(2000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long elapsed_us = (b.tv_sec - a.tv_sec) * 1000000ll + (b.tv_nsec - a.tv_nsec) / 1000;
    check(elapsed_us >= 2000, "CLOCK_MONOTONIC advances across usleep(2000)");

    uint64_t t0 = hvrt_time_ns();
    hvrt_sleep_us(20000);
    uint64_t slept = hvrt_time_ns() - t0;
    check(slept >= 20000000ull, "hvrt_sleep_us(20000) sleeps at least 20 ms");
    printf("slept %llu us for 20000 requested\n", (unsigned long long)(slept / 1000));

    check(fopen("/nonexistent", "r") == NULL, "fopen fails cleanly (no file system)");

    printf("libctest: %s (%d failed)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}

HVRT_APP("libctest", libctest_main, "check printf, malloc, strtol, qsort, libm and the clocks");
