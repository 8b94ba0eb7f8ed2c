/* hvsim storage: the VSTOR side (devices.md 2.2-2.10). The initialization
 * state machine as OpenVMM's host runs it (Begin, QueryVersion,
 * QueryProperties, End, Ready; a wrong operation gets INVALID_DEVICE_STATE
 * and changes nothing), EXECUTE_SRB with the data reached through one
 * GPA-direct range, and every answer the size of the request (0x30 or
 * 0x40, the reference's rule for a simulated host). Answers go through a
 * queue, so that they can wait (slow I/O), be reordered, or wait for room
 * in the ring. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/hvsim/storage_private.h"
#include "tests/hvsim/vmbus_host.h"

#define PKT_INBAND 6
#define PKT_GPA_DIRECT 9
#define PKT_COMPLETION 11
#define OP_COMPLETE_IO 1
#define OP_EXECUTE_SRB 3
#define OP_BEGIN 7
#define OP_END 8
#define OP_QUERY_VERSION 9
#define OP_QUERY_PROPERTIES 10
#define OP_ENUMERATE_BUS 11
#define NT_REVISION_MISMATCH 0xC0000059u
#define NT_INVALID_DEVICE_STATE 0xC0000184u
#define NT_INVALID_PARAMETER 0xC000000Du
#define MAX_DATA (8u << 20)

struct st_answer {
    uint64_t transaction_id;
    uint16_t type;
    uint32_t len;
    uint64_t due_ns;
    uint8_t bytes[ST_LONG_PACKET];
};

static const uint16_t default_versions[] = { 0x0200, 0x0402, 0x0501, 0x0600, 0x0602 };

/* ---- the answer queue ---- */

static bool channel_open(struct hvsim_storage *st)
{
    return st->ch != NULL && hvsim_vmbus_chan_info(st->ch)->state == HVSIM_CHAN_OPEN;
}

/* Sends due answers in order, up to a full ring. Answers for a channel
 * that is no longer open (rescinded, closed) are dropped. */
static void flush(struct hvsim_storage *st)
{
    uint64_t now = hvsim_now_ns(st->sim);
    uint32_t sent = 0;
    while (sent < st->answer_count - st->held) {
        struct st_answer *a = &st->answers[st->held + sent];
        if (a->due_ns > now)
            break;
        if (!channel_open(st)) {
            st->counters.dropped_answers++;
        } else {
            struct hvsim_packet_out out = { .type = a->type, .transaction_id = a->transaction_id,
                                            .payload = a->bytes, .payload_len = a->len };
            if (hvsim_vmbus_chan_send(st->ch, &out) == 1)
                break;   /* ring full: on_room brings us back */
        }
        sent++;
    }
    memmove(st->answers + st->held, st->answers + st->held + sent,
            (st->answer_count - st->held - sent) * sizeof(*st->answers));
    st->answer_count -= sent;
    if (st->in_flight >= sent)
        st->in_flight -= sent;
}

static void on_timer(void *ctx, struct hvsim *sim)
{
    (void)sim;
    flush(ctx);
}

/* The held answers go out newest first. */
static void release_held(struct hvsim_storage *st)
{
    for (uint32_t i = 0; i < st->held / 2; i++) {
        struct st_answer t = st->answers[i];
        st->answers[i] = st->answers[st->held - 1 - i];
        st->answers[st->held - 1 - i] = t;
    }
    st->held = 0;
}

static void on_release(void *ctx, struct hvsim *sim)
{
    (void)sim;
    struct hvsim_storage *st = ctx;
    release_held(st);
    flush(st);
}

static void queue_answer(struct hvsim_storage *st, uint16_t type, uint64_t id, const uint8_t *bytes, uint32_t len)
{
    if (st->answer_count == st->answer_cap) {
        uint32_t cap = st->answer_cap ? st->answer_cap * 2 : 16;
        struct st_answer *a = realloc(st->answers, cap * sizeof(*a));
        if (a == NULL)
            return;
        st->answers = a, st->answer_cap = cap;
    }
    struct st_answer *a = &st->answers[st->answer_count++];
    a->transaction_id = id;
    a->type = type;
    a->len = len;
    a->due_ns = hvsim_now_ns(st->sim) + st->faults.delay_ns;
    memcpy(a->bytes, bytes, len);
    if (++st->in_flight > st->counters.max_in_flight)
        st->counters.max_in_flight = st->in_flight;
    if (st->faults.reorder > 1) {
        if (++st->held == 1)
            hvsim_call_at(st->sim, hvsim_now_ns(st->sim) + 1000000, on_release, st);
        if (st->held < st->faults.reorder)
            return;   /* a millisecond at most: a guest waiting for one answer gets it */
        release_held(st);
    }
    if (st->faults.delay_ns > 0)
        hvsim_call_at(st->sim, a->due_ns, on_timer, st);
    else
        flush(st);
}

/* ---- GPA-direct data ---- */

/* The one range of a GPA-direct packet: {u32 reserved, u32 count, u32
 * byte_count, u32 byte_offset, u64 pfn[]}. The data is gathered into a
 * private buffer (host data copied once); NULL when malformed. */
static uint8_t *gather(struct hvsim_storage *st, const struct hvsim_storage_packet *p, uint32_t *len)
{
    if (p->ext_len < 16 || st_le32(p->ext + 4) != 1)
        return NULL;   /* exactly one range, as every host requires */
    uint32_t count = st_le32(p->ext + 8), offset = st_le32(p->ext + 12);
    uint64_t pages = ((uint64_t)offset + count + 4095) / 4096;
    if (count == 0 || count > MAX_DATA || offset > 4095 || 16 + pages * 8 > p->ext_len)
        return NULL;
    uint8_t *buf = malloc(count);
    if (buf == NULL)
        return NULL;
    uint32_t done = 0;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t pfn = st_le64(p->ext + 16 + i * 8);
        uint32_t in_page = i == 0 ? offset : 0;
        uint32_t n = 4096 - in_page < count - done ? 4096 - in_page : count - done;
        uint8_t *host = pfn < (1ull << 40) ? hvsim_gpa_to_host(st->sim, pfn * 4096 + in_page, n) : NULL;
        if (host == NULL) {
            free(buf);
            return NULL;
        }
        memcpy(buf + done, host, n);
        done += n;
    }
    *len = count;
    return buf;
}

/* Writes data back into the range's pages (a read's result). */
static void scatter(struct hvsim_storage *st, const struct hvsim_storage_packet *p, const uint8_t *data, uint32_t len)
{
    uint32_t offset = st_le32(p->ext + 12), done = 0;
    for (uint64_t i = 0; done < len; i++) {
        uint32_t in_page = i == 0 ? offset : 0;
        uint32_t n = 4096 - in_page < len - done ? 4096 - in_page : len - done;
        uint8_t *host = hvsim_gpa_to_host(st->sim, st_le64(p->ext + 16 + i * 8) * 4096 + in_page, n);
        memcpy(host, data + done, n);   /* checked by gather */
        done += n;
    }
}

/* ---- VSTOR ---- */

static void complete(struct hvsim_storage *st, const struct hvsim_storage_packet *p, uint8_t *reply, uint32_t size,
                     uint32_t status)
{
    st_put_le32(reply + ST_OFF_OPERATION, OP_COMPLETE_IO);
    st_put_le32(reply + 4, 0);
    st_put_le32(reply + ST_OFF_STATUS, status);
    queue_answer(st, PKT_COMPLETION, p->transaction_id, reply, size);
}

static void execute_srb(struct hvsim_storage *st, const struct hvsim_storage_packet *p, uint8_t *reply, uint32_t size)
{
    uint8_t *srb = reply + ST_OFF_PAYLOAD;
    uint32_t want = st_le32(srb + SRB_TRANSFER_LENGTH);
    uint8_t cdb_len = srb[SRB_CDB_LENGTH] > 16 ? 16 : srb[SRB_CDB_LENGTH];
    uint8_t cdb[16];
    memcpy(cdb, srb + SRB_CDB, 16);
    uint32_t have = 0;
    uint8_t *data = NULL;
    if (p->type == PKT_GPA_DIRECT) {
        data = gather(st, p, &have);
        if (data == NULL || have < want) {
            st->counters.protocol_errors++;
            free(data);
            return;   /* OpenVMM stops serving such a channel: we ignore the packet */
        }
    } else if (want != 0) {
        st->counters.protocol_errors++;
        return;
    }
    struct st_cmd c = { .lun = srb[SRB_LUN], .cdb = cdb, .cdb_len = cdb_len, .data = data, .len = want,
                        .data_in = srb[SRB_DATA_IN] == 1 };
    st_scsi_execute(st, &c);
    if (c.data_in && c.transferred > 0)
        scatter(st, p, data, c.transferred);
    free(data);
    uint32_t sense_max = size == ST_LONG_PACKET ? 0x14 : 0x12;
    srb[SRB_SRB_STATUS] = c.srb_status;
    srb[SRB_SCSI_STATUS] = c.scsi_status;
    srb[SRB_PATH] = srb[SRB_TARGET] = srb[SRB_LUN] = 0;   /* as OpenVMM: not echoed */
    memset(srb + SRB_CDB, 0, 20);
    uint32_t n = c.sense_len < sense_max ? c.sense_len : sense_max;
    memcpy(srb + SRB_CDB, c.sense, n);
    srb[SRB_SENSE_LENGTH] = (uint8_t)n;
    uint32_t reported = c.transferred;
    if (st->faults.overrun && want > 0 && c.transferred > 0)
        reported = want + 512;
    st_put_le32(srb + SRB_TRANSFER_LENGTH, reported);
    complete(st, p, reply, size, c.srb_status == 0x01 ? 0 : 0xC0000185u);
}

static bool version_known(struct hvsim_storage *st, uint16_t v)
{
    const uint16_t *list = st->cfg.version_count ? st->cfg.versions : default_versions;
    uint32_t n = st->cfg.version_count ? st->cfg.version_count : 5;
    for (uint32_t i = 0; i < n && i < 8; i++)
        if (list[i] == v)
            return true;
    return false;
}

/* The state machine; reply starts as a copy of the request. */
static void init_op(struct hvsim_storage *st, const struct hvsim_storage_packet *p, uint32_t op, uint8_t *reply,
                    uint32_t size)
{
    uint8_t *pl = reply + ST_OFF_PAYLOAD;
    if (op == OP_BEGIN && st->state == ST_BEGIN) {
        st->state = ST_QUERY_VERSION;
        complete(st, p, reply, size, 0);
    } else if (op == OP_QUERY_VERSION && st->state == ST_QUERY_VERSION) {
        uint16_t v = st_le16(pl);
        bool ok = version_known(st, v);
        if (ok) {
            st->version = st->counters.version = v;
            st->state = ST_QUERY_PROPERTIES;
        }
        st_put_le16(pl + 2, 0);
        complete(st, p, reply, size, ok ? 0 : NT_REVISION_MISMATCH);
    } else if (op == OP_QUERY_PROPERTIES && st->state == ST_QUERY_PROPERTIES) {
        memset(pl, 0, size - ST_OFF_PAYLOAD);
        bool win8 = st->version >= 0x0501;
        st_put_le32(pl + 8, win8 ? 1 : 0);
        st_put_le32(pl + 12, st->cfg.max_transfer ? st->cfg.max_transfer : 0x40000);
        st->state = ST_END;
        complete(st, p, reply, size, 0);
    } else if (op == OP_END && st->state == ST_END) {
        st->state = ST_READY;
        complete(st, p, reply, size, 0);
    } else {
        complete(st, p, reply, size, NT_INVALID_DEVICE_STATE);
    }
}

void hvsim_storage_handle(struct hvsim_storage *st, const struct hvsim_storage_packet *p)
{
    st->counters.packets++;
    if (p->type == PKT_COMPLETION || !(p->flags & 1) || (p->type != PKT_INBAND && p->type != PKT_GPA_DIRECT)) {
        st->counters.protocol_errors++;   /* OpenVMM: fatal; we count and ignore */
        return;
    }
    uint32_t size = p->payload_len;
    st->counters.last_packet_size = size;
    if (size != ST_SHORT_PACKET && size != ST_LONG_PACKET) {
        st->counters.protocol_errors++;
        return;
    }
    uint8_t reply[ST_LONG_PACKET];
    memcpy(reply, p->payload, size);   /* copied once; everything below reads the copy */
    uint32_t op = st_le32(reply + ST_OFF_OPERATION);
    if (op == OP_EXECUTE_SRB && st->state == ST_READY) {
        execute_srb(st, p, reply, size);
    } else if (op >= 4 && op <= 6 && st->state == ST_READY) {
        complete(st, p, reply, size, 0);   /* resets: accepted, nothing to do */
    } else if (op >= OP_EXECUTE_SRB && op <= OP_QUERY_PROPERTIES) {
        init_op(st, p, op, reply, size);
    } else {
        st->counters.protocol_errors++;
    }
}

/* ---- the VMBus host's side ---- */

static struct hvsim_storage *of_channel(struct hvsim_vmbus_chan *ch)
{
    return hvsim_vmbus_chan_info(ch)->model_data;
}

int hvsim_storage_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt)
{
    struct hvsim_storage *st = of_channel(ch);
    if (st == NULL)
        return 0;
    st->sim = hvsim_vmbus_chan_sim(ch);
    if (st->ch != ch) {   /* a new open of the channel: initialization starts over */
        st->ch = ch;
        st->state = ST_BEGIN;
    }
    struct hvsim_storage_packet p = { pkt->type, pkt->flags, pkt->transaction_id, pkt->ext, pkt->ext_len,
                                      pkt->payload, pkt->payload_len };
    hvsim_storage_handle(st, &p);
    return 0;
}

void hvsim_storage_on_room(struct hvsim_vmbus_chan *ch)
{
    struct hvsim_storage *st = of_channel(ch);
    if (st != NULL)
        flush(st);
}

void hvsim_storage_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch)
{
    (void)vb;
    struct hvsim_storage *st = of_channel(ch);
    if (st == NULL)
        return;
    st->ch = ch;
    st->sim = hvsim_vmbus_chan_sim(ch);
    st->state = ST_BEGIN;
    st->answer_count = st->held = 0;
    st->in_flight = 0;
}

/* ---- control ---- */

struct hvsim_storage *hvsim_storage_create(struct hvsim *sim, const struct hvsim_storage_config *cfg)
{
    struct hvsim_storage *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    st->sim = sim;
    st->cfg = *cfg;
    st->faults = cfg->faults;
    for (uint32_t i = 0; i < cfg->lun_count && i < HVSIM_STORAGE_MAX_LUNS; i++) {
        st->luns[i].cfg = cfg->luns[i];
        st->lun_count++;
        if (st_lun_open(&st->luns[i]) != 0) {
            hvsim_storage_destroy(st);
            return NULL;
        }
    }
    return st;
}

void hvsim_storage_destroy(struct hvsim_storage *st)
{
    if (st == NULL)
        return;
    for (uint32_t i = 0; i < st->lun_count; i++)
        st_lun_close(&st->luns[i]);
    free(st->answers);
    free(st);
}

void hvsim_storage_set_faults(struct hvsim_storage *st, const struct hvsim_storage_faults *f)
{
    st->faults = *f;
    if (f->reorder <= 1)
        release_held(st);
    flush(st);
}

void hvsim_storage_reset(struct hvsim_storage *st)
{
    for (uint32_t i = 0; i < st->lun_count; i++)
        st->luns[i].unit_attention = true;
}

static void notify_bus_changed(struct hvsim_storage *st)
{
    uint8_t msg[ST_LONG_PACKET];
    memset(msg, 0, sizeof(msg));
    st_put_le32(msg, OP_ENUMERATE_BUS);
    uint32_t size = st->version >= 0x0501 ? ST_LONG_PACKET : ST_SHORT_PACKET;
    if (channel_open(st) && st->state == ST_READY && st->version >= 0x0402)
        queue_answer(st, PKT_INBAND, 0, msg, size);
}

int hvsim_storage_add_lun(struct hvsim_storage *st, const struct hvsim_storage_lun *lun)
{
    if (st->lun_count == HVSIM_STORAGE_MAX_LUNS)
        return -1;
    struct st_lun *l = &st->luns[st->lun_count];
    memset(l, 0, sizeof(*l));
    l->cfg = *lun;
    if (st_lun_open(l) != 0) {
        st_lun_close(l);
        return -1;
    }
    st->lun_count++;
    notify_bus_changed(st);
    return 0;
}

int hvsim_storage_remove_lun(struct hvsim_storage *st, uint8_t lun)
{
    for (uint32_t i = 0; i < st->lun_count; i++)
        if (st->luns[i].present && st->luns[i].cfg.lun == lun) {
            st_lun_close(&st->luns[i]);
            notify_bus_changed(st);
            return 0;
        }
    return -1;
}

void hvsim_storage_get_counters(const struct hvsim_storage *st, struct hvsim_storage_counters *out)
{
    *out = st->counters;
}
