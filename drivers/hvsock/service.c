/* hv_sock's service ids for vsock-style ports (devices.md 3.2): the port
 * replaces Data1 of 00000000-facb-11e6-bd58-64006a7986d3, as Linux and
 * FreeBSD map AF_VSOCK ports; any other GUID is a service id of its own
 * (what Windows programs listen on with AF_HYPERV). */
#include <string.h>

#include <hvrt/hvsock.h>

static const GUID vsock_template = { 0, 0xfacb, 0x11e6, { 0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3 } };

void hvsock_port_service(uint32_t port, GUID *service)
{
    *service = vsock_template;
    service->Data1 = port;
}

bool hvsock_service_port(const GUID *service, uint32_t *port)
{
    if (service->Data2 != vsock_template.Data2 || service->Data3 != vsock_template.Data3 ||
        memcmp(service->Data4, vsock_template.Data4, sizeof(service->Data4)) != 0)
        return false;
    *port = service->Data1;
    return true;
}
