/* ping: ICMP echo requests through lwIP's raw sockets, one a second.
 *   ping [-c COUNT] ADDRESS */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>   /* close */

#include <hvrt/ipnet.h>
#include <hvrt/runtime.h>
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip.h"

#define PAYLOAD 32

static int send_echo(int s, const struct sockaddr_in *to, uint16_t seq)
{
    uint8_t pkt[sizeof(struct icmp_echo_hdr) + PAYLOAD];
    struct icmp_echo_hdr *h = (struct icmp_echo_hdr *)pkt;
    memset(pkt, 0, sizeof(pkt));
    ICMPH_TYPE_SET(h, ICMP_ECHO);
    h->id = htons(0x6876);   /* "hv" */
    h->seqno = htons(seq);
    for (int i = 0; i < PAYLOAD; i++)
        pkt[sizeof(*h) + i] = (uint8_t)i;
    h->chksum = inet_chksum(pkt, sizeof(pkt));
    return sendto(s, pkt, sizeof(pkt), 0, (const struct sockaddr *)to, sizeof(*to)) == (ssize_t)sizeof(pkt) ? 0 : -1;
}

/* Waits up to a second for the reply to seq; its round trip in us, or -1. */
static long await_reply(int s, uint16_t seq, uint64_t sent_ns)
{
    uint8_t buf[256];
    for (;;) {
        ssize_t n = recv(s, buf, sizeof(buf), 0);
        if (n < 0)
            return -1;
        size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
        if ((size_t)n < ihl + sizeof(struct icmp_echo_hdr))
            continue;
        const struct icmp_echo_hdr *h = (const struct icmp_echo_hdr *)(buf + ihl);
        if (ICMPH_TYPE(h) == ICMP_ER && h->id == htons(0x6876) && ntohs(h->seqno) == seq)
            return (long)((hvrt_time_ns() - sent_ns) / 1000);
    }
}

static int ping_main(int argc, char **argv)
{
    int count = 4, i = 1;
    if (argc > 2 && strcmp(argv[1], "-c") == 0)
        count = atoi(argv[2]), i = 3;
    struct sockaddr_in to = { .sin_family = AF_INET };
    if (i != argc - 1 || count <= 0 || inet_aton(argv[i], &to.sin_addr) == 0) {
        fprintf(stderr, "usage: ping [-c COUNT] ADDRESS\n");
        return HVRT_EXIT_USAGE;
    }
    if (hvrt_ipnet_start() != 0 || hvrt_ipnet_wait_address(30000, NULL) != 0) {
        fprintf(stderr, "ping: no network address\n");
        return 1;
    }
    int s = socket(AF_INET, SOCK_RAW, IP_PROTO_ICMP);
    if (s < 0) {
        fprintf(stderr, "ping: no socket\n");
        return 1;
    }
    struct timeval tv = { 1, 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int received = 0;
    for (int seq = 1; seq <= count; seq++) {
        uint64_t t0 = hvrt_time_ns();
        long us = send_echo(s, &to, (uint16_t)seq) == 0 ? await_reply(s, (uint16_t)seq, t0) : -1;
        if (us >= 0) {
            received++;
            printf("reply from %s: seq=%d time=%ld.%03ld ms\n", argv[i], seq, us / 1000, us % 1000);
        } else {
            printf("no reply from %s: seq=%d\n", argv[i], seq);
        }
        if (seq < count && us >= 0 && us < 1000000)
            hvrt_sleep_us((uint64_t)(1000000 - us));
    }
    close(s);
    printf("ping: %d sent, %d received\n", count, received);
    return received > 0 ? 0 : 1;
}

HVRT_APP("ping", ping_main, "send ICMP echo requests (ping [-c N] ADDRESS)");
