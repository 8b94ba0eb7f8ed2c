/* The messages that describe a GPADL to the host (reference section 8): one
 * GPADL_HEADER with the first 26 PFNs, then GPADL_BODY messages with 28
 * each. We always send one range, byte_offset 0 and byte_count = pages *
 * 4096, the only shape QEMU accepts (it silently drops others). Pure code:
 * the caller posts each message and waits for GPADL_CREATED. */
#ifndef HVRT_VMBUS_GPADL_MSGS_H
#define HVRT_VMBUS_GPADL_MSGS_H

#include <stdint.h>

#include "vmbus/vmbus_msgs.h"

#define GPADL_HEADER_PFNS 26u       /* (240 - 20 - 8) / 8 */
#define GPADL_BODY_PFNS   28u       /* (240 - 16) / 8 */
#define GPADL_MAX_PFNS    8190u     /* range_buflen is u16: (65535 - 8) / 8 */

enum gpadl_msgs_status {
    GPADL_MSGS_OK = 0,
    GPADL_MSGS_NO_PAGES,            /* pfn_count == 0 */
    GPADL_MSGS_TOO_MANY_PAGES,      /* pfn_count > GPADL_MAX_PFNS: split into several GPADLs */
    GPADL_MSGS_BAD_INDEX,           /* message index >= gpadl_msgs_count() */
};

const char *gpadl_msgs_status_name(enum gpadl_msgs_status status);

/* Whether pfn_count pages fit one GPADL. */
enum gpadl_msgs_status gpadl_msgs_check(uint32_t pfn_count);

/* How many messages describe pfn_count pages (header + bodies); 0 when
 * gpadl_msgs_check() fails. */
uint32_t gpadl_msgs_count(uint32_t pfn_count);

/* Builds message number index (0 = GPADL_HEADER) into buf; returns its
 * length in bytes, or 0 on an error gpadl_msgs_check() or the index names. */
uint32_t gpadl_msg_build(uint32_t index, uint32_t child_relid, uint32_t gpadl,
                         const uint64_t *pfns, uint32_t pfn_count,
                         uint8_t buf[VMBUS_MSG_MAX_SIZE]);

#endif
