/* The runtime's first C code after the firmware: bring the machine up in
 * dependency order, then run the apps. The order matters: the console first
 * so anything later can report; the IDT before anything can fault; the page
 * allocator before the page tables it builds, and both before the main
 * stack that comes from them; the LAPIC and, bridged, hvsim before the
 * clock, which may take its rate from the hypervisor; the clock before the
 * timer; threads (and the dispatch thread for dpcs) before interrupts. */
#include "boot/boot_info.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/hyperv/hv_bridge.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "arch/x86_64/ioapic.h"
#include "lib/fault.h"
#include "lib/cmdline.h"
#include "arch/console.h"
#include "lib/memory.h"
#include "lib/runtime.h"
#include "lib/time.h"
#include "lib/thread.h"

#include <stdlib.h>

__attribute__((noreturn)) void runtime_main(struct boot_info *bi);

/* The TSC rate: as Hyper-V states it (its frequency MSR), else measured
 * (tsc_calibrate: CPUID 0x15, or 500 us against the PIT, the bulk of the
 * boot without it). Bridged, hvsim is attached by now and answers as
 * Hyper-V would; the bridged boot says which it was, for the tests. */
static uint64_t tsc_rate(void)
{
    uint64_t hz = hv_tsc_frequency();
    bool stated = hz != 0;
    if (!stated)
        hz = tsc_calibrate();
    if (hv_bridge_active())
        kprintf("hvrt: TSC rate %llu Hz, %s\n", (unsigned long long)hz,
                stated ? "stated by the hypervisor's frequency MSR" : "measured");
    return hz;
}

/* Bridged, the boot's time without its waits for hvsim (the bridge's
 * stand-in for the hypervisor's exits), by the TSC from efi_main to the
 * Hyper-V layer being up: what make bench reports as boot_guest_us_hvfreq
 * when hvsim states the TSC rate. */
static void report_bridged_boot(const struct boot_info *bi)
{
    uint64_t ticks = rdtsc() - bi->tsc_at_efi_main - hv_bridge_waited_ticks();
    kprintf("hvrt: bridged boot: %llu us to the Hyper-V layer, not counting %llu us waiting for hvsim\n",
            (unsigned long long)(time_tsc_to_ns(ticks) / 1000),
            (unsigned long long)(time_tsc_to_ns(hv_bridge_waited_ticks()) / 1000));
}

void hyperv_attach_runtime(void);
static uint64_t one_page(void) { return pages_alloc(1); }
__attribute__((noreturn)) void runtime_switch_stack(uint64_t top, void (*fn)(void *), void *arg);
static void runtime_main_continued(void *arg);

/* On the boot stack (lib/stack.c) until there are pages for the main stack. */
void runtime_main(struct boot_info *bi)
{
    runtime_boot_info = bi;
    serial_init();
    gdt_init();
    idt_init();
    trap_set_fatal_handlers(fault_report, runtime_panic);
    memory_init(bi);
    paging_init(bi, one_page);
    runtime_switch_stack(runtime_stacks_init(), runtime_main_continued, bi);
}

static void runtime_main_continued(void *arg)
{
    struct boot_info *bi = arg;
    lapic_init(time_ns);
    time_set_machine_timer(lapic_timer_oneshot);
    ioapic_init(bi->acpi_rsdp);
    /* --hvsim: the bridged platform, where hvsim stands in for Hyper-V;
     * attached before the clock, so the TSC rate comes from it. */
    bool bridged = cmdline_has_option(bi->cmdline, "--hvsim") && hv_bridge_attach() == 0;
    time_init(tsc_rate(), bi->tsc_at_efi_main, bi->epoch_seconds);
    hv_bridge_set_tsc_hz(time_tsc_hz());
    power_init(bi->acpi_rsdp);
    threads_init();            /* before interrupts: they may queue dpcs */
    irq_enable();
    hyperv_attach_runtime();   /* after ExitBootServices, as the firmware requires */
    if (bridged)
        report_bridged_boot(bi);

    /* exit() runs atexit handlers and flushes stdio, then ends in _exit. */
    exit(apps_run_command_line(bi->cmdline));
}
