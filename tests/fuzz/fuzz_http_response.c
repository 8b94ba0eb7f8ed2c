/* The HTTP client's response reader (net/http_response.c) against
 * anything a server may send. The first byte picks how the rest is cut
 * into feeds (1..64 bytes), as TCP segments cut a response; the second
 * picks the body buffer's size. Checks: the body never passes its
 * buffer (ASan), stays NUL-terminated, and body_seen covers it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t step = (size_t)(data[0] % 64) + 1, body_size = (size_t)data[1] + 1;
    data += 2, size -= 2;
    char *body = malloc(body_size);
    struct http_response_reader r;
    http_response_init(&r, body, body_size);
    int rc = 0;
    for (size_t at = 0; at < size && rc == 0; at += step)
        rc = http_response_feed(&r, (const char *)data + at, size - at < step ? size - at : step);
    if (rc == 0)
        http_response_at_close(&r);
    if (r.body_length >= body_size || body[r.body_length] != '\0' || (long long)r.body_length > r.body_seen)
        abort();
    free(body);
    return 0;
}
