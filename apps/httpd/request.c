/* Parsing an HTTP/1.1 request header, strictly: what is not understood is
 * refused (400), never guessed at. The header must fit in the caller's
 * buffer; the body, if any, is the handler's to read. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apps/httpd/httpd.h"

/* The end of the header (after "\r\n\r\n"), or 0 when it has not come. */
static size_t header_end(const char *buf, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n')
            return i + 1;
    return 0;
}

static int parse_request_line(const char *line, size_t len, struct httpd_request *out, int *minor)
{
    static const struct { const char *name; enum httpd_method method; } methods[] = {
        { "GET ", HTTPD_GET }, { "HEAD ", HTTPD_HEAD }, { "POST ", HTTPD_POST },
    };
    size_t at = 0;
    unsigned m;
    for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
        size_t n = strlen(methods[m].name);
        if (len > n && memcmp(line, methods[m].name, n) == 0) {
            out->method = methods[m].method;
            at = n;
            break;
        }
    }
    if (m == sizeof(methods) / sizeof(methods[0]))
        return -1;
    const char *sp = memchr(line + at, ' ', len - at);
    if (sp == NULL || line[at] != '/' || (size_t)(sp - line) - at >= sizeof(out->path))
        return -1;
    size_t path_len = (size_t)(sp - line) - at;
    memcpy(out->path, line + at, path_len);
    out->path[path_len] = '\0';
    if (memchr(out->path, '\0', path_len) != NULL)
        return -1;
    size_t rest = len - (size_t)(sp + 1 - line);
    if (rest != 8 || memcmp(sp + 1, "HTTP/1.", 7) != 0 || (sp[8] != '0' && sp[8] != '1'))
        return -1;
    *minor = sp[8] - '0';
    return 0;
}

/* name: value, with optional spaces after the colon. */
static int parse_header(const char *line, size_t len, struct httpd_request *out, bool *close_seen, bool *keep_seen)
{
    const char *colon = memchr(line, ':', len);
    if (colon == NULL || colon == line)
        return -1;
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    size_t vlen = (size_t)(end - v);
    if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        if (vlen == 0 || vlen > 12)
            return -1;
        unsigned long n = 0;
        for (size_t i = 0; i < vlen; i++) {
            if (v[i] < '0' || v[i] > '9')
                return -1;
            n = n * 10 + (unsigned long)(v[i] - '0');
        }
        out->content_length = n;
    } else if (name_len == 10 && strncasecmp(line, "Connection", 10) == 0) {
        if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
            *close_seen = true;
        if (vlen == 10 && strncasecmp(v, "keep-alive", 10) == 0)
            *keep_seen = true;
    } else if (name_len == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
        return -1;   /* chunked uploads are not supported: say so rather than misread the body */
    }
    return 0;
}

int httpd_parse_request(const char *buf, size_t len, struct httpd_request *out)
{
    size_t end = header_end(buf, len);
    if (end == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    out->header_length = end;
    int minor = 1;
    bool close_seen = false, keep_seen = false;
    size_t at = 0;
    for (int line_no = 0; at < end - 2; line_no++) {
        const char *nl = memchr(buf + at, '\n', end - at);
        if (nl == NULL || nl == buf + at || nl[-1] != '\r')
            return -1;
        size_t line_len = (size_t)(nl - 1 - (buf + at));
        int r = line_no == 0 ? parse_request_line(buf + at, line_len, out, &minor)
                             : parse_header(buf + at, line_len, out, &close_seen, &keep_seen);
        if (r != 0)
            return -1;
        at = (size_t)(nl + 1 - buf);
    }
    if (out->method != HTTPD_POST && out->content_length != 0)
        return -1;
    out->keep_alive = minor == 1 ? !close_seen : keep_seen;
    return 1;
}
