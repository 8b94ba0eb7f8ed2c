/* hvsim's synthetic NIC, TAP backend: the guest's frames are written to a
 * Linux TAP device, and what Linux sends on it is read every 100 us of
 * virtual time and handed to the guest. The test that opens the TAP puts
 * it in a network namespace of its own, so a real stack is the peer. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tests/hvsim/dev_netvsc_private.h"

#define POLL_NS 100000u
#define MAX_POLLS 4u

/* Poll contexts outlive the device (hvsim cannot cancel a call): a stopped
 * one is let go by its next call. */
struct hn_poll {
    bool used, live;
    struct hvsim_netvsc *dev;
};
static struct hn_poll polls[MAX_POLLS];

int hvsim_tap_open(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void poll_tap(void *ctx, struct hvsim *sim)
{
    struct hn_poll *p = ctx;
    if (!p->live) {
        p->used = false;
        return;
    }
    static uint8_t frame[65536];
    ssize_t n;
    while ((n = read(p->dev->cfg.tap_fd, frame, sizeof(frame))) > 0)
        if (hvsim_netvsc_inject(p->dev, frame, (uint32_t)n) != 0)
            continue;   /* counted by inject */
    if (hvsim_call_at(sim, hvsim_now_ns(sim) + POLL_NS, poll_tap, p) != 0)
        p->used = false;
}

void hn_tap_start(struct hvsim_netvsc *dev)
{
    for (unsigned i = 0; i < MAX_POLLS; i++) {
        if (!polls[i].used || !polls[i].live) {   /* a stopped one's late call finds it live again: harmless */
            polls[i] = (struct hn_poll){ true, true, dev };
            dev->poll = &polls[i];
            if (hvsim_call_at(dev->sim, hvsim_now_ns(dev->sim) + POLL_NS, poll_tap, &polls[i]) != 0)
                polls[i].used = false;
            return;
        }
    }
    hn_error(dev, "no TAP poller free", 0);
}

void hn_tap_stop(struct hvsim_netvsc *dev)
{
    if (dev->poll) {
        dev->poll->live = false;
        dev->poll = NULL;
    }
}
