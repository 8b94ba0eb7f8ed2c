/* hvsim's hv_sock host: Hyper-V sockets as the host side runs them,
 * written from /work/shared/reference/devices.md section 3 with hvsim's own
 * wire definitions (dev_hvsock_wire.h, vmbus_wire.h), never the guest's.
 *
 * Every connection is a VMBus channel of its own, offered by the host with
 * the hv_sock flags and a service id (devices.md 3.1):
 * - the guest connects: TL_CONNECT_REQUEST(endpoint, service) reaches a
 *   listener (in-process, or a Unix socket, below); accepted, the host
 *   offers type = service, instance = endpoint, is_for_guest_accept 0;
 *   refused, it sends TL_CONNECT_RESULT with STATUS_CONNECTION_REFUSED
 *   where the version has that message (>= 4.1) and nothing before;
 * - the host connects: it offers type = the service, instance = an
 *   endpoint id of its own, is_for_guest_accept 1; the guest accepts by
 *   opening the channel.
 * Data are pipe packets (DATA, 8-byte header); an empty one is a FIN. When
 * both sides have sent their FIN, or the guest closed the channel, or the
 * host aborts, the host rescinds the channel (devices.md 3.5). An offer the
 * guest does not open within open_timeout_ns is rescinded too.
 *
 * Backends for the host's end of a connection: in-process (a test writes
 * and reads bytes), or Unix domain sockets the way Firecracker exposes
 * vsock: host programs connect to uds_path and write "CONNECT <port>\n"
 * (answered "OK <host port>\n" once the guest accepted), and a guest
 * connecting to port P reaches the program listening at "<uds_path>_<P>".
 *
 * Destroy the object after the hvsim it ran in (its timers hold it) and
 * after the VMBus host (closing channels calls back into it). */
#ifndef HVSIM_DEV_HVSOCK_H
#define HVSIM_DEV_HVSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/hvsim/vmbus_host.h"

#define HVSIM_HVSOCK_MAX_CONNS 240u
#define HVSIM_HVSOCK_MAX_LISTENERS 32u
#define HVSIM_HVSOCK_REFUSED 0xC0000236u   /* STATUS_CONNECTION_REFUSED (OpenVMM) */

/* Faults, switchable while running (hvsim_hvsock_set_faults). */
struct hvsim_hvsock_faults {
    bool refuse_all;          /* every TL_CONNECT_REQUEST is refused */
    bool ignore_requests;     /* TL_CONNECT_REQUEST is taken and never answered */
    bool stop_reading;        /* guest data stay in the ring (the host's buffer "is full") */
    uint32_t bad_pipe_type;   /* the next n host packets carry pipe type 2 (PARTIAL) */
    uint32_t oversize_pipe;   /* the next n host packets claim more bytes than they carry */
};

struct hvsim_hvsock_config {
    /* What the host puts in its offers (0: ENUMERATE | NAMED_PIPE | TLNPI,
     * 0x2011, as OpenVMM sets them and mu_msvm's mask has them). */
    uint16_t offer_flags;
    /* Data bytes per packet the host writes (0: 2048, OpenVMM's byte pipe;
     * at most 16384, the pipe limit). */
    uint32_t write_chunk;
    /* An offer the guest has not opened by then is rescinded (0: 5 s, OpenVMM's
     * relay; a FreeBSD comment says Hyper-V waits 30 s). */
    uint64_t open_timeout_ns;
    /* Guest bytes one connection holds before the host stops reading its
     * ring, and host bytes waiting for the guest (0: 256 KiB each). */
    uint32_t buffer_bytes;
    /* The Unix socket host programs connect to (NULL: none). Bound at create,
     * removed at destroy; "<uds_path>_<port>" for guest-initiated ones. */
    const char *uds_path;
    struct hvsim_hvsock_faults faults;
};

struct hvsim_hvsock;
/* Registers itself as vb's TL_CONNECT_REQUEST handler. NULL when the
 * configuration is refused or uds_path cannot be bound. */
struct hvsim_hvsock *hvsim_hvsock_create(struct hvsim *sim, struct hvsim_vmbus *vb,
                                         const struct hvsim_hvsock_config *cfg);
void hvsim_hvsock_destroy(struct hvsim_hvsock *hs);
void hvsim_hvsock_set_faults(struct hvsim_hvsock *hs, const struct hvsim_hvsock_faults *f);

/* The vsock template: 00000000-facb-11e6-bd58-64006a7986d3 with the port in
 * Data1 (devices.md 3.2). */
struct hvsim_guid hvsim_hvsock_port_service(uint32_t port);
/* The port of a template GUID; false for any other GUID. */
bool hvsim_hvsock_service_port(const struct hvsim_guid *service, uint32_t *port);

/* ---- in-process host side ---- */

/* Guest connections to service are accepted from now on. 0, or -1 when full. */
int hvsim_hvsock_listen(struct hvsim_hvsock *hs, const struct hvsim_guid *service);
/* The host echoes every guest connection to service: its bytes go back as
 * they come, and its FIN is answered with the host's (the bridge's
 * --hvsock-echo, benchmarks). 0, or -1 when full. */
int hvsim_hvsock_listen_echo(struct hvsim_hvsock *hs, const struct hvsim_guid *service);
/* The oldest connection to service not yet taken (its id), or 0. */
uint32_t hvsim_hvsock_accept(struct hvsim_hvsock *hs, const struct hvsim_guid *service);
/* The host connects to a guest listening on service: the channel is
 * offered now. The connection's id, or 0 (no slot or relid free). */
uint32_t hvsim_hvsock_connect(struct hvsim_hvsock *hs, const struct hvsim_guid *service);

/* Bytes for the guest (sent in write_chunk pieces as the ring has room):
 * how many were taken, up to the free buffer; -1 after shutdown/close. */
int hvsim_hvsock_write(struct hvsim_hvsock *hs, uint32_t id, const void *data, uint32_t len);
/* Bytes the guest sent: how many were copied (0: none yet); -1 when the
 * guest has sent its FIN (or the connection is gone) and all were read. */
int hvsim_hvsock_read(struct hvsim_hvsock *hs, uint32_t id, void *buf, uint32_t size);
/* The host's FIN, after what is queued. */
void hvsim_hvsock_shutdown(struct hvsim_hvsock *hs, uint32_t id);
/* Rescind now, with no FIN: the host side went away mid-stream. */
void hvsim_hvsock_abort(struct hvsim_hvsock *hs, uint32_t id);
/* The test is done with it; the slot is reused once the channel is gone. */
void hvsim_hvsock_release(struct hvsim_hvsock *hs, uint32_t id);
/* Guest bytes go to fn as they arrive instead of the buffer (benchmarks). */
void hvsim_hvsock_set_sink(struct hvsim_hvsock *hs, uint32_t id,
                           void (*fn)(void *ctx, const uint8_t *data, uint32_t len), void *ctx);

enum hvsim_hvsock_state {
    HVSIM_HVSOCK_FREE,
    HVSIM_HVSOCK_OFFERED,     /* waiting for the guest to open the channel */
    HVSIM_HVSOCK_OPEN,
    HVSIM_HVSOCK_RESCINDED,   /* the host rescinded; waiting for RELID_RELEASED */
    HVSIM_HVSOCK_GONE,        /* the relid was released */
};

struct hvsim_hvsock_conn_info {
    enum hvsim_hvsock_state state;
    bool guest_initiated;
    uint32_t relid;
    struct hvsim_guid service, endpoint;
    bool guest_fin, host_fin;          /* FINs received and sent */
    bool guest_closed;                 /* the guest closed the channel before a rescind */
    bool open_timed_out;
    uint64_t bytes_from_guest, bytes_to_guest;
    uint64_t packets_from_guest, packets_to_guest;
    uint32_t largest_guest_packet;     /* data bytes */
    uint32_t rx_buffered, tx_buffered; /* bytes waiting in the host's buffers */
    uint64_t ring_full;                /* host writes that found the ring full */
    uint64_t protocol_errors;
};
bool hvsim_hvsock_info(const struct hvsim_hvsock *hs, uint32_t id, struct hvsim_hvsock_conn_info *out);

struct hvsim_hvsock_counters {
    uint64_t requests, accepted, refused, results_sent, ignored;
    uint64_t host_connects, offers, opens, open_timeouts, rescinds, guest_closes;
    uint64_t uds_accepts, uds_bad_commands, uds_connect_failures;
    uint64_t protocol_errors;
    uint32_t live, max_live;           /* connections with a channel */
};
void hvsim_hvsock_get_counters(const struct hvsim_hvsock *hs, struct hvsim_hvsock_counters *out);
/* How often the guest error named what happened ("data after the guest's
 * FIN", "pipe packet type not DATA", ...); 0 if never. */
uint64_t hvsim_hvsock_error_count(const struct hvsim_hvsock *hs, const char *what);
/* The first error seen, or NULL: for a test's failure message. */
const char *hvsim_hvsock_first_error(const struct hvsim_hvsock *hs);

/* ---- for the VMBus host's model table (vmbus_devices.c) ---- */
enum hvsim_vmbus_verdict hvsim_hvsock_on_packet(struct hvsim_vmbus_chan *ch, const struct hvsim_packet *pkt);
void hvsim_hvsock_on_room(struct hvsim_vmbus_chan *ch);
void hvsim_hvsock_on_open(struct hvsim_vmbus *vb, struct hvsim_vmbus_chan *ch);
void hvsim_hvsock_on_close(struct hvsim_vmbus_chan *ch);

#endif
