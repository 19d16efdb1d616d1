/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot code of the test guest: the PVH entry note, the 32-bit entry that
 * PVH specifies (protected mode, paging off, EBX = hvm_start_info), the
 * identity page tables for the first 4 GiB (2 MiB pages), the switch to
 * long mode, and the interrupt entry stubs that save the general
 * registers and call trap_dispatch() in C.  The long-mode GDT has a
 * ring-0 and a ring-3 code/data pair and a TSS for the ring-3 workload.
 */

#define KCODE64 0x08
#define KDATA   0x10
#define KCODE32 0x18

    /* PVH: XEN_ELFNOTE_PHYS32_ENTRY (18), name "Xen", the 32-bit entry
     * address stored as a 64-bit value (as a 64-bit vmlinux does; the
     * low 4 bytes alone are the address, so a reader taking 4 bytes
     * gets the same result). */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad pvh_start

    .section .text.boot, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl %ebx, boot_start_info
    lgdt gdt_ptr32
    ljmp $KCODE32, $1f
1:  movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movl $boot_stack_top, %esp

    /* Zero .bss (small: the page tables and stacks are not in it). */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    xorl %eax, %eax
    rep stosl

    /* PML4[0] -> PDPT; PDPT[0..3] -> PD 0..3; PD 0..3 map 0..4 GiB with
     * 2 MiB pages: 2048 entries, one store each.  PDPT entries 4..63 are
     * cleared: paging_map_range() fills a whole PD before it sets one. */
    movl $pml4, %edi
    movl $1024, %ecx
    xorl %eax, %eax
    rep stosl
    movl $pdpt, %edi
    movl $1024, %ecx
    rep stosl
    movl $pdpt, %eax
    orl $7, %eax                /* present, writable, user */
    movl %eax, pml4
    movl $pd_tables, %eax
    orl $7, %eax
    movl $pdpt, %edi
    movl $4, %ecx
2:  movl %eax, (%edi)
    addl $4096, %eax
    addl $8, %edi
    loop 2b
    movl $pd_tables, %edi
    movl $0x87, %eax            /* present, writable, user, 2 MiB */
    xorl %edx, %edx
    movl $2048, %ecx
3:  movl %eax, (%edi)
    movl %edx, 4(%edi)
    addl $0x200000, %eax
    adcl $0, %edx
    addl $8, %edi
    loop 3b

    movl %cr4, %eax
    orl $0x20, %eax             /* PAE */
    movl %eax, %cr4
    movl $pml4, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx      /* EFER */
    rdmsr
    orl $0x100, %eax            /* LME */
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax       /* PG | PE */
    movl %eax, %cr0
    ljmp $KCODE64, $long_entry

    .code64
long_entry:
    movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movabsq $boot_stack_top, %rsp
    lgdt gdt_ptr64
    movl boot_start_info(%rip), %edi
    call guest_main
4:  cli
    hlt
    jmp 4b

/*
 * Application processor start: smp_start() copies ap_tramp_start ..
 * ap_tramp_end to a page below 1 MiB and sends INIT, SIPI.  The AP
 * starts there in real mode, loads the GDT, enters protected mode and
 * jumps to ap_pm32 in the image, which follows the boot CPU's path into
 * long mode on the same page tables and calls ap_main() on ap_stack_ptr.
 */
    .code16
    .globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
    cli
    cld
    lgdtl %cs:(ap_tramp_gdt - ap_tramp_start)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $KCODE32, $ap_pm32
    .balign 8
ap_tramp_gdt:
    .word gdt_end - gdt - 1
    .long gdt
ap_tramp_end:

    .code32
ap_pm32:
    movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl $pml4, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax
    movl %eax, %cr0
    ljmp $KCODE64, $ap_long

    .code64
ap_long:
    movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movq ap_stack_ptr(%rip), %rsp
    lgdt gdt_ptr64
    call ap_main
5:  cli
    hlt
    jmp 5b

/* Executes POPCNT at CPL0 on purpose (mode=fault-popcnt): the
 * forbidden-instruction check allows it in this section only. */
    .section .text.fault, "ax"
    .globl guest_popcnt
guest_popcnt:
    popcntq %rdi, %rax
    ret

/*
 * uint64_t user_call(fn, arg): run fn(arg) at CPL3 with interrupts
 * off, on the user stack; fn ends with user_exit(result), a UD2 at a known
 * address: trap_dispatch() recognises it and calls user_return(result),
 * which returns from user_call().  (INT n from CPL3 raises #UD on the PVM
 * host, so a gate would not do.)
 */
    .text
    .globl user_call
user_call:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, user_saved_rsp(%rip)
    pushq $0x23                 /* SS: ring-3 data */
    leaq user_stack_top(%rip), %rax
    pushq %rax                  /* RSP */
    pushq $0x2                  /* RFLAGS: IF off, IOPL 0 */
    pushq $0x2b                 /* CS: ring-3 code */
    pushq %rdi                  /* RIP */
    movq %rsi, %rdi
    movl $0x23, %eax
    movl %eax, %ds
    movl %eax, %es
    iretq

    .globl user_return
user_return:                    /* from trap_dispatch, RDI = result */
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movq %rdi, %rax
    movq user_saved_rsp(%rip), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

    .globl user_exit, user_exit_ud2
user_exit:
user_exit_ud2:
    ud2

/* Interrupt and exception stubs: vector number and (for vectors without
 * one) a zero error code, then the common path. */
    .text
    .macro stub vec
    .balign 16
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    pushq $\vec
    .else
    pushq $0
    pushq $\vec
    .endif
    jmp trap_common
    .endm

    .balign 16
    .globl trap_stubs
trap_stubs:
    .altmacro
    .set vec, 0
    .rept 256
    stub %vec
    .set vec, vec + 1
    .endr
    .noaltmacro

trap_common:
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
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_dispatch
    movq %rbx, %rsp
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
    addq $16, %rsp
    iretq

    .data
    .balign 8
    .globl boot_start_info
boot_start_info:
    .long 0, 0
user_saved_rsp:
    .quad 0
    .globl ap_stack_ptr
ap_stack_ptr:
    .quad 0
    .globl gdt
gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08 ring-0 code, 64-bit */
    .quad 0x00cf92000000ffff    /* 0x10 ring-0 data */
    .quad 0x00cf9a000000ffff    /* 0x18 ring-0 code, 32-bit */
    .quad 0x00cff2000000ffff    /* 0x20 ring-3 data (0x23) */
    .quad 0x00affa000000ffff    /* 0x28 ring-3 code, 64-bit (0x2b) */
    .globl gdt_tss
gdt_tss:
    .quad 0, 0                  /* 0x30 TSS, filled by arch_init() */
gdt_end:
gdt_ptr32:
    .word gdt_end - gdt - 1
    .long gdt
    .balign 8
gdt_ptr64:
    .word gdt_end - gdt - 1
    .quad gdt

    .section .pgtables, "aw", @nobits
    .balign 4096
    .globl pml4, pdpt, pd_tables
pml4:
    .skip 4096
pdpt:
    .skip 4096
pd_tables:
    .skip 64 * 4096

    .section .stacks, "aw", @nobits
    .balign 16
    .skip 32768
    .globl boot_stack_top
boot_stack_top:
    .skip 8192
    .globl trap_stack_top
trap_stack_top:
    .skip 16384
    .globl user_stack_top
user_stack_top:
