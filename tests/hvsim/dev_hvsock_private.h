/* hvsim's hv_sock host: what dev_hvsock.c and its Unix-socket backend
 * (dev_hvsock_unix.c) share. Not for tests: they use dev_hvsock.h. */
#ifndef HVSIM_DEV_HVSOCK_PRIVATE_H
#define HVSIM_DEV_HVSOCK_PRIVATE_H

#include "tests/hvsim/dev_hvsock.h"
#include "tests/hvsim/hvsim_state.h"

/* A byte FIFO of fixed capacity (a ring: no copying on the way out). */
struct hs_fifo {
    uint8_t *buf;
    uint32_t cap, head, len;
};
uint32_t hs_fifo_push(struct hs_fifo *f, const void *data, uint32_t len);
uint32_t hs_fifo_peek(const struct hs_fifo *f, void *out, uint32_t len);
void hs_fifo_drop(struct hs_fifo *f, uint32_t len);
/* The readable bytes that lie in one piece from the head. */
uint32_t hs_fifo_contiguous(const struct hs_fifo *f, const uint8_t **at);

enum hs_uds_phase {
    HS_UDS_NONE,       /* in-process connection */
    HS_UDS_COMMAND,    /* a host program connected; reading "CONNECT <port>\n" */
    HS_UDS_WAIT_OPEN,  /* offered; "OK" once the guest opens */
    HS_UDS_STREAM,     /* bytes both ways */
};

struct hs_conn {
    struct hvsim_hvsock *hs;        /* the owner */
    uint32_t id;                    /* 0: a free slot */
    enum hvsim_hvsock_state state;
    bool guest_initiated, taken, released;
    bool echo;                      /* the host echoes this connection itself */
    struct hvsim_guid service, endpoint;
    uint32_t relid;
    uint64_t open_deadline_ns;
    struct hs_fifo rx;              /* guest -> host, not yet taken */
    struct hs_fifo tx;              /* host -> guest, not yet in the ring */
    bool rx_blocked;                /* a guest packet waits in the ring for rx room */
    bool fin_wanted, host_fin, guest_fin;
    bool guest_closed, rescind_asked, rescind_due, open_timed_out, counted_live;
    void (*sink)(void *ctx, const uint8_t *data, uint32_t len);
    void *sink_ctx;
    int fd;                         /* Unix socket backend, -1 */
    enum hs_uds_phase phase;
    bool fd_wr_shut;
    char line[40];
    uint32_t line_len;
    uint32_t host_port;             /* host-initiated: named in "OK <port>" */
    struct hvsim_hvsock_conn_info st;   /* counters for hvsim_hvsock_info */
};

#define HS_MAX_ERROR_KINDS 32u

struct hvsim_hvsock {
    struct hvsim *sim;
    struct hvsim_vmbus *vb;
    struct hvsim_hvsock_config cfg;
    struct hvsim_hvsock_faults faults;
    struct hvsim_guid listeners[HVSIM_HVSOCK_MAX_LISTENERS];
    bool listener_echo[HVSIM_HVSOCK_MAX_LISTENERS];
    uint32_t listener_count;
    struct hs_conn conns[HVSIM_HVSOCK_MAX_CONNS];
    uint32_t next_id, next_host_port;
    uint64_t endpoint_seed;
    bool tick_pending;
    uint64_t tick_at;
    int uds_fd;                     /* listening, or -1 */
    struct hvsim_hvsock_counters counters;
    struct { const char *what; uint64_t count; } errors[HS_MAX_ERROR_KINDS];
    uint32_t error_kinds;
};

struct hs_conn *hs_conn_alloc(struct hvsim_hvsock *hs);
struct hs_conn *hs_conn_get(struct hvsim_hvsock *hs, uint32_t id);
/* Offers c's channel (service, endpoint set); false when no relid is free. */
bool hs_offer(struct hvsim_hvsock *hs, struct hs_conn *c, bool for_guest_accept);
/* Offers c (service set) as a host-initiated connection. */
bool hs_host_connect(struct hvsim_hvsock *hs, struct hs_conn *c);
/* Sends what tx holds, then the FIN if wanted, as far as the ring allows. */
void hs_pump(struct hvsim_hvsock *hs, struct hs_conn *c);
/* rx has room again: read the guest's ring if a packet was waiting. */
void hs_rx_room(struct hvsim_hvsock *hs, struct hs_conn *c);
void hs_schedule(struct hvsim_hvsock *hs, uint64_t when_ns);

/* dev_hvsock_unix.c */
#define HS_UDS_POLL_NS 100000u
int hs_uds_listen(struct hvsim_hvsock *hs);   /* 0 or -1 (errno) */
void hs_uds_close(struct hvsim_hvsock *hs);
int hs_uds_connect(struct hvsim_hvsock *hs, uint32_t port);   /* fd, or -1 */
void hs_uds_poll(struct hvsim_hvsock *hs);
void hs_uds_opened(struct hvsim_hvsock *hs, struct hs_conn *c);

#endif
