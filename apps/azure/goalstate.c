/* The goal state and the health report (facts: shared/reference's
 * azure-provisioning.md, sections 3 and 4). The parser is deliberately
 * narrow: it looks for three elements by their path and accepts only the
 * characters those values can hold, so whatever else the WireServer sends
 * (or an attacker on the path) cannot steer it. */
#include <stdio.h>
#include <string.h>

#include "apps/azure/goalstate.h"

/* The content of the first <name ...>...</name> inside [from, to), or
 * NULL. Attributes are skipped; "<name" must be followed by '>' or a blank,
 * so <Container> is not found inside <ContainerId>. */
static const char *element(const char *from, const char *to, const char *name, size_t *len)
{
    char close[48];
    size_t nl = strlen(name);
    int nc = snprintf(close, sizeof(close), "</%s>", name);
    if (nc <= 0 || (size_t)nc >= sizeof(close))
        return NULL;
    for (const char *p = from; p + nl + 2 <= to; p++) {
        if (p[0] != '<' || memcmp(p + 1, name, nl) != 0)
            continue;
        char after = p[1 + nl];
        if (after != '>' && after != ' ' && after != '\t' && after != '\r' && after != '\n')
            continue;
        const char *gt = memchr(p + 1 + nl, '>', (size_t)(to - (p + 1 + nl)));
        if (gt == NULL || gt[-1] == '/')
            return NULL;   /* unterminated, or an empty <name/> */
        const char *start = gt + 1;
        for (const char *q = start; q + nc <= to; q++) {
            if (memcmp(q, close, (size_t)nc) == 0) {
                *len = (size_t)(q - start);
                return start;
            }
        }
        return NULL;
    }
    return NULL;
}

static int copy_value(const char *v, size_t len, char *out, size_t size)
{
    while (len > 0 && (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t'))
        v++, len--;
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\n' || v[len - 1] == '\r' || v[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return -1;
    }
    memcpy(out, v, len);
    out[len] = '\0';
    return 0;
}

int goal_state_parse(const char *xml, size_t len, struct goal_state *out)
{
    memset(out, 0, sizeof(*out));
    if (len >= 3 && (unsigned char)xml[0] == 0xef && (unsigned char)xml[1] == 0xbb && (unsigned char)xml[2] == 0xbf)
        xml += 3, len -= 3;
    const char *end = xml + len, *v;
    size_t n, gs_len, c_len, list_len, ri_len;
    const char *gs = element(xml, end, "GoalState", &gs_len);
    if (gs == NULL)
        return -1;
    const char *gs_end = gs + gs_len;
    if ((v = element(gs, gs_end, "Incarnation", &n)) == NULL || copy_value(v, n, out->incarnation, sizeof(out->incarnation)))
        return -1;
    const char *c = element(gs, gs_end, "Container", &c_len);
    if (c == NULL || (v = element(c, c + c_len, "ContainerId", &n)) == NULL ||
        copy_value(v, n, out->container_id, sizeof(out->container_id)))
        return -1;
    const char *list = element(c, c + c_len, "RoleInstanceList", &list_len);
    const char *ri = list != NULL ? element(list, list + list_len, "RoleInstance", &ri_len) : NULL;
    if (ri == NULL || (v = element(ri, ri + ri_len, "InstanceId", &n)) == NULL ||
        copy_value(v, n, out->instance_id, sizeof(out->instance_id)))
        return -1;
    return 0;
}

size_t health_report_ready(const struct goal_state *gs, char *buf, size_t size)
{
    /* The values passed goal_state_parse's character check: nothing to
     * escape. */
    int n = snprintf(buf, size,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<Health xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                     "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
                     "<GoalStateIncarnation>%s</GoalStateIncarnation>"
                     "<Container><ContainerId>%s</ContainerId>"
                     "<RoleInstanceList><Role><InstanceId>%s</InstanceId>"
                     "<Health><State>Ready</State></Health></Role></RoleInstanceList>"
                     "</Container></Health>\n",
                     gs->incarnation, gs->container_id, gs->instance_id);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}
