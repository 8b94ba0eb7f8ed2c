/* GPADL_HEADER and GPADL_BODY construction; see gpadl_msgs.h. Message i
 * carries PFNs [first_pfn(i), first_pfn(i) + pfns_in(i)). */
#include <string.h>

#include "vmbus/gpadl_msgs.h"

#define HV_PAGE_SIZE 4096u

_Static_assert(sizeof(struct vmbus_msg_gpadl_header) + sizeof(struct vmbus_gpa_range) +
               GPADL_HEADER_PFNS * 8 <= VMBUS_MSG_MAX_SIZE, "header PFNs fit a message");
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) + sizeof(struct vmbus_gpa_range) +
               (GPADL_HEADER_PFNS + 1) * 8 > VMBUS_MSG_MAX_SIZE, "header PFNs fill a message");
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) + GPADL_BODY_PFNS * 8 == VMBUS_MSG_MAX_SIZE,
               "body PFNs fill a message");
_Static_assert(sizeof(struct vmbus_gpa_range) + GPADL_MAX_PFNS * 8ull <= 0xFFFF,
               "range_buflen holds the largest GPADL");
_Static_assert(sizeof(struct vmbus_gpa_range) + (GPADL_MAX_PFNS + 1) * 8ull > 0xFFFF,
               "GPADL_MAX_PFNS is the largest");

const char *gpadl_msgs_status_name(enum gpadl_msgs_status status)
{
    switch (status) {
    case GPADL_MSGS_OK:             return "ok";
    case GPADL_MSGS_NO_PAGES:       return "a GPADL needs at least one page";
    case GPADL_MSGS_TOO_MANY_PAGES: return "more than 8190 pages for one GPADL";
    case GPADL_MSGS_BAD_INDEX:      return "no such GPADL message";
    }
    return "unknown";
}

enum gpadl_msgs_status gpadl_msgs_check(uint32_t pfn_count)
{
    if (pfn_count == 0)
        return GPADL_MSGS_NO_PAGES;
    if (pfn_count > GPADL_MAX_PFNS)
        return GPADL_MSGS_TOO_MANY_PAGES;
    return GPADL_MSGS_OK;
}

uint32_t gpadl_msgs_count(uint32_t pfn_count)
{
    if (gpadl_msgs_check(pfn_count) != GPADL_MSGS_OK)
        return 0;
    if (pfn_count <= GPADL_HEADER_PFNS)
        return 1;
    return 1 + (pfn_count - GPADL_HEADER_PFNS + GPADL_BODY_PFNS - 1) / GPADL_BODY_PFNS;
}

static uint32_t first_pfn(uint32_t index)
{
#ifdef HVRT_MUTATE_GPADL_SPLIT   /* the mutation check only (tests/hvsim/run-mutations.sh) */
    return index == 0 ? 0 : GPADL_HEADER_PFNS - 1 + (index - 1) * GPADL_BODY_PFNS;
#endif
    return index == 0 ? 0 : GPADL_HEADER_PFNS + (index - 1) * GPADL_BODY_PFNS;
}

static uint32_t pfns_in(uint32_t index, uint32_t pfn_count)
{
    uint32_t cap = index == 0 ? GPADL_HEADER_PFNS : GPADL_BODY_PFNS;
    uint32_t left = pfn_count - first_pfn(index);
    return left < cap ? left : cap;
}

static uint32_t build_header(uint32_t child_relid, uint32_t gpadl, const uint64_t *pfns,
                             uint32_t pfn_count, uint8_t *buf)
{
    struct vmbus_msg_gpadl_header h = {
        .hdr = { .type = VMBUS_MSG_GPADL_HEADER, .padding = 0 },
        .child_relid = child_relid,
        .gpadl = gpadl,
        .range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range) + pfn_count * 8),
        .range_count = 1,
    };
    struct vmbus_gpa_range range = { .byte_count = pfn_count * HV_PAGE_SIZE, .byte_offset = 0 };
    uint32_t n = pfns_in(0, pfn_count);
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), &range, sizeof(range));
    memcpy(buf + sizeof(h) + sizeof(range), pfns, (size_t)n * 8);
    return (uint32_t)(sizeof(h) + sizeof(range)) + n * 8;
}

static uint32_t build_body(uint32_t index, uint32_t gpadl, const uint64_t *pfns,
                           uint32_t pfn_count, uint8_t *buf)
{
    /* Hosts ignore msgnum; 0 is what they are known to see. */
    struct vmbus_msg_gpadl_body b = {
        .hdr = { .type = VMBUS_MSG_GPADL_BODY, .padding = 0 },
        .msgnum = 0,
        .gpadl = gpadl,
    };
    uint32_t n = pfns_in(index, pfn_count);
    memcpy(buf, &b, sizeof(b));
    memcpy(buf + sizeof(b), pfns + first_pfn(index), (size_t)n * 8);
    return (uint32_t)sizeof(b) + n * 8;
}

uint32_t gpadl_msg_build(uint32_t index, uint32_t child_relid, uint32_t gpadl,
                         const uint64_t *pfns, uint32_t pfn_count,
                         uint8_t buf[VMBUS_MSG_MAX_SIZE])
{
    if (pfns == NULL || index >= gpadl_msgs_count(pfn_count))
        return 0;
    if (index == 0)
        return build_header(child_relid, gpadl, pfns, pfn_count, buf);
    return build_body(index, gpadl, pfns, pfn_count, buf);
}
