/* A simulated Hyper-V host with a VMBus host on top, and the guest's
 * Hyper-V layer up: what every hosted VMBus test starts from. */
#ifndef HVRT_TESTS_VMBUS_FIXTURE_H
#define HVRT_TESTS_VMBUS_FIXTURE_H

#include "tests/hosted/hosted.h"
#include "tests/hvsim/vmbus_host.h"

/* hvsim with guest_mem_mib of guest memory (0: hvsim's default), the
 * Hyper-V layer initialised, and a VMBus host offering devices (a
 * flavour's defaults otherwise). NULL on failure. */
struct hvsim_vmbus *fixture_start(enum hvsim_vmbus_flavor flavor, const struct hvsim_vmbus_device *devices,
                                  uint32_t device_count, uint32_t guest_mem_mib);
/* The same with a full VMBus host configuration. */
struct hvsim_vmbus *fixture_start_config(const struct hvsim_vmbus_config *vc, uint32_t guest_mem_mib);
/* The same with hvsim's configuration too (masked policy, queue depth). */
struct hvsim_vmbus *fixture_start_sim(const struct hvsim_config *hc, const struct hvsim_vmbus_config *vc);
/* UNLOAD, then everything down in reverse. */
void fixture_stop(struct hvsim_vmbus *host);

#endif
