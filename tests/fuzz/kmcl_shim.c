/* Test-only shim for fuzz_ic: compiles vmbus/kmcl.c unchanged (fuzz_ic links
 * this file instead of vmbus/kmcl.c) and adds read-only accessors to the
 * private struct vmb_channel, so the fuzzer can find the guest's inbound ring
 * of an IC channel. The fuzzer then writes packets into that ring exactly as
 * a host would (shared memory, then the channel's event flag), and the real
 * receive path runs: ring read -> KMCL drain -> apps/ic on_packet -> reply.
 * Chosen over editing product code or hvsim (the brief forbids both) and
 * over #including apps/ic/ic.c (its on_packet needs a live KMCL channel and
 * packet anyway). Never linked into the image. */
#include "vmbus/kmcl.c"

struct vmbus_ring *fuzz_kmcl_in_ring(VMBCHANNEL ch);
uint32_t fuzz_kmcl_relid(VMBCHANNEL ch);
bool fuzz_kmcl_failed(VMBCHANNEL ch);
bool fuzz_kmcl_active(VMBCHANNEL ch);

struct vmbus_ring *fuzz_kmcl_in_ring(VMBCHANNEL ch) { return &ch->core.in; }
uint32_t fuzz_kmcl_relid(VMBCHANNEL ch) { return ch->core.offer.relid; }
bool fuzz_kmcl_failed(VMBCHANNEL ch) { return ch->failed; }
bool fuzz_kmcl_active(VMBCHANNEL ch) { return ch->state == STATE_ACTIVE && ch->core.open; }
