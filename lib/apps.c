/* Runs the apps the command line names, one after the other, each with its
 * own argc/argv; the first that fails ends the run with its status. Each
 * app's main runs on a thread of its own (named after the app, 256 KiB of
 * stack) that the boot thread joins; threads the app started are not
 * joined: they go on running beside the next app, and end with the run
 * when the last app's main returns, once queued work items are done (at
 * most 5 s). The services start on a thread of their own before the first
 * app (docs/threads.md). */
#include "lib/apps.h"
#include "lib/cmdline.h"
#include "lib/runtime.h"
#include "lib/memory.h"
#include "lib/time.h"
#include "lib/thread.h"
#include "arch/x86_64/lapic.h"
#include "hvrt/runtime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_COMMAND_LINE "hello"

/* linker/efi.lds collects every HVRT_APP and HVRT_SERVICE entry. */
extern const struct hvrt_app __hvrt_apps_start[], __hvrt_apps_end[];
extern const struct hvrt_service __hvrt_services_start[], __hvrt_services_end[];
extern const struct hvrt_option __hvrt_options_start[], __hvrt_options_end[];

#define MAX_SERVICES 16
static bool service_off[MAX_SERVICES];

static const char *current;
static char command_line_copy[BOOT_CMDLINE_MAX];

const char *apps_current_name(void) { return current; }
const char *hvrt_command_line(void) { return command_line_copy; }

unsigned hvrt_app_count(void) { return (unsigned)(__hvrt_apps_end - __hvrt_apps_start); }

const struct hvrt_app *hvrt_app_at(unsigned index)
{
    return index < hvrt_app_count() ? &__hvrt_apps_start[index] : NULL;
}

unsigned hvrt_service_count(void) { return (unsigned)(__hvrt_services_end - __hvrt_services_start); }

const struct hvrt_service *hvrt_service_at(unsigned index)
{
    return index < hvrt_service_count() ? &__hvrt_services_start[index] : NULL;
}

unsigned hvrt_option_count(void) { return (unsigned)(__hvrt_options_end - __hvrt_options_start); }

const struct hvrt_option *hvrt_option_at(unsigned index)
{
    return index < hvrt_option_count() ? &__hvrt_options_start[index] : NULL;
}

/* --NAME=VALUE for a registered option: its verdict; 1 when no option of
 * that name exists. */
static int apply_registered_option(const char *o)
{
    const char *eq = strchr(o, '=');
    if (strncmp(o, "--", 2) != 0 || eq == NULL)
        return 1;
    for (unsigned i = 0; i < hvrt_option_count(); i++) {
        const struct hvrt_option *opt = hvrt_option_at(i);
        if (strlen(opt->name) == (size_t)(eq - o - 2) && strncmp(opt->name, o + 2, (size_t)(eq - o - 2)) == 0)
            return opt->parse(eq + 1) == 0 ? 0 : -1;
    }
    return 1;
}

static int find_service(const char *name)
{
    for (unsigned i = 0; i < hvrt_service_count() && i < MAX_SERVICES; i++)
        if (strcmp(__hvrt_services_start[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The services run beside the apps; each says for itself when it cannot
 * start here (no VMBus under plain QEMU: then nothing is printed). */
static void start_services_on_thread(void *arg)
{
    (void)arg;
    char started[128] = "";
    for (unsigned i = 0; i < hvrt_service_count() && i < MAX_SERVICES; i++) {
        if (service_off[i] || __hvrt_services_start[i].start() != 0)
            continue;
        strncat(started, " ", sizeof(started) - strlen(started) - 1);
        strncat(started, __hvrt_services_start[i].name, sizeof(started) - strlen(started) - 1);
    }
    if (started[0] != '\0' && !runtime_options.quiet)
        printf("hvrt: services:%s\n", started);
}

static void start_services(void)
{
    struct thread *t = thread_create("services", start_services_on_thread, NULL, 0);
    if (t == NULL)
        start_services_on_thread(NULL);
    else
        thread_join(t);   /* the apps may count on them (KVP, a shutdown hook) */
}

#define APP_STACK (256 * 1024)

struct app_run {
    const struct hvrt_app *app;
    int argc;
    char **argv;
    int status;   /* 0 when main ends through pthread_exit */
};

static void app_thread(void *arg)
{
    struct app_run *run = arg;
    run->status = run->app->main(run->argc, run->argv);
}

static int run_app(const struct hvrt_app *app, int argc, char **argv)
{
    struct app_run run = { app, argc, argv, 0 };
    struct thread *t = thread_create(app->name, app_thread, &run, APP_STACK);
    if (t == NULL) {
        fprintf(stderr, "hvrt: no memory for app %s's thread\n", app->name);
        return HVRT_EXIT_PANIC;
    }
    thread_join(t);
    return run.status;
}

static const struct hvrt_app *find_app(const char *name)
{
    for (unsigned i = 0; i < hvrt_app_count(); i++)
        if (strcmp(__hvrt_apps_start[i].name, name) == 0)
            return &__hvrt_apps_start[i];
    return NULL;
}

static void list_apps(void)
{
    fprintf(stderr, "apps in this image:");
    for (unsigned i = 0; i < hvrt_app_count(); i++)
        fprintf(stderr, " %s", __hvrt_apps_start[i].name);
    fprintf(stderr, "\n");
}

static int apply_options(const struct command_line *cl)
{
    for (int i = 0; i < cl->option_count; i++) {
        const char *o = cl->options[i];
        int known;
        if (strcmp(o, "--debug-exit") == 0)
            runtime_options.debug_exit = 1;
        else if (strcmp(o, "--quiet") == 0)
            runtime_options.quiet = 1;
        else if (strcmp(o, "--hvsim") == 0)
            ;   /* read at start-up: the bridged platform (lib/start.c) */
        else if (strcmp(o, "--no-services") == 0)
            for (int k = 0; k < MAX_SERVICES; k++)
                service_off[k] = true;
        else if (strncmp(o, "--no-", 5) == 0 && find_service(o + 5) >= 0)
            service_off[find_service(o + 5)] = true;
        else if ((known = apply_registered_option(o)) <= 0) {
            if (known < 0)
                return -1;
        } else {
            fprintf(stderr, "hvrt: unknown runtime option '%s' (known: --debug-exit, --quiet, --hvsim, --no-services", o);
            for (unsigned k = 0; k < hvrt_service_count(); k++)
                fprintf(stderr, ", --no-%s", __hvrt_services_start[k].name);
            for (unsigned k = 0; k < hvrt_option_count(); k++)
                fprintf(stderr, ", --%s=", hvrt_option_at(k)->name);
            fprintf(stderr, ")\n");
            return -1;
        }
    }
    return 0;
}

/* One line of facts about the machine, and how long the boot took: from
 * efi_main (firmware included from there) to here, by the TSC. */
static void print_banner(const char *cmdline)
{
    uint64_t boot_us = time_ns() / 1000;
    uint64_t mhz = time_tsc_hz() / 1000000;
    printf("hvrt: %llu MiB RAM, TSC %llu.%02llu GHz, %s, booted in %llu us; command line: %s\n",
           (unsigned long long)(memory_usable_bytes() >> 20), (unsigned long long)(mhz / 1000),
           (unsigned long long)(mhz % 1000 / 10), lapic_is_x2apic() ? "x2APIC" : "xAPIC",
           (unsigned long long)boot_us, cmdline[0] ? cmdline : "(empty)");
}

int apps_run_command_line(const char *cmdline)
{
    static char buf[BOOT_CMDLINE_MAX];
    static struct command_line cl;
    char err[128];

    strncpy(command_line_copy, cmdline, sizeof(command_line_copy) - 1);
    strncpy(buf, cmdline, sizeof(buf) - 1);
    int parsed = cmdline_parse(buf, &cl, err, sizeof(err));
    /* Options apply even when the rest is wrong, so that --debug-exit
     * still reports the usage error to the test that passed it. */
    if (apply_options(&cl) != 0)
        return HVRT_EXIT_USAGE;
    if (!runtime_options.quiet)
        print_banner(cmdline);
    if (parsed != 0) {
        fprintf(stderr, "hvrt: bad command line: %s\n", err);
        return HVRT_EXIT_USAGE;
    }
    if (cl.count == 0) {
        if (!runtime_options.quiet)
            printf("hvrt: no app named; running the default: %s\n", DEFAULT_COMMAND_LINE);
        strcpy(buf, DEFAULT_COMMAND_LINE);
        static struct command_line fallback;
        cmdline_parse(buf, &fallback, err, sizeof(err));
        cl.count = fallback.count;
        memcpy(cl.apps, fallback.apps, sizeof(cl.apps));
    }
    /* Check every name first: a typo in the third app should not let the
     * first two run. */
    for (int i = 0; i < cl.count; i++) {
        if (find_app(cl.apps[i].argv[0]) == NULL) {
            fprintf(stderr, "hvrt: unknown app '%s'\n", cl.apps[i].argv[0]);
            list_apps();
            return HVRT_EXIT_UNKNOWN_APP;
        }
    }
    start_services();
    int status = 0;
    for (int i = 0; i < cl.count && status == 0; i++) {
        const struct hvrt_app *app = find_app(cl.apps[i].argv[0]);
        current = app->name;
        status = run_app(app, cl.apps[i].argc, cl.apps[i].argv);
        fflush(stdout);
        fflush(stderr);
        current = NULL;
        if (status != 0 && !runtime_options.quiet)
            fprintf(stderr, "hvrt: app %s exited with status %d\n", app->name, status);
    }
    /* Work already queued finishes first (a host-requested shutdown that
     * is closing channels ends the run itself), for at most 5 s. */
    work_wait_idle(time_ns() + 5000000000ull);
    return status;
}
