/* The rest of the KMCL-shaped API (include/hvrt/vmbus.h) against hvsim:
 * the calls test_kmcl.c leaves out. Every status docs/api.md promises, the
 * documented STATUS_INVALID_PARAMETER_n for bad arguments, external data
 * (MDLs) that the echo device must answer with exactly the bytes the ranges
 * describe, the queue stopped by PacketFail, transaction ids running out,
 * full rings, refused opens and GPADLs, and no pages left behind. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/kmcl_fixture.h"
#include <hvrt/runtime.h>
#include "arch/platform.h"
#include "vmbus/vmbus.h"

#define PAGE 4096u

static void set_faults(struct hvsim_vmbus_faults f) { hvsim_vmbus_set_faults(host, &f); }

static struct hvsim_vmbus_counters counters(void)
{
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(host, &c);
    return c;
}

/* ---- what the callbacks saw ---- */

enum packet_action { COMPLETE, FAIL, DEFER_THEN_COMPLETE, BAD_REPLY_THEN_COMPLETE };

static enum packet_action on_packet;
static int packets_delivered;
static NTSTATUS external_data_status, bad_reply_status;
static PMDL external_data_mdl;

static void evt_packet(VMBCHANNEL ch, VMBPACKETCOMPLETION pc, PVOID buf, UINT32 len, UINT32 flags)
{
    (void)ch, (void)buf, (void)len, (void)flags;
    packets_delivered++;
    external_data_mdl = (PMDL)1;   /* must come back NULL */
    external_data_status = VmbChannelPacketGetExternalData(pc, VMBUS_CHANNEL_PACKET_EXTERNAL_DATA_FLAG_READ_ONLY,
                                                           &external_data_mdl);
    if (on_packet == FAIL) {
        VmbChannelPacketFail(pc);
        return;
    }
    if (on_packet == DEFER_THEN_COMPLETE)
        VmbChannelPacketDeferToPassive(pc);   /* a no-op in hvrt: the packet is still ours to complete */
    if (on_packet == BAD_REPLY_THEN_COMPLETE)
        bad_reply_status = HvrtPacketCompleteWithReply(pc, NULL, 8);   /* refused: still ours */
    VmbChannelPacketComplete(pc, NULL, 0);
}

static int sends_completed, sends_cancelled;
static uint8_t completion_bytes[3 * PAGE];
static uint32_t completion_length;

/* VMBus sizes packets in 8-byte units: an echo comes back padded. */
static uint32_t padded(uint32_t bytes) { return (bytes + 7) & ~7u; }

/* Keeps what the host answered so a test can compare it byte for byte.
 * Frees allocated packets (a no-op for caller storage, which tests reuse). */
static void evt_sent(VMBPACKET p, NTSTATUS status, PVOID buf, UINT32 len)
{
    VmbPacketFree(p);
    if (status == STATUS_SUCCESS)
        sends_completed++;
    else if (status == STATUS_CANCELLED)
        sends_cancelled++;
    completion_length = len < sizeof(completion_bytes) ? len : (UINT32)sizeof(completion_bytes);
    if (buf != NULL)
        memcpy(completion_bytes, buf, completion_length);
}

static void reset_observations(void)
{
    on_packet = COMPLETE;
    packets_delivered = sends_completed = sends_cancelled = 0;
    completion_length = 0;
}

/* An allocated, targeted channel, still Disabled. */
static VMBCHANNEL configured_channel(const GUID *type, UINT32 ring_pages)
{
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    CHECK_EQ(VmbChannelInitSetProcessPacketCallbacks(ch, evt_packet, NULL), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, type, NULL, NULL), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetRingBufferPageCount(ch, ring_pages, ring_pages), STATUS_SUCCESS);
    reset_observations();
    return ch;
}

static VMBCHANNEL enabled_channel(const GUID *type, UINT32 ring_pages)
{
    VMBCHANNEL ch = configured_channel(type, ring_pages);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    return ch;
}

/* ---- server-only and unsupported calls: STATUS_NOT_SUPPORTED, whatever the state ---- */

static NTSTATUS call_map_gpadl(VMBCHANNEL ch)
{
    MDL mdl;
    PMDL out = &mdl;
    return VmbChannelMapGpadl(ch, 0, 1, &out);
}
static NTSTATUS call_server_target(VMBCHANNEL ch)
{
    return VmbServerChannelInitSetTargetInterfaceId(ch, *echo_guid, *echo_guid);
}
static NTSTATUS call_server_flags(VMBCHANNEL ch)
{
    return VmbServerChannelInitSetFlags(ch, VMBUS_SERVER_CHANNEL_INIT_FLAG_OFFER_AS_PIPE);
}
static NTSTATUS call_server_mmio(VMBCHANNEL ch) { return VmbServerChannelInitSetMmioMegabytes(ch, 16, 0); }
static NTSTATUS call_server_vtl(VMBCHANNEL ch) { return VmbServerChannelInitSetTargetVtl(ch, 0); }
static NTSTATUS call_server_vmbus_handle(VMBCHANNEL ch) { return VmbServerChannelInitSetVmbusHandle(ch, ch); }
static NTSTATUS call_convert_handle(VMBCHANNEL ch)
{
    PVOID kernel = NULL;
    return VmbConvertVmbusHandleToKernelHandle(ch, &kernel);
}
static NTSTATUS call_save_restore_callbacks(VMBCHANNEL ch)
{
    return VmbServerChannelInitSetSaveRestorePacketCallbacks(ch, NULL, NULL);
}
static NTSTATUS call_save_begin(VMBCHANNEL ch) { return VmbChannelSaveBegin(ch); }
static NTSTATUS call_save_continue(VMBCHANNEL ch)
{
    uint8_t buffer[64];
    ULONG filled = 0, required = 0;
    return VmbChannelSaveContinue(ch, buffer, sizeof(buffer), &filled, &required);
}
static NTSTATUS call_restore_from_buffer(VMBCHANNEL ch)
{
    uint8_t buffer[64] = { 0 };
    return VmbChannelRestoreFromBuffer(ch, buffer, sizeof(buffer));
}
static NTSTATUS call_packet_restore(VMBCHANNEL ch)
{
    VMBPACKET p = VmbPacketAllocate(ch);
    uint8_t buffer[64] = { 0 };
    NTSTATUS st = VmbPacketRestore(p, buffer, sizeof(buffer));
    VmbPacketFree(p);
    return st;
}
static NTSTATUS call_interrupt_latency(VMBCHANNEL ch)
{
    UINT16 original = 0;
    return VmbChannelSetInterruptLatency(ch, 100, &original);
}

static const struct {
    const char *name;
    NTSTATUS (*call)(VMBCHANNEL ch);
} unsupported_calls[] = {
    { "VmbChannelMapGpadl", call_map_gpadl },
    { "VmbServerChannelInitSetTargetInterfaceId", call_server_target },
    { "VmbServerChannelInitSetFlags", call_server_flags },
    { "VmbServerChannelInitSetMmioMegabytes", call_server_mmio },
    { "VmbServerChannelInitSetTargetVtl", call_server_vtl },
    { "VmbServerChannelInitSetVmbusHandle", call_server_vmbus_handle },
    { "VmbConvertVmbusHandleToKernelHandle", call_convert_handle },
    { "VmbServerChannelInitSetSaveRestorePacketCallbacks", call_save_restore_callbacks },
    { "VmbChannelSaveBegin", call_save_begin },
    { "VmbChannelSaveContinue", call_save_continue },
    { "VmbChannelRestoreFromBuffer", call_restore_from_buffer },
    { "VmbPacketRestore", call_packet_restore },
    { "VmbChannelSetInterruptLatency", call_interrupt_latency },
};

static void test_server_only_calls_are_not_supported(void)
{
    boot();
    VMBCHANNEL disabled = configured_channel(echo_guid, 4);
    VMBCHANNEL active = enabled_channel(echo_guid, 4);
    VMBCHANNEL states[] = { disabled, active };
    for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++)
        for (size_t i = 0; i < sizeof(unsupported_calls) / sizeof(unsupported_calls[0]); i++) {
            NTSTATUS st = unsupported_calls[i].call(states[s]);
            CHECK(st == STATUS_NOT_SUPPORTED, "%s on a %s channel: 0x%x", unsupported_calls[i].name,
                  s == 0 ? "disabled" : "active", (unsigned)st);
        }
    /* The VOID ones change nothing: the channel still answers afterwards. */
    VmbChannelUnmapGpadl(active, 1);
    VmbChannelSaveEnd(active);
    CHECK_EQ(VmbChannelSendSynchronousRequest(active, "still here", 11, NULL, 0, NULL, NULL, NULL), STATUS_SUCCESS);
    VmbChannelCleanup(disabled);
    VmbChannelCleanup(active);
    shutdown();
}

/* ---- Init* setters: SUCCESS while Disabled, _1 otherwise ---- */

static uint16_t long_name_utf16[40];

static NTSTATUS set_max_packet(VMBCHANNEL ch) { return VmbChannelInitSetMaximumPacketSize(ch, 512); }
static NTSTATUS set_max_external(VMBCHANNEL ch) { return VmbChannelInitSetMaximumExternalData(ch, 64 * PAGE, 16); }
static NTSTATUS set_context_size(VMBCHANNEL ch) { return VmbChannelInitSetClientContextSize(ch, 32); }
static NTSTATUS set_packet_callbacks(VMBCHANNEL ch) { return VmbChannelInitSetProcessPacketCallbacks(ch, evt_packet, NULL); }
static NTSTATUS set_state_callbacks(VMBCHANNEL ch)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    return VmbChannelInitSetStateChangeCallbacks(ch, &cb);
}
/* Longer than the 31 characters kept, with characters outside ASCII:
 * ASan catches a copy past the end. */
static NTSTATUS set_long_name(VMBCHANNEL ch)
{
    for (size_t i = 0; i < sizeof(long_name_utf16) / 2; i++)
        long_name_utf16[i] = i % 5 == 0 ? 0x00e9 : (uint16_t)('a' + i % 26);
    UNICODE_STRING name = { sizeof(long_name_utf16), sizeof(long_name_utf16), long_name_utf16 };
    return VmbChannelInitSetFriendlyName(ch, &name);
}
static NTSTATUS set_empty_name(VMBCHANNEL ch)
{
    UNICODE_STRING name = { 0, 0, NULL };
    return VmbChannelInitSetFriendlyName(ch, &name);
}
static NTSTATUS set_pipe_flag(VMBCHANNEL ch) { return VmbChannelInitSetFlags(ch, VMBUS_CHANNEL_INIT_FLAG_IS_PIPE); }
static NTSTATUS set_target(VMBCHANNEL ch) { return VmbClientChannelInitSetTargetPnp(ch, echo_guid, NULL, NULL); }
static NTSTATUS set_ring_pages(VMBCHANNEL ch) { return VmbClientChannelInitSetRingBufferPageCount(ch, 2, 2); }

static const struct {
    const char *name;
    NTSTATUS (*call)(VMBCHANNEL ch);
} init_setters[] = {
    { "MaximumPacketSize", set_max_packet },
    { "MaximumExternalData", set_max_external },
    { "ClientContextSize", set_context_size },
    { "ProcessPacketCallbacks", set_packet_callbacks },
    { "StateChangeCallbacks", set_state_callbacks },
    { "FriendlyName (long, not ASCII)", set_long_name },
    { "FriendlyName (empty)", set_empty_name },
    { "Flags", set_pipe_flag },
    { "TargetPnp", set_target },
    { "RingBufferPageCount", set_ring_pages },
};

static void test_init_setters_only_while_disabled(void)
{
    boot();
    VMBCHANNEL disabled = configured_channel(echo_guid, 4);
    VMBCHANNEL active = enabled_channel(echo_guid, 4);
    for (size_t i = 0; i < sizeof(init_setters) / sizeof(init_setters[0]); i++) {
        NTSTATUS st = init_setters[i].call(NULL);
        CHECK(st == STATUS_INVALID_PARAMETER_1, "%s(NULL): 0x%x", init_setters[i].name, (unsigned)st);
        st = init_setters[i].call(disabled);
        CHECK(st == STATUS_SUCCESS, "%s while disabled: 0x%x", init_setters[i].name, (unsigned)st);
        st = init_setters[i].call(active);
        CHECK(st == STATUS_INVALID_PARAMETER_1, "%s while active: 0x%x", init_setters[i].name, (unsigned)st);
    }
    /* Every setting above at once still opens, and packets flow (once the
     * other channel lets go of the one echo device). */
    VmbChannelCleanup(active);
    VmbChannelSetIncomingProcessingAtPassive(disabled, TRUE);   /* delivered by the passive worker */
    CHECK_EQ(enable(disabled), STATUS_SUCCESS);
    VMBPACKET p = VmbPacketAllocate(disabled);
    CHECK_EQ(VmbPacketSend(p, "after setup", 12, NULL, 0), STATUS_SUCCESS);
    settle();
    CHECK_EQ(packets_delivered, 1);
    VmbChannelCleanup(disabled);
    shutdown();
}

/* ---- Init* setters: the documented _n for each bad argument ---- */

static NTSTATUS external_zero_size(VMBCHANNEL ch) { return VmbChannelInitSetMaximumExternalData(ch, 0, 1); }
static NTSTATUS external_zero_chain(VMBCHANNEL ch) { return VmbChannelInitSetMaximumExternalData(ch, PAGE, 0); }
static NTSTATUS name_null(VMBCHANNEL ch) { return VmbChannelInitSetFriendlyName(ch, NULL); }
static NTSTATUS name_without_buffer(VMBCHANNEL ch)
{
    UNICODE_STRING name = { 4, 4, NULL };
    return VmbChannelInitSetFriendlyName(ch, &name);
}
static NTSTATUS packet_size_too_big(VMBCHANNEL ch) { return VmbChannelInitSetMaximumPacketSize(ch, (1u << 20) + 1); }
static NTSTATUS callbacks_null(VMBCHANNEL ch) { return VmbChannelInitSetStateChangeCallbacks(ch, NULL); }
static NTSTATUS callbacks_wrong_size(VMBCHANNEL ch)
{
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
    cb.Size--;
    return VmbChannelInitSetStateChangeCallbacks(ch, &cb);
}
static NTSTATUS target_without_type(VMBCHANNEL ch) { return VmbClientChannelInitSetTargetPnp(ch, NULL, echo_guid, NULL); }
static NTSTATUS incoming_ring_too_big(VMBCHANNEL ch) { return VmbClientChannelInitSetRingBufferPageCount(ch, 4001, 1); }
static NTSTATUS outgoing_ring_too_big(VMBCHANNEL ch) { return VmbClientChannelInitSetRingBufferPageCount(ch, 1, 4001); }

static const struct {
    const char *name;
    NTSTATUS (*call)(VMBCHANNEL ch);
    NTSTATUS expected;
} bad_init_arguments[] = {
    { "MaximumExternalData size 0", external_zero_size, STATUS_INVALID_PARAMETER_2 },
    { "MaximumExternalData chain 0", external_zero_chain, STATUS_INVALID_PARAMETER_3 },
    { "FriendlyName NULL", name_null, STATUS_INVALID_PARAMETER_2 },
    { "FriendlyName without a buffer", name_without_buffer, STATUS_INVALID_PARAMETER_2 },
    { "MaximumPacketSize over 1 MiB", packet_size_too_big, STATUS_INVALID_PARAMETER_2 },
    { "StateChangeCallbacks NULL", callbacks_null, STATUS_INVALID_PARAMETER_2 },
    { "StateChangeCallbacks wrong Size", callbacks_wrong_size, STATUS_INVALID_PARAMETER_2 },
    { "TargetPnp without a type", target_without_type, STATUS_INVALID_PARAMETER_2 },
    { "RingBufferPageCount incoming 4001", incoming_ring_too_big, STATUS_INVALID_PARAMETER_2 },
    { "RingBufferPageCount outgoing 4001", outgoing_ring_too_big, STATUS_INVALID_PARAMETER_3 },
};

static void test_init_setters_refuse_bad_arguments(void)
{
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    for (size_t i = 0; i < sizeof(bad_init_arguments) / sizeof(bad_init_arguments[0]); i++) {
        NTSTATUS st = bad_init_arguments[i].call(ch);
        CHECK(st == bad_init_arguments[i].expected, "%s: 0x%x, expected 0x%x", bad_init_arguments[i].name,
              (unsigned)st, (unsigned)bad_init_arguments[i].expected);
    }
    VmbChannelCleanup(ch);
}

/* ---- queries ---- */

static void test_queries_answer_as_documented(void)
{
    boot();
    static const GUID zero, wanted = { 0xabcdef01, 2, 3, { 4, 5, 6, 7, 8, 9, 10, 11 } };
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    GUID seen;
    memset(&seen, 0xff, sizeof(seen));
    VmbChannelGetInterfaceInstance(ch, &seen);
    CHECK(memcmp(&seen, &zero, sizeof(seen)) == 0, "no instance asked for yet");
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, echo_guid, &wanted, NULL), STATUS_SUCCESS);
    VmbChannelGetInterfaceInstance(ch, &seen);
    CHECK(memcmp(&seen, &wanted, sizeof(seen)) == 0, "disabled: the instance asked for");
    VmbChannelGetInterfaceInstance(ch, NULL);    /* no out pointer: nothing to write */
    VmbChannelGetInterfaceInstance(NULL, &seen);

    /* What the host offers: one echo device, nothing of a made-up class. */
    CHECK_EQ(HvrtChannelOfferCount(echo_guid), 1u);
    CHECK_EQ(HvrtChannelOfferCount(&wanted), 0u);
    CHECK_EQ(HvrtChannelOfferCount(NULL), 0u);

    /* Enabled: the offer's instance, which is also what Enable matches on. */
    struct vmbus_offer offer;
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, echo_guid, NULL, NULL), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    CHECK(vmbus_offer_at(0, &offer), "the echo's offer");
    VmbChannelGetInterfaceInstance(ch, &seen);
    CHECK(memcmp(&seen, &offer.instance_id, sizeof(seen)) == 0, "enabled: the offer's instance");
    VmbChannelDisable(ch);
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, echo_guid, &seen, NULL), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);

    UINT64 mmio_address = 0xdead, mmio_size = 0xbeef;
    VmbChannelGetMmioSpace(ch, &mmio_address, &mmio_size);
    CHECK(mmio_address == 0 && mmio_size == 0, "no MMIO reserved: %llx %llx", (unsigned long long)mmio_address,
          (unsigned long long)mmio_size);
    VmbChannelGetMmioSpace(ch, NULL, NULL);

    /* VmbChannelSizeofPacket is exactly what VmbPacketInitialize needs. */
    UINT32 size = VmbChannelSizeofPacket(ch);
    CHECK(size > 0 && size <= 256, "packet size %u", size);
    void *storage = calloc(1, size);
    CHECK_EQ(VmbPacketInitialize(ch, storage, size - 1), STATUS_INVALID_PARAMETER_3);
    CHECK_EQ(VmbPacketInitialize(NULL, storage, size), STATUS_INVALID_PARAMETER_1);
    CHECK_EQ(VmbPacketInitialize(ch, NULL, size), STATUS_INVALID_PARAMETER_2);
    CHECK_EQ(VmbPacketInitialize(ch, storage, size), STATUS_SUCCESS);
    VMBPACKET p = storage;
    VmbPacketSetCompletionRoutine(p, evt_sent);
    CHECK_EQ(VmbPacketSend(p, "in caller storage", 18, NULL, VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION),
             STATUS_SUCCESS);
    CHECK_EQ(sends_completed, 1);
    CHECK(completion_length == padded(18) && memcmp(completion_bytes, "in caller storage", 18) == 0, "echoed back");
    free(storage);
    VmbChannelCleanup(ch);
    shutdown();
}

/* ---- incoming packets: Fail, DeferToPassive, GetExternalData ---- */

static void send_inband(VMBCHANNEL ch, const char *text)
{
    VMBPACKET p = VmbPacketAllocate(ch);
    CHECK_EQ(VmbPacketSend(p, (PVOID)text, (UINT32)strlen(text) + 1, NULL, 0), STATUS_SUCCESS);
}

static void test_packet_fail_stops_the_queue(void)
{
    boot();
    VMBCHANNEL ch = enabled_channel(echo_guid, 4);
    on_packet = FAIL;
    send_inband(ch, "refused");
    CHECK_EQ(packets_delivered, 1);
    CHECK_EQ(external_data_status, STATUS_INVALID_DEVICE_REQUEST);   /* an in-band packet has no external data */
    CHECK(external_data_mdl == NULL, "no MDL handed out");
    on_packet = COMPLETE;
    send_inband(ch, "after the failure");
    send_inband(ch, "and another");
    CHECK_EQ(packets_delivered, 1);   /* stopped: the echoes wait in the ring */
    CHECK_EQ(counters().packets_echoed, 3);
    VmbChannelPacketFail(NULL);       /* nothing to fail */

    /* Disable and enable again: a fresh ring, delivery runs again. */
    VmbChannelDisable(ch);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    send_inband(ch, "fresh start");
    CHECK_EQ(packets_delivered, 2);

    /* DeferToPassive changes nothing: complete it and the queue moves on. */
    on_packet = DEFER_THEN_COMPLETE;
    send_inband(ch, "deferred");
    send_inband(ch, "deferred again");
    CHECK_EQ(packets_delivered, 4);

    on_packet = BAD_REPLY_THEN_COMPLETE;
    send_inband(ch, "bad reply");
    CHECK_EQ(bad_reply_status, STATUS_INVALID_PARAMETER_3);
    send_inband(ch, "queue still runs");
    CHECK_EQ(packets_delivered, 6);
    CHECK_EQ(HvrtPacketCompleteWithReply(NULL, "x", 1), STATUS_INVALID_PARAMETER_1);
    VmbChannelPacketComplete(NULL, NULL, 0);
    VmbChannelCleanup(ch);
    shutdown();
}

/* Without ProcessPacket, packets are completed as they arrive, so the
 * quota never stalls the queue: the completion of a later request still
 * gets through. */
static void test_packets_without_a_callback_complete_at_once(void)
{
    boot();
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    CHECK_EQ(VmbClientChannelInitSetTargetPnp(ch, echo_guid, NULL, NULL), STATUS_SUCCESS);
    VmbChannelSetTransactionQuota(ch, 2);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    for (int i = 0; i < 5; i++)
        send_inband(ch, "nobody listens");
    LARGE_INTEGER timeout = { -10000000 };   /* 1 s */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "still flowing", 14, NULL, 0, NULL, NULL, &timeout), STATUS_SUCCESS);
    VmbChannelCleanup(ch);
    shutdown();
}

/* ---- external data by MDL: the echo answers with the bytes the ranges describe ---- */

static uint8_t *pattern_pages(uint32_t count)
{
    uint64_t gpa;
    uint8_t *pages = platform_pages_alloc(count, &gpa);
    for (uint32_t i = 0; i < count * PAGE; i++)
        pages[i] = (uint8_t)(i * 7 + i / 251);
    return pages;
}

struct mdl_case {
    const char *name;
    struct { uint32_t page, byte_offset, byte_count; } mdls[3];
    uint32_t mdl_count, offset, length, flags;
    NTSTATUS expected;
    struct { uint32_t at, bytes; } want[3];   /* into the pattern, in order */
};

#define WAIT VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION
#define FORCE VMBUS_CHANNEL_FORMAT_FLAG_FORCE_MDL_LENGTH

static const struct mdl_case mdl_cases[] = {
    { "whole MDL across a page boundary", { { 0, 100, 5000 } }, 1, 0, 0, WAIT, STATUS_SUCCESS, { { 100, 5000 } } },
    { "offset and length inside one MDL", { { 1, 10, 3000 } }, 1, 50, 300, WAIT, STATUS_SUCCESS,
      { { PAGE + 60, 300 } } },
    { "a chain of two", { { 0, 10, 20 }, { 2, 4000, 200 } }, 2, 0, 0, WAIT, STATUS_SUCCESS,
      { { 10, 20 }, { 2 * PAGE + 4000, 200 } } },
    { "a chain cut short inside the first MDL", { { 0, 10, 20 }, { 2, 0, 200 } }, 2, 0, 15, WAIT, STATUS_SUCCESS,
      { { 10, 15 } } },
    { "a chain cut short inside the second MDL", { { 0, 10, 20 }, { 2, 0, 200 } }, 2, 4, 25, WAIT, STATUS_SUCCESS,
      { { 14, 16 }, { 2 * PAGE, 9 } } },
    { "FORCE_MDL_LENGTH past ByteCount, first MDL only", { { 0, 0, 10 }, { 2, 0, 200 } }, 2, 0, 100, WAIT | FORCE,
      STATUS_SUCCESS, { { 0, 100 } } },
    { "without WAIT_FOR_COMPLETION", { { 0, 0, 10 } }, 1, 0, 0, 0, STATUS_INVALID_PARAMETER, { { 0, 0 } } },
    { "an unknown flag", { { 0, 0, 10 } }, 1, 0, 0, WAIT | 0x80, STATUS_INVALID_PARAMETER, { { 0, 0 } } },
    { "offset past the MDL", { { 0, 0, 10 } }, 1, 11, 0, WAIT, STATUS_INVALID_PARAMETER, { { 0, 0 } } },
    { "nothing left after the offset", { { 0, 0, 10 } }, 1, 10, 0, WAIT, STATUS_INVALID_PARAMETER, { { 0, 0 } } },
    { "over 64 pages in one MDL", { { 0, 0, 64 * PAGE + 1 } }, 1, 0, 0, WAIT, STATUS_INVALID_PARAMETER,
      { { 0, 0 } } },
};

static void expect_pattern(const uint8_t *pattern, const char *name, const uint32_t (*want)[2], uint32_t parts)
{
    uint32_t pos = 0;
    for (uint32_t i = 0; i < parts && want[i][1] != 0; i++) {
        CHECK(pos + want[i][1] <= completion_length &&
                  memcmp(completion_bytes + pos, pattern + want[i][0], want[i][1]) == 0,
              "%s: part %u (%u bytes at %u) not in the echo", name, i, want[i][1], want[i][0]);
        pos += want[i][1];
    }
    CHECK(completion_length == padded(pos), "%s: echoed %u bytes, described %u", name, completion_length, pos);
}

static void test_external_mdl_reaches_the_host(void)
{
    boot();
    VMBCHANNEL ch = configured_channel(echo_guid, 8);
    CHECK_EQ(VmbChannelInitSetMaximumPacketSize(ch, 3 * PAGE), STATUS_SUCCESS);   /* the echo's answer */
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    uint64_t pages_before = hosted_pages_in_use();
    uint8_t *pattern = pattern_pages(20);
    _Alignas(16) uint8_t storage[256];   /* caller storage: one packet for every send below */
    VMBPACKET p = (VMBPACKET)storage;
    CHECK(VmbChannelSizeofPacket(ch) <= sizeof(storage), "packet fits");
    CHECK_EQ(VmbPacketInitialize(ch, p, sizeof(storage)), STATUS_SUCCESS);
    VmbPacketSetCompletionRoutine(p, evt_sent);
    for (size_t c = 0; c < sizeof(mdl_cases) / sizeof(mdl_cases[0]); c++) {
        const struct mdl_case *t = &mdl_cases[c];
        MDL chain[3];
        for (uint32_t i = 0; i < t->mdl_count; i++)
            chain[i] = (MDL){ i + 1 < t->mdl_count ? &chain[i + 1] : NULL, pattern + t->mdls[i].page * PAGE,
                              t->mdls[i].byte_offset, t->mdls[i].byte_count };
        completion_length = 0;
        int completed = sends_completed;
        NTSTATUS st = VmbPacketSendWithExternalMdl(p, "hdr", 4, chain, t->offset, t->length, t->flags);
        CHECK(st == t->expected, "%s: 0x%x, expected 0x%x", t->name, (unsigned)st, (unsigned)t->expected);
        if (t->expected != STATUS_SUCCESS)
            continue;
        CHECK(sends_completed == completed + 1, "%s: completion routine ran", t->name);
        uint32_t want[3][2];
        for (int i = 0; i < 3; i++)
            want[i][0] = t->want[i].at, want[i][1] = t->want[i].bytes;
        expect_pattern(pattern, t->name, want, 3);
    }

    /* Seventeen MDLs: more than the 16 ranges hvrt sends; refused, not cut short. */
    MDL many[17];
    for (int i = 0; i < 17; i++)
        many[i] = (MDL){ i < 16 ? &many[i + 1] : NULL, pattern + (uint32_t)i * PAGE, 0, 8 };
    CHECK_EQ(VmbPacketSendWithExternalMdl(p, NULL, 0, many, 0, 0, WAIT), STATUS_INVALID_PARAMETER);
    many[15].Next = NULL;   /* sixteen fit */
    completion_length = 0;
    CHECK_EQ(VmbPacketSendWithExternalMdl(p, NULL, 0, many, 0, 0, WAIT), STATUS_SUCCESS);
    CHECK_EQ(completion_length, 16 * 8);

    MDL one = { NULL, pattern, 40, 64 };
    CHECK_EQ(VmbPacketSendWithExternalMdl(NULL, NULL, 0, &one, 0, 0, WAIT), STATUS_INVALID_PARAMETER_1);
    CHECK_EQ(VmbPacketSendWithExternalMdl(p, NULL, 0, NULL, 0, 0, WAIT), STATUS_INVALID_PARAMETER_4);
    CHECK_EQ(VmbPacketSend(NULL, NULL, 0, &one, 0), STATUS_INVALID_PARAMETER_1);

    /* VmbPacketSend with an MDL: WAIT_FOR_COMPLETION is implied. */
    completion_length = 0;
    CHECK_EQ(VmbPacketSend(p, "hdr", 4, &one, 0), STATUS_SUCCESS);
    CHECK(completion_length == 64 && memcmp(completion_bytes, pattern + 40, 64) == 0, "VmbPacketSend's MDL echoed");

    /* A synchronous request with an MDL: the echo's answer is the reply. */
    uint8_t reply[128] = { 0 };
    UINT32 reply_size = sizeof(reply);
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "hdr", 4, &one, 0, reply, &reply_size, NULL), STATUS_SUCCESS);
    CHECK(reply_size == 64 && memcmp(reply, pattern + 40, 64) == 0, "reply of %u bytes", reply_size);
    MDL past_end = { NULL, pattern, 0, 10 };
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "hdr", 4, &past_end, 0, reply, &reply_size, NULL),
             STATUS_SUCCESS);   /* offset 0, the whole MDL */

    CHECK_EQ(counters().protocol_errors, 0);   /* every range was readable */
    platform_pages_free(pattern, 20);
    CHECK_EQ(hosted_pages_in_use(), pages_before);
    VmbChannelCleanup(ch);
    shutdown();
}

/* ---- sends that cannot go out ---- */

static void test_send_refuses_bad_arguments(void)
{
    boot();
    VMBCHANNEL ch = configured_channel(echo_guid, 4);
    CHECK_EQ(VmbChannelInitSetMaximumPacketSize(ch, 64), STATUS_SUCCESS);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    VMBPACKET p = VmbPacketAllocate(ch);
    VmbPacketSetCompletionRoutine(p, evt_sent);
    static char big[65];
    CHECK_EQ(VmbPacketSend(p, big, sizeof(big), NULL, 0), STATUS_INVALID_PARAMETER);   /* over the maximum */
    CHECK_EQ(VmbPacketSend(p, NULL, 8, NULL, 0), STATUS_INVALID_PARAMETER);           /* bytes without a buffer */
    CHECK_EQ(VmbPacketSend(p, "x", 2, NULL, 0x80), STATUS_INVALID_PARAMETER);          /* unknown flag */
    CHECK_EQ(sends_completed + sends_cancelled, 0);   /* refused sends never complete */
    CHECK_EQ(counters().packets_echoed, 0);
    CHECK_EQ(VmbChannelSendSynchronousRequest(NULL, "x", 2, NULL, 0, NULL, NULL, NULL), STATUS_INVALID_PARAMETER_1);
    CHECK(VmbPacketAllocate(NULL) == NULL, "no packet without a channel");
    PFN_NUMBER pfns[65] = { 0 };
    CHECK_EQ(VmbPacketSendWithExternalPfns(NULL, NULL, 0, pfns, 1, WAIT), STATUS_INVALID_PARAMETER_1);
    CHECK_EQ(VmbPacketSendWithExternalPfns(p, NULL, 0, NULL, 1, WAIT), STATUS_INVALID_PARAMETER);
    CHECK_EQ(VmbPacketSendWithExternalPfns(p, NULL, 0, pfns, 0, WAIT), STATUS_INVALID_PARAMETER);
    CHECK_EQ(VmbPacketSendWithExternalPfns(p, NULL, 0, pfns, 65, WAIT), STATUS_INVALID_PARAMETER);
    VmbPacketFree(p);
    VmbChannelPause(ch);   /* paused stops delivery, not sends: the completion still comes */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "x", 2, NULL, 0, NULL, NULL, NULL), STATUS_SUCCESS);
    VmbChannelDisable(ch);
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "x", 2, NULL, 0, NULL, NULL, NULL), STATUS_INVALID_DEVICE_STATE);
    VmbChannelCleanup(ch);
    shutdown();
}

/* Sends packets that wait for completion until one is refused (or limit
 * have gone): how many went, and the refusal. */
static int send_until_refused(VMBCHANNEL ch, const void *buf, UINT32 len, int limit, NTSTATUS *refusal)
{
    int sent = 0;
    *refusal = STATUS_SUCCESS;
    while (sent < limit) {
        VMBPACKET p = VmbPacketAllocate(ch);
        VmbPacketSetCompletionRoutine(p, evt_sent);
        *refusal = VmbPacketSend(p, (PVOID)buf, len, NULL, WAIT);
        if (*refusal != STATUS_SUCCESS) {
            VmbPacketFree(p);   /* refused: never completes, still ours */
            break;
        }
        sent++;
    }
    return sent;
}

/* 255 transaction ids per channel: the sends after those wait in the
 * queue for an id (never refused); a zero-timeout request, which may not
 * queue, is refused; Disable cancels every one, in the ring or queued. */
static void test_transaction_ids_run_out_and_disable_cancels(void)
{
    boot();
    VMBCHANNEL ch = enabled_channel(sink_guid, 8);
    NTSTATUS st;
    CHECK_EQ(send_until_refused(ch, "pending", 8, 300, &st), 300);
    CHECK_EQ(st, STATUS_SUCCESS);
    LARGE_INTEGER no_wait = { 0 };
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "one more", 9, NULL, 0, NULL, NULL, &no_wait), STATUS_BUFFER_OVERFLOW);
    CHECK_EQ(counters().packets_sunk, 255);
    CHECK_EQ(sends_cancelled + sends_completed, 0);
    VmbChannelDisable(ch);
    CHECK_EQ(sends_cancelled, 300);
    CHECK_EQ(sends_completed, 0);
    VmbChannelCleanup(ch);
    shutdown();
}

/* A host that stops reading: sends queue at once (no waiting, no refusal)
 * and go out, in order, once the host reads again; a zero-timeout request
 * is refused rather than queued. */
static void test_full_ring_sends_queue_and_drain(void)
{
    boot();
    VMBCHANNEL ch = enabled_channel(sink_guid, 1);
    set_faults((struct hvsim_vmbus_faults){ .stop_reading = true });
    static char chunk[512];
    NTSTATUS st;
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(send_until_refused(ch, chunk, sizeof(chunk), 64, &st), 64);
    CHECK_EQ(st, STATUS_SUCCESS);
    CHECK(platform_time_ns() - t0 < 1000000, "no send waited");
    uint64_t in_ring = counters().packets_sunk;
    CHECK_EQ(in_ring, 0);
    LARGE_INTEGER no_wait = { 0 };
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, chunk, sizeof(chunk), NULL, 0, NULL, NULL, &no_wait),
             STATUS_BUFFER_OVERFLOW);

    set_faults((struct hvsim_vmbus_faults){ 0 });   /* the host catches up, and signals room */
    for (int i = 0; i < 100 && counters().packets_sunk < 64; i++)
        hvrt_sleep_us(1000);
    CHECK_EQ(counters().packets_sunk, 64);
    CHECK_EQ(sends_cancelled + sends_completed, 0);   /* the sink never completes */
    VmbChannelDisable(ch);
    CHECK_EQ(sends_cancelled, 64);
    VmbChannelCleanup(ch);
    shutdown();
}

/* A request that timed out: its answer arrives later and must be dropped,
 * not taken for the next request's. */
static void test_late_completion_is_ignored(void)
{
    boot();
    VMBCHANNEL ch = enabled_channel(echo_guid, 4);
    set_faults((struct hvsim_vmbus_faults){ .stop_reading = true });
    char reply[32] = { 0 };
    UINT32 size = sizeof(reply);
    LARGE_INTEGER timeout = { -1000000 };   /* 100 ms */
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "stale", 6, NULL, 0, reply, &size, &timeout), STATUS_CANCELLED);
    set_faults((struct hvsim_vmbus_faults){ 0 });   /* the echo answers "stale" now */
    CHECK_EQ(counters().packets_echoed, 1);
    size = sizeof(reply);
    CHECK_EQ(VmbChannelSendSynchronousRequest(ch, "fresh", 6, NULL, 0, reply, &size, &timeout), STATUS_SUCCESS);
    CHECK(size == padded(6) && strcmp(reply, "fresh") == 0, "its own answer: %s", reply);
    VmbChannelCleanup(ch);
    shutdown();
}

/* ---- Enable when the host says no ---- */

static void test_enable_failures_leave_nothing_behind(void)
{
    boot();
    VMBCHANNEL ch = configured_channel(echo_guid, 4);
    uint64_t pages_before = hosted_pages_in_use();
    set_faults((struct hvsim_vmbus_faults){ .refuse_open = true });
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);   /* at once; the open fails later */
    CHECK_EQ(HvrtChannelWaitOpened(ch, 1000), STATUS_UNSUCCESSFUL);
    VmbChannelDisable(ch);
    set_faults((struct hvsim_vmbus_faults){ .ignore_open = true });
    CHECK_EQ(VmbChannelEnable(ch), STATUS_SUCCESS);
    CHECK_EQ(HvrtChannelWaitOpened(ch, 10000), STATUS_IO_TIMEOUT);   /* the open waited 5 s */
    VmbChannelDisable(ch);
    set_faults((struct hvsim_vmbus_faults){ 0 });
    CHECK_EQ(enable(ch), STATUS_SUCCESS);   /* still configurable, opens once the host agrees */
    send_inband(ch, "works now");
    CHECK_EQ(packets_delivered, 1);
    VmbChannelDisable(ch);
    CHECK_EQ(hosted_pages_in_use(), pages_before);
    VmbChannelCleanup(ch);
    shutdown();
}

/* ---- GPADLs from an MDL, and from a buffer when something is wrong ---- */

static uint32_t host_gpadl_pages(UINT32 handle)
{
    struct hvsim_vmbus_gpadl_info g;
    for (uint32_t i = 0; hvsim_vmbus_gpadl_at(host, i, &g); i++)
        if (g.handle == handle)
            return g.page_count;
    return 0;
}

static void test_gpadls_from_mdls(void)
{
    boot();
    uint64_t gpa, pages_before = hosted_pages_in_use();
    uint8_t *pages = platform_pages_alloc(4, &gpa);
    VMBCHANNEL ch = enabled_channel(echo_guid, 4);
    UINT32 handle = 0;
    MDL whole = { NULL, pages, 0, 4 * PAGE };
    CHECK_EQ(VmbChannelCreateGpadlFromMdl(ch, 0, &whole, 0, 0, &handle), STATUS_SUCCESS);
    CHECK_EQ(host_gpadl_pages(handle), 4);
    VmbChannelDeleteGpadl(ch, handle);
    CHECK_EQ(VmbChannelCreateGpadlFromMdl(ch, VMBUS_CHANNEL_GPADL_FLAG_READ_ONLY, &whole, PAGE, 2 * PAGE, &handle),
             STATUS_SUCCESS);
    CHECK_EQ(host_gpadl_pages(handle), 2);
    VmbChannelDeleteGpadl(ch, handle);
    MDL tail = { NULL, pages, PAGE, 3 * PAGE };   /* ByteOffset whole pages in */
    CHECK_EQ(VmbChannelCreateGpadlFromMdl(ch, 0, &tail, PAGE, 0, &handle), STATUS_SUCCESS);
    CHECK_EQ(host_gpadl_pages(handle), 2);
    VmbChannelDeleteGpadl(ch, handle);
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 1);   /* only the ring's left */

    /* Ranges that leave the MDL would show the host memory the MDL does not describe. */
    MDL one_page = { NULL, pages, 0, PAGE };
    MDL chained = { &one_page, pages, 0, PAGE };
    MDL unaligned = { NULL, pages, 8, PAGE };
    static const char *names[] = { "NULL MDL", "chain", "offset past the MDL", "length past the MDL",
                                   "length not whole pages", "not page aligned", "no handle" };
    struct { PMDL mdl; UINT32 offset, length; PUINT32 handle; NTSTATUS expected; } bad[] = {
        { NULL, 0, 0, &handle, STATUS_INVALID_PARAMETER_3 },
        { &chained, 0, 0, &handle, STATUS_NOT_SUPPORTED },
        { &one_page, 2 * PAGE, 0, &handle, STATUS_INVALID_PARAMETER_4 },
        { &one_page, 0, 2 * PAGE, &handle, STATUS_INVALID_PARAMETER_5 },
        { &one_page, 0, 100, &handle, STATUS_INVALID_PARAMETER_5 },
        { &unaligned, 0, 0, &handle, STATUS_INVALID_PARAMETER_3 },
        { &one_page, 0, 0, NULL, STATUS_INVALID_PARAMETER },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        NTSTATUS st = VmbChannelCreateGpadlFromMdl(ch, 0, bad[i].mdl, bad[i].offset, bad[i].length, bad[i].handle);
        CHECK(st == bad[i].expected, "%s: 0x%x, expected 0x%x", names[i], (unsigned)st, (unsigned)bad[i].expected);
    }
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 1);
    VmbChannelCleanup(ch);
    platform_pages_free(pages, 4);
    CHECK_EQ(hosted_pages_in_use(), pages_before);
    shutdown();
}

static void test_gpadl_from_buffer_errors(void)
{
    boot();
    uint64_t gpa;
    uint8_t *pages = platform_pages_alloc(1, &gpa);
    UINT32 handle = 0;
    VMBCHANNEL ch = configured_channel(echo_guid, 4);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, PAGE, &handle), STATUS_INVALID_PARAMETER_1);   /* disabled */
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(NULL, 0, pages, PAGE, &handle), STATUS_INVALID_PARAMETER_1);
    CHECK_EQ(enable(ch), STATUS_SUCCESS);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0x80, pages, PAGE, &handle), STATUS_INVALID_PARAMETER_2);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, NULL, PAGE, &handle), STATUS_INVALID_PARAMETER_3);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, 0, &handle), STATUS_INVALID_PARAMETER_4);
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, PAGE, NULL), STATUS_INVALID_PARAMETER);

    /* 32 GPADLs per channel through the API; the 33rd is refused before the host hears of it. */
    UINT32 handles[32];
    for (int i = 0; i < 32; i++)
        CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, PAGE, &handles[i]), STATUS_SUCCESS);
    uint64_t created = counters().gpadls_created;
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, PAGE, &handle), STATUS_INSUFFICIENT_RESOURCES);
    CHECK_EQ(counters().gpadls_created, created);
    VmbChannelDeleteGpadl(ch, handles[0]);
    VmbChannelDeleteGpadl(ch, 0);            /* no handle: nothing */
    VmbChannelDeleteGpadl(ch, 0x7fffffff);   /* not ours: nothing */
    VmbChannelDeleteGpadl(NULL, handles[1]);
    CHECK_EQ(hvsim_vmbus_gpadl_count(host), 32);   /* 31 of ours and the ring's */

    /* The host never answers: the create times out. */
    set_faults((struct hvsim_vmbus_faults){ .ignore_gpadl = true });
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, PAGE, &handle), STATUS_IO_TIMEOUT);
    set_faults((struct hvsim_vmbus_faults){ 0 });

    /* Rescinded: no new GPADLs, and no 5 s wait for a host that will not answer. */
    struct vmbus_offer offer;
    CHECK(vmbus_offer_at(0, &offer), "the echo's offer");
    CHECK_EQ(hvsim_vmbus_rescind(host, offer.relid), 0);
    uint64_t t0 = platform_time_ns();
    CHECK_EQ(VmbChannelCreateGpadlFromBuffer(ch, 0, pages, PAGE, &handle), STATUS_DEVICE_REMOVED);
    CHECK(platform_time_ns() - t0 < 1000000000ull, "refused at once");
    VmbChannelCleanup(ch);
    platform_pages_free(pages, 1);
    shutdown();
}

/* NULL handles and calls in the wrong state are ignored, never a crash. */
static void test_void_calls_tolerate_null_and_wrong_state(void)
{
    VmbChannelDisable(NULL);
    VmbChannelCleanup(NULL);
    VmbChannelPause(NULL);
    VmbChannelStart(NULL);
    VmbChannelSetPointer(NULL, (PVOID)1);
    CHECK(VmbChannelGetPointer(NULL) == NULL, "no pointer without a channel");
    VMBCHANNEL ch = NULL;
    CHECK_EQ(VmbChannelAllocate(NULL, FALSE, &ch), STATUS_SUCCESS);
    VmbChannelDisable(ch);   /* already disabled */
    VmbChannelStart(ch);     /* not opened: nothing to start */
    VmbChannelSetPointer(ch, (PVOID)0x5678);
    CHECK(VmbChannelGetPointer(ch) == (PVOID)0x5678, "pointer kept");
    VmbChannelCleanup(ch);
}

int main(void)
{
    RUN_TEST(test_server_only_calls_are_not_supported);
    RUN_TEST(test_init_setters_only_while_disabled);
    RUN_TEST(test_init_setters_refuse_bad_arguments);
    RUN_TEST(test_queries_answer_as_documented);
    RUN_TEST(test_packet_fail_stops_the_queue);
    RUN_TEST(test_packets_without_a_callback_complete_at_once);
    RUN_TEST(test_external_mdl_reaches_the_host);
    RUN_TEST(test_send_refuses_bad_arguments);
    RUN_TEST(test_transaction_ids_run_out_and_disable_cancels);
    RUN_TEST(test_full_ring_sends_queue_and_drain);
    RUN_TEST(test_late_completion_is_ignored);
    RUN_TEST(test_enable_failures_leave_nothing_behind);
    RUN_TEST(test_gpadls_from_mdls);
    RUN_TEST(test_gpadl_from_buffer_errors);
    RUN_TEST(test_void_calls_tolerate_null_and_wrong_state);
    return check_summary();
}
