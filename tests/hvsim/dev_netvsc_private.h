/* What hvsim's netvsc model files share (dev_netvsc.c: NVSP and the data
 * path; dev_netvsc_rndis.c: RNDIS control; dev_netvsc_tap.c: the TAP). */
#ifndef HVSIM_DEV_NETVSC_PRIVATE_H
#define HVSIM_DEV_NETVSC_PRIVATE_H

#include "tests/hvsim/dev_netvsc.h"
#include "tests/hvsim/dev_netvsc_wire.h"

#define HN_QUEUE_MAX 4096u       /* messages waiting for the receive buffer */
#define HN_PORT_MAX 4096u        /* guest frames the test has not taken */
#define HN_MAX_MESSAGE 16384u    /* the largest RNDIS message either side writes */

/* An RNDIS message waiting for room in the guest's receive buffer. */
struct hn_msg {
    struct hn_msg *next;
    bool control;
    uint32_t length;
    uint8_t data[];
};

struct hn_held {
    uint64_t id;
    uint32_t status;
};

struct hn_frame {
    uint32_t length;
    uint8_t *data;
};

struct hvsim_netvsc {
    struct hvsim_vmbus_chan *ch;
    struct hvsim *sim;
    struct hvsim_netvsc_config cfg;
    /* NVSP */
    uint32_t rx_gpadl, tx_gpadl;
    uint16_t rx_id;
    uint32_t rx_bytes, tx_bytes;
    uint64_t *sub_owner;             /* per receive sub-allocation: the packet holding it, 0 free */
    uint32_t sub_cursor;
    uint64_t next_xfer_id;
    struct hn_held *held;            /* sends not completed yet (ring full, or the fault) */
    uint32_t held_count, held_cap;
    /* the receive queue */
    struct hn_msg *head, *tail;
    uint32_t queued;
    /* The guest may answer inside our own send (its interrupt runs at
     * once): a pump or flush that finds itself running asks for one more
     * round instead of nesting. */
    bool pumping, pump_again, flushing;
    bool hold;                       /* hvsim_netvsc_hold */
    /* port backend */
    struct hn_frame port[HN_PORT_MAX];
    uint32_t port_head, port_count;
    void (*sink)(void *ctx, const uint8_t *frame, uint32_t length);
    void *sink_ctx;
    struct hn_poll *poll;            /* TAP reader, while open */
    struct hvsim_netvsc_stats st;
};

/* dev_netvsc.c */
void hn_error(struct hvsim_netvsc *dev, const char *what, uint32_t value);
/* Queues an RNDIS message for the guest: header {type, 8 + body_len} and body. */
void hn_queue_control(struct hvsim_netvsc *dev, uint32_t type, const void *body, uint32_t body_len);
void hn_pump(struct hvsim_netvsc *dev);
void hn_frame_from_guest(struct hvsim_netvsc *dev, const uint8_t *frame, uint32_t length);

/* dev_netvsc_rndis.c: one RNDIS message the guest sent; false when it was
 * malformed (the send is completed with a failure). */
bool hn_rndis_from_guest(struct hvsim_netvsc *dev, const uint8_t *msg, uint32_t length);

/* dev_netvsc_tap.c */
void hn_tap_start(struct hvsim_netvsc *dev);
void hn_tap_stop(struct hvsim_netvsc *dev);

#endif
