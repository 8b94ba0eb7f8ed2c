/* A simulated Hyper-V host with a VMBus host on top, and the guest's
 * Hyper-V layer up: what every hosted VMBus test starts from. */
#ifndef HVRT_TESTS_VMBUS_FIXTURE_H
#define HVRT_TESTS_VMBUS_FIXTURE_H

#include "tests/hosted/hosted.h"
#include "tests/hvsim/vmbus_host.h"
#include "vmbus/vmbus_msgs.h"

/* hvsim's test devices' classes (HVSIM_VMBUS_CLASS_*) in the guest's own
 * spelling, for the guest to match offers with: written apart from hvsim's
 * bytes on purpose, so the two sides check each other. */
#define FIXTURE_CLASS_ECHO   VMBUS_GUID(0x68767274u, 0x0001, 0x4563, 0x8000, 0x6563686f0000ull)
#define FIXTURE_CLASS_SINK   VMBUS_GUID(0x68767274u, 0x0002, 0x4563, 0x8000, 0x73696e6b0000ull)
#define FIXTURE_CLASS_SOURCE VMBUS_GUID(0x68767274u, 0x0003, 0x4563, 0x8000, 0x737263000000ull)

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
