/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 PCI host (hw/pci-host/q35.h): creates bus pcie.0 with the
 * config ports, the MCH (00.0) and ICH9 LPC (1f.0) functions, and
 * routes INTx to PIRQ outputs like QEMU's ICH9 default routing.
 * Chipset registers (PAM, SMRAM, PCIEXBAR) are plain config bytes here:
 * nothing remaps memory when they change.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci-host/q35.h"

int q35_pirq_for(int devfn, int pin)
{
    int slot = PCI_SLOT(devfn);

    if (slot < 25) {
        return (slot + pin) % 4 + 4;
    }
    return pin;
}

static int q35_map_irq(PCIDevice *dev, int pin)
{
    return q35_pirq_for(dev->devfn, pin);
}

static void q35_set_irq(void *opaque, int pirq, int level)
{
    Q35PCIHost *s = opaque;

    qemu_set_irq(s->pirq[pirq], level);
}

static bool q35_add_function(PCIBus *bus, const char *type, int devfn,
                             const char *name, Object *parent, GError **errp)
{
    DeviceState *dev = qdev_new(type);

    PCI_DEVICE(dev)->devfn = devfn;
    object_property_add_child(parent, name, OBJECT(dev));
    return qdev_realize_and_unref(dev, &bus->qbus, errp);
}

static bool q35_host_realize(DeviceState *qdev, GError **errp)
{
    Q35PCIHost *s = Q35_HOST_DEVICE(qdev);
    PCIHostState *phb = PCI_HOST_BRIDGE(qdev);

    g_assert(s->pci_memory && s->io);
    phb->bus = pci_root_bus_new(qdev, "pcie.0", s->pci_memory, s->io);
    pci_bus_irqs(phb->bus, q35_set_irq, q35_map_irq, s, Q35_NUM_PIRQS);
    pci_host_map_ports(phb, s->io);
    return q35_add_function(phb->bus, TYPE_MCH_PCI_DEVICE, PCI_DEVFN(0, 0),
                            "mch", OBJECT(s), errp) &&
           q35_add_function(phb->bus, TYPE_ICH9_LPC_DEVICE,
                            PCI_DEVFN(0x1f, 0), "lpc", OBJECT(s), errp);
}

static void q35_host_initfn(Object *obj)
{
    Q35PCIHost *s = Q35_HOST_DEVICE(obj);

    qdev_init_gpio_out(DEVICE(obj), s->pirq, Q35_NUM_PIRQS);
}

static void q35_host_class_init(ObjectClass *oc, void *data)
{
    DEVICE_CLASS(oc)->realize = q35_host_realize;
}

static void mch_class_init(ObjectClass *oc, void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    DEVICE_CLASS(oc)->user_creatable = false;
    DEVICE_CLASS(oc)->desc = "Host bridge";
    DEVICE_CLASS(oc)->category = DEVICE_CATEGORY_BRIDGE;
    pc->vendor_id = PCI_VENDOR_ID_INTEL;
    pc->device_id = 0x29c0;
    pc->revision = 0;
    pc->class_id = PCI_CLASS_BRIDGE_HOST;
}

static bool lpc_realize(PCIDevice *dev, GError **errp)
{
    /* A multi-function device in QEMU (SATA at 1f.2, SMBus at 1f.3). */
    dev->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    return true;
}

static void lpc_class_init(ObjectClass *oc, void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    DEVICE_CLASS(oc)->user_creatable = false;
    DEVICE_CLASS(oc)->category = DEVICE_CATEGORY_BRIDGE;
    pc->realize = lpc_realize;
    pc->vendor_id = PCI_VENDOR_ID_INTEL;
    pc->device_id = 0x2918;
    pc->revision = 2;
    pc->class_id = PCI_CLASS_BRIDGE_ISA;
}

static const TypeInfo q35_types[] = {
    {
        .name = TYPE_Q35_HOST_DEVICE,
        .parent = TYPE_PCI_HOST_BRIDGE,
        .instance_size = sizeof(Q35PCIHost),
        .instance_init = q35_host_initfn,
        .class_init = q35_host_class_init,
    },
    {
        .name = TYPE_MCH_PCI_DEVICE,
        .parent = TYPE_PCI_DEVICE,
        .class_init = mch_class_init,
    },
    {
        .name = TYPE_ICH9_LPC_DEVICE,
        .parent = TYPE_PCI_DEVICE,
        .class_init = lpc_class_init,
    },
};

void q35_host_register_types(void)
{
    pci_host_register_types();
    type_register_static_array(q35_types, G_N_ELEMENTS(q35_types));
}
