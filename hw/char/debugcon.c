/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-debugcon (hw/char/debugcon.h): a write-only console on one I/O
 * port.  Each guest write of a byte is passed on at once (no buffering:
 * a guest that stops with an error must leave its last line behind).
 * Output goes to a chardev (chardev=ID) or, for -debugcon file:PATH, to
 * a file the device opens itself (x-file=PATH), truncated at realize as
 * QEMU's file chardev does.  Without either the bytes are dropped.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/address-spaces.h"
#include "hw/char/debugcon.h"

static uint64_t debugcon_read(void *opaque, hwaddr addr, unsigned size)
{
    return ISA_DEBUGCON_DEVICE(opaque)->readback;
}

static void debugcon_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    ISADebugconState *s = opaque;
    uint8_t byte = val;

    char_out_write_byte(&s->out, byte);
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static bool debugcon_realize(DeviceState *dev, GError **errp)
{
    ISADebugconState *s = ISA_DEBUGCON_DEVICE(dev);

    if (s->iobase > 0xffff) {
        error_setg(errp, "iobase 0x%x is not an I/O port", s->iobase);
        return false;
    }
    if (!char_out_open(&s->out, "isa-debugcon", errp)) {
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &debugcon_ops, s,
                          "isa-debugcon", 1);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    return true;
}

static void debugcon_unrealize(DeviceState *dev)
{
    ISADebugconState *s = ISA_DEBUGCON_DEVICE(dev);

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
    char_out_close(&s->out);
}

static void debugcon_instance_init(Object *obj)
{
    char_out_init(&ISA_DEBUGCON_DEVICE(obj)->out);
}

static const Property debugcon_props[] = {
    DEFINE_PROP_UINT32("iobase", ISADebugconState, iobase, 0xe9),
    DEFINE_PROP_UINT32("readback", ISADebugconState, readback, 0xe9),
    DEFINE_PROP_STRING("chardev", ISADebugconState, out.chardev),
    DEFINE_PROP_STRING("x-file", ISADebugconState, out.file),
    DEFINE_PROP_END_OF_LIST(),
};

static void debugcon_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "ISA debug console (port 0xe9)";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = true;
    dc->realize = debugcon_realize;
    dc->unrealize = debugcon_unrealize;
    device_class_set_props(dc, debugcon_props);
}

static const TypeInfo debugcon_info = {
    .name = TYPE_ISA_DEBUGCON_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(ISADebugconState),
    .instance_init = debugcon_instance_init,
    .class_init = debugcon_class_init,
};

void debugcon_register_types(void)
{
    qdev_register_types();
    type_register_static(&debugcon_info);
}
