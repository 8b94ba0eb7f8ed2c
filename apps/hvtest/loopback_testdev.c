/* Loopback connections through QEMU's hyperv-testdev (make run-kvm adds
 * -device hyperv-testdev): one 32-bit OUT to port 0x3000 per command,
 * connection id << 24 | command << 16 | vcpu << 8 | sint. */
#include "apps/hvtest/hvtest.h"
#include "arch/x86_64/cpu.h"

enum { TESTDEV_PORT = 0x3000, MSG_CONN_CREATE = 4, MSG_CONN_DESTROY = 5, EVT_CONN_CREATE = 6, EVT_CONN_DESTROY = 7 };

static uint8_t kinds[256];   /* which command made each connection */

static void command(uint8_t connection_id, uint8_t cmd, uint8_t sint)
{
    outl(TESTDEV_PORT, (uint32_t)connection_id << 24 | (uint32_t)cmd << 16 | 0u << 8 | sint);
}

int loopback_message_connection(uint8_t connection_id, uint8_t sint)
{
    command(connection_id, MSG_CONN_CREATE, sint);
    kinds[connection_id] = MSG_CONN_DESTROY;
    return 0;
}

int loopback_event_connection(uint8_t connection_id, uint8_t sint)
{
    command(connection_id, EVT_CONN_CREATE, sint);
    kinds[connection_id] = EVT_CONN_DESTROY;
    return 0;
}

void loopback_remove(uint8_t connection_id)
{
    if (kinds[connection_id] != 0)
        command(connection_id, kinds[connection_id], 0);
    kinds[connection_id] = 0;
}
