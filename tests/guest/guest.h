/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test guest's internal interfaces: port and MMIO access, the
 * debug-port console, the command line, paging, interrupts and timing,
 * PCI, virtio-pci and virtio-mem.  Freestanding: no C library.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

/* --- port and memory-mapped I/O --- */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t mmio_read8(uint64_t a)
{
    return *(volatile uint8_t *)a;
}
static inline uint16_t mmio_read16(uint64_t a)
{
    return *(volatile uint16_t *)a;
}
static inline uint32_t mmio_read32(uint64_t a)
{
    return *(volatile uint32_t *)a;
}
static inline void mmio_write8(uint64_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
}
static inline void mmio_write16(uint64_t a, uint16_t v)
{
    *(volatile uint16_t *)a = v;
}
static inline void mmio_write32(uint64_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}
/* A 64-bit register as two 32-bit accesses, low half first (virtio). */
static inline uint64_t mmio_read64(uint64_t a)
{
    uint64_t lo = mmio_read32(a), hi = mmio_read32(a + 4);
    return lo | (hi << 32);
}
static inline void mmio_write64(uint64_t a, uint64_t v)
{
    mmio_write32(a, (uint32_t)v);
    mmio_write32(a + 4, (uint32_t)(v >> 32));
}

#define barrier() __asm__ volatile("" : : : "memory")

/* --- lib.c --- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
bool streq(const char *a, const char *b);

/* --- console.c: everything goes to port 0xe9 (isa-debugcon) --- */
/* Print a formatted line piece: %s %c %d %u %x %lu %lx %lld %llx %p %%. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "guest: PANIC: ..." and stop this vCPU for good. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2),
                                                noreturn));
/* Stop the vCPU with interrupts off (never returns). */
void halt_forever(void) __attribute__((noreturn));

/* --- cmdline.c --- */
/* Keep @cmdline (a copy) for cmdline_get(). */
void cmdline_init(const char *cmdline);
/*
 * The value of "key=value" in the command line copied to @buf (at most
 * @len - 1 characters, NUL-terminated), or "1" for a bare "key"; false
 * when the key is absent.
 */
bool cmdline_get(const char *key, char *buf, size_t len);
/* An integer option (decimal, 0x hex, K/M/G suffix), or @def. */
uint64_t cmdline_u64(const char *key, uint64_t def);

/* --- arch.c --- */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

#define IRQ_VECTOR_INTX 0x30
#define IRQ_VECTOR_SPURIOUS 0xff
#define IRQ_VECTOR_IPI 0x31

typedef void (*irq_handler_fn)(void *opaque);

/* IDT, TSS, LAPIC, legacy PIC masked; interrupts stay disabled. */
void arch_init(void);
/* Identity-map [@addr, @addr + @size) with 2 MiB pages (whole GiBs). */
void paging_map_range(uint64_t addr, uint64_t size);
/* Program IOAPIC pins 16..23 to deliver @IRQ_VECTOR_INTX to this CPU. */
void ioapic_route_pci_intx(void);
/* Call @fn(@opaque) from the INTx vector's handler (one at a time). */
void intx_set_handler(irq_handler_fn fn, void *opaque);
/* Wait for the next interrupt (sti; hlt), interrupts disabled again after. */
void wait_for_interrupt(void);
static inline void irq_disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}
static inline void irq_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}
/* TSC ticks per millisecond (from CPUID, or an assumed 2 GHz). */
uint64_t tsc_per_ms(void);
/* Busy-wait @ms milliseconds on the TSC. */
void delay_ms(uint64_t ms);
/* Milliseconds since arch_init(). */
uint64_t uptime_ms(void);
/* An application processor's IDT and LAPIC (called by ap_main()). */
void arch_ap_init(void);
/* Send a fixed IPI with @vector to @apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* The LAPIC ID of the running CPU. */
uint32_t lapic_id(void);
/* Start the application processor @apic_id at @entry (INIT, SIPI). */
void lapic_start_ap(uint32_t apic_id, uint32_t vector_page);

/*
 * Run @fn(@arg) at CPL3 (interrupts off, all pages user-accessible, no
 * port I/O) on the user stack; @fn must end with user_exit(result), which
 * user_call() returns.  CPL3 runs natively on the PVM host.
 */
uint64_t user_call(void (*fn)(void *), void *arg);
void user_exit(uint64_t result) __attribute__((noreturn));

/* POPCNT at CPL0 (start.S), for mode=fault-popcnt. */
uint64_t guest_popcnt(uint64_t v);

/* --- pci.c --- */
struct pci_dev {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint32_t class_rev;
    uint8_t irq_pin;
    uint64_t bar[6];        /* assigned address, 0 when unused */
    uint64_t bar_size[6];
    uint8_t bar_kind[6];    /* PCI_BAR_* */
};
enum { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };
/* Configuration space of @d at @off (naturally aligned), via 0xcf8/0xcfc. */
uint32_t pci_cfg_read32(const struct pci_dev *d, uint8_t off);
uint16_t pci_cfg_read16(const struct pci_dev *d, uint8_t off);
uint8_t pci_cfg_read8(const struct pci_dev *d, uint8_t off);
void pci_cfg_write32(const struct pci_dev *d, uint8_t off, uint32_t v);
void pci_cfg_write16(const struct pci_dev *d, uint8_t off, uint16_t v);
/*
 * Scan bus 0, print one line per function, assign every memory and I/O
 * BAR (memory from 0xc0000000 down-sized, I/O from 0xc000) and enable
 * decoding and bus mastering.  Returns the number of functions found.
 */
int pci_scan_and_assign(bool verbose);
/* The @n-th function with @vendor:@device, or NULL. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, int n);

/* --- virtio.c: virtio-pci modern transport and split virtqueues --- */
#define VIRTIO_F_VERSION_1 32
#define VQ_MAX 256

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
_Static_assert(sizeof(struct vring_desc) == 16, "split-ring descriptor");

struct virtq {
    uint16_t size;
    uint16_t last_used;
    uint16_t next_avail;
    uint64_t notify_addr;
    struct vring_desc *desc;
    volatile uint16_t *avail;   /* flags, idx, ring[size] */
    volatile uint8_t *used;     /* flags, idx, ring[size] of {id, len} */
};

struct virtio_dev {
    struct pci_dev *pci;
    uint64_t common, isr, device_cfg, notify_base;
    uint32_t notify_mult;
    uint64_t features;
    struct virtq vq[1];
};

/*
 * Find the modern capabilities, reset, negotiate (@wanted & offered, plus
 * VERSION_1; @required must be offered and kept), set up queue 0 and
 * set DRIVER_OK.  Returns false with a message on failure.
 */
bool virtio_init(struct virtio_dev *vd, struct pci_dev *pci,
                 uint64_t wanted, uint64_t required);
/* Reset the device (status 0, wait until it reads 0). */
void virtio_reset(struct virtio_dev *vd);
/* The device status register and the configuration generation. */
uint8_t virtio_status(struct virtio_dev *vd);
uint8_t virtio_config_generation(struct virtio_dev *vd);
/* Read and so acknowledge the ISR (bit 0 queue, bit 1 config). */
uint8_t virtio_read_isr(struct virtio_dev *vd);
/*
 * Send @out (device-readable) and receive into @in (device-writable) on
 * queue 0, polling for the answer; returns the used length, or -1 after
 * @timeout_ms.
 */
int virtio_request(struct virtio_dev *vd, const void *out, uint32_t out_len,
                   void *in, uint32_t in_len, uint64_t timeout_ms);

/* --- smp.c: a second vCPU that takes half of each verification --- */
/* Start the AP (APIC ID 1) if "smp" is on the command line; true if up. */
bool smp_start(void);
/* True once the AP runs. */
bool smp_active(void);
/* True on the boot CPU. */
bool smp_is_bsp(void);
/* Run @fn(@arg) on the AP; smp_wait() waits for it to finish. */
void smp_run_on_ap(void (*fn)(void *), void *arg);
void smp_wait(void);
/* printk() serialisation between the vCPUs. */
void console_lock(void);
void console_unlock(void);

/* --- virtio-mem.c --- */
/* Drive the first virtio-mem device forever (mode=virtio-mem). */
void virtio_mem_run(void);

/* --- cpustate.c --- */
/* mode=cpu-state: check vector, debug registers and kvmclock forever. */
void cpu_state_run(void);

/* --- workload.c --- */
/*
 * Write a pattern into every page (@per_page) or block of
 * [@addr, @addr + @size) with @block_size blocks, then read it back;
 * returns the number of blocks that verified, printing the first
 * mismatches.  @seed changes the pattern between rounds.
 */
uint64_t workload_pattern(uint64_t addr, uint64_t size, uint64_t block_size,
                          uint64_t seed, bool per_page);
/* Only verify what workload_pattern() wrote with @seed; blocks that match. */
uint64_t workload_check(uint64_t addr, uint64_t size, uint64_t block_size,
                        uint64_t seed, bool per_page);

#endif
