/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal I/O APIC (hw/i386/ioapic.h): 24 GSI inputs whose levels are
 * latched in a bitmap.  Without vCPUs there is no delivery; the device
 * exists so that interrupt sources have a real destination and the
 * qtest server can intercept it by QOM path, as on QEMU's q35.
 */
#include "qemu/osdep.h"
#include "hw/i386/ioapic.h"

static void ioapic_set_irq(void *opaque, int n, int level)
{
    IOAPICState *s = opaque;

    if (level) {
        s->irr |= 1u << n;
    } else {
        s->irr &= ~(1u << n);
    }
}

static void ioapic_initfn(Object *obj)
{
    qdev_init_gpio_in(DEVICE(obj), ioapic_set_irq, IOAPIC_NUM_PINS);
}

static void ioapic_class_init(ObjectClass *oc, void *data)
{
    DEVICE_CLASS(oc)->user_creatable = false;
}

static const TypeInfo ioapic_info = {
    .name = TYPE_IOAPIC,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(IOAPICState),
    .instance_init = ioapic_initfn,
    .class_init = ioapic_class_init,
};

void ioapic_register_types(void)
{
    qdev_register_types();
    type_register_static(&ioapic_info);
}
