/* The first app: a greeting and what the machine is. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hvrt/runtime.h>

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* Twelve characters from three CPUID registers, in the order given. */
static void cpuid_text(uint32_t leaf, int first, int second, int third, char out[13])
{
    uint32_t r[4];
    cpuid(leaf, r);
    memcpy(out, &r[first], 4);
    memcpy(out + 4, &r[second], 4);
    memcpy(out + 8, &r[third], 4);
    out[12] = '\0';
}

enum { EAX, EBX, ECX, EDX };

/* Hypervisors put their signature in leaf 0x40000000, but one that offers
 * several interfaces (KVM with Hyper-V enlightenments) moves its own to
 * 0x40000100 and up: look at every 0x100 step, not just the first. */
static int find_hyperv(uint32_t *leaf_out)
{
    uint32_t r[4];
    cpuid(1, r);
    if (!(r[ECX] & (1u << 31)))
        return 0;   /* no hypervisor present */
    for (uint32_t leaf = 0x40000000; leaf < 0x40010000; leaf += 0x100) {
        char sig[13];
        cpuid_text(leaf, EBX, ECX, EDX, sig);
        cpuid(leaf, r);
        if (strcmp(sig, "Microsoft Hv") == 0 && r[EAX] >= leaf + 1) {
            cpuid(leaf + 1, r);
            if (r[EAX] == 0x31237648) {   /* "Hv#1" */
                *leaf_out = leaf;
                return 1;
            }
        }
    }
    return 0;
}

static int hello_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    uint32_t r[4];
    char vendor[13];
    cpuid_text(0, EBX, EDX, ECX, vendor);

    printf("Hello from hvrt!\n");
    printf("CPU vendor: %s\n", vendor);
    printf("memory: %llu MiB usable, %llu MiB free\n",
           (unsigned long long)(hvrt_memory_bytes() >> 20),
           (unsigned long long)(hvrt_memory_free_bytes() >> 20));

    uint32_t leaf;
    if (find_hyperv(&leaf)) {
        printf("Hyper-V: present (CPUID leaf 0x%08x)\n", (unsigned)leaf);
    } else {
        cpuid(1, r);
        if (r[ECX] & (1u << 31)) {
            char name[13];
            cpuid_text(0x40000000, EBX, ECX, EDX, name);
            printf("Hyper-V: absent (hypervisor \"%s\")\n", name);
        } else {
            printf("Hyper-V: absent (no hypervisor)\n");
        }
    }
    return 0;
}

HVRT_APP("hello", hello_main, "print a greeting, the CPU vendor, the memory size, Hyper-V or not");
