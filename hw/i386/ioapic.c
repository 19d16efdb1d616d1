/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal I/O APIC (hw/i386/ioapic.h): 24 GSI inputs whose levels are
 * latched in a bitmap.  Under KVM the levels are forwarded to the
 * in-kernel I/O APIC (ioapic_set_forward); otherwise there is no
 * delivery.  The device exists so that interrupt sources have a real
 * destination and the qtest server can intercept it by QOM path, as on
 * QEMU's q35.
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
    if (s->forward) {
        s->forward(s->forward_opaque, n, !!level);
    }
}

void ioapic_set_forward(IOAPICState *s, IOAPICForwardFn *fn, void *opaque)
{
    s->forward = fn;
    s->forward_opaque = opaque;
    for (int n = 0; fn && n < IOAPIC_NUM_PINS; n++) {
        if (s->irr & (1u << n)) {
            fn(opaque, n, 1);
        }
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
