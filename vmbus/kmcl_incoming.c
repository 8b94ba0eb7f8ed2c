/* KMCL incoming packets: the ring's packets become ProcessPacket calls
 * (each copied out once, then validated by the core), completions of our
 * own sends retire their transactions, and VmbChannelPacketComplete ends a
 * received packet's life. */
#include <string.h>

#include "arch/platform.h"
#include "vmbus/kmcl_private.h"

static struct vmb_packet_completion *take_completion(VMBCHANNEL ch)
{
    for (uint32_t i = 0; i < ch->quota; i++)
        if (!ch->completions[i].in_use)
            return &ch->completions[i];
    return NULL;
}

static void complete_transaction(VMBCHANNEL ch, const struct vmbus_packet *pkt)
{
    uint64_t id = pkt->transaction_id;
    VMBPACKET p = id > 0 && id < KMCL_MAX_TRANSACTIONS ? ch->transactions[id] : NULL;
    if (p == NULL)
        return;   /* not ours, or already cancelled: a late or forged completion */
    ch->transactions[id] = NULL;
    if (p->reply != NULL) {
        p->reply_length = pkt->payload_len < p->reply_capacity ? pkt->payload_len : p->reply_capacity;
        memcpy(p->reply, pkt->payload, p->reply_length);
    }
    p->status = STATUS_SUCCESS;
    p->done = true;
    if (p->completion != NULL)
        p->completion(p, STATUS_SUCCESS, (PVOID)pkt->payload, pkt->payload_len);
}

/* The transfer page set of a channel is the first GPADL its client created
 * (netvsc's receive buffer: NVSP has it created before anything else); the
 * host names it by an id of the client's protocol, which KMCL cannot check.
 * Each range becomes one MDL into that buffer, checked against its size. */
static NTSTATUS transfer_pages_to_mdls(VMBCHANNEL ch, const struct vmbus_packet *pkt, MDL *mdls)
{
    struct vmbus_xfer_pages x;
    if (mdls == NULL || ch->xfer_gpadl == 0 || vmbus_xfer_pages_parse(pkt, &x) != VMBUS_RING_OK)
        return STATUS_NOT_SUPPORTED;
    if (x.range_count == 0 || x.range_count > ch->max_chain)
        return STATUS_INVALID_PARAMETER;
    for (uint32_t i = 0; i < x.range_count; i++) {
        struct vmbus_xfer_range r = vmbus_xfer_pages_range(&x, i);
        if (r.byte_count == 0 || r.byte_offset >= ch->xfer_bytes || r.byte_count > ch->xfer_bytes - r.byte_offset)
            return STATUS_INVALID_PARAMETER;   /* outside the set: the host is at fault */
        uint8_t *va = ch->xfer_va + r.byte_offset;
        mdls[i] = (MDL){ i + 1 < x.range_count ? &mdls[i + 1] : NULL, (PVOID)((uintptr_t)va & ~(uintptr_t)4095),
                         (UINT32)((uintptr_t)va & 4095), r.byte_count };
    }
    return STATUS_SUCCESS;
}

/* Delivers what the ring holds while the channel is active and under its
 * quota. Runs with interrupts off. Completions are handled even while
 * paused: they retire our own sends. */
void kmcl_drain(VMBCHANNEL ch)
{
    uint32_t delivered = 0;
    do {
        vmbus_channel_mask(&ch->core);
        /* Not open yet: a host may write (the IC negotiation) before the
         * open returns; that waits for start(). */
        while (ch->state != KMCL_DISABLED && !ch->failed && ch->outstanding < ch->quota) {
            struct vmbus_packet pkt;
            enum vmbus_ring_result why;
            int status = vmbus_channel_peek(&ch->core, ch->receive_buffer, ch->receive_size, &pkt, &why);
            if (status == VMBUS_E_BUSY)
                break;
            if (status != VMBUS_OK) {
                ch->failed = true;   /* a malformed packet: stop, never guess */
                break;
            }
            bool is_completion = pkt.type == VMBUS_PACKET_COMP;
            if (!is_completion && ch->state != KMCL_ACTIVE)
                break;   /* paused: leave data packets in the ring */
            vmbus_channel_consume(&ch->core);   /* pkt points into our private copy */
            if (is_completion) {
                complete_transaction(ch, &pkt);
                continue;
            }
            struct vmb_packet_completion *c = take_completion(ch);
            uint32_t length = pkt.payload_len <= ch->max_packet ? pkt.payload_len : ch->max_packet;
            c->in_use = true;
            c->wants_completion = (pkt.flags & VMBUS_PACKET_FLAG_COMPLETION_REQUESTED) != 0;
            c->transaction_id = pkt.transaction_id;
            c->length = length;
            memcpy(c->data, pkt.payload, length);
            c->external_status = STATUS_NOT_SUPPORTED;
            if (pkt.type == VMBUS_PACKET_DATA_XFER_PAGES)
                c->external_status = transfer_pages_to_mdls(ch, &pkt, c->mdls);
            ch->outstanding++;
            delivered++;
            if (ch->process_packet != NULL)
                ch->process_packet(ch, c, c->data, length, pkt.type == VMBUS_PACKET_DATA_INBAND ? 0 : VMBUS_CHANNEL_PROCESS_PACKET_FLAG_EXTERNAL_DATA);
            else
                VmbChannelPacketComplete(c, NULL, 0);
        }
    } while (ch->state == KMCL_ACTIVE && !ch->failed && ch->outstanding < ch->quota &&
             vmbus_channel_unmask(&ch->core));
    if (delivered > 0 && ch->processing_complete != NULL)
        ch->processing_complete(ch, delivered);
}

void kmcl_on_readable(struct vmbus_channel *core, void *ctx)
{
    (void)core;
    VMBCHANNEL ch = ctx;
    if (ch->receive_buffer != NULL)
        kmcl_drain(ch);
}

void VmbChannelPacketComplete(VMBPACKETCOMPLETION Packet, PVOID PacketCompletionBuffer, UINT32 BufSize)
{
    if (Packet == NULL || !Packet->in_use)
        return;
    VMBCHANNEL ch = Packet->channel;
    platform_irq_state s = platform_irq_save();
    if (Packet->wants_completion && ch->state != KMCL_DISABLED) {
        struct vmbus_packet_out out = { VMBUS_PACKET_COMP, 0, Packet->transaction_id, NULL, 0,
                                        PacketCompletionBuffer, PacketCompletionBuffer ? BufSize : 0 };
        vmbus_channel_send(&ch->core, &out);
    }
    Packet->in_use = false;
    ch->outstanding--;
    if (ch->outstanding + 1 == ch->quota && ch->state == KMCL_ACTIVE)
        kmcl_drain(ch);   /* the queue stalled on the quota: restart it */
    platform_irq_restore(s);
}

NTSTATUS HvrtPacketCompleteWithReply(VMBPACKETCOMPLETION Packet, PVOID Buffer, UINT32 Length)
{
    if (Packet == NULL || !Packet->in_use)
        return STATUS_INVALID_PARAMETER_1;
    VMBCHANNEL ch = Packet->channel;
    if (Length > ch->max_packet || (Length != 0 && Buffer == NULL))
        return STATUS_INVALID_PARAMETER_3;
    struct vmbus_packet_out out = { VMBUS_PACKET_DATA_INBAND, 0, Packet->transaction_id, NULL, 0, Buffer, Length };
    platform_irq_state s = platform_irq_save();
    int status = ch->state == KMCL_DISABLED ? VMBUS_E_INVALID : vmbus_channel_send(&ch->core, &out);
    platform_irq_restore(s);
    Packet->wants_completion = false;   /* the reply is the answer */
    VmbChannelPacketComplete(Packet, NULL, 0);
    return kmcl_status(status);
}

void VmbChannelPacketDeferToPassive(VMBPACKETCOMPLETION Packet)
{
    (void)Packet;   /* callbacks already run where they run: nothing to defer to (docs/api.md) */
}

void VmbChannelPacketFail(VMBPACKETCOMPLETION Packet)
{
    if (Packet == NULL || !Packet->in_use)
        return;
    VMBCHANNEL ch = Packet->channel;
    ch->failed = true;   /* stops the queue, as KMCL does */
    Packet->in_use = false;
    ch->outstanding--;
}

NTSTATUS VmbChannelPacketGetExternalData(VMBPACKETCOMPLETION Packet, UINT32 Flags, PMDL *Mdl)
{
    if (Mdl == NULL)
        return STATUS_INVALID_PARAMETER_3;
    *Mdl = NULL;
    if (Packet == NULL || !Packet->in_use)
        return STATUS_INVALID_PARAMETER_1;
    if (Flags & ~VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY)
        return STATUS_INVALID_PARAMETER_2;
    if (NT_SUCCESS(Packet->external_status))
        *Mdl = Packet->mdls;
    return Packet->external_status;
}
