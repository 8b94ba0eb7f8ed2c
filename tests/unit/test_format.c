/* arch/format.c: the runtime's own printf. */
#include <string.h>

#include "tests/unit/check.h"
#include "arch/format.h"

#pragma clang diagnostic ignored "-Wformat-nonliteral"
#pragma clang diagnostic ignored "-Wformat-security"

static char buf[256];

#define EXPECT(expected, ...)                                                    \
    do {                                                                         \
        int n_ = fmt_snprintf(buf, sizeof(buf), __VA_ARGS__);                    \
        CHECK(strcmp(buf, expected) == 0, "got \"%s\", expected \"%s\"", buf, expected); \
        CHECK_EQ(n_, (int)strlen(expected));                                     \
    } while (0)

static void test_integers(void)
{
    EXPECT("0 -1 42 -2147483648", "%d %d %i %d", 0, -1, 42, (int)0x80000000);
    EXPECT("4294967295 ffffffff FFFF", "%u %x %X", 0xffffffffu, 0xffffffffu, 0xffffu);
    EXPECT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
    EXPECT("18446744073709551615", "%llu", 18446744073709551615ull);
    EXPECT("123456789012 1f", "%zu %lx", (size_t)123456789012ull, 31ul);
}

static void test_width_and_flags(void)
{
    EXPECT("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
    EXPECT("-0042", "%05d", -42);
    EXPECT("0x00000000deadbeef", "0x%016lx", 0xdeadbeeful);
    EXPECT("  #1 ", "%3s%-2d", "#", 1);
    EXPECT("    x", "%*s", 5, "x");
}

static void test_strings_and_chars(void)
{
    EXPECT("abc|(null)|ab|c", "%s|%s|%.2s|%c", "abc", (char *)NULL, "abcdef", 'c');
    EXPECT("100%", "%d%%", 100);
    const char *unknown = "%q";   /* via a variable: the compiler would reject it */
    EXPECT("%q", unknown);
    EXPECT("0x1000", "%p", (void *)0x1000);
}

static void test_truncation(void)
{
    char small[6];
    int n = fmt_snprintf(small, sizeof(small), "%s", "hello world");
    CHECK_EQ(n, 11);
    CHECK(strcmp(small, "hello") == 0, "got \"%s\"", small);
    n = fmt_snprintf(small, 1, "%d", 12345);
    CHECK_EQ(n, 5);
    CHECK_EQ(small[0], '\0');
    CHECK_EQ(fmt_snprintf(NULL, 0, "%d", 123), 3);
}

int main(void)
{
    RUN_TEST(test_integers);
    RUN_TEST(test_width_and_flags);
    RUN_TEST(test_strings_and_chars);
    RUN_TEST(test_truncation);
    return check_summary();
}
