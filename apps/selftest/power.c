/* Ends the run from inside an app: ACPI power-off or a reset. */
#include <stdio.h>
#include <string.h>

#include <hvrt/runtime.h>

static int power_main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "off") == 0) {
        printf("power: off\n");
        hvrt_poweroff();
    }
    if (strcmp(what, "reset") == 0) {
        printf("power: reset\n");
        hvrt_reset();
    }
    fprintf(stderr, "usage: power off|reset\n");
    return HVRT_EXIT_USAGE;
}

HVRT_APP("power", power_main, "power off or reset the machine: off|reset");
