/* Azure's WireServer protocol, the part an agent-less guest needs
 * (docs/azure.md): the goal state it reads, the health report it posts. */
#ifndef HVRT_APPS_AZURE_GOALSTATE_H
#define HVRT_APPS_AZURE_GOALSTATE_H

#include <stddef.h>

struct goal_state {
    char incarnation[16];
    char container_id[64];
    char instance_id[128];
};

/* Reads the three values out of a GoalState XML document (a UTF-8 BOM is
 * skipped). 0, or -1 when the document is not one or a value is missing,
 * empty, too long, or holds characters outside [A-Za-z0-9._-]. */
int goal_state_parse(const char *xml, size_t len, struct goal_state *out);

/* The health report body with State Ready for gs; its length, or 0 when it
 * does not fit. */
size_t health_report_ready(const struct goal_state *gs, char *buf, size_t size);

#endif
