/* hvrt_http_exchange (include/hvrt/http.h): one request per connection,
 * read until the response is complete or the peer closes. The socket's
 * receive and send timeouts carry the caller's deadline. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/http.h>
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "arch/platform.h"
#include "net/http_response.h"

const char *hvrt_http_error_name(int error)
{
    switch (error) {
    case HVRT_HTTP_E_RESOLVE:  return "the host name did not resolve";
    case HVRT_HTTP_E_CONNECT:  return "could not connect";
    case HVRT_HTTP_E_IO:       return "the connection broke or timed out";
    case HVRT_HTTP_E_PROTOCOL: return "not an HTTP response";
    case HVRT_HTTP_E_ARGUMENT: return "bad arguments";
    default:                   return "no error";
    }
}

static void set_timeout(int s, uint64_t deadline)
{
    uint64_t now = platform_time_ns(), left = deadline > now ? deadline - now : 1000000;
    struct timeval tv = { (long)(left / 1000000000u), (long)(left % 1000000000u / 1000u) };
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        tv.tv_usec = 1000;
    lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    lwip_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int connect_to(const struct hvrt_http_request *rq, uint64_t deadline)
{
    char port[8];
    snprintf(port, sizeof(port), "%u", rq->port ? rq->port : 80);
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
    if (lwip_getaddrinfo(rq->host, port, &hints, &res) != 0 || res == NULL)
        return HVRT_HTTP_E_RESOLVE;
    int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0) {
        set_timeout(s, deadline);
        if (lwip_connect(s, res->ai_addr, res->ai_addrlen) != 0) {
            lwip_close(s);
            s = HVRT_HTTP_E_CONNECT;
        }
    } else {
        s = HVRT_HTTP_E_CONNECT;
    }
    lwip_freeaddrinfo(res);
    return s;
}

static int send_all(int s, const void *data, size_t len)
{
    for (const char *p = data; len > 0;) {
        ssize_t n = lwip_send(s, p, len, 0);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_request(int s, const struct hvrt_http_request *rq)
{
    char head[1024];
    int n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s",
                     rq->method, rq->path, rq->host, rq->headers != NULL ? rq->headers : "");
    if (n < 0 || (size_t)n >= sizeof(head) - 40)
        return HVRT_HTTP_E_ARGUMENT;
    if (rq->body != NULL)
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n", rq->body_length);
    n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
    if (send_all(s, head, (size_t)n) != 0 || (rq->body != NULL && send_all(s, rq->body, rq->body_length) != 0))
        return HVRT_HTTP_E_IO;
    return 0;
}

int hvrt_http_exchange(const struct hvrt_http_request *rq, char *buf, size_t size, struct hvrt_http_response *out)
{
    if (rq == NULL || rq->method == NULL || rq->host == NULL || rq->path == NULL || buf == NULL || size == 0 ||
        out == NULL)
        return HVRT_HTTP_E_ARGUMENT;
    memset(out, 0, sizeof(*out));
    uint64_t deadline = platform_time_ns() + (uint64_t)(rq->timeout_ms ? rq->timeout_ms : 30000) * 1000000u;
    int s = connect_to(rq, deadline);
    if (s < 0)
        return s;
    int rc = send_request(s, rq);
    struct http_response_reader reader;
    http_response_init(&reader, buf, size);
    char chunk[1460];
    while (rc == 0) {
        set_timeout(s, deadline);
        ssize_t n = lwip_recv(s, chunk, sizeof(chunk), 0);
        if (n == 0) {
            rc = http_response_at_close(&reader) == 0 ? 0 : reader.status ? HVRT_HTTP_E_IO : HVRT_HTTP_E_PROTOCOL;
            break;
        }
        if (n < 0) {
            rc = HVRT_HTTP_E_IO;
            break;
        }
        int fed = http_response_feed(&reader, chunk, (size_t)n);
        if (fed < 0)
            rc = HVRT_HTTP_E_PROTOCOL;
        else if (fed > 0)
            break;
    }
    lwip_close(s);
    if (rc != 0)
        return rc;
    out->status = reader.status;
    out->body = buf;
    out->body_length = reader.body_length;
    out->truncated = reader.truncated;
    return 0;
}
