#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "tests/hosted/hosted.h"
#include "arch/context.h"
#include "arch/platform.h"
#include "arch/x86_64/hyperv/hv_cpu.h"
#include "arch/console.h"
#include "lib/page_alloc.h"
#include "lib/thread.h"

static struct hvsim *sim;
static struct page_allocator pages;
static uint64_t *bitmap;
static bool irqs_on = true;
static struct { void (*fn)(void *arg); void *arg; } vector_handlers[256];
static char console[64 * 1024];
static size_t console_len;
static void (*idle_hook)(void);   /* platform_at_idle */
static uint64_t next_idle_poll;    /* platform_wait_until: when the hook is due */
static void (*exit_hook)(void);    /* platform_on_interrupt_exit */
static bool exit_pending;          /* an interrupt came; its exit hook has not run yet */
static bool in_exit_hook, in_handler;
static bool real_time;             /* hosted_follow_real_time */
static uint64_t real_base_ns, virtual_base_ns;

#define VP 0

/* ---- hv_cpu.h ---- */

void hv_cpu_cpuid(uint32_t leaf, uint32_t regs[4])
{
    if (leaf == 1) {
        regs[0] = regs[1] = regs[3] = 0;
        regs[2] = 1u << 31;   /* a hypervisor is present */
        return;
    }
    hvsim_cpuid(sim, VP, leaf, 0, regs);
}

/* hvsim delivers interrupts at the end of its outermost call; the guest
 * resumes after that call returns, which is where an interrupt's exit hook
 * runs (and may switch threads): never inside hvsim's own callback, since
 * the thread switched to may call hvsim again. */
static void interrupt_exits(void)
{
    while (exit_pending && irqs_on && !in_exit_hook && exit_hook != NULL) {
        exit_pending = false;
        in_exit_hook = true;
        irqs_on = false;   /* as at the end of a real interrupt */
        hvsim_set_irq_enabled(sim, VP, false);
        exit_hook();
        in_exit_hook = false;
        irqs_on = true;
        hvsim_set_irq_enabled(sim, VP, true);   /* may deliver the next one */
    }
}

bool hv_cpu_rdmsr(uint32_t msr, uint64_t *value)
{
    bool ok = hvsim_rdmsr(sim, VP, msr, value) == HVSIM_MSR_OK;
    interrupt_exits();
    return ok;
}

bool hv_cpu_wrmsr(uint32_t msr, uint64_t value)
{
    bool ok = hvsim_wrmsr(sim, VP, msr, value) == HVSIM_MSR_OK;
    interrupt_exits();
    return ok;
}

uint64_t hv_cpu_rdtsc(void) { return hvsim_read_tsc(sim, VP); }
void hv_cpu_set_hypercall_page(void *va) { (void)va; }   /* hvsim takes the call directly */

uint64_t hv_cpu_hypercall(uint64_t control, uint64_t input_gpa, uint64_t output_gpa)
{
    uint64_t r = hvsim_hypercall(sim, VP, control, input_gpa, output_gpa);
    interrupt_exits();
    return r;
}

uint64_t hv_cpu_hypercall_fast(uint64_t control, uint64_t rdx, uint64_t r8)
{
    uint64_t r = hvsim_hypercall_fast(sim, VP, control, rdx, r8);
    interrupt_exits();
    return r;
}

void hv_cpu_set_vector_handler(uint8_t vector, void (*fn)(void *arg), void *arg)
{
    vector_handlers[vector].fn = fn;
    vector_handlers[vector].arg = arg;
}

/* hvsim calls this the way a CPU takes an interrupt: between instructions
 * (hvsim calls), only while interrupts are enabled. */
static void take_interrupt(void *ctx, struct hvsim *s, uint32_t vp, uint8_t vector)
{
    (void)ctx;
    (void)vp;
    bool was = irqs_on;
    irqs_on = false;
    hvsim_set_irq_enabled(s, VP, false);   /* an interrupt gate clears IF */
    in_handler = true;
    if (vector_handlers[vector].fn != NULL)
        vector_handlers[vector].fn(vector_handlers[vector].arg);
    else
        fprintf(stderr, "hosted: interrupt on vector %u with no handler\n", vector);
    in_handler = false;
    hvsim_apic_eoi(s, VP);
    irqs_on = was;
    hvsim_set_irq_enabled(s, VP, was);
    if (was)
        exit_pending = true;
}

/* ---- arch/platform.h: memory, interrupts, time ---- */

void *platform_pages_alloc(size_t count, uint64_t *gpa)
{
    uint64_t p = page_alloc(&pages, count);
    if (p == 0)
        return NULL;
    void *va = hvsim_gpa_to_host(sim, p, count * PAGE_SIZE);
    memset(va, 0, count * PAGE_SIZE);
    *gpa = p;
    return va;
}

void platform_pages_free(void *va, size_t count)
{
    uint64_t gpa;
    if (!hvsim_host_to_gpa(sim, va, &gpa) || page_free(&pages, gpa, count) != 0) {
        fprintf(stderr, "hosted: bad free of %zu pages at %p\n", count, va);
        abort();
    }
}

uint64_t platform_va_to_gpa(const void *va)
{
    uint64_t gpa;
    if (!hvsim_host_to_gpa(sim, va, &gpa)) {
        fprintf(stderr, "hosted: %p is not guest memory\n", va);
        abort();   /* a GPA/VA mix-up: fail loudly */
    }
    return gpa;
}

void *platform_gpa_to_va(uint64_t gpa)
{
    return hvsim_gpa_to_host(sim, gpa, 1);
}

platform_irq_state platform_irq_save(void)
{
    platform_irq_state was = irqs_on;
    irqs_on = false;
    hvsim_set_irq_enabled(sim, VP, false);
    return was;
}

void platform_irq_restore(platform_irq_state state)
{
    irqs_on = state != 0;
    hvsim_set_irq_enabled(sim, VP, irqs_on);
    interrupt_exits();
}

bool platform_irq_enabled(void) { return irqs_on; }
bool platform_in_interrupt(void) { return in_handler; }
void platform_on_interrupt_exit(void (*fn)(void)) { exit_hook = fn; }

/* Thread stacks: mmap'd, with a PROT_NONE page below, so an overflow dies
 * with SIGSEGV as the image's guard page faults. */
int arch_stack_alloc(struct arch_stack *st, size_t bytes, const char *name)
{
    size_t size = (bytes + 4095) / 4096 * 4096 + 4096;
    char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return -1;
    if (mprotect(base, 4096, PROT_NONE) != 0) {
        munmap(base, size);
        return -1;
    }
    st->low = (uintptr_t)base + 4096;
    st->high = (uintptr_t)base + size;
    st->name = name;
    st->next = NULL;
    return 0;
}

void arch_stack_free(struct arch_stack *st)
{
    if (st->low == 0)
        return;
    munmap((char *)st->low - 4096, st->high - st->low + 4096);
    st->low = st->high = 0;
}

static uint64_t real_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* With a real peer (a Linux stack on a TAP), the guest's clock must not
 * outrun it: a wait for virtual time t also waits until as much real time
 * has passed since hosted_follow_real_time. A guest that fell behind (busy,
 * or slowed by the sanitizers) catches up without sleeping. */
static void wait_real_time(uint64_t virtual_ns)
{
    if (!real_time || virtual_ns <= virtual_base_ns)
        return;
    uint64_t target = real_base_ns + (virtual_ns - virtual_base_ns), now = real_now_ns();
    if (target > now) {
        uint64_t ns = target - now;
        nanosleep(&(struct timespec){ (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) }, NULL);
    }
}

void hosted_follow_real_time(bool on)
{
    real_time = on;
    real_base_ns = real_now_ns();
    virtual_base_ns = hvsim_now_ns(sim);
}

/* Nothing runs between interrupts in a simulation: jump to the next timed
 * event, but never past the deadline, so timeouts mean what they say. As
 * the image does (lib/time.c), the idle hook runs every
 * PLATFORM_IDLE_POLL_NS of waiting, counted across calls. */
void platform_wait_until(uint64_t deadline_ns)
{
    uint64_t now = hvsim_now_ns(sim), next;
    if (idle_hook != NULL) {
        if (now >= next_idle_poll) {
            idle_hook();
            next_idle_poll = now + PLATFORM_IDLE_POLL_NS;
            interrupt_exits();
            return;
        }
        if (next_idle_poll < deadline_ns)
            deadline_ns = next_idle_poll;
    }
    if (hvsim_next_event_ns(sim, &next) && next <= deadline_ns) {
        wait_real_time(next);
        hvsim_advance_to_next_event(sim);
    } else if (deadline_ns > now) {
        uint64_t step = deadline_ns == UINT64_MAX ? 1000000 : deadline_ns - now;
        wait_real_time(now + step);
        hvsim_advance_ns(sim, step);
    }
    interrupt_exits();
}

uint64_t platform_time_ns(void) { return hvsim_now_ns(sim); }
void platform_delay_ns(uint64_t ns)
{
    hvsim_advance_ns(sim, ns);
    interrupt_exits();
}

/* The interrupts' exits that are due, then the dispatch and worker threads
 * until they have nothing left (old name: the deferred work of interrupts). */
void hosted_run_deferred(void)
{
    interrupt_exits();
    threads_run_pending();
}

static void (*shutdown_hooks[8])(void);
static int shutdown_hook_count;

void platform_at_shutdown(void (*fn)(void))
{
    for (int i = 0; i < shutdown_hook_count; i++)
        if (shutdown_hooks[i] == fn)
            return;
    if (shutdown_hook_count < 8)
        shutdown_hooks[shutdown_hook_count++] = fn;
}

void hosted_run_shutdown_hooks(void)
{
    while (shutdown_hook_count > 0)
        shutdown_hooks[--shutdown_hook_count]();
}

/* ---- arch/console.h ---- */

void console_write(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
    if (console_len + n < sizeof(console)) {
        memcpy(console + console_len, s, n);
        console_len += n;
        console[console_len] = '\0';
    }
}

int console_read_byte(void) { return -1; }

const char *hosted_console(void) { return console; }
void hosted_console_clear(void) { console_len = 0; console[0] = '\0'; }

/* ---- set-up ---- */

int hosted_start(const struct hvsim_config *cfg)
{
    struct hvsim_config def;
    if (cfg == NULL) {
        hvsim_config_default(&def);
        cfg = &def;
    }
    sim = hvsim_create(cfg);
    if (sim == NULL)
        return -1;
    shutdown_hook_count = 0;
    idle_hook = NULL;
    exit_pending = in_exit_hook = in_handler = false;
    next_idle_poll = 0;
    real_time = false;
    struct mem_region arena = { 0, hvsim_guest_mem_size(sim) / PAGE_SIZE, MEM_USABLE, 0 };
    bitmap = calloc(page_alloc_bitmap_words(&arena, 1), sizeof(uint64_t));
    page_alloc_init(&pages, &arena, 1, bitmap);
    memset(vector_handlers, 0, sizeof(vector_handlers));
    irqs_on = true;
    hvsim_set_irq_handler(sim, take_interrupt, NULL);
    hosted_console_clear();
    threads_init();   /* the caller becomes the boot thread; dispatch and worker start anew */
    return 0;
}

void hosted_stop(void)
{
    hvsim_destroy(sim);
    sim = NULL;
    free(bitmap);
    bitmap = NULL;
}

struct hvsim *hosted_sim(void) { return sim; }

uint64_t hosted_pages_in_use(void) { return pages.usable_pages - pages.free_pages; }

/* ---- include/hvrt/runtime.h, the parts apps use ---- */

#include <hvrt/runtime.h>

/* The linker collects HVRT_APP entries into the section hvrt_apps and
 * names its ends. */
extern const struct hvrt_app __start_hvrt_apps[] __attribute__((weak));
extern const struct hvrt_app __stop_hvrt_apps[] __attribute__((weak));

unsigned hvrt_app_count(void) { return (unsigned)(__stop_hvrt_apps - __start_hvrt_apps); }

const struct hvrt_app *hvrt_app_at(unsigned index)
{
    return index < hvrt_app_count() ? &__start_hvrt_apps[index] : NULL;
}

uint64_t hvrt_time_ns(void) { return platform_time_ns(); }

extern const struct hvrt_service __start_hvrt_services[] __attribute__((weak));
extern const struct hvrt_service __stop_hvrt_services[] __attribute__((weak));

unsigned hvrt_service_count(void) { return (unsigned)(__stop_hvrt_services - __start_hvrt_services); }

const struct hvrt_service *hvrt_service_at(unsigned index)
{
    return index < hvrt_service_count() ? &__start_hvrt_services[index] : NULL;
}

static int64_t wall_offset_ns = 1700000000ll * 1000000000ll;   /* a fixed, recognisable boot time */
int64_t hvrt_wall_clock_ns(void) { return wall_offset_ns + (int64_t)platform_time_ns(); }
void hvrt_set_wall_clock_ns(int64_t ns) { wall_offset_ns = ns - (int64_t)platform_time_ns(); }

uint64_t hvrt_reference_time_100ns(void) { return hvsim_time_ref_count(sim); }

/* Power-off and reset end the "run": back to hosted_catch_poweroff. */
static jmp_buf *poweroff_target;
static int poweroff_kind;

int hosted_poweroff_kind(void) { return poweroff_kind; }

void hosted_catch_poweroff(jmp_buf *target)
{
    poweroff_target = target;
    poweroff_kind = 0;
}

static void jump_to_catcher(void)
{
    longjmp(*poweroff_target, 1);
}

/* From any thread (the shutdown service runs on the worker): the run ends
 * on the boot thread, where the test's setjmp is. */
__attribute__((noreturn)) static void end_run(int kind)
{
    hosted_run_shutdown_hooks();   /* as the runtime does: UNLOAD, then teardown */
    poweroff_kind = kind;
    if (poweroff_target == NULL) {
        fprintf(stderr, "hosted: power-off with nobody to catch it\n");
        abort();
    }
    thread_unwind_to_boot(jump_to_catcher);
}

void hvrt_poweroff(void) { end_run(HOSTED_POWEROFF); }
void hvrt_reset(void) { end_run(HOSTED_RESET); }

void platform_at_idle(void (*fn)(void)) { idle_hook = fn; }

void hvrt_sleep_us(uint64_t us)
{
    thread_sleep_until(platform_time_ns() + us * 1000);
}

int hosted_run_app(const char *command_line)
{
    char buf[256];
    char *argv[16];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", command_line);
    for (char *w = strtok(buf, " "); w != NULL && argc < 15; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    for (unsigned i = 0; argc > 0 && i < hvrt_app_count(); i++)
        if (strcmp(hvrt_app_at(i)->name, argv[0]) == 0)
            return hvrt_app_at(i)->main(argc, argv);
    return HVRT_EXIT_UNKNOWN_APP;
}
