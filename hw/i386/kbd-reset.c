/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kbd-reset (hw/i386/kbd-reset.h): port 0x64 of the keyboard controller
 * reduced to its reset command.  Owns the port and the reset line; what a
 * reset means is the machine owner's business.
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"
#include "hw/i386/kbd-reset.h"

static uint64_t kbd_reset_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void kbd_reset_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    KbdResetState *s = opaque;

    if ((val & 0xff) == KBD_CMD_PULSE_RESET) {
        qemu_irq_pulse(s->reset);
    }
}

static const MemoryRegionOps kbd_reset_ops = {
    .read = kbd_reset_read,
    .write = kbd_reset_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static bool kbd_reset_realize(DeviceState *dev, GError **errp)
{
    KbdResetState *s = KBD_RESET(dev);

    memory_region_init_io(&s->io, OBJECT(dev), &kbd_reset_ops, s,
                          "kbd-reset", 1);
    memory_region_add_subregion(get_system_io(), KBD_RESET_PORT, &s->io);
    return true;
}

static void kbd_reset_unrealize(DeviceState *dev)
{
    KbdResetState *s = KBD_RESET(dev);

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
}

static void kbd_reset_instance_init(Object *obj)
{
    qdev_init_gpio_out(DEVICE(obj), &KBD_RESET(obj)->reset, 1);
}

static void kbd_reset_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->user_creatable = false;
    dc->realize = kbd_reset_realize;
    dc->unrealize = kbd_reset_unrealize;
}

static const TypeInfo kbd_reset_info = {
    .name = TYPE_KBD_RESET,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(KbdResetState),
    .instance_init = kbd_reset_instance_init,
    .class_init = kbd_reset_class_init,
};

void kbd_reset_register_types(void)
{
    static bool done;

    if (!done) {
        done = true;
        qdev_register_types();
        type_register_static(&kbd_reset_info);
    }
}
