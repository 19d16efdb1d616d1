/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * INTx on q35 end to end, with the "edu" test device (present in QEMU
 * 7.2 and in our binary): the GSI each slot's INTA reaches at the I/O
 * APIC, PCI_COMMAND_INTX_DISABLE and the interrupt status bit, and what
 * system_reset does to BARs, the command register and an asserted line.
 */
#include "qemu/osdep.h"

#include "libqtest.h"
#include "libqos/pci-pc.h"

#define PCI_STATUS_INTERRUPT 0x08

#define EDU_VENDOR      0x1234
#define EDU_DEVICE      0x11e8
#define EDU_REG_ID      0x00
#define EDU_REG_ISR     0x24
#define EDU_REG_RAISE   0x60
#define EDU_REG_ACK     0x64

typedef struct Ctx {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
} Ctx;

static void ctx_start(Ctx *c, int slot)
{
    uint64_t size;

    c->qts = qtest_initf("-machine q35 -device edu,addr=0x%x", slot);
    c->bus = qpci_new_pc(c->qts);
    c->dev = qpci_device_find(c->bus, QPCI_DEVFN(slot, 0));
    g_assert_nonnull(c->dev);
    g_assert_cmphex(qpci_config_readw(c->dev, PCI_VENDOR_ID), ==,
                    EDU_VENDOR);
    g_assert_cmphex(qpci_config_readw(c->dev, PCI_DEVICE_ID), ==,
                    EDU_DEVICE);
    c->bar = qpci_iomap(c->dev, 0, &size);
    g_assert_cmphex(size, ==, 1 * MiB);
    g_assert_cmphex(qpci_io_readl(c->dev, c->bar, EDU_REG_ID), ==,
                    0x010000ed);
    qtest_irq_intercept_in(c->qts, "ioapic");
}

static void ctx_stop(Ctx *c)
{
    g_free(c->dev);
    qpci_free_pc(c->bus);
    qtest_quit(c->qts);
}

static void check_only_gsi_high(Ctx *c, int gsi)
{
    for (int i = 0; i < 24; i++) {
        g_assert_cmpint(qtest_get_irq(c->qts, i), ==, i == gsi);
    }
}

static void check_slot_gsi(int slot, int gsi)
{
    Ctx c;

    ctx_start(&c, slot);
    check_only_gsi_high(&c, -1);
    qpci_io_writel(c.dev, c.bar, EDU_REG_RAISE, 1);
    check_only_gsi_high(&c, gsi);
    g_assert_cmphex(qpci_config_readw(c.dev, PCI_STATUS) &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    qpci_io_writel(c.dev, c.bar, EDU_REG_ACK, 1);
    check_only_gsi_high(&c, -1);
    g_assert_cmphex(qpci_config_readw(c.dev, PCI_STATUS) &
                    PCI_STATUS_INTERRUPT, ==, 0);
    ctx_stop(&c);
}

/* QEMU's ICH9 default routing in APIC mode. */
static void test_slot1_gsi21(void)
{
    check_slot_gsi(1, 21);
}

static void test_slot2_gsi22(void)
{
    check_slot_gsi(2, 22);
}

static void test_slot5_gsi21(void)
{
    check_slot_gsi(5, 21);
}

static void test_slot25_gsi16(void)
{
    check_slot_gsi(0x19, 16);
}

static void test_intx_disable(void)
{
    Ctx c;
    uint16_t cmd;

    ctx_start(&c, 1);
    qpci_io_writel(c.dev, c.bar, EDU_REG_RAISE, 1);
    check_only_gsi_high(&c, 21);
    cmd = qpci_config_readw(c.dev, PCI_COMMAND);
    qpci_config_writew(c.dev, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
    check_only_gsi_high(&c, -1);
    /* the device still asserts: the status bit says so */
    g_assert_cmphex(qpci_config_readw(c.dev, PCI_STATUS) &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    qpci_config_writew(c.dev, PCI_COMMAND, cmd);
    check_only_gsi_high(&c, 21);
    ctx_stop(&c);
}

static void test_system_reset(void)
{
    Ctx c;

    ctx_start(&c, 1);
    qpci_io_writel(c.dev, c.bar, EDU_REG_RAISE, 1);
    check_only_gsi_high(&c, 21);
    qtest_qmp_assert_success(c.qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(c.qts, "RESET");
    check_only_gsi_high(&c, -1);
    g_assert_cmphex(qpci_config_readw(c.dev, PCI_COMMAND) &
                    (PCI_COMMAND_MEMORY | PCI_COMMAND_IO |
                     PCI_COMMAND_MASTER), ==, 0);
    g_assert_cmphex(qpci_config_readl(c.dev, PCI_BASE_ADDRESS_0), ==, 0);
    /* the BAR left system memory: unassigned reads 0 */
    g_assert_cmphex(qtest_readl(c.qts, c.bar.addr + EDU_REG_ID), ==, 0);
    ctx_stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/pci/intx/slot1-inta-is-gsi21", test_slot1_gsi21);
    g_test_add_func("/pci/intx/slot2-inta-is-gsi22", test_slot2_gsi22);
    g_test_add_func("/pci/intx/slot5-inta-is-gsi21", test_slot5_gsi21);
    g_test_add_func("/pci/intx/slot25-inta-is-gsi16", test_slot25_gsi16);
    g_test_add_func("/pci/intx/intx-disable-masks-the-line",
                    test_intx_disable);
    g_test_add_func("/pci/reset/system-reset-clears-bar-command-intx",
                    test_system_reset);
    return g_test_run();
}
