/* The host's own view of the synthetic NIC's wire formats (NVSP inside
 * VMBus packets, RNDIS inside NVSP), written for hvsim from
 * /work/shared/reference/devices.md section 1 and never shared with the
 * guest's driver: byte offsets and accessors instead of structs, so a
 * layout mistake in one side cannot hide in the other. */
#ifndef HVSIM_DEV_NETVSC_WIRE_H
#define HVSIM_DEV_NETVSC_WIRE_H

#include <stdint.h>
#include <string.h>

static inline uint32_t hn_get32(const uint8_t *p, uint32_t off)
{
    uint32_t v;
    memcpy(&v, p + off, 4);
    return v;
}
static inline uint16_t hn_get16(const uint8_t *p, uint32_t off)
{
    uint16_t v;
    memcpy(&v, p + off, 2);
    return v;
}
static inline void hn_put32(uint8_t *p, uint32_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static inline void hn_put16(uint8_t *p, uint32_t off, uint16_t v) { memcpy(p + off, &v, 2); }

/* ---- NVSP (1.2-1.5): u32 type at 0, the body after ---- */
#define HN_NVSP_V1  0x00000002u
#define HN_NVSP_V2  0x00030002u
#define HN_NVSP_V4  0x00040000u
#define HN_NVSP_V5  0x00050000u
#define HN_NVSP_V6  0x00060000u
#define HN_NVSP_V61 0x00060001u

#define HN_MSG_INIT                 1u   /* 4 min version, 8 max version */
#define HN_MSG_INIT_DONE            2u   /* 4 (deprecated) version, 8 max MDL chain, 12 status */
#define HN_MSG_NDIS_VER             100u /* 4 major, 8 minor */
#define HN_MSG_RXBUF                101u /* 4 gpadl, 8 u16 id */
#define HN_MSG_RXBUF_DONE           102u /* 4 status, 8 count, 12 sections of 16 */
#define HN_MSG_RXBUF_REVOKE         103u /* 4 u16 id */
#define HN_MSG_TXBUF                104u /* 4 gpadl, 8 u16 id */
#define HN_MSG_TXBUF_DONE           105u /* 4 status, 8 section size */
#define HN_MSG_TXBUF_REVOKE         106u /* 4 u16 id */
#define HN_MSG_RNDIS                107u /* 4 channel type, 8 section index, 12 section size */
#define HN_MSG_RNDIS_DONE           108u /* 4 status */
#define HN_MSG_NDIS_CONF            125u /* 4 mtu (frame bytes), 8 reserved, 12 u64 capabilities */

#define HN_OK     1u
#define HN_FAILED 2u
#define HN_NO_SECTION 0xFFFFFFFFu
/* what each guest message must carry at least (its meaningful bytes) */
#define HN_LEN_INIT 12u
#define HN_LEN_NDIS_VER 12u
#define HN_LEN_BUF 10u
#define HN_LEN_REVOKE 6u
#define HN_LEN_RNDIS 16u
#define HN_LEN_ACK 8u
#define HN_LEN_NDIS_CONF 20u
/* replies: 28 bytes below 6.1, 40 from it (1.2, OpenVMM's two sizes) */
#define HN_REPLY_SMALL 28u
#define HN_REPLY_LARGE 40u

/* transfer-page packet extension (VMBus type 7): 0 u16 set id, 2 u8 owns,
 * 3 reserved, 4 u32 count, 8 {u32 count, u32 offset}[n] */
#define HN_XFER_HDR 8u

/* ---- RNDIS (1.9-1.12): 0 type, 4 length, body at 8 ---- */
#define HN_R_PACKET    0x00000001u
#define HN_R_INIT      0x00000002u
#define HN_R_HALT      0x00000003u
#define HN_R_QUERY     0x00000004u
#define HN_R_SET       0x00000005u
#define HN_R_RESET     0x00000006u
#define HN_R_INDICATE  0x00000007u
#define HN_R_KEEPALIVE 0x00000008u
#define HN_R_DONE      0x80000000u

#define HN_RS_SUCCESS       0x00000000u
#define HN_RS_FAILURE       0xC0000001u
#define HN_RS_NOT_SUPPORTED 0xC00000BBu
#define HN_RS_CONNECT       0x4001000Bu
#define HN_RS_DISCONNECT    0x4001000Cu

#define HN_OID_MAX_FRAME     0x00010106u
#define HN_OID_LINK_SPEED    0x00010107u
#define HN_OID_FILTER        0x0001010Eu
#define HN_OID_MEDIA_STATUS  0x00010114u
#define HN_OID_PERMANENT_MAC 0x01010101u
#define HN_OID_CURRENT_MAC   0x01010102u

/* PACKET body: 0 data offset, 4 data length, 8 oob offset, 12 oob length,
 * 16 oob count, 20 ppi offset, 24 ppi length, 28 vc handle, 32 reserved;
 * offsets count from the body (byte 8 of the message). */
#define HN_PACKET_BODY 36u
#define HN_PACKET_HDR (8u + HN_PACKET_BODY)

#endif
