/* Finding storvsc's disks, and the block driver they are registered with.
 * A scan asks target 0 of path 0 for REPORT LUNS (a host that refuses it
 * gets INQUIRY on LUNs 0..7 instead), then each LUN: INQUIRY (direct-
 * access disks only), TEST UNIT READY, READ CAPACITY (10, and 16 when the
 * disk is too large for 10), the VPD pages for serial and limits, and
 * MODE SENSE for write protection. A rescan (the host's ENUMERATE_BUS, or
 * hvrt_blk_rescan) adds new LUNs and marks vanished ones removed. Path and
 * target stay 0: that is where Hyper-V and OpenVMM put SCSI disks
 * (devices.md 2.11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/storvsc/storvsc.h"

#define SCAN_TARGET 0
#define FALLBACK_LUNS 8

/* From the heap on first probe, not .bss: an image whose firmware has
 * little memory must still load (tests/boot hello-48mib). Never freed:
 * work the driver deferred may still look at it after a detach. */
static struct storvsc *controller;
static bool opened;

struct storvsc *storvsc_controller(void) { return opened ? controller : NULL; }

static int cmd(struct storvsc *sv, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len, void *data, uint32_t len,
               uint32_t *got)
{
    struct sv_result r;
    int rc = storvsc_command(sv, 0, SCAN_TARGET, lun, cdb, cdb_len, false, data, len, &r);
    if (got != NULL)
        *got = r.transferred;
    return rc;
}

static int list_luns(struct storvsc *sv, uint8_t *luns)
{
    uint8_t buf[2048], cdb[16];
    uint32_t got = 0;
    uint8_t n = scsi_cdb_report_luns(cdb, sizeof(buf));
    if (cmd(sv, 0, cdb, n, buf, sizeof(buf), &got) == HVRT_BLK_OK) {
        int count = scsi_parse_report_luns(buf, got, luns, SV_MAX_DISKS);
        if (count >= 0)
            return count;
    }
    for (int i = 0; i < FALLBACK_LUNS; i++)
        luns[i] = (uint8_t)i;
    return FALLBACK_LUNS;
}

/* The optional pages: a disk that lacks them still works. */
static void read_extras(struct storvsc *sv, struct sv_disk *d)
{
    uint8_t buf[255], cdb[16];
    uint32_t got = 0, max_blocks = 0, opt = 0;
    uint8_t n = scsi_cdb_inquiry(cdb, true, 0x80, sizeof(buf));
    if (cmd(sv, d->lun, cdb, n, buf, sizeof(buf), &got) == HVRT_BLK_OK)
        scsi_parse_vpd_serial(buf, got, d->info.serial, sizeof(d->info.serial));
    n = scsi_cdb_inquiry(cdb, true, 0xB0, sizeof(buf));
    if (cmd(sv, d->lun, cdb, n, buf, sizeof(buf), &got) == HVRT_BLK_OK &&
        scsi_parse_vpd_limits(buf, got, &max_blocks, &opt) == 0 && max_blocks != 0 && max_blocks < d->max_blocks)
        d->max_blocks = max_blocks;
    bool wp = false;
    n = scsi_cdb_mode_sense6(cdb, 0x3F, 192);
    if (cmd(sv, d->lun, cdb, n, buf, 192, &got) == HVRT_BLK_OK && scsi_parse_mode_sense6_wp(buf, got, &wp) == 0)
        d->info.read_only = wp;
}

static int read_capacity(struct storvsc *sv, struct sv_disk *d)
{
    uint8_t buf[32], cdb[16];
    uint32_t got = 0;
    struct scsi_capacity cap;
    bool need16 = false;
    uint8_t n = scsi_cdb_read_capacity10(cdb);
    int rc = cmd(sv, d->lun, cdb, n, buf, 8, &got);
    if (rc == HVRT_BLK_OK && scsi_parse_capacity10(buf, got, &cap, &need16) != 0)
        rc = HVRT_BLK_E_PROTOCOL;
    if (rc == HVRT_BLK_OK && need16) {
        n = scsi_cdb_read_capacity16(cdb, sizeof(buf));
        rc = cmd(sv, d->lun, cdb, n, buf, sizeof(buf), &got);
        if (rc == HVRT_BLK_OK && scsi_parse_capacity16(buf, got, &cap) != 0)
            rc = HVRT_BLK_E_PROTOCOL;
    }
    if (rc != HVRT_BLK_OK)
        return rc;
    d->info.sectors = cap.blocks;
    d->info.sector_size = cap.block_size;
    uint32_t per_chunk = sv->chunk / cap.block_size;
    d->max_blocks = per_chunk != 0 ? per_chunk : 1;
    return HVRT_BLK_OK;
}

/* Everything about one LUN; 0 when it is a usable disk. */
static int probe_lun(struct storvsc *sv, struct sv_disk *d)
{
    uint8_t buf[96], cdb[16];
    uint32_t got = 0;
    struct scsi_inquiry inq;
    uint8_t n = scsi_cdb_inquiry(cdb, false, 0, sizeof(buf));
    int rc = cmd(sv, d->lun, cdb, n, buf, sizeof(buf), &got);
    if (rc != HVRT_BLK_OK)
        return rc;
    if (scsi_parse_inquiry(buf, got, &inq) != 0)
        return HVRT_BLK_E_PROTOCOL;
    if (inq.qualifier != 0 || inq.type != SCSI_TYPE_DISK)
        return HVRT_BLK_E_REMOVED;   /* no disk there */
    memcpy(d->info.vendor, inq.vendor, sizeof(inq.vendor));
    memcpy(d->info.model, inq.product, sizeof(inq.product));
    memcpy(d->info.revision, inq.revision, sizeof(inq.revision));
    n = scsi_cdb_test_unit_ready(cdb);
    rc = cmd(sv, d->lun, cdb, n, NULL, 0, NULL);   /* a pending UNIT ATTENTION is taken here */
    if (rc == HVRT_BLK_OK)
        rc = read_capacity(sv, d);
    if (rc != HVRT_BLK_OK)
        return rc;
    read_extras(sv, d);
    d->info.max_transfer = d->max_blocks * d->info.sector_size;
    d->info.path = d->path, d->info.target = d->target, d->info.lun = d->lun;
    return HVRT_BLK_OK;
}

static struct sv_disk *find_disk(struct storvsc *sv, uint8_t lun)
{
    for (uint32_t i = 0; i < sv->disk_count; i++)
        if (sv->disks[i].lun == lun)
            return &sv->disks[i];
    return NULL;
}

static void mark_gone(struct sv_disk *d)
{
    d->present = false;
    d->info.removed = true;
    block_set_removed(d->index);
}

void storvsc_mark_all_gone(struct storvsc *sv)
{
    for (uint32_t i = 0; i < sv->disk_count; i++)
        if (sv->disks[i].present)
            mark_gone(&sv->disks[i]);
}

int storvsc_scan(struct storvsc *sv)
{
    uint8_t luns[SV_MAX_DISKS];
    int count = list_luns(sv, luns);
    for (uint32_t i = 0; i < sv->disk_count; i++) {
        bool listed = false;
        for (int k = 0; k < count; k++)
            listed |= luns[k] == sv->disks[i].lun;
        if (!listed && sv->disks[i].present)
            mark_gone(&sv->disks[i]);
    }
    for (int k = 0; k < count; k++) {
        struct sv_disk *d = find_disk(sv, luns[k]);
        if (d != NULL && d->present)
            continue;   /* known and there */
        struct sv_disk probe = { .sv = sv, .path = 0, .target = SCAN_TARGET, .lun = luns[k], .index = -1 };
        if (probe_lun(sv, &probe) != HVRT_BLK_OK)
            continue;
        probe.present = true;
        if (d == NULL) {
            if (sv->disk_count == SV_MAX_DISKS)
                break;
            d = &sv->disks[sv->disk_count++];
        } else {
            probe.index = d->index;   /* back again: same index */
        }
        *d = probe;
        if (d->index < 0)
            d->index = block_register(&d->info, &storvsc_block_driver, d);
        else
            block_update(d->index, &d->info);
    }
    return HVRT_BLK_OK;
}

/* ---- the block driver ---- */

static int probe(void)
{
    if (controller == NULL && (controller = malloc(sizeof(*controller))) == NULL)
        return HVRT_BLK_E_NO_MEMORY;
    memset(controller, 0, sizeof(*controller));
    int rc = storvsc_open(controller);
    if (rc != HVRT_BLK_OK)
        return rc;
    opened = true;
    return storvsc_scan(controller);
}

static int rescan(void)
{
    if (!opened || controller->state != SV_READY)
        return HVRT_BLK_E_REMOVED;
    return storvsc_scan(controller);
}

static void submit(void *ctx, struct hvrt_blk_request *req) { storvsc_submit(ctx, req); }

/* A request went unanswered for too long: close the channel, which ends
 * every transaction KMCL still holds, and every disk with it. */
static void abort_device(void *ctx)
{
    struct sv_disk *d = ctx;
    struct storvsc *sv = d->sv;
    printf("storvsc: no answer from the host in time; giving up on the controller\n");
    sv->fail_error = HVRT_BLK_E_TIMEOUT;
    storvsc_mark_all_gone(sv);
    storvsc_close(sv);
}

static void detach(void)
{
    if (opened)
        storvsc_close(controller);
    opened = false;
}

const struct block_driver storvsc_block_driver = {
    .name = "storvsc", .probe = probe, .rescan = rescan, .submit = submit, .abort = abort_device, .detach = detach,
};
