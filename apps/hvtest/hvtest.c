#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "apps/hvtest/hvtest.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hyperv.h"

static int passed, failed, skipped;

struct hvtest_counts hvtest_last_counts(void)
{
    return (struct hvtest_counts){ passed, failed, skipped };
}

void report(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (ok)
        passed++;
    else
        failed++;
}

void skip(const char *group, const char *why)
{
    printf("skip %s: %s\n", group, why);
    skipped++;
}

bool wait_for(volatile int *flag, uint64_t timeout_ms)
{
    uint64_t deadline = platform_time_ns() + timeout_ms * 1000000;
    while (!*flag && platform_time_ns() < deadline)
        platform_delay_ns(10000);   /* interrupts stay on: handlers set the flag */
    return *flag != 0;
}

int hvtest_main(int argc, char **argv)
{
    const char *which = "all";
    bool testdev = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--testdev") == 0)
            testdev = true;
        else
            which = argv[i];
    }
    passed = failed = skipped = 0;
    bool all = strcmp(which, "all") == 0;
    if (!all && strcmp(which, "synic") && strcmp(which, "connections") && strcmp(which, "stimer") &&
        strcmp(which, "clock")) {
        fprintf(stderr, "usage: hvtest [all|synic|connections|stimer|clock] [--testdev]\n");
        return HVRT_EXIT_USAGE;
    }
    if (!hv.info.present) {
        printf("hvtest: Hyper-V is not present (hypervisor \"%s\"): every test skipped\n",
               hv.info.vendor[0] ? hv.info.vendor : "none");
        skipped = 4;
        printf("hvtest: 0 passed, 0 failed, 4 skipped\n");
        return 0;
    }
    if (all || !strcmp(which, "synic"))
        hvtest_synic();
    if (all || !strcmp(which, "connections"))
        hvtest_connections(testdev);
    if (all || !strcmp(which, "stimer"))
        hvtest_stimer();
    if (all || !strcmp(which, "clock"))
        hvtest_clock();
    printf("hvtest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}

HVRT_APP("hvtest", hvtest_main, "Hyper-V enlightenment tests: all|synic|connections|stimer|clock [--testdev]");
