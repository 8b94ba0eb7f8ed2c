/* A small HTTP/1.1 client for apps (GET and POST over lwIP's sockets):
 * enough for Azure's WireServer, a health check, a download. */
#ifndef HVRT_HTTP_H
#define HVRT_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct hvrt_http_request {
    const char *method;          /* "GET", "POST", ... */
    const char *host;            /* a name (resolved by DNS) or a dotted address */
    uint16_t port;               /* 0: 80 */
    const char *path;            /* "/machine/?comp=goalstate" */
    const char *headers;         /* extra header lines, each ending "\r\n"; NULL for none */
    const void *body;            /* POST data, or NULL */
    size_t body_length;
    uint32_t timeout_ms;         /* for the whole exchange; 0: 30 s */
};

struct hvrt_http_response {
    int status;                  /* 200, 404, ... */
    char *body;                  /* in the caller's buffer, NUL-terminated */
    size_t body_length;
    int truncated;               /* the body did not fit the buffer: the rest was read and dropped */
};

/* Errors before a status line arrives (negative; errno tells more). */
enum {
    HVRT_HTTP_E_RESOLVE = -1,    /* the host name did not resolve */
    HVRT_HTTP_E_CONNECT = -2,    /* refused, unreachable, or timed out */
    HVRT_HTTP_E_IO = -3,         /* the connection broke or timed out mid-exchange */
    HVRT_HTTP_E_PROTOCOL = -4,   /* not an HTTP/1.x response */
    HVRT_HTTP_E_ARGUMENT = -5,
};

/* Sends one request (Connection: close) and reads the whole response into
 * buf (size bytes; the body lands there). 0 with *out filled when any
 * response came (check out->status), or a HVRT_HTTP_E_ value. Blocks:
 * passive level. */
int hvrt_http_exchange(const struct hvrt_http_request *rq, char *buf, size_t size,
                       struct hvrt_http_response *out);

const char *hvrt_http_error_name(int error);

#endif
