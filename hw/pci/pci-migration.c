/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PCI device's configuration space as a migration state section
 * (include/migration/vmstate.h), registered for every realized PCI
 * device under "<QOM path>#pci": the 256 bytes of configuration space
 * and the asserted INTx pins.  Loading copies the space, remaps the BARs
 * from it and lets the device re-apply the side effects of its own
 * registers (PCIDeviceClass.post_load: the q35 MCH's PCIEXBAR).
 *
 * Payload, version 1: 256 bytes of configuration space, u32 irq_state.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/bswap.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "hw/pci/pci.h"

#define PCI_STATE_VERSION 1
#define PCI_STATE_LEN     (PCI_CONFIG_SPACE_SIZE + 4)

static bool pci_state_save(void *opaque, GByteArray *out, GError **errp)
{
    PCIDevice *dev = opaque;

    mig_put_bytes(out, dev->config, PCI_CONFIG_SPACE_SIZE);
    mig_put_u32(out, dev->irq_state);
    return true;
}

static bool pci_state_check(void *opaque, const uint8_t *data, size_t len,
                            uint32_t version, GError **errp)
{
    PCIDevice *dev = opaque;

    if (len != PCI_STATE_LEN) {
        error_setg(errp, "%zu bytes, expected %u", len, PCI_STATE_LEN);
        return false;
    }
    /* Vendor, device, revision, class and header type must agree. */
    if (memcmp(data, dev->config, PCI_COMMAND) ||
        memcmp(data + PCI_REVISION_ID, dev->config + PCI_REVISION_ID, 4) ||
        data[PCI_HEADER_TYPE] != dev->config[PCI_HEADER_TYPE]) {
        error_setg(errp, "PCI id %04x:%04x class %06x in the stream, "
                   "%04x:%04x class %06x here",
                   lduw_le_p(data), lduw_le_p(data + 2),
                   ldl_le_p(data + PCI_REVISION_ID) >> 8,
                   pci_get_word(dev->config), pci_get_word(dev->config + 2),
                   ldl_le_p(dev->config + PCI_REVISION_ID) >> 8);
        return false;
    }
    return true;
}

static bool pci_state_load(void *opaque, const uint8_t *data, size_t len,
                           uint32_t version, GError **errp)
{
    PCIDevice *dev = opaque;
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    uint32_t irq_state = ldl_le_p(data + PCI_CONFIG_SPACE_SIZE);

    memcpy(dev->config, data, PCI_CONFIG_SPACE_SIZE);
    pci_update_mappings(dev);
    if (pc->post_load) {
        pc->post_load(dev);
    }
    if (irq_state != (uint32_t)dev->irq_state) {
        pci_set_irq(dev, irq_state & 1);
    }
    return true;
}

static const MigStateOps pci_state_ops = {
    .type = "pci-config",
    .version = PCI_STATE_VERSION,
    .save = pci_state_save,
    .check = pci_state_check,
    .load = pci_state_load,
};

bool pci_migration_register(PCIDevice *dev, GError **errp)
{
    return device_migration_register(OBJECT(dev), "#pci", &pci_state_ops,
                                     dev, &dev->migration_id, errp);
}

void pci_migration_unregister(PCIDevice *dev)
{
    device_migration_unregister(&dev->migration_id);
}
