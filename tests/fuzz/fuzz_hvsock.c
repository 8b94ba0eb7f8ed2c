/* What a host sends hv_sock, as libFuzzer input: pipe-mode packet payloads
 * (the pipe header as the host wrote it, then data) cut into the byte
 * stream, with reads of any size in between; and TL_CONNECT_RESULT
 * messages for outstanding connect requests.
 *
 * Input: a sequence of records [u8 op][u16 len][len bytes]:
 *   op % 4 == 0: a packet payload: vmbus_pipe_parse, then DATA into the stream
 *   op % 4 == 1: a read of len bytes (no data follows)
 *   op % 4 == 2: a TL_CONNECT_RESULT message of len bytes (44 and more are
 *                handed to vmbus/tl_connect.c; op bit 2 makes its ids those
 *                of an outstanding request)
 *   op % 4 == 3: the connection goes away: what is queued is released;
 *                with op bit 2, the channel closes under the reader
 *                instead (KMCL's Suspend): every queued packet is released
 *                and its unread bytes are still read, from our copies
 * Oracles: the bytes read are exactly the DATA bytes pushed, in order, with
 * nothing after the FIN; every packet is released once; a refusal reaches
 * only its own request, once, with a failure status. vmbus/tl_connect.c is
 * linked against the stubs below (no VMBus: the post always succeeds, dpcs
 * run at once). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/vmbus.h>

#include "arch/platform.h"
#include "drivers/hvsock/stream.h"
#include "lib/thread.h"
#include "vmbus/ring.h"
#include "vmbus/tl_connect.h"
#include "vmbus/vmbus.h"

/* ---- stubs for tl_connect.c ---- */

platform_irq_state platform_irq_save(void) { return 0; }
void platform_irq_restore(platform_irq_state s) { (void)s; }
bool vmbus_connected(void) { return true; }
int vmbus_connect(const struct vmbus_connect_options *o) { (void)o; return VMBUS_OK; }
uint32_t vmbus_version(void) { return VMBUS_VERSION_WIN10_V5_3; }
int vmbus_post(const void *msg, uint32_t size) { (void)msg, (void)size; return VMBUS_OK; }
void dpc_init(struct dpc *d, void (*fn)(void *arg), void *arg)
{
    d->fn = fn;
    d->arg = arg;
    d->queued = false;
}
void dpc_queue(struct dpc *d) { d->fn(d->arg); }

/* ---- the stream, with a shadow of what must come out ---- */

#define MAX_BYTES (1u << 20)

static uint8_t *expected, *got;
static uint32_t expected_len, got_len;
static int live[HVSOCK_RX_SLOTS + 8];   /* per token: 1 queued, 0 released */
static uint8_t *copies[HVSOCK_RX_SLOTS + 8];
static int next_token;

static void release(void *ctx, void *token)
{
    (void)ctx;
    int t = (int)(intptr_t)token;
    if (live[t] != 1)
        abort();   /* released twice, or never pushed */
    live[t] = 0;
    free(copies[t]);
    copies[t] = NULL;
}

static int free_token(void)
{
    for (int i = 1; i < (int)(sizeof(live) / sizeof(live[0])); i++) {
        int t = (next_token + i) % (int)(sizeof(live) / sizeof(live[0]));
        if (t != 0 && live[t] == 0)
            return next_token = t;
    }
    return 0;
}

static void packet(struct hvsock_rx *rx, const uint8_t *p, uint32_t len)
{
    /* KMCL's receive path: the pipe header is checked, then the data (the
     * exact size it claims) is what ProcessPacket gets. */
    uint32_t type, size;
    const uint8_t *data;
    if (vmbus_pipe_parse(p, len, &type, &data, &size) != VMBUS_RING_OK) {
        if (len >= 8 && ((const uint32_t *)(const void *)p)[1] <= len - 8 &&
            ((const uint32_t *)(const void *)p)[1] <= VMBUS_PIPE_MAX_PAYLOAD)
            abort();   /* a header that fits was refused */
        return;
    }
    if (size > len - 8 || size > VMBUS_PIPE_MAX_PAYLOAD)
        abort();
    if (type != VMBUS_PIPE_DATA)
        return;
    int t = free_token();
    if (t == 0)
        return;
    copies[t] = malloc(size ? size : 1);
    memcpy(copies[t], data, size);
    live[t] = 1;
    bool had_fin = rx->fin;
    bool full = rx->tail - rx->head == HVSOCK_RX_SLOTS;
    bool ok = hvsock_rx_push(rx, (void *)(intptr_t)t, copies[t], size);
    if (ok != (!had_fin && (size == 0 || !full)))
        abort();
    if (ok && size > 0 && expected_len + size <= MAX_BYTES) {
        memcpy(expected + expected_len, copies[t] ? copies[t] : data, size);
        expected_len += size;
    }
}

static void read_some(struct hvsock_rx *rx, uint32_t n)
{
    static uint8_t buf[65536];
    uint32_t avail = hvsock_rx_available(rx);
    uint32_t r = hvsock_rx_read(rx, buf, n);
    if (r > n || r != (avail < n ? avail : n))
        abort();
    if (got_len + r > expected_len || memcmp(expected + got_len, buf, r) != 0)
        abort();
    got_len += r;
    if (hvsock_rx_eof(rx) && got_len != expected_len)
        abort();
}

/* ---- TL_CONNECT_RESULT ---- */

static GUID ep, svc;
static int calls;
static NTSTATUS last;

static void on_result(PVOID ctx, NTSTATUS status)
{
    if (ctx != &calls)
        abort();
    calls++;
    last = status;
}

static void result(const uint8_t *p, uint32_t len, bool ours)
{
    if (len < VMBUS_MSG_TL_CONNECT_RESULT_SIZE)
        return;   /* connection.c's table refuses a short one before this */
    uint8_t *m = malloc(len);
    memcpy(m, p, len);
    if (ours) {
        memcpy(m + 8, &ep, 16);
        memcpy(m + 24, &svc, 16);
    }
    bool matches = memcmp(m + 8, &ep, 16) == 0 && memcmp(m + 24, &svc, 16) == 0;
    int before = calls;
    vmbus_on_tl_connect_result(m, len);
    free(m);
    if (calls != before + (matches && before == 0 ? 1 : 0))
        abort();   /* only our request, only once */
    if (calls > before && last >= 0)
        abort();   /* a refusal is always a failure status */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!expected) {
        expected = malloc(MAX_BYTES);
        got = malloc(MAX_BYTES);
    }
    expected_len = got_len = 0;
    struct hvsock_rx rx;
    hvsock_rx_init(&rx, release, NULL);
    memset(&ep, 0x11, sizeof(ep));
    memset(&svc, 0x22, sizeof(svc));
    calls = 0;
    if (HvrtTlConnectRequest(&ep, &svc, on_result, &calls) != STATUS_SUCCESS)
        abort();
    while (size >= 3) {
        uint8_t op = data[0];
        uint32_t len = (uint32_t)data[1] | (uint32_t)data[2] << 8;
        data += 3, size -= 3;
        uint32_t take = (op & 3) == 1 || (op & 3) == 3 ? 0 : (len < size ? len : (uint32_t)size);
        uint8_t *copy = malloc(take ? take : 1);   /* exactly take bytes: ASan sees any overread */
        memcpy(copy, data, take);
        switch (op & 3) {
        case 0: packet(&rx, copy, take); break;
        case 1: read_some(&rx, len); break;
        case 2: result(copy, take, op & 4); break;
        case 3:
            if (op & 4) {
                hvsock_rx_detach(&rx);
                for (int t = 0; t < (int)(sizeof(live) / sizeof(live[0])); t++)
                    if (live[t])
                        abort();   /* KMCL would wait for it: a packet still held */
            } else {
                hvsock_rx_drop(&rx);
                expected_len = got_len;
            }
            break;
        }
        free(copy);
        data += take, size -= take;
    }
    read_some(&rx, 65536);
    hvsock_rx_drop(&rx);
    HvrtTlConnectCancel(&ep, &svc);
    for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
        if (live[i])
            abort();   /* a packet never released */
    return 0;
}
