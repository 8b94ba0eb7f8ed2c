/* Everything a host sends storvsc, as libFuzzer input: the completion of
 * an EXECUTE_SRB (its VSTOR packet, SRB status, sense) and the SCSI data
 * a disk returns (INQUIRY, VPD pages, READ CAPACITY, REPORT LUNS, MODE
 * SENSE, sense). Input: [u8 selector][u32 requested][bytes...]. The
 * parsers must never read past the bytes given nor report more data than
 * was asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/storvsc/storvsc.h"

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
    free(copy);
    return 0;
}
