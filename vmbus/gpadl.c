/* GPADLs: describing guest pages to the host. Create sends the header and
 * body messages back to back and waits for one GPADL_CREATED; teardown waits
 * for GPADL_TORNDOWN. The caller frees the pages only after teardown
 * succeeded: until then the host may still touch them. */
#include <stdlib.h>

#include "arch/platform.h"
#include "vmbus/gpadl_msgs.h"
#include "vmbus/vmbus.h"

static uint32_t next_handle = 0x4856;   /* any unique non-zero value; ours start here */

static uint32_t new_handle(void)
{
    platform_irq_state s = platform_irq_save();
    uint32_t h = next_handle++;
    if (next_handle == 0)
        next_handle = 1;
    platform_irq_restore(s);
    return h;
}

int vmbus_gpadl_create(uint32_t relid, void *va, uint32_t pages, uint32_t *handle, uint64_t timeout_ms)
{
    *handle = 0;
    if (((uintptr_t)va & 4095) != 0 || gpadl_msgs_check(pages) != GPADL_MSGS_OK)
        return VMBUS_E_INVALID;
    uint64_t *pfns = malloc(pages * sizeof(uint64_t));
    if (pfns == NULL)
        return VMBUS_E_NO_MEMORY;
    for (uint32_t i = 0; i < pages; i++)
        pfns[i] = platform_va_to_gpa((const uint8_t *)va + (uint64_t)i * 4096) >> 12;

    uint32_t h = new_handle();
    struct vmbus_waiter *w = vmbus_expect(VMBUS_MSG_GPADL_CREATED, 12, h, relid);
    if (w == NULL) {
        free(pfns);
        return VMBUS_E_BUSY;
    }
    int status = VMBUS_OK;
    uint8_t msg[VMBUS_MSG_MAX_SIZE];
    for (uint32_t i = 0; i < gpadl_msgs_count(pages) && status == VMBUS_OK; i++) {
        uint32_t len = gpadl_msg_build(i, relid, h, pfns, pages, msg);
        status = len != 0 ? vmbus_post(msg, len) : VMBUS_E_INVALID;
        if (status == VMBUS_OK)
            *handle = h;   /* the host has heard of it: only a teardown makes the pages ours again */
    }
    free(pfns);
    if (status != VMBUS_OK) {
        vmbus_forget(w);
        return status;
    }
    struct vmbus_msg_gpadl_created reply;
    status = vmbus_await(w, &reply, sizeof(reply), timeout_ms);
    if (status != VMBUS_OK)
        return status;
    if (reply.child_relid != relid)
        return VMBUS_E_HOST;   /* not the answer we asked for: the GPADL's fate is unknown */
    if (reply.status != 0) {
        *handle = 0;   /* refused: the host holds nothing */
        return VMBUS_E_REFUSED;
    }
    return VMBUS_OK;
}

int vmbus_gpadl_teardown(uint32_t relid, uint32_t handle, uint64_t timeout_ms)
{
    struct vmbus_msg_gpadl_teardown msg = { { VMBUS_MSG_GPADL_TEARDOWN, 0 }, relid, handle };
    return vmbus_request(&msg, sizeof(msg), VMBUS_MSG_GPADL_TORNDOWN, 8, handle, NULL, 0, timeout_ms);
}
