#include "tests/hosted/vmbus_fixture.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "vmbus/vmbus.h"

struct hvsim_vmbus *fixture_start_sim(const struct hvsim_config *hc, const struct hvsim_vmbus_config *vc)
{
    if (hosted_start(hc) != 0 || hyperv_init() != 0)
        return NULL;
    return hvsim_vmbus_create(hosted_sim(), vc);
}

struct hvsim_vmbus *fixture_start_config(const struct hvsim_vmbus_config *vc, uint32_t guest_mem_mib)
{
    struct hvsim_config c;
    hvsim_config_default(&c);
    if (guest_mem_mib != 0)
        c.guest_mem_size = (uint64_t)guest_mem_mib << 20;
    return fixture_start_sim(&c, vc);
}

struct hvsim_vmbus *fixture_start(enum hvsim_vmbus_flavor flavor, const struct hvsim_vmbus_device *devices,
                                  uint32_t device_count, uint32_t guest_mem_mib)
{
    struct hvsim_vmbus_config vc;
    hvsim_vmbus_config_default(&vc, flavor);
    vc.devices = devices;
    vc.device_count = device_count;
    return fixture_start_config(&vc, guest_mem_mib);
}

void fixture_stop(struct hvsim_vmbus *host)
{
    vmbus_disconnect();
    hvsim_vmbus_destroy(host);
    hyperv_teardown();
    hosted_stop();
}
