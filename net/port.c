/* The small things lwIP asks of its platform: diagnostics, assertions and
 * random numbers (arch/cc.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lwip/opt.h"
#include "arch/platform.h"

void hvrt_net_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void hvrt_net_assert(const char *msg, const char *file, int line)
{
    fprintf(stderr, "net: lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    abort();
}

/* Not for secrets: TCP initial sequence numbers, DHCP and DNS ids, ports.
 * xorshift64*, stirred with the clock on every call so two boots with the
 * same timings still differ once packets arrive at different times. */
uint32_t hvrt_net_random(void)
{
    static uint64_t state = 0x9e3779b97f4a7c15ull;
    state ^= platform_time_ns();
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32);
}
