/* DPDK includes this name; everything it needs is in rte_shim.h. */
#include "rte_shim.h"
