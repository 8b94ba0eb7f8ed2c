/* lwIP's configuration for hvrt: the full stack with threads (NO_SYS=0),
 * BSD sockets under their usual names, DHCP, DNS, and memory taken from
 * the runtime's heap as needed (nothing reserved up front, so an idle
 * stack costs little in a 48 MiB VM). Limits are sized for an appliance
 * serving ~100 concurrent TCP connections. */
#ifndef HVRT_NET_LWIPOPTS_H
#define HVRT_NET_LWIPOPTS_H

#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1      /* socket calls take the core lock, no round trip */
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
#define LWIP_NETCONN_SEM_PER_THREAD 0

/* ---- memory: the heap, on demand ---- */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEMP_NUM_NETCONN 128
#define MEMP_NUM_TCP_PCB 128
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_NETBUF 64
#define MEMP_NUM_TCPIP_MSG_INPKT 256
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE 256
#define PBUF_POOL_BUFSIZE 1536

/* ---- protocols ---- */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_IPV4 1
#define LWIP_ICMP 1
#define LWIP_RAW 1                     /* ping */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0          /* a lease in one round trip, not one plus a second of probing */
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define LWIP_IPV6 0                    /* see docs/net.md: not within this slice */
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1

/* DHCP option 245 names Azure's WireServer; net/dhcp_options.c keeps it. */
#define LWIP_HOOK_FILENAME "net/include/hvrt_lwip_hooks.h"
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset) \
    hvrt_dhcp_parse_option((netif), (option), (len), (pbuf), (offset))

/* ---- TCP ---- */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_WND (64 * TCP_MSS)
#define TCP_SND_BUF (64 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1
#define TCP_LISTEN_BACKLOG 1

/* ---- sockets ---- */
#define LWIP_SOCKET 1
#define LWIP_NETCONN 1
#define LWIP_NETIF_API 1
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVBUF 1
#define SO_REUSE 1
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 1
#define LWIP_TIMEVAL_PRIVATE 0         /* struct timeval from the C library */
#define LWIP_FIONREAD_LINUXMODE 1
#if defined(HVRT_HOSTED_APP)
/* An app on BSD sockets in a hosted test (mk/net.mk): its socket(),
 * close(), read() ... become lwIP's by macro, the library keeps lwip_. */
#define LWIP_COMPAT_SOCKETS 1
#define LWIP_POSIX_SOCKETS_IO_NAMES 1
#elif defined(HVRT_HOSTED)
/* Hosted tests share the process with the C library's own sockets: keep
 * lwIP's under their lwip_ names there. */
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#else
/* The image: socket(), connect(), select(), poll() ... are lwIP's; read(),
 * write() and close() on a socket go through lib/syscalls.c's descriptor
 * table, which hands descriptors from HVRT_SOCKET_FD_BASE up to net/. */
#define LWIP_COMPAT_SOCKETS 2
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#endif
#define HVRT_SOCKET_FD_BASE 64
#define LWIP_SOCKET_OFFSET HVRT_SOCKET_FD_BASE
#define LWIP_DNS_API_DECLARE_STRUCTS 1

/* ---- threads ---- */
#define TCPIP_THREAD_NAME "tcpip"
#define TCPIP_THREAD_STACKSIZE (32 * 1024)
#define TCPIP_THREAD_PRIO 1
#define TCPIP_MBOX_SIZE 512
#define DEFAULT_THREAD_STACKSIZE (16 * 1024)
#define DEFAULT_RAW_RECVMBOX_SIZE 32
#define DEFAULT_UDP_RECVMBOX_SIZE 32
#define DEFAULT_TCP_RECVMBOX_SIZE 128
#define DEFAULT_ACCEPTMBOX_SIZE 64

/* ---- netif ---- */
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_TX_SINGLE_PBUF 0
#define LWIP_SINGLE_NETIF 0

/* ---- checks and statistics ---- */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MIB2_STATS 0
#define LWIP_DEBUG 0
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_UDP 1

#endif
