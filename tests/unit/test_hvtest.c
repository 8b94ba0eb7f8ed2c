/* The in-image Hyper-V enlightenment tests (apps/hvtest), run hosted
 * against hvsim configured like several different hosts. Every check must
 * pass; what a host does not grant must be skipped, not failed. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/hosted.h"
#include "apps/hvtest/hvtest.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/hyperv/hv_defs.h"

static struct hvtest_counts run(const struct hvsim_config *c, const char *which)
{
    CHECK_EQ(hosted_start(c), 0);
    CHECK_EQ(hyperv_init(), 0);
    char *argv[] = { "hvtest", (char *)which, "--testdev", NULL };
    int status = hvtest_main(3, argv);
    struct hvtest_counts n = hvtest_last_counts();
    CHECK_EQ(status, n.failed ? 1 : 0);
    hyperv_teardown();
    hosted_stop();
    return n;
}

static void test_everything_granted(void)
{
    struct hvsim_config c;
    hvsim_config_default(&c);
    struct hvtest_counts n = run(&c, "all");
    CHECK_EQ(n.failed, 0);
    CHECK_EQ(n.skipped, 0);
    CHECK(n.passed >= 20, "%d checks passed", n.passed);
}

static void test_like_kvm(void)
{
    struct hvsim_config c;
    hvsim_config_default(&c);
    c.zero_synic_pages = true;                     /* KVM zeroes SIM/SIEF pages on enable */
    c.features &= ~HV_FEATURE_DIRECT_STIMERS;
    c.masked_policy = HVSIM_MASKED_DROP;           /* the reference: lost while masked */
    struct hvtest_counts n = run(&c, "all");
    CHECK_EQ(n.failed, 0);
    CHECK_EQ(n.skipped, 1);                        /* direct mode */
}

static void test_slow_tsc_and_delayed_messages(void)
{
    struct hvsim_config c;
    hvsim_config_default(&c);
    c.tsc_hz = 100000000;                          /* 100 MHz */
    c.msg_delay_ns = 200000;                       /* every message 200 us late */
    struct hvtest_counts n = run(&c, "all");
    CHECK_EQ(n.failed, 0);
}

static void test_no_synic_no_timers(void)
{
    struct hvsim_config c;
    hvsim_config_default(&c);
    c.privileges &= ~(HV_PRIV_SYNIC | HV_PRIV_SYNTHETIC_TIMERS | HV_PRIV_REFERENCE_TSC);
    struct hvtest_counts n = run(&c, "all");
    CHECK_EQ(n.failed, 0);
    CHECK_EQ(n.skipped, 4);   /* synic, connections, stimer, the TSC page */
    CHECK(n.passed >= 2, "TIME_REF_COUNT checks still run (%d passed)", n.passed);
}

static void test_one_group_and_bad_arguments(void)
{
    struct hvtest_counts n = run(NULL, "clock");
    CHECK_EQ(n.failed, 0);
    CHECK(n.passed >= 4 && n.passed <= 8, "only the clock group ran: %d checks", n.passed);
    CHECK_EQ(hosted_start(NULL), 0);
    CHECK_EQ(hyperv_init(), 0);
    char *argv[] = { "hvtest", "nonsense", NULL };
    CHECK_EQ(hvtest_main(2, argv), 2);
    hyperv_teardown();
    hosted_stop();
}

int main(void)
{
    RUN_TEST(test_everything_granted);
    RUN_TEST(test_like_kvm);
    RUN_TEST(test_slow_tsc_and_delayed_messages);
    RUN_TEST(test_no_synic_no_timers);
    RUN_TEST(test_one_group_and_bad_arguments);
    return check_summary();
}
