/* The guest's half of the bridge (protocol in bridge_abi.h): the bridged
 * backend of hv_cpu.h (hv_cpu_ops.h), whose requests go through the mailbox
 * page to hvsim, and hvsim's interrupts, which come as bytes on COM2. Under
 * QEMU's TCG the Hyper-V instructions do nothing; booted with --hvsim, the
 * image hands them to an hvsim process instead. */
#include <string.h>

#include "arch/platform.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hyperv/bridge_abi.h"
#include "arch/x86_64/hyperv/hv_bridge.h"
#include "arch/x86_64/hyperv/hv_cpu_ops.h"
#include "arch/x86_64/hyperv/hv_defs.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "arch/console.h"

#define ATTACH_TIMEOUT_MS  10000u
#define HELLO_INTERVAL_MS  200u
#define ANSWER_TIMEOUT_MS  10000u
/* The bridge attaches before the clock is set, so that the boot can take
 * the TSC rate from hvsim's frequency MSR as it would from Hyper-V's: its
 * waits count raw TSC ticks, and until the rate is known they assume the
 * fastest TSC we expect, which only stretches a timeout on a slower one. */
#define ASSUMED_MAX_TSC_HZ 5000000000ull

extern char ImageBase[];   /* linker/efi.lds: logged so traces of a run map back to source */

static struct bridge_mailbox *mailbox;
static bool bridged;
static uint64_t waited_ticks;   /* TSC ticks spent waiting for hvsim */

bool hv_bridge_active(void) { return bridged; }
uint64_t hv_bridge_waited_ticks(void) { return waited_ticks; }

static uint64_t tsc_hz;   /* hv_bridge_set_tsc_hz: 0 until the clock is set */

void hv_bridge_set_tsc_hz(uint64_t hz) { tsc_hz = hz; }

static uint64_t ms_to_ticks(uint64_t ms)
{
    uint64_t hz = tsc_hz != 0 ? tsc_hz : ASSUMED_MAX_TSC_HZ;
    return hz / 1000 * ms;
}

/* Interrupts stay off for the whole exchange: a SINT handler makes its own
 * requests (EOM), and the mailbox holds one at a time. The wait is on the
 * raw TSC, since the clock itself may be read through the bridge. */
static void request(uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t result[4])
{
    uint64_t begin = rdtsc();   /* all of it stands in for one exit: counted as waiting */
    platform_irq_state irq = platform_irq_save();
    mailbox->op = op;
    mailbox->arg[0] = a0;
    mailbox->arg[1] = a1;
    mailbox->arg[2] = a2;
    uint64_t seq = mailbox->request_seq + 1;
    __atomic_store_n(&mailbox->request_seq, seq, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&mailbox->host_sleeping, __ATOMIC_SEQ_CST))
        serial_port_putc(BRIDGE_COM2_PORT, '!');   /* the doorbell */
    uint64_t start = rdtsc(), limit = ms_to_ticks(ANSWER_TIMEOUT_MS);
    while (__atomic_load_n(&mailbox->answer_seq, __ATOMIC_ACQUIRE) != seq) {
        cpu_relax();
        if (rdtsc() - start > limit) {
            bridged = false;   /* the panic path must not ask again */
            hv_cpu_use(&hv_cpu_metal_ops);
            kprintf("hvrt: hvsim stopped answering the bridge (request %u)\n", op);
            trap_panic("bridged platform: no answer from hvsim");
        }
    }
    if (result != NULL)
        memcpy(result, mailbox->result, 4 * sizeof(uint64_t));
    platform_irq_restore(irq);
    waited_ticks += rdtsc() - begin;
}

/* hvsim answers the hypervisor's CPUID range; the rest is QEMU's CPU, which
 * says a hypervisor is present: hvsim is. */
static void bridge_cpuid(uint32_t leaf, uint32_t regs[4])
{
    if (leaf >= HV_CPUID_MAX_LEAF_AND_VENDOR && leaf - HV_CPUID_MAX_LEAF_AND_VENDOR < 0x100) {
        uint64_t r[4];
        request(BRIDGE_OP_CPUID, leaf, 0, 0, r);
        for (int i = 0; i < 4; i++)
            regs[i] = (uint32_t)r[i];
        return;
    }
    struct cpuid_regs r = cpuid(leaf, 0);
    if (leaf == 1)
        r.ecx |= 1u << 31;
    regs[0] = r.eax;
    regs[1] = r.ebx;
    regs[2] = r.ecx;
    regs[3] = r.edx;
}

static bool bridge_rdmsr(uint32_t msr, uint64_t *value)
{
    uint64_t r[4];
    request(BRIDGE_OP_RDMSR, msr, 0, 0, r);
    *value = r[0];
    return r[1] == 0;
}

static bool bridge_wrmsr(uint32_t msr, uint64_t value)
{
    uint64_t r[4];
    request(BRIDGE_OP_WRMSR, msr, value, 0, r);
    return r[1] == 0;
}

/* The reference TSC page's scale is for hvsim's TSC, not QEMU's. */
static uint64_t bridge_rdtsc(void)
{
    uint64_t r[4];
    request(BRIDGE_OP_RDTSC, 0, 0, 0, r);
    return r[0];
}

/* hvsim takes hypercalls through the mailbox: no page to call into. */
static void bridge_set_hypercall_page(void *va) { (void)va; }

static uint64_t bridge_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa)
{
    uint64_t r[4];
    request(BRIDGE_OP_HYPERCALL, control, input_gpa, output_gpa, r);
    return r[0];
}

static uint64_t bridge_hypercall_fast(uint64_t control, uint64_t rdx, uint64_t r8)
{
    uint64_t r[4];
    request(BRIDGE_OP_HYPERCALL_FAST, control, rdx, r8, r);
    return r[0];
}

const struct hv_cpu_ops hv_cpu_bridge_ops = {
    .name = "bridged",
    .cpuid = bridge_cpuid,
    .rdmsr = bridge_rdmsr,
    .wrmsr = bridge_wrmsr,
    .rdtsc = bridge_rdtsc,
    .set_hypercall_page = bridge_set_hypercall_page,
    .hypercall = bridge_hypercall,
    .hypercall_fast = bridge_hypercall_fast,
};

/* A byte on COM2 means hvsim put a vector in the mailbox. Draining the
 * UART first lowers its IRQ line, so a byte arriving later is a new edge. */
static void com2_interrupt(void *arg)
{
    (void)arg;
    while (serial_port_getc_nowait(BRIDGE_COM2_PORT) >= 0)
        ;
    uint32_t vector = __atomic_load_n(&mailbox->irq_vector, __ATOMIC_ACQUIRE);
    if (vector == 0 || !bridged)
        return;
    irq_run_handler((uint8_t)vector);
    __atomic_store_n(&mailbox->irq_vector, 0, __ATOMIC_RELEASE);
    request(BRIDGE_OP_EOI, vector, 0, 0, NULL);
}

static void say_hello(uint64_t gpa)
{
    static const char hex[] = "0123456789abcdef";
    const char *p = "\n" BRIDGE_HELLO_PREFIX;
    while (*p)
        serial_port_putc(BRIDGE_COM2_PORT, *p++);
    for (int shift = 60; shift >= 0; shift -= 4)
        serial_port_putc(BRIDGE_COM2_PORT, hex[(gpa >> shift) & 0xf]);
    serial_port_putc(BRIDGE_COM2_PORT, '\n');
}

int hv_bridge_attach(void)
{
    uint64_t gpa;
    mailbox = platform_pages_alloc(1, &gpa);
    if (mailbox == NULL) {
        kprintf("hvrt: --hvsim: no memory for the bridge's mailbox\n");
        return -1;
    }
    mailbox->magic = BRIDGE_MAILBOX_MAGIC;
    mailbox->abi_version = BRIDGE_ABI_VERSION;
    irq_set_handler(VECTOR_BRIDGE, com2_interrupt, 0);
    serial_port_init(BRIDGE_COM2_PORT, true);
    if (ioapic_route_isa_irq(BRIDGE_COM2_IRQ, VECTOR_BRIDGE) != 0) {
        kprintf("hvrt: --hvsim: cannot route COM2's IRQ %u; running without the bridge\n", BRIDGE_COM2_IRQ);
        platform_pages_free(mailbox, 1);
        return -1;
    }
    /* hvsim may connect to COM2 after the first hello went nowhere: repeat. */
    uint64_t start = rdtsc();
    while (!__atomic_load_n(&mailbox->host_attached, __ATOMIC_ACQUIRE)) {
        if (rdtsc() - start > ms_to_ticks(ATTACH_TIMEOUT_MS)) {
            kprintf("hvrt: --hvsim: no hvsim answered on COM2 within %u s; running without the bridge\n",
                    ATTACH_TIMEOUT_MS / 1000);
            serial_port_init(BRIDGE_COM2_PORT, false);
            platform_pages_free(mailbox, 1);
            return -1;
        }
        say_hello(gpa);
        uint64_t sent = rdtsc();
        while (rdtsc() - sent < ms_to_ticks(HELLO_INTERVAL_MS) &&
               !__atomic_load_n(&mailbox->host_attached, __ATOMIC_ACQUIRE))
            cpu_relax();
    }
    waited_ticks += rdtsc() - start;
    bridged = true;
    hv_cpu_use(&hv_cpu_bridge_ops);
    kprintf("hvrt: bridged to hvsim (mailbox at GPA 0x%llx, image at 0x%llx)\n", (unsigned long long)gpa,
            (unsigned long long)(uintptr_t)ImageBase);
    return 0;
}
