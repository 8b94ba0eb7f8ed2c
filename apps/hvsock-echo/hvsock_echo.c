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

/* Hex digits s[from..to) as a number; false on anything else. */
static bool hex_field(const char *s, int from, int to, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = from; i < to; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* A decimal vsock port, or a GUID in its text form
 * xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (no scanf: it would double the app's size). */
static bool parse_service(const char *s, GUID *out)
{
    char *end;
    unsigned long port = strtoul(s, &end, 10);
    if (*s >= '0' && *s <= '9' && *end == '\0' && port <= 0xFFFFFFFFul) {
        hvsock_port_service((uint32_t)port, out);
        return true;
    }
    uint32_t d1, d2, d3, b;
    if (strlen(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' ||
        !hex_field(s, 0, 8, &d1) || !hex_field(s, 9, 13, &d2) || !hex_field(s, 14, 18, &d3))
        return false;
    out->Data1 = d1;
    out->Data2 = (uint16_t)d2;
    out->Data3 = (uint16_t)d3;
    static const int at[8] = { 19, 21, 24, 26, 28, 30, 32, 34 };
    for (int i = 0; i < 8; i++) {
        if (!hex_field(s, at[i], at[i] + 2, &b))
            return false;
        out->Data4[i] = (uint8_t)b;
    }
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
