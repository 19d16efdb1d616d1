/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 PCI host (hw/pci-host/q35.h): creates bus pcie.0 with the
 * config ports, the MCH (00.0) and ICH9 LPC (1f.0) functions, and
 * routes INTx to PIRQ outputs like QEMU's ICH9 default routing.
 *
 * The MCH owns the MMCONFIG window (PCIe enhanced configuration access)
 * that its PCIEXBAR register places: enable bit 0, length bits 2:1 (256,
 * 128 or 64 MiB: buses 0-255, 0-127, 0-63; the reserved value disables
 * it), base bits 35:26.  Each 4 KiB of the window is one function's
 * configuration space (bus << 20 | devfn << 12); only bus 0 exists and
 * every function has the conventional 256 bytes, so the rest reads all
 * ones, as on QEMU 7.2.  The same code places the window after a
 * configuration write, a reset and a migration (the PCI section's
 * post_load).  PAM and SMRAM/ESMRAMC are plain bytes (SMRAM/ESMRAMC
 * reset to QEMU's values): nothing remaps 0xa0000-0xfffff.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/pci-host/q35.h"

/* MCH configuration registers (facts from the Q35 datasheet / QEMU). */
#define MCH_PCIEXBAR            0x60
#define MCH_PCIEXBAR_SIZE       8
#define MCH_PCIEXBAR_EN         0x1ull
#define MCH_PCIEXBAR_LEN_MASK   0x6ull
#define MCH_PCIEXBAR_BASE_MASK  0xffc000000ull      /* bits 35:26 */
#define MCH_PCIEXBAR_RESET      0xb0000000ull       /* QEMU 7.2, disabled */
#define MCH_SMRAM               0x9d
#define MCH_SMRAM_RESET         0x02
#define MCH_ESMRAMC             0x9e
#define MCH_ESMRAMC_RESET       0x38

typedef struct MCHState {
    PCIDevice parent_obj;
    MemoryRegion mmcfg;         /* the window, sized to PCIEXBAR's length */
    bool mmcfg_mapped;
} MCHState;

#define MCH(obj) OBJECT_CHECK(MCHState, (obj), TYPE_MCH_PCI_DEVICE)

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

/*
 * The function and register an MMCONFIG access of @size at @addr hits,
 * or NULL (absent function, another bus, beyond 256 bytes).
 */
static PCIDevice *mmcfg_target(MCHState *mch, hwaddr addr, unsigned size,
                               uint32_t *reg)
{
    *reg = addr & 0xfff;
    if ((addr >> 20) || *reg + size > PCI_CONFIG_SPACE_SIZE) {
        return NULL;            /* only bus 0; no extended space */
    }
    return pci_find_device(pci_get_bus(PCI_DEVICE(mch)), (addr >> 12) & 0xff);
}

static uint64_t mmcfg_read(void *opaque, hwaddr addr, unsigned size)
{
    uint32_t reg;
    PCIDevice *dev = mmcfg_target(opaque, addr, size, &reg);

    if (!dev) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return pci_config_read(dev, reg, size);
}

static void mmcfg_write(void *opaque, hwaddr addr, uint64_t val,
                        unsigned size)
{
    uint32_t reg;
    PCIDevice *dev = mmcfg_target(opaque, addr, size, &reg);

    if (dev) {
        pci_config_write(dev, reg, val, size);
    }
}

static const MemoryRegionOps mmcfg_ops = {
    .read = mmcfg_read,
    .write = mmcfg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* Place (or remove) the MMCONFIG window as PCIEXBAR says now. */
static void mch_update_pciexbar(MCHState *mch)
{
    uint64_t bar = pci_get_quad(PCI_DEVICE(mch)->config + MCH_PCIEXBAR);
    uint64_t size = 0;

    if (bar & MCH_PCIEXBAR_EN) {
        switch ((bar & MCH_PCIEXBAR_LEN_MASK) >> 1) {
        case 0:
            size = 256 * MiB;
            break;
        case 1:
            size = 128 * MiB;
            break;
        case 2:
            size = 64 * MiB;
            break;
        default:
            break;              /* reserved: no window */
        }
    }
    memory_region_transaction_begin();
    if (mch->mmcfg_mapped) {
        memory_region_del_subregion(get_system_memory(), &mch->mmcfg);
        mch->mmcfg_mapped = false;
    }
    if (size) {
        /* Base bits below the window's size are ignored (aligned). */
        hwaddr base = bar & MCH_PCIEXBAR_BASE_MASK & ~(size - 1);

        memory_region_set_size(&mch->mmcfg, size);
        memory_region_add_subregion_overlap(get_system_memory(), base,
                                            &mch->mmcfg, 0);
        mch->mmcfg_mapped = true;
    }
    memory_region_transaction_commit();
}

static void mch_config_write(PCIDevice *dev, uint32_t addr, uint32_t val,
                             int len)
{
    pci_default_write_config(dev, addr, val, len);
    if (addr < MCH_PCIEXBAR + MCH_PCIEXBAR_SIZE &&
        addr + len > MCH_PCIEXBAR) {
        mch_update_pciexbar(MCH(dev));
    }
}

static void mch_post_load(PCIDevice *dev)
{
    mch_update_pciexbar(MCH(dev));
}

static bool mch_realize(PCIDevice *dev, GError **errp)
{
    MCHState *mch = MCH(dev);

    memory_region_init_io(&mch->mmcfg, OBJECT(dev), &mmcfg_ops, mch,
                          "pcie-mmcfg", 256 * MiB);
    return true;
}

static void mch_exit(PCIDevice *dev)
{
    MCHState *mch = MCH(dev);

    if (mch->mmcfg_mapped) {
        memory_region_del_subregion(get_system_memory(), &mch->mmcfg);
        mch->mmcfg_mapped = false;
    }
    memory_region_finalize(&mch->mmcfg);
}

/*
 * QEMU 7.2's reset: the window disabled at 0xb0000000, SMRAM/ESMRAMC to
 * their defaults; PAM keeps what the guest wrote (as on QEMU).
 */
static void mch_reset(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);

    pci_set_quad(dev->config + MCH_PCIEXBAR, MCH_PCIEXBAR_RESET);
    dev->config[MCH_SMRAM] = MCH_SMRAM_RESET;
    dev->config[MCH_ESMRAMC] = MCH_ESMRAMC_RESET;
    mch_update_pciexbar(MCH(dev));
}

static void mch_class_init(ObjectClass *oc, void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    DEVICE_CLASS(oc)->user_creatable = false;
    DEVICE_CLASS(oc)->reset = mch_reset;
    pc->realize = mch_realize;
    pc->exit = mch_exit;
    pc->config_write = mch_config_write;
    pc->post_load = mch_post_load;
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
        .instance_size = sizeof(MCHState),
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
