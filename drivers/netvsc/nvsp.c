/* NVSP bring-up (devices.md 1.13): the highest protocol version the host
 * accepts, the NDIS configuration and version, then the receive buffer
 * (where the host writes frames) and the send buffer (sections the guest
 * copies frames into), each a GPADL the host is told about. Every answer is
 * checked: a host that says more than it should gets a clear error. */
#include <stdio.h>
#include <string.h>

#include <hvrt/runtime.h>
#include "drivers/netvsc/netvsc.h"

static const uint32_t versions[] = { NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5,
                                     NVSP_VERSION_4,  NVSP_VERSION_2, NVSP_VERSION_1 };

/* One request that wants a completion; reply gets up to *reply_len bytes.
 * Hosts pad their answers to a whole NVSP message whatever the type, and
 * KMCL refuses an answer larger than the buffer, so the answer lands in a
 * message-sized buffer first and the caller gets its part. */
static NTSTATUS request(struct hvrt_nic *nic, const void *msg, uint32_t length, void *reply, uint32_t *reply_len)
{
    uint8_t padded[NVSP_REQUEST_SIZE] = { 0 };
    uint64_t answer[NVSP_REPLY_SIZE / 8] = { 0 };
    memcpy(padded, msg, length < sizeof(padded) ? length : sizeof(padded));
    LARGE_INTEGER timeout = { -(int64_t)nic->config.timeout_ms * 10000 };
    UINT32 size = sizeof(answer);
    NTSTATUS st = VmbChannelSendSynchronousRequest(nic->channel, padded, sizeof(padded), NULL,
                                                   VMBUS_CHANNEL_FORMAT_FLAG_WAIT_FOR_COMPLETION, answer, &size,
                                                   &timeout);
    if (size > *reply_len)
        size = *reply_len;
    memset(reply, 0, *reply_len);
    memcpy(reply, answer, size);
    *reply_len = size;
    if (st == STATUS_DEVICE_REMOVED)
        netvsc_removed(nic);
    return st;
}

static int fail(struct hvrt_nic *nic, const char *what, uint32_t value)
{
    printf("%s: %s (0x%x)\n", nic->name, what, (unsigned)value);
    nic->counters.control_errors++;
    return -1;
}

static int negotiate(struct hvrt_nic *nic)
{
    for (unsigned i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (versions[i] > nic->config.max_nvsp_version)
            continue;
        struct nvsp_init m = { NVSP_INIT, versions[i], versions[i] };
        struct nvsp_init_complete r;
        uint32_t n = sizeof(r);
        NTSTATUS st = request(nic, &m, sizeof(m), &r, &n);
        if (!NT_SUCCESS(st))
            return fail(nic, "NVSP INIT not answered", (uint32_t)st);
        if (n >= sizeof(r) && r.type == NVSP_INIT_COMPLETE && r.status == NVSP_STATUS_SUCCESS) {
            nic->nvsp_version = versions[i];
            return 0;
        }
    }
    return fail(nic, "the host accepts no NVSP version we know", 0);
}

/* The NDIS configuration (NVSP > 1) and version: Linux sends both without
 * asking for a completion (devices.md 1.5, 1.13). */
static int ndis_setup(struct hvrt_nic *nic)
{
    if (nic->nvsp_version > NVSP_VERSION_1) {
        struct nvsp_ndis_config c = { NVSP_NDIS_CONFIG, nic->config.mtu + 14, 0, 0, 0 };
        if (!NT_SUCCESS(netvsc_post(nic, &c, sizeof(c))))
            return fail(nic, "cannot send the NDIS configuration", 0);
    }
    /* NDIS 6.1 up to NVSP 4, 6.30 from NVSP 5 */
    struct nvsp_ndis_version v = { NVSP_NDIS_VERSION, 6, nic->nvsp_version <= NVSP_VERSION_4 ? 1 : 30 };
    if (!NT_SUCCESS(netvsc_post(nic, &v, sizeof(v))))
        return fail(nic, "cannot send the NDIS version", 0);
    return 0;
}

static uint8_t *share(struct hvrt_nic *nic, uint32_t bytes, uint32_t *gpadl)
{
    uint8_t *buf = HvrtAllocatePages(bytes / 4096);
    if (buf == NULL) {
        fail(nic, "out of memory for a buffer of bytes", bytes);
        return NULL;
    }
    NTSTATUS st = VmbChannelCreateGpadlFromBuffer(nic->channel, 0, buf, bytes, gpadl);
    if (!NT_SUCCESS(st)) {
        fail(nic, "cannot create a GPADL: NTSTATUS", (uint32_t)st);
        HvrtFreePages(buf, bytes / 4096);
        *gpadl = 0;
        return NULL;
    }
    return buf;
}

static int receive_buffer(struct hvrt_nic *nic)
{
    nic->recv_size = nic->config.receive_buffer_bytes;
    nic->recv_buf = share(nic, nic->recv_size, &nic->recv_gpadl);
    if (nic->recv_buf == NULL)
        return -1;
    /* The host names this buffer by NVSP_RECV_BUF_ID in every transfer-page
     * packet; KMCL resolves those ranges only once it knows the link. */
    NTSTATUS mapped = HvrtChannelMapTransferPageSet(nic->channel, NVSP_RECV_BUF_ID, nic->recv_gpadl);
    if (!NT_SUCCESS(mapped))
        return fail(nic, "cannot map the transfer page set: NTSTATUS", (uint32_t)mapped);
    struct nvsp_buffer m = { NVSP_RECV_BUF, nic->recv_gpadl, NVSP_RECV_BUF_ID, 0 };
    struct nvsp_recv_buf_complete r;
    uint32_t n = sizeof(r);
    NTSTATUS st = request(nic, &m, sizeof(m), &r, &n);
    if (!NT_SUCCESS(st))
        return fail(nic, "receive buffer not acknowledged", (uint32_t)st);
    if (n < sizeof(r) || r.type != NVSP_RECV_BUF_COMPLETE || r.status != NVSP_STATUS_SUCCESS)
        return fail(nic, "the host refused the receive buffer", r.status);
    /* Sections only tell how the host carves the buffer; ranges say where
     * each frame is. Still, a host that claims more than we gave is wrong. */
    uint64_t span = (uint64_t)r.section.sub_alloc_size * r.section.sub_alloc_count;
    if (r.section_count == 0 || r.section.offset != 0 || r.section.sub_alloc_size < NVSP_MIN_SECTION ||
        span > nic->recv_size)
        return fail(nic, "bad receive buffer sections", r.section.sub_alloc_size);
    nic->recv_section_size = r.section.sub_alloc_size;
    nic->recv_section_count = r.section.sub_alloc_count;
    return 0;
}

static int send_buffer(struct hvrt_nic *nic)
{
    nic->send_size = nic->config.send_buffer_bytes;
    nic->send_buf = share(nic, nic->send_size, &nic->send_gpadl);
    if (nic->send_buf == NULL)
        return -1;
    struct nvsp_buffer m = { NVSP_SEND_BUF, nic->send_gpadl, NVSP_SEND_BUF_ID, 0 };
    struct nvsp_send_buf_complete r;
    uint32_t n = sizeof(r);
    NTSTATUS st = request(nic, &m, sizeof(m), &r, &n);
    if (!NT_SUCCESS(st))
        return fail(nic, "send buffer not acknowledged", (uint32_t)st);
    if (n < sizeof(r) || r.type != NVSP_SEND_BUF_COMPLETE || r.status != NVSP_STATUS_SUCCESS)
        return fail(nic, "the host refused the send buffer", r.status);
    if (r.section_size < NVSP_MIN_SECTION || r.section_size > nic->send_size)
        return fail(nic, "bad send section size", r.section_size);
    nic->section_size = r.section_size;
    nic->section_count = nic->send_size / r.section_size;
    if (nic->section_count > NETVSC_MAX_SECTIONS)
        nic->section_count = NETVSC_MAX_SECTIONS;
    return 0;
}

int nvsp_connect(struct hvrt_nic *nic)
{
    if (negotiate(nic) != 0 || ndis_setup(nic) != 0 || receive_buffer(nic) != 0 || send_buffer(nic) != 0)
        return -1;
    return 0;
}

/* The host stops using the buffers (no completion: devices.md 1.5). */
void nvsp_revoke(struct hvrt_nic *nic)
{
    if (nic->recv_gpadl) {
        struct nvsp_revoke r = { NVSP_REVOKE_RECV_BUF, NVSP_RECV_BUF_ID, 0 };
        netvsc_post(nic, &r, sizeof(r));
    }
    if (nic->send_gpadl) {
        struct nvsp_revoke s = { NVSP_REVOKE_SEND_BUF, NVSP_SEND_BUF_ID, 0 };
        netvsc_post(nic, &s, sizeof(s));
    }
}

/* After the GPADLs are gone (the channel is disabled). */
void nvsp_free_buffers(struct hvrt_nic *nic)
{
    HvrtFreePages(nic->recv_buf, nic->recv_size / 4096);
    HvrtFreePages(nic->send_buf, nic->send_size / 4096);
    nic->recv_buf = nic->send_buf = NULL;
    nic->recv_size = nic->send_size = 0;
    nic->section_count = 0;
}
