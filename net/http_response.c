/* Reading an HTTP/1.1 response as it arrives: the status line, the two
 * headers that frame the body (Content-Length, Transfer-Encoding: chunked),
 * and the body, decoded into the caller's buffer. Everything comes from
 * the network: lengths are checked before use and nothing is trusted. */
#include <string.h>
#include <strings.h>

#include "net/http_response.h"

void http_response_init(struct http_response_reader *r, char *body, size_t size)
{
    memset(r, 0, sizeof(*r));
    r->body = body;
    r->body_size = size;
    r->content_length = -1;
    if (size > 0)
        body[0] = '\0';
}

static int parse_status_line(struct http_response_reader *r, const char *line, size_t len)
{
    if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
        return -1;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9')
            return -1;
        status = status * 10 + (line[i] - '0');
    }
    if (len > 12 && line[12] != ' ')
        return -1;
    r->status = status;
    return 0;
}

static int parse_number(const char *v, size_t len, int base, long long *out)
{
    long long n = 0;
    if (len == 0 || len > 15)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int d = v[i] >= '0' && v[i] <= '9' ? v[i] - '0'
              : base == 16 && v[i] >= 'a' && v[i] <= 'f' ? v[i] - 'a' + 10
              : base == 16 && v[i] >= 'A' && v[i] <= 'F' ? v[i] - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        n = n * base + d;
    }
    *out = n;
    return 0;
}

static int parse_header(struct http_response_reader *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (colon == NULL)
        return -1;
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        long long n;
        if (parse_number(v, (size_t)(end - v), 10, &n) != 0)
            return -1;
        r->content_length = n;
    } else if (name_len == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
        r->chunked = (size_t)(end - v) == 7 && strncasecmp(v, "chunked", 7) == 0;
        if (!r->chunked)
            return -1;   /* an encoding we cannot decode */
    }
    return 0;
}

static void keep_body_byte(struct http_response_reader *r, char c)
{
    if (r->body_length + 1 < r->body_size)
        r->body[r->body_length++] = c;
    else
        r->truncated = 1;
    r->body_seen++;
}

/* One line of the header or of the chunk framing is gathered in r->line. */
static int take_line(struct http_response_reader *r, char c, int *complete)
{
    *complete = 0;
    if (c == '\n') {
        if (r->line_len == 0 || r->line[r->line_len - 1] != '\r')
            return -1;
        r->line_len--;
        *complete = 1;
        return 0;
    }
    if (r->line_len + 1 >= sizeof(r->line))
        return -1;   /* a header line longer than we keep */
    r->line[r->line_len++] = c;
    return 0;
}

static int header_byte(struct http_response_reader *r, char c)
{
    int complete;
    if (take_line(r, c, &complete) != 0)
        return -1;
    if (!complete)
        return 0;
    int rc = 0;
    if (r->state == HTTP_STATUS_LINE) {
        rc = parse_status_line(r, r->line, r->line_len);
        r->state = HTTP_HEADERS;
    } else if (r->line_len == 0) {
        r->state = r->chunked ? HTTP_CHUNK_SIZE : r->content_length == 0 ? HTTP_DONE : HTTP_BODY;
    } else {
        rc = parse_header(r, r->line, r->line_len);
    }
    r->line_len = 0;
    return rc;
}

static int chunk_byte(struct http_response_reader *r, char c)
{
    int complete;
    if (r->state == HTTP_CHUNK_DATA) {
        keep_body_byte(r, c);
        if (--r->chunk_left == 0)
            r->state = HTTP_CHUNK_END;
        return 0;
    }
    if (take_line(r, c, &complete) != 0)
        return -1;
    if (!complete)
        return 0;
    int rc = 0;
    if (r->state == HTTP_CHUNK_END) {
        rc = r->line_len == 0 ? 0 : -1;
        r->state = HTTP_CHUNK_SIZE;
    } else if (r->state == HTTP_CHUNK_SIZE) {
        const char *semi = memchr(r->line, ';', r->line_len);   /* chunk extensions are ignored */
        long long n;
        rc = parse_number(r->line, semi ? (size_t)(semi - r->line) : r->line_len, 16, &n);
        if (rc == 0) {
            r->chunk_left = n;
            r->state = n == 0 ? HTTP_TRAILER : HTTP_CHUNK_DATA;
        }
    } else if (r->state == HTTP_TRAILER && r->line_len == 0) {
        r->state = HTTP_DONE;
    }
    r->line_len = 0;
    return rc;
}

int http_response_feed(struct http_response_reader *r, const char *data, size_t len)
{
    for (size_t i = 0; i < len && r->state != HTTP_DONE && r->state != HTTP_FAILED; i++) {
        int rc;
        switch (r->state) {
        case HTTP_STATUS_LINE:
        case HTTP_HEADERS:
            rc = header_byte(r, data[i]);
            break;
        case HTTP_BODY:
            keep_body_byte(r, data[i]);
            rc = 0;
            if (r->content_length >= 0 && r->body_seen == r->content_length)
                r->state = HTTP_DONE;
            break;
        default:
            rc = chunk_byte(r, data[i]);
        }
        if (rc != 0)
            r->state = HTTP_FAILED;
    }
    if (r->body_size > 0)
        r->body[r->body_length] = '\0';   /* whatever happened, the body is a C string */
    return r->state == HTTP_FAILED ? -1 : r->state == HTTP_DONE ? 1 : 0;
}

int http_response_at_close(struct http_response_reader *r)
{
    if (r->state == HTTP_BODY && r->content_length < 0)
        r->state = HTTP_DONE;   /* no length given: the body ends with the connection */
    return r->state == HTTP_DONE ? 0 : -1;
}
