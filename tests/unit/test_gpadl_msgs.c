/* vmbus/gpadl_msgs.c: the messages for n pages are decoded back the way a
 * host reads them (header, then bodies) and must give the same PFN list,
 * one range of n * 4096 bytes at offset 0, and no message over 240 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "vmbus/gpadl_msgs.h"

struct decoded {
    uint32_t relid, gpadl, range_buflen, range_count, byte_count, byte_offset;
    uint32_t pfn_count;           /* PFNs collected from all messages */
    uint64_t pfns[GPADL_MAX_PFNS + 64];
    uint32_t messages;
    uint32_t bad;                 /* malformed messages seen */
};

static uint32_t get32(const uint8_t *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p + off, 4);
    return v;
}

static uint16_t get16(const uint8_t *p, size_t off)
{
    uint16_t v;
    memcpy(&v, p + off, 2);
    return v;
}

static void take_pfns(struct decoded *d, const uint8_t *p, uint32_t bytes)
{
    if (bytes % 8 != 0) {
        d->bad++;
        return;
    }
    for (uint32_t i = 0; i < bytes / 8 && d->pfn_count < GPADL_MAX_PFNS + 64; i++)
        memcpy(&d->pfns[d->pfn_count++], p + i * 8, 8);
}

/* Decodes with offsets from the reference, not from our structs. */
static void decode(struct decoded *d, const uint8_t *msg, uint32_t len)
{
    d->messages++;
    if (len > 240 || len < 16 || get32(msg, 4) != 0) {
        d->bad++;
        return;
    }
    uint32_t type = get32(msg, 0);
    if (type == 8 && d->messages == 1 && len >= 28) {
        d->relid = get32(msg, 8);
        d->gpadl = get32(msg, 12);
        d->range_buflen = get16(msg, 16);
        d->range_count = get16(msg, 18);
        d->byte_count = get32(msg, 20);
        d->byte_offset = get32(msg, 24);
        take_pfns(d, msg + 28, len - 28);
    } else if (type == 9 && d->messages > 1) {
        if (get32(msg, 12) != d->gpadl)
            d->bad++;
        take_pfns(d, msg + 16, len - 16);
    } else {
        d->bad++;
    }
}

static uint64_t pfn_of(uint32_t i)
{
    return 0x100000ull + i * 7ull + ((uint64_t)i << 33);    /* distinct, not contiguous */
}

static void check_pages(uint32_t n, uint32_t expected_messages)
{
    uint64_t *pfns = malloc(n * sizeof(uint64_t));
    for (uint32_t i = 0; i < n; i++)
        pfns[i] = pfn_of(i);
    static struct decoded d;
    memset(&d, 0, sizeof(d));

    CHECK_EQ(gpadl_msgs_check(n), GPADL_MSGS_OK);
    uint32_t count = gpadl_msgs_count(n);
    CHECK_EQ(count, expected_messages);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t buf[VMBUS_MSG_MAX_SIZE + 16];
        memset(buf, 0xEE, sizeof(buf));
        uint32_t len = gpadl_msg_build(i, 7, 0xE1E10, pfns, n, buf);
        CHECK(len > 0 && len <= VMBUS_MSG_MAX_SIZE, "message %u of %u pages: length %u", i, n, len);
        CHECK(buf[VMBUS_MSG_MAX_SIZE] == 0xEE, "message %u wrote past 240 bytes", i);
        if (i == 0)
            CHECK_EQ(len, 28 + 8 * (n < 26 ? n : 26));
        else if (i + 1 < count)
            CHECK_EQ(len, 240);
        decode(&d, buf, len);
    }
    uint8_t past[VMBUS_MSG_MAX_SIZE];
    CHECK_EQ(gpadl_msg_build(count, 7, 0xE1E10, pfns, n, past), 0);

    CHECK_EQ(d.bad, 0);
    CHECK_EQ(d.relid, 7);
    CHECK_EQ(d.gpadl, 0xE1E10);
    CHECK_EQ(d.range_count, 1);
    CHECK_EQ(d.range_buflen, 8 + 8 * n);
    CHECK_EQ(d.byte_offset, 0);
    CHECK_EQ(d.byte_count, n * 4096u);
    CHECK_EQ(d.pfn_count, n);
    uint32_t wrong = 0;
    for (uint32_t i = 0; i < n && i < d.pfn_count; i++)
        wrong += d.pfns[i] != pfns[i];
    CHECK_EQ(wrong, 0);
    free(pfns);
}

static void test_one_page(void) { check_pages(1, 1); }
static void test_header_full(void) { check_pages(26, 1); }
static void test_one_body_pfn(void) { check_pages(27, 2); }
static void test_one_full_body(void) { check_pages(54, 2); }
static void test_second_body(void) { check_pages(55, 3); }
static void test_largest_gpadl(void) { check_pages(8190, 1 + (8190 - 26 + 27) / 28); }

static void test_counts_follow_the_formula(void)
{
    for (uint32_t n = 1; n <= GPADL_MAX_PFNS; n++) {
        uint32_t want = n <= 26 ? 1 : 1 + (n - 26 + 27) / 28;
        if (gpadl_msgs_count(n) != want) {
            CHECK_EQ(gpadl_msgs_count(n), want);
            break;
        }
    }
    CHECK_EQ(gpadl_msgs_count(8190), 293);   /* 1 header + ceil(8164 / 28) bodies */
}

static void test_range_buflen_of_the_largest_fits_u16(void)
{
    static uint64_t pfns[GPADL_MAX_PFNS];
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    CHECK_EQ(gpadl_msg_build(0, 1, 2, pfns, GPADL_MAX_PFNS, buf), 236);
    CHECK_EQ(get16(buf, 16), 65528);
}

static void test_zero_and_too_many_pages_are_refused(void)
{
    static uint64_t pfns[GPADL_MAX_PFNS + 1];
    uint8_t buf[VMBUS_MSG_MAX_SIZE];
    CHECK_EQ(gpadl_msgs_check(0), GPADL_MSGS_NO_PAGES);
    CHECK_EQ(gpadl_msgs_check(8191), GPADL_MSGS_TOO_MANY_PAGES);
    CHECK_EQ(gpadl_msgs_check(0xFFFFFFFFu), GPADL_MSGS_TOO_MANY_PAGES);
    CHECK_EQ(gpadl_msgs_count(0), 0);
    CHECK_EQ(gpadl_msgs_count(8191), 0);
    CHECK_EQ(gpadl_msg_build(0, 1, 2, pfns, 0, buf), 0);
    CHECK_EQ(gpadl_msg_build(0, 1, 2, pfns, 8191, buf), 0);
    CHECK_EQ(gpadl_msg_build(0, 1, 2, NULL, 5, buf), 0);
    CHECK(strcmp(gpadl_msgs_status_name(GPADL_MSGS_TOO_MANY_PAGES), "unknown") != 0, "named");
    CHECK(strcmp(gpadl_msgs_status_name(GPADL_MSGS_NO_PAGES),
                 gpadl_msgs_status_name(GPADL_MSGS_TOO_MANY_PAGES)) != 0, "distinct names");
}

int main(void)
{
    RUN_TEST(test_one_page);
    RUN_TEST(test_header_full);
    RUN_TEST(test_one_body_pfn);
    RUN_TEST(test_one_full_body);
    RUN_TEST(test_second_body);
    RUN_TEST(test_largest_gpadl);
    RUN_TEST(test_counts_follow_the_formula);
    RUN_TEST(test_range_buflen_of_the_largest_fits_u16);
    RUN_TEST(test_zero_and_too_many_pages_are_refused);
    return check_summary();
}
