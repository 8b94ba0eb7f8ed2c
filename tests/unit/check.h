/* A tiny unit-test harness for host tests: each test is a function, CHECK
 * records a failed condition with its place and keeps going, RUN_TEST prints
 * one line per test, and check_summary() prints "N passed, N failed" and
 * returns the exit status. tests/run-tests.sh adds up the summaries. */
#ifndef HVRT_TESTS_CHECK_H
#define HVRT_TESTS_CHECK_H

#include <stdio.h>

static int check_failures_in_test;
static int check_tests_passed, check_tests_failed;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            check_failures_in_test++;                                           \
            printf("    %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                                \
            printf("\n");                                                       \
        }                                                                       \
    } while (0)

/* CHECK for integers: shows both values. */
#define CHECK_EQ(actual, expected)                                              \
    do {                                                                        \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected); \
        CHECK(check_a_ == check_e_, "%s = %lld (0x%llx), expected %lld (0x%llx)", #actual, \
              check_a_, (unsigned long long)check_a_, check_e_, (unsigned long long)check_e_); \
    } while (0)

#define RUN_TEST(fn)                                                            \
    do {                                                                        \
        check_failures_in_test = 0;                                             \
        fn();                                                                   \
        if (check_failures_in_test == 0) {                                      \
            check_tests_passed++;                                               \
            printf("ok   %s\n", #fn);                                           \
        } else {                                                                \
            check_tests_failed++;                                               \
            printf("FAIL %s\n", #fn);                                           \
        }                                                                       \
        fflush(stdout);                                                         \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed);
    return check_tests_failed == 0 ? 0 : 1;
}

#endif
