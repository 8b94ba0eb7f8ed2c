/* Hypercalls: decoding the input value, the argument rules of the memory and
 * fast forms, the call table, the ports the host side registers, and fault
 * injection. Checks run in this order, each failing with its own status:
 * unknown code; injected fault; reserved/rep/variable-header bits; privilege;
 * fast-form limits; input and output GPAs; then the call's own checks.
 * Input is copied out of guest memory once, before anything looks at it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/hvsim_state.h"

#define MAX_IO_SIZE 256u

struct call_desc {
    uint16_t code;
    const char *name;
    uint32_t input_size;  /* bytes read from the input GPA (or registers) */
    uint32_t output_size; /* bytes written to the output GPA */
    uint64_t privilege;   /* 0: none needed */
    bool fast_ok;         /* whole input fits RDX:R8 and no output */
    uint16_t (*fn)(struct hvsim *sim, struct hvsim_vp *vp, const uint8_t *in, uint8_t *out);
};

static struct hvsim_port *find_port(struct hvsim *sim, uint32_t id, bool is_event)
{
    for (size_t i = 0; i < sim->port_count; i++)
        if (sim->ports[i].id == id && sim->ports[i].is_event == is_event)
            return &sim->ports[i];
    return NULL;
}

static uint16_t call_notify_long_spin_wait(struct hvsim *sim, struct hvsim_vp *vp, const uint8_t *in,
                                           uint8_t *out)
{
    (void)sim, (void)vp, (void)in, (void)out;
    return HVW_OK;
}

static uint16_t call_get_partition_id(struct hvsim *sim, struct hvsim_vp *vp, const uint8_t *in,
                                      uint8_t *out)
{
    (void)vp, (void)in;
    st64(out, 0, sim->cfg.partition_id);
    return HVW_OK;
}

static uint16_t call_post_message(struct hvsim *sim, struct hvsim_vp *vp, const uint8_t *in, uint8_t *out)
{
    (void)out;
    uint32_t conn = ld32(in, HVW_POST_CONN_ID), type = ld32(in, HVW_POST_TYPE);
    uint32_t size = ld32(in, HVW_POST_SIZE);
    if (ld32(in, HVW_POST_RSVD) != 0)
        return HVW_E_INVALID_HYPERCALL_INPUT;
    if (type == HVW_MSGTYPE_NONE || (type & HVW_MSGTYPE_HYPERVISOR) || size > HVW_PAYLOAD_MAX)
        return HVW_E_INVALID_PARAMETER;
    struct hvsim_port *port = NULL;
    if ((conn & ~HVW_CONN_ID_BITS) == 0)
        port = find_port(sim, conn, false);
    if (!port)
        return HVW_E_INVALID_CONNECTION_ID;
    /* The handler gets hvsim's copy: the guest cannot change it meanwhile. */
    return port->msg_fn(port->ctx, sim, vp->index, conn, type, in + HVW_POST_PAYLOAD, size);
}

static uint16_t call_signal_event(struct hvsim *sim, struct hvsim_vp *vp, const uint8_t *in, uint8_t *out)
{
    (void)out;
    uint64_t v = ld64(in, 0);
    if (v & HVW_SIGNAL_RSVDZ)
        return HVW_E_INVALID_HYPERCALL_INPUT;
    uint32_t id = HVW_SIGNAL_CONN(v);
    uint16_t flag = HVW_SIGNAL_FLAG(v);
    struct hvsim_port *port = NULL;
    if ((id & ~HVW_CONN_ID_BITS) == 0)
        port = find_port(sim, id, true);
    if (!port)
        return HVW_E_INVALID_CONNECTION_ID;
    if (flag >= port->flag_count)
        return HVW_E_INVALID_PARAMETER;
    return port->event_fn(port->ctx, sim, vp->index, id, flag);
}

static const struct call_desc calls[] = {
    {HVW_CALL_LONG_SPIN_WAIT, "NotifyLongSpinWait", 8, 0, 0, true, call_notify_long_spin_wait},
    {HVW_CALL_PARTITION_ID, "GetPartitionId", 0, 8, HVW_PRIV_PARTITION_ID, false,
     call_get_partition_id},
    {HVW_CALL_POST_MESSAGE, "PostMessage", HVW_POST_BLOCK, 0,
     HVW_PRIV_POST_MESSAGES, false, call_post_message},
    {HVW_CALL_SIGNAL_EVENT, "SignalEvent", 8, 0, HVW_PRIV_SIGNAL_EVENTS, true, call_signal_event},
};

static const struct call_desc *find_call(uint16_t code)
{
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        if (calls[i].code == code)
            return &calls[i];
    return NULL;
}

static bool take_fault(struct hvsim *sim, uint16_t code, uint16_t *status)
{
    for (unsigned i = 0; i < HVSIM_MAX_FAULTS; i++) {
        struct hvsim_fault *f = &sim->faults[i];
        if (f->count > 0 && f->code == code) {
            f->count--;
            *status = f->status;
            return true;
        }
    }
    return false;
}

/* A parameter block must be 8-aligned, inside one page, in guest RAM, and
 * not on an overlay page. */
static uint16_t check_block(const struct hvsim *sim, uint64_t gpa, uint32_t size)
{
    if (gpa % 8 != 0)
        return HVW_E_INVALID_ALIGNMENT;
    if (gpa % HVW_PAGE + size > HVW_PAGE)
        return HVW_E_INVALID_ALIGNMENT;
    if (!mem_range_ok(sim, gpa, size) || mem_in_overlay(sim, gpa, size))
        return HVW_E_INVALID_ALIGNMENT;
    return HVW_OK;
}

static uint16_t dispatch(struct hvsim *sim, struct hvsim_vp *vp, uint64_t control, uint64_t rdx, uint64_t r8,
                         const struct call_desc *d)
{
    uint16_t status;
    if (take_fault(sim, d->code, &status)) {
        sim_log(sim, "vp%u hypercall %s: injected status 0x%x", vp->index, d->name, status);
        return status;
    }
    if (control & (HVW_HC_RSVDZ | HVW_HC_NESTED | HVW_HC_VARHDR))
        return HVW_E_INVALID_HYPERCALL_INPUT;
    /* Every call modelled is a simple call: no rep count, no start index. */
    if (control & (HVW_HC_REP_COUNT | HVW_HC_REP_START))
        return HVW_E_INVALID_HYPERCALL_INPUT;
    if (d->privilege && (sim->cfg.privileges & d->privilege) != d->privilege)
        return HVW_E_ACCESS_DENIED;

    _Alignas(8) uint8_t in[MAX_IO_SIZE] = {0};
    _Alignas(8) uint8_t out[MAX_IO_SIZE] = {0};
    bool fast = (control & HVW_HC_FAST) != 0;
    if (fast) {
        /* XMM fast input/output is not modelled: 16 bytes in, nothing out. */
        if (!d->fast_ok)
            return HVW_E_INVALID_HYPERCALL_INPUT;
        memcpy(in, &rdx, 8);
        memcpy(in + 8, &r8, 8);
    } else {
        if (d->input_size) {
            status = check_block(sim, rdx, d->input_size);
            if (status != HVW_OK)
                return status;
            mem_read(sim, rdx, in, d->input_size);
        }
        if (d->output_size) {
            status = check_block(sim, r8, d->output_size);
            if (status != HVW_OK)
                return status;
        }
    }
    status = d->fn(sim, vp, in, out);
    if (status == HVW_OK && d->output_size)
        mem_write(sim, r8, out, d->output_size);
    return status;
}

uint64_t hvsim_hypercall(struct hvsim *sim, uint32_t vpi, uint64_t control, uint64_t input_gpa,
                         uint64_t output_gpa)
{
    struct hvsim_vp *vp = sim_vp(sim, vpi);
    sim->pstats.hypercalls++;
    if (!vp || !(sim->hypercall_msr & HVW_PAGE_MSR_ENABLE)) {
        sim->pstats.hypercall_ud++;
        sim_log(sim, "vp%u hypercall 0x%" PRIx64 " without a hypercall page: #UD", vpi, control);
        return HVSIM_HYPERCALL_UD;
    }
    uint16_t code = (uint16_t)(control & 0xFFFFull);
    const struct call_desc *d = find_call(code);
    uint16_t status;
    sim_enter(sim);
    if (!d)
        status = HVW_E_INVALID_HYPERCALL_CODE;
    else
        status = dispatch(sim, vp, control, input_gpa, output_gpa, d);
    sim_log(sim, "vp%u hypercall %s (0x%04x%s) -> status 0x%04x", vpi, d ? d->name : "unknown", code,
            (control & HVW_HC_FAST) ? " fast" : "", status);
    sim_leave(sim);
    return status; /* reps completed: 0, no rep call is modelled */
}

uint64_t hvsim_hypercall_fast(struct hvsim *sim, uint32_t vp, uint64_t control, uint64_t rdx, uint64_t r8)
{
    return hvsim_hypercall(sim, vp, control | HVW_HC_FAST, rdx, r8);
}

int hvsim_inject_hypercall_fault(struct hvsim *sim, uint16_t code, uint16_t status, uint32_t count)
{
    struct hvsim_fault *free_slot = NULL;
    for (unsigned i = 0; i < HVSIM_MAX_FAULTS; i++) {
        struct hvsim_fault *f = &sim->faults[i];
        if (f->count > 0 && f->code == code) {
            f->status = status;
            f->count = count;
            return 0;
        }
        if (f->count == 0 && !free_slot)
            free_slot = f;
    }
    if (count == 0)
        return 0;
    if (!free_slot)
        return -1;
    *free_slot = (struct hvsim_fault){code, status, count};
    return 0;
}

/* ---- ports ---- */

static int add_port(struct hvsim *sim, const struct hvsim_port *p)
{
    if ((p->id & ~HVW_CONN_ID_BITS) || find_port(sim, p->id, p->is_event))
        return -1;
    if (sim->port_count == sim->port_cap) {
        size_t cap = sim->port_cap ? sim->port_cap * 2 : 8;
        struct hvsim_port *n = realloc(sim->ports, cap * sizeof(*n));
        if (!n)
            return -1;
        sim->ports = n;
        sim->port_cap = cap;
    }
    sim->ports[sim->port_count++] = *p;
    return 0;
}

static int remove_port(struct hvsim *sim, uint32_t id, bool is_event)
{
    struct hvsim_port *p = find_port(sim, id, is_event);
    if (!p)
        return -1;
    *p = sim->ports[--sim->port_count];
    return 0;
}

int hvsim_register_message_port(struct hvsim *sim, uint32_t connection_id, hvsim_message_fn fn, void *ctx)
{
    if (!fn)
        return -1;
    struct hvsim_port p = {.id = connection_id, .is_event = false, .msg_fn = fn, .ctx = ctx};
    return add_port(sim, &p);
}

int hvsim_register_event_port(struct hvsim *sim, uint32_t connection_id, uint16_t flag_count,
                              hvsim_event_fn fn, void *ctx)
{
    if (!fn || flag_count == 0)
        return -1;
    struct hvsim_port p = {.id = connection_id, .is_event = true, .flag_count = flag_count,
                           .event_fn = fn, .ctx = ctx};
    return add_port(sim, &p);
}

int hvsim_unregister_message_port(struct hvsim *sim, uint32_t connection_id)
{
    return remove_port(sim, connection_id, false);
}

int hvsim_unregister_event_port(struct hvsim *sim, uint32_t connection_id)
{
    return remove_port(sim, connection_id, true);
}

void ports_free(struct hvsim *sim)
{
    free(sim->ports);
}
