/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI host bridge base (hw/pci/pci_host.h): configuration mechanism #1
 * on two small port-I/O regions.  Every config access from the guest
 * (or a qtest) comes through here: one decode and one device call per
 * access, no caching.
 */
#include "qemu/osdep.h"
#include "hw/pci/pci_host.h"

#define CONFIG_ADDR_ENABLE  0x80000000u

static PCIDevice *pci_host_find(PCIBus *bus, uint32_t addr)
{
    if ((addr >> 16) & 0xff) {
        return NULL;            /* only bus 0 exists */
    }
    return pci_find_device(bus, (addr >> 8) & 0xff);
}

uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len)
{
    PCIDevice *dev = bus ? pci_host_find(bus, addr) : NULL;
    uint32_t reg = addr & 0xff;

    if (!dev || reg + len > PCI_CONFIG_SPACE_SIZE) {
        return len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    }
    return pci_config_read(dev, reg, len);
}

void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len)
{
    PCIDevice *dev = bus ? pci_host_find(bus, addr) : NULL;
    uint32_t reg = addr & 0xff;

    if (!dev || reg + len > PCI_CONFIG_SPACE_SIZE) {
        return;
    }
    pci_config_write(dev, reg, val, len);
}

static uint64_t conf_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *phb = opaque;
    uint64_t v = phb->config_reg;

    /* Like QEMU: the register's low bytes whatever the offset. */
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void conf_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
    PCIHostState *phb = opaque;

    if (addr == 0 && size == 4) {
        phb->config_reg = val;
    }
}

static const MemoryRegionOps conf_ops = {
    .read = conf_read,
    .write = conf_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t data_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *phb = opaque;

    if (!(phb->config_reg & CONFIG_ADDR_ENABLE)) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return pci_data_read(phb->bus, (phb->config_reg & ~3u) | addr, size);
}

static void data_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
    PCIHostState *phb = opaque;

    if (phb->config_reg & CONFIG_ADDR_ENABLE) {
        pci_data_write(phb->bus, (phb->config_reg & ~3u) | addr, val, size);
    }
}

static const MemoryRegionOps data_ops = {
    .read = data_read,
    .write = data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

void pci_host_map_ports(PCIHostState *phb, MemoryRegion *io)
{
    memory_region_init_io(&phb->conf_mem, OBJECT(phb), &conf_ops, phb,
                          "pci-conf-idx", 4);
    memory_region_init_io(&phb->data_mem, OBJECT(phb), &data_ops, phb,
                          "pci-conf-data", 4);
    memory_region_add_subregion(io, 0xcf8, &phb->conf_mem);
    memory_region_add_subregion(io, 0xcfc, &phb->data_mem);
}

static void pci_host_class_init(ObjectClass *oc, void *data)
{
    DEVICE_CLASS(oc)->user_creatable = false;
    DEVICE_CLASS(oc)->category = DEVICE_CATEGORY_BRIDGE;
}

static const TypeInfo pci_host_info = {
    .name = TYPE_PCI_HOST_BRIDGE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(PCIHostState),
    .class_init = pci_host_class_init,
    .abstract = true,
};

void pci_host_register_types(void)
{
    pci_register_types();
    type_register_static(&pci_host_info);
}
