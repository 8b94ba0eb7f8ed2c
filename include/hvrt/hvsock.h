/* Hyper-V sockets (hv_sock): byte streams between a program on the host
 * and this guest over VMBus, with no network and no IP configuration
 * (docs/hvsock.md). A service is a GUID; vsock-style ports are the GUIDs
 * <port>-facb-11e6-bd58-64006a7986d3, as Linux maps AF_VSOCK ports.
 *
 * Calls that can fail return NULL or -1 and set errno, as POSIX sockets do.
 * Timeouts are in milliseconds: HVSOCK_FOREVER waits for ever, 0 does not
 * wait. Each call is for passive level (an app's thread). A connection may
 * have one reading thread and one writing thread at a time. */
#ifndef HVRT_HVSOCK_H
#define HVRT_HVSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hvrt/vmbus.h>

#define HVSOCK_FOREVER (-1)

/* A listener or a connection. */
typedef struct hvsock hvsock_t;

/* The service id of vsock port `port`. */
void hvsock_port_service(uint32_t port, GUID *service);
/* The port of a vsock service id; false for any other GUID. */
bool hvsock_service_port(const GUID *service, uint32_t *port);

/* Takes the host's connections to service from now on (any GUID; see
 * docs/hvsock.md for what a Windows host needs registered). NULL with
 * errno EADDRINUSE when service is already listened on, ENOMEM. */
hvsock_t *hvsock_listen(const GUID *service);
/* The next connection the host made to the listener's service. NULL with
 * errno ETIMEDOUT (no connection came), EINVAL (not a listener), ENOMEM,
 * EIO (its channel did not open: the host refused the open or did not
 * answer it), ECONNRESET (the host withdrew it before it opened). The
 * timeout bounds the wait for a connection; its open is bounded apart. */
hvsock_t *hvsock_accept(hvsock_t *listener, int timeout_ms);
/* Connects to the host's service (TL_CONNECT_REQUEST, from a local port
 * of our own, 1024 upward) and returns once the connection's channel is
 * open. NULL with errno ECONNREFUSED (the host said no: VMBus 4.1 and
 * later), ETIMEDOUT (no answer within timeout_ms: before 4.1 a refusal is
 * silence), EIO (the host offered the connection but its channel did not
 * open: the host refused the open, did not answer it, or the timeout came
 * first), ENOTSUP (VMBus below 4.0: no hv_sock), ENODEV (no VMBus),
 * ENOMEM. */
hvsock_t *hvsock_connect(const GUID *service, int timeout_ms);

/* Up to len bytes: as many as are there (at least 1), waiting for some.
 * 0 at the end of the stream (the peer's FIN, or the host ended the
 * connection: after every byte that came before); -1 with errno ETIMEDOUT,
 * EIO (the host broke the protocol), EINVAL. */
ssize_t hvsock_read(hvsock_t *s, void *buf, size_t len, int timeout_ms);
/* Queues all len bytes, waiting for room as needed: len, or on a timeout
 * the bytes queued so far (-1 with ETIMEDOUT if none). -1 with errno EPIPE
 * after hvsock_shutdown or once the connection is gone, EINVAL, ENOMEM. */
ssize_t hvsock_write(hvsock_t *s, const void *buf, size_t len, int timeout_ms);
/* Sends our FIN: the peer reads the end of the stream after what was
 * written; reading goes on. 0, or -1 with errno EPIPE (already gone). */
int hvsock_shutdown(hvsock_t *s);
/* Ends a connection (FIN if not sent yet; then waits up to 2 s for the
 * host to end the channel, reading and dropping what still comes) and
 * frees it; stops a listener. 0. */
int hvsock_close(hvsock_t *s);

/* The connection's service id and endpoint id (for a connection we made,
 * the endpoint is our local port's GUID; for an accepted one, the host's). */
void hvsock_ids(const hvsock_t *s, GUID *service, GUID *endpoint);

#endif
