/* hv_sock's byte stream (stream.h): the receive queue and the cutting of
 * writes into packets. */
#include <stdlib.h>
#include <string.h>

#include "drivers/hvsock/stream.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

void hvsock_rx_init(struct hvsock_rx *rx, void (*release)(void *ctx, void *token), void *ctx)
{
    memset(rx, 0, sizeof(*rx));
    rx->release = release;
    rx->ctx = ctx;
}

bool hvsock_rx_push(struct hvsock_rx *rx, void *token, const void *data, uint32_t len)
{
    uint32_t tail = rx->tail;
    bool fin = LOAD(&rx->fin);
    if (len == 0 || fin || tail - LOAD(&rx->head) == HVSOCK_RX_SLOTS) {
        if (len == 0 && !fin)
            STORE(&rx->fin, true);
        rx->release(rx->ctx, token);
        return len == 0 && !fin;
    }
    rx->items[tail % HVSOCK_RX_SLOTS] = (struct hvsock_rx_item){ token, data, len, false };
    STORE(&rx->tail, tail + 1);   /* the item is written before the reader can see it */
    return true;
}

/* The item at head is finished: its packet released, or its copy freed. */
static void finish(struct hvsock_rx *rx, struct hvsock_rx_item *it)
{
    if (it->copied)
        free((void *)it->data);
    else
        rx->release(rx->ctx, it->token);
}

uint32_t hvsock_rx_read(struct hvsock_rx *rx, void *buf, uint32_t size)
{
    uint32_t done = 0, head = rx->head;
    while (done < size && head != LOAD(&rx->tail)) {
        struct hvsock_rx_item *it = &rx->items[head % HVSOCK_RX_SLOTS];
        uint32_t n = it->len - rx->offset < size - done ? it->len - rx->offset : size - done;
        memcpy((uint8_t *)buf + done, it->data + rx->offset, n);
        done += n;
        rx->offset += n;
        if (rx->offset < it->len)
            break;   /* the caller's buffer is full: the rest of this packet waits */
        struct hvsock_rx_item done_item = *it;
        rx->offset = 0;
        STORE(&rx->head, ++head);
        finish(rx, &done_item);
    }
    return done;
}

uint32_t hvsock_rx_available(const struct hvsock_rx *rx)
{
    uint32_t n = 0, tail = LOAD(&rx->tail);
    for (uint32_t i = rx->head; i != tail; i++)
        n += rx->items[i % HVSOCK_RX_SLOTS].len;
    return n - rx->offset;
}

bool hvsock_rx_eof(const struct hvsock_rx *rx)
{
    return LOAD(&rx->fin) && rx->head == LOAD(&rx->tail);
}

void hvsock_rx_drop(struct hvsock_rx *rx)
{
    while (rx->head != LOAD(&rx->tail)) {
        struct hvsock_rx_item it = rx->items[rx->head % HVSOCK_RX_SLOTS];
        rx->offset = 0;
        STORE(&rx->head, rx->head + 1);
        finish(rx, &it);
    }
}

bool hvsock_rx_detach(struct hvsock_rx *rx)
{
    bool all = true;
    for (uint32_t i = rx->head; i != LOAD(&rx->tail); i++) {
        struct hvsock_rx_item *it = &rx->items[i % HVSOCK_RX_SLOTS];
        if (it->copied)
            continue;
        uint32_t skip = i == rx->head ? rx->offset : 0;   /* < len: a finished item is not queued */
        uint8_t *copy = malloc(it->len - skip);
        if (copy == NULL) {
            all = false;
            continue;
        }
        memcpy(copy, it->data + skip, it->len - skip);
        void *token = it->token;
        *it = (struct hvsock_rx_item){ NULL, copy, it->len - skip, true };
        if (skip)
            rx->offset = 0;
        rx->release(rx->ctx, token);
    }
    return all;
}

uint32_t hvsock_tx_next(uint32_t left, uint32_t room)
{
    uint32_t n = left < HVSOCK_TX_CHUNK ? left : HVSOCK_TX_CHUNK;
    return n <= room ? n : 0;
}
