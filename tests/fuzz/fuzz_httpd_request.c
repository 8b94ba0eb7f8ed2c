/* httpd's request parser (apps/httpd/request.c) against anything a client
 * on the network may send, cut wherever TCP cuts it. Checks: an accepted
 * header ends inside the bytes given, its path is a NUL-terminated string
 * starting with '/', only a POST carries a body, and a header accepted at
 * some length is still accepted, the same, with more bytes after it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/httpd/httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);   /* exactly size bytes: ASan sees any read past them */
    memcpy(copy, data, size);
    struct httpd_request rq;
    int r = httpd_parse_request(copy, size, &rq);
    if (r < -1 || r > 1)
        abort();
    if (r == 1) {
        if (rq.header_length == 0 || rq.header_length > size)
            abort();
        size_t n = strnlen(rq.path, sizeof(rq.path));
        if (n == 0 || n >= sizeof(rq.path) || rq.path[0] != '/')
            abort();
        if (rq.method != HTTPD_POST && rq.content_length != 0)
            abort();
        struct httpd_request first;
        if (httpd_parse_request(copy, rq.header_length, &first) != 1 ||
            first.header_length != rq.header_length || strcmp(first.path, rq.path) != 0 ||
            first.keep_alive != rq.keep_alive || first.content_length != rq.content_length)
            abort();
    }
    free(copy);
    return 0;
}
