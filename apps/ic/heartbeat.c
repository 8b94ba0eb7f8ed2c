/* Heartbeat: the host sends a sequence number, we answer with the next one;
 * the host shows the guest as healthy while the answers come. */
#include <string.h>

#include "apps/ic/ic.h"

static void handle(struct ic_request *r)
{
    uint64_t seq;
    if (r->body_len < sizeof(seq)) {
        r->header->status = IC_E_FAIL;
        return;
    }
    memcpy(&seq, r->body, sizeof(seq));
    seq++;
    memcpy(r->body, &seq, sizeof(seq));
}

static const struct ic_version versions[] = { { 3, 0 }, { 1, 0 } };

static struct ic_state state;

const struct ic_service ic_heartbeat = {
    .name = "heartbeat",
    .class_id = { 0x57164f39, 0x9115, 0x4e78, { 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d } },
    .message_type = IC_MSG_HEARTBEAT,
    .versions = versions,
    .version_count = IC_VERSION_COUNT(versions),
    .handle = handle,
    .prepare = NULL,
    .state = &state,
};
