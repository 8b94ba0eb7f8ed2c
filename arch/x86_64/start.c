/* The runtime's first C code after the firmware: bring the machine up in
 * dependency order, then run the apps. The order matters: the console first
 * so anything later can report; the IDT before anything can fault; the page
 * allocator before the page tables it builds; the clock before the timer;
 * threads (and the dispatch thread for dpcs) before interrupts. */
#include "boot/boot_info.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/hyperv/hv_bridge.h"
#include "arch/x86_64/hyperv/hyperv.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/memory.h"
#include "lib/runtime.h"
#include "lib/time.h"
#include "lib/thread.h"

#include <stdlib.h>

__attribute__((noreturn)) void runtime_main(struct boot_info *bi);

/* The TSC rate: as Hyper-V states it (its frequency MSR), else measured
 * (tsc_calibrate: CPUID 0x15, or 500 us against the PIT, the bulk of the
 * boot without it). On the bridged platform hvsim is not attached yet
 * here, so that boot still measures. */
static uint64_t tsc_rate(void)
{
    uint64_t hz = hv_tsc_frequency();
    return hz != 0 ? hz : tsc_calibrate();
}
void hyperv_attach_runtime(void);

void runtime_main(struct boot_info *bi)
{
    runtime_boot_info = bi;
    serial_init();
    gdt_init();
    idt_init();
    memory_init(bi);
    paging_init(bi);
    time_init(tsc_rate(), bi->tsc_at_efi_main, bi->epoch_seconds);
    lapic_init();
    power_init(bi->acpi_rsdp);
    threads_init();            /* before interrupts: they may queue dpcs */
    irq_enable();
    /* --hvsim: the bridged platform, where hvsim stands in for Hyper-V. */
    if (cmdline_has_option(bi->cmdline, "--hvsim"))
        hv_bridge_attach();
    hyperv_attach_runtime();   /* after ExitBootServices, as the firmware requires */

    /* exit() runs atexit handlers and flushes stdio, then ends in _exit. */
    exit(apps_run_command_line(bi->cmdline));
}
