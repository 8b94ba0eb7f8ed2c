/* hv_sock on the wire, as hvsim's host writes and reads it (devices.md
 * section 3): the user-defined area of an hv_sock offer, the vsock service
 * id template. Byte offsets, hvsim's own; the VMBus messages themselves
 * (TL_CONNECT_*) and the pipe header are in vmbus_wire.h. */
#ifndef HVSIM_DEV_HVSOCK_WIRE_H
#define HVSIM_DEV_HVSOCK_WIRE_H

#include "tests/hvsim/vmbus_wire.h"

/* OFFERCHANNEL's user-defined area (offset 60 of the offer), devices.md 3.1. */
#define HSW_UD_PIPE_MODE        0u    /* u32: 0 byte mode (hv_sock), 4 message mode */
#define HSW_UD_FOR_GUEST_ACCEPT 4u    /* u8: 1 = the host connects to a guest listener */
#define HSW_UD_FOR_CONTAINER    5u    /* u8 */
#define HSW_UD_PARAM_VERSION    6u    /* u32, unaligned: 0 before RS5, 1 RS5 (OpenVMM) */
#define HSW_UD_SILO             10u   /* GUID, unaligned */
#define HSW_PIPE_MODE_BYTE      0u

/* Offer flags of an hv_sock channel: what OpenVMM sets (mu_msvm's mask 0x2011). */
#define HSW_OFFER_FLAGS (VBW_OFFER_ENUMERATE | VBW_OFFER_NAMED_PIPE | VBW_OFFER_TLNPI)

/* Service ids for vsock ports: the port replaces Data1 (devices.md 3.2). */
#define HSW_TEMPLATE(port) VBW_GUID((uint32_t)(port), 0xfacb, 0x11e6, 0xbd58, 0x64006a7986d3ull)

#endif
