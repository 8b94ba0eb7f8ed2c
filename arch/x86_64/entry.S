/* Assembly the C code cannot express: the switch onto the runtime's own
 * stack, loading segment registers, and the interrupt entry stubs. */

#define FXSAVE_AREA 512

    .text

/* void runtime_start(struct boot_info *bi): leave the firmware's stack
 * (boot services memory, about to be reused) for the boot stack in the
 * image (stack.c). */
    .globl runtime_start
runtime_start:
    leaq boot_stack_area+4096+8192(%rip), %rsp   /* stack.c: guard + half the area */
    xorl %ebp, %ebp            /* ends backtraces here */
    call runtime_main
    ud2

/* void runtime_switch_stack(uint64_t top, void (*fn)(void *), void *arg):
 * continues with fn(arg) on the stack whose high end is top; never returns. */
    .globl runtime_switch_stack
runtime_switch_stack:
    movq %rdi, %rsp
    xorl %ebp, %ebp            /* a new bottom for backtraces */
    movq %rdx, %rdi
    call *%rsi
    ud2

/* void gdt_load(const struct gdt_pointer *p, uint16_t code, uint16_t data, uint16_t tss) */
    .globl gdt_load
gdt_load:
    lgdt (%rdi)
    movw %dx, %ds
    movw %dx, %es
    movw %dx, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    ltr %cx
    popq %rax                  /* return address */
    pushq %rsi                 /* new code selector */
    pushq %rax
    lretq                      /* reloads CS */

/* One stub per vector. The CPU pushes an error code for some exceptions
 * only; the others get a zero so every frame has the same shape. */
.macro isr_stub vector
    .balign 16
isr_stub_\vector:
    .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    pushq $0
    .endif
    pushq $\vector
    jmp isr_common
.endm

/* The stubs are 16 bytes apart; idt.c computes each address from this. */
    .globl isr_stubs_start
    .balign 16
isr_stubs_start:
.altmacro
.set v, 0
.rept 256
    isr_stub %v
    .set v, v + 1
.endr

/* Saves every general register and the FPU/SSE state (an app may be in
 * the middle of floating-point work when an interrupt arrives), then calls
 * trap_dispatch(struct trap_frame *). */
isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    subq $FXSAVE_AREA, %rsp
    fxsave64 (%rsp)
    cld
    call trap_dispatch
    fxrstor64 (%rsp)
    addq $FXSAVE_AREA, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp             /* vector and error code */
    iretq

