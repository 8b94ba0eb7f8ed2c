#include <string.h>

#include <hvrt/runtime.h>
#include "apps/ic/ic.h"

static const struct ic_version framework_versions[] = { { 3, 0 }, { 1, 0 } };

static const struct ic_service *const services[] = { &ic_heartbeat, &ic_shutdown, &ic_timesync, &ic_kvp };

/* The first of our versions the host also lists, or false. */
static bool pick(const struct ic_version *ours, unsigned n_ours, const uint8_t *theirs, unsigned n_theirs,
                 struct ic_version *out)
{
    for (unsigned i = 0; i < n_ours; i++) {
        for (unsigned j = 0; j < n_theirs; j++) {
            struct ic_version v;
            memcpy(&v, theirs + 4 * j, 4);
            if (v.major == ours[i].major && v.minor == ours[i].minor) {
                *out = v;
                return true;
            }
        }
    }
    return false;
}

/* Negotiate: body = u16 framework count F, u16 message count M, u32
 * reserved, then F + M versions. The answer is written over it: F = M = 1
 * and the two choices, or F = M = 0 when nothing matches. */
static void negotiate(const struct ic_service *s, struct ic_state *st, struct ic_request *r)
{
    uint16_t f, m;
    if (r->body_len < 8) {
        r->header->status = IC_E_FAIL;
        return;
    }
    memcpy(&f, r->body, 2);
    memcpy(&m, r->body + 2, 2);
    struct ic_version fw, svc;
    bool ok = f <= 100 && m <= 100 && r->body_len >= 8u + 4u * (f + m) &&
              pick(framework_versions, 2, r->body + 8, f, &fw) &&
              pick(s->versions, s->version_count, r->body + 8 + 4 * f, m, &svc);
    uint16_t n = ok ? 1 : 0;
    memcpy(r->body, &n, 2);
    memcpy(r->body + 2, &n, 2);
    if (ok) {
        memcpy(r->body + 8, &fw, 4);
        memcpy(r->body + 12, &svc, 4);
        st->version = svc;
        st->negotiated = true;
        r->body_len = 16;
    } else {
        st->negotiated = false;
        r->header->status = IC_E_FAIL;
    }
}

/* Every host message: the pipe header and the IC header are checked, the
 * handler edits the body, and the reply goes back with the same
 * transaction id. Interrupt context: nothing here waits. */
static void on_packet(VMBCHANNEL channel, VMBPACKETCOMPLETION packet, PVOID buffer, UINT32 length, UINT32 flags)
{
    (void)flags;
    struct ic_state *st = VmbChannelGetPointer(channel);
    const struct ic_service *s = st->service;
    uint8_t *msg = buffer;
    st->requests++;
    struct ic_header *h = (struct ic_header *)(msg + IC_PIPE_HEADER);
    uint32_t pipe_size;
    if (length < IC_BODY_OFFSET || (memcpy(&pipe_size, msg + 4, 4), pipe_size > length - IC_PIPE_HEADER) ||
        !(h->flags & IC_FLAG_REQUEST) || h->size > length - IC_BODY_OFFSET) {
        st->rejected++;
        VmbChannelPacketComplete(packet, NULL, 0);   /* malformed: no answer */
        return;
    }
    struct ic_request r = { h, msg + IC_BODY_OFFSET, h->size, st->version };
    h->status = IC_S_OK;
    if (h->type == IC_MSG_NEGOTIATE)
        negotiate(s, st, &r);
    else if (h->type == s->message_type && st->negotiated)
        s->handle(&r);
    else
        h->status = IC_E_FAIL;   /* not ours, or before a negotiation */
    h->flags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
    h->size = (uint16_t)r.body_len;
    uint32_t reply = IC_BODY_OFFSET + r.body_len;
    /* Keep the host's length when the body shrank in place (as hosts expect). */
    if (reply < length)
        reply = length;
    HvrtPacketCompleteWithReply(packet, msg, reply);
}

int ic_start(const struct ic_service *s)
{
    struct ic_state *st = s->state;
    if (s->prepare != NULL && s->prepare() != 0)
        return -1;
    if (VmbChannelAllocate(NULL, FALSE, &st->channel) != STATUS_SUCCESS)
        return -1;
    st->service = s;
    st->negotiated = false;
    st->requests = st->rejected = 0;
    NTSTATUS status = VmbClientChannelInitSetTargetPnp(st->channel, &s->class_id, NULL, NULL);
    if (NT_SUCCESS(status))
        status = VmbChannelInitSetMaximumPacketSize(st->channel, IC_MAX_MESSAGE);
    if (NT_SUCCESS(status))
        status = VmbClientChannelInitSetRingBufferPageCount(st->channel, 4, 4);
    if (NT_SUCCESS(status))
        status = VmbChannelInitSetProcessPacketCallbacks(st->channel, on_packet, NULL);
    VmbChannelSetTransactionQuota(st->channel, 4);
    VmbChannelSetPointer(st->channel, st);
    if (NT_SUCCESS(status))
        status = VmbChannelEnable(st->channel);
    if (!NT_SUCCESS(status)) {
        VmbChannelCleanup(st->channel);
        st->channel = NULL;
        return -1;
    }
    return 0;
}

void ic_stop(const struct ic_service *s)
{
    if (s->state->channel == NULL)
        return;
    VmbChannelCleanup(s->state->channel);
    s->state->channel = NULL;
}

void ic_stop_all(void)
{
    for (unsigned i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        ic_stop(services[i]);
}

uint32_t ic_utf16_from_ascii(uint8_t *dst, uint32_t dst_bytes, const char *src)
{
    uint32_t n = 0;
    while (src[n] != '\0' && 2 * (n + 1) + 2 <= dst_bytes) {
        dst[2 * n] = (uint8_t)src[n];
        dst[2 * n + 1] = 0;
        n++;
    }
    if (dst_bytes >= 2)
        dst[2 * n] = dst[2 * n + 1] = 0;
    return n;
}

void ic_ascii_from_utf16(char *dst, uint32_t dst_size, const uint8_t *src, uint32_t src_bytes)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i + 1 < src_bytes && n + 1 < dst_size; i += 2) {
        uint16_t c = (uint16_t)(src[i] | src[i + 1] << 8);
        if (c == 0)
            break;
        dst[n++] = c < 0x80 ? (char)c : '?';
    }
    dst[n] = '\0';
}

static int start_heartbeat(void) { return ic_start(&ic_heartbeat); }
static int start_shutdown(void) { return ic_start(&ic_shutdown); }
static int start_timesync(void) { return ic_start(&ic_timesync); }
static int start_kvp(void) { return ic_start(&ic_kvp); }

HVRT_SERVICE("heartbeat", start_heartbeat);
HVRT_SERVICE("shutdown", start_shutdown);
HVRT_SERVICE("timesync", start_timesync);
HVRT_SERVICE("kvp", start_kvp);
