/* A tiny unit-test harness for host tests: each test case is a function,
 * CHECK records a failed condition with its place and keeps going, RUN_TEST
 * prints one line per case ("ok   NAME" or "FAIL NAME", after the failed
 * checks' own lines), and check_summary() prints "N passed, N failed" and
 * returns the exit status. tests/run-tests.sh names every case from these
 * lines and adds up the summaries.
 *
 * A failed check prints its place, the assertion as written and, for
 * CHECK_EQ and CHECK_STREQ, both values:
 *     tests/unit/test_ring.c:191: CHECK_EQ(used_bytes(&h), 48) failed: 40 (0x28), expected 48 (0x30)
 *
 * Two environment variables, set by the runner:
 *   CHECK_ONLY=ERE    run only the cases whose name matches the extended
 *                     regular expression (make test T=...);
 *   CHECK_ANNOUNCE=1  print "run  NAME" before each case, so that a crash
 *                     (a sanitizer report) is pinned on its case. */
#ifndef HVRT_TESTS_CHECK_H
#define HVRT_TESTS_CHECK_H

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_in_test;
static int check_tests_passed, check_tests_failed;

/* Records a failed check: where, what was asserted, and a message. */
#define CHECK_FAILED_(assertion, ...)                                           \
    do {                                                                        \
        check_failures_in_test++;                                               \
        printf("    %s:%d: %s failed: ", __FILE__, __LINE__, assertion);        \
        printf(__VA_ARGS__);                                                    \
        printf("\n");                                                           \
    } while (0)

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond))                                                            \
            CHECK_FAILED_("CHECK(" #cond ")", __VA_ARGS__);                     \
    } while (0)

/* CHECK for integers: shows both values. */
#define CHECK_EQ(actual, expected)                                              \
    do {                                                                        \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected); \
        if (check_a_ != check_e_)                                               \
            CHECK_FAILED_("CHECK_EQ(" #actual ", " #expected ")",               \
                          "%lld (0x%llx), expected %lld (0x%llx)", check_a_,    \
                          (unsigned long long)check_a_, check_e_,               \
                          (unsigned long long)check_e_);                        \
    } while (0)

/* CHECK for C strings: shows both (NULL shows as "(null)"). */
#define CHECK_STREQ(actual, expected)                                           \
    do {                                                                        \
        const char *check_sa_ = (actual), *check_se_ = (expected);              \
        if (check_sa_ == NULL || check_se_ == NULL || strcmp(check_sa_, check_se_) != 0) \
            CHECK_FAILED_("CHECK_STREQ(" #actual ", " #expected ")",            \
                          "\"%s\", expected \"%s\"", check_sa_ ? check_sa_ : "(null)", \
                          check_se_ ? check_se_ : "(null)");                    \
    } while (0)

/* Whether the case NAME runs: every case, unless CHECK_ONLY names some. A
 * pattern that does not compile selects nothing, and says so once. */
static inline int check_selected(const char *name)
{
    static int state; /* 0: not asked yet, 1: every case, 2: a pattern, 3: none */
    static regex_t only;
    if (state == 0) {
        const char *pattern = getenv("CHECK_ONLY");
        if (pattern == NULL || pattern[0] == '\0') {
            state = 1;
        } else if (regcomp(&only, pattern, REG_EXTENDED | REG_NOSUB) == 0) {
            state = 2;
        } else {
            printf("    CHECK_ONLY='%s' is not an extended regular expression\n", pattern);
            state = 3;
        }
    }
    return state == 1 || (state == 2 && regexec(&only, name, 0, NULL, 0) == 0);
}

#define RUN_TEST(fn)                                                            \
    do {                                                                        \
        if (!check_selected(#fn))                                               \
            break;                                                              \
        if (getenv("CHECK_ANNOUNCE") != NULL) {                                 \
            printf("run  %s\n", #fn);                                           \
            fflush(stdout);                                                     \
        }                                                                       \
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
