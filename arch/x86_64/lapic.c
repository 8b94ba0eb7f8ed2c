#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"
#include "arch/console.h"

enum {
    REG_ID = 0x20, REG_TPR = 0x80, REG_EOI = 0xb0, REG_SVR = 0xf0,
    REG_LVT_TIMER = 0x320, REG_TIMER_INITIAL = 0x380, REG_TIMER_CURRENT = 0x390,
    REG_TIMER_DIVIDE = 0x3e0,
};
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define SVR_ENABLE       (1u << 8)
#define LVT_MASKED       (1u << 16)
#define DIVIDE_BY_1      0xb

static int x2apic;
static volatile uint32_t *xapic_mmio;
static uint64_t timer_ticks_per_ns_q32;   /* LAPIC timer rate, 32.32 fixed point; measured on first use */

static uint32_t lapic_read(uint32_t reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(0x800 + (reg >> 4));
    return xapic_mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        xapic_mmio[reg / 4] = v;
}

int lapic_is_x2apic(void) { return x2apic; }

uint32_t lapic_id(void) { return x2apic ? lapic_read(REG_ID) : lapic_read(REG_ID) >> 24; }

void lapic_eoi(void) { lapic_write(REG_EOI, 0); }

static void timer_interrupt(void *arg)
{
    (void)arg;   /* waking the CPU from hlt is all it is for */
}

static uint64_t (*clock)(void);   /* lapic_init's clock_ns */

void lapic_init(uint64_t (*clock_ns)(void))
{
    clock = clock_ns;
    /* The legacy PICs stay silent: every interrupt comes through the LAPIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    uint64_t base = rdmsr(MSR_APIC_BASE);
    x2apic = (cpuid(1, 0).ecx >> 21) & 1;
    if (x2apic) {
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    } else {
        uint64_t pa = base & 0xfffff000ull;
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        paging_map(pa, pa, MAP_WRITE | MAP_UNCACHED);
        xapic_mmio = (volatile uint32_t *)pa;
    }
    lapic_write(REG_TPR, 0);
    lapic_write(REG_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
    lapic_write(REG_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    lapic_write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    irq_set_handler(VECTOR_TIMER, timer_interrupt, 0);
}

/* The timer's rate is counted against the TSC over 1 ms, once. */
static void timer_measure(void)
{
    lapic_write(REG_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    lapic_write(REG_TIMER_INITIAL, 0xffffffffu);
    uint64_t start = clock();
    while (clock() - start < 1000000)
        cpu_relax();
    uint32_t elapsed = 0xffffffffu - lapic_read(REG_TIMER_CURRENT);
    lapic_write(REG_TIMER_INITIAL, 0);
    uint64_t hz = (uint64_t)elapsed * 1000;
    if (hz == 0)
        hz = 1000000000;   /* a timer that never counts: assume 1 GHz */
    timer_ticks_per_ns_q32 = (hz << 32) / 1000000000u;
}

void lapic_timer_oneshot(uint64_t ns)
{
    if (timer_ticks_per_ns_q32 == 0)
        timer_measure();
    if (ns == 0) {
        lapic_write(REG_TIMER_INITIAL, 0);
        return;
    }
    uint64_t ticks = (uint64_t)(((unsigned __int128)ns * timer_ticks_per_ns_q32) >> 32);
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu;   /* the caller re-arms for the rest */
    lapic_write(REG_LVT_TIMER, VECTOR_TIMER);   /* one-shot, unmasked */
    lapic_write(REG_TIMER_INITIAL, (uint32_t)ticks);
}

/* PIT channel 2, gated through port 0x61, counts down 1.193182 MHz. */
static uint64_t tsc_against_pit(void)
{
    /* 500 us: each PIT read is a VM exit of a microsecond or two, so the
     * rate is good to about 0.5%; Hyper-V's reference time replaces the TSC
     * as the clock when the host offers it. */
    const uint32_t pit_hz = 1193182, window_ticks = pit_hz / 2000;
    uint8_t gate = inb(0x61);
    outb(0x61, (gate & ~0x02) | 0x01);          /* speaker off, gate on */
    outb(0x43, 0xb0);                           /* channel 2, lo/hi, mode 0 */
    outb(0x42, window_ticks & 0xff);
    outb(0x42, window_ticks >> 8);
    inb(0x61);
    uint64_t start = rdtsc();
    for (uint64_t spins = 0; !(inb(0x61) & 0x20); spins++)
        if (spins > 100000000)
            return 0;                           /* no PIT */
    uint64_t end = rdtsc();
    outb(0x61, gate);
    return (end - start) * pit_hz / window_ticks;
}

uint64_t tsc_calibrate(void)
{
    struct cpuid_regs max = cpuid(0, 0);
    if (max.eax >= 0x15) {
        struct cpuid_regs r = cpuid(0x15, 0);
        if (r.eax != 0 && r.ebx != 0 && r.ecx != 0)
            return (uint64_t)r.ecx * r.ebx / r.eax;
    }
    uint64_t hz = tsc_against_pit();
    if (hz == 0) {
        kprintf("hvrt: cannot measure the TSC; assuming 1 GHz\n");
        hz = 1000000000;
    }
    return hz;
}
