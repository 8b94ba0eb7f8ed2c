/* hvsim's hv_sock host, Unix socket backend: the host's ends of the
 * connections are AF_UNIX stream sockets on the test machine, as Firecracker
 * exposes vsock (its docs/vsock.md): a host program connects to uds_path and
 * writes "CONNECT <port>\n", and reads "OK <host port>\n" once the guest has
 * accepted (here: opened the offered channel); a guest that connects to
 * port P reaches the program listening at "<uds_path>_<P>". Polled every
 * 100 us of hvsim time, non-blocking throughout; a host program that stops
 * reading fills the host's buffer, and then the guest's ring. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/hvsim/dev_hvsock_private.h"

static bool uds_address(struct sockaddr_un *a, const char *path, const char *suffix)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path, sizeof(a->sun_path), "%s%s", path, suffix);
    return n > 0 && (size_t)n < sizeof(a->sun_path);
}

int hs_uds_listen(struct hvsim_hvsock *hs)
{
    struct sockaddr_un a;
    if (!uds_address(&a, hs->cfg.uds_path, "")) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(a.sun_path);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    hs->uds_fd = fd;
    return 0;
}

void hs_uds_close(struct hvsim_hvsock *hs)
{
    if (hs->uds_fd < 0)
        return;
    close(hs->uds_fd);
    hs->uds_fd = -1;
    unlink(hs->cfg.uds_path);
}

int hs_uds_connect(struct hvsim_hvsock *hs, uint32_t port)
{
    char suffix[16];
    snprintf(suffix, sizeof(suffix), "_%u", port);
    struct sockaddr_un a;
    if (!uds_address(&a, hs->cfg.uds_path, suffix))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* A listening Unix socket takes the connection at once, or refuses it
     * (nobody there, backlog full): no connection in progress to wait for. */
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        sim_log(hs->sim, "hvsock: no host program at %s (%s): refused", a.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void hs_uds_opened(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    char ok[24];
    int n = snprintf(ok, sizeof(ok), "OK %u\n", c->host_port);
    if (send(c->fd, ok, (size_t)n, MSG_NOSIGNAL) != n)
        sim_log(hs->sim, "hvsock: relid %u: could not tell the host program OK", c->relid);
    c->phase = HS_UDS_STREAM;
}

static void drop_fd(struct hs_conn *c)
{
    close(c->fd);
    c->fd = -1;
    c->released = true;
    if (c->state == HVSIM_HVSOCK_FREE)
        c->id = 0;   /* never had a channel */
}

static void accept_programs(struct hvsim_hvsock *hs)
{
    for (;;) {
        int fd = accept4(hs->uds_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct hs_conn *c = hs_conn_alloc(hs);
        if (!c) {
            sim_log(hs->sim, "hvsock: no connection slot for a host program");
            close(fd);
            continue;
        }
        hs->counters.uds_accepts++;
        c->fd = fd;
        c->phase = HS_UDS_COMMAND;
        c->released = true;
    }
}

/* "CONNECT <port>\n", decimal, nothing else. */
static void read_command(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    char ch;
    ssize_t n;
    while ((n = recv(c->fd, &ch, 1, 0)) == 1) {
        if (ch != '\n') {
            if (c->line_len == sizeof(c->line) - 1)
                break;   /* too long: bad */
            c->line[c->line_len++] = ch;
            continue;
        }
        c->line[c->line_len] = '\0';
        char *end;
        unsigned long port = 0;
        bool ok = strncmp(c->line, "CONNECT ", 8) == 0 && c->line[8] >= '0' && c->line[8] <= '9' &&
                  (port = strtoul(c->line + 8, &end, 10)) <= 0xFFFFFFFFul && *end == '\0';
        if (ok) {
            c->service = hvsim_hvsock_port_service((uint32_t)port);
            if (hs_host_connect(hs, c)) {
                c->phase = HS_UDS_WAIT_OPEN;
                return;
            }
        }
        hs->counters.uds_bad_commands++;
        sim_log(hs->sim, "hvsock: host program sent '%s': not CONNECT <port>", c->line);
        drop_fd(c);
        return;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || c->line_len == sizeof(c->line) - 1) {
        hs->counters.uds_bad_commands++;
        drop_fd(c);
    }
}

/* Host program -> guest, as far as the host's buffer has room. */
static void from_program(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    static uint8_t buf[65536];
    while (!c->fin_wanted && c->tx.len < c->tx.cap) {
        uint32_t room = c->tx.cap - c->tx.len;
        ssize_t n = recv(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf), 0);
        if (n > 0) {
            hvsim_hvsock_write(hs, c->id, buf, (uint32_t)n);
            continue;
        }
        if (n == 0)
            hvsim_hvsock_shutdown(hs, c->id);   /* the program closed its end: our FIN */
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            hvsim_hvsock_abort(hs, c->id);
        return;
    }
}

/* Guest -> host program, as far as the socket takes it. */
static void to_program(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    while (c->rx.len > 0) {
        const uint8_t *at;
        uint32_t n = hs_fifo_contiguous(&c->rx, &at);
        ssize_t w = send(c->fd, at, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) {
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                hs_fifo_drop(&c->rx, c->rx.len);   /* the program is gone: what it did not take is lost */
                hvsim_hvsock_abort(hs, c->id);
            }
            break;
        }
        hs_fifo_drop(&c->rx, (uint32_t)w);
    }
    if (c->rx.len < c->rx.cap)
        hs_rx_room(hs, c);
}

static void stream(struct hvsim_hvsock *hs, struct hs_conn *c)
{
    bool gone = c->state == HVSIM_HVSOCK_RESCINDED || c->state == HVSIM_HVSOCK_GONE || c->guest_closed;
    if (!gone)
        from_program(hs, c);
    to_program(hs, c);
    if (c->rx.len == 0 && (c->guest_fin || gone) && !c->fd_wr_shut) {
        shutdown(c->fd, SHUT_WR);   /* the guest's FIN, passed on */
        c->fd_wr_shut = true;
    }
    if (gone && c->rx.len == 0)
        drop_fd(c);
}

void hs_uds_poll(struct hvsim_hvsock *hs)
{
    accept_programs(hs);
    for (uint32_t i = 0; i < HVSIM_HVSOCK_MAX_CONNS; i++) {
        struct hs_conn *c = &hs->conns[i];
        if (c->id == 0 || c->fd < 0)
            continue;
        if (c->phase == HS_UDS_COMMAND)
            read_command(hs, c);
        else if (c->phase == HS_UDS_WAIT_OPEN && c->state != HVSIM_HVSOCK_OFFERED && c->state != HVSIM_HVSOCK_OPEN)
            drop_fd(c);   /* the guest did not accept in time: the program sees the end, no OK */
        else if (c->phase == HS_UDS_STREAM)
            stream(hs, c);
    }
}
