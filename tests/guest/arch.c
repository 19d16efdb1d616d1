/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test guest's CPU and interrupt plumbing: the IDT, the TSS, identity
 * paging beyond the first 4 GiB, the local APIC (enabled, timer and LINT0
 * masked), the legacy PIC (masked), the I/O APIC pins 16..23 that q35
 * wires to PCI INTx, the interrupt dispatcher and TSC-based timing.
 */
#include "guest.h"

#define LAPIC_BASE 0xfee00000ULL
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_ERROR 0x370

#define IOAPIC_BASE 0xfec00000ULL

struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t zero;
} __attribute__((packed));

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS");

extern char trap_stubs[];
extern uint64_t pdpt[], pd_tables[];
extern uint64_t gdt_tss[2];
extern char boot_stack_top[], trap_stack_top[];
extern char user_exit_ud2[];
void user_return(uint64_t result) __attribute__((noreturn));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static irq_handler_fn intx_fn;
static void *intx_opaque;
static uint64_t tsc_ms;
static uint64_t tsc_start;
static uint8_t pd_mapped[64];

static uint32_t lapic_read(uint32_t reg)
{
    return mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(LAPIC_BASE + reg, v);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(IOAPIC_BASE, reg);
    mmio_write32(IOAPIC_BASE + 0x10, v);
}

static uint32_t ioapic_read(uint32_t reg)
{
    mmio_write32(IOAPIC_BASE, reg);
    return mmio_read32(IOAPIC_BASE + 0x10);
}

static void idt_set(int vec, uint64_t handler, int dpl)
{
    struct idt_gate *g = &idt[vec];

    g->off_lo = (uint16_t)handler;
    g->sel = 0x08;
    g->ist = 0;
    g->type = 0x8e | (dpl << 5);    /* present, 64-bit interrupt gate */
    g->off_mid = (uint16_t)(handler >> 16);
    g->off_hi = (uint32_t)(handler >> 32);
    g->zero = 0;
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
                  uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                     : "a"(leaf), "c"(0));
}

static void tsc_init(void)
{
    uint32_t a, b, c, d, max;

    cpuid(0, &max, &b, &c, &d);
    tsc_ms = 2000000;   /* assume 2 GHz when CPUID does not say */
    if (max >= 0x16) {
        cpuid(0x16, &a, &b, &c, &d);
        if (a & 0xffff) {
            tsc_ms = (uint64_t)(a & 0xffff) * 1000;
        }
    }
    tsc_start = rdtsc();
}

static struct {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed)) idtr;

static void lapic_enable(void)
{
    lapic_write(LAPIC_SVR, 0x100 | IRQ_VECTOR_SPURIOUS);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, 0x10000);
    lapic_write(LAPIC_LVT_LINT0, 0x10000);
    lapic_write(LAPIC_LVT_ERROR, 0x10000);
}

void arch_ap_init(void)
{
    __asm__ volatile("lidt %0" : : "m"(idtr));
    lapic_enable();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, 0x4000 | vector);  /* fixed, assert */
}

void arch_init(void)
{
    uint64_t t = (uint64_t)&tss;
    int i;

    for (i = 0; i < 256; i++) {
        idt_set(i, (uint64_t)trap_stubs + 16 * i, 0);
    }
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint64_t)idt;
    __asm__ volatile("lidt %0" : : "m"(idtr));

    /* CPL3 -> CPL0 switches land on their own stack: the kernel's is in
     * use below user_call(). */
    tss.rsp0 = (uint64_t)trap_stack_top;
    tss.iomap_base = sizeof(tss);
    gdt_tss[0] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) |
                 (0x89ULL << 40) | (((t >> 24) & 0xff) << 56);
    gdt_tss[1] = t >> 32;
    __asm__ volatile("ltr %w0" : : "r"(0x30));

    /* Legacy PIC: everything masked (firmware may have left IRQ0 open). */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    /* Local APIC: software-enabled, spurious vector 0xff, LVTs masked. */
    lapic_enable();
    tsc_init();
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_start_ap(uint32_t apic_id, uint32_t vector_page)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, 0x4500);              /* INIT */
    delay_ms(10);
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, 0x4600 | vector_page); /* SIPI */
    delay_ms(1);
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, 0x4600 | vector_page);
}

void paging_map_range(uint64_t addr, uint64_t size)
{
    uint64_t g, first = addr / GiB, last = (addr + size + GiB - 1) / GiB;

    if (last > 64) {
        panic("cannot map up to 0x%llx (64 GiB at most)",
              (unsigned long long)(addr + size));
    }
    for (g = first; g < last; g++) {
        uint64_t *pd = pd_tables + 512 * g;
        int i;

        if (g < 4 || pd_mapped[g]) {
            continue;
        }
        /* One store per 2 MiB page, then publish the whole GiB. */
        for (i = 0; i < 512; i++) {
            pd[i] = (g * GiB + (uint64_t)i * 2 * MiB) | 0x87;
        }
        pdpt[g] = (uint64_t)pd | 7;
        pd_mapped[g] = 1;
    }
    /* Only new entries were added: no stale translation to flush. */
}

void ioapic_route_pci_intx(void)
{
    uint32_t dest = lapic_id();
    uint32_t n = ((ioapic_read(1) >> 16) & 0xff) + 1;
    uint32_t pin;

    if (n != 24) {
        /* q35's has 24; program them even if the version register is
         * not implemented. */
        printk("guest: IOAPIC reports %u pins\n", n);
        n = 24;
    }
    for (pin = 0; pin < n; pin++) {
        ioapic_write(0x10 + 2 * pin, 0x10000);          /* masked */
    }
    /* q35: PIRQ A..H are GSIs 16..23; which one a device uses depends on
     * its slot and pin, so route all of them to one vector: level
     * triggered, active high, fixed delivery, physical destination. */
    for (pin = 16; pin < 24; pin++) {
        ioapic_write(0x11 + 2 * pin, dest << 24);
        ioapic_write(0x10 + 2 * pin, IRQ_VECTOR_INTX | (1 << 15));
    }
}

void intx_set_handler(irq_handler_fn fn, void *opaque)
{
    intx_opaque = opaque;
    intx_fn = fn;
}

void wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

uint64_t tsc_per_ms(void)
{
    return tsc_ms;
}

void delay_ms(uint64_t ms)
{
    uint64_t end = rdtsc() + ms * tsc_ms;

    while ((int64_t)(rdtsc() - end) < 0) {
        __asm__ volatile("pause");
    }
}

uint64_t uptime_ms(void)
{
    return (rdtsc() - tsc_start) / tsc_ms;
}

static uint64_t read_cr2(void)
{
    uint64_t v;

    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* Called by trap_common (start.S) with the saved registers. */
void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
    if (f->vector == IRQ_VECTOR_INTX) {
        if (intx_fn) {
            intx_fn(intx_opaque);
        }
        lapic_write(LAPIC_EOI, 0);
        return;
    }
    if (f->vector == 6 && (f->cs & 3) == 3 &&
        f->rip == (uint64_t)user_exit_ud2) {
        user_return(f->rdi);
    }
    if (f->vector == IRQ_VECTOR_SPURIOUS) {
        return;
    }
    if (f->vector == IRQ_VECTOR_IPI) {
        lapic_write(LAPIC_EOI, 0);
        return;
    }
    if (f->vector >= 32) {
        printk("guest: unexpected interrupt vector 0x%llx\n",
               (unsigned long long)f->vector);
        lapic_write(LAPIC_EOI, 0);
        return;
    }
    panic("exception %llu error 0x%llx rip 0x%llx cs 0x%llx cr2 0x%llx "
          "rsp 0x%llx", (unsigned long long)f->vector,
          (unsigned long long)f->error, (unsigned long long)f->rip,
          (unsigned long long)f->cs, (unsigned long long)read_cr2(),
          (unsigned long long)f->rsp);
}
