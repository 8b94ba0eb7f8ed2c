/* hvsim: configuration, guest memory, CPUID, synthetic MSR rules, the
 * hypercall page, crash MSRs and logging. */
#include <stdlib.h>
#include <string.h>

#include "tests/hvsim/hvsim_test_guest.h"
#include "tests/unit/check.h"

static void test_create_rejects_bad_config(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.vp_count = 0;
    CHECK(hvsim_create(&cfg) == NULL, "0 VPs accepted");
    hvsim_config_default(&cfg);
    cfg.vp_count = HVSIM_MAX_VPS + 1;
    CHECK(hvsim_create(&cfg) == NULL, "too many VPs accepted");
    hvsim_config_default(&cfg);
    cfg.guest_mem_size = 4096 + 100;
    CHECK(hvsim_create(&cfg) == NULL, "partial page accepted");
    hvsim_config_default(&cfg);
    cfg.tsc_hz = 10000000;
    CHECK(hvsim_create(&cfg) == NULL, "10 MHz TSC accepted (scale would not fit)");
    hvsim_config_default(&cfg);
    static _Alignas(4096) uint8_t buf[3 * 4096];
    cfg.guest_mem = buf + 8;
    cfg.guest_mem_size = 4096;
    CHECK(hvsim_create(&cfg) == NULL, "unaligned caller memory accepted");
}

static void test_gpa_to_host_bounds(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t size = hvsim_guest_mem_size(sim);
    uint8_t *base = hvsim_gpa_to_host(sim, 0, 1);
    CHECK(base != NULL, "gpa 0");
    CHECK(hvsim_gpa_to_host(sim, size - 8, 8) == base + size - 8, "last 8 bytes");
    CHECK(hvsim_gpa_to_host(sim, size - 8, 9) == NULL, "one byte past the end");
    CHECK(hvsim_gpa_to_host(sim, size, 1) == NULL, "gpa == size");
    CHECK(hvsim_gpa_to_host(sim, 0x1000, 0) == NULL, "zero length");
    CHECK(hvsim_gpa_to_host(sim, UINT64_MAX - 3, 8) == NULL, "gpa + len wraps");
    CHECK(hvsim_gpa_to_host(sim, 8, UINT64_MAX) == NULL, "huge length");
    uint64_t gpa = 0;
    CHECK(hvsim_host_to_gpa(sim, base + 0x1234, &gpa) && gpa == 0x1234, "host_to_gpa round trip");
    CHECK(!hvsim_host_to_gpa(sim, base + size, &gpa), "one past the arena is not guest memory");
    int local;
    CHECK(!hvsim_host_to_gpa(sim, &local, &gpa), "a stack address is not guest memory");
    hvsim_destroy(sim);
}

static void test_caller_supplied_memory(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.guest_mem_size = 64 * 4096;
    cfg.guest_mem = aligned_alloc(4096, cfg.guest_mem_size);
    memset(cfg.guest_mem, 0x5A, cfg.guest_mem_size);
    struct hvsim *sim = hvsim_create(&cfg);
    CHECK(sim != NULL, "create with caller memory");
    CHECK(hvsim_gpa_to_host(sim, 0x3000, 1) == (uint8_t *)cfg.guest_mem + 0x3000, "GPA is an offset into it");
    tg_enable_hypercalls(sim);
    CHECK_EQ(((uint8_t *)cfg.guest_mem)[TG_HYPERCALL_GPA], 0x0F);
    hvsim_destroy(sim);
    CHECK_EQ(((uint8_t *)cfg.guest_mem)[0], 0x5A); /* not freed or unmapped by hvsim */
    free(cfg.guest_mem);
}

static void test_cpuid_leaves(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint32_t r[4];
    hvsim_cpuid(sim, 0, 1, 0, r);
    CHECK(r[2] & (1u << 31), "hypervisor-present bit");
    hvsim_cpuid(sim, 0, 0x40000000, 0, r);
    CHECK_EQ(r[0], 0x4000000A);
    char vendor[13];
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[2], 4);
    memcpy(vendor + 8, &r[3], 4);
    vendor[12] = 0;
    CHECK(strcmp(vendor, "Microsoft Hv") == 0, "vendor is '%s'", vendor);
    hvsim_cpuid(sim, 0, 0x40000001, 0, r);
    CHECK_EQ(r[0], 0x31237648);
    hvsim_cpuid(sim, 0, 0x40000003, 0, r);
    CHECK(r[0] & (1u << 2), "SynIC privilege");
    CHECK(r[0] & (1u << 5), "hypercall MSRs privilege");
    CHECK(r[1] & (1u << 4), "PostMessages privilege");
    CHECK(r[1] & (1u << 5), "SignalEvents privilege");
    CHECK(r[3] & (1u << 10), "crash MSRs feature");
    hvsim_cpuid(sim, 0, 0x40000004, 0, r);
    CHECK(r[0] & (1u << 9), "AutoEOI deprecated recommended");
    hvsim_cpuid(sim, 0, 0x40000005, 0, r);
    CHECK_EQ(r[0], HVSIM_MAX_VPS);
    hvsim_cpuid(sim, 0, 0x4000000B, 0, r);
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0, "leaf above max reads zero");
    hvsim_destroy(sim);
}

static void test_cpuid_configurable(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.max_leaf = 0x40000005;
    cfg.privileges = HV_PRIV_HYPERCALL_MSRS | HV_PRIV_VP_INDEX | HV_PRIV_POST_MESSAGES;
    cfg.features = 0;
    cfg.recommendations = 0;
    struct hvsim *sim = tg_create(&cfg);
    uint32_t r[4];
    hvsim_cpuid(sim, 0, 0x40000000, 0, r);
    CHECK_EQ(r[0], 0x40000005);
    hvsim_cpuid(sim, 0, 0x40000003, 0, r);
    CHECK_EQ(r[0], HV_PRIV_HYPERCALL_MSRS | HV_PRIV_VP_INDEX);
    CHECK_EQ(r[1], 1u << 4);
    CHECK_EQ(r[3], 0);
    hvsim_cpuid(sim, 0, 0x40000004, 0, r);
    CHECK_EQ(r[0], 0);
    hvsim_cpuid(sim, 0, 0x40000006, 0, r);
    CHECK(r[0] == 0 && r[1] == 0, "leaf 6 above max_leaf reads zero");
    hvsim_destroy(sim);
}

static void test_msr_feature_not_granted(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.privileges &= ~(HV_PRIV_SYNIC | HV_PRIV_SYNTHETIC_TIMERS | HV_PRIV_REFERENCE_TSC);
    cfg.features &= ~HV_FEATURE_CRASH_MSRS;
    struct hvsim *sim = tg_create(&cfg);
    uint64_t v;
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_SIMP, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIMP, TG_SIMP_GPA | 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_SINT0 + 2, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_EOM, 0), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_STIMER0_CONFIG, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_COUNT + 6, 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_REFERENCE_TSC, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_CRASH_CTL, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0, 1), HVSIM_MSR_GP);
    /* still granted */
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_TIME_REF_COUNT, &v), HVSIM_MSR_OK);
    struct hvsim_stats st;
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.gp_faults, 9);
    hvsim_destroy(sim);

    /* Frequency MSRs need the privilege and the feature bit. */
    hvsim_config_default(&cfg);
    cfg.features &= ~HV_FEATURE_FREQUENCY_MSRS;
    sim = tg_create(&cfg);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_TSC_FREQUENCY, &v), HVSIM_MSR_GP);
    hvsim_destroy(sim);
    hvsim_config_default(&cfg);
    cfg.privileges &= ~HV_PRIV_FREQUENCY_MSRS;
    sim = tg_create(&cfg);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_APIC_FREQUENCY, &v), HVSIM_MSR_GP);
    hvsim_destroy(sim);

    hvsim_config_default(&cfg);
    cfg.privileges &= ~HV_PRIV_HYPERCALL_MSRS;
    sim = tg_create(&cfg);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v), HVSIM_MSR_GP);
    hvsim_destroy(sim);
}

static void test_msr_read_only(void)
{
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.vp_count = 2;
    struct hvsim *sim = tg_create(&cfg);
    uint64_t v = 99;
    CHECK_EQ(hvsim_rdmsr(sim, 1, HV_MSR_VP_INDEX, &v), HVSIM_MSR_OK);
    CHECK_EQ(v, 1);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_VP_INDEX, 5), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_TIME_REF_COUNT, 5), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SVERSION, 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_TSC_FREQUENCY, 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_VP_RUNTIME, 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_SVERSION, &v), HVSIM_MSR_OK);
    CHECK_EQ(v, 1);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_TSC_FREQUENCY, &v), HVSIM_MSR_OK);
    CHECK_EQ(v, cfg.tsc_hz);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_EOI, &v), HVSIM_MSR_GP); /* write-only */
    hvsim_wrmsr(sim, 0, HV_MSR_EOM, 0);
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_EOM, &v), HVSIM_MSR_OK);
    CHECK_EQ(v, 0);
    hvsim_destroy(sim);
}

static void test_msr_unknown_or_unmodelled(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t v = 7;
    CHECK_EQ(hvsim_rdmsr(sim, 0, 0x40000073, &v), HVSIM_MSR_GP); /* VP assist: not modelled */
    CHECK_EQ(v, 0);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_ICR, 0), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, 0x400000FF, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 0, 0x40000106, &v), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_rdmsr(sim, 1, HV_MSR_VP_INDEX, &v), HVSIM_MSR_GP); /* no VP 1 */
    hvsim_destroy(sim);
}

static void test_msr_reset_values(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t v;
    for (uint32_t n = 0; n < 16; n++) {
        CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_SINT0 + n, &v), HVSIM_MSR_OK);
        CHECK_EQ(v, 0x10000);
    }
    hvsim_rdmsr(sim, 0, HV_MSR_SCONTROL, &v);
    CHECK_EQ(v, 0);
    hvsim_rdmsr(sim, 0, HV_MSR_SIMP, &v);
    CHECK_EQ(v, 0);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v, 0);
    hvsim_destroy(sim);
}

static void test_msr_reserved_bits(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t v;
    /* SINT: vector below 16 is invalid when unmasked; masked may keep it. */
    CHECK_EQ(tg_set_sint(sim, 0, 2, 15, 0), HVSIM_MSR_GP);
    CHECK_EQ(tg_set_sint(sim, 0, 2, 0, HV_SINT_MASKED), HVSIM_MSR_OK);
    CHECK_EQ(tg_set_sint(sim, 0, 2, 16, 0), HVSIM_MSR_OK);
    /* STIMER config RsvdZ: 15:13 and 63:20. */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, 1ull << 13), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, 1ull << 20), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_STIMER0_CONFIG, 1ull << 63), HVSIM_MSR_GP);
    /* CRASH_CTL 57:0 RsvdZ. */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, 1), HVSIM_MSR_GP);
    /* RsvdP bits are kept and read back by default. */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIMP, TG_SIMP_GPA | 0x2), HVSIM_MSR_OK);
    hvsim_rdmsr(sim, 0, HV_MSR_SIMP, &v);
    CHECK_EQ(v, TG_SIMP_GPA | 0x2);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.strict_rsvdp = true;
    sim = tg_create(&cfg);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIMP, TG_SIMP_GPA | 0x2), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SCONTROL, 0x3), HVSIM_MSR_GP);
    CHECK_EQ(tg_set_sint(sim, 0, 2, 0x40, 1ull << 20), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIMP, TG_SIMP_GPA | 1), HVSIM_MSR_OK);
    hvsim_destroy(sim);
}

static void test_synic_pages_must_be_ram(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t size = hvsim_guest_mem_size(sim);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIMP, size | 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIEFP, (size - 4096) | 1), HVSIM_MSR_OK);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_SIMP, size), HVSIM_MSR_OK); /* disabled: not checked */
    hvsim_destroy(sim);
}

static void test_hypercall_page_needs_guest_os_id(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint8_t *page = hvsim_gpa_to_host(sim, TG_HYPERCALL_GPA, 4096);
    uint64_t v;
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | 1), HVSIM_MSR_OK);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v, TG_HYPERCALL_GPA); /* Enable stayed 0 */
    CHECK_EQ(page[0], 0);
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID);
    hvsim_rdmsr(sim, 0, HV_MSR_GUEST_OS_ID, &v);
    CHECK_EQ(v, TG_GUEST_OS_ID);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | 1), HVSIM_MSR_OK);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v, TG_HYPERCALL_GPA | 1);
    hvsim_destroy(sim);
}

static void test_hypercall_page_written_on_enable(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint8_t *page = hvsim_gpa_to_host(sim, TG_HYPERCALL_GPA, 4096);
    memset(page, 0xAB, 4096); /* RAM the overlay covers */
    tg_enable_hypercalls(sim);
    static const uint8_t stub[4] = {0x0F, 0x01, 0xC1, 0xC3}; /* vmcall; ret */
    CHECK(memcmp(page, stub, 4) == 0, "page starts with vmcall;ret: %02x %02x %02x %02x", page[0],
          page[1], page[2], page[3]);
    CHECK_EQ(page[4095], 0xCC);
    /* Moving it puts the old RAM back. */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, 0x5000 | 1), HVSIM_MSR_OK);
    CHECK_EQ(page[0], 0xAB);
    CHECK_EQ(page[4095], 0xAB);
    CHECK_EQ(*(uint8_t *)hvsim_gpa_to_host(sim, 0x5000, 1), 0x0F);
    hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, 0x5000);
    CHECK_EQ(*(uint8_t *)hvsim_gpa_to_host(sim, 0x5000, 1), 0x00);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.amd_hypercall = true;
    sim = tg_create(&cfg);
    tg_enable_hypercalls(sim);
    page = hvsim_gpa_to_host(sim, TG_HYPERCALL_GPA, 4096);
    CHECK(page[0] == 0x0F && page[1] == 0x01 && page[2] == 0xD9 && page[3] == 0xC3, "vmmcall;ret");
    hvsim_destroy(sim);
}

static void test_guest_os_id_zero_disables_hypercall_page(void)
{
    struct hvsim *sim = tg_create(NULL);
    tg_enable_hypercalls(sim);
    uint64_t v;
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, 0);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v & 1, 0);
    CHECK_EQ(*(uint8_t *)hvsim_gpa_to_host(sim, TG_HYPERCALL_GPA, 1), 0);
    CHECK_EQ(hvsim_hypercall_fast(sim, 0, HV_CALL_NOTIFY_LONG_SPIN_WAIT, 1, 0), HVSIM_HYPERCALL_UD);
    hvsim_destroy(sim);
}

static void test_hypercall_page_placement(void)
{
    struct hvsim *sim = tg_create(NULL);
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, hvsim_guest_mem_size(sim) | 1), HVSIM_MSR_GP);
    /* Two overlays on one page are refused. */
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_REFERENCE_TSC, TG_TSC_GPA | 1), HVSIM_MSR_OK);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_TSC_GPA | 1), HVSIM_MSR_GP);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | 1), HVSIM_MSR_OK);
    hvsim_destroy(sim);
}

static void test_hypercall_msr_lock(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t v;
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID);
    hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | HV_HYPERCALL_LOCKED | 1);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v, TG_HYPERCALL_GPA | HV_HYPERCALL_LOCKED | 1);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, 0x5000 | 1), HVSIM_MSR_OK);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v, TG_HYPERCALL_GPA | HV_HYPERCALL_LOCKED | 1); /* unchanged */
    CHECK_EQ(*(uint8_t *)hvsim_gpa_to_host(sim, 0x5000, 1), 0);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.features &= ~HV_FEATURE_HYPERCALL_MSR_LOCK;
    sim = tg_create(&cfg);
    hvsim_wrmsr(sim, 0, HV_MSR_GUEST_OS_ID, TG_GUEST_OS_ID);
    hvsim_wrmsr(sim, 0, HV_MSR_HYPERCALL, TG_HYPERCALL_GPA | HV_HYPERCALL_LOCKED | 1);
    hvsim_rdmsr(sim, 0, HV_MSR_HYPERCALL, &v);
    CHECK_EQ(v, TG_HYPERCALL_GPA | 1); /* no lock feature: bit dropped */
    hvsim_destroy(sim);
}

static void test_crash_msrs(void)
{
    struct hvsim *sim = tg_create(NULL);
    uint64_t v;
    CHECK_EQ(hvsim_rdmsr(sim, 0, HV_MSR_CRASH_CTL, &v), HVSIM_MSR_OK);
    CHECK_EQ(v, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
    for (uint32_t i = 0; i < 5; i++)
        CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0 + i, 0x100 + i), HVSIM_MSR_OK);
    hvsim_rdmsr(sim, 0, HV_MSR_CRASH_P0 + 2, &v);
    CHECK_EQ(v, 0x102);
    CHECK_EQ(hvsim_crash_info(sim)->count, 0);
    hvsim_advance_ns(sim, 777);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY), HVSIM_MSR_OK);
    const struct hvsim_crash *c = hvsim_crash_info(sim);
    CHECK_EQ(c->count, 1);
    CHECK_EQ(c->params[0], 0x100);
    CHECK_EQ(c->params[4], 0x104);
    CHECK_EQ(c->ctl, HV_CRASH_CTL_NOTIFY);
    CHECK_EQ(c->time_ns, 777);
    CHECK(!c->message_valid, "no message without CrashMessage");

    /* Text message: P3 = GPA, P4 = length. */
    static const char text[] = "panic: out of cheese";
    memcpy(hvsim_gpa_to_host(sim, 0x7000, sizeof(text)), text, sizeof(text));
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0 + 3, 0x7000);
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0 + 4, sizeof(text) - 1);
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
    CHECK_EQ(c->count, 2);
    CHECK(c->message_valid, "message read");
    CHECK_EQ(c->message_len, sizeof(text) - 1);
    CHECK(memcmp(c->message, text, sizeof(text) - 1) == 0, "message text");

    /* Bad message length or address: the crash is recorded, the text is not. */
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0 + 4, 4097);
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
    CHECK_EQ(c->count, 3);
    CHECK(!c->message_valid, "4097-byte message refused");
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0 + 3, hvsim_guest_mem_size(sim) - 4);
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_P0 + 4, 16);
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
    CHECK(!c->message_valid, "message past the arena refused");

    /* A CTL write without CrashNotify records nothing. */
    hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, HV_CRASH_CTL_NO_DUMP);
    CHECK_EQ(c->count, 4);
    hvsim_destroy(sim);

    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.crash_ctl_supported = HV_CRASH_CTL_NOTIFY;
    sim = tg_create(&cfg);
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE),
             HVSIM_MSR_GP);
    CHECK_EQ(hvsim_crash_info(sim)->count, 0);
    hvsim_destroy(sim);
}

static void test_reset_msr_recorded(void)
{
    struct hvsim *sim = tg_create(NULL);
    struct hvsim_stats st;
    CHECK_EQ(hvsim_wrmsr(sim, 0, HV_MSR_RESET, 1), HVSIM_MSR_OK);
    hvsim_get_stats(sim, 0, &st);
    CHECK_EQ(st.reset_requests, 1);
    hvsim_destroy(sim);
}

struct log_capture {
    int lines;
    int saw_simp;
    int saw_gp;
};

static void capture(void *ctx, const char *line)
{
    struct log_capture *c = ctx;
    c->lines++;
    if (strstr(line, "wrmsr SIMP=0x2001"))
        c->saw_simp++;
    if (strstr(line, "SVERSION") && strstr(line, "#GP"))
        c->saw_gp++;
}

static void test_log_callback(void)
{
    struct log_capture c = {0};
    struct hvsim_config cfg;
    hvsim_config_default(&cfg);
    cfg.log = capture;
    cfg.log_ctx = &c;
    struct hvsim *sim = tg_create(&cfg);
    hvsim_wrmsr(sim, 0, HV_MSR_SIMP, TG_SIMP_GPA | 1);
    hvsim_wrmsr(sim, 0, HV_MSR_SVERSION, 2);
    CHECK_EQ(c.saw_simp, 1);
    CHECK_EQ(c.saw_gp, 1);
    hvsim_set_log(sim, NULL, NULL);
    int before = c.lines;
    hvsim_wrmsr(sim, 0, HV_MSR_SIMP, 0);
    CHECK_EQ(c.lines, before);
    hvsim_destroy(sim);
}

int main(void)
{
    RUN_TEST(test_create_rejects_bad_config);
    RUN_TEST(test_gpa_to_host_bounds);
    RUN_TEST(test_caller_supplied_memory);
    RUN_TEST(test_cpuid_leaves);
    RUN_TEST(test_cpuid_configurable);
    RUN_TEST(test_msr_feature_not_granted);
    RUN_TEST(test_msr_read_only);
    RUN_TEST(test_msr_unknown_or_unmodelled);
    RUN_TEST(test_msr_reset_values);
    RUN_TEST(test_msr_reserved_bits);
    RUN_TEST(test_synic_pages_must_be_ram);
    RUN_TEST(test_hypercall_page_needs_guest_os_id);
    RUN_TEST(test_hypercall_page_written_on_enable);
    RUN_TEST(test_guest_os_id_zero_disables_hypercall_page);
    RUN_TEST(test_hypercall_page_placement);
    RUN_TEST(test_hypercall_msr_lock);
    RUN_TEST(test_crash_msrs);
    RUN_TEST(test_reset_msr_recorded);
    RUN_TEST(test_log_callback);
    return check_summary();
}
