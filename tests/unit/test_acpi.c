/* arch/x86_64/acpi.c on tables built in host memory: finding the FADT
 * through the XSDT or RSDT, checksums, the PM1 ports, the reset register,
 * and \_S5 in a few AML encodings. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "arch/x86_64/acpi.h"

static uint8_t mem[8192] __attribute__((aligned(16)));

static void fix_checksum(uint8_t *p, uint32_t len, uint32_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += p[i];
    p[at] = (uint8_t)-sum;
}

static uint8_t *table(uint32_t off, const char *sig, uint32_t len)
{
    uint8_t *t = mem + off;
    memset(t, 0, len);
    memcpy(t, sig, 4);
    memcpy(t + 4, &len, 4);
    t[8] = 2;
    return t;
}

static const uint8_t s5_aml[] = {
    0x10, 0x05, '\\', '_', 'S', 'B', '_',          /* unrelated scope */
    0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,    /* Name(_S5_, Package(4) */
    0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,            /* {5, 5, 0, 0}) */
};

/* RSDP at 0, XSDT at 64, FADT at 256, DSDT at 1024. */
static uint64_t build(int revision, const uint8_t *aml, uint32_t aml_len, int reset)
{
    memset(mem, 0, sizeof(mem));
    uint64_t base = (uint64_t)(uintptr_t)mem;

    uint8_t *dsdt = table(1024, "DSDT", 36 + aml_len);
    memcpy(dsdt + 36, aml, aml_len);
    fix_checksum(dsdt, 36 + aml_len, 9);

    uint8_t *fadt = table(256, "FACP", 276);
    uint32_t dsdt32 = 0, pm1a = 0x604, smi = 0xb2;
    uint64_t x_dsdt = base + 1024;
    memcpy(fadt + 40, &dsdt32, 4);
    memcpy(fadt + 140, &x_dsdt, 8);
    memcpy(fadt + 48, &smi, 4);
    fadt[52] = 0xf1;
    memcpy(fadt + 64, &pm1a, 4);
    if (reset) {
        uint32_t flags = 1u << 10;
        memcpy(fadt + 112, &flags, 4);
        struct acpi_gas g = { ACPI_SPACE_IO, 8, 0, 1, 0xcf9 };
        memcpy(fadt + 116, &g, sizeof(g));
        fadt[128] = 0x06;
    }
    fix_checksum(fadt, 276, 9);

    uint8_t *rsdp = mem;
    memcpy(rsdp, "RSD PTR ", 8);
    rsdp[15] = (uint8_t)revision;
    if (revision >= 2) {
        uint8_t *xsdt = table(64, "XSDT", 36 + 8);
        uint64_t entry = base + 256;
        memcpy(xsdt + 36, &entry, 8);
        fix_checksum(xsdt, 44, 9);
        uint32_t len = 36;
        uint64_t xsdt_addr = base + 64;
        memcpy(rsdp + 20, &len, 4);
        memcpy(rsdp + 24, &xsdt_addr, 8);
    } else {
        uint8_t *rsdt = table(64, "RSDT", 36 + 4);
        uint32_t entry = (uint32_t)(base + 256);   /* RSDT holds 32-bit addresses */
        memcpy(rsdt + 36, &entry, 4);
        fix_checksum(rsdt, 40, 9);
        uint32_t rsdt_addr = (uint32_t)(base + 64);
        memcpy(rsdp + 16, &rsdt_addr, 4);
    }
    fix_checksum(rsdp, 20, 8);
    if (revision >= 2)
        fix_checksum(rsdp, 36, 32);
    return base;
}

static void test_finds_fadt_through_xsdt(void)
{
    uint64_t rsdp = build(2, s5_aml, sizeof(s5_aml), 1);
    uint64_t fadt = acpi_find_table(rsdp, "FACP");
    CHECK_EQ(fadt, rsdp + 256);
    CHECK_EQ(acpi_find_table(rsdp, "APIC"), 0);
    struct acpi_power p;
    CHECK_EQ(acpi_read_power(fadt, &p), 0);
    CHECK_EQ(p.pm1a_cnt, 0x604);
    CHECK_EQ(p.pm1b_cnt, 0);
    CHECK_EQ(p.smi_cmd, 0xb2);
    CHECK_EQ(p.acpi_enable, 0xf1);
    CHECK_EQ(p.have_s5, 1);
    CHECK_EQ(p.s5_typ_a, 5);
    CHECK_EQ(p.s5_typ_b, 5);
    CHECK_EQ(p.have_reset, 1);
    CHECK_EQ(p.reset_reg.address, 0xcf9);
    CHECK_EQ(p.reset_value, 6);
}

static void test_rsdt_for_acpi_1(void)
{
    uint64_t rsdp = build(0, s5_aml, sizeof(s5_aml), 0);
    if ((rsdp >> 32) != 0)
        return;   /* host memory above 4 GiB cannot sit in a 32-bit RSDT */
    CHECK_EQ(acpi_find_table(rsdp, "FACP"), rsdp + 256);
}

static void test_bad_checksums_are_refused(void)
{
    uint64_t rsdp = build(2, s5_aml, sizeof(s5_aml), 0);
    mem[256 + 100] ^= 1;   /* corrupt the FADT */
    CHECK_EQ(acpi_find_table(rsdp, "FACP"), 0);
    build(2, s5_aml, sizeof(s5_aml), 0);
    mem[3] ^= 1;           /* corrupt the RSDP signature */
    CHECK_EQ(acpi_find_table(rsdp, "FACP"), 0);
    CHECK_EQ(acpi_find_table(0, "FACP"), 0);
}

static void test_no_reset_register(void)
{
    uint64_t rsdp = build(2, s5_aml, sizeof(s5_aml), 0);
    struct acpi_power p;
    CHECK_EQ(acpi_read_power(acpi_find_table(rsdp, "FACP"), &p), 0);
    CHECK_EQ(p.have_reset, 0);
}

static void test_s5_encodings(void)
{
    uint8_t a, b;
    static const uint8_t zero_one[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x01 };
    CHECK_EQ(acpi_find_s5(zero_one, sizeof(zero_one), &a, &b), 0);
    CHECK_EQ(a, 0);
    CHECK_EQ(b, 1);
    static const uint8_t word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x0b, 0x07, 0x00, 0x0a, 0x03 };
    CHECK_EQ(acpi_find_s5(word, sizeof(word), &a, &b), 0);
    CHECK_EQ(a, 7);
    CHECK_EQ(b, 3);
    /* "_S5_" as part of some other object, then the real one. */
    static const uint8_t decoy[] = { 'x', '_', 'S', '5', '_', 0x12, 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x02 };
    CHECK_EQ(acpi_find_s5(decoy, sizeof(decoy), &a, &b), 0);
    CHECK_EQ(a, 2);
    static const uint8_t truncated[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04 };
    CHECK_EQ(acpi_find_s5(truncated, sizeof(truncated), &a, &b), -1);
    static const uint8_t none[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x01, 0x0a, 0x02 };
    CHECK_EQ(acpi_find_s5(none, sizeof(none), &a, &b), -1);
}

/* A MADT like QEMU's q35: one I/O APIC at GSI 0, IRQ 0 moved to GSI 2,
 * IRQ 9 level and active low; plus a second I/O APIC from GSI 24. */
static uint64_t build_madt(int with_overrides)
{
    memset(mem, 0, sizeof(mem));
    uint32_t len = 44 + 12 + 12 + (with_overrides ? 2 * 10 : 0);
    uint8_t *t = table(0, "APIC", len);
    uint8_t *e = t + 44;
    uint32_t v;
    e[0] = 1, e[1] = 12, e[2] = 0, v = 0xfec00000u, memcpy(e + 4, &v, 4), v = 0, memcpy(e + 8, &v, 4);
    e += 12;
    e[0] = 1, e[1] = 12, e[2] = 1, v = 0xfec01000u, memcpy(e + 4, &v, 4), v = 24, memcpy(e + 8, &v, 4);
    e += 12;
    if (with_overrides) {
        uint16_t flags = 0;
        e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 0, v = 2, memcpy(e + 4, &v, 4), memcpy(e + 8, &flags, 2);
        e += 10;
        flags = 0xf;   /* level, active low */
        e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 9, v = 25, memcpy(e + 4, &v, 4), memcpy(e + 8, &flags, 2);
    }
    fix_checksum(t, len, 9);
    return (uint64_t)(uintptr_t)mem;
}

static void test_isa_irq_routes(void)
{
    struct acpi_irq_route r;
    uint64_t madt = build_madt(1);
    CHECK_EQ(acpi_route_isa_irq(madt, 3, &r), 0);   /* no override: GSI = IRQ, edge, high */
    CHECK_EQ(r.gsi, 3);
    CHECK_EQ(r.ioapic_address, 0xfec00000u);
    CHECK_EQ(r.active_low, 0);
    CHECK_EQ(r.level_triggered, 0);
    CHECK_EQ(acpi_route_isa_irq(madt, 0, &r), 0);
    CHECK_EQ(r.gsi, 2);
    CHECK_EQ(acpi_route_isa_irq(madt, 9, &r), 0);   /* moved onto the second I/O APIC */
    CHECK_EQ(r.gsi, 25);
    CHECK_EQ(r.ioapic_address, 0xfec01000u);
    CHECK_EQ(r.ioapic_gsi_base, 24);
    CHECK_EQ(r.active_low, 1);
    CHECK_EQ(r.level_triggered, 1);

    /* A wrong checksum, a wrong signature, an entry running past the end. */
    madt = build_madt(0);
    mem[9]++;
    CHECK_EQ(acpi_route_isa_irq(madt, 3, &r), -1);
    madt = build_madt(0);
    memcpy(mem, "APIX", 4);
    fix_checksum(mem, 44 + 24, 9);
    CHECK_EQ(acpi_route_isa_irq(madt, 3, &r), -1);
    madt = build_madt(0);
    mem[44 + 1] = 200;
    fix_checksum(mem, 44 + 24, 9);
    CHECK_EQ(acpi_route_isa_irq(madt, 3, &r), -1);
}

int main(void)
{
    RUN_TEST(test_finds_fadt_through_xsdt);
    RUN_TEST(test_rsdt_for_acpi_1);
    RUN_TEST(test_bad_checksums_are_refused);
    RUN_TEST(test_no_reset_register);
    RUN_TEST(test_s5_encodings);
    RUN_TEST(test_isa_irq_routes);
    return check_summary();
}
