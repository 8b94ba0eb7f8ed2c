/* What the integration services (apps/ic) offer apps: a hook for the host's
 * shutdown request, KVP values the host can read, and the values it sets. */
#ifndef HVRT_IC_H
#define HVRT_IC_H

#include <stdbool.h>

/* Called (in order of registration, outside any interrupt) when the host
 * asks the guest to shut down or restart, before the channels close and
 * the machine powers off. 0, or -1 when 8 hooks are already registered. */
int hvrt_on_host_shutdown(void (*fn)(bool restart, void *ctx), void *ctx);

/* The guest pool of KVP (the host reads it like any guest's "guest
 * parameters"): keys up to 255 characters, values up to 1023, ASCII. 0, or
 * -1 when too long or 64 entries are already set. An empty value deletes. */
int hvrt_kvp_set(const char *key, const char *value);
/* The value of key in the external pool (what the host wrote), or in the
 * guest pool when external is false; NULL when absent. */
const char *hvrt_kvp_get(const char *key, bool external);

/* KVP pools, as numbered on the wire. The host writes pools 0 and 3. */
#define HVRT_KVP_POOL_EXTERNAL 0   /* values the host's administrator set for this guest */
#define HVRT_KVP_POOL_GUEST    1   /* what apps set (hvrt_kvp_set) */
#define HVRT_KVP_POOL_AUTO     2   /* what hvrt reports about itself */
#define HVRT_KVP_POOL_HOST     3   /* the host's own facts: HostName, VirtualMachineName,
                                      VirtualMachineId, PhysicalHostName, ... */
/* The value of key in a pool (0..3), as ASCII (other characters become
 * '?'); NULL when absent. An appliance learns its VM name with
 * hvrt_kvp_pool_get(HVRT_KVP_POOL_HOST, "VirtualMachineName"). */
const char *hvrt_kvp_pool_get(int pool, const char *key);

#endif
