/* The Azure provisioning service: tells the platform the VM is "Ready", as
 * the Azure agent would, so the deployment does not fail with
 * OSProvisioningTimedOut (docs/azure.md; facts: shared/reference's
 * azure-provisioning.md). Runs only on Azure (the SMBIOS chassis asset tag)
 * or when --azure=on asks for it, on a thread of its own (the `azure` app
 * does the same in the foreground):
 *   wait for an address (DHCP), find the WireServer (DHCP option 245, else
 *   the fixed address), GET the goal state, POST the health report Ready;
 *   retry for --azure-retry=SECONDS (default 20 minutes, as cloud-init);
 *   record the outcome in KVP as PROVISIONING_REPORT. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hvrt/http.h>
#include <hvrt/ic.h>
#include <hvrt/ipnet.h>
#include <hvrt/runtime.h>
#include "apps/azure/goalstate.h"

#define AZURE_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"
#define DEFAULT_WIRESERVER "168.63.129.16"
#define HEADERS "x-ms-agent-name: hvrt\r\nx-ms-version: 2012-11-30\r\n"
#define REQUEST_TIMEOUT_MS 10000

static enum { AUTO, ON, OFF } mode = AUTO;
static char wireserver_override[32];
static unsigned retry_seconds = 1200;

static int parse_azure(const char *v)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0 || strcmp(v, "auto") == 0) {
        mode = v[1] == 'n' ? ON : v[1] == 'f' ? OFF : AUTO;
        return 0;
    }
    fprintf(stderr, "hvrt: --azure=%s: expected on, off or auto\n", v);
    return -1;
}

static int parse_wireserver(const char *v)
{
    unsigned a, b, c, d;
    char extra;
    if (sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 || b > 255 || c > 255 || d > 255) {
        fprintf(stderr, "hvrt: --wireserver=%s: expected an IPv4 address\n", v);
        return -1;
    }
    snprintf(wireserver_override, sizeof(wireserver_override), "%u.%u.%u.%u", a, b, c, d);
    return 0;
}

static int parse_retry(const char *v)
{
    char *end;
    unsigned long s = strtoul(v, &end, 10);
    if (*end != '\0' || end == v || s == 0 || s > 86400) {
        fprintf(stderr, "hvrt: --azure-retry=%s: seconds, 1..86400\n", v);
        return -1;
    }
    retry_seconds = (unsigned)s;
    return 0;
}

HVRT_OPTION("azure", parse_azure, "--azure=on|off|auto  report Ready to Azure (auto: on Azure only)");
HVRT_OPTION("wireserver", parse_wireserver, "--wireserver=ADDR    Azure's WireServer (default: DHCP option 245)");
HVRT_OPTION("azure-retry", parse_retry, "--azure-retry=SECONDS how long to keep trying (default 1200)");

/* The KVP record the platform reads when the health report arrives. */
static void report(bool ok, const char *reason)
{
    char value[512];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (ok)
        snprintf(value, sizeof(value), "result=success|agent=hvrt|timestamp=%s", stamp);
    else
        snprintf(value, sizeof(value), "result=error|reason=%s|agent=hvrt|timestamp=%s", reason, stamp);
    hvrt_kvp_set("PROVISIONING_REPORT", value);
}

static int exchange(const char *server, const char *method, const char *path, const char *extra_headers,
                    const char *body, char *buf, size_t size, struct hvrt_http_response *resp)
{
    char headers[160];
    snprintf(headers, sizeof(headers), HEADERS "%s", extra_headers);
    struct hvrt_http_request rq = {
        .method = method, .host = server, .path = path, .headers = headers,
        .body = body, .body_length = body ? strlen(body) : 0, .timeout_ms = REQUEST_TIMEOUT_MS,
    };
    return hvrt_http_exchange(&rq, buf, size, resp);
}

/* One attempt: goal state, then health. 1: Ready accepted; 0: try again;
 * the reason for the last failure in *why. */
static int attempt(const char *server, const char **why)
{
    static char buf[16384];
    static char body[1024];
    struct hvrt_http_response resp;
    int rc = exchange(server, "GET", "/machine/?comp=goalstate", "", NULL, buf, sizeof(buf), &resp);
    if (rc != 0) {
        *why = hvrt_http_error_name(rc);
        return 0;
    }
    struct goal_state gs;
    if (resp.status != 200 || resp.truncated || goal_state_parse(resp.body, resp.body_length, &gs) != 0) {
        *why = resp.status != 200 ? "goal state: HTTP error" : "goal state: unreadable";
        return 0;
    }
    size_t n = health_report_ready(&gs, body, sizeof(body));
    rc = exchange(server, "POST", "/machine?comp=health", "Content-Type: text/xml;charset=utf-8\r\n", n ? body : NULL,
                  buf, sizeof(buf), &resp);
    if (rc != 0) {
        *why = hvrt_http_error_name(rc);
        return 0;
    }
    if (resp.status >= 200 && resp.status <= 202) {
        printf("azure: reported Ready (incarnation %s, container %s)\n", gs.incarnation, gs.container_id);
        return 1;
    }
    *why = "health report refused";   /* 410 and 400 among them: the next attempt fetches a fresh goal state */
    return 0;
}

/* The whole procedure; 0 when Ready was accepted, 1 otherwise (the KVP
 * report says why). Blocks for up to --azure-retry seconds. */
static int provision(void)
{
    uint64_t deadline = hvrt_time_ns() + (uint64_t)retry_seconds * 1000000000u;
    struct hvrt_ipnet_info info;
    const char *why = "no IPv4 address (DHCP)";
    if (hvrt_ipnet_wait_address(retry_seconds * 1000u, &info) == 0) {
        char server[32];
        if (wireserver_override[0])
            snprintf(server, sizeof(server), "%s", wireserver_override);
        else if (info.wireserver != 0) {
            const uint8_t *b = (const uint8_t *)&info.wireserver;
            snprintf(server, sizeof(server), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        } else
            snprintf(server, sizeof(server), "%s", DEFAULT_WIRESERVER);
        printf("azure: WireServer %s\n", server);
        unsigned delay_s = 1;
        for (unsigned tries = 1;; tries++) {
            if (attempt(server, &why)) {
                report(true, NULL);
                return 0;
            }
            if (hvrt_time_ns() + delay_s * 1000000000ull >= deadline)
                break;
            if (tries == 1 || tries % 10 == 0)
                printf("azure: not ready yet (%s); retrying\n", why);
            hvrt_sleep_us((uint64_t)delay_s * 1000000u);
            delay_s = delay_s < 16 ? delay_s * 2 : 16;   /* the WireServer can be down for minutes */
        }
    }
    printf("azure: gave up reporting Ready: %s\n", why);
    report(false, why);
    return 1;
}

static void *provision_thread(void *arg)
{
    (void)arg;
    provision();
    return NULL;
}

static int start_azure(void)
{
    const char *tag = hvrt_chassis_asset_tag();
    bool on_azure = tag != NULL && strcmp(tag, AZURE_ASSET_TAG) == 0;
    if (mode == OFF || (mode == AUTO && !on_azure))
        return 1;
    if (hvrt_ipnet_start() != 0)
        return 1;
    pthread_t t;
    if (pthread_create(&t, NULL, provision_thread, NULL) != 0)
        return 1;
    pthread_detach(t);
    return 0;
}

HVRT_SERVICE("azure", start_azure);

/* The same in the foreground, anywhere (--no-azure keeps the service from
 * doing it twice): for a first try on a new platform, and for tests. */
static int azure_main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: azure   (options: --wireserver=ADDR --azure-retry=SECONDS)\n");
        return HVRT_EXIT_USAGE;
    }
    return hvrt_ipnet_start() == 0 ? provision() : 1;
}

HVRT_APP("azure", azure_main, "report Ready to Azure's WireServer now (see docs/azure.md)");
