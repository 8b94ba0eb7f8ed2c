/* The thread switch (arch/context.h), x86-64 SysV: only what a call must
 * preserve is saved (rbx, rbp, r12-r15, the x87 control word, MXCSR); the
 * caller-saved registers are dead across the call by the ABI. Assembled
 * into the image and into the hosted test programs alike. */

    .text

/* void arch_context_switch(void **save_sp, void *next_sp) */
    .globl arch_context_switch
    .type arch_context_switch, @function
arch_context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $16, %rsp
    fnstcw (%rsp)
    stmxcsr 8(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    fldcw (%rsp)
    ldmxcsr 8(%rsp)
    addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size arch_context_switch, .-arch_context_switch

/* Where a new thread's first switch "returns" to: arch_context_init left
 * entry in r12 and its argument in r13. rsp is 16-byte aligned here, as a
 * call requires; rbp is 0, so backtraces end at the thread's entry. */
    .globl arch_context_start
    .type arch_context_start, @function
arch_context_start:
    movq %r13, %rdi
    callq *%r12
    ud2
    .size arch_context_start, .-arch_context_start

    .section .note.GNU-stack,"",@progbits
