/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI host bridges: the device between the system and PCI bus 0, with
 * configuration mechanism #1 (address register at port 0xCF8, data
 * window at 0xCFC..0xCFF).
 *
 * Mechanism #1: a dword write to 0xCF8 sets CONFIG_ADDRESS =
 * enable(31) | bus(23:16) | device(15:11) | function(10:8) | register
 * (7:2); byte or word writes to 0xCF8 are ignored, reads return the
 * register.  An access of 1, 2 or 4 bytes at 0xCFC + k reaches register
 * (CONFIG_ADDRESS & 0xFC) + k of that function.  With the enable bit
 * clear, on another bus, or where no function exists, reads return all
 * ones and writes are dropped.
 */
#ifndef HW_PCI_PCI_HOST_H
#define HW_PCI_PCI_HOST_H

#include "hw/pci/pci.h"

#define TYPE_PCI_HOST_BRIDGE "pci-host-bridge"
OBJECT_DECLARE_SIMPLE_TYPE(PCIHostState, PCI_HOST_BRIDGE)

struct PCIHostState {
    DeviceState parent_obj;
    MemoryRegion conf_mem;      /* 0xCF8, 4 bytes */
    MemoryRegion data_mem;      /* 0xCFC, 4 bytes */
    uint32_t config_reg;        /* CONFIG_ADDRESS */
    PCIBus *bus;                /* bus 0, set by the concrete bridge */
};

/*
 * Map the mechanism #1 ports into @io (at 0xCF8 and 0xCFC).  Call once
 * the bridge's bus exists.
 */
void pci_host_map_ports(PCIHostState *phb, MemoryRegion *io);

/*
 * Config access by CONFIG_ADDRESS-style @addr (bit 31 ignored) for
 * @len 1, 2 or 4 bytes: the building blocks of the data port, exposed
 * for unit tests.
 */
uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len);
void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len);

/* Register TYPE_PCI_HOST_BRIDGE (and the PCI types); idempotent. */
void pci_host_register_types(void);

#endif /* HW_PCI_PCI_HOST_H */
