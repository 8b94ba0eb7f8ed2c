/* vmbus/vmbus_msgs.h against the reference's tables: messages are built or
 * parsed as raw bytes at the documented offsets, so a struct that drifted
 * from the wire would fail here even if its _Static_asserts were edited. */
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "vmbus/vmbus_msgs.h"

static uint32_t get32(const uint8_t *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p + off, 4);
    return v;
}

static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }

static void test_sizes_match_the_reference(void)
{
    CHECK_EQ(sizeof(struct vmbus_msg_header), 8);
    CHECK_EQ(sizeof(struct vmbus_msg_offer), 196);
    CHECK_EQ(sizeof(struct vmbus_msg_rescind), 12);
    CHECK_EQ(sizeof(struct vmbus_msg_request_offers), 8);
    CHECK_EQ(VMBUS_MSG_OPEN_CHANNEL_SIZE, 148);
    CHECK_EQ(sizeof(struct vmbus_msg_open_channel), 156);
    CHECK_EQ(sizeof(struct vmbus_msg_open_result), 20);
    CHECK_EQ(sizeof(struct vmbus_msg_close_channel), 12);
    CHECK_EQ(sizeof(struct vmbus_msg_gpadl_header), 20);
    CHECK_EQ(sizeof(struct vmbus_msg_gpadl_body), 16);
    CHECK_EQ(sizeof(struct vmbus_msg_gpadl_created), 20);
    CHECK_EQ(sizeof(struct vmbus_msg_gpadl_teardown), 16);
    CHECK_EQ(sizeof(struct vmbus_msg_gpadl_torndown), 12);
    CHECK_EQ(sizeof(struct vmbus_msg_relid_released), 12);
    CHECK_EQ(VMBUS_MSG_INITIATE_CONTACT_SIZE, 40);
    CHECK_EQ(sizeof(struct vmbus_msg_initiate_contact), 56);
    CHECK_EQ(sizeof(struct vmbus_msg_version_response), 40);
    CHECK_EQ(sizeof(struct vmbus_msg_open_reserved), 28);
    CHECK_EQ(sizeof(struct vmbus_msg_close_reserved), 20);
    CHECK_EQ(sizeof(struct vmbus_msg_close_reserved_response), 12);
    CHECK_EQ(VMBUS_MSG_TL_CONNECT_REQUEST_SIZE, 40);
    CHECK_EQ(sizeof(struct vmbus_msg_tl_connect_request), 56);
    CHECK_EQ(sizeof(struct vmbus_msg_tl_connect_result), 44);
    CHECK_EQ(sizeof(struct vmbus_msg_modify_channel), 16);
    CHECK_EQ(sizeof(struct vmbus_msg_modify_channel_response), 16);
    CHECK_EQ(sizeof(struct vmbus_msg_modify_connection), 24);
    CHECK_EQ(sizeof(struct vmbus_msg_modify_connection_response), 9);
    CHECK_EQ(VMBUS_MSG_MAX_SIZE, 240);
}

static void test_message_type_numbers(void)
{
    CHECK_EQ(VMBUS_MSG_OFFERCHANNEL, 1);
    CHECK_EQ(VMBUS_MSG_REQUESTOFFERS, 3);
    CHECK_EQ(VMBUS_MSG_OPENCHANNEL, 5);
    CHECK_EQ(VMBUS_MSG_CLOSECHANNEL, 7);
    CHECK_EQ(VMBUS_MSG_GPADL_HEADER, 8);
    CHECK_EQ(VMBUS_MSG_GPADL_TORNDOWN, 12);
    CHECK_EQ(VMBUS_MSG_INITIATE_CONTACT, 14);
    CHECK_EQ(VMBUS_MSG_VERSION_RESPONSE, 15);
    CHECK_EQ(VMBUS_MSG_UNLOAD_RESPONSE, 17);
    CHECK_EQ(VMBUS_MSG_MODIFYCHANNEL, 22);
    CHECK_EQ(VMBUS_MSG_TL_CONNECT_RESULT, 23);
    CHECK_EQ(VMBUS_MSG_MODIFYCHANNEL_RESPONSE, 24);
    CHECK_EQ(VMBUS_MSG_MODIFY_CONNECTION_RESPONSE, 26);
    CHECK_EQ(VMBUS_MSG_RESUME, 29);
}

static void test_versions_and_connection_ids(void)
{
    CHECK_EQ(VMBUS_VERSION_WS2008, 0x0000000D);
    CHECK_EQ(VMBUS_VERSION_WIN7, 0x00010001);
    CHECK_EQ(VMBUS_VERSION_WIN8, 0x00020004);
    CHECK_EQ(VMBUS_VERSION_WIN8_1, 0x00030000);
    CHECK_EQ(VMBUS_VERSION_WIN10, 0x00040000);
    CHECK_EQ(VMBUS_VERSION_WIN10_V4_1, 0x00040001);
    CHECK_EQ(VMBUS_VERSION_WIN10_V5, 0x00050000);
    CHECK_EQ(VMBUS_VERSION_WIN10_V5_1, 0x00050001);
    CHECK_EQ(VMBUS_VERSION_WIN10_V5_2, 0x00050002);
    CHECK_EQ(VMBUS_VERSION_WIN10_V5_3, 0x00050003);
    CHECK_EQ(VMBUS_VERSION_COPPER, 0x00060000);
    CHECK_EQ(VMBUS_VERSION_MAJOR(VMBUS_VERSION_WIN8), 2);
    CHECK_EQ(VMBUS_VERSION_MINOR(VMBUS_VERSION_WIN8), 4);
    CHECK_EQ(VMBUS_SINT, 2);
    CHECK_EQ(VMBUS_CONNID_MESSAGE, 1);
    CHECK_EQ(VMBUS_CONNID_EVENT, 2);
    CHECK_EQ(VMBUS_CONNID_MONITOR, 3);
    CHECK_EQ(VMBUS_CONNID_MULTICLIENT, 4);
}

/* A QEMU-style 200-byte offer written byte by byte at the reference offsets. */
static void test_offer_parses_from_wire_bytes(void)
{
    uint8_t raw[200];
    memset(raw, 0, sizeof(raw));
    put32(raw, 0, VMBUS_MSG_OFFERCHANNEL);
    static const uint8_t nic[16] = { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
                                     0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e };
    memcpy(raw + 8, nic, 16);
    raw[24] = 0xAA;
    put16(raw, 56, VMBUS_OFFER_FLAG_NAMED_PIPE | VMBUS_OFFER_FLAG_ENUMERATE_INTERFACE);
    put16(raw, 58, 7);
    put32(raw, 60, VMBUS_PIPE_MODE_MESSAGE);
    put16(raw, 180, 3);
    put32(raw, 184, 0x123);
    raw[188] = 40;
    raw[189] = 1;
    put16(raw, 190, 1);
    put32(raw, 192, 0x2001);

    struct vmbus_msg_offer o;
    memcpy(&o, raw, sizeof(o));
    struct vmbus_guid want = VMBUS_CLASS_NETWORK;
    CHECK(vmbus_guid_equal(&o.type, &want), "offer type GUID at 8");
    CHECK_EQ(o.instance.data1 & 0xFF, 0xAA);
    CHECK_EQ(o.flags, 0x11);
    CHECK_EQ(o.mmio_megabytes, 7);
    CHECK_EQ(get32(o.user_data, 0), VMBUS_PIPE_MODE_MESSAGE);
    CHECK_EQ(o.sub_channel_index, 3);
    CHECK_EQ(o.child_relid, 0x123);
    CHECK_EQ(o.monitor_id, 40);
    CHECK_EQ(o.monitor_allocated, 1);
    CHECK_EQ(o.is_dedicated_interrupt, 1);
    CHECK_EQ(o.connection_id, 0x2001);
    CHECK_EQ(strcmp(vmbus_class_name(&o.type), "network"), 0);
}

static void test_open_channel_to_wire_bytes(void)
{
    struct vmbus_msg_open_channel m;
    memset(&m, 0, sizeof(m));
    m.hdr.type = VMBUS_MSG_OPENCHANNEL;
    m.child_relid = 5;
    m.open_id = 6;
    m.ring_gpadl = 0xE1E10;
    m.target_vp = 1;
    m.downstream_page_offset = 4;
    m.user_data[0] = 0x77;
    m.connection_id = 0x99;
    m.event_flag = 0x1234;
    m.flags = VMBUS_OPEN_FLAG_REDIRECT_INTERRUPT;
    const uint8_t *raw = (const uint8_t *)&m;
    CHECK_EQ(get32(raw, 0), 5);
    CHECK_EQ(get32(raw, 8), 5);
    CHECK_EQ(get32(raw, 12), 6);
    CHECK_EQ(get32(raw, 16), 0xE1E10);
    CHECK_EQ(get32(raw, 20), 1);
    CHECK_EQ(get32(raw, 24), 4);
    CHECK_EQ(raw[28], 0x77);
    CHECK_EQ(get32(raw, 148), 0x99);
    CHECK_EQ(get32(raw, 152), 0x00011234);   /* event flag 152, flags 154 */
}

static void test_initiate_contact_to_wire_bytes(void)
{
    struct vmbus_msg_initiate_contact m;
    memset(&m, 0, sizeof(m));
    m.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
    m.version = VMBUS_VERSION_COPPER;
    m.target_vp = 3;
    m.msg_sint = VMBUS_SINT;
    m.msg_vtl = 0;
    m.feature_flags = VMBUS_FEATURE_GUEST_SIGNAL_PARAMS | VMBUS_FEATURE_CLIENT_ID;
    m.monitor_page1 = 0x1000;
    m.monitor_page2 = 0x2000;
    const uint8_t *raw = (const uint8_t *)&m;
    CHECK_EQ(get32(raw, 8), 0x00060000);
    CHECK_EQ(get32(raw, 12), 3);
    CHECK_EQ(raw[16], 2);
    CHECK_EQ(raw[17], 0);
    CHECK_EQ(get32(raw, 20), 0x9);
    CHECK_EQ(get32(raw, 24), 0x1000);
    CHECK_EQ(get32(raw, 32), 0x2000);
    /* Before 5.0 the same 8 bytes are the interrupt page GPA. */
    m.interrupt_page = 0x1122334455667788ull;
    CHECK_EQ(get32(raw, 16), 0x55667788);
    CHECK_EQ(get32(raw, 20), 0x11223344);
}

static void test_version_response_from_wire_bytes(void)
{
    uint8_t raw[40];
    memset(raw, 0, sizeof(raw));
    put32(raw, 0, VMBUS_MSG_VERSION_RESPONSE);
    raw[8] = 1;
    raw[9] = VMBUS_CONNECTION_LOW_RESOURCES;
    put32(raw, 12, 4);
    put32(raw, 16, VMBUS_FEATURE_SERVER_MONITOR_PAGES);
    put32(raw, 24, 0xABC000);
    put32(raw, 32, 0xDEF000);
    struct vmbus_msg_version_response v;
    memcpy(&v, raw, sizeof(v));
    CHECK_EQ(v.version_supported, 1);
    CHECK_EQ(v.connection_state, 1);
    CHECK_EQ(v.msg_conn_id, 4);
    CHECK_EQ(v.supported_features, 0x40);
    CHECK_EQ(v.monitor_page1, 0xABC000);
    CHECK_EQ(v.monitor_page2, 0xDEF000);
}

static void test_small_messages_field_offsets(void)
{
    CHECK_EQ(offsetof(struct vmbus_msg_rescind, child_relid), 8);
    CHECK_EQ(offsetof(struct vmbus_msg_open_result, status), 16);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_header, range_buflen), 16);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_header, range_count), 18);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_body, msgnum), 8);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_body, gpadl), 12);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_created, gpadl), 12);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_created, status), 16);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_teardown, gpadl), 12);
    CHECK_EQ(offsetof(struct vmbus_msg_gpadl_torndown, gpadl), 8);
    CHECK_EQ(offsetof(struct vmbus_msg_open_reserved, target_sint), 16);
    CHECK_EQ(offsetof(struct vmbus_msg_open_reserved, downstream_page_offset), 24);
    CHECK_EQ(offsetof(struct vmbus_msg_close_reserved, target_sint), 16);
    CHECK_EQ(offsetof(struct vmbus_msg_tl_connect_request, endpoint_id), 8);
    CHECK_EQ(offsetof(struct vmbus_msg_tl_connect_request, silo_id), 40);
    CHECK_EQ(offsetof(struct vmbus_msg_tl_connect_result, service_id), 24);
    CHECK_EQ(offsetof(struct vmbus_msg_tl_connect_result, status), 40);
    CHECK_EQ(offsetof(struct vmbus_msg_modify_channel, target_vp), 12);
    CHECK_EQ(offsetof(struct vmbus_msg_modify_channel_response, status), 12);
    CHECK_EQ(offsetof(struct vmbus_msg_modify_connection, monitor_page1), 8);
    CHECK_EQ(offsetof(struct vmbus_msg_modify_connection_response, connection_state), 8);
    CHECK_EQ(offsetof(struct vmbus_msg_version_response, supported_features), 16);
    CHECK_EQ(offsetof(struct vmbus_msg_initiate_contact, client_id), 40);
}

static void test_guid_wire_byte_order(void)
{
    static const uint8_t want[16] = { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
                                      0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e };
    struct vmbus_guid nic = VMBUS_CLASS_NETWORK;
    CHECK(memcmp(&nic, want, 16) == 0, "f8615163-df3e-46c5-913f-f2d2f965ed0e in wire order");
    struct vmbus_guid hb = VMBUS_CLASS_HEARTBEAT;
    const uint8_t *b = (const uint8_t *)&hb;
    CHECK_EQ(b[0], 0x39);
    CHECK_EQ(b[3], 0x57);
    CHECK_EQ(b[4], 0x15);
    CHECK_EQ(b[6], 0x78);
    CHECK_EQ(b[8], 0xab);
    CHECK_EQ(b[15], 0x2d);
}

static void test_class_table_names_and_lookup(void)
{
    size_t n;
    const struct vmbus_class *t = vmbus_class_table(&n);
    CHECK_EQ(n, 20);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            CHECK(!vmbus_guid_equal(&t[i].guid, &t[j].guid), "%s and %s share a GUID",
                  t[i].name, t[j].name);
            CHECK(strcmp(t[i].name, t[j].name) != 0, "name %s twice", t[i].name);
        }
    struct vmbus_guid g;
    static const uint8_t shutdown[16] = { 0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,
                                          0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb };
    memcpy(&g, shutdown, 16);
    CHECK(vmbus_class_name(&g) && strcmp(vmbus_class_name(&g), "shutdown") == 0, "shutdown");
    struct vmbus_guid kvp = VMBUS_CLASS_KVP, ts = VMBUS_CLASS_TIMESYNC;
    CHECK_EQ(strcmp(vmbus_class_name(&kvp), "kvp"), 0);
    CHECK_EQ(strcmp(vmbus_class_name(&ts), "timesync"), 0);
    g.data4[7] ^= 1;
    CHECK(vmbus_class_name(&g) == NULL, "a GUID one bit off is unknown");
    struct vmbus_guid inst = VMBUS_INSTANCE_HEARTBEAT;
    CHECK(vmbus_class_name(&inst) == NULL, "instance GUIDs are not classes");
    CHECK_EQ(inst.data1, 0xfd149e91u);
}

static void test_flag_values(void)
{
    CHECK_EQ(VMBUS_OFFER_FLAG_NAMED_PIPE, 0x10);
    CHECK_EQ(VMBUS_OFFER_FLAG_MONITORED_NOTIFY, 0x400);
    CHECK_EQ(VMBUS_OFFER_FLAG_TLNPI_PROVIDER, 0x2000);
    CHECK_EQ(VMBUS_FEATURE_MODIFY_CONNECTION, 0x4);
    CHECK_EQ(VMBUS_FEATURE_GPA_PINNING, 0x80);
    CHECK_EQ(VMBUS_TARGET_VP_NONE, 0xFFFFFFFFu);
}

int main(void)
{
    RUN_TEST(test_sizes_match_the_reference);
    RUN_TEST(test_message_type_numbers);
    RUN_TEST(test_versions_and_connection_ids);
    RUN_TEST(test_offer_parses_from_wire_bytes);
    RUN_TEST(test_open_channel_to_wire_bytes);
    RUN_TEST(test_initiate_contact_to_wire_bytes);
    RUN_TEST(test_version_response_from_wire_bytes);
    RUN_TEST(test_small_messages_field_offsets);
    RUN_TEST(test_guid_wire_byte_order);
    RUN_TEST(test_class_table_names_and_lookup);
    RUN_TEST(test_flag_values);
    return check_summary();
}
