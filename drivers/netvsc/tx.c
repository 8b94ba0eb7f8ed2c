/* The send path. A frame is copied once: into a free send section behind
 * an RNDIS_PACKET_MSG header (NVSP 107 names the section), or, when it is
 * larger than a section, into one of a few page buffers sent GPA-direct.
 * The host's completion (NVSP 108) frees the section. While every section
 * is busy, frames wait in a queue of tx_queue_frames copies; a completion
 * sends the next. The send path and completions share the sections and the
 * queue under a try-lock: a completion that finds it held leaves a kick,
 * and the holder sends what waits before it lets go. Nothing blocks. */
#include <stdlib.h>
#include <string.h>

#include "drivers/netvsc/netvsc.h"

enum tx_kind { TX_SECTION, TX_GPA };
#define TAG(kind, data, index) ((void *)(uintptr_t)(((kind) << 24 | (data) << 23 | (index)) + 1))
#define TAG_KIND(t) ((((uintptr_t)(t) - 1) >> 24) & 1)
#define TAG_DATA(t) ((((uintptr_t)(t) - 1) >> 23) & 1)
#define TAG_INDEX(t) (((uintptr_t)(t) - 1) & 0x7FFFFF)

/* Before RNDIS says the MTU: the one asked for, which the host may only lower. */
static uint32_t max_message(const struct hvrt_nic *nic) { return RNDIS_PACKET_OVERHEAD + nic->config.mtu + 14; }

int tx_init(struct hvrt_nic *nic)
{
    nic->pending_head = nic->pending_count = 0;
    nic->pending = calloc(nic->config.tx_queue_frames, sizeof(*nic->pending));
    if (nic->pending == NULL)
        return -1;
    for (uint32_t i = 0; i < nic->config.tx_queue_frames; i++)
        if ((nic->pending[i].frame = malloc(HVRT_NET_MAX_FRAME)) == NULL)
            return -1;
    /* Page buffers only when a full frame cannot fit one section. */
    nic->gpa_pages = (RNDIS_PACKET_OVERHEAD + HVRT_NET_MAX_FRAME + 4095) / 4096;
    if (max_message(nic) > nic->section_size)
        for (unsigned i = 0; i < NETVSC_GPA_BUFFERS; i++)
            if ((nic->gpa_buf[i] = HvrtAllocatePages(nic->gpa_pages)) == NULL)
                return -1;
    return 0;
}

/* After the channel is disabled: no send is outstanding any more. */
void tx_free(struct hvrt_nic *nic)
{
    for (unsigned i = 0; i < NETVSC_GPA_BUFFERS; i++) {
        HvrtFreePages(nic->gpa_buf[i], nic->gpa_pages);
        nic->gpa_buf[i] = NULL;
    }
    if (nic->pending != NULL)
        for (uint32_t i = 0; i < nic->config.tx_queue_frames; i++)
            free(nic->pending[i].frame);
    free(nic->pending);
    nic->pending = NULL;
    nic->pending_count = 0;
    memset((void *)nic->section_busy, 0, sizeof(nic->section_busy));
    nic->gpa_busy = 0;
}

/* ---- sections and page buffers: a bit each, set while the host has it ---- */

static int bit_take(volatile uint64_t *words, uint32_t count)
{
    for (uint32_t w = 0; w * 64 < count; w++) {
        uint64_t v = __atomic_load_n(&words[w], __ATOMIC_RELAXED);
        while (~v != 0) {
            uint32_t b = (uint32_t)__builtin_ctzll(~v);
            if (w * 64 + b >= count)
                break;
            if (__atomic_compare_exchange_n(&words[w], &v, v | (1ull << b), false, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED))
                return (int)(w * 64 + b);
        }
    }
    return -1;
}

static void bit_give(volatile uint64_t *words, uint32_t i)
{
    __atomic_fetch_and(&words[i / 64], ~(1ull << (i % 64)), __ATOMIC_RELEASE);
}

static int gpa_take(struct hvrt_nic *nic)
{
    return nic->gpa_buf[0] != NULL ? bit_take(&nic->gpa_busy, NETVSC_GPA_BUFFERS) : -1;
}

static void tx_release(struct hvrt_nic *nic, void *tag)
{
    if (TAG_KIND(tag) == TX_SECTION)
        bit_give(nic->section_busy, TAG_INDEX(tag));
    else
        bit_give(&nic->gpa_busy, TAG_INDEX(tag));
}

static void tx_drain(struct hvrt_nic *nic);

/* The host's NVSP 108 (or KMCL's cancel at disable). */
static void tx_done(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    struct hvrt_nic *nic = VmbChannelGetPointer(VmbPacketGetChannel(p));
    void *tag = VmbPacketGetPointer(p);
    struct nvsp_rndis_complete c = { 0, 0 };
    if (buf != NULL && len >= sizeof(c))
        memcpy(&c, buf, sizeof(c));
    bool ok = NT_SUCCESS(status) && c.type == NVSP_RNDIS_COMPLETE && c.status == NVSP_STATUS_SUCCESS;
    if (TAG_DATA(tag)) {
        if (ok)
            nic->counters.tx_completed++;
        else if (status != STATUS_CANCELLED)
            nic->counters.drops[HVRT_NET_DROP_TX_HOST_FAILED]++;
    } else if (!ok && status != STATUS_CANCELLED) {
        nic->counters.control_errors++;
    }
    tx_release(nic, tag);
    VmbPacketFree(p);
    if (nic->state == NETVSC_UP)
        tx_drain(nic);
}

/* NVSP 107 for a message in section index (or GPA-direct from buffer).
 * On failure the caller still owns the section. */
static NTSTATUS post(struct hvrt_nic *nic, void *tag, uint32_t length, bool data)
{
    VMBPACKET p = VmbPacketAllocate(nic->channel);
    if (p == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    VmbPacketSetCompletionRoutine(p, tx_done);
    VmbPacketSetPointer(p, tag);
    uint8_t padded[NVSP_REQUEST_SIZE] = { 0 };
    bool gpa = TAG_KIND(tag) == TX_GPA;
    struct nvsp_rndis m = { NVSP_RNDIS, data ? NVSP_CHANNEL_DATA : NVSP_CHANNEL_CONTROL,
                            gpa ? NVSP_NO_SECTION : TAG_INDEX(tag), gpa ? 0 : length };
    memcpy(padded, &m, sizeof(m));
    MDL mdl = { NULL, gpa ? nic->gpa_buf[TAG_INDEX(tag)] : NULL, 0, length };
    NTSTATUS st = VmbPacketSend(p, padded, sizeof(padded), gpa ? &mdl : NULL,
                                VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION);
    if (!NT_SUCCESS(st))
        VmbPacketFree(p);
    if (st == STATUS_DEVICE_REMOVED)
        netvsc_removed(nic);
    return st;
}

/* A free place for a message of length bytes: a section, or a page buffer
 * when it is too large for one. NULL when none is free now. */
static uint8_t *place(struct hvrt_nic *nic, uint32_t length, void **tag, bool data)
{
    if (length <= nic->section_size) {
        int i = bit_take(nic->section_busy, nic->section_count);
        if (i < 0)
            return NULL;
        *tag = TAG(TX_SECTION, data, (uint32_t)i);
        return nic->send_buf + (size_t)i * nic->section_size;
    }
    int i = gpa_take(nic);
    if (i < 0)
        return NULL;
    *tag = TAG(TX_GPA, data, (uint32_t)i);
    return nic->gpa_buf[i];
}

NTSTATUS tx_control(struct hvrt_nic *nic, const void *msg, uint32_t length)
{
    void *tag;
    uint8_t *dst = nic->send_buf ? place(nic, length, &tag, false) : NULL;
    if (dst == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    memcpy(dst, msg, length);
    NTSTATUS st = post(nic, tag, length, false);
    if (!NT_SUCCESS(st))
        tx_release(nic, tag);
    return st;
}

/* Header and frame into a free place and out; false when nothing is free
 * (or the ring refused it): the frame must wait. */
static bool send_now(struct hvrt_nic *nic, const struct hvrt_net_sg *pieces, unsigned count, uint32_t total)
{
    void *tag;
    uint32_t length = (uint32_t)RNDIS_PACKET_OVERHEAD + total;
    uint8_t *dst = place(nic, length, &tag, true);
    if (dst == NULL)
        return false;
    struct rndis_header h = { RNDIS_PACKET_MSG, length };
    struct rndis_packet p = { sizeof(p), total, 0, 0, 0, 0, 0, 0, 0 };
    memcpy(dst, &h, sizeof(h));
    memcpy(dst + sizeof(h), &p, sizeof(p));
    uint8_t *at = dst + RNDIS_PACKET_OVERHEAD;
    for (unsigned i = 0; i < count; i++) {
        memcpy(at, pieces[i].data, pieces[i].length);
        at += pieces[i].length;
    }
    NTSTATUS st = post(nic, tag, length, true);
    if (!NT_SUCCESS(st)) {
        tx_release(nic, tag);
        return st == STATUS_DEVICE_REMOVED;   /* removed: counted by the caller's state check later */
    }
    nic->counters.tx_frames++;
    nic->counters.tx_bytes += total;
    if (TAG_KIND(tag) == TX_GPA)
        nic->counters.tx_gpa_direct++;
    return true;
}

static bool tx_trylock(struct hvrt_nic *nic) { return !__atomic_exchange_n(&nic->tx_lock, 1, __ATOMIC_ACQUIRE); }
static void tx_unlock(struct hvrt_nic *nic) { __atomic_store_n(&nic->tx_lock, 0, __ATOMIC_RELEASE); }

/* Sends what waits, while places are free. Under the lock. */
static void drain_locked(struct hvrt_nic *nic)
{
    while (nic->pending_count > 0 && nic->state == NETVSC_UP) {
        struct netvsc_pending *f = &nic->pending[nic->pending_head];
        struct hvrt_net_sg one = { f->frame, f->length };
        if (!send_now(nic, &one, 1, f->length))
            break;
        nic->pending_head = (nic->pending_head + 1) % nic->config.tx_queue_frames;
        nic->pending_count--;
    }
}

static void tx_drain(struct hvrt_nic *nic)
{
    do {
        if (!tx_trylock(nic)) {
            nic->tx_kick = true;   /* the holder sends before it lets go */
            return;
        }
        nic->tx_kick = false;
        drain_locked(nic);
        tx_unlock(nic);
    } while (nic->tx_kick);
}

enum hvrt_net_result hvrt_net_send(struct hvrt_nic *nic, const struct hvrt_net_sg *pieces, unsigned count)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < count; i++)
        total += pieces[i].length;
    enum hvrt_net_result r = HVRT_NET_OK;
    if (nic->state != NETVSC_UP)
        r = HVRT_NET_REMOVED;
    else if (total < 14 || total > (uint64_t)nic->mtu + 14)
        r = HVRT_NET_BAD_LENGTH;
    else if (!nic->link_up)
        r = HVRT_NET_LINK_DOWN;
    if (r != HVRT_NET_OK) {
        enum hvrt_net_drop d = r == HVRT_NET_REMOVED    ? HVRT_NET_DROP_TX_REMOVED
                             : r == HVRT_NET_BAD_LENGTH ? HVRT_NET_DROP_TX_BAD_LENGTH
                                                        : HVRT_NET_DROP_TX_LINK_DOWN;
        nic->counters.drops[d]++;
        return r;
    }
    while (!tx_trylock(nic))
        ;   /* held by a passive sender preempted, or by a completion that is running: short */
    if (nic->pending_count == 0 && send_now(nic, pieces, count, (uint32_t)total)) {
        /* sent */
    } else if (nic->pending_count == nic->config.tx_queue_frames) {
        nic->counters.drops[HVRT_NET_DROP_TX_QUEUE_FULL]++;
        r = HVRT_NET_QUEUE_FULL;
    } else {
        struct netvsc_pending *f =
            &nic->pending[(nic->pending_head + nic->pending_count) % nic->config.tx_queue_frames];
        uint8_t *at = f->frame;
        for (unsigned i = 0; i < count; i++) {
            memcpy(at, pieces[i].data, pieces[i].length);
            at += pieces[i].length;
        }
        f->length = (uint32_t)total;
        nic->pending_count++;
        nic->counters.tx_queued++;
    }
    tx_unlock(nic);
    if (nic->tx_kick || nic->pending_count > 0)
        tx_drain(nic);
    return r;
}
