/* The shape of a one-app appliance: publish a status through KVP (the host
 * sees it among the VM's guest parameters), do the work, and stop cleanly
 * when the host asks the VM to shut down. */
#include <stdio.h>
#include <stdlib.h>

#include <hvrt/ic.h>
#include <hvrt/runtime.h>

static volatile bool stopping;

static void on_host_shutdown(bool restart, void *ctx)
{
    (void)ctx;
    stopping = true;
    hvrt_kvp_set("ApplianceStatus", "stopping");
    printf("appliance: the host asked for a %s: state saved, stopping\n", restart ? "restart" : "shutdown");
}

static int appliance_main(int argc, char **argv)
{
    unsigned seconds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3;
    hvrt_on_host_shutdown(on_host_shutdown, NULL);
    hvrt_kvp_set("ApplianceStatus", "running");
    hvrt_kvp_set("ApplianceVersion", "1.0");
    for (unsigned i = 1; i <= seconds && !stopping; i++) {
        hvrt_sleep_us(1000000);
        printf("appliance: working, %u s\n", i);
    }
    hvrt_kvp_set("ApplianceStatus", "finished");
    printf("appliance: done\n");
    return 0;
}

HVRT_APP("appliance", appliance_main, "an appliance skeleton: KVP status, clean host shutdown [SECONDS]");
