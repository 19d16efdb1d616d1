/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vector-register half of mode=cpu-state: code that runs at CPL3 only
 * (through user_call(), natively on the PVM host, where CPL0 could not
 * touch these registers).  user_vec_load puts a known pattern into every
 * vector register, user_vec_check compares them with it again and again
 * until a TSC deadline.  Between the two calls nothing else in the guest
 * uses a vector register (it is built with -mgeneral-regs-only), so the
 * values must survive whatever happens to the vCPU meanwhile: exits,
 * stop/cont, migration.
 *
 * check-insns.py lets functions named user_vec_* use vector registers;
 * nothing at CPL0 may call them directly.
 *
 * Both take a struct vec_job (guest.h) in RDI and end with user_exit(0):
 *   0  pattern    address of 32 x 64 bytes, one slot per register
 *   8  zmm        nonzero: zmm0-31 (AVX-512), else ymm0-14 (AVX)
 *   16 deadline   TSC value at which user_vec_check returns
 *   24 bad        out: bit n set when register n differed
 *   32 checks     out: passes over all registers
 */

    .text

/*
 * user_vec_check's end of a pass over the registers: count it (R9) and
 * go back to \again while the TSC is below the job's deadline (job in
 * RCX; clobbers RAX, RDX).
 */
    .macro pass_done again
    incq %r9
    rdtsc
    shlq $32, %rdx
    orq %rax, %rdx
    cmpq 16(%rcx), %rdx
    jb \again
    .endm

    .globl user_vec_load
user_vec_load:
    movq 0(%rdi), %rsi
    cmpq $0, 8(%rdi)
    jne 2f
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14
    vmovdqu \n*64(%rsi), %ymm\n
    .endr
    jmp 3f
2:
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    vmovdqu64 \n*64(%rsi), %zmm\n
    .endr
3:  xorl %edi, %edi
    jmp user_exit

    .globl user_vec_check
user_vec_check:
    movq %rdi, %rcx             /* the job */
    movq 0(%rcx), %rsi
    xorl %r8d, %r8d             /* bad registers */
    xorl %r9d, %r9d             /* passes */
    cmpq $0, 8(%rcx)
    jne 20f
10:                             /* ymm0-14, ymm15 is the scratch */
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14
    vpcmpeqq \n*64(%rsi), %ymm\n, %ymm15
    vpmovmskb %ymm15, %eax
    cmpl $-1, %eax
    je 1f
    btsq $\n, %r8
1:
    .endr
    pass_done 10b
    jmp 30f
20:                             /* zmm0-31, k1 is the scratch */
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    vpcmpeqq \n*64(%rsi), %zmm\n, %k1
    kmovw %k1, %eax
    cmpl $0xff, %eax
    je 1f
    btsq $\n, %r8
1:
    .endr
    pass_done 20b
30: movq %r8, 24(%rcx)
    movq %r9, 32(%rcx)
    xorl %edi, %edi
    jmp user_exit
