/* storvsc's channel and the VSTOR bring-up (devices.md 2.6-2.7): open the
 * first SCSI controller through the KMCL API, then BEGIN_INITIALIZATION,
 * QUERY_PROTOCOL_VERSION down the list until the host accepts one,
 * QUERY_PROPERTIES, END_INITIALIZATION, each waiting for its completion.
 * Every packet is 0x40 bytes until a version is agreed (the reference's
 * rule); a pre-Win8 version (4.2, 2.0) then shrinks them to 0x30. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>
#include <hvrt/thread.h>
#include "drivers/storvsc/storvsc.h"

#define INIT_TIMEOUT_100NS (-50000000ll)   /* 5 s per initialization request */
#define OPEN_TIMEOUT_NS 10000000000ll      /* the channel open and the whole bring-up */

static const GUID scsi_class = VSTOR_CLASS_SCSI;

const uint16_t storvsc_versions[] = {
    VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN81, VSTOR_VERSION_WIN8, VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN6,
};
const unsigned storvsc_version_count = sizeof(storvsc_versions) / sizeof(storvsc_versions[0]);

/* Sends one initialization request and checks the answer: a completion
 * of at least the header, operation COMPLETE_IO, status 0. reply gets the
 * whole packet (zero-filled past what the host sent). */
static int init_request(struct storvsc *sv, uint32_t op, const void *payload, uint32_t payload_len,
                        struct vstor_packet *reply, uint32_t *status)
{
    struct vstor_packet req = { .operation = op, .flags = VSTOR_FLAG_REQUEST_COMPLETION };
    if (payload_len != 0)
        memcpy(req.u.raw, payload, payload_len);
    memset(reply, 0, sizeof(*reply));
    UINT32 size = sizeof(*reply);
    LARGE_INTEGER timeout = { INIT_TIMEOUT_100NS };
    NTSTATUS st = VmbChannelSendSynchronousRequest(sv->channel, &req, sv->packet_size, NULL, 0, reply, &size,
                                                   &timeout);
    if (st == STATUS_DEVICE_REMOVED)
        return HVRT_BLK_E_REMOVED;
    if (st == STATUS_CANCELLED)
        return HVRT_BLK_E_TIMEOUT;
    if (!NT_SUCCESS(st))
        return HVRT_BLK_E_IO;
    if (size < VSTOR_HEADER_SIZE || reply->operation != VSTOR_OP_COMPLETE_IO)
        return HVRT_BLK_E_PROTOCOL;
    *status = reply->status;
    return HVRT_BLK_OK;
}

static int init_step(struct storvsc *sv, uint32_t op, struct vstor_packet *reply)
{
    uint32_t status = 0;
    int rc = init_request(sv, op, NULL, 0, reply, &status);
    if (rc == HVRT_BLK_OK && status != VSTOR_STATUS_SUCCESS) {
        printf("storvsc: the host refused operation %u: status 0x%08x\n", (unsigned)op, (unsigned)status);
        rc = HVRT_BLK_E_PROTOCOL;
    }
    return rc;
}

/* Tries each version, best first; the first the host answers with status
 * 0 is ours. A host that echoes a different version than asked is broken. */
static int negotiate(struct storvsc *sv)
{
    for (unsigned i = 0; i < storvsc_version_count; i++) {
        struct vstor_version v = { storvsc_versions[i], 0 };
        struct vstor_packet reply;
        uint32_t status = 0;
        int rc = init_request(sv, VSTOR_OP_QUERY_PROTOCOL_VERSION, &v, sizeof(v), &reply, &status);
        if (rc != HVRT_BLK_OK)
            return rc;
        if (status != VSTOR_STATUS_SUCCESS)
            continue;   /* REVISION_MISMATCH or any refusal: the next one */
        sv->version = v.major_minor;
        bool win8 = sv->version >= VSTOR_VERSION_WIN8;
        sv->packet_size = win8 ? VSTOR_PACKET_SIZE : VSTOR_PACKET_SIZE_PRE_WIN8;
        sv->srb_size = win8 ? VSTOR_SRB_SIZE : VSTOR_SRB_SIZE_PRE_WIN8;
        sv->sense_size = win8 ? VSTOR_SENSE_SIZE : VSTOR_SENSE_SIZE_PRE_WIN8;
        return HVRT_BLK_OK;
    }
    printf("storvsc: the host accepts none of our protocol versions (6.2 down to 2.0)\n");
    return HVRT_BLK_E_PROTOCOL;
}

/* The host's maximum transfer, rounded down to whole pages; a host that
 * says 0 (or less than a page) gets one page at a time. */
static void take_properties(struct storvsc *sv, const struct vstor_packet *reply)
{
    struct vstor_properties p;
    memcpy(&p, reply->u.raw, sizeof(p));
    sv->max_transfer = p.max_transfer_bytes;
    sv->max_sub_channels = p.max_sub_channels;
    uint32_t chunk = p.max_transfer_bytes < SV_MAX_CHUNK ? p.max_transfer_bytes : SV_MAX_CHUNK;
    chunk &= ~4095u;
    sv->chunk = chunk != 0 ? chunk : 4096;
}

static int bring_up(struct storvsc *sv)
{
    struct vstor_packet reply;
    sv->packet_size = VSTOR_PACKET_SIZE;
    sv->srb_size = VSTOR_SRB_SIZE;
    sv->sense_size = VSTOR_SENSE_SIZE;
    int rc = init_step(sv, VSTOR_OP_BEGIN_INITIALIZATION, &reply);
    if (rc == HVRT_BLK_OK)
        rc = negotiate(sv);
    if (rc == HVRT_BLK_OK)
        rc = init_step(sv, VSTOR_OP_QUERY_PROPERTIES, &reply);
    if (rc == HVRT_BLK_OK)
        take_properties(sv, &reply);
    if (rc == HVRT_BLK_OK)
        rc = init_step(sv, VSTOR_OP_END_INITIALIZATION, &reply);
    return rc;
}

/* KMCL runs this once the channel is open and packets flow: synchronous
 * requests are allowed here (and only from here on). */
static void on_post_started(VMBCHANNEL ch)
{
    struct storvsc *sv = VmbChannelGetPointer(ch);
    int rc = bring_up(sv);
    sv->state = rc == HVRT_BLK_OK ? SV_READY : SV_FAILED;
    sem_post(&sv->started);
}

/* The channel closed under us (host rescind, or our own disable): what
 * is still held ends with "removed". */
static void on_closed(VMBCHANNEL ch)
{
    struct storvsc *sv = VmbChannelGetPointer(ch);
    if (sv->state != SV_DOWN)
        sv->state = SV_GONE;
    storvsc_fail_all(sv, HVRT_BLK_E_REMOVED);
}

static int configure(struct storvsc *sv)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.EvtChannelPostStarted = on_post_started;
    cb.EvtChannelClosed = on_closed;
    NTSTATUS st = VmbChannelAllocate(NULL, FALSE, &sv->channel);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetTargetPnp(sv->channel, &scsi_class, NULL, NULL);
    if (NT_SUCCESS(st))
        st = VmbClientChannelInitSetRingBufferPageCount(sv->channel, SV_RING_PAGES, SV_RING_PAGES);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetMaximumPacketSize(sv->channel, 1024);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetMaximumExternalData(sv->channel, SV_MAX_CHUNK, 1);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetProcessPacketCallbacks(sv->channel, storvsc_on_packet, NULL);
    if (NT_SUCCESS(st))
        st = VmbChannelInitSetStateChangeCallbacks(sv->channel, &cb);
    if (!NT_SUCCESS(st))
        return HVRT_BLK_E_NO_MEMORY;
    VmbChannelSetPointer(sv->channel, sv);
    return HVRT_BLK_OK;
}

int storvsc_open(struct storvsc *sv)
{
    sv->state = SV_STARTING;
    sv->fail_error = HVRT_BLK_E_REMOVED;
    sem_init(&sv->started, 0, 0);
    int rc = configure(sv);
    if (rc == HVRT_BLK_OK)
        rc = storvsc_io_init(sv);
    if (rc != HVRT_BLK_OK) {
        storvsc_close(sv);
        return rc;
    }
    NTSTATUS st = VmbChannelEnable(sv->channel);
    if (!NT_SUCCESS(st)) {
        storvsc_close(sv);
        return st == STATUS_NO_SUCH_DEVICE ? HVRT_BLK_E_REMOVED : HVRT_BLK_E_IO;
    }
    /* KMCL may open later than Enable returns (its Enable is asynchronous):
     * block until PostStarted has its verdict, 10 s at most. */
    int64_t at = hvrt_wall_clock_ns() + OPEN_TIMEOUT_NS;
    struct timespec abs = { .tv_sec = at / 1000000000, .tv_nsec = at % 1000000000 };
    sem_timedwait(&sv->started, &abs);
    if (sv->state != SV_READY) {
        int why = sv->state == SV_STARTING ? HVRT_BLK_E_TIMEOUT : HVRT_BLK_E_PROTOCOL;
        storvsc_close(sv);
        return why;
    }
    return HVRT_BLK_OK;
}

void storvsc_close(struct storvsc *sv)
{
    if (sv->channel != NULL) {
        sv->state = SV_DOWN;
        VmbChannelCleanup(sv->channel);   /* disables first: outstanding sends end as cancelled */
        sv->channel = NULL;
    }
    storvsc_fail_all(sv, HVRT_BLK_E_REMOVED);
    storvsc_io_free(sv);
}
