/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The second vCPU ("smp" on the command line): started with INIT and
 * SIPI through the LAPIC into a real-mode trampoline copied below 1 MiB,
 * it then sleeps in HLT and runs one piece of work at a time that the
 * boot CPU hands it with an IPI; it reports completion with an IPI back.
 * The virtio-mem driver gives it the upper half of each run of plugged
 * blocks to verify, so each vCPU writes and checks its own pages.
 */
#include "guest.h"

#define TRAMPOLINE 0x8000
#define AP_APIC_ID 1

extern char ap_tramp_start[], ap_tramp_end[];
extern uint64_t ap_stack_ptr;

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile uint32_t ap_up;
static volatile uint64_t work_gen, done_gen;
static void (*volatile work_fn)(void *);
static void *volatile work_arg;
static uint32_t bsp_id;
static bool active;
static volatile uint32_t con_lock;

void console_lock(void)
{
    uint32_t one = 1;

    for (;;) {
        __asm__ volatile("xchgl %0, %1" : "+r"(one), "+m"(con_lock)
                         : : "memory");
        if (!one) {
            return;
        }
        one = 1;
        __asm__ volatile("pause");
    }
}

void console_unlock(void)
{
    barrier();
    con_lock = 0;
}

bool smp_active(void)
{
    return active;
}

bool smp_is_bsp(void)
{
    return !active || lapic_id() == bsp_id;
}

/* Called by start.S on the AP in long mode. */
void ap_main(void);
void ap_main(void)
{
    uint64_t seen = 0;

    arch_ap_init();
    ap_up = lapic_id() + 1;
    for (;;) {
        irq_disable();
        while (work_gen == seen) {
            wait_for_interrupt();
        }
        irq_enable();
        seen = work_gen;
        work_fn(work_arg);
        barrier();
        done_gen = seen;
        lapic_send_ipi(bsp_id, IRQ_VECTOR_IPI);
    }
}

bool smp_start(void)
{
    char buf[4];
    uint64_t deadline;

    if (!cmdline_get("smp", buf, sizeof(buf))) {
        return false;
    }
    bsp_id = lapic_id();
    memcpy((void *)TRAMPOLINE, ap_tramp_start, ap_tramp_end - ap_tramp_start);
    ap_stack_ptr = (uint64_t)(ap_stack + sizeof(ap_stack));
    lapic_start_ap(AP_APIC_ID, TRAMPOLINE >> 12);
    deadline = uptime_ms() + 10000;
    while (!ap_up) {
        if (uptime_ms() > deadline) {
            printk("smp: cpu with APIC ID %u did not start\n", AP_APIC_ID);
            return false;
        }
        __asm__ volatile("pause");
    }
    active = true;
    printk("smp: cpu with APIC ID %u up\n", ap_up - 1);
    return true;
}

void smp_run_on_ap(void (*fn)(void *), void *arg)
{
    work_fn = fn;
    work_arg = arg;
    barrier();
    work_gen++;
    lapic_send_ipi(AP_APIC_ID, IRQ_VECTOR_IPI);
}

void smp_wait(void)
{
    bool was_on;
    uint64_t flags;

    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    was_on = flags & 0x200;
    irq_disable();
    while (done_gen != work_gen) {
        wait_for_interrupt();
    }
    if (was_on) {
        irq_enable();
    }
}
