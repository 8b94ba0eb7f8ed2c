/* Connects to VMBus and lists what the host offers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "vmbus/vmbus.h"

static void print_guid(const struct vmbus_guid *g)
{
    printf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)g->data1, g->data2, g->data3,
           g->data4[0], g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5], g->data4[6],
           g->data4[7]);
}

static int parse_version(const char *s, uint32_t *out)
{
    char *end;
    unsigned long major = strtoul(s, &end, 10), minor = 0;
    if (end == s || (*end != '.' && *end != '\0'))
        return -1;
    if (*end == '.')
        minor = strtoul(end + 1, &end, 10);
    if (*end != '\0' || major > 0xffff || minor > 0xffff)
        return -1;
    *out = VMBUS_VERSION(major, minor);
    return 0;
}

static int vmbus_info_main(int argc, char **argv)
{
    struct vmbus_connect_options opt = { 0, 0 };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--max-version") == 0 && i + 1 < argc && parse_version(argv[i + 1], &opt.highest_version) == 0) {
            i++;
        } else {
            fprintf(stderr, "usage: vmbus-info [--max-version MAJOR.MINOR]\n");
            return HVRT_EXIT_USAGE;
        }
    }
    int status = vmbus_connect(&opt);
    if (status != VMBUS_OK) {
        printf("vmbus-info: no VMBus connection: %s\n", vmbus_status_name(status));
        return 1;
    }
    uint32_t v = vmbus_version();
    printf("VMBus %u.%u, message connection id %u\n", VMBUS_VERSION_MAJOR(v), VMBUS_VERSION_MINOR(v),
           vmbus_message_connection_id());
    unsigned n = vmbus_offer_count();
    printf("%u offer%s\n", n, n == 1 ? "" : "s");
    struct vmbus_offer o;
    for (unsigned i = 0; vmbus_offer_at(i, &o); i++) {
        const char *name = vmbus_class_name(&o.class_id);
        printf("  relid %-4u %-22s class ", o.relid, name ? name : "(unknown class)");
        print_guid(&o.class_id);
        printf(" instance ");
        print_guid(&o.instance_id);
        printf(" conn %u%s%s\n", o.connection_id, o.sub_channel_index ? " sub-channel" : "",
               o.dedicated_interrupt ? " dedicated" : "");
    }
    return 0;
}

HVRT_APP("vmbus-info", vmbus_info_main, "connect to VMBus and list the offered channels [--max-version M.m]");
