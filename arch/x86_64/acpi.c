#include "arch/x86_64/acpi.h"

#include <string.h>

struct sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct sdt_header) == 36, "SDT header is 36 bytes");

struct rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;          /* ACPI 2.0 and later from here */
    uint64_t xsdt;
    uint8_t ext_checksum, reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct rsdp) == 36, "RSDP is 36 bytes");

/* FADT field offsets (ACPI spec, table "FADT Format"). */
enum {
    FADT_DSDT = 40, FADT_SMI_CMD = 48, FADT_ACPI_ENABLE = 52, FADT_PM1A_CNT = 64,
    FADT_PM1B_CNT = 68, FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128,
    FADT_X_DSDT = 140, FADT_X_PM1A_CNT = 172, FADT_X_PM1B_CNT = 184,
};
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define TABLE_MAX_LENGTH (16u << 20)   /* anything larger is corrupt */

static int sums_to_zero(const void *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static const struct sdt_header *valid_table(uint64_t addr)
{
    const struct sdt_header *h = (const void *)(uintptr_t)addr;
    if (addr == 0 || h->length < sizeof(*h) || h->length > TABLE_MAX_LENGTH || !sums_to_zero(h, h->length))
        return NULL;
    return h;
}

uint64_t acpi_find_table(uint64_t rsdp_addr, const char signature[4])
{
    const struct rsdp *r = (const void *)(uintptr_t)rsdp_addr;
    if (rsdp_addr == 0 || memcmp(r->signature, "RSD PTR ", 8) != 0 || !sums_to_zero(r, 20))
        return 0;
    int wide = r->revision >= 2 && r->xsdt != 0 && r->length >= sizeof(*r) && sums_to_zero(r, sizeof(*r));
    const struct sdt_header *root = valid_table(wide ? r->xsdt : r->rsdt);
    if (root == NULL)
        return 0;
    uint32_t entry_size = wide ? 8 : 4;
    uint32_t count = (root->length - sizeof(*root)) / entry_size;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t addr = 0;
        memcpy(&addr, entries + i * entry_size, entry_size);
        /* The signature first: checksumming every table costs boot time. */
        if (addr != 0 && memcmp(((const struct sdt_header *)(uintptr_t)addr)->signature, signature, 4) == 0 &&
            valid_table(addr) != NULL)
            return addr;
    }
    return 0;
}

static uint32_t field32(const uint8_t *t, uint32_t off) { uint32_t v; memcpy(&v, t + off, 4); return v; }
static uint64_t field64(const uint8_t *t, uint32_t off) { uint64_t v; memcpy(&v, t + off, 8); return v; }

/* A control block given only in the extended GAS form still works when it
 * is an I/O port. */
static uint16_t pm1_port(const uint8_t *fadt, uint32_t len, uint32_t legacy_off, uint32_t gas_off)
{
    uint32_t port = field32(fadt, legacy_off);
    if (port == 0 && len >= gas_off + sizeof(struct acpi_gas)) {
        struct acpi_gas g;
        memcpy(&g, fadt + gas_off, sizeof(g));
        if (g.space == ACPI_SPACE_IO && g.address <= 0xffff)
            port = (uint32_t)g.address;
    }
    return port <= 0xffff ? (uint16_t)port : 0;
}

int acpi_read_power(uint64_t fadt_addr, struct acpi_power *out)
{
    memset(out, 0, sizeof(*out));
    const struct sdt_header *h = valid_table(fadt_addr);
    if (h == NULL || memcmp(h->signature, "FACP", 4) != 0 || h->length < FADT_PM1B_CNT + 4)
        return -1;
    const uint8_t *f = (const uint8_t *)h;
    out->pm1a_cnt = pm1_port(f, h->length, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
    out->pm1b_cnt = pm1_port(f, h->length, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
    uint32_t smi = field32(f, FADT_SMI_CMD);
    out->smi_cmd = smi <= 0xffff ? (uint16_t)smi : 0;
    out->acpi_enable = f[FADT_ACPI_ENABLE];
    if (h->length >= FADT_RESET_VALUE + 1 && (field32(f, FADT_FLAGS) & FADT_FLAG_RESET_REG_SUP)) {
        memcpy(&out->reset_reg, f + FADT_RESET_REG, sizeof(out->reset_reg));
        out->reset_value = f[FADT_RESET_VALUE];
        out->have_reset = out->reset_reg.address != 0;
    }

    uint64_t dsdt = h->length >= FADT_X_DSDT + 8 ? field64(f, FADT_X_DSDT) : 0;
    if (dsdt == 0)
        dsdt = field32(f, FADT_DSDT);
    const struct sdt_header *d = valid_table(dsdt);
    if (d != NULL && memcmp(d->signature, "DSDT", 4) == 0)
        out->have_s5 = acpi_find_s5((const uint8_t *)(d + 1), d->length - sizeof(*d),
                                    &out->s5_typ_a, &out->s5_typ_b) == 0;
    return out->pm1a_cnt != 0 ? 0 : -1;
}

/* One AML integer as a package element: ZeroOp, OneOp, or a byte, word or
 * dword constant. Returns its size, 0 if it is none of these. */
static uint32_t aml_integer(const uint8_t *p, uint32_t left, uint8_t *value)
{
    if (left >= 1 && (p[0] == 0x00 || p[0] == 0x01)) {
        *value = p[0];
        return 1;
    }
    static const uint8_t sizes[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4 };
    if (left >= 2 && p[0] >= 0x0a && p[0] <= 0x0c && left >= 1u + sizes[p[0]]) {
        *value = p[1];   /* sleep types fit in 3 bits */
        return 1u + sizes[p[0]];
    }
    return 0;
}

int acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *typ_a, uint8_t *typ_b)
{
    for (uint32_t i = 0; i + 4 < len; i++) {
        const uint8_t *hit = memchr(aml + i, '_', len - 4 - i);
        if (hit == NULL)
            break;
        i = (uint32_t)(hit - aml);
        if (memcmp(aml + i, "_S5_", 4) != 0)
            continue;
        /* Name(_S5_, Package(){...}): NameOp, optionally '\', the name. */
        if (!(i >= 1 && (aml[i - 1] == 0x08 || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08))))
            continue;
        uint32_t p = i + 4;
        if (p >= len || aml[p] != 0x12)   /* PackageOp */
            continue;
        p++;
        if (p >= len)
            return -1;
        p += 1 + (aml[p] >> 6);           /* PkgLength: lead byte + 0-3 more */
        p += 1;                           /* NumElements */
        if (p >= len)
            return -1;
        uint32_t n = aml_integer(aml + p, len - p, typ_a);
        if (n == 0)
            return -1;
        p += n;
        if (aml_integer(aml + p, len - p, typ_b) == 0)
            *typ_b = 0;
        return 0;
    }
    return -1;
}

/* MADT entry types and the MPS INTI flags of an interrupt source override. */
enum { MADT_IOAPIC = 1, MADT_SOURCE_OVERRIDE = 2 };
enum { MADT_ENTRIES = 44 };   /* after the header, the LAPIC address and flags */
#define INTI_POLARITY_MASK  0x3u
#define INTI_POLARITY_LOW   0x3u
#define INTI_TRIGGER_MASK   0xcu
#define INTI_TRIGGER_LEVEL  0xcu

int acpi_route_isa_irq(uint64_t madt_addr, uint8_t irq, struct acpi_irq_route *out)
{
    memset(out, 0, sizeof(*out));
    const struct sdt_header *h = valid_table(madt_addr);
    if (h == NULL || memcmp(h->signature, "APIC", 4) != 0 || h->length < MADT_ENTRIES)
        return -1;
    const uint8_t *t = (const uint8_t *)h;
    out->gsi = irq;
    int found_ioapic = 0;
    /* Two passes: the override decides the GSI, the GSI decides the I/O APIC. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t off = MADT_ENTRIES; off + 2 <= h->length;) {
            uint8_t type = t[off], len = t[off + 1];
            if (len < 2 || len > h->length - off)
                break;   /* a malformed entry ends the walk */
            if (pass == 0 && type == MADT_SOURCE_OVERRIDE && len >= 10 && t[off + 2] == 0 && t[off + 3] == irq) {
                uint16_t flags;
                out->gsi = field32(t, off + 4);
                memcpy(&flags, t + off + 8, 2);
                out->active_low = (flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW;
                out->level_triggered = (flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL;
            }
            if (pass == 1 && type == MADT_IOAPIC && len >= 12) {
                uint32_t base = field32(t, off + 8);
                /* The I/O APIC with the highest base at or below the GSI. */
                if (base <= out->gsi && (!found_ioapic || base >= out->ioapic_gsi_base)) {
                    out->ioapic_address = field32(t, off + 4);
                    out->ioapic_gsi_base = base;
                    found_ioapic = 1;
                }
            }
            off += len;
        }
    }
    return found_ioapic ? 0 : -1;
}
