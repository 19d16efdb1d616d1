/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos PCI on x86 PC and q35: owns configuration mechanism #1 (an
 * address dword written to 0xCF8, data through 0xCFC..0xCFF) and the BAR
 * windows of bus 0.  Each config access is two qtest round trips; tests
 * do a few hundred at most.
 */
#include "qemu/osdep.h"

#include "libqos/pci-pc.h"

static void select_reg(QPCIBus *bus, int devfn, uint8_t offset)
{
    qtest_outl(bus->qts, QPCI_PC_CONFIG_ADDR,
               0x80000000u | (uint32_t)devfn << 8 | (offset & 0xfc));
}

static uint8_t pc_config_readb(QPCIBus *bus, int devfn, uint8_t offset)
{
    select_reg(bus, devfn, offset);
    return qtest_inb(bus->qts, QPCI_PC_CONFIG_DATA + (offset & 3));
}

static uint16_t pc_config_readw(QPCIBus *bus, int devfn, uint8_t offset)
{
    select_reg(bus, devfn, offset);
    return qtest_inw(bus->qts, QPCI_PC_CONFIG_DATA + (offset & 2));
}

static uint32_t pc_config_readl(QPCIBus *bus, int devfn, uint8_t offset)
{
    select_reg(bus, devfn, offset);
    return qtest_inl(bus->qts, QPCI_PC_CONFIG_DATA);
}

static void pc_config_writeb(QPCIBus *bus, int devfn, uint8_t offset,
                             uint8_t value)
{
    select_reg(bus, devfn, offset);
    qtest_outb(bus->qts, QPCI_PC_CONFIG_DATA + (offset & 3), value);
}

static void pc_config_writew(QPCIBus *bus, int devfn, uint8_t offset,
                             uint16_t value)
{
    select_reg(bus, devfn, offset);
    qtest_outw(bus->qts, QPCI_PC_CONFIG_DATA + (offset & 2), value);
}

static void pc_config_writel(QPCIBus *bus, int devfn, uint8_t offset,
                             uint32_t value)
{
    select_reg(bus, devfn, offset);
    qtest_outl(bus->qts, QPCI_PC_CONFIG_DATA, value);
}

static const QPCIBusOps pc_bus_ops = {
    .config_readb = pc_config_readb,
    .config_readw = pc_config_readw,
    .config_readl = pc_config_readl,
    .config_writeb = pc_config_writeb,
    .config_writew = pc_config_writew,
    .config_writel = pc_config_writel,
};

QPCIBus *qpci_new_pc(QTestState *qts)
{
    QPCIBus *bus = g_new0(QPCIBus, 1);

    bus->qts = qts;
    bus->ops = &pc_bus_ops;
    bus->pio_next = QPCI_PC_PIO_START;
    bus->pio_limit = QPCI_PC_PIO_LIMIT;
    bus->mmio_next = QPCI_PC_MMIO_START;
    bus->mmio_limit = QPCI_PC_MMIO_LIMIT;
    return bus;
}

void qpci_free_pc(QPCIBus *bus)
{
    g_free(bus);
}
