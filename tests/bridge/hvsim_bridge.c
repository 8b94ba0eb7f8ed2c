/* hvsim-bridge: the host side of the bridged platform. QEMU runs the real
 * hvrt image (TCG) with its RAM in a shared file; this process maps that
 * file, so a guest physical address is a file offset, and plays Hyper-V
 * with the same hvsim library and VMBus host the hosted tests use. The
 * guest hands over what TCG cannot do (CPUID leaves, synthetic MSRs,
 * hypercalls, the TSC hvsim's clock runs on) through a mailbox page;
 * hvsim's interrupts go back as bytes on the guest's COM2. Protocol:
 * arch/x86_64/hyperv/bridge_abi.h. Usage: see usage() or docs/testing.md.
 *
 * hvsim's clock follows real time here: each pass of the loop advances it
 * to the time since start, so timers, heartbeats and delays behave as they
 * would on a host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/hyperv/bridge_abi.h"
#include "tests/hvsim/hv_wire.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/vmbus_host.h"
#include "tests/hvsim/vmbus_ic.h"
#include "tests/hvsim/dev_netvsc.h"
#include "tests/hvsim/storage.h"
#include "tests/hvsim/dev_hvsock.h"

#define VP 0
#define WAIT_FOR_QEMU_S 30
#define SPIN_BEFORE_SLEEP_NS 2000000ull   /* guests ask in bursts: stay awake 2 ms after one */
#define INITIATIVE_EVERY_NS 1000000ull    /* the host's own moves: looked at once a millisecond */
#define MAX_RELID 2047u                   /* relids run 1..2047 (vmbus_host.h) */

struct options {
    const char *mem_path, *serial_path;
    enum hvsim_vmbus_flavor flavor;
    uint32_t max_version;       /* 0: the flavour's */
    char devices[128];
    long shutdown_after_ms;     /* -1: never ask the guest to shut down */
    /* A hostile host (hvsim's fault switches; docs/testing.md) */
    uint32_t lose_interrupts;   /* VMBus SINT interrupts to lose, from the start */
    uint32_t busy_posts;        /* INSUFFICIENT_BUFFERS this many times before each guest message */
    uint32_t reply_delay_ms;    /* every host->guest message this late */
    uint32_t spurious_every_ms; /* a VMBus SINT interrupt with nothing behind it, this often */
    bool duplicate_replies, reorder_replies;   /* every host->guest message type */
    long rescind_after_ms;      /* -1: never; else rescind the first channel that opens, this much later */
    long offer_late_ms;         /* -1: offer everything at once; else the test device this late */
    uint32_t stall_ms;          /* stop reading the first opened test device's ring this long, */
    uint32_t stall_after;       /* once it has read this many packets */
    const char *tap;            /* netvsc's frames to and from this TAP interface (NULL: the in-process port) */
    bool require_client_id;     /* a 6.0 host that wants the 56-byte INITIATE_CONTACT */
    bool kvp_host_info;         /* the host SETs HostName, VirtualMachineName, VirtualMachineId in pool 3 */
    uint64_t tsc_hz;            /* the TSC rate the frequency MSR states; 0: the host's, measured */
    bool no_frequency_msrs;     /* a host that does not grant the frequency MSRs (CPUID 0x40000003) */
    bool verbose;
    /* --disk FILE[:ro]: LUNs 0, 1, ... of one SCSI controller; a .vhd is a fixed VHD */
    const char *disks[8];
    bool disk_ro[8];
    uint32_t disk_count;
    const char *hvsock_path;    /* --hvsock: hv_sock's host ends as Unix sockets (Firecracker's scheme) */
    uint32_t hvsock_echo[4];    /* --hvsock-echo PORT: the host echoes guest connections to PORT */
    uint32_t hvsock_echo_count;
    uint32_t hvsock_talk_port;  /* --hvsock-talk PORT:N: the host connects N times to the guest's PORT */
    uint32_t hvsock_talk_count;
};

#define HVSOCK_TALK_MAX 16u
/* --hvsock-talk: the host's connections to a guest service and what came back. */
struct hvsock_talk {
    uint64_t due_ns;                   /* 0: not yet scheduled */
    bool started, finished;
    uint32_t ids[HVSOCK_TALK_MAX];
    char sent[HVSOCK_TALK_MAX][32], back[HVSOCK_TALK_MAX][32];
    uint32_t got[HVSOCK_TALK_MAX];
    bool ended[HVSOCK_TALK_MAX];
};

struct bridge {
    struct options opt;
    int sock;
    uint8_t *ram;
    uint64_t ram_size;
    struct hvsim *sim;
    struct hvsim_vmbus *vb;
    struct hvsim_storage *storage;   /* with --disk */
    int tap_fd;                      /* with --tap: a frame from Linux wakes the loop; else -1 */
    struct hvsim_hvsock *hvsock;     /* with --hvsock */
    struct bridge_mailbox *mailbox;   /* NULL until the guest says hello */
    char line[128];
    size_t line_len;
    uint64_t start_ns, last_activity_ns, next_initiative_ns;
    uint32_t vector_in_flight;         /* 0: none */
    uint64_t interrupts, doorbells, requests_by_op[BRIDGE_OP_COUNT];
    uint32_t crashes_seen;
    uint32_t version_seen;             /* the VMBus version last connected at */
    uint64_t next_spurious_ns;
    uint32_t rescind_relid;            /* the channel to rescind, once open */
    uint64_t rescind_due_ns;
    bool rescinded;
    struct hvsim_vmbus_faults faults;  /* as last set */
    struct hvsim_vmbus_device late_device;   /* --offer-late: held back until due */
    bool late_pending;
    uint64_t late_due_ns;
    uint32_t stall_relid;              /* --stall-ms: the channel whose ring is not read */
    uint64_t stall_until_ns;
    bool stall_done;
    uint64_t spurious_raised;
    uint32_t shutdown_relid;
    uint64_t shutdown_due_ns;          /* 0: not yet scheduled */
    bool shutdown_sent;
    struct hvsock_talk talk;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hvsim: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(int status)
{
    fprintf(status == 0 ? stdout : stderr,
            "usage: hvsim-bridge --mem FILE --serial SOCKET [--vmbus hyperv|qemu] [--max-version MAJOR.MINOR]\n"
            "                    [--devices LIST] [--shutdown-after MS] [--verbose] [hostile-host options]\n"
            "  --mem FILE          QEMU's guest RAM (memory-backend-file, share=on)\n"
            "  --serial SOCKET     the unix socket of the guest's COM2 (QEMU is the server)\n"
            "  --vmbus             which host to play: Hyper-V (default, up to 6.0) or QEMU (up to 4.0)\n"
            "  --max-version       the highest VMBus version the host accepts\n"
            "  --devices           offered devices, comma-separated, from: echo sink source heartbeat\n"
            "                      shutdown timesync kvp netvsc (default: echo,heartbeat,shutdown,timesync,kvp)\n"
            "  --tap NAME          netvsc's frames go to and come from the TAP interface NAME (created\n"
            "                      if missing; root; put it in a network namespace of your own)\n"
            "  --shutdown-after MS ask the guest to shut down MS ms after its shutdown service is up\n"
            "  --disk FILE[:ro]    a SCSI disk backed by FILE (raw, or a fixed VHD if it ends in .vhd), LUN 0\n"
            "                      for the first, 1 for the next, ...; ':ro' makes it read-only. With any\n"
            "                      --disk, a storvsc controller is offered (e.g. --disk build/disk/hvrt.raw:ro,\n"
            "                      the image's own boot disk)\n"
            "  --hvsock PATH       hv_sock: host programs connect to the Unix socket PATH and write\n"
            "                      'CONNECT <port>\\n' (answered 'OK <n>\\n' once the guest accepts); a guest\n"
            "                      connecting to port P reaches the program listening at PATH_P\n"
            "  --hvsock-echo PORT  hv_sock: the host echoes every guest connection to vsock port PORT\n"
            "  --hvsock-talk PORT:N hv_sock: 500 ms after the guest connected to VMBus, the host connects N\n"
            "                      times (at most 16) to the guest's vsock port PORT, sends a line and its\n"
            "                      FIN on each, and checks that the same line comes back (hvsock-echo serve);\n"
            "                      the guest has 30 s to open each (Hyper-V's, not OpenVMM's 5 s)\n"
            "  a hostile host:\n"
            "  --lose-interrupts N the first N interrupts of the VMBus SINT go nowhere (the guest must poll)\n"
            "  --busy-posts N      refuse each guest message N times with INSUFFICIENT_BUFFERS first\n"
            "  --reply-delay-ms N  deliver every host message N ms late\n"
            "  --duplicate-replies send every host message twice\n"
            "  --reorder-replies   hold each host message back until the next one has gone\n"
            "  --spurious-every-ms N  raise the VMBus SINT with nothing behind it every N ms\n"
            "  --rescind-after MS  rescind the first channel the guest opens (not an IC), MS ms after\n"
            "  --offer-late MS     offer the test device (echo, sink or source) only MS ms after the guest\n"
            "                      connected, as a device added to a running VM (a late offer)\n"
            "  --stall-ms MS[@N]   stop reading the ring of the first test device the guest opens for MS\n"
            "                      ms, once N packets came through it (default 0), then read it all (the\n"
            "                      guest's sends meet a full ring meanwhile)\n"
            "  --require-client-id refuse a 6.0 INITIATE_CONTACT without a client id (Hyper-V 6.0)\n"
            "  --kvp-host-info     SET the host's facts (HostName, VirtualMachineName, ...) in KVP pool 3\n"
            "  --tsc-hz HZ         the guest's TSC rate, as the frequency MSR states it (default: this\n"
            "                      machine's TSC rate, measured: TCG's guest TSC is the host's; under\n"
            "                      QEMU -icount shift=0 it is 1000000000)\n"
            "  --no-frequency-msrs a host that does not grant the TSC/APIC frequency MSRs (CPUID\n"
            "                      0x40000003 EAX bit 11, EDX bit 8): the guest measures its TSC\n"
            "  --verbose           hvsim's own log too\n");
    exit(status);
}

/* A whole non-negative decimal number, or the usage with what was wrong. */
static uint32_t number(const char *option, const char *value)
{
    char *end;
    unsigned long n = strtoul(value, &end, 10);
    if (value[0] == '-' || *end != '\0' || end == value || n > UINT32_MAX) {
        fprintf(stderr, "hvsim-bridge: %s wants a number, not '%s'\n", option, value);
        usage(2);
    }
    return (uint32_t)n;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->flavor = HVSIM_VMBUS_HYPERV;
    o->shutdown_after_ms = -1;
    o->rescind_after_ms = -1;
    o->offer_late_ms = -1;
    snprintf(o->devices, sizeof(o->devices), "echo,heartbeat,shutdown,timesync,kvp");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0)
            usage(0);
        else if (strcmp(a, "--verbose") == 0)
            o->verbose = true;
        else if (strcmp(a, "--duplicate-replies") == 0)
            o->duplicate_replies = true;
        else if (strcmp(a, "--reorder-replies") == 0)
            o->reorder_replies = true;
        else if (strcmp(a, "--require-client-id") == 0)
            o->require_client_id = true;
        else if (strcmp(a, "--kvp-host-info") == 0)
            o->kvp_host_info = true;
        else if (strcmp(a, "--no-frequency-msrs") == 0)
            o->no_frequency_msrs = true;
        else if (v == NULL) {
            fprintf(stderr, "hvsim-bridge: unknown option, or %s needs a value\n", a);
            usage(2);
        } else if (i++, strcmp(a, "--mem") == 0)
            o->mem_path = v;
        else if (strcmp(a, "--serial") == 0)
            o->serial_path = v;
        else if (strcmp(a, "--vmbus") == 0 && strcmp(v, "hyperv") == 0)
            o->flavor = HVSIM_VMBUS_HYPERV;
        else if (strcmp(a, "--vmbus") == 0 && strcmp(v, "qemu") == 0)
            o->flavor = HVSIM_VMBUS_QEMU;
        else if (strcmp(a, "--max-version") == 0) {
            unsigned major, minor;
            if (sscanf(v, "%u.%u", &major, &minor) != 2) {
                fprintf(stderr, "hvsim-bridge: --max-version wants MAJOR.MINOR, not '%s'\n", v);
                usage(2);
            }
            o->max_version = VBW_V(major, minor);
        } else if (strcmp(a, "--devices") == 0)
            snprintf(o->devices, sizeof(o->devices), "%s", v);
        else if (strcmp(a, "--shutdown-after") == 0)
            o->shutdown_after_ms = number(a, v);
        else if (strcmp(a, "--lose-interrupts") == 0)
            o->lose_interrupts = number(a, v);
        else if (strcmp(a, "--busy-posts") == 0)
            o->busy_posts = number(a, v);
        else if (strcmp(a, "--reply-delay-ms") == 0)
            o->reply_delay_ms = number(a, v);
        else if (strcmp(a, "--spurious-every-ms") == 0)
            o->spurious_every_ms = number(a, v);
        else if (strcmp(a, "--rescind-after") == 0)
            o->rescind_after_ms = number(a, v);
        else if (strcmp(a, "--tap") == 0)
            o->tap = v;
        else if (strcmp(a, "--offer-late") == 0)
            o->offer_late_ms = number(a, v);
        else if (strcmp(a, "--stall-ms") == 0) {
            char ms[32], *at;
            snprintf(ms, sizeof(ms), "%s", v);
            if ((at = strchr(ms, '@')) != NULL) {
                *at = '\0';
                o->stall_after = number(a, at + 1);
            }
            o->stall_ms = number(a, ms);
        }
        else if (strcmp(a, "--tsc-hz") == 0) {
            char *end;
            o->tsc_hz = strtoull(v, &end, 10);
            if (*end != '\0' || o->tsc_hz <= 10000000ull) {
                fprintf(stderr, "hvsim-bridge: --tsc-hz wants a rate above 10 MHz in Hz, not '%s'\n", v);
                usage(2);
            }
        }
        else if (strcmp(a, "--disk") == 0 && o->disk_count < 8) {
            size_t n = strlen(v);
            bool ro = n > 3 && strcmp(v + n - 3, ":ro") == 0;
            char *path = strndup(v, ro ? n - 3 : n);
            o->disk_ro[o->disk_count] = ro;
            o->disks[o->disk_count++] = path;
        } else if (strcmp(a, "--hvsock") == 0)
            o->hvsock_path = v;
        else if (strcmp(a, "--hvsock-echo") == 0 && o->hvsock_echo_count < 4)
            o->hvsock_echo[o->hvsock_echo_count++] = number(a, v);
        else if (strcmp(a, "--hvsock-talk") == 0) {
            unsigned port, n;
            char extra;
            if (sscanf(v, "%u:%u%c", &port, &n, &extra) != 2 || n == 0 || n > HVSOCK_TALK_MAX) {
                fprintf(stderr, "hvsim-bridge: --hvsock-talk wants PORT:N with N from 1 to %u, not '%s'\n",
                        HVSOCK_TALK_MAX, v);
                usage(2);
            }
            o->hvsock_talk_port = port;
            o->hvsock_talk_count = n;
        }
        else {
            fprintf(stderr, "hvsim-bridge: unknown option or value: %s %s\n", a, v);
            usage(2);
        }
    }
    if (o->mem_path == NULL || o->serial_path == NULL) {
        fprintf(stderr, "hvsim-bridge: --mem and --serial are needed\n");
        usage(2);
    }
}

/* ---- reaching QEMU: its RAM file and COM2's socket appear after it starts ---- */

static void map_guest_ram(struct bridge *b)
{
    int fd = -1;
    struct stat st = { 0 };
    for (int tries = 0; tries < WAIT_FOR_QEMU_S * 20; tries++) {
        fd = open(b->opt.mem_path, O_RDWR);
        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
            break;
        if (fd >= 0)
            close(fd);
        fd = -1;
        usleep(50000);
    }
    if (fd < 0) {
        say("error: guest RAM file %s did not appear within %d s", b->opt.mem_path, WAIT_FOR_QEMU_S);
        exit(3);
    }
    b->ram_size = (uint64_t)st.st_size;
    b->ram = mmap(NULL, b->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (b->ram == MAP_FAILED) {
        say("error: cannot map %s: %s", b->opt.mem_path, strerror(errno));
        exit(3);
    }
}

static void connect_com2(struct bridge *b)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(b->opt.serial_path) >= sizeof(addr.sun_path)) {
        say("error: socket path too long: %s", b->opt.serial_path);
        exit(2);
    }
    strcpy(addr.sun_path, b->opt.serial_path);
    for (int tries = 0; tries < WAIT_FOR_QEMU_S * 20; tries++) {
        b->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (connect(b->sock, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            return;
        close(b->sock);
        usleep(50000);
    }
    say("error: cannot connect to COM2 at %s within %d s", b->opt.serial_path, WAIT_FOR_QEMU_S);
    exit(3);
}

/* ---- the simulated host ---- */

static void hvsim_log(void *ctx, const char *line)
{
    (void)ctx;
    say("  %s", line);
}

static const struct { const char *name; enum hvsim_vmbus_model_id model; } device_names[] = {
    { "echo", HVSIM_VMBUS_ECHO },           { "sink", HVSIM_VMBUS_SINK },
    { "source", HVSIM_VMBUS_SOURCE },       { "heartbeat", HVSIM_VMBUS_HEARTBEAT },
    { "shutdown", HVSIM_VMBUS_SHUTDOWN },   { "timesync", HVSIM_VMBUS_TIMESYNC },
    { "kvp", HVSIM_VMBUS_KVP },             { "netvsc", HVSIM_VMBUS_NETVSC },
};

/* The rate of this machine's TSC, which is the guest's under TCG (QEMU
 * reads the host's TSC for the guest's RDTSC, unscaled): counted against
 * the monotonic clock over 20 ms. */
static uint64_t host_tsc_hz(void)
{
    uint64_t t0 = mono_ns(), c0 = __builtin_ia32_rdtsc();
    nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
    uint64_t t1 = mono_ns(), c1 = __builtin_ia32_rdtsc();
    return (uint64_t)((unsigned __int128)(c1 - c0) * 1000000000u / (t1 - t0));
}

static void create_host(struct bridge *b)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.guest_mem = b->ram;
    cfg.guest_mem_size = b->ram_size;
    /* The frequency MSR must state the rate of the TSC the guest reads
     * (the clock it sets from it): hvsim's TSC, which the bridge hands the
     * guest for the reference TSC page, runs at that rate too. */
    cfg.tsc_hz = b->opt.tsc_hz != 0 ? b->opt.tsc_hz : host_tsc_hz();
    if (b->opt.no_frequency_msrs) {
        cfg.privileges &= ~HVW_PRIV_FREQUENCY_MSRS;
        cfg.features &= ~HVW_FEAT_FREQUENCY_MSRS;
    }
    if (b->opt.verbose)
        cfg.log = hvsim_log;
    b->sim = hvsim_create(&cfg);
    if (b->sim == NULL) {
        say("error: hvsim refused the configuration (RAM %llu bytes)", (unsigned long long)b->ram_size);
        exit(3);
    }
    say("the guest's TSC runs at %llu Hz; the frequency MSRs %s", (unsigned long long)cfg.tsc_hz,
        b->opt.no_frequency_msrs ? "are not granted" : "state it");

    static struct hvsim_vmbus_device devices[16];
    static struct hvsim_netvsc_config netvsc;
    b->tap_fd = -1;
    if (b->opt.tap != NULL && (b->tap_fd = netvsc.tap_fd = hvsim_tap_open(b->opt.tap)) < 0) {
        say("error: cannot open the TAP interface %s: %s", b->opt.tap, strerror(errno));
        exit(3);
    }
    if (b->opt.tap != NULL)
        say("netvsc: frames to and from the TAP interface %s", b->opt.tap);
    uint32_t count = 0;
    char list[128];
    snprintf(list, sizeof(list), "%s", b->opt.devices);
    for (char *save, *name = strtok_r(list, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof(device_names) / sizeof(device_names[0]) && strcmp(device_names[i].name, name) != 0)
            i++;
        if (i == sizeof(device_names) / sizeof(device_names[0]) || count == 16) {
            say("error: unknown device '%s' (or more than 16)", name);
            exit(2);
        }
        devices[count++] = (struct hvsim_vmbus_device){ .model = device_names[i].model, .netvsc = &netvsc };
    }
    if (b->opt.disk_count > 0) {
        struct hvsim_storage_config scfg;
        memset(&scfg, 0, sizeof(scfg));
        for (uint32_t i = 0; i < b->opt.disk_count; i++) {
            size_t n = strlen(b->opt.disks[i]);
            scfg.luns[i] = (struct hvsim_storage_lun){ .path = b->opt.disks[i], .lun = (uint8_t)i,
                                                       .read_only = b->opt.disk_ro[i],
                                                       .vhd = n > 4 && strcmp(b->opt.disks[i] + n - 4, ".vhd") == 0 };
            say("disk: LUN %u is %s%s", i, b->opt.disks[i], b->opt.disk_ro[i] ? " (read-only)" : "");
        }
        scfg.lun_count = b->opt.disk_count;
        struct hvsim_storage *st = hvsim_storage_create(b->sim, &scfg);
        if (st == NULL || count == 16) {
            say("error: the disks cannot be used");
            exit(2);
        }
        devices[count++] = (struct hvsim_vmbus_device){ .model = HVSIM_VMBUS_STORAGE, .model_data = st };
        b->storage = st;
    }
    struct hvsim_vmbus_config vcfg;
    hvsim_vmbus_config_default(&vcfg, b->opt.flavor);
    if (b->opt.flavor == HVSIM_VMBUS_HYPERV)
        vcfg.max_version = VBW_V6_0;   /* everything hvsim speaks */
    if (b->opt.max_version != 0)
        vcfg.max_version = b->opt.max_version;
    for (uint32_t i = 0; b->opt.offer_late_ms >= 0 && i < count; i++) {
        if (devices[i].model < HVSIM_VMBUS_HEARTBEAT) {   /* the first test device: not offered yet */
            b->late_device = devices[i];
            b->late_pending = true;
            memmove(&devices[i], &devices[i + 1], (count - i - 1) * sizeof(devices[0]));
            count--;
            break;
        }
    }
    vcfg.devices = devices;
    vcfg.device_count = count;
    vcfg.reply_delay_ns = (uint64_t)b->opt.reply_delay_ms * 1000000ull;
    vcfg.faults.busy_posts = b->opt.busy_posts;
    vcfg.faults.duplicate_msgs = b->opt.duplicate_replies ? ~0u : 0;
    vcfg.faults.reorder_msgs = b->opt.reorder_replies ? ~0u : 0;
    vcfg.require_client_id = b->opt.require_client_id;
    if (b->opt.kvp_host_info) {
        struct hvsim_ic_config kvp;
        hvsim_ic_config_default(HVSIM_VMBUS_KVP, &kvp);
        kvp.kvp_push_host_info = true;
        hvsim_ic_set_config(HVSIM_VMBUS_KVP, &kvp);
    }
    b->faults = vcfg.faults;
    b->vb = hvsim_vmbus_create(b->sim, &vcfg);
    if (b->vb == NULL) {
        say("error: the VMBus host refused the configuration");
        exit(3);
    }
    if (b->opt.hvsock_path != NULL || b->opt.hvsock_echo_count > 0 || b->opt.hvsock_talk_count > 0) {
        struct hvsim_hvsock_config hcfg = { .uds_path = b->opt.hvsock_path };
        /* The host's own connections wait for a guest that is still booting
         * under a loaded TCG: Hyper-V's 30 s (a FreeBSD comment, devices.md
         * 3.5), not OpenVMM's 5 s for the guest's connects. */
        if (b->opt.hvsock_talk_count > 0)
            hcfg.open_timeout_ns = 30000000000ull;
        if ((b->hvsock = hvsim_hvsock_create(b->sim, b->vb, &hcfg)) == NULL) {
            say("error: no hv_sock host (Unix socket %s: %s)", b->opt.hvsock_path ? b->opt.hvsock_path : "none", strerror(errno));
            exit(3);
        }
        if (b->opt.hvsock_path != NULL)
            say("hv_sock: host programs connect to %s ('CONNECT <port>'); guest connects reach %s_<port>",
                b->opt.hvsock_path, b->opt.hvsock_path);
        for (uint32_t i = 0; i < b->opt.hvsock_echo_count; i++) {
            struct hvsim_guid svc = hvsim_hvsock_port_service(b->opt.hvsock_echo[i]);
            hvsim_hvsock_listen_echo(b->hvsock, &svc);
            say("hv_sock: the host echoes guest connections to port %u", b->opt.hvsock_echo[i]);
        }
    }
    if (b->opt.busy_posts || b->opt.reply_delay_ms || b->opt.duplicate_replies || b->opt.reorder_replies ||
        b->opt.spurious_every_ms)
        say("a hostile host: each guest message refused %u times first; replies %u ms late%s%s; "
            "a spurious interrupt every %u ms", b->opt.busy_posts, b->opt.reply_delay_ms,
            b->opt.duplicate_replies ? ", sent twice" : "", b->opt.reorder_replies ? ", reordered" : "",
            b->opt.spurious_every_ms);
    if (b->opt.lose_interrupts != 0) {
        hvsim_inject_lost_sint(b->sim, VP, VBW_SINT, b->opt.lose_interrupts);
        say("losing the first %u VMBus (SINT%u) interrupts", b->opt.lose_interrupts, VBW_SINT);
    }
    say("Hyper-V (%s flavour, VMBus up to %u.%u) with %u device%s: %s; guest RAM %llu MiB",
        b->opt.flavor == HVSIM_VMBUS_QEMU ? "QEMU" : "Hyper-V", vcfg.max_version >> 16,
        vcfg.max_version & 0xFFFF, count, count == 1 ? "" : "s", b->opt.devices,
        (unsigned long long)(b->ram_size >> 20));
}

/* hvsim's clock follows real time. The time since the last pass went by
 * without hvsim: a periodic timer due several times in it expires once
 * (hvsim_advance_late_ns), not in a burst that a busy machine's scheduling
 * would otherwise turn into dozens of messages within microseconds. */
static void sync_clock(struct bridge *b)
{
    uint64_t real = mono_ns() - b->start_ns, sim = hvsim_now_ns(b->sim);
    if (real > sim)
        hvsim_advance_late_ns(b->sim, real - sim);
}

/* ---- COM2: the guest's hello, doorbells; our interrupts ---- */

static void attach(struct bridge *b, uint64_t gpa)
{
    struct bridge_mailbox *m = hvsim_gpa_to_host(b->sim, gpa, sizeof(*m));
    if (gpa % 4096 != 0 || m == NULL) {
        say("error: the guest's mailbox GPA 0x%llx is not a page of its RAM", (unsigned long long)gpa);
        return;
    }
    if (m->magic != BRIDGE_MAILBOX_MAGIC || m->abi_version != BRIDGE_ABI_VERSION) {
        say("error: no mailbox at GPA 0x%llx (magic %016llx, ABI %u; want ABI %u)", (unsigned long long)gpa,
            (unsigned long long)m->magic, m->abi_version, BRIDGE_ABI_VERSION);
        return;
    }
    if (b->mailbox == m)
        return;   /* a repeated hello */
    b->mailbox = m;
    m->answer_seq = m->request_seq;   /* nothing was asked before now */
    __atomic_store_n(&m->host_attached, 1, __ATOMIC_RELEASE);
    say("guest attached: mailbox at GPA 0x%llx", (unsigned long long)gpa);
}

/* Bytes from COM2: the firmware's console, the hello line, doorbells. Only
 * a whole hello line means anything; false when QEMU closed the socket. */
static bool read_com2(struct bridge *b)
{
    char buf[256];
    for (;;) {
        ssize_t n = read(b->sock, buf, sizeof(buf));
        if (n == 0)
            return false;
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '!') {
                b->doorbells++;
                continue;
            }
            if (buf[i] != '\n') {
                if (b->line_len < sizeof(b->line) - 1)
                    b->line[b->line_len++] = buf[i];
                continue;
            }
            b->line[b->line_len] = '\0';
            char *hello = strstr(b->line, BRIDGE_HELLO_PREFIX);
            if (hello != NULL)
                attach(b, strtoull(hello + strlen(BRIDGE_HELLO_PREFIX), NULL, 16));
            b->line_len = 0;
        }
    }
}

static void raise_guest_interrupt(struct bridge *b)
{
    if (b->mailbox == NULL || b->vector_in_flight != 0)
        return;
    int vector = hvsim_take_interrupt(b->sim, VP);
    if (vector < 0)
        return;
    b->vector_in_flight = (uint32_t)vector;
    __atomic_store_n(&b->mailbox->irq_vector, (uint32_t)vector, __ATOMIC_RELEASE);
    if (write(b->sock, "i", 1) != 1)
        say("warning: COM2 write failed: %s", strerror(errno));
    b->interrupts++;
}

/* ---- the mailbox ---- */

static void serve(struct bridge *b)
{
    struct bridge_mailbox *m = b->mailbox;
    uint64_t seq = __atomic_load_n(&m->request_seq, __ATOMIC_ACQUIRE);
    if (seq == m->answer_seq)
        return;
    uint32_t op = m->op;
    uint64_t a0 = m->arg[0], a1 = m->arg[1], a2 = m->arg[2], r[4] = { 0 };
    sync_clock(b);
    switch (op) {
    case BRIDGE_OP_CPUID: {
        uint32_t regs[4];
        hvsim_cpuid(b->sim, VP, (uint32_t)a0, (uint32_t)a1, regs);
        for (int i = 0; i < 4; i++)
            r[i] = regs[i];
        break;
    }
    case BRIDGE_OP_RDMSR:
        r[1] = hvsim_rdmsr(b->sim, VP, (uint32_t)a0, &r[0]) != HVSIM_MSR_OK;
        break;
    case BRIDGE_OP_WRMSR:
        r[1] = hvsim_wrmsr(b->sim, VP, (uint32_t)a0, a1) != HVSIM_MSR_OK;
        break;
    case BRIDGE_OP_HYPERCALL:
        r[0] = hvsim_hypercall(b->sim, VP, a0, a1, a2);
        break;
    case BRIDGE_OP_HYPERCALL_FAST:
        r[0] = hvsim_hypercall_fast(b->sim, VP, a0, a1, a2);
        break;
    case BRIDGE_OP_RDTSC:
        r[0] = hvsim_read_tsc(b->sim, VP);
        break;
    case BRIDGE_OP_EOI:
        if (a0 != b->vector_in_flight)
            say("warning: guest ended vector 0x%llx, but 0x%x was delivered", (unsigned long long)a0,
                b->vector_in_flight);
        if (hvsim_irq_in_service(b->sim, VP, (uint8_t)b->vector_in_flight))
            hvsim_apic_eoi(b->sim, VP);
        b->vector_in_flight = 0;
        break;
    default:
        say("warning: unknown bridge request %u", op);
        r[1] = 1;
        break;
    }
    if (op < BRIDGE_OP_COUNT)
        b->requests_by_op[op]++;
    memcpy(m->result, r, sizeof(r));
    m->requests_served++;
    __atomic_store_n(&m->answer_seq, seq, __ATOMIC_RELEASE);
    b->last_activity_ns = mono_ns();
}

/* ---- what the host does on its own: shutdown requests; crash reports ---- */

/* The lowest relid whose channel match accepts; 0 if none. */
static uint32_t find_channel(struct bridge *b, bool (*match)(const struct hvsim_vmbus_channel_info *))
{
    struct hvsim_vmbus_channel_info ch;
    for (uint32_t relid = 1; relid <= MAX_RELID; relid++)
        if (hvsim_vmbus_channel(b->vb, relid, &ch) && match(&ch))
            return relid;
    return 0;
}

static bool open_test_device(const struct hvsim_vmbus_channel_info *ch)
{
    return ch->state == HVSIM_CHAN_OPEN && ch->model < HVSIM_VMBUS_HEARTBEAT;   /* not an IC */
}

static bool shutdown_service(const struct hvsim_vmbus_channel_info *ch)
{
    return ch->model == HVSIM_VMBUS_SHUTDOWN;
}

/* --rescind-after: the host takes a device away while the guest uses it. */
static void rescind_when_due(struct bridge *b, uint64_t now_ns)
{
    if (b->opt.rescind_after_ms < 0 || b->rescinded)
        return;
    if (b->rescind_relid == 0 && (b->rescind_relid = find_channel(b, open_test_device)) != 0)
        b->rescind_due_ns = now_ns + (uint64_t)b->opt.rescind_after_ms * 1000000ull;
    if (b->rescind_relid == 0 || now_ns < b->rescind_due_ns)
        return;
    b->rescinded = true;
    if (hvsim_vmbus_rescind(b->vb, b->rescind_relid) == 0)
        say("rescinded channel %u while the guest had it open", b->rescind_relid);
    else
        say("warning: could not rescind channel %u", b->rescind_relid);
}

/* --offer-late: a device added while the guest runs, after its offers
 * were all delivered (Hyper-V offers hot-added devices the same way). */
static void offer_late_when_due(struct bridge *b, uint64_t now_ns, uint32_t version)
{
    if (!b->late_pending || version == 0)
        return;
    if (b->late_due_ns == 0)
        b->late_due_ns = now_ns + (uint64_t)b->opt.offer_late_ms * 1000000ull;
    if (now_ns < b->late_due_ns)
        return;
    b->late_pending = false;
    uint32_t relid = hvsim_vmbus_offer(b->vb, &b->late_device);
    if (relid != 0)
        say("offered a device late (relid %u), %ld ms after the guest connected", relid, b->opt.offer_late_ms);
    else
        say("warning: could not offer the late device");
}

/* --stall-ms: the host stops reading a guest->host ring for a while, so
 * the guest's sends find it full; then it reads everything at once. */
static void stall_when_due(struct bridge *b, uint64_t now_ns)
{
    if (b->opt.stall_ms == 0 || b->stall_done)
        return;
    if (b->stall_until_ns == 0) {
        struct hvsim_vmbus_channel_info ch;
        if (b->stall_relid == 0 && (b->stall_relid = find_channel(b, open_test_device)) == 0)
            return;
        if (!hvsim_vmbus_channel(b->vb, b->stall_relid, &ch) || ch.packets_in < b->opt.stall_after)
            return;
        b->stall_until_ns = now_ns + (uint64_t)b->opt.stall_ms * 1000000ull;
        b->faults.stop_reading = true;
        hvsim_vmbus_set_faults(b->vb, &b->faults);
        say("stopped reading channel %u for %u ms", b->stall_relid, b->opt.stall_ms);
        return;
    }
    if (now_ns < b->stall_until_ns)
        return;
    struct hvsim_vmbus_channel_info before, after;
    bool known = hvsim_vmbus_channel(b->vb, b->stall_relid, &before);
    b->faults.stop_reading = false;
    hvsim_vmbus_set_faults(b->vb, &b->faults);   /* drains the ring now */
    b->stall_done = true;
    if (known && hvsim_vmbus_channel(b->vb, b->stall_relid, &after))
        say("resumed reading channel %u after %u ms: %llu packets had waited in its ring", b->stall_relid,
            b->opt.stall_ms, (unsigned long long)(after.packets_in - before.packets_in));
}

/* --hvsock-talk: the host connects to a guest service (hvsock-echo serve)
 * and checks each echo; final (at the summary) reads what is left and
 * reports even if the guest ended first. */
static void hvsock_talk(struct bridge *b, uint64_t now_ns, uint32_t version, bool final)
{
    struct hvsock_talk *t = &b->talk;
    uint32_t n = b->opt.hvsock_talk_count, port = b->opt.hvsock_talk_port;
    if (n == 0 || t->finished || (!t->started && (final || version == 0)))
        return;
    if (!t->started) {
        if (t->due_ns == 0)
            t->due_ns = now_ns + 500000000ull;
        if (now_ns < t->due_ns)
            return;
        t->started = true;
        struct hvsim_guid svc = hvsim_hvsock_port_service(port);
        for (uint32_t i = 0; i < n; i++) {
            snprintf(t->sent[i], sizeof(t->sent[i]), "host line %u to port %u", i, port);
            t->ids[i] = hvsim_hvsock_connect(b->hvsock, &svc);
            uint32_t len = (uint32_t)strlen(t->sent[i]);
            if (t->ids[i] == 0 || hvsim_hvsock_write(b->hvsock, t->ids[i], t->sent[i], len) != (int)len) {
                say("warning: hv_sock: host connection %u to port %u failed", i, port);
                t->ended[i] = true;
                continue;
            }
            hvsim_hvsock_shutdown(b->hvsock, t->ids[i]);
        }
        say("hv_sock: the host connected %u times to guest port %u", n, port);
        return;
    }
    uint32_t ended = 0, wrong = 0;
    for (uint32_t i = 0; i < n; i++) {
        while (!t->ended[i]) {
            int r = hvsim_hvsock_read(b->hvsock, t->ids[i], t->back[i] + t->got[i],
                                      (uint32_t)sizeof(t->back[i]) - 1 - t->got[i]);
            if (r > 0)
                t->got[i] += (uint32_t)r;
            else if (r < 0 || t->got[i] == sizeof(t->back[i]) - 1)
                t->ended[i] = true;   /* the guest's FIN after all it sent */
            else
                break;
        }
        ended += t->ended[i];
        wrong += t->ended[i] && strcmp(t->back[i], t->sent[i]) != 0;
    }
    if (ended < n && !final)
        return;
    t->finished = true;
    say("hv_sock: %u host connections to guest port %u echoed, %u wrong, %u not ended", ended, port, wrong,
        n - ended);
}

static void host_initiatives(struct bridge *b)
{
    uint32_t version = hvsim_vmbus_version(b->vb);
    if (version != 0 && version != b->version_seen)
        say("VMBus connected at version %u.%u", version >> 16, version & 0xFFFF);
    if (version != 0)
        b->version_seen = version;
    uint64_t now_ns = hvsim_now_ns(b->sim);
    if (b->opt.spurious_every_ms != 0 && version != 0 && now_ns >= b->next_spurious_ns) {
        if (hvsim_raise_spurious_sint(b->sim, VP, VBW_SINT) == 0)
            b->spurious_raised++;
        b->next_spurious_ns = now_ns + (uint64_t)b->opt.spurious_every_ms * 1000000ull;
    }
    rescind_when_due(b, now_ns);
    offer_late_when_due(b, now_ns, version);
    stall_when_due(b, now_ns);
    hvsock_talk(b, now_ns, version, false);
    const struct hvsim_crash *crash = hvsim_crash_info(b->sim);
    if (crash->count != b->crashes_seen) {
        b->crashes_seen = crash->count;
        say("guest crash reported through the crash MSRs: P0 0x%llx P1 0x%llx P2 0x%llx%s%.*s",
            (unsigned long long)crash->params[0], (unsigned long long)crash->params[1],
            (unsigned long long)crash->params[2], crash->message_valid ? "; message: " : "",
            crash->message_valid ? (int)crash->message_len : 0, (const char *)crash->message);
    }
    if (b->opt.shutdown_after_ms < 0 || b->shutdown_sent)
        return;
    if (b->shutdown_relid == 0 && (b->shutdown_relid = find_channel(b, shutdown_service)) == 0)
        return;
    struct hvsim_ic_info ic;
    if (!hvsim_ic_state(b->vb, b->shutdown_relid, &ic) || ic.negotiation != HVSIM_IC_NEG_DONE)
        return;
    uint64_t now = hvsim_now_ns(b->sim);
    if (b->shutdown_due_ns == 0)
        b->shutdown_due_ns = now + (uint64_t)b->opt.shutdown_after_ms * 1000000ull;
    if (now >= b->shutdown_due_ns && hvsim_ic_request_shutdown(b->vb, b->shutdown_relid, 0, 0) == 0) {
        b->shutdown_sent = true;
        say("asking the guest to shut down (shutdown IC, relid %u)", b->shutdown_relid);
    }
}

/* Sleep until a doorbell, a COM2 byte or hvsim's next timed event. The
 * flag goes up before the last look at the mailbox: a guest that asks
 * after that look sees the flag and rings. */
static void sleep_until_needed(struct bridge *b)
{
    int timeout_ms = 10;
    uint64_t next;
    if (hvsim_next_event_ns(b->sim, &next)) {
        uint64_t now = hvsim_now_ns(b->sim);
        uint64_t ms = next > now ? (next - now + 999999) / 1000000 : 0;
        if (ms < (uint64_t)timeout_ms)
            timeout_ms = (int)ms;
    }
    if (b->mailbox != NULL) {
        __atomic_store_n(&b->mailbox->host_sleeping, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&b->mailbox->request_seq, __ATOMIC_SEQ_CST) != b->mailbox->answer_seq) {
            b->mailbox->host_sleeping = 0;
            return;
        }
    }
    struct pollfd p[2] = { { .fd = b->sock, .events = POLLIN }, { .fd = b->tap_fd, .events = POLLIN } };
    poll(p, b->tap_fd >= 0 ? 2 : 1, timeout_ms);
    if (b->mailbox != NULL)
        __atomic_store_n(&b->mailbox->host_sleeping, 0, __ATOMIC_SEQ_CST);
}

static void print_storage_summary(struct bridge *b)
{
    struct hvsim_storage_counters s;
    hvsim_storage_get_counters(b->storage, &s);
    say("summary: storage: VSTOR %x.%x, %llu commands, %llu reads (%llu bytes), %llu writes, "
        "%llu medium errors, protocol errors %llu",
        s.version >> 8, s.version & 0xFF, (unsigned long long)s.commands, (unsigned long long)s.reads,
        (unsigned long long)s.bytes_read, (unsigned long long)s.writes, (unsigned long long)s.medium_errors,
        (unsigned long long)s.protocol_errors);
}

static void print_hvsock_summary(struct bridge *b)
{
    hvsock_talk(b, hvsim_now_ns(b->sim), b->version_seen, true);
    struct hvsim_hvsock_counters c;
    hvsim_hvsock_get_counters(b->hvsock, &c);
    say("summary: hv_sock: %llu guest connects (%llu accepted, %llu refused), %llu host connects, "
        "%llu opened, %llu rescinds, at most %u at once, protocol errors %llu%s%s",
        (unsigned long long)c.requests, (unsigned long long)c.accepted, (unsigned long long)c.refused,
        (unsigned long long)c.host_connects, (unsigned long long)c.opens, (unsigned long long)c.rescinds,
        c.max_live, (unsigned long long)c.protocol_errors, c.protocol_errors ? ": " : "",
        c.protocol_errors ? hvsim_hvsock_first_error(b->hvsock) : "");
}

static void print_summary(struct bridge *b)
{
    if (b->storage != NULL)
        print_storage_summary(b);
    if (b->hvsock != NULL)
        print_hvsock_summary(b);
    struct hvsim_vmbus_counters c;
    hvsim_vmbus_get_counters(b->vb, &c);
    uint32_t v = b->version_seen;
    say("summary: VMBus %u.%u; %llu bridge requests (%llu MSR, %llu hypercalls, %llu TSC reads), "
        "%llu interrupts (%llu spurious), %llu doorbells",
        v >> 16, v & 0xFFFF,
        (unsigned long long)(b->mailbox ? b->mailbox->requests_served : 0),
        (unsigned long long)(b->requests_by_op[BRIDGE_OP_RDMSR] + b->requests_by_op[BRIDGE_OP_WRMSR]),
        (unsigned long long)(b->requests_by_op[BRIDGE_OP_HYPERCALL] + b->requests_by_op[BRIDGE_OP_HYPERCALL_FAST]),
        (unsigned long long)b->requests_by_op[BRIDGE_OP_RDTSC], (unsigned long long)b->interrupts,
        (unsigned long long)b->spurious_raised, (unsigned long long)b->doorbells);
    say("summary: messages in: INITIATE_CONTACT %llu, REQUESTOFFERS %llu, GPADL_HEADER %llu, OPENCHANNEL %llu, "
        "CLOSECHANNEL %llu, GPADL_TEARDOWN %llu, UNLOAD %llu",
        (unsigned long long)c.msgs_in[VBW_INITIATE_CONTACT], (unsigned long long)c.msgs_in[VBW_REQUESTOFFERS],
        (unsigned long long)c.msgs_in[VBW_GPADL_HEADER], (unsigned long long)c.msgs_in[VBW_OPENCHANNEL],
        (unsigned long long)c.msgs_in[VBW_CLOSECHANNEL], (unsigned long long)c.msgs_in[VBW_GPADL_TEARDOWN],
        (unsigned long long)c.msgs_in[VBW_UNLOAD]);
    say("summary: protocol errors %llu, unknown messages %llu, short messages %llu; GPADLs created %llu, torn down %llu",
        (unsigned long long)c.protocol_errors, (unsigned long long)c.unknown_msgs, (unsigned long long)c.short_msgs,
        (unsigned long long)c.gpadls_created, (unsigned long long)c.gpadls_torndown);
    for (uint32_t relid = 1; relid <= MAX_RELID; relid++) {
        struct hvsim_vmbus_channel_info ch;
        if (!hvsim_vmbus_channel(b->vb, relid, &ch))
            continue;
        say("summary: channel %u %s: opened %u time%s, %llu packets in, %llu out, ring errors %llu",
            relid, ch.name, ch.opens, ch.opens == 1 ? "" : "s", (unsigned long long)ch.packets_in,
            (unsigned long long)ch.packets_out, (unsigned long long)ch.ring_errors);
        struct hvsim_ic_info ic;
        if (hvsim_ic_state(b->vb, relid, &ic) && ic.negotiation != HVSIM_IC_NEG_NONE)
            say("summary: channel %u %s: IC negotiated %s, %llu good replies, %llu protocol errors", relid, ch.name,
                ic.negotiation == HVSIM_IC_NEG_DONE ? "yes" : "no", (unsigned long long)ic.replies_ok,
                (unsigned long long)ic.protocol_errors);
        if (ch.model == HVSIM_VMBUS_KVP && ic.kvp_set_replies > 0)
            say("summary: channel %u kvp: host values set %llu, last status 0x%08x", relid,
                (unsigned long long)ic.kvp_set_replies, ic.kvp_set_status);
        static char key[HVSIM_IC_KVP_KEY_MAX], value[HVSIM_IC_KVP_VALUE_MAX];
        for (uint32_t i = 0; ch.model == HVSIM_VMBUS_KVP && hvsim_ic_kvp_entry(b->vb, relid, i, key, value); i++)
            say("summary: channel %u kvp: %s = %s", relid, key, value);
    }
}

int main(int argc, char **argv)
{
    static struct bridge b;
    parse_options(argc, argv, &b.opt);
    signal(SIGPIPE, SIG_IGN);
    map_guest_ram(&b);
    connect_com2(&b);
    create_host(&b);
    b.start_ns = b.last_activity_ns = mono_ns();
    say("waiting for the guest on COM2 (boot it with --hvsim)");
    for (;;) {
        if (!read_com2(&b))
            break;   /* QEMU is gone */
        if (b.mailbox != NULL) {
            serve(&b);
            sync_clock(&b);
            raise_guest_interrupt(&b);
            if (mono_ns() >= b.next_initiative_ns) {
                host_initiatives(&b);
                b.next_initiative_ns = mono_ns() + INITIATIVE_EVERY_NS;
            }
        }
        if (mono_ns() - b.last_activity_ns > SPIN_BEFORE_SLEEP_NS)
            sleep_until_needed(&b);
    }
    if (b.mailbox == NULL)
        say("the guest never attached (was it booted with --hvsim?)");
    print_summary(&b);
    hvsim_vmbus_destroy(b.vb);
    hvsim_destroy(b.sim);
    hvsim_hvsock_destroy(b.hvsock);
    munmap(b.ram, b.ram_size);
    return b.mailbox == NULL ? 1 : 0;
}
