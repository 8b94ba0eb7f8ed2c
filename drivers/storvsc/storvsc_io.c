/* storvsc's I/O path: block requests are cut into chunks of at most one
 * slot's bounce buffer (the host's maximum transfer, capped), each chunk
 * goes out as an EXECUTE_SRB whose data the host reaches through one
 * GPA-direct range, and completions come back through KMCL, which matches
 * them to our packets by transaction id (an unknown id never reaches us).
 *
 * No locks: requests arrive on an atomic stack from any context; whoever
 * holds pump_busy moves them to the queue and fills free slots, and a
 * completion that finds the pump busy leaves pump_again for its owner.
 * A request counts its chunks with one atomic reference each, plus one
 * while it is still being cut: whoever drops the last ends it. Data goes
 * through the slot's bounce pages, so any app buffer works (the host sees
 * only shared pages) and the host never sees an app's other memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "drivers/storvsc/storvsc.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static void pump(struct storvsc *sv);

/* ---- set-up ---- */

static void free_slot(struct sv_slot *s)
{
    free(s->packet);
    s->packet = NULL;
    if (s->bounce != NULL)
        HvrtFreePages(s->bounce, SV_MAX_CHUNK / 4096);
    s->bounce = NULL;
}

static int init_slot(struct storvsc *sv, struct sv_slot *s, uint32_t pages)
{
    memset(s, 0, sizeof(*s));
    s->sv = sv;
    s->packet = calloc(1, VmbChannelSizeofPacket(sv->channel));
    s->bounce = HvrtAllocatePages(pages);
    if (s->packet == NULL || s->bounce == NULL)
        return HVRT_BLK_E_NO_MEMORY;
    s->mdl = (MDL){ NULL, s->bounce, 0, pages * 4096 };
    return HVRT_BLK_OK;
}

/* As many slots as memory allows, one at least. */
int storvsc_io_init(struct storvsc *sv)
{
    if (init_slot(sv, &sv->scan, 1) != HVRT_BLK_OK)
        return HVRT_BLK_E_NO_MEMORY;
    sv->scan.mdl.ByteCount = 4096;
    sv->slot_count = 0;
    for (uint32_t i = 0; i < SV_SLOTS; i++) {
        if (init_slot(sv, &sv->slots[i], SV_MAX_CHUNK / 4096) != HVRT_BLK_OK) {
            free_slot(&sv->slots[i]);
            break;
        }
        sv->slot_count++;
    }
    return sv->slot_count > 0 ? HVRT_BLK_OK : HVRT_BLK_E_NO_MEMORY;
}

void storvsc_io_free(struct storvsc *sv)
{
    if (sv->scan.packet != NULL || sv->scan.bounce != NULL) {
        free(sv->scan.packet);
        sv->scan.packet = NULL;
        if (sv->scan.bounce != NULL)
            HvrtFreePages(sv->scan.bounce, 1);
        sv->scan.bounce = NULL;
    }
    for (uint32_t i = 0; i < sv->slot_count; i++)
        free_slot(&sv->slots[i]);
    sv->slot_count = 0;
}

/* ---- one SRB ---- */

static void build_srb(struct storvsc *sv, struct sv_slot *s, uint8_t path, uint8_t target, uint8_t lun,
                      const uint8_t *cdb, uint8_t cdb_len, bool write, uint32_t bytes)
{
    memset(&s->req, 0, sizeof(s->req));
    s->req.operation = VSTOR_OP_EXECUTE_SRB;
    s->req.flags = VSTOR_FLAG_REQUEST_COMPLETION;
    struct vstor_srb *r = &s->req.u.srb;
    r->length = (uint16_t)sv->srb_size;
    r->path_id = path;
    r->target_id = target;
    r->lun = lun;
    r->cdb_length = cdb_len;
    memcpy(r->cdb_or_sense, cdb, cdb_len);
    r->sense_info_length = (uint8_t)sv->sense_size;
    r->data_in = bytes == 0 ? VSTOR_DATA_NONE : write ? VSTOR_DATA_OUT : VSTOR_DATA_IN;
    r->data_transfer_length = bytes;
    if (sv->srb_size == VSTOR_SRB_SIZE) {   /* the Win8 fields */
        r->srb_flags = VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER |
                       (bytes == 0 ? 0 : write ? VSTOR_SRB_FLAG_DATA_OUT : VSTOR_SRB_FLAG_DATA_IN);
        r->time_out_value = 60;
    }
}

static void on_send_complete(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len);

/* Puts the slot's request on the ring. KMCL's status, for the caller. */
static NTSTATUS send_slot(struct storvsc *sv, struct sv_slot *s)
{
    VmbPacketInitialize(sv->channel, s->packet, VmbChannelSizeofPacket(sv->channel));
    VmbPacketSetCompletionRoutine(s->packet, on_send_complete);
    VmbPacketSetPointer(s->packet, s);
    uint32_t flags = VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION;
    if (s->bytes == 0)
        return VmbPacketSend(s->packet, &s->req, sv->packet_size, NULL, flags);
    return VmbPacketSendWithExternalMdl(s->packet, &s->req, sv->packet_size, &s->mdl, 0, s->bytes, flags);
}

/* ---- block requests ---- */

static struct sv_disk *disk_of(struct hvrt_blk_request *req) { return req->owner_; }

/* Drops one reference of req (a chunk's, or the cutter's): the last ends it. */
static void put_request(struct hvrt_blk_request *req)
{
    if (__atomic_sub_fetch(&req->refs_, 1, __ATOMIC_ACQ_REL) == 0)
        block_complete(req, req->error_);
}

static void set_error(struct hvrt_blk_request *req, int error)
{
    int none = HVRT_BLK_OK;
    __atomic_compare_exchange_n(&req->error_, &none, error, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void storvsc_submit(struct sv_disk *disk, struct hvrt_blk_request *req)
{
    struct storvsc *sv = disk->sv;
    if (sv->state != SV_READY || !disk->present) {
        block_complete(req, HVRT_BLK_E_REMOVED);
        return;
    }
    req->owner_ = disk;
    req->refs_ = 1;   /* the cutter's, dropped when the last chunk is cut */
    req->blocks_cut_ = 0;
    req->error_ = HVRT_BLK_OK;
    struct hvrt_blk_request *head = LOAD(&sv->incoming);
    do {
        req->next_ = head;
    } while (!__atomic_compare_exchange_n(&sv->incoming, &head, req, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    pump(sv);
}

/* Moves what was submitted (newest first on the stack) to the queue's
 * tail in submission order. Pump owner only. */
static void take_incoming(struct storvsc *sv)
{
    struct hvrt_blk_request *list = __atomic_exchange_n(&sv->incoming, NULL, __ATOMIC_ACQ_REL), *fifo = NULL;
    while (list != NULL) {
        struct hvrt_blk_request *next = list->next_;
        list->next_ = fifo;
        fifo = list;
        list = next;
    }
    for (; fifo != NULL; fifo = fifo->next_) {
        if (sv->queue_tail != NULL)
            sv->queue_tail->next_ = fifo;
        else
            sv->queue_head = fifo;
        sv->queue_tail = fifo;
    }
    if (sv->queue_tail != NULL)
        sv->queue_tail->next_ = NULL;
}

static struct sv_slot *free_slot_of(struct storvsc *sv)
{
    for (uint32_t i = 0; i < sv->slot_count; i++)
        if (!LOAD(&sv->slots[i].busy))
            return &sv->slots[i];
    return NULL;
}

static void finish_chunk(struct sv_slot *s, int error);

/* The host removed the controller (a send said so): close our side at
 * passive level, which ends every transaction KMCL still holds for us
 * (they complete as cancelled), and mark the disks removed. */
static void gone_work(void *arg)
{
    struct storvsc *sv = arg;
    if (sv->channel != NULL)
        VmbChannelDisable(sv->channel);
    storvsc_mark_all_gone(sv);
    STORE(&sv->gone_queued, 0);
}

static int send_failed(struct storvsc *sv, NTSTATUS st)
{
    if (st != STATUS_DEVICE_REMOVED)
        return HVRT_BLK_E_IO;
    sv->state = SV_GONE;
    if (!__atomic_exchange_n(&sv->gone_queued, 1, __ATOMIC_ACQ_REL))
        hvrt_defer(gone_work, sv);
    return HVRT_BLK_E_REMOVED;
}

/* Cuts the next chunk of the queue's head into slot s and sends it. */
static void start_chunk(struct storvsc *sv, struct sv_slot *s)
{
    struct hvrt_blk_request *req = sv->queue_head;
    struct sv_disk *d = disk_of(req);
    uint32_t bs = d->info.sector_size;
    uint8_t cdb[16], cdb_len;
    uint32_t blocks = 0;
    if (req->op == HVRT_BLK_FLUSH) {
        cdb_len = scsi_cdb_sync_cache(cdb);
    } else {
        blocks = req->count - req->blocks_cut_;
        if (blocks > d->max_blocks)
            blocks = d->max_blocks;
        cdb_len = scsi_cdb_rw(cdb, req->op == HVRT_BLK_WRITE, req->lba + req->blocks_cut_, blocks, false);
    }
    s->blk = req;
    s->write = req->op == HVRT_BLK_WRITE;
    s->bytes = blocks * bs;
    s->user = blocks != 0 ? (uint8_t *)req->buf + (uint64_t)req->blocks_cut_ * bs : NULL;
    s->retries_now = s->retries_later = 0;
    req->blocks_cut_ += blocks;
    __atomic_add_fetch(&req->refs_, 1, __ATOMIC_ACQ_REL);
    bool last = req->op == HVRT_BLK_FLUSH || req->blocks_cut_ == req->count;
    if (last) {
        sv->queue_head = req->next_;
        if (sv->queue_head == NULL)
            sv->queue_tail = NULL;
    }
    if (s->write)
        memcpy(s->bounce, s->user, s->bytes);
    build_srb(sv, s, d->path, d->target, d->lun, cdb, cdb_len, s->write, s->bytes);
    STORE(&s->busy, 1);
    if (last)
        put_request(req);   /* the cutter's reference: chunks in flight keep it alive */
    NTSTATUS st = send_slot(sv, s);
    if (!NT_SUCCESS(st))
        finish_chunk(s, send_failed(sv, st));
}

/* Fills free slots from the queue. Safe from any context: one runs it,
 * the others leave it a note to run again. */
static void pump(struct storvsc *sv)
{
    for (;;) {
        if (__atomic_exchange_n(&sv->pump_busy, 1, __ATOMIC_ACQ_REL)) {
            STORE(&sv->pump_again, 1);
            return;
        }
        STORE(&sv->pump_again, 0);
        take_incoming(sv);
        struct sv_slot *s;
        while (sv->queue_head != NULL && sv->state == SV_READY && (s = free_slot_of(sv)) != NULL)
            start_chunk(sv, s);
        if (sv->state != SV_READY) {
            while (sv->queue_head != NULL) {   /* the device is gone: nothing queued will run */
                struct hvrt_blk_request *req = sv->queue_head;
                sv->queue_head = req->next_;
                set_error(req, HVRT_BLK_E_REMOVED);
                put_request(req);
            }
            sv->queue_tail = NULL;
        }
        STORE(&sv->pump_busy, 0);
        if (!LOAD(&sv->pump_again))
            return;
    }
}

/* A chunk is over: its data (read) is copied out, its slot freed, its
 * request loses a reference, and the pump refills the slot. */
static void finish_chunk(struct sv_slot *s, int error)
{
    struct storvsc *sv = s->sv;
    struct hvrt_blk_request *req = s->blk;
    if (error == HVRT_BLK_OK && !s->write && s->bytes > 0)
        memcpy(s->user, s->bounce, s->bytes);
    if (error != HVRT_BLK_OK)
        set_error(req, error);
    s->blk = NULL;
    STORE(&s->busy, 0);
    put_request(req);
    pump(sv);
}

/* ---- retries that wait ---- */

static void resend_later(void *arg)
{
    struct storvsc *sv = arg;
    hvrt_sleep_us(SV_LATER_NS / 1000);
    STORE(&sv->later_queued, 0);
    struct sv_slot *list = __atomic_exchange_n(&sv->later, NULL, __ATOMIC_ACQ_REL);
    while (list != NULL) {
        struct sv_slot *s = list;
        list = s->next_later;
        NTSTATUS st = sv->state == SV_READY ? send_slot(sv, s) : STATUS_DEVICE_REMOVED;
        if (!NT_SUCCESS(st))
            finish_chunk(s, send_failed(sv, st));
    }
}

static void queue_later(struct sv_slot *s)
{
    struct storvsc *sv = s->sv;
    struct sv_slot *head = LOAD(&sv->later);
    do {
        s->next_later = head;
    } while (!__atomic_compare_exchange_n(&sv->later, &head, s, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    if (!__atomic_exchange_n(&sv->later_queued, 1, __ATOMIC_ACQ_REL))
        hvrt_defer(resend_later, sv);
}

/* ---- completions ---- */

/* KMCL calls this at dispatch level when the host has answered (status
 * success, buf = its completion) or the transaction ended without an
 * answer (cancelled: the channel closed). */
static void on_send_complete(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    struct sv_slot *s = VmbPacketGetPointer(p);
    struct storvsc *sv = s->sv;
    if (!NT_SUCCESS(status) || buf == NULL) {
        finish_chunk(s, sv->fail_error != HVRT_BLK_OK ? sv->fail_error : HVRT_BLK_E_REMOVED);
        return;
    }
    struct sv_result r;
    vstor_decode_completion(buf, len, s->bytes, sv->sense_size, &r);
    if (r.error == HVRT_BLK_E_PROTOCOL)
        __atomic_add_fetch(&sv->bad_completions, 1, __ATOMIC_RELAXED);
    if (r.error == HVRT_BLK_OK && r.transferred != s->bytes)
        r.error = HVRT_BLK_E_IO;   /* a short read or write: the data is not all there */
    if (r.action == SV_RETRY_NOW && s->retries_now < SV_UA_RETRIES && sv->state == SV_READY) {
        s->retries_now++;
        __atomic_add_fetch(&sv->retries, 1, __ATOMIC_RELAXED);
        NTSTATUS st = send_slot(sv, s);
        if (NT_SUCCESS(st))
            return;
        r.error = send_failed(sv, st);
    } else if (r.action == SV_RETRY_LATER && s->retries_later < SV_LATER_RETRIES && sv->state == SV_READY) {
        s->retries_later++;
        __atomic_add_fetch(&sv->retries, 1, __ATOMIC_RELAXED);
        queue_later(s);
        return;
    }
    finish_chunk(s, r.error);
}

void storvsc_fail_all(struct storvsc *sv, int error)
{
    if (sv->state == SV_READY)
        sv->state = SV_GONE;
    struct sv_slot *list = __atomic_exchange_n(&sv->later, NULL, __ATOMIC_ACQ_REL);
    while (list != NULL) {   /* waiting for a resend that will not come */
        struct sv_slot *s = list;
        list = s->next_later;
        finish_chunk(s, error);
    }
    pump(sv);   /* queued requests end as removed: the device will not take them */
}

/* ---- synchronous commands (scan, bring-up) ---- */

int storvsc_command(struct storvsc *sv, uint8_t path, uint8_t target, uint8_t lun, const uint8_t *cdb,
                    uint8_t cdb_len, bool write, void *data, uint32_t len, struct sv_result *out)
{
    struct sv_slot *s = &sv->scan;
    if (len > 4096)
        return HVRT_BLK_E_INVALID;
    for (unsigned attempt = 0;; attempt++) {
        s->bytes = len;
        if (write)
            memcpy(s->bounce, data, len);
        build_srb(sv, s, path, target, lun, cdb, cdb_len, write, len);
        s->mdl.ByteCount = len;   /* the range is exactly the transfer */
        struct vstor_packet reply;
        UINT32 size = sizeof(reply);
        LARGE_INTEGER timeout = { -100000000ll };   /* 10 s */
        NTSTATUS st = VmbChannelSendSynchronousRequest(sv->channel, &s->req, sv->packet_size,
                                                       len ? &s->mdl : NULL, 0, &reply, &size, &timeout);
        if (!NT_SUCCESS(st)) {
            memset(out, 0, sizeof(*out));
            out->error = st == STATUS_CANCELLED ? HVRT_BLK_E_TIMEOUT
                         : st == STATUS_DEVICE_REMOVED ? HVRT_BLK_E_REMOVED : HVRT_BLK_E_IO;
            return out->error;
        }
        vstor_decode_completion(&reply, size, len, sv->sense_size, out);
        if (out->error == HVRT_BLK_E_PROTOCOL)
            sv->bad_completions++;
        bool again = (out->action == SV_RETRY_NOW && attempt < SV_UA_RETRIES) ||
                     (out->action == SV_RETRY_LATER && attempt < SV_LATER_RETRIES);
        if (!again)
            break;
        sv->retries++;
        if (out->action == SV_RETRY_LATER)
            hvrt_sleep_us(SV_LATER_NS / 1000);
    }
    if (out->error == HVRT_BLK_OK && !write && out->transferred > 0)
        memcpy(data, s->bounce, out->transferred);
    return out->error;
}

/* ---- what the host sends on its own ---- */

static void rescan_work(void *arg)
{
    struct storvsc *sv = arg;
    STORE(&sv->rescan_queued, 0);
    if (sv->state == SV_READY)
        storvsc_scan(sv);
}

/* ENUMERATE_BUS (and REMOVE_DEVICE, which Linux treats the same) asks
 * for a rescan, done later at passive level; anything else unsolicited is
 * counted and dropped. */
void storvsc_on_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)flags;
    struct storvsc *sv = VmbChannelGetPointer(ch);
    uint32_t op = 0;
    if (len >= sizeof(op))
        memcpy(&op, buf, sizeof(op));
    if (len >= sizeof(op) && (op == VSTOR_OP_ENUMERATE_BUS || op == VSTOR_OP_REMOVE_DEVICE)) {
        sv->rescans_requested++;
        if (!__atomic_exchange_n(&sv->rescan_queued, 1, __ATOMIC_ACQ_REL))
            hvrt_defer(rescan_work, sv);
    } else {
        sv->unmatched++;
    }
    VmbChannelPacketComplete(pc, NULL, 0);
}
