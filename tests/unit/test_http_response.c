/* net/http_response.c, the HTTP client's response reader: it reads what a
 * server (or anyone on the path) sends, so every framing is checked here,
 * whole and cut at every byte, and malformed responses are refused. */
#include <stdbool.h>
#include <string.h>

#include "tests/unit/check.h"
#include "net/http_response.h"

/* Feeds text in pieces of `step` bytes; the last feed's result, with the
 * peer's close after it when the response asked for one. */
static int feed_in_steps(struct http_response_reader *r, char *body, size_t size, const char *text, size_t step,
                         bool close_after)
{
    http_response_init(r, body, size);
    size_t len = strlen(text);
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0; at += step)
        rc = http_response_feed(r, text + at, len - at < step ? len - at : step);
    if (rc == 0 && close_after)
        rc = http_response_at_close(r) == 0 ? 1 : -1;
    return rc;
}

static void expect_body(const char *text, int status, const char *body, bool close_after)
{
    for (size_t step = 1; step <= strlen(text); step++) {
        struct http_response_reader r;
        char buf[256];
        int rc = feed_in_steps(&r, buf, sizeof(buf), text, step, close_after);
        if (rc != 1 || r.status != status || strcmp(buf, body) != 0 || r.truncated) {
            CHECK(false, "in steps of %zu: rc %d, status %d, body '%s'", step, rc, r.status, buf);
            return;
        }
    }
}

static void test_content_length(void)
{
    expect_body("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello", 200, "hello", false);
    expect_body("HTTP/1.0 404 Not Found\r\ncontent-length:  0 \r\n\r\n", 404, "", false);
}

static void test_body_to_close(void)
{
    expect_body("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\n\r\nuntil the end", 200, "until the end", true);
}

static void test_chunked(void)
{
    expect_body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n",
                200, "Wikipedia in\r\n\r\nchunks.", false);
}

static void test_a_long_body_is_cut_and_marked(void)
{
    struct http_response_reader r;
    char buf[4];
    CHECK_EQ(feed_in_steps(&r, buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef", 3, false), 1);
    CHECK(strcmp(buf, "abc") == 0, "body %s", buf);
    CHECK_EQ(r.truncated, 1);
    CHECK_EQ(r.body_seen, 6);
}

static void test_malformed_refused(void)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20x OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 1\n\n",                          /* bare LF */
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n",   /* too long to trust */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",  /* chunk longer than said */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct http_response_reader r;
        char buf[64];
        CHECK(feed_in_steps(&r, buf, sizeof(buf), bad[i], 1, false) == -1, "bad[%u] refused", i);
    }
    char line[700];
    memset(line, 'a', sizeof(line));
    memcpy(line, "HTTP/1.1 200 OK\r\nX: ", 20);
    line[sizeof(line) - 1] = '\0';
    struct http_response_reader r;
    char buf[8];
    CHECK(feed_in_steps(&r, buf, sizeof(buf), line, 64, false) == -1, "a header line past 512 bytes");
}

static void test_cut_short_is_an_error(void)
{
    struct http_response_reader r;
    char buf[64];
    CHECK_EQ(feed_in_steps(&r, buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 4, true), -1);
    CHECK_EQ(feed_in_steps(&r, buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-", 4, true), -1);
}

int main(void)
{
    RUN_TEST(test_content_length);
    RUN_TEST(test_body_to_close);
    RUN_TEST(test_chunked);
    RUN_TEST(test_a_long_body_is_cut_and_marked);
    RUN_TEST(test_malformed_refused);
    RUN_TEST(test_cut_short_is_an_error);
    return check_summary();
}
