/* libFuzzer target: everything a host sends the synthetic NIC driver
 * (drivers/netvsc), made of fuzz bytes: the answers to NVSP requests
 * (INIT, receive and send buffers), in-band NVSP messages, transfer-page
 * packets (their ranges, and the RNDIS messages the ranges point at:
 * completions, indications, keepalives, data frames) and the completions
 * of the driver's sends.
 *
 * The driver runs on a stand-in for the KMCL API (netvsc_kmcl_stub.c)
 * that plays the host from the input: a synchronous request takes the
 * next record as its answer; each time the driver waits (hvrt_sleep_us),
 * the next record arrives. Time moves 1 ms a wait, and the driver's
 * timeout is 20 ms, so a silent host ends bring-up quickly.
 *
 * Input: records [kind][len lo][len hi][len bytes], kind % 6:
 *   0 the answer to the next synchronous request (NVSP INIT, 101, 104)
 *   1 an in-band packet to ProcessPacket
 *   2 bytes written into the receive buffer: [u32 offset][data]
 *   3 a transfer-page packet: [u8 n][n x {u32 offset, u32 length}][NVSP message]
 *   4 the completion of the oldest outstanding send: its payload
 *   5 the driver sends a frame: [u16 length]
 * After bring-up (whatever its outcome) the rest of the input is played
 * the same way, then the NIC is shut down. */
#include <stdint.h>
#include <string.h>

#include <hvrt/net.h>

void fuzz_netvsc_begin(const uint8_t *data, size_t size);
void fuzz_netvsc_play_all(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hvrt_net_config c = {
        .receive_buffer_bytes = 64 * 1024, .send_buffer_bytes = 32 * 1024, .ring_pages = 4,
        .tx_queue_frames = 4, .timeout_ms = 20,
    };
    hvrt_net_configure(&c);
    fuzz_netvsc_begin(data, size);
    if (hvrt_net_rescan() > 0) {
        fuzz_netvsc_play_all();
        struct hvrt_nic *nic = hvrt_net_get(0);
        uint8_t frame[64] = { 0 };
        struct hvrt_net_sg sg = { frame, sizeof(frame) };
        hvrt_net_send(nic, &sg, 1);
        (void)hvrt_net_reset(nic);
    }
    hvrt_net_shutdown();
    return 0;
}
