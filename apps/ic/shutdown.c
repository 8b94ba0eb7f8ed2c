/* Shutdown: the host asks to power off (or restart). We answer first, then
 * act, outside the interrupt: tell the apps (hvrt_on_host_shutdown), close
 * the integration channels, and power off or reset — which sends VMBus
 * UNLOAD and tears Hyper-V down on the way (the runtime's shutdown hooks). */
#include <stdio.h>
#include <string.h>

#include <hvrt/ic.h>
#include <hvrt/runtime.h>
#include "apps/ic/ic.h"

enum { FLAG_FORCE = 0x1, FLAG_RESTART = 0x2, FLAG_HIBERNATE = 0x4 };

#define MAX_HOOKS 8
static struct { void (*fn)(bool restart, void *ctx); void *ctx; } hooks[MAX_HOOKS];
static unsigned hook_count;

int hvrt_on_host_shutdown(void (*fn)(bool restart, void *ctx), void *ctx)
{
    if (fn == NULL || hook_count == MAX_HOOKS)
        return -1;
    hooks[hook_count].fn = fn;
    hooks[hook_count].ctx = ctx;
    hook_count++;
    return 0;
}

static bool restart;

static void shut_down(void *arg)
{
    (void)arg;
    printf("shutdown: the host asked for a %s\n", restart ? "restart" : "power-off");
    for (unsigned i = 0; i < hook_count; i++)
        hooks[i].fn(restart, hooks[i].ctx);
    ic_stop_all();
    if (restart)
        hvrt_reset();
    hvrt_poweroff();
}

/* Body: u32 reason, u32 timeout (s), u32 flags, then a display message. */
static void handle(struct ic_request *r)
{
    uint32_t flags;
    if (r->body_len < 12) {
        r->header->status = IC_E_FAIL;
        return;
    }
    memcpy(&flags, r->body + 8, 4);
    if (flags & ~(uint32_t)(FLAG_FORCE | FLAG_RESTART) ) {
        r->header->status = IC_E_FAIL;   /* hibernate, or bits we do not know: refuse, stay up */
        return;
    }
    restart = (flags & FLAG_RESTART) != 0;
    hvrt_defer(shut_down, NULL);   /* after the reply is on its way */
}

static const struct ic_version versions[] = { { 3, 2 }, { 3, 1 }, { 3, 0 }, { 1, 0 } };

static struct ic_state state;

const struct ic_service ic_shutdown = {
    .name = "shutdown",
    .class_id = { 0x0e0b6031, 0x5213, 0x4934, { 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb } },
    .message_type = IC_MSG_SHUTDOWN,
    .versions = versions,
    .version_count = IC_VERSION_COUNT(versions),
    .handle = handle,
    .prepare = NULL,
    .state = &state,
};
