/* Time sync: the host's UTC clock, in 100 ns units since 1601. SYNC sets
 * our wall clock now; SAMPLE corrects it when it is off by more than
 * 100 ms (no slewing). From version 4.0 the sample carries the reference
 * time at which the host took it, so its age can be added. */
#include <stdint.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "apps/ic/ic.h"

enum { FLAG_SYNC = 0x1, FLAG_SAMPLE = 0x2 };
#define EPOCH_1601_TO_1970 116444736000000000ull   /* 100 ns units */
#define SAMPLE_TOLERANCE_NS 100000000ll

static void handle(struct ic_request *r)
{
    bool v4 = r->version.major >= 4;
    uint32_t need = v4 ? 17 : 25;
    if (r->body_len < need) {
        r->header->status = IC_E_FAIL;
        return;
    }
    uint64_t parent, reference;
    memcpy(&parent, r->body, 8);
    memcpy(&reference, r->body + 8, 8);
    uint8_t flags = r->body[v4 ? 16 : 24];
    /* A probe, a time before 1970, or one too far out to count in
     * nanoseconds (past the year 2262): answer, change nothing. */
    if (!(flags & (FLAG_SYNC | FLAG_SAMPLE)) || parent < EPOCH_1601_TO_1970 ||
        parent - EPOCH_1601_TO_1970 > (uint64_t)INT64_MAX / 100)
        return;
    int64_t ns = (int64_t)(parent - EPOCH_1601_TO_1970) * 100;
    uint64_t now = hvrt_reference_time_100ns();
    int64_t age;
    if (v4 && reference != 0 && now >= reference && now - reference <= (uint64_t)INT64_MAX / 100 &&
        !__builtin_add_overflow(ns, (int64_t)(now - reference) * 100, &age))
        ns = age;   /* plus the sample's age */
    int64_t off;
    if (__builtin_sub_overflow(ns, hvrt_wall_clock_ns(), &off))
        off = INT64_MAX;
    if ((flags & FLAG_SYNC) || off > SAMPLE_TOLERANCE_NS || off < -SAMPLE_TOLERANCE_NS)
        hvrt_set_wall_clock_ns(ns);
}

static const struct ic_version versions[] = { { 4, 0 }, { 3, 0 }, { 1, 0 } };

static struct ic_state state;

const struct ic_service ic_timesync = {
    .name = "timesync",
    .class_id = { 0x9527e630, 0xd0ae, 0x497b, { 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf } },
    .message_type = IC_MSG_TIMESYNC,
    .versions = versions,
    .version_count = IC_VERSION_COUNT(versions),
    .handle = handle,
    .prepare = NULL,
    .state = &state,
};
