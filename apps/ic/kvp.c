/* KVP (key-value pair exchange): the host enumerates and reads pools of
 * keys and values. The auto pool is filled in by hvrt (computer name, OS,
 * architecture, integration services version; network entries empty until
 * there is a network); the guest pool is what apps set with hvrt_kvp_set;
 * the external pool (0) and the host pool (3: HostName, VirtualMachineName,
 * VirtualMachineId, ...) are what the host writes with SET; apps read them
 * with hvrt_kvp_pool_get. */
#include <stdlib.h>
#include <string.h>

#include <hvrt/ic.h>
#include "apps/ic/ic.h"

enum { OP_GET = 0, OP_SET = 1, OP_DELETE = 2, OP_ENUMERATE = 3 };
enum { POOL_EXTERNAL = 0, POOL_GUEST = 1, POOL_AUTO = 2, POOL_HOST = 3 };
enum { REG_SZ = 1, REG_DWORD = 4 };

#define KEY_BYTES 512u
#define VALUE_BYTES 2048u
#define RECORD_BYTES (12u + KEY_BYTES + VALUE_BYTES)   /* type, key size, value size, key, value */
#define MAX_ENTRIES 64

struct entry { char key[KEY_BYTES / 2]; char value[VALUE_BYTES / 2]; };
struct auto_entry { const char *key, *value; };

static const struct auto_entry auto_pool[] = {
    { "FullyQualifiedDomainName", "hvrt" },
    { "IntegrationServicesVersion", "hvrt 0.1" },
    { "NetworkAddressIPv4", "" },
    { "NetworkAddressIPv6", "" },
    { "OSBuildNumber", "1" },
    { "OSName", "hvrt" },
    { "OSMajorVersion", "0" },
    { "OSMinorVersion", "1" },
    { "OSVersion", "0.1" },
    { "ProcessorArchitecture", "x86_64" },
};

/* 160 KiB together, taken from the heap when the service starts (or an app
 * first sets a key) rather than kept in .bss: every byte of .bss is memory
 * the firmware's image loader must find before hvrt runs (docs/performance.md,
 * min_mem_mib). Kept for the runtime's life. NULL: not allocated yet, and
 * then every pool reads as empty. */
static struct entry *guest_pool, *external_pool, *host_pool;

/* Main context only (malloc is not for interrupt handlers). */
static int allocate_pools(void)
{
    if (guest_pool == NULL)
        guest_pool = calloc(MAX_ENTRIES, sizeof(*guest_pool));
    if (external_pool == NULL)
        external_pool = calloc(MAX_ENTRIES, sizeof(*external_pool));
    if (host_pool == NULL)
        host_pool = calloc(MAX_ENTRIES, sizeof(*host_pool));
    return guest_pool != NULL && external_pool != NULL && host_pool != NULL ? 0 : -1;
}

/* The pools a table of entries holds (the auto pool is a constant table). */
static struct entry *pool_entries(uint8_t pool)
{
    switch (pool) {
    case POOL_EXTERNAL: return external_pool;
    case POOL_GUEST:    return guest_pool;
    case POOL_HOST:     return host_pool;
    default:            return NULL;
    }
}

/* The pools the host may write: its administrator's and its own facts. */
static bool host_writable(uint8_t pool) { return pool == POOL_EXTERNAL || pool == POOL_HOST; }

static struct entry *find(struct entry *pool, const char *key)
{
    if (pool == NULL)
        return NULL;
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (pool[i].key[0] != '\0' && strcmp(pool[i].key, key) == 0)
            return &pool[i];
    return NULL;
}

static int put(struct entry *pool, const char *key, const char *value)
{
    if (key[0] == '\0' || strlen(key) >= sizeof(pool->key) || strlen(value) >= sizeof(pool->value))
        return -1;
    if (pool == NULL)
        return -1;
    struct entry *e = find(pool, key);
    if (value[0] == '\0') {
        if (e != NULL)
            e->key[0] = '\0';
        return 0;
    }
    for (int i = 0; e == NULL && i < MAX_ENTRIES; i++)
        if (pool[i].key[0] == '\0')
            e = &pool[i];
    if (e == NULL)
        return -1;
    strcpy(e->key, key);
    strcpy(e->value, value);
    return 0;
}

int hvrt_kvp_set(const char *key, const char *value)
{
    if (allocate_pools() != 0)
        return -1;
    return put(guest_pool, key, value);
}

const char *hvrt_kvp_get(const char *key, bool external)
{
    const struct entry *e = find(external ? external_pool : guest_pool, key);
    return e != NULL ? e->value : NULL;
}

const char *hvrt_kvp_pool_get(int pool, const char *key)
{
    if (pool < 0 || pool > POOL_HOST || key == NULL)
        return NULL;
    if (pool == POOL_AUTO) {
        for (size_t i = 0; i < sizeof(auto_pool) / sizeof(auto_pool[0]); i++)
            if (strcmp(auto_pool[i].key, key) == 0)
                return auto_pool[i].value;
        return NULL;
    }
    const struct entry *e = find(pool_entries((uint8_t)pool), key);
    return e != NULL ? e->value : NULL;
}

/* The n-th set entry of a pool. */
static bool nth(uint8_t pool, uint32_t n, struct auto_entry *out)
{
    if (pool == POOL_AUTO) {
        if (n >= sizeof(auto_pool) / sizeof(auto_pool[0]))
            return false;
        *out = auto_pool[n];
        return true;
    }
    struct entry *p = pool_entries(pool);
    for (int i = 0; p != NULL && i < MAX_ENTRIES; i++) {
        if (p[i].key[0] != '\0' && n-- == 0) {
            *out = (struct auto_entry){ p[i].key, p[i].value };
            return true;
        }
    }
    return false;
}

/* The entry of a pool with this key. */
static bool lookup(uint8_t pool, const char *key, struct auto_entry *out)
{
    for (uint32_t i = 0; nth(pool, i, out); i++)
        if (strcmp(out->key, key) == 0)
            return true;
    return false;
}

static void write_record(uint8_t *rec, const struct auto_entry *e)
{
    uint32_t type = REG_SZ;
    memset(rec, 0, RECORD_BYTES);
    uint32_t key_size = 2 * (ic_utf16_from_ascii(rec + 12, KEY_BYTES, e->key) + 1);
    uint32_t value_size = 2 * (ic_utf16_from_ascii(rec + 12 + KEY_BYTES, VALUE_BYTES, e->value) + 1);
    memcpy(rec, &type, 4);
    memcpy(rec + 4, &key_size, 4);
    memcpy(rec + 8, &value_size, 4);
}

static void read_key(const uint8_t *rec, char *key, uint32_t key_len)
{
    uint32_t size;
    memcpy(&size, rec + 4, 4);
    ic_ascii_from_utf16(key, key_len, rec + 12, size < KEY_BYTES ? size : KEY_BYTES);
}

/* Body: u8 operation, u8 pool, u16 pad, then the operation's record. */
static void handle(struct ic_request *r)
{
    if (r->body_len < 4) {
        r->header->status = IC_E_FAIL;
        return;
    }
    uint8_t op = r->body[0], pool = r->body[1];
    uint8_t *rec = r->body + 4;
    uint32_t room = r->body_len - 4;
    char key[KEY_BYTES / 2], value[VALUE_BYTES / 2];
    struct auto_entry e;
    switch (op) {
    case OP_ENUMERATE: {
        uint32_t index;
        if (room < 4 + RECORD_BYTES) {
            r->header->status = IC_E_FAIL;
            return;
        }
        memcpy(&index, rec, 4);
        if (!nth(pool, index, &e))
            r->header->status = IC_NO_MORE_ITEMS;
        else
            write_record(rec + 4, &e);
        return;
    }
    case OP_GET:
        if (room < RECORD_BYTES) {
            r->header->status = IC_E_FAIL;
            return;
        }
        read_key(rec, key, sizeof(key));
        if (!lookup(pool, key, &e))
            r->header->status = IC_NOT_FOUND;
        else
            write_record(rec, &e);
        return;
    case OP_SET: {
        uint32_t value_size;
        if (room < RECORD_BYTES || !host_writable(pool)) {
            r->header->status = IC_E_FAIL;   /* the host writes only pools 0 and 3 */
            return;
        }
        read_key(rec, key, sizeof(key));
        memcpy(&value_size, rec + 8, 4);
        ic_ascii_from_utf16(value, sizeof(value), rec + 12 + KEY_BYTES, value_size < VALUE_BYTES ? value_size : VALUE_BYTES);
        if (value[0] == '\0' || put(pool_entries(pool), key, value) != 0)
            r->header->status = IC_E_FAIL;
        return;
    }
    case OP_DELETE: {
        uint32_t size;
        if (room < 4 + KEY_BYTES || !host_writable(pool)) {
            r->header->status = IC_E_FAIL;
            return;
        }
        memcpy(&size, rec, 4);
        ic_ascii_from_utf16(key, sizeof(key), rec + 4, size < KEY_BYTES ? size : KEY_BYTES);
        if (find(pool_entries(pool), key) == NULL)
            r->header->status = IC_NOT_FOUND;
        else
            put(pool_entries(pool), key, "");
        return;
    }
    default:
        r->header->status = IC_NOT_SUPPORTED;   /* IP information: no network here */
        return;
    }
}

static const struct ic_version versions[] = { { 4, 0 }, { 3, 0 }, { 1, 0 } };

static struct ic_state state;

const struct ic_service ic_kvp = {
    .name = "kvp",
    .class_id = { 0xa9a0f4e7, 0x5a45, 0x4d96, { 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6 } },
    .message_type = IC_MSG_KVP,
    .versions = versions,
    .version_count = IC_VERSION_COUNT(versions),
    .handle = handle,
    .prepare = allocate_pools,
    .state = &state,
};
