/* The bridged platform: under QEMU's TCG, where the Hyper-V instructions
 * do nothing, the image booted with --hvsim hands them to an hvsim process
 * (bridge_abi.h). Attaching makes the bridged backend (hv_cpu_bridge_ops)
 * the one every hv_cpu.h call uses from then on. */
#ifndef HVRT_HV_BRIDGE_H
#define HVRT_HV_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

/* Announces a mailbox on COM2 and waits for hvsim to take it. 0 when
 * bridged; -1, with the reason printed, when not (the image then runs on
 * the plain instructions). Needs pages, the IDT and the LAPIC, not the
 * clock: the boot attaches before it sets the TSC rate. */
int hv_bridge_attach(void);
/* The TSC's rate once the runtime knows it, for the bridge's own timeouts
 * (they run on the raw TSC: the clock itself may be read through hvsim). */
void hv_bridge_set_tsc_hz(uint64_t hz);
bool hv_bridge_active(void);

/* TSC ticks the guest has spent waiting for hvsim (the attach and every
 * request): time a real hypervisor would not take, which the boot's
 * figure under the bridge leaves out. */
uint64_t hv_bridge_waited_ticks(void);

#endif
