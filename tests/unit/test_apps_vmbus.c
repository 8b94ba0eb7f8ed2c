/* The VMBus apps of the image (echo, vmbus-info), run hosted against hvsim
 * acting like Hyper-V and like QEMU: the same source the image runs. */
#include <string.h>

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "vmbus/vmbus.h"

static struct hvsim_vmbus *host;

static void boot(enum hvsim_vmbus_flavor flavor, bool with_echo)
{
    static const struct hvsim_vmbus_device devices[] = { { .model = HVSIM_VMBUS_ECHO }, { .model = HVSIM_VMBUS_SINK } };
    host = fixture_start(flavor, with_echo ? devices : devices + 1, with_echo ? 2 : 1, 0);
    CHECK(host != NULL, "fixture up");
}

static void shutdown(void) { fixture_stop(host); }

static void test_echo_app_like_hyperv_and_qemu(void)
{
    boot(HVSIM_VMBUS_HYPERV, true);
    CHECK_EQ(hosted_run_app("echo 300"), 0);
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    CHECK(c.packets_echoed >= 600, "host echoed %llu packets", (unsigned long long)c.packets_echoed);
    shutdown();

    boot(HVSIM_VMBUS_QEMU, true);
    CHECK_EQ(hosted_run_app("echo 300"), 0);
    shutdown();
}

static void test_echo_app_without_the_device(void)
{
    boot(HVSIM_VMBUS_HYPERV, false);
    CHECK_EQ(hosted_run_app("echo 10"), 1);
    shutdown();
}

static void test_vmbus_info(void)
{
    boot(HVSIM_VMBUS_HYPERV, true);
    CHECK_EQ(hosted_run_app("vmbus-info"), 0);
    CHECK_EQ(vmbus_offer_count(), 2);
    vmbus_disconnect();
    CHECK_EQ(hosted_run_app("vmbus-info --max-version 4.0"), 0);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10);
    CHECK_EQ(hosted_run_app("vmbus-info --max-version x"), 2);
    shutdown();
}

int main(void)
{
    RUN_TEST(test_echo_app_like_hyperv_and_qemu);
    RUN_TEST(test_echo_app_without_the_device);
    RUN_TEST(test_vmbus_info);
    return check_summary();
}
