/* The Azure goal-state parser (apps/azure/goalstate.c) against any XML a
 * WireServer, or someone on the path, may send. Checks: what it accepts
 * is NUL-terminated, within its fields, of the allowed characters only,
 * and makes a health report that fits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/azure/goalstate.h"

static void check_value(const char *v, size_t size)
{
    size_t n = strnlen(v, size);
    if (n == 0 || n >= size || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);   /* exactly size bytes: ASan sees any read past them */
    memcpy(copy, data, size);
    struct goal_state gs;
    if (goal_state_parse(copy, size, &gs) == 0) {
        check_value(gs.incarnation, sizeof(gs.incarnation));
        check_value(gs.container_id, sizeof(gs.container_id));
        check_value(gs.instance_id, sizeof(gs.instance_id));
        char body[1024];
        if (health_report_ready(&gs, body, sizeof(body)) == 0)
            abort();
    }
    free(copy);
    return 0;
}
