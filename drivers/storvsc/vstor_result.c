/* What a host's answer to EXECUTE_SRB means (devices.md 2.9): the
 * completion is checked (size, operation, lengths), then the SRB status,
 * the SCSI status and the sense data decide between success, a retry (now
 * for UNIT ATTENTION and aborted commands, later for NOT READY and BUSY)
 * and a named error. Host data: nothing here reads past len or trusts a
 * length field. */
#include <string.h>

#include "drivers/storvsc/storvsc.h"

static void from_sense(struct sv_result *r)
{
    switch (r->sense.key) {
    case SCSI_SENSE_NO_SENSE:
    case SCSI_SENSE_RECOVERED_ERROR:
        r->error = HVRT_BLK_OK;   /* the data is good */
        break;
    case SCSI_SENSE_UNIT_ATTENTION:   /* reset, media or capacity changed: the command itself was not run */
    case SCSI_SENSE_ABORTED_COMMAND:
        r->error = HVRT_BLK_E_IO;
        r->action = SV_RETRY_NOW;
        break;
    case SCSI_SENSE_NOT_READY:
        r->error = HVRT_BLK_E_NOT_READY;
        /* becoming ready (04/01) or any transient state: wait; "medium not
         * present" (3A) or "manual intervention required" (04/03) will not pass */
        if (r->sense.asc != 0x3A && !(r->sense.asc == 0x04 && r->sense.ascq == 0x03))
            r->action = SV_RETRY_LATER;
        break;
    case SCSI_SENSE_MEDIUM_ERROR:
        r->error = HVRT_BLK_E_MEDIUM;
        break;
    case SCSI_SENSE_DATA_PROTECT:
        r->error = HVRT_BLK_E_READ_ONLY;
        break;
    default:
        r->error = HVRT_BLK_E_IO;   /* illegal request, hardware error, ... */
        break;
    }
}

/* SRB statuses without usable sense. */
static void from_srb_status(struct sv_result *r)
{
    switch (r->srb_status & VSTOR_SRB_STATUS_MASK) {
    case VSTOR_SRB_INVALID_LUN:
    case VSTOR_SRB_INVALID_TARGET_ID:
    case VSTOR_SRB_NO_DEVICE:
    case VSTOR_SRB_NO_HBA:
    case VSTOR_SRB_SELECTION_TIMEOUT:
    case VSTOR_SRB_INVALID_PATH_ID:
        r->error = HVRT_BLK_E_REMOVED;
        break;
    case VSTOR_SRB_BUSY:
        r->error = HVRT_BLK_E_BUSY;
        r->action = SV_RETRY_LATER;
        break;
    case VSTOR_SRB_TIMEOUT:
    case VSTOR_SRB_COMMAND_TIMEOUT:
        r->error = HVRT_BLK_E_TIMEOUT;
        break;
    case VSTOR_SRB_ABORTED:
    case VSTOR_SRB_REQUEST_FLUSHED:
    case VSTOR_SRB_BUS_RESET:
        r->error = HVRT_BLK_E_IO;
        r->action = SV_RETRY_NOW;
        break;
    case VSTOR_SRB_PENDING:
    case VSTOR_SRB_ABORT_FAILED:
        r->error = HVRT_BLK_E_PROTOCOL;   /* no host completes a request with these */
        break;
    default:
        r->error = HVRT_BLK_E_IO;
        break;
    }
}

void vstor_decode_completion(const void *buf, uint32_t len, uint32_t requested, uint32_t sense_max,
                             struct sv_result *out)
{
    memset(out, 0, sizeof(*out));
    out->action = SV_FINISH;
    struct vstor_packet p;
    memset(&p, 0, sizeof(p));
    /* A completion carries at least the pre-Win8 request (0x30): shorter
     * cannot hold the status, lengths and sense we read. */
    if (buf == NULL || len < VSTOR_PACKET_SIZE_PRE_WIN8) {
        out->error = HVRT_BLK_E_PROTOCOL;
        return;
    }
    memcpy(&p, buf, len < sizeof(p) ? len : sizeof(p));
    if (p.operation != VSTOR_OP_COMPLETE_IO) {
        out->error = HVRT_BLK_E_PROTOCOL;
        return;
    }
    const struct vstor_srb *srb = &p.u.srb;
    out->srb_status = srb->srb_status;
    out->scsi_status = srb->scsi_status;
    if (srb->data_transfer_length > requested) {
        out->error = HVRT_BLK_E_PROTOCOL;   /* more than we described: never believe it */
        return;
    }
    uint8_t code = srb->srb_status & VSTOR_SRB_STATUS_MASK;
    if (code == VSTOR_SRB_SUCCESS || code == VSTOR_SRB_DATA_OVERRUN)
        out->transferred = srb->data_transfer_length;
    bool check = srb->scsi_status == SCSI_STATUS_CHECK_CONDITION;
    if ((srb->srb_status & VSTOR_SRB_AUTOSENSE_VALID) && check) {
        uint32_t n = srb->sense_info_length;
        if (n > sense_max)
            n = sense_max;
        if (n > sizeof(srb->cdb_or_sense))
            n = sizeof(srb->cdb_or_sense);
        scsi_parse_sense(srb->cdb_or_sense, n, &out->sense);
    }
    if (code == VSTOR_SRB_SUCCESS && srb->scsi_status == SCSI_STATUS_GOOD) {
        out->error = HVRT_BLK_OK;
        return;
    }
    if (srb->scsi_status == SCSI_STATUS_BUSY) {
        out->error = HVRT_BLK_E_BUSY;
        out->action = SV_RETRY_LATER;
        return;
    }
    if (out->sense.valid) {
        from_sense(out);
        if (out->error != HVRT_BLK_OK)
            out->transferred = 0;
        return;
    }
    if (code == VSTOR_SRB_SUCCESS || code == VSTOR_SRB_DATA_OVERRUN) {
        /* success by the SRB but a SCSI status other than GOOD, without sense */
        out->error = check ? HVRT_BLK_E_IO : HVRT_BLK_OK;
        return;
    }
    from_srb_status(out);
    out->transferred = 0;
}
