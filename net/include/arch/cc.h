/* lwIP's compiler and platform glue for hvrt (lwIP includes this as
 * "arch/cc.h"). The image and the hosted tests share it: both are x86-64
 * little-endian with a C library's <stdint.h>, <inttypes.h> and <errno.h>. */
#ifndef HVRT_NET_ARCH_CC_H
#define HVRT_NET_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>   /* ssize_t, and BYTE_ORDER from <machine/endian.h> */

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#include <limits.h>
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX   /* tells lwIP the C library has ssize_t already */
#endif

#define LWIP_ERRNO_STDINCLUDE 1   /* errno values from the C library: apps compare against them */

/* Diagnostics go to the console like any runtime message; an lwIP assertion
 * is a bug in the stack or its port, so it stops the run with a report. */
void hvrt_net_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void hvrt_net_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x) do { hvrt_net_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) hvrt_net_assert((x), __FILE__, __LINE__)

/* Initial sequence numbers, DNS ids, DHCP xids, ephemeral ports. */
uint32_t hvrt_net_random(void);
#define LWIP_RAND() hvrt_net_random()

#endif
