/* Shows the synthetic NICs: name, MAC, MTU, link and its speed, the NVSP
 * version, and the frame counters with every drop reason that happened.
 * Brings the NICs up (hvrt/net.h) if nothing did yet. */
#include <stdio.h>

#include <hvrt/net.h>
#include <hvrt/runtime.h>

static void show(struct hvrt_nic *nic)
{
    uint8_t mac[6];
    struct hvrt_net_counters c;
    uint32_t v = hvrt_net_nvsp_version(nic);
    hvrt_net_mac(nic, mac);
    hvrt_net_get_counters(nic, &c);
    printf("%s: MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s", hvrt_net_name(nic), mac[0], mac[1], mac[2],
           mac[3], mac[4], mac[5], (unsigned)hvrt_net_mtu(nic),
           !hvrt_net_present(nic) ? "gone (removed by the host)" : hvrt_net_link_up(nic) ? "up" : "down");
    if (hvrt_net_link_speed(nic) != 0)
        printf(" at %u Mb/s", (unsigned)(hvrt_net_link_speed(nic) / 10000));
    /* NVSP 1 is 0x2; the others are (major << 16) | minor */
    printf(", NVSP %u.%u\n", v == 2 ? 1 : (unsigned)(v >> 16), v == 2 ? 0 : (unsigned)(v & 0xffff));
    printf("  in:  %llu frames, %llu bytes (%llu receive packets)\n", (unsigned long long)c.rx_frames,
           (unsigned long long)c.rx_bytes, (unsigned long long)c.rx_packets);
    printf("  out: %llu frames, %llu bytes, %llu completed (%llu waited for a section, %llu GPA-direct)\n",
           (unsigned long long)c.tx_frames, (unsigned long long)c.tx_bytes, (unsigned long long)c.tx_completed,
           (unsigned long long)c.tx_queued, (unsigned long long)c.tx_gpa_direct);
    printf("  link changes %llu, control errors %llu\n", (unsigned long long)c.link_changes,
           (unsigned long long)c.control_errors);
    for (int d = 0; d < HVRT_NET_DROP_COUNT; d++)
        if (c.drops[d] != 0)
            printf("  dropped (%s): %llu\n", hvrt_net_drop_name((enum hvrt_net_drop)d),
                   (unsigned long long)c.drops[d]);
}

static int netinfo_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    unsigned n = hvrt_net_count();
    if (n == 0) {
        printf("netinfo: no network adapter (no synthetic NIC offered, or no VMBus)\n");
        return 1;
    }
    for (unsigned i = 0; i < n; i++)
        show(hvrt_net_get(i));
    return 0;
}

HVRT_APP("netinfo", netinfo_main, "the synthetic NICs: MAC, MTU, link, counters");
