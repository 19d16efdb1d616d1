/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "edu": the register interface of QEMU's educational PCI device that
 * PCI and interrupt tests need, so that the same qtest can drive our
 * binary and QEMU 7.2: IDs 1234:11e8 rev 0x10, BAR0 = 1 MiB of 32-bit
 * MMIO, INTA.  Registers (4-byte accesses; 8-byte ones read all ones
 * and are ignored, narrower ones do not decode, as in QEMU):
 *   0x00 RO  identification 0x010000ed
 *   0x04 RW  liveness check: reads the bitwise NOT of the last write
 *   0x24 RO  interrupt status
 *   0x60 WO  raise: status |= value; INTx asserted while status != 0
 *   0x64 WO  acknowledge: status &= ~value
 * Not modelled: factorial, DMA, MSI (QEMU's edu has an MSI capability;
 * this one has no capabilities).  Reset clears liveness and status.
 *
 * Register accesses are a switch; nothing here is performance-relevant.
 * Liveness and interrupt status travel in a migration section
 * "<QOM path>#edu" (payload below) beside the PCI configuration.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "hw/pci/pci.h"
#include "hw/misc/edu.h"

OBJECT_DECLARE_SIMPLE_TYPE(EduState, PCI_EDU_DEVICE)

#define EDU_ID          0x010000edu
#define EDU_REG_ID      0x00
#define EDU_REG_LIVE    0x04
#define EDU_REG_ISR     0x24
#define EDU_REG_RAISE   0x60
#define EDU_REG_ACK     0x64

struct EduState {
    PCIDevice parent_obj;
    MemoryRegion mmio;
    char *migration_id;         /* registered section, or NULL */
    uint32_t liveness;
    uint32_t irq_status;
};

static void edu_update_irq(EduState *edu)
{
    pci_set_irq(PCI_DEVICE(edu), edu->irq_status != 0);
}

static uint64_t edu_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    EduState *edu = opaque;

    if (size != 4) {
        return UINT64_MAX;
    }
    switch (addr) {
    case EDU_REG_ID:
        return EDU_ID;
    case EDU_REG_LIVE:
        return ~edu->liveness;
    case EDU_REG_ISR:
        return edu->irq_status;
    default:
        return UINT64_MAX;
    }
}

static void edu_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    EduState *edu = opaque;

    if (size != 4) {
        return;
    }
    switch (addr) {
    case EDU_REG_LIVE:
        edu->liveness = val;
        break;
    case EDU_REG_RAISE:
        edu->irq_status |= val;
        edu_update_irq(edu);
        break;
    case EDU_REG_ACK:
        edu->irq_status &= ~val;
        edu_update_irq(edu);
        break;
    default:
        break;
    }
}

static const MemoryRegionOps edu_mmio_ops = {
    .read = edu_mmio_read,
    .write = edu_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/*
 * Migration payload, version 1: u32 liveness, u32 interrupt status.  The
 * INTx level follows from the status on load (the PCI section carries
 * the same level).
 */
#define EDU_STATE_VERSION 1
#define EDU_STATE_LEN     8

static bool edu_state_save(void *opaque, GByteArray *out, GError **errp)
{
    EduState *edu = opaque;

    mig_put_u32(out, edu->liveness);
    mig_put_u32(out, edu->irq_status);
    return true;
}

static bool edu_state_check(void *opaque, const uint8_t *data, size_t len,
                            uint32_t version, GError **errp)
{
    if (version != EDU_STATE_VERSION) {
        error_setg(errp, "unknown edu state version %u", version);
        return false;
    }
    if (len != EDU_STATE_LEN) {
        error_setg(errp, "%zu bytes, expected %u", len, EDU_STATE_LEN);
        return false;
    }
    return true;
}

static bool edu_state_load(void *opaque, const uint8_t *data, size_t len,
                           uint32_t version, GError **errp)
{
    EduState *edu = opaque;
    MigCursor c;

    mig_cursor_init(&c, data, len);
    edu->liveness = mig_get_u32(&c);
    edu->irq_status = mig_get_u32(&c);
    edu_update_irq(edu);
    return true;
}

static const MigStateOps edu_state_ops = {
    .type = TYPE_PCI_EDU_DEVICE,
    .version = EDU_STATE_VERSION,
    .save = edu_state_save,
    .check = edu_state_check,
    .load = edu_state_load,
};

static bool edu_realize(PCIDevice *dev, GError **errp)
{
    EduState *edu = PCI_EDU_DEVICE(dev);

    pci_config_set_interrupt_pin(dev->config, 1);
    memory_region_init_io(&edu->mmio, OBJECT(edu), &edu_mmio_ops, edu,
                          "edu-mmio", MiB);
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &edu->mmio);
    return true;
}

static void edu_exit(PCIDevice *dev)
{
    EduState *edu = PCI_EDU_DEVICE(dev);

    device_migration_unregister(&edu->migration_id);
    memory_region_finalize(&edu->mmio);
}

/* The PCI core's realize and unrealize, which edu's wrap. */
static bool (*edu_parent_realize)(DeviceState *dev, GError **errp);
static void (*edu_parent_unrealize)(DeviceState *dev);

/*
 * Register "#edu" after the PCI core registered "#pci": sections are
 * sent and checked in registration order, so a destination without the
 * device is refused naming its configuration section first.
 */
static bool edu_qdev_realize(DeviceState *qdev, GError **errp)
{
    EduState *edu = PCI_EDU_DEVICE(qdev);

    if (!edu_parent_realize(qdev, errp)) {
        return false;
    }
    if (!device_migration_register(OBJECT(qdev), "#edu", &edu_state_ops,
                                   edu, &edu->migration_id, errp)) {
        edu_parent_unrealize(qdev);
        return false;
    }
    return true;
}

static void edu_reset(DeviceState *dev)
{
    EduState *edu = PCI_EDU_DEVICE(dev);

    edu->liveness = 0;
    edu->irq_status = 0;
    /* INTx is deasserted by the PCI layer's reset right after this */
}

static void edu_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    dc->reset = edu_reset;
    dc->category = DEVICE_CATEGORY_MISC;
    edu_parent_realize = dc->realize;
    edu_parent_unrealize = dc->unrealize;
    dc->realize = edu_qdev_realize;
    pc->realize = edu_realize;
    pc->exit = edu_exit;
    pc->vendor_id = 0x1234;
    pc->device_id = 0x11e8;
    pc->revision = 0x10;
    pc->class_id = 0x00ff;      /* what QEMU's edu reports */
}

static const TypeInfo edu_info = {
    .name = TYPE_PCI_EDU_DEVICE,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(EduState),
    .class_init = edu_class_init,
};

void edu_register_types(void)
{
    pci_register_types();
    type_register_static(&edu_info);
}
