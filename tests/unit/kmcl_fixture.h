/* What the KMCL API tests (test_kmcl.c, test_kmcl_api.c) start from:
 * hvsim's Hyper-V flavour offering the echo device, then the sink. Like
 * check.h, it defines its statics in each test that includes it. */
#ifndef HVRT_TESTS_KMCL_FIXTURE_H
#define HVRT_TESTS_KMCL_FIXTURE_H

#include "tests/unit/check.h"
#include "tests/hosted/vmbus_fixture.h"
#include <hvrt/vmbus.h>

static struct hvsim_vmbus *host;
static const struct vmbus_guid echo_class = HVSIM_VMBUS_CLASS_ECHO;
static const struct vmbus_guid sink_class = HVSIM_VMBUS_CLASS_SINK;
/* hvrt's GUID and the core's vmbus_guid share one layout. */
static const GUID *echo_guid = (const GUID *)&echo_class;
static const GUID *sink_guid = (const GUID *)&sink_class;

static inline void boot(void)
{
    static const struct hvsim_vmbus_device devices[] = { { .model = HVSIM_VMBUS_ECHO }, { .model = HVSIM_VMBUS_SINK } };
    host = fixture_start(HVSIM_VMBUS_HYPERV, devices, 2, 0);
    CHECK(host != NULL, "fixture up");
}

static inline void shutdown(void) { fixture_stop(host); }

#endif
