/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O APIC as far as this machine needs it: 24 interrupt inputs
 * (GSIs) whose levels it records.  No CPU runs, so nothing is
 * delivered; a qtest watches the inputs with "irq_intercept_in ioapic".
 */
#ifndef HW_I386_IOAPIC_H
#define HW_I386_IOAPIC_H

#include "hw/qdev-core.h"

#define TYPE_IOAPIC "ioapic"
#define IOAPIC_NUM_PINS 24

OBJECT_DECLARE_SIMPLE_TYPE(IOAPICState, IOAPIC)

struct IOAPICState {
    DeviceState parent_obj;
    uint32_t irr;               /* bit n: input n is high */
};

/* Register TYPE_IOAPIC; idempotent. */
void ioapic_register_types(void);

#endif /* HW_I386_IOAPIC_H */
