/* wget: fetch a URL with hvrt's HTTP client and print the body, or its
 * length and FNV-1a hash with --hash (for tests of bulk transfers).
 *   wget [--hash] http://HOST[:PORT]/PATH */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/http.h>
#include <hvrt/ipnet.h>
#include <hvrt/runtime.h>

#define BODY_MAX (4u << 20)

/* http://host[:port]/path into its parts; 0, or -1. */
static int split_url(const char *url, char *host, size_t host_size, uint16_t *port, const char **path)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7, *slash = strchr(h, '/'), *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', (size_t)(end - h));
    size_t hl = (size_t)((colon ? colon : end) - h);
    if (hl == 0 || hl >= host_size)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = 80;
    if (colon) {
        char *e;
        unsigned long p = strtoul(colon + 1, &e, 10);
        if (e != end || p == 0 || p > 65535)
            return -1;
        *port = (uint16_t)p;
    }
    *path = slash ? slash : "/";
    return 0;
}

static int wget_main(int argc, char **argv)
{
    int hash = argc == 3 && strcmp(argv[1], "--hash") == 0;
    const char *url = argv[argc - 1];
    char host[128];
    uint16_t port;
    const char *path;
    if ((argc != 2 && !hash) || split_url(url, host, sizeof(host), &port, &path) != 0) {
        fprintf(stderr, "usage: wget [--hash] http://HOST[:PORT]/PATH\n");
        return HVRT_EXIT_USAGE;
    }
    if (hvrt_ipnet_start() != 0 || hvrt_ipnet_wait_address(30000, NULL) != 0) {
        fprintf(stderr, "wget: no network address\n");
        return 1;
    }
    char *buf = malloc(BODY_MAX);
    struct hvrt_http_request rq = { .method = "GET", .host = host, .port = port, .path = path, .timeout_ms = 60000 };
    struct hvrt_http_response resp;
    int rc = buf ? hvrt_http_exchange(&rq, buf, BODY_MAX, &resp) : HVRT_HTTP_E_ARGUMENT;
    if (rc != 0) {
        fprintf(stderr, "wget: %s: %s\n", url, hvrt_http_error_name(rc));
        free(buf);
        return 1;
    }
    if (hash) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < resp.body_length; i++)
            h = (h ^ (uint8_t)resp.body[i]) * 0x100000001b3ull;
        printf("wget: HTTP %d, %zu bytes, fnv1a %016llx%s\n", resp.status, resp.body_length,
               (unsigned long long)h, resp.truncated ? " (truncated)" : "");
    } else {
        fwrite(resp.body, 1, resp.body_length, stdout);
        printf("\nwget: HTTP %d, %zu bytes\n", resp.status, resp.body_length);
    }
    free(buf);
    return resp.status >= 200 && resp.status < 300 ? 0 : 1;
}

HVRT_APP("wget", wget_main, "fetch a URL over HTTP (wget [--hash] http://host/path)");
