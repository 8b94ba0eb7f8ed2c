/* httpd: a small HTTP/1.1 server, the appliance example to copy. One
 * thread per connection (keep-alive, up to MAX_CLIENTS at once), plain BSD
 * sockets, nothing hvrt-specific but the facts on the status page.
 *   GET /             the status page: uptime, addresses, NIC counters, KVP
 *   GET /healthz      "ok"
 *   GET /esp/PATH     a file from the boot disk's EFI system partition
 *                     (static content shipped beside the image)
 *   GET /bytes/N      N bytes of a known pattern (bulk transfers, checksums)
 *   POST /sink        reads the body, answers its length and FNV-1a hash
 * HEAD works wherever GET does.
 * usage: httpd [--port N] [--requests N]   (--requests: stop after N, for tests) */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hvrt/fs.h>
#include <hvrt/ipnet.h>
#include <hvrt/runtime.h>
#include "apps/httpd/httpd.h"

#define MAX_CLIENTS 128
#define MAX_HEADER 8192
#define IDLE_SECONDS 15
#define STATUS_PAGE_MAX 8192

static volatile int clients;
static volatile long requests_left = -1;   /* -1: serve for ever */
static volatile unsigned long requests_served;

static int send_all(int fd, const void *buf, size_t len)
{
    for (const char *p = buf; len > 0;) {
        ssize_t n = send(fd, p, len, 0);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    default:  return "Internal Server Error";
    }
}

/* The status line and headers of a response whose body is len bytes. */
static int send_head(int fd, int status, const char *type, unsigned long len, bool keep)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %lu\r\nConnection: %s\r\n\r\n",
                     status, reason(status), type, len, keep ? "keep-alive" : "close");
    return send_all(fd, head, (size_t)n);
}

/* A whole response; a HEAD request gets the headers only (with the length
 * the body would have). */
static int respond(int fd, const struct httpd_request *rq, int status, const char *type, const char *body,
                   size_t len)
{
    bool keep = rq != NULL && rq->keep_alive;
    if (send_head(fd, status, type, len, keep) != 0)
        return -1;
    return len > 0 && (rq == NULL || rq->method != HTTPD_HEAD) ? send_all(fd, body, len) : 0;
}

/* GET /bytes/N: the pattern httpd_pattern() defines, streamed in chunks. */
static int send_bytes(int fd, const struct httpd_request *rq, unsigned long total)
{
    if (send_head(fd, 200, "application/octet-stream", total, rq->keep_alive) != 0)
        return -1;
    char chunk[4096];
    for (unsigned long off = 0; rq->method != HTTPD_HEAD && off < total;) {
        size_t len = total - off < sizeof(chunk) ? (size_t)(total - off) : sizeof(chunk);
        for (size_t i = 0; i < len; i++)
            chunk[i] = (char)httpd_pattern(off + i);
        if (send_all(fd, chunk, len) != 0)
            return -1;
        off += len;
    }
    return 0;
}

/* The ESP is read-only and holds what `make image` put there (the image,
 * \hvrt.cfg, and whatever static content the appliance ships); this puts
 * it in the image's file systems. */
HVRT_USE_FILESYSTEM(hvrt_esp_fs);

static const char *content_type(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html; charset=utf-8" }, { ".htm", "text/html; charset=utf-8" },
        { ".txt", "text/plain" },                { ".cfg", "text/plain" },
        { ".css", "text/css" },                  { ".js", "text/javascript" },
        { ".json", "application/json" },         { ".png", "image/png" },
    };
    size_t n = strlen(path);
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && strcasecmp(path + n - e, types[i].ext) == 0)
            return types[i].type;
    }
    return "application/octet-stream";
}

/* GET /esp/PATH: the file at PATH on the ESP. No "..": the path names a
 * file on the partition, never anything above it. */
static int send_file(int fd, const struct httpd_request *rq)
{
    if (strstr(rq->path, "..") != NULL)
        return respond(fd, rq, 404, "text/plain", "not found\n", 10);
    FILE *f = fopen(rq->path, "rb");
    long size = -1;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (f == NULL || size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        if (f != NULL)
            fclose(f);
        return respond(fd, rq, 404, "text/plain", "not found\n", 10);
    }
    int r = send_head(fd, 200, content_type(rq->path), (unsigned long)size, rq->keep_alive);
    char chunk[4096];
    size_t n;
    while (r == 0 && rq->method != HTTPD_HEAD && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        r = send_all(fd, chunk, n);
    fclose(f);
    return r;
}

/* POST /sink: the body's length and hash, so a client can check an upload. */
static int receive_body(int fd, char *buf, size_t have, const struct httpd_request *rq)
{
    unsigned long length = rq->content_length;
    uint64_t hash = HTTPD_FNV_OFFSET;
    unsigned long got = 0;
    size_t first = have < length ? have : (size_t)length;
    hash = httpd_fnv1a(hash, buf, first);
    got += first;
    char chunk[4096];
    while (got < length) {
        ssize_t n = recv(fd, chunk, length - got < sizeof(chunk) ? (size_t)(length - got) : sizeof(chunk), 0);
        if (n <= 0)
            return -1;
        hash = httpd_fnv1a(hash, chunk, (size_t)n);
        got += (unsigned long)n;
    }
    char body[96];
    int n = snprintf(body, sizeof(body), "%lu %016llx\n", got, (unsigned long long)hash);
    return respond(fd, rq, 200, "text/plain", body, (size_t)n);
}

static int serve_one(int fd, char *buf, size_t len, const struct httpd_request *rq)
{
    if (strcmp(rq->path, "/healthz") == 0)
        return respond(fd, rq, 200, "text/plain", "ok\n", 3);
    if (strncmp(rq->path, "/bytes/", 7) == 0 && rq->method != HTTPD_POST)
        return send_bytes(fd, rq, strtoul(rq->path + 7, NULL, 10));
    if (strncmp(rq->path, "/esp/", 5) == 0 && rq->method != HTTPD_POST)
        return send_file(fd, rq);
    if (strcmp(rq->path, "/sink") == 0 && rq->method == HTTPD_POST)
        return receive_body(fd, buf + rq->header_length, len - rq->header_length, rq);
    if (strcmp(rq->path, "/") == 0) {
        /* From the heap, per request: a static page would be in the
         * image's SizeOfImage (docs/boot.md) and need a lock. */
        char *page = malloc(STATUS_PAGE_MAX);
        if (page == NULL)
            return -1;
        size_t n = httpd_status_page(page, STATUS_PAGE_MAX, requests_served, clients);
        int r = respond(fd, rq, 200, "text/html; charset=utf-8", page, n);
        free(page);
        return r;
    }
    return respond(fd, rq, 404, "text/plain", "not found\n", 10);
}

/* One connection: requests until the client closes, asks to, or idles. */
static void *client_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct timeval idle = { IDLE_SECONDS, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
    char *buf = malloc(MAX_HEADER);
    size_t len = 0;
    while (buf != NULL) {
        struct httpd_request rq;
        int parsed = httpd_parse_request(buf, len, &rq);
        if (parsed == 0) {   /* need more bytes */
            ssize_t n = len < MAX_HEADER ? recv(fd, buf + len, MAX_HEADER - len, 0) : -1;
            if (n <= 0)
                break;
            len += (size_t)n;
            continue;
        }
        if (parsed < 0) {
            respond(fd, NULL, 400, "text/plain", "bad request\n", 12);
            break;
        }
        int r = serve_one(fd, buf, len, &rq);
        requests_served++;
        if (requests_left > 0)
            requests_left--;
        if (r != 0 || !rq.keep_alive)
            break;
        /* Keep what came after this request (pipelining); a POST's body
         * was consumed by the handler. */
        size_t used = rq.header_length + (rq.method == HTTPD_POST ? (size_t)rq.content_length : 0);
        used = used < len ? used : len;
        memmove(buf, buf + used, len - used);
        len -= used;
    }
    free(buf);
    close(fd);
    clients--;
    return NULL;
}

static int httpd_main(int argc, char **argv)
{
    int port = 80;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc)
            requests_left = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: httpd [--port N] [--requests N]\n");
            return HVRT_EXIT_USAGE;
        }
    }
    if (hvrt_ipnet_start() != 0)
        return 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(s, 16) != 0) {
        fprintf(stderr, "httpd: cannot listen on port %d: %s\n", port, strerror(errno));
        return 1;
    }
    printf("httpd: listening on port %d\n", port);
    fflush(stdout);
    while (requests_left != 0) {
        /* Wait for a client a little at a time, so that the request that
         * uses up --requests ends the loop without another connection. */
        struct pollfd p = { .fd = s, .events = POLLIN };
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        pthread_t t;
        if (clients >= MAX_CLIENTS || pthread_create(&t, NULL, client_thread, (void *)(intptr_t)c) != 0) {
            close(c);   /* too many: the client sees a reset and may retry */
            continue;
        }
        clients++;
        pthread_detach(t);
    }
    close(s);
    /* The last responses may still be in lwIP's send buffers: let their
     * clients read them and close before the app (and the image) ends. */
    for (int i = 0; clients > 0 && i < IDLE_SECONDS * 10; i++)
        usleep(100000);
    printf("httpd: served %lu requests\n", requests_served);
    return 0;
}

HVRT_APP("httpd", httpd_main, "an HTTP/1.1 server with a status page (port 80)");
