/* <netinet/tcp.h> for apps in the image, where newlib has none: the definitions
 * are lwIP's (its sockets carry the BSD names there, docs/net.md). */
#ifndef HVRT_NET_POSIX_NETINET_TCP_H
#define HVRT_NET_POSIX_NETINET_TCP_H

#include "lwip/sockets.h"

#endif
