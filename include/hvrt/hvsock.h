/* Hyper-V sockets (hv_sock): byte streams between a program on the host
 * and this guest over VMBus, with no network and no IP configuration
 * (docs/hvsock.md). A service is a GUID; vsock-style ports are the GUIDs
 * <port>-facb-11e6-bd58-64006a7986d3, as Linux maps AF_VSOCK ports. */
#ifndef HVRT_HVSOCK_H
#define HVRT_HVSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <hvrt/vmbus.h>

/* The service id of vsock port `port`. */
void hvsock_port_service(uint32_t port, GUID *service);
/* The port of a vsock service id; false for any other GUID. */
bool hvsock_service_port(const GUID *service, uint32_t *port);

#endif
