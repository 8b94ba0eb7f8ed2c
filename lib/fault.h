/* The runtime's exception report (lib/fault.c): which exception, where,
 * the registers, the faulting address, a backtrace with function names,
 * and which app was running; then the run ends with HVRT_EXIT_PANIC. */
#ifndef HVRT_LIB_FAULT_H
#define HVRT_LIB_FAULT_H

#include "arch/x86_64/trap.h"

/* The report, for trap_set_fatal_handlers; never returns. */
__attribute__((noreturn)) void fault_report(const struct trap_frame *frame);

/* A backtrace of the caller, onto the console. */
void backtrace_here(void);

#endif
