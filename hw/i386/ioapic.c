/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal I/O APIC (hw/i386/ioapic.h): 24 GSI inputs whose levels are
 * latched in a bitmap, and the register file a guest programs through
 * IOREGSEL/IOWIN at 0xfec00000 (ID, version, arbitration, 24 redirection
 * entries, the EOI register of version 0x20).  Under KVM the levels are
 * forwarded to the in-kernel I/O APIC (ioapic_set_forward), which also
 * answers the guest's MMIO; otherwise nothing is delivered: there is no
 * local APIC model, so the entries are kept but never acted on (delivery
 * status and remote IRR stay 0).  The device exists so that interrupt
 * sources have a real destination, the qtest server can intercept it by
 * QOM path as on QEMU's q35, and its state migrates (section "ioapic",
 * payload below).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "hw/i386/ioapic.h"

/* Register indexes (IOREGSEL) and MMIO offsets. */
#define IOAPIC_REG_ID       0x00
#define IOAPIC_REG_VER      0x01
#define IOAPIC_REG_ARB      0x02
#define IOAPIC_REG_REDTBL   0x10
#define IOAPIC_IOREGSEL     0x00
#define IOAPIC_IOWIN        0x10
#define IOAPIC_EOI          0x40

#define IOAPIC_VERSION      0x20    /* QEMU 7.2's default */
#define IOAPIC_ID_MASK      0x0f000000u
#define IOAPIC_LVT_MASKED   (1ull << 16)
/* Delivery status (12) and remote IRR (14) are read-only. */
#define IOAPIC_RO_BITS      ((1ull << 12) | (1ull << 14))

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

static uint32_t ioapic_read_reg(IOAPICState *s)
{
    unsigned sel = s->ioregsel;

    switch (sel) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return s->id << 24;
    case IOAPIC_REG_VER:
        return (IOAPIC_NUM_PINS - 1) << 16 | IOAPIC_VERSION;
    }
    if (sel >= IOAPIC_REG_REDTBL &&
        sel < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->redtbl[(sel - IOAPIC_REG_REDTBL) / 2];

        return (sel & 1) ? e >> 32 : (uint32_t)e;
    }
    return 0;
}

static void ioapic_write_reg(IOAPICState *s, uint32_t val)
{
    unsigned sel = s->ioregsel;

    if (sel == IOAPIC_REG_ID) {
        s->id = (val & IOAPIC_ID_MASK) >> 24;
    } else if (sel >= IOAPIC_REG_REDTBL &&
               sel < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
        uint64_t *e = &s->redtbl[(sel - IOAPIC_REG_REDTBL) / 2];

        if (sel & 1) {
            *e = (*e & 0xffffffffull) | (uint64_t)val << 32;
        } else {
            *e = (*e & (0xffffffff00000000ull | IOAPIC_RO_BITS)) |
                 (val & ~IOAPIC_RO_BITS);
        }
    }
    /* Version and arbitration are read-only; other indexes ignored. */
}

static uint64_t ioapic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IOAPICState *s = opaque;

    switch (addr) {
    case IOAPIC_IOREGSEL:
        return s->ioregsel;
    case IOAPIC_IOWIN:
        /* As on QEMU 7.2, only a 4-byte access reads the window. */
        return size == 4 ? ioapic_read_reg(s) : 0;
    }
    return 0;
}

static void ioapic_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    IOAPICState *s = opaque;

    switch (addr) {
    case IOAPIC_IOREGSEL:
        s->ioregsel = val & 0xff;
        break;
    case IOAPIC_IOWIN:
        if (size == 4) {
            ioapic_write_reg(s, val);
        }
        break;
    case IOAPIC_EOI:
        /* Remote IRR is never set without delivery: nothing to clear. */
        break;
    }
}

static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/*
 * Migration payload, version 1, little-endian: u8 IOREGSEL, u8 ID,
 * u32 input levels (bit n: GSI n high), u32 entry count (24), then each
 * redirection entry as u64.  check() refuses another length or count,
 * an ID above 15, levels beyond the inputs and entries with reserved
 * bits (17-55) or read-only bits (12, 14) set.
 */
#define IOAPIC_STATE_VERSION 1
#define IOAPIC_STATE_LEN     (1 + 1 + 4 + 4 + 8 * IOAPIC_NUM_PINS)
#define IOAPIC_ENTRY_RSVD    (((1ull << 56) - 1) & ~((1ull << 17) - 1))

static bool ioapic_state_save(void *opaque, GByteArray *out, GError **errp)
{
    IOAPICState *s = opaque;

    mig_put_u8(out, s->ioregsel);
    mig_put_u8(out, s->id);
    mig_put_u32(out, s->irr);
    mig_put_u32(out, IOAPIC_NUM_PINS);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        mig_put_u64(out, s->redtbl[i]);
    }
    return true;
}

static bool ioapic_state_check(void *opaque, const uint8_t *data, size_t len,
                               uint32_t version, GError **errp)
{
    MigCursor c;
    uint32_t irr, count;
    uint8_t id;

    if (version != IOAPIC_STATE_VERSION) {
        error_setg(errp, "unknown ioapic state version %u", version);
        return false;
    }
    if (len < 10) {
        error_setg(errp, "%zu bytes, expected %u", len, IOAPIC_STATE_LEN);
        return false;
    }
    mig_cursor_init(&c, data, len);
    mig_get_u8(&c);
    id = mig_get_u8(&c);
    irr = mig_get_u32(&c);
    count = mig_get_u32(&c);
    if (count != IOAPIC_NUM_PINS) {
        error_setg(errp, "%u redirection entries in the stream, %u here",
                   count, IOAPIC_NUM_PINS);
        return false;
    }
    if (len != IOAPIC_STATE_LEN) {
        error_setg(errp, "%zu bytes, expected %u", len, IOAPIC_STATE_LEN);
        return false;
    }
    if (id > 15 || (irr >> IOAPIC_NUM_PINS)) {
        error_setg(errp, "ID %u, input levels 0x%x out of range", id, irr);
        return false;
    }
    for (unsigned i = 0; i < count; i++) {
        uint64_t e = mig_get_u64(&c);

        if (e & (IOAPIC_ENTRY_RSVD | IOAPIC_RO_BITS)) {
            error_setg(errp, "redirection entry %u 0x%016" PRIx64 " has "
                       "reserved or read-only bits set", i, e);
            return false;
        }
    }
    return mig_cursor_done(&c, "ioapic", errp);
}

static bool ioapic_state_load(void *opaque, const uint8_t *data, size_t len,
                              uint32_t version, GError **errp)
{
    IOAPICState *s = opaque;
    MigCursor c;
    uint32_t irr, changed;

    mig_cursor_init(&c, data, len);
    s->ioregsel = mig_get_u8(&c);
    s->id = mig_get_u8(&c);
    irr = mig_get_u32(&c);
    mig_get_u32(&c);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->redtbl[i] = mig_get_u64(&c);
    }
    changed = irr ^ s->irr;
    for (int n = 0; changed && n < IOAPIC_NUM_PINS; n++) {
        if (changed & (1u << n)) {
            ioapic_set_irq(s, n, !!(irr & (1u << n)));
        }
    }
    return true;
}

static const MigStateOps ioapic_state_ops = {
    .type = TYPE_IOAPIC,
    .version = IOAPIC_STATE_VERSION,
    .save = ioapic_state_save,
    .check = ioapic_state_check,
    .load = ioapic_state_load,
};

static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);

    s->ioregsel = 0;
    s->id = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->redtbl[i] = IOAPIC_LVT_MASKED;
    }
    /* The input levels belong to the sources; they keep them. */
}

static bool ioapic_realize(DeviceState *dev, GError **errp)
{
    IOAPICState *s = IOAPIC(dev);

    if (!device_migration_register(OBJECT(dev), "", &ioapic_state_ops, s,
                                   &s->migration_id, errp)) {
        return false;
    }
    memory_region_init_io(&s->mmio, OBJECT(dev), &ioapic_mmio_ops, s,
                          "ioapic", IOAPIC_MMIO_SIZE);
    memory_region_add_subregion(get_system_memory(), IOAPIC_DEFAULT_BASE,
                                &s->mmio);
    ioapic_reset(dev);
    return true;
}

static void ioapic_unrealize(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);

    device_migration_unregister(&s->migration_id);
    memory_region_del_subregion(get_system_memory(), &s->mmio);
    memory_region_finalize(&s->mmio);
}

static void ioapic_initfn(Object *obj)
{
    qdev_init_gpio_in(DEVICE(obj), ioapic_set_irq, IOAPIC_NUM_PINS);
}

static void ioapic_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->user_creatable = false;
    dc->realize = ioapic_realize;
    dc->unrealize = ioapic_unrealize;
    dc->reset = ioapic_reset;
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
