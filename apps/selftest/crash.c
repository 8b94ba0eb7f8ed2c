/* Faults on purpose, to show (and test) the runtime's exception reports:
 * divide by zero, a null pointer, a stack overflow into the guard page,
 * an invalid opcode, a write to the read-only image code, a jump into
 * no-execute data, abort(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvrt/runtime.h>

static volatile int zero, one = 1;   /* volatile: the compiler cannot fold the faults away */

__attribute__((noinline)) static int divide(int a, int b) { return a / b; }

__attribute__((noinline)) static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth < 0)   /* never: keeps the compiler from calling this infinite */
        return 0;
    return recurse(depth + 1) + pad[0];
}

static int crash_main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    printf("crash: %s\n", what);
    fflush(stdout);
    if (strcmp(what, "divide") == 0)
        return divide(one, zero);
    if (strcmp(what, "null") == 0)
        return *(volatile int *)(uintptr_t)zero;
    if (strcmp(what, "stack") == 0)
        return recurse(0);
    if (strcmp(what, "ud") == 0)
        __builtin_trap();
    if (strcmp(what, "code-write") == 0) {
        *(volatile unsigned char *)(void *)crash_main = 0xcc;
        return 0;
    }
    if (strcmp(what, "exec-data") == 0) {
        static unsigned char code[] = { 0xc3 };   /* ret, in no-execute data */
        ((void (*)(void))(void *)code)();
        return 0;
    }
    if (strcmp(what, "abort") == 0)
        abort();
    fprintf(stderr, "usage: crash divide|null|stack|ud|code-write|exec-data|abort\n");
    return HVRT_EXIT_USAGE;
}

HVRT_APP("crash", crash_main, "fault on purpose: divide|null|stack|ud|code-write|exec-data|abort");
