/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O APIC as far as this machine needs it: 24 interrupt inputs
 * (GSIs) whose levels it records and, under KVM, forwards to the
 * in-kernel I/O APIC; otherwise nothing is delivered and a qtest
 * watches the inputs with "irq_intercept_in ioapic".  The register file
 * (IOREGSEL/IOWIN at 0xfec00000) is kept and migrated, not acted on.
 */
#ifndef HW_I386_IOAPIC_H
#define HW_I386_IOAPIC_H

#include "hw/qdev-core.h"
#include "exec/memory.h"

#define TYPE_IOAPIC "ioapic"
#define IOAPIC_NUM_PINS 24
#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE    0x1000

OBJECT_DECLARE_SIMPLE_TYPE(IOAPICState, IOAPIC)

typedef void IOAPICForwardFn(void *opaque, int gsi, int level);

struct IOAPICState {
    DeviceState parent_obj;
    uint32_t irr;               /* bit n: input n is high */
    MemoryRegion mmio;          /* IOREGSEL/IOWIN/EOI */
    uint8_t ioregsel;
    uint8_t id;                 /* bits 24-27 of register 0 */
    uint64_t redtbl[IOAPIC_NUM_PINS];
    char *migration_id;         /* registered section, or NULL */
    IOAPICForwardFn *forward;   /* an accelerator's I/O APIC, or NULL */
    void *forward_opaque;
};

/*
 * Pass every input change on to @fn (an accelerator's interrupt
 * controller, e.g. KVM's in-kernel I/O APIC), with the current levels
 * replayed at once.  The device itself never calls an accelerator.
 */
void ioapic_set_forward(IOAPICState *s, IOAPICForwardFn *fn, void *opaque);

/* Register TYPE_IOAPIC; idempotent. */
void ioapic_register_types(void);

#endif /* HW_I386_IOAPIC_H */
