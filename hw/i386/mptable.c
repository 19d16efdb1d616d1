/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MP table builder (hw/i386/mptable.h).  Owns the description of
 * the q35 interrupt topology a guest without ACPI reads: which CPUs
 * exist, where the I/O APIC is, and which I/O APIC pin each ISA IRQ and
 * each PCI slot's INTx line reaches (the latter from the q35 host's
 * routing function, so the table cannot disagree with the wiring).
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/pci-host/q35.h"
#include "hw/i386/mptable.h"

#define FP_SIZE         16
#define HDR_SIZE        44

enum { MP_PROC, MP_BUS, MP_IOAPIC, MP_IOINT, MP_LINT };
enum { INT_INT, INT_NMI, INT_SMI, INT_EXTINT };

typedef struct Builder {
    uint8_t *buf;
    size_t off;
    unsigned count;
} Builder;

static void put(Builder *b, const void *data, size_t len)
{
    memcpy(b->buf + b->off, data, len);
    b->off += len;
}

static void put8(Builder *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put16(Builder *b, uint16_t v)
{
    stw_le_p(b->buf + b->off, v);
    b->off += 2;
}

static void put32(Builder *b, uint32_t v)
{
    stl_le_p(b->buf + b->off, v);
    b->off += 4;
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return -sum;
}

static void irq_entry(Builder *b, uint8_t type, uint8_t int_type,
                      uint16_t flags, uint8_t bus, uint8_t bus_irq,
                      uint8_t dst_id, uint8_t dst_pin)
{
    put8(b, type);
    put8(b, int_type);
    put16(b, flags);
    put8(b, bus);
    put8(b, bus_irq);
    put8(b, dst_id);
    put8(b, dst_pin);
    b->count++;
}

size_t mptable_build(uint8_t *buf, unsigned ncpus)
{
    Builder b = { buf, FP_SIZE + HDR_SIZE, 0 };
    const uint8_t ioapic_id = ncpus;
    uint8_t *hdr = buf + FP_SIZE;

    memset(buf, 0, MPTABLE_MAX_SIZE);
    for (unsigned i = 0; i < ncpus; i++) {
        put8(&b, MP_PROC);
        put8(&b, i);                        /* local APIC id */
        put8(&b, 0x14);                     /* local APIC version */
        put8(&b, 0x01 | (i == 0 ? 0x02 : 0));   /* enabled, boot CPU */
        put32(&b, 0x600);                   /* signature: family 6 */
        put32(&b, 0x201);                   /* features: FPU, APIC */
        put32(&b, 0);
        put32(&b, 0);
        b.count++;
    }
    put8(&b, MP_BUS);
    put8(&b, MPTABLE_BUS_PCI);
    put(&b, "PCI   ", 6);
    b.count++;
    put8(&b, MP_BUS);
    put8(&b, MPTABLE_BUS_ISA);
    put(&b, "ISA   ", 6);
    b.count++;
    put8(&b, MP_IOAPIC);
    put8(&b, ioapic_id);
    put8(&b, 0x20);                         /* I/O APIC version */
    put8(&b, 0x01);                         /* enabled */
    put32(&b, MPTABLE_IOAPIC_ADDR);
    b.count++;

    /* ISA: conforming polarity and trigger (edge, active high). */
    irq_entry(&b, MP_IOINT, INT_EXTINT, 0, MPTABLE_BUS_ISA, 0, ioapic_id, 0);
    for (unsigned irq = 0; irq < 16; irq++) {
        if (irq != 2) {
            irq_entry(&b, MP_IOINT, INT_INT, 0, MPTABLE_BUS_ISA, irq,
                      ioapic_id, irq == 0 ? 2 : irq);
        }
    }
    /* PCI bus 0: source irq = slot << 2 | pin; active low, level. */
    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            int pirq = q35_pirq_for(slot << 3, pin);

            irq_entry(&b, MP_IOINT, INT_INT, 0x0f, MPTABLE_BUS_PCI,
                      slot << 2 | pin, ioapic_id, Q35_PIRQ_GSI_BASE + pirq);
        }
    }
    irq_entry(&b, MP_LINT, INT_EXTINT, 0, MPTABLE_BUS_ISA, 0, 0xff, 0);
    irq_entry(&b, MP_LINT, INT_NMI, 0, MPTABLE_BUS_ISA, 0, 0xff, 1);

    /* The configuration table header. */
    {
        Builder h = { hdr, 0, 0 };

        put(&h, "PCMP", 4);
        put16(&h, b.off - FP_SIZE);         /* base table length */
        put8(&h, 4);                        /* spec revision 1.4 */
        put8(&h, 0);                        /* checksum, below */
        put(&h, "QEMUELAS", 8);             /* OEM id */
        put(&h, "Q35 MPTABLE ", 12);        /* product id */
        put32(&h, 0);                       /* OEM table */
        put16(&h, 0);
        put16(&h, b.count);
        put32(&h, MPTABLE_LAPIC_ADDR);
        put16(&h, 0);                       /* extended table */
        put8(&h, 0);
        put8(&h, 0);
        hdr[7] = checksum(hdr, b.off - FP_SIZE);
    }
    /* The floating pointer. */
    {
        Builder f = { buf, 0, 0 };

        put(&f, "_MP_", 4);
        put32(&f, MPTABLE_ADDR + FP_SIZE);
        put8(&f, 1);                        /* length in 16-byte units */
        put8(&f, 4);                        /* spec revision 1.4 */
        put8(&f, 0);                        /* checksum, below */
        put8(&f, 0);                        /* feature 1: table present */
        put8(&f, 0);                        /* feature 2: virtual wire */
        buf[10] = checksum(buf, FP_SIZE);
    }
    return b.off;
}
