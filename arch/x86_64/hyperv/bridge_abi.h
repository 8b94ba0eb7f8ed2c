/* The bridged platform's wire format, shared by the guest (hv_cpu_bridge.c)
 * and the hvsim process on the host side (tests/bridge/hvsim_bridge.c).
 *
 * Under QEMU's TCG the Hyper-V instructions do nothing, so the guest hands
 * them to hvsim instead: each CPUID leaf, synthetic MSR access, hypercall
 * and TSC read is a request in one page of guest RAM (the mailbox), which
 * hvsim reads through its own mapping of the guest's memory. hvsim raises
 * the guest's interrupts by sending a byte to the guest's second serial
 * port (COM2), whose IRQ the guest routes to the mailbox's interrupt slot.
 *
 * Requests, one at a time:
 *   guest: fill op/arg, then request_seq++ (release);
 *          if host_sleeping reads 1, write a doorbell byte to COM2
 *   host:  sees request_seq != answer_seq, does it, fills result,
 *          then answer_seq = request_seq (release)
 *   guest: spins until answer_seq == request_seq (acquire), reads result
 * The host_sleeping check pairs with the host setting it before its last
 * look at request_seq; full fences on both sides make one of them see the
 * other (no lost doorbell).
 *
 * Interrupts, one at a time:
 *   host:  takes a vector from hvsim's APIC, stores it in irq_vector,
 *          sends one byte to COM2
 *   guest: COM2 interrupt: drain the UART, run irq_vector's handler,
 *          clear irq_vector, then request BRIDGE_OP_EOI
 *
 * The guest announces the mailbox on COM2 with one text line (the firmware
 * also writes there, so the host skips everything before it) and repeats it
 * until the host sets host_attached. */
#ifndef HVRT_HV_BRIDGE_ABI_H
#define HVRT_HV_BRIDGE_ABI_H

#include <stdint.h>

#define BRIDGE_ABI_VERSION   1u
#define BRIDGE_MAILBOX_MAGIC 0x6567646972627668ull   /* "hvbridge", little-endian */
#define BRIDGE_HELLO_PREFIX  "hvrt-bridge mailbox=0x"  /* then hex GPA, then '\n' */
#define BRIDGE_COM2_PORT     0x2f8
#define BRIDGE_COM2_IRQ      3

enum bridge_op {
    BRIDGE_OP_NONE = 0,
    BRIDGE_OP_CPUID,          /* arg0 leaf, arg1 subleaf -> result0..3 eax..edx */
    BRIDGE_OP_RDMSR,          /* arg0 msr -> result0 value, result1 1 if #GP */
    BRIDGE_OP_WRMSR,          /* arg0 msr, arg1 value -> result1 1 if #GP */
    BRIDGE_OP_HYPERCALL,      /* arg0 control, arg1 input GPA, arg2 output GPA -> result0 */
    BRIDGE_OP_HYPERCALL_FAST, /* arg0 control, arg1 rdx, arg2 r8 -> result0 */
    BRIDGE_OP_RDTSC,          /* -> result0 the partition's TSC */
    BRIDGE_OP_EOI,            /* the guest finished the vector it was given */
    BRIDGE_OP_COUNT
};

struct bridge_mailbox {
    uint64_t magic;            /* guest: BRIDGE_MAILBOX_MAGIC */
    uint32_t abi_version;      /* guest: BRIDGE_ABI_VERSION */
    uint32_t host_attached;    /* host: 1 once it serves this mailbox */
    uint64_t request_seq;      /* guest */
    uint64_t answer_seq;       /* host */
    uint32_t op;               /* enum bridge_op */
    uint32_t reserved0;
    uint64_t arg[3];
    uint64_t result[4];
    uint32_t host_sleeping;    /* host: 1 while it waits for a doorbell byte */
    uint32_t irq_vector;       /* host sets, guest clears: the vector being delivered (0: none) */
    uint64_t requests_served;  /* host: a counter, for logs */
};

_Static_assert(sizeof(struct bridge_mailbox) <= 4096, "the mailbox is one page");

#endif
