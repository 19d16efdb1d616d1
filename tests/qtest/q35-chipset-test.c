/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a guest sees of q35's chipset registers without firmware, checked
 * against QEMU 7.2 too (qtest-reference): the MCH's PCIEXBAR and the
 * MMCONFIG window it places (reset value, lengths,
 * bus 0 only, 256 bytes per function, all ones elsewhere, writes through
 * the window, system_reset), and the I/O APIC's register file at
 * 0xfec00000 (version, reset state, read-only bits, ID and IOREGSEL
 * widths).  Their migration is tests/functional/test_migration_devices.py.
 */
#include "qemu/osdep.h"

#include "libqtest.h"

#define MCH_DEVFN   0
#define LPC_DEVFN   0xf8
#define IOAPIC      0xfec00000ull
#define ALL_ONES    0xffffffffu

static uint32_t cfg_readl(QTestState *qts, int devfn, int off)
{
    qtest_outl(qts, 0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
    return qtest_inl(qts, 0xcfc);
}

static void cfg_writel(QTestState *qts, int devfn, int off, uint32_t v)
{
    qtest_outl(qts, 0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
    qtest_outl(qts, 0xcfc, v);
}

static uint64_t mmcfg(uint64_t base, int bus, int devfn, int reg)
{
    return base | (uint64_t)bus << 20 | devfn << 12 | reg;
}

static void test_mmconfig(void)
{
    QTestState *qts = qtest_init("-machine q35");
    const uint64_t def = 0xb0000000, moved = 0xe0000000;

    /* Reset: at 0xb0000000, disabled. */
    g_assert_cmphex(cfg_readl(qts, MCH_DEVFN, 0x60), ==, def);
    g_assert_cmphex(cfg_readl(qts, MCH_DEVFN, 0x64), ==, 0);
    g_assert_cmphex(qtest_readl(qts, def), ==, 0);

    cfg_writel(qts, MCH_DEVFN, 0x60, def | 1);
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 0, MCH_DEVFN, 0)), ==,
                    0x29c08086);
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 0, LPC_DEVFN, 0)), ==,
                    0x29188086);
    g_assert_cmphex(qtest_readw(qts, mmcfg(def, 0, MCH_DEVFN, 2)), ==,
                    0x29c0);
    g_assert_cmphex(qtest_readb(qts, mmcfg(def, 0, MCH_DEVFN, 3)), ==, 0x29);
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 0, MCH_DEVFN, 0x60)), ==,
                    def | 1);
    /* No extended space, no function at 02.0, no bus 1. */
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 0, MCH_DEVFN, 0x100)), ==,
                    ALL_ONES);
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 0, MCH_DEVFN, 0xffc)), ==,
                    ALL_ONES);
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 0, 0x10, 0)), ==, ALL_ONES);
    g_assert_cmphex(qtest_readl(qts, mmcfg(def, 1, 0, 0)), ==, ALL_ONES);

    /* 64 MiB at 0xe0000000: gone from the old base, ends at 64 MiB. */
    cfg_writel(qts, MCH_DEVFN, 0x60, moved | 2 << 1 | 1);
    g_assert_cmphex(qtest_readl(qts, def), ==, 0);
    g_assert_cmphex(qtest_readl(qts, moved), ==, 0x29c08086);
    g_assert_cmphex(qtest_readl(qts, mmcfg(moved, 63, 0xff, 0)), ==,
                    ALL_ONES);
    g_assert_cmphex(qtest_readl(qts, moved + 64 * MiB), ==, 0);
    /* 128 MiB. */
    cfg_writel(qts, MCH_DEVFN, 0x60, moved | 1 << 1 | 1);
    g_assert_cmphex(qtest_readl(qts, mmcfg(moved, 127, 0xff, 0)), ==,
                    ALL_ONES);
    g_assert_cmphex(qtest_readl(qts, moved + 128 * MiB), ==, 0);
    /* A write through the window reaches the function (PAM4-6). */
    qtest_writel(qts, mmcfg(moved, 0, MCH_DEVFN, 0x94), 0x00332211);
    g_assert_cmphex(cfg_readl(qts, MCH_DEVFN, 0x94), ==, 0x00332211);
    /*
     * The reserved length: no window here.  QEMU 7.2 leaves whatever
     * window was mapped before in place, so only our binary is checked.
     */
    if (!g_getenv("QTEST_REFERENCE")) {
        cfg_writel(qts, MCH_DEVFN, 0x60, moved | 3 << 1 | 1);
        g_assert_cmphex(qtest_readl(qts, moved), ==, 0);
    }
    /* Disabled; SMRAM/ESMRAMC changed for the reset below. */
    cfg_writel(qts, MCH_DEVFN, 0x60, moved);
    cfg_writel(qts, MCH_DEVFN, 0x9c, 0x003a0a00);
    g_assert_cmphex(qtest_readl(qts, moved), ==, 0);

    /*
     * system_reset puts PCIEXBAR and SMRAM/ESMRAMC back and removes the
     * window; PAM keeps its value (as on QEMU 7.2).
     */
    cfg_writel(qts, MCH_DEVFN, 0x60, moved | 1);
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    g_assert_cmphex(cfg_readl(qts, MCH_DEVFN, 0x60), ==, def);
    g_assert_cmphex(cfg_readl(qts, MCH_DEVFN, 0x94) & 0xffffff, ==,
                    0x332211);
    g_assert_cmphex(cfg_readl(qts, MCH_DEVFN, 0x9c), ==, 0x00380200);
    g_assert_cmphex(qtest_readl(qts, moved), ==, 0);
    qtest_quit(qts);
}

static uint32_t ioapic_read(QTestState *qts, uint32_t reg)
{
    qtest_writel(qts, IOAPIC, reg);
    return qtest_readl(qts, IOAPIC + 0x10);
}

static void ioapic_write(QTestState *qts, uint32_t reg, uint32_t v)
{
    qtest_writel(qts, IOAPIC, reg);
    qtest_writel(qts, IOAPIC + 0x10, v);
}

static void test_ioapic_registers(void)
{
    QTestState *qts = qtest_init("-machine q35");

    /* Version 0x20, 24 entries; ID and arbitration 0; entries masked. */
    g_assert_cmphex(ioapic_read(qts, 1), ==, 0x00170020);
    g_assert_cmphex(ioapic_read(qts, 0), ==, 0);
    g_assert_cmphex(ioapic_read(qts, 2), ==, 0);
    for (int i = 0; i < 24; i++) {
        g_assert_cmphex(ioapic_read(qts, 0x10 + 2 * i), ==, 0x10000);
        g_assert_cmphex(ioapic_read(qts, 0x11 + 2 * i), ==, 0);
    }
    /* Delivery status and remote IRR are read-only. */
    ioapic_write(qts, 0x10, ALL_ONES);
    g_assert_cmphex(ioapic_read(qts, 0x10), ==, 0xffffafff);
    ioapic_write(qts, 0x11, ALL_ONES);
    g_assert_cmphex(ioapic_read(qts, 0x11), ==, ALL_ONES);
    ioapic_write(qts, 0x3f, 0x12345678);
    g_assert_cmphex(ioapic_read(qts, 0x3f), ==, 0x12345678);
    /* ID: bits 24-27; version read-only; nothing beyond the table. */
    ioapic_write(qts, 0, ALL_ONES);
    g_assert_cmphex(ioapic_read(qts, 0), ==, 0x0f000000);
    ioapic_write(qts, 1, 0);
    g_assert_cmphex(ioapic_read(qts, 1), ==, 0x00170020);
    g_assert_cmphex(ioapic_read(qts, 0x40), ==, 0);
    /* IOREGSEL keeps 8 bits; a byte read of IOWIN reads 0. */
    qtest_writel(qts, IOAPIC, 0x1ff);
    g_assert_cmphex(qtest_readl(qts, IOAPIC), ==, 0xff);
    qtest_writel(qts, IOAPIC, 1);
    g_assert_cmphex(qtest_readb(qts, IOAPIC + 0x10), ==, 0);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/q35-chipset/mmconfig", test_mmconfig);
    g_test_add_func("/q35-chipset/ioapic-registers", test_ioapic_registers);
    return g_test_run();
}
