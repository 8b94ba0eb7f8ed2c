/* hv_sock's client (include/hvrt/hvsock.h) on the public KMCL API: every
 * connection is a pipe-mode channel (VMBUS_CHANNEL_INIT_FLAG_IS_PIPE: KMCL
 * adds and strips the pipe header) whose type is the service id and whose
 * instance is the endpoint id (devices.md 3.1). Connecting sends
 * TL_CONNECT_REQUEST and opens the offer that answers it; accepting opens a
 * host-initiated offer for a listened service. Received packets wait in
 * KMCL's receive pool, queued by the byte stream (stream.h) until read;
 * writes go out in 4088-byte packets with at most TX_WINDOW of them queued
 * in KMCL. The end: our FIN, then the host's rescind (devices.md 3.5).
 *
 * KMCL's execution model (docs/api.md): VmbChannelEnable returns at once
 * and the channel opens on the passive worker when its offer is there or
 * comes; PostStarted (or the PnP-failure callback, or Closed) tells the
 * thread waiting in connect or accept. Packets come from the channel's dpc.
 * After a rescind the worker runs Suspend and Closed: Suspend copies out
 * what the reader has not read yet, so the close never waits for a slow
 * reader (and the worker, which every channel shares, is not held up), and
 * Closed marks the end of the stream, which the reader sees after those
 * bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hvrt/hvsock.h>
#include <hvrt/runtime.h>
#include <hvrt/thread.h>
#include <hvrt/vmbus.h>

#include "drivers/hvsock/stream.h"

/* Linux and FreeBSD use 6 pages each way below VMBus 5.0 (older Windows
 * hosts require exactly that), more from 5.0; 6 is right at every version. */
#define RING_PAGES 6u
#define TX_WINDOW 16u              /* packets queued in KMCL, not yet in the ring */
#define POLL_MS 10u                /* a waiter looks again at least this often (a bound: callbacks post) */
#define CLOSE_WAIT_MS 2000u
#define OPEN_WAIT_MS 10000u        /* an accepted offer's open: beyond KMCL's own timeout */
#define FIRST_LOCAL_PORT 1024u     /* af_vsock's first ephemeral port */

enum kind { LISTENER, CONNECTION };

struct hvsock {
    enum kind kind;
    GUID service, endpoint;
    uint32_t local_port;           /* connections we made: the port in the endpoint id */
    struct hvsock *next;           /* every listener and connection */
    VMBCHANNEL channel;
    struct hvsock_rx rx;
    sem_t readable, writable, opened;
    volatile bool is_open, refused, broken;
    volatile bool ended;           /* KMCL closed the channel: rescinded, or our Disable */
    volatile NTSTATUS open_failure; /* the PnP-failure callback's status */
    volatile uint32_t in_flight;
    bool fin_sent;
    bool accepted;                 /* a host-initiated connection */
};

static struct hvsock *all;         /* touched at passive level only */

/* ---- the registry ---- */

static bool guid_eq(const GUID *a, const GUID *b) { return memcmp(a, b, sizeof(*a)) == 0; }

static void link_in(struct hvsock *s)
{
    s->next = all;
    all = s;
}

static void forget(struct hvsock *s)
{
    for (struct hvsock **p = &all; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            return;
        }
}

static bool port_in_use(uint32_t port)
{
    for (struct hvsock *s = all; s; s = s->next)
        if (s->kind == CONNECTION && s->local_port == port)
            return true;
    return false;
}

/* The next free local port, from 1024 upward, never VMADDR_PORT_ANY. */
static uint32_t new_local_port(void)
{
    static uint32_t next = FIRST_LOCAL_PORT;
    for (;;) {
        uint32_t p = next;
        next = next >= 0x7FFFFFFEu ? FIRST_LOCAL_PORT : next + 1;
        if (!port_in_use(p))
            return p;
    }
}

static struct timespec deadline_in(int timeout_ms)
{
    int64_t at = hvrt_wall_clock_ns() + (int64_t)timeout_ms * 1000000;
    return (struct timespec){ .tv_sec = at / 1000000000, .tv_nsec = at % 1000000000 };
}

static bool past(const struct timespec *t)
{
    int64_t now = hvrt_wall_clock_ns(), at = (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
    return now >= at;
}

/* Waits on sem until it is posted, POLL_MS pass, or the deadline (NULL:
 * none) comes; whichever is first. */
static void wait_a_little(sem_t *sem, const struct timespec *deadline)
{
    struct timespec t = deadline_in(POLL_MS);
    if (deadline && (deadline->tv_sec < t.tv_sec || (deadline->tv_sec == t.tv_sec && deadline->tv_nsec < t.tv_nsec)))
        t = *deadline;
    sem_timedwait(sem, &t);
}

static struct timespec *deadline_of(int timeout_ms, struct timespec *storage)
{
    if (timeout_ms < 0)
        return NULL;
    *storage = deadline_in(timeout_ms);
    return storage;
}

/* ---- the channel ---- */

static void release(void *ctx, void *token)
{
    (void)ctx;
    VmbChannelPacketComplete(token, NULL, 0);
}

/* Dispatch level: a DATA packet's bytes (none: the FIN). */
static void on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION packet, PVOID buffer, UINT32 length, UINT32 flags)
{
    (void)flags;
    struct hvsock *s = VmbChannelGetPointer(ch);
    if (!hvsock_rx_push(&s->rx, packet, buffer, length))
        s->broken = true;   /* more packets than the pool, or data after the FIN */
    sem_post(&s->readable);
}

/* Passive (the worker): open and started, packets flow. */
static void on_post_started(VMBCHANNEL ch)
{
    struct hvsock *s = VmbChannelGetPointer(ch);
    s->is_open = true;
    sem_post(&s->opened);
}

/* Passive: the host refused to open the channel, or KMCL gave up waiting
 * for its answer; or, inside Enable, there is no VMBus. */
static void on_pnp_failure(VMBCHANNEL ch, NTSTATUS status)
{
    struct hvsock *s = VmbChannelGetPointer(ch);
    s->open_failure = NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
    sem_post(&s->opened);
}

/* Passive (the worker, or our own Disable): delivery has stopped and KMCL
 * waits until we hold no packet. The reader keeps the bytes. */
static void on_suspend(VMBCHANNEL ch)
{
    struct hvsock *s = VmbChannelGetPointer(ch);
    hvsock_rx_detach(&s->rx);   /* out of memory: the close waits for the reader instead */
}

/* Passive: the channel is closed (a rescind, or our Disable). */
static void on_closed(VMBCHANNEL ch)
{
    struct hvsock *s = VmbChannelGetPointer(ch);
    s->ended = true;
    sem_post(&s->opened);
    sem_post(&s->readable);
    sem_post(&s->writable);
}

static void on_sent(VMBPACKET p, NTSTATUS status, PVOID buffer, UINT32 length)
{
    (void)buffer, (void)length;
    struct hvsock *s = VmbPacketGetPointer(p);
    VmbPacketFree(p);
    /* Cancelled (our Disable) or removed (the rescind): the connection's
     * end, which the reader learns from Closed; anything else is a fault. */
    if (!NT_SUCCESS(status) && status != STATUS_CANCELLED && status != STATUS_DEVICE_REMOVED)
        s->broken = true;
    __atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_ACQ_REL);
    sem_post(&s->writable);
}

static struct hvsock *new_socket(enum kind kind, const GUID *service)
{
    struct hvsock *s = calloc(1, sizeof(*s));
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    s->kind = kind;
    s->service = *service;
    hvsock_rx_init(&s->rx, release, s);
    sem_init(&s->readable, 0, 0);
    sem_init(&s->writable, 0, 0);
    sem_init(&s->opened, 0, 0);
    return s;
}

static void free_socket(struct hvsock *s)
{
    if (s->channel) {
        hvsock_rx_drop(&s->rx);
        VmbChannelCleanup(s->channel);   /* disables it first: queued sends are cancelled */
        hvsock_rx_drop(&s->rx);          /* what came meanwhile, copied out by Suspend */
    }
    sem_destroy(&s->readable);
    sem_destroy(&s->writable);
    sem_destroy(&s->opened);
    free(s);
}

/* A pipe channel for (service, endpoint), configured, not yet enabled. */
static bool make_channel(struct hvsock *s)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelPostStarted = on_post_started;
    cb.EvtChannelSuspend = on_suspend;
    cb.EvtChannelClosed = on_closed;
    VMBCHANNEL ch = NULL;
    if (!NT_SUCCESS(VmbChannelAllocate(NULL, FALSE, &ch)))
        return false;
    s->channel = ch;
    VmbChannelSetPointer(ch, s);
    VmbChannelSetTransactionQuota(ch, HVSOCK_RX_SLOTS);
    return NT_SUCCESS(VmbChannelInitSetFlags(ch, VMBUS_CHANNEL_INIT_FLAG_IS_PIPE)) &&
           NT_SUCCESS(VmbChannelInitSetStateChangeCallbacks(ch, &cb)) &&
           NT_SUCCESS(VmbChannelInitSetProcessPacketCallbacks(ch, on_packet, NULL)) &&
           NT_SUCCESS(VmbClientChannelInitSetTargetPnp(ch, &s->service, &s->endpoint, on_pnp_failure)) &&
           NT_SUCCESS(VmbClientChannelInitSetRingBufferPageCount(ch, RING_PAGES, RING_PAGES));
}

/* The host ended the connection: KMCL closed the channel after its
 * rescind (after every byte that came before it was handed to us). */
static bool gone(const struct hvsock *s)
{
    return s->ended;
}

/* Enables the channel (KMCL returns at once) and waits until the worker
 * has opened and started it, the host refused (TL_CONNECT_RESULT), the open
 * failed, an offer we accept went away, or the deadline passed. */
static int open_channel(struct hvsock *s, const struct timespec *deadline)
{
    NTSTATUS st = VmbChannelEnable(s->channel);
    if (!NT_SUCCESS(st))
        return st == STATUS_NO_SUCH_DEVICE ? ENODEV : EIO;
    for (;;) {
        if (s->is_open)
            return 0;
        if (s->refused)
            return ECONNREFUSED;
        if (!NT_SUCCESS(s->open_failure) || s->ended)
            return EIO;
        if (s->accepted && !HvrtHvSockOfferPresent(&s->service, &s->endpoint))
            return ECONNRESET;   /* the host gave up on it before it opened */
        if (deadline && past(deadline)) {
            /* An offer that came but did not open is not the silence of a
             * host that never answered. */
            st = HvrtChannelWaitOpened(s->channel, 0);
            return st == STATUS_SUCCESS ? 0 : st == STATUS_NO_SUCH_DEVICE ? ETIMEDOUT : EIO;
        }
        wait_a_little(&s->opened, deadline);
    }
}

/* ---- connecting ---- */

/* Dispatch level: TL_CONNECT_RESULT said no. */
static void on_refused(PVOID ctx, NTSTATUS status)
{
    (void)status;
    struct hvsock *s = ctx;
    s->refused = true;
    sem_post(&s->opened);
}

hvsock_t *hvsock_connect(const GUID *service, int timeout_ms)
{
    if (!service) {
        errno = EINVAL;
        return NULL;
    }
    struct hvsock *s = new_socket(CONNECTION, service);
    if (!s)
        return NULL;
    s->local_port = new_local_port();
    hvsock_port_service(s->local_port, &s->endpoint);
    link_in(s);
    int err = make_channel(s) ? 0 : ENOMEM;
    if (!err) {
        NTSTATUS st = HvrtTlConnectRequest(&s->endpoint, service, on_refused, s);
        err = NT_SUCCESS(st) ? 0 : st == STATUS_NOT_SUPPORTED ? ENOTSUP : st == STATUS_NO_SUCH_DEVICE ? ENODEV : EIO;
    }
    if (!err) {
        struct timespec storage;
        err = open_channel(s, deadline_of(timeout_ms, &storage));
        HvrtTlConnectCancel(&s->endpoint, service);   /* on_refused cannot run after this */
    }
    if (err) {
        forget(s);
        free_socket(s);
        errno = err;
        return NULL;
    }
    return s;
}

/* ---- listening and accepting ---- */

hvsock_t *hvsock_listen(const GUID *service)
{
    if (!service) {
        errno = EINVAL;
        return NULL;
    }
    for (struct hvsock *l = all; l; l = l->next)
        if (l->kind == LISTENER && guid_eq(&l->service, service)) {
            errno = EADDRINUSE;
            return NULL;
        }
    struct hvsock *s = new_socket(LISTENER, service);
    if (s)
        link_in(s);
    return s;
}

hvsock_t *hvsock_accept(hvsock_t *l, int timeout_ms)
{
    if (!l || l->kind != LISTENER) {
        errno = EINVAL;
        return NULL;
    }
    struct timespec storage, *deadline = deadline_of(timeout_ms, &storage);
    GUID endpoint;
    while (!NT_SUCCESS(HvrtHvSockTakeOffer(&l->service, &endpoint))) {
        if (deadline && past(deadline)) {
            errno = ETIMEDOUT;
            return NULL;
        }
        wait_a_little(&l->opened, deadline);   /* nothing posts it: a plain wait */
    }
    struct hvsock *s = new_socket(CONNECTION, &l->service);
    if (!s)
        return NULL;
    s->endpoint = endpoint;
    s->accepted = true;
    link_in(s);
    /* The offer is there: the open takes one round trip to the host, and
     * KMCL gives up on an unanswered open by itself (the PnP failure). */
    struct timespec open_by = deadline_in(OPEN_WAIT_MS);
    int err = make_channel(s) ? open_channel(s, &open_by) : ENOMEM;
    if (err) {
        forget(s);
        free_socket(s);
        errno = err == ENOMEM || err == ECONNRESET ? err : EIO;
        return NULL;
    }
    return s;
}

/* ---- bytes ---- */

ssize_t hvsock_read(hvsock_t *s, void *buf, size_t len, int timeout_ms)
{
    if (!s || s->kind != CONNECTION || (!buf && len)) {
        errno = EINVAL;
        return -1;
    }
    if (len == 0)
        return 0;
    uint32_t want = len > 0x7FFFFFFFu ? 0x7FFFFFFFu : (uint32_t)len;
    struct timespec storage, *deadline = deadline_of(timeout_ms, &storage);
    for (;;) {
        uint32_t n = hvsock_rx_read(&s->rx, buf, want);
        if (n > 0)
            return n;
        if (hvsock_rx_eof(&s->rx))
            return 0;
        if (s->broken) {
            errno = EIO;
            return -1;
        }
        if (gone(s))
            return 0;   /* rescinded with no FIN: Linux ends the stream too */
        if (deadline && past(deadline)) {
            errno = ETIMEDOUT;
            return -1;
        }
        wait_a_little(&s->readable, deadline);
    }
}

static int send_packet(struct hvsock *s, const void *data, uint32_t n)
{
    VMBPACKET p = VmbPacketAllocate(s->channel);
    if (!p)
        return ENOMEM;
    VmbPacketSetPointer(p, s);
    VmbPacketSetCompletionRoutine(p, on_sent);
    __atomic_add_fetch(&s->in_flight, 1, __ATOMIC_ACQ_REL);   /* the completion may run inside the send */
    NTSTATUS st = VmbPacketSend(p, (PVOID)data, n, NULL, 0);
    if (NT_SUCCESS(st))
        return 0;
    __atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_ACQ_REL);
    VmbPacketFree(p);
    return st == STATUS_DEVICE_REMOVED ? EPIPE : EIO;
}

ssize_t hvsock_write(hvsock_t *s, const void *buf, size_t len, int timeout_ms)
{
    if (!s || s->kind != CONNECTION || (!buf && len)) {
        errno = EINVAL;
        return -1;
    }
    if (s->fin_sent) {
        errno = EPIPE;
        return -1;
    }
    struct timespec storage, *deadline = deadline_of(timeout_ms, &storage);
    size_t done = 0;
    while (done < len) {
        uint32_t left = len - done > 0x7FFFFFFFu ? 0x7FFFFFFFu : (uint32_t)(len - done);
        uint32_t room = TX_WINDOW - __atomic_load_n(&s->in_flight, __ATOMIC_ACQUIRE);
        uint32_t n = hvsock_tx_next(left, room > 0 ? HVSOCK_TX_CHUNK : 0);
        int err = 0;
        if (gone(s) || s->broken)
            err = EPIPE;   /* KMCL would queue it for a re-offer that never comes */
        else if (n > 0)
            err = send_packet(s, (const uint8_t *)buf + done, n);
        else if (deadline && past(deadline))
            err = ETIMEDOUT;
        else
            wait_a_little(&s->writable, deadline);
        if (err) {
            if (done > 0 && err == ETIMEDOUT)
                return (ssize_t)done;
            errno = err;
            return -1;
        }
        done += n;
    }
    return (ssize_t)done;
}

int hvsock_shutdown(hvsock_t *s)
{
    if (!s || s->kind != CONNECTION) {
        errno = EINVAL;
        return -1;
    }
    if (s->fin_sent)
        return 0;
    int err = gone(s) ? EPIPE : send_packet(s, NULL, 0);
    if (err) {
        errno = err;
        return -1;
    }
    s->fin_sent = true;
    return 0;
}

int hvsock_close(hvsock_t *s)
{
    if (!s)
        return 0;
    forget(s);
    if (s->kind == CONNECTION) {
        if (!s->fin_sent)
            hvsock_shutdown(s);
        /* The host rescinds once both FINs have passed: read (and drop)
         * until then, so the peer's last packets do not hold the ring. */
        struct timespec by = deadline_in(CLOSE_WAIT_MS);
        static uint8_t sink[4096];
        while (!gone(s) && !past(&by) && !s->broken) {
            if (hvsock_rx_read(&s->rx, sink, sizeof(sink)) == 0)
                wait_a_little(&s->readable, &by);
        }
    }
    free_socket(s);
    return 0;
}

void hvsock_ids(const hvsock_t *s, GUID *service, GUID *endpoint)
{
    if (service)
        *service = s->service;
    if (endpoint)
        *endpoint = s->endpoint;
}
