/* hv_sock's byte stream over pipe packets (devices.md 3.4-3.5). The
 * receive side keeps the packets KMCL hands to ProcessPacket (their
 * completion handles, their data) in arrival order and lets a reader take
 * any number of bytes: a packet is completed, which frees its slot in the
 * channel's receive pool and lets the host write more, only once every byte
 * of it has been read. An empty packet is the peer's FIN. One producer (the
 * channel's ProcessPacket, at dispatch level) and one consumer (the reader,
 * passive): dispatch preempts passive, never the reverse, and each index
 * has one writer, so no lock is needed, only ordered loads and stores.
 * hvsock_rx_detach runs at passive level once the producer has stopped;
 * passive threads do not preempt each other, so it never meets a reader
 * halfway through a read.
 *
 * The send side is arithmetic: how a write is cut into packets, and how
 * many bytes may be in flight (queued by KMCL, not yet in the ring). */
#ifndef HVRT_DRIVERS_HVSOCK_STREAM_H
#define HVRT_DRIVERS_HVSOCK_STREAM_H

#include <stdbool.h>
#include <stdint.h>

/* Packets a channel may hold: KMCL's transaction quota for the channel. */
#define HVSOCK_RX_SLOTS 64u
/* Data bytes per packet we send: a page minus the pipe header, as Linux and
 * FreeBSD send (the pipe allows 16384). */
#define HVSOCK_TX_CHUNK 4088u

struct hvsock_rx_item {
    void *token;               /* what release() gets: the packet's completion handle */
    const uint8_t *data;
    uint32_t len;
    bool copied;               /* data is our own copy (freed), the packet was released */
};

struct hvsock_rx {
    struct hvsock_rx_item items[HVSOCK_RX_SLOTS];
    uint32_t head;             /* consumer's: next item to read */
    uint32_t tail;             /* producer's: next free item */
    uint32_t offset;           /* bytes of items[head] already read */
    bool fin;                  /* the peer's FIN came (after every item queued before it) */
    void (*release)(void *ctx, void *token);
    void *ctx;
};

void hvsock_rx_init(struct hvsock_rx *rx, void (*release)(void *ctx, void *token), void *ctx);
/* Producer: a data packet (len > 0) is queued and released later; the FIN
 * (len 0) is noted and released at once. false (nothing queued, the packet
 * released) when all slots are taken or data follows the FIN: the peer broke
 * the protocol. */
bool hvsock_rx_push(struct hvsock_rx *rx, void *token, const void *data, uint32_t len);
/* Consumer: copies up to size bytes in order, releasing packets it
 * finishes; returns how many. */
uint32_t hvsock_rx_read(struct hvsock_rx *rx, void *buf, uint32_t size);
/* Bytes ready to read now. */
uint32_t hvsock_rx_available(const struct hvsock_rx *rx);
/* The FIN came and every byte before it was read. */
bool hvsock_rx_eof(const struct hvsock_rx *rx);
/* Releases what is still queued (the connection is going away). */
void hvsock_rx_drop(struct hvsock_rx *rx);
/* Passive, with the producer stopped (KMCL's Suspend): the unread bytes of
 * every queued packet are copied to memory of our own and the packet is
 * released, so the channel can close (KMCL waits until the client holds
 * nothing) while the reader still gets every byte. false when memory ran
 * out: those packets stay queued and held. */
bool hvsock_rx_detach(struct hvsock_rx *rx);

/* The next packet's data bytes for a write of left bytes with room bytes
 * free in the window: the chunk size at most; 0 when the window is full. */
uint32_t hvsock_tx_next(uint32_t left, uint32_t room);

#endif
