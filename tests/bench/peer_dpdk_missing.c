/* Linked instead of peer_dpdk.c when DPDK's source could not be fetched
 * (scripts/fetch-dpdk-ring.sh failed): the benchmark says so and runs the
 * rest. */
#include <stddef.h>

#include "tests/bench/peer.h"

const struct peer peer_dpdk = { .name = "dpdk", .available = false };
