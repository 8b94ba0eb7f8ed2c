/* How a run ends: say so on the console, then power off through ACPI, or,
 * under test, hand the status to QEMU through isa-debug-exit. */
#include "lib/runtime.h"
#include "lib/fault.h"
#include "arch/console.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/cpu.h"
#include "hvrt/runtime.h"

struct runtime_options runtime_options;
const struct boot_info *runtime_boot_info;

#define MAX_SHUTDOWN_HOOKS 8
static void (*shutdown_hooks[MAX_SHUTDOWN_HOOKS])(void);
static int shutdown_hook_count;
static void (*crash_reporter)(uint64_t, uint64_t, uint64_t, const char *);

void runtime_add_shutdown_hook(void (*fn)(void))
{
    for (int i = 0; i < shutdown_hook_count; i++)
        if (shutdown_hooks[i] == fn)
            return;
    if (shutdown_hook_count == MAX_SHUTDOWN_HOOKS)
        runtime_panic("too many shutdown hooks");
    shutdown_hooks[shutdown_hook_count++] = fn;
}

static void run_shutdown_hooks(void)
{
    while (shutdown_hook_count > 0)
        shutdown_hooks[--shutdown_hook_count]();   /* each runs once, even if one exits again */
}

void runtime_set_crash_reporter(void (*fn)(uint64_t, uint64_t, uint64_t, const char *))
{
    crash_reporter = fn;
}

void runtime_report_crash(uint64_t code, uint64_t rip, uint64_t rsp, const char *text)
{
    void (*fn)(uint64_t, uint64_t, uint64_t, const char *) = crash_reporter;
    crash_reporter = NULL;   /* a fault inside the reporter must not loop */
    if (fn != NULL)
        fn(code, rip, rsp, text);
}

void runtime_exit_now(int status)
{
    if (status == HVRT_EXIT_PANIC)
        irq_disable();
    if (!runtime_options.quiet || status != 0)
        kprintf("hvrt: exit status %d%s\n", status,
                status == HVRT_EXIT_PANIC ? " (panic)" : "");
    if (status != HVRT_EXIT_PANIC)
        run_shutdown_hooks();   /* with interrupts as they were: a hook may wait for the host */
    irq_disable();
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
    runtime_report_crash(HVRT_EXIT_PANIC, (uint64_t)__builtin_return_address(0), 0, msg);
    runtime_exit_now(HVRT_EXIT_PANIC);
}

void hvrt_poweroff(void)
{
    runtime_exit_now(0);
}

void hvrt_reset(void)
{
    kprintf("hvrt: reset\n");
    run_shutdown_hooks();
    irq_disable();
    power_reset();
}
