/* How a run ends: say so on the console, then power off through ACPI, or,
 * under test, hand the status to QEMU through isa-debug-exit. */
#include "lib/runtime.h"
#include "lib/console.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/cpu.h"
#include "hvrt/runtime.h"

struct runtime_options runtime_options;
const struct boot_info *runtime_boot_info;

void runtime_exit_now(int status)
{
    irq_disable();
    if (!runtime_options.quiet || status != 0)
        kprintf("hvrt: exit status %d%s\n", status,
                status == HVRT_EXIT_PANIC ? " (panic)" : "");
    if (runtime_options.debug_exit) {
        /* QEMU keeps 7 bits of it: a status it cannot carry becomes 126. */
        power_debug_exit(status >= 0 && status <= 127 ? status : HVRT_EXIT_UNREPRESENTABLE);
    }
    power_off();
}

void runtime_panic(const char *msg)
{
    kprintf("\nhvrt: panic: %s\n", msg);
    backtrace_here();
    runtime_exit_now(HVRT_EXIT_PANIC);
}

void hvrt_poweroff(void)
{
    runtime_exit_now(0);
}

void hvrt_reset(void)
{
    irq_disable();
    kprintf("hvrt: reset\n");
    power_reset();
}
