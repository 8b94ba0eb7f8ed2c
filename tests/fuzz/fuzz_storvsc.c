/* Everything a host sends storvsc, as libFuzzer input: the completion of
 * an EXECUTE_SRB (its VSTOR packet, SRB status, sense) and the SCSI data
 * a disk returns (INQUIRY, VPD pages, READ CAPACITY, REPORT LUNS, MODE
 * SENSE, sense). Input: [u8 selector][u32 requested][bytes...]. The
 * parsers must never read past the bytes given nor report more data than
 * was asked for. The first 12 bytes also serve as an LBA and a block count
 * (a disk's capacity comes from the host, and the block layer's requests
 * from it): every CDB built from them must say exactly that, read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/storvsc/storvsc.h"

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void check_cdbs(const uint8_t *d, uint8_t sel)
{
    uint64_t lba;
    uint32_t blocks;
    memcpy(&lba, d, 8);
    memcpy(&blocks, d + 8, 4);
    uint8_t cdb[16];
    bool write = sel & 8;
    uint8_t n = scsi_cdb_rw(cdb, write, lba, blocks, sel & 16);
    if (n == 10 ? cdb[0] != (write ? SCSI_WRITE_10 : SCSI_READ_10) || be(cdb + 2, 4) != lba || be(cdb + 7, 2) != blocks
        : n != 16 || cdb[0] != (write ? SCSI_WRITE_16 : SCSI_READ_16) || be(cdb + 2, 8) != lba || be(cdb + 10, 4) != blocks)
        abort();
    /* The fixed commands: their lengths and opcodes, with host-sized
     * allocation lengths. */
    if (scsi_cdb_test_unit_ready(cdb) != 6 || cdb[0] != 0)
        abort();
    if (scsi_cdb_inquiry(cdb, sel & 32, d[0], (uint16_t)blocks) != 6 || cdb[0] != SCSI_INQUIRY || be(cdb + 3, 2) != (uint16_t)blocks)
        abort();
    if (scsi_cdb_mode_sense6(cdb, d[1], d[2]) != 6 || cdb[0] != SCSI_MODE_SENSE_6 || cdb[4] != d[2])
        abort();
    if (scsi_cdb_read_capacity10(cdb) != 10 || cdb[0] != SCSI_READ_CAPACITY_10)
        abort();
    if (scsi_cdb_read_capacity16(cdb, blocks) != 16 || cdb[0] != SCSI_SERVICE_ACTION_IN_16 || be(cdb + 10, 4) != blocks)
        abort();
    if (scsi_cdb_report_luns(cdb, blocks) != 12 || cdb[0] != SCSI_REPORT_LUNS || be(cdb + 6, 4) != blocks)
        abort();
    if (scsi_cdb_sync_cache(cdb) != 10 || cdb[0] != SCSI_SYNCHRONIZE_CACHE_10)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint8_t sel = data[0];
    uint32_t requested;
    memcpy(&requested, data + 1, 4);
    data += 5, size -= 5;
    uint8_t *copy = malloc(size ? size : 1);   /* exactly size bytes: ASan sees any overread */
    memcpy(copy, data, size);
    struct sv_result r;
    vstor_decode_completion(copy, (uint32_t)size, requested, sel & 1 ? 0x12 : 0x14, &r);
    if (r.error == HVRT_BLK_OK && r.transferred > requested)
        abort();
    struct scsi_inquiry inq;
    scsi_parse_inquiry(copy, size, &inq);
    char serial[33];
    scsi_parse_vpd_serial(copy, size, serial, sel & 2 ? sizeof(serial) : 4);
    if (strlen(serial) >= sizeof(serial))
        abort();
    uint32_t max_blocks, opt;
    scsi_parse_vpd_limits(copy, size, &max_blocks, &opt);
    struct scsi_capacity cap;
    bool need16;
    if (scsi_parse_capacity10(copy, size, &cap, &need16) == 0 && !need16 && cap.block_size < 512)
        abort();
    scsi_parse_capacity16(copy, size, &cap);
    uint8_t luns[64];
    int n = scsi_parse_report_luns(copy, size, luns, sel & 4 ? 64 : 3);
    if (n > (sel & 4 ? 64 : 3))
        abort();
    bool wp;
    scsi_parse_mode_sense6_wp(copy, size, &wp);
    struct scsi_sense s;
    scsi_parse_sense(copy, size, &s);
    if (size >= 12)
        check_cdbs(copy, sel);
    free(copy);
    return 0;
}
