/* net/http_client.c's response reader, apart so it can be fuzzed. */
#ifndef HVRT_NET_HTTP_RESPONSE_H
#define HVRT_NET_HTTP_RESPONSE_H

#include <stddef.h>

enum http_reader_state {
    HTTP_STATUS_LINE, HTTP_HEADERS, HTTP_BODY,
    HTTP_CHUNK_SIZE, HTTP_CHUNK_DATA, HTTP_CHUNK_END, HTTP_TRAILER,
    HTTP_DONE, HTTP_FAILED,
};

struct http_response_reader {
    enum http_reader_state state;
    int status;
    int chunked, truncated;
    long long content_length;    /* -1: not given */
    long long body_seen;         /* body bytes received, kept or not */
    long long chunk_left;
    char *body;
    size_t body_size, body_length;
    char line[512];
    size_t line_len;
};

void http_response_init(struct http_response_reader *r, char *body, size_t size);
/* 1: the response is complete; 0: more is needed; -1: malformed. */
int http_response_feed(struct http_response_reader *r, const char *data, size_t len);
/* The peer closed: 0 when that completes the response, -1 when cut short. */
int http_response_at_close(struct http_response_reader *r);

#endif
