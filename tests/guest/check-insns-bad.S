/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input of check-insns.py's self-test: each line marked bad must be found. */
    .text
    .globl bad
bad:
    cmpxchg16b (%rdi)           /* bad */
    xsave (%rdi)                /* bad */
    xrstor (%rdi)               /* bad */
    xsaveopt (%rdi)             /* bad */
    int3                        /* bad */
    int $3                      /* bad */
    clac                        /* bad */
    stac                        /* bad */
    popcnt %rdi, %rax           /* bad */
    popcntl %edi, %eax          /* bad */
    fwait                       /* bad */
    xgetbv                      /* bad */
    ldmxcsr (%rdi)              /* bad */
    movq %xmm0, %rax            /* bad */
    vpxor %ymm1, %ymm1, %ymm1   /* bad */
    lock cmpxchg16b (%rdi)      /* bad */
    cmpxchg8b (%rdi)
    rep stosq
    ret
    .globl allowed_popcnt
allowed_popcnt:
    popcnt %rdi, %rax
    ret
    .globl user_vec_selftest
user_vec_selftest:
    vpxor %ymm1, %ymm1, %ymm1
    vmovdqu64 (%rdi), %zmm17
    kmovw %k1, %eax
    xsave (%rdi)                /* bad */
    ret
