/* hv_sock from an app (include/hvrt/hvsock.h, docs/hvsock.md):
 *   hvsock-echo serve PORT|GUID [N]   echo every connection the host makes
 *                                     to the service, a thread each, until
 *                                     N connections have ended (0: for ever)
 *   hvsock-echo send PORT|GUID TEXT   connect to the host's service, send
 *                                     TEXT, end our side, print the answer
 * A port is a vsock port (its service id <port>-facb-11e6-bd58-64006a7986d3);
 * a GUID is any service id (a Windows host registers it, docs/hvsock.md). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/hvsock.h>
#include <hvrt/runtime.h>

static bool parse_service(const char *s, GUID *out)
{
    unsigned d1, d2, d3, b[8];
    char *end;
    unsigned long port = strtoul(s, &end, 10);
    if (*s != '\0' && *end == '\0' && port <= 0xFFFFFFFFul) {
        hvsock_port_service((uint32_t)port, out);
        return true;
    }
    if (sscanf(s, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &d1, &d2, &d3, &b[0], &b[1], &b[2], &b[3], &b[4],
               &b[5], &b[6], &b[7]) != 11 || strlen(s) != 36)
        return false;
    out->Data1 = d1;
    out->Data2 = (uint16_t)d2;
    out->Data3 = (uint16_t)d3;
    for (int i = 0; i < 8; i++)
        out->Data4[i] = (uint8_t)b[i];
    return true;
}

static volatile unsigned ended;

/* Echoes until the host's FIN, then closes (our FIN). */
static void *echo_connection(void *arg)
{
    hvsock_t *s = arg;
    char buf[4096];
    unsigned long long total = 0;
    ssize_t n;
    while ((n = hvsock_read(s, buf, sizeof(buf), HVSOCK_FOREVER)) > 0) {
        if (hvsock_write(s, buf, (size_t)n, 10000) != n)
            break;
        total += (unsigned long long)n;
    }
    printf("hvsock-echo: connection done, %llu bytes echoed%s\n", total, n < 0 ? " (error)" : "");
    hvsock_close(s);
    ended++;
    return NULL;
}

static int serve(const GUID *service, unsigned count)
{
    hvsock_t *l = hvsock_listen(service);
    if (!l) {
        printf("hvsock-echo: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    printf("hvsock-echo: listening\n");
    unsigned accepted = 0;
    while (count == 0 || accepted < count) {
        hvsock_t *s = hvsock_accept(l, HVSOCK_FOREVER);
        if (!s) {
            printf("hvsock-echo: accept: %s\n", strerror(errno));
            continue;
        }
        accepted++;
        pthread_t t;
        if (pthread_create(&t, NULL, echo_connection, s) != 0)
            echo_connection(s);
        else
            pthread_detach(t);
    }
    while (ended < count)
        hvrt_sleep_us(1000);
    hvsock_close(l);
    printf("hvsock-echo: %u connections served\n", accepted);
    return 0;
}

static int send_text(const GUID *service, const char *text)
{
    hvsock_t *s = hvsock_connect(service, 5000);
    if (!s) {
        printf("hvsock-echo: connect: %s\n", strerror(errno));
        return 1;
    }
    size_t len = strlen(text);
    if (hvsock_write(s, text, len, 5000) != (ssize_t)len || hvsock_shutdown(s) != 0) {
        printf("hvsock-echo: write: %s\n", strerror(errno));
        hvsock_close(s);
        return 1;
    }
    char buf[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) - 1 && (n = hvsock_read(s, buf + got, sizeof(buf) - 1 - got, 5000)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    printf("hvsock-echo: the host answered '%s'\n", buf);
    hvsock_close(s);
    return got == len && memcmp(buf, text, len) == 0 ? 0 : 1;
}

static int hvsock_echo_main(int argc, char **argv)
{
    GUID service;
    if (argc < 3 || !parse_service(argv[2], &service)) {
        printf("usage: hvsock-echo serve PORT|GUID [N] | send PORT|GUID TEXT\n");
        return HVRT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "serve") == 0)
        return serve(&service, argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 0);
    if (strcmp(argv[1], "send") == 0 && argc > 3)
        return send_text(&service, argv[3]);
    printf("usage: hvsock-echo serve PORT|GUID [N] | send PORT|GUID TEXT\n");
    return HVRT_EXIT_USAGE;
}

HVRT_APP("hvsock-echo", hvsock_echo_main, "hv_sock: echo the host's connections, or send it a line");
