/* Lists the apps in this image and how to name them on the command line. */
#include <stdio.h>

#include <hvrt/runtime.h>

static int help_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: [--debug-exit] [--quiet] [--no-services] [--no-SERVICE]... APP [ARGS...] [; APP [ARGS...]]...\n");
    printf("services (run beside the apps when VMBus is there):");
    for (unsigned i = 0; i < hvrt_service_count(); i++)
        printf(" %s", hvrt_service_at(i)->name);
    printf("\n");
    printf("apps in this image:\n");
    for (unsigned i = 0; i < hvrt_app_count(); i++) {
        const struct hvrt_app *app = hvrt_app_at(i);
        printf("  %-10s %s\n", app->name, app->summary);
    }
    return 0;
}

HVRT_APP("help", help_main, "list the apps in this image");
