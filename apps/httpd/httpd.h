/* httpd's parts: the request parser (request.c, fuzzed: it reads what any
 * client on the network sends), the status page (status.c). */
#ifndef HVRT_APPS_HTTPD_H
#define HVRT_APPS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum httpd_method { HTTPD_GET, HTTPD_HEAD, HTTPD_POST };

struct httpd_request {
    enum httpd_method method;
    char path[256];
    bool keep_alive;              /* HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive */
    unsigned long content_length;
    size_t header_length;         /* bytes up to and including the blank line */
};

/* 1: a whole request header is in buf[0..len) and *out describes it;
 * 0: not yet (read more); -1: malformed, unsupported, or too long. */
int httpd_parse_request(const char *buf, size_t len, struct httpd_request *out);

/* The /bytes/N stream: byte i. */
static inline uint8_t httpd_pattern(uint64_t i) { return (uint8_t)(i * 7 + (i >> 9)); }

#define HTTPD_FNV_OFFSET 0xcbf29ce484222325ull
static inline uint64_t httpd_fnv1a(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The status page into buf; its length (cut to fit). */
size_t httpd_status_page(char *buf, size_t size, unsigned long requests, int clients);

#endif
