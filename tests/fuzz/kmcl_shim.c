/* Test-only shim for fuzz_ic: read-only accessors to the private struct
 * vmb_channel (vmbus/kmcl_private.h), so the fuzzer can find the guest's
 * inbound ring of an IC channel. The fuzzer then writes packets into that
 * ring exactly as a host would (shared memory, then the channel's event
 * flag), and the real receive path runs: ring read -> KMCL drain -> apps/ic
 * on_packet -> reply. Chosen over editing product code or hvsim and over
 * #including apps/ic/ic.c (its on_packet needs a live KMCL channel and
 * packet anyway). Never linked into the image. */
#include "vmbus/kmcl_private.h"

struct vmbus_ring *fuzz_kmcl_in_ring(VMBCHANNEL ch);
uint32_t fuzz_kmcl_relid(VMBCHANNEL ch);
bool fuzz_kmcl_failed(VMBCHANNEL ch);
bool fuzz_kmcl_active(VMBCHANNEL ch);

struct vmbus_ring *fuzz_kmcl_in_ring(VMBCHANNEL ch) { return &ch->core.in; }
uint32_t fuzz_kmcl_relid(VMBCHANNEL ch) { return vmbus_channel_offer(&ch->core)->relid; }
bool fuzz_kmcl_failed(VMBCHANNEL ch) { return ch->failed; }
bool fuzz_kmcl_active(VMBCHANNEL ch)
{
    return ch->state == KMCL_ACTIVE && vmbus_channel_state(&ch->core) == VMBUS_CHANNEL_OPEN;
}
