/* Lists the apps in this image and how to name them on the command line. */
#include <stdio.h>

#include <hvrt/runtime.h>

static int help_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: [--debug-exit] [--quiet] APP [ARGS...] [; APP [ARGS...]]...\n");
    printf("apps in this image:\n");
    for (unsigned i = 0; i < hvrt_app_count(); i++) {
        const struct hvrt_app *app = hvrt_app_at(i);
        printf("  %-10s %s\n", app->name, app->summary);
    }
    return 0;
}

HVRT_APP("help", help_main, "list the apps in this image");
