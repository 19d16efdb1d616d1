/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos PCI, bus-independent part: owns device handles, the capability
 * walk, the BAR sizing protocol, BAR placement from the bus windows, and
 * accesses into mapped BARs (I/O BARs through in/out, memory BARs through
 * guest-physical reads and writes).
 *
 * Workload: a test finds a few devices, maps one or two BARs and then does
 * many small register accesses; every access is one qtest round trip, so
 * nothing here caches device state behind the test's back.
 */
#include "qemu/osdep.h"

#include "libqos/pci.h"

/* ---- configuration space ------------------------------------------------ */

uint8_t qpci_config_readb(QPCIDevice *dev, uint8_t offset)
{
    return dev->bus->ops->config_readb(dev->bus, dev->devfn, offset);
}

uint16_t qpci_config_readw(QPCIDevice *dev, uint8_t offset)
{
    return dev->bus->ops->config_readw(dev->bus, dev->devfn, offset);
}

uint32_t qpci_config_readl(QPCIDevice *dev, uint8_t offset)
{
    return dev->bus->ops->config_readl(dev->bus, dev->devfn, offset);
}

void qpci_config_writeb(QPCIDevice *dev, uint8_t offset, uint8_t value)
{
    dev->bus->ops->config_writeb(dev->bus, dev->devfn, offset, value);
}

void qpci_config_writew(QPCIDevice *dev, uint8_t offset, uint16_t value)
{
    dev->bus->ops->config_writew(dev->bus, dev->devfn, offset, value);
}

void qpci_config_writel(QPCIDevice *dev, uint8_t offset, uint32_t value)
{
    dev->bus->ops->config_writel(dev->bus, dev->devfn, offset, value);
}

/* ---- devices ------------------------------------------------------------ */

QPCIDevice *qpci_device_find(QPCIBus *bus, int devfn)
{
    QPCIDevice *dev;

    g_assert_cmpint(devfn, >=, 0);
    g_assert_cmpint(devfn, <, 256);
    if (bus->ops->config_readw(bus, devfn, PCI_VENDOR_ID) == 0xffff) {
        return NULL;
    }
    dev = g_new0(QPCIDevice, 1);
    dev->bus = bus;
    dev->devfn = devfn;
    return dev;
}

void qpci_device_foreach(QPCIBus *bus, int vendor_id, int device_id,
                         void (*fn)(QPCIDevice *dev, int devfn, void *opaque),
                         void *opaque)
{
    for (int slot = 0; slot < 32; slot++) {
        int nfn = 1;

        for (int fn_no = 0; fn_no < nfn; fn_no++) {
            int devfn = QPCI_DEVFN(slot, fn_no);
            QPCIDevice *dev = qpci_device_find(bus, devfn);

            if (!dev) {
                continue;
            }
            /* Functions 1..7 exist only behind a multi-function fn 0. */
            if (fn_no == 0 && (qpci_config_readb(dev, PCI_HEADER_TYPE) &
                               PCI_HEADER_TYPE_MULTI_FUNCTION)) {
                nfn = 8;
            }
            if ((vendor_id != -1 &&
                 qpci_config_readw(dev, PCI_VENDOR_ID) != vendor_id) ||
                (device_id != -1 &&
                 qpci_config_readw(dev, PCI_DEVICE_ID) != device_id)) {
                g_free(dev);
                continue;
            }
            fn(dev, devfn, opaque);
        }
    }
}

static void keep_first(QPCIDevice *dev, int devfn, void *opaque)
{
    QPCIDevice **found = opaque;

    if (!*found) {
        *found = dev;
    } else {
        g_free(dev);
    }
}

QPCIDevice *qpci_device_find_id(QPCIBus *bus, uint16_t vendor_id,
                                uint16_t device_id)
{
    QPCIDevice *found = NULL;

    qpci_device_foreach(bus, vendor_id, device_id, keep_first, &found);
    return found;
}

void qpci_device_enable(QPCIDevice *dev)
{
    uint16_t want = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    uint16_t cmd = qpci_config_readw(dev, PCI_COMMAND);

    qpci_config_writew(dev, PCI_COMMAND, cmd | want);
    cmd = qpci_config_readw(dev, PCI_COMMAND);
    g_assert_cmphex(cmd & PCI_COMMAND_MASTER, ==, PCI_COMMAND_MASTER);
}

uint8_t qpci_find_capability(QPCIDevice *dev, uint8_t id, uint8_t start)
{
    uint8_t off;

    if (!(qpci_config_readw(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    off = start ? qpci_config_readb(dev, start + 1)
                : qpci_config_readb(dev, PCI_CAPABILITY_LIST);
    /* At most 48 capabilities fit in 192 bytes: stop a looping list. */
    for (int i = 0; i < 48 && off >= 0x40; i++) {
        off &= ~3;
        if (qpci_config_readb(dev, off) == id) {
            return off;
        }
        off = qpci_config_readb(dev, off + 1);
    }
    return 0;
}

/* ---- BARs --------------------------------------------------------------- */

static uint8_t bar_offset(int barno)
{
    g_assert_cmpint(barno, >=, 0);
    g_assert_cmpint(barno, <, PCI_NUM_BARS);
    return PCI_BASE_ADDRESS_0 + 4 * barno;
}

QPCIBarInfo qpci_bar_probe(QPCIDevice *dev, int barno)
{
    uint8_t off = bar_offset(barno);
    uint16_t cmd = qpci_config_readw(dev, PCI_COMMAND);
    uint32_t old_lo = qpci_config_readl(dev, off), old_hi = 0;
    QPCIBarInfo info = { 0 };
    uint64_t mask;
    uint32_t lo;

    /* No decoding while the BAR holds the all-ones pattern. */
    qpci_config_writew(dev, PCI_COMMAND,
                       cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    qpci_config_writel(dev, off, 0xffffffff);
    lo = qpci_config_readl(dev, off);
    qpci_config_writel(dev, off, old_lo);

    if (lo == 0) {
        qpci_config_writew(dev, PCI_COMMAND, cmd);
        return info;
    }
    info.is_io = lo & PCI_BASE_ADDRESS_SPACE_IO;
    if (info.is_io) {
        /* Devices may decode only 16 bits of I/O address. */
        mask = (lo & PCI_BASE_ADDRESS_IO_MASK) | 0xffff0000;
        mask |= ~UINT64_C(0xffffffff);
    } else {
        info.prefetchable = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
        info.is_64bit = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
                        PCI_BASE_ADDRESS_MEM_TYPE_64;
        mask = (lo & PCI_BASE_ADDRESS_MEM_MASK) | ~UINT64_C(0xffffffff);
        if (info.is_64bit) {
            g_assert_cmpint(barno, <, PCI_NUM_BARS - 1);
            old_hi = qpci_config_readl(dev, off + 4);
            qpci_config_writel(dev, off + 4, 0xffffffff);
            mask = (mask & 0xffffffff) |
                   (uint64_t)qpci_config_readl(dev, off + 4) << 32;
            qpci_config_writel(dev, off + 4, old_hi);
        }
    }
    info.size = ~mask + 1;
    qpci_config_writew(dev, PCI_COMMAND, cmd);
    return info;
}

static uint64_t window_take(uint64_t *next, uint64_t limit, uint64_t size)
{
    uint64_t addr = ROUND_UP(*next, size);

    g_assert_cmphex(addr + size, <=, limit);
    *next = addr + size;
    return addr;
}

QPCIBar qpci_iomap(QPCIDevice *dev, int barno, uint64_t *sizeptr)
{
    QPCIBarInfo info = qpci_bar_probe(dev, barno);
    QPCIBus *bus = dev->bus;
    uint8_t off = bar_offset(barno);
    QPCIBar bar = { 0 };
    uint16_t cmd;

    g_assert_cmphex(info.size, !=, 0);
    g_assert_true(is_power_of_2(info.size));
    bar.size = info.size;
    bar.is_io = info.is_io;
    if (info.is_io) {
        bar.addr = window_take(&bus->pio_next, bus->pio_limit, info.size);
    } else {
        bar.addr = window_take(&bus->mmio_next, bus->mmio_limit, info.size);
    }
    qpci_config_writel(dev, off, (uint32_t)bar.addr);
    if (info.is_64bit) {
        qpci_config_writel(dev, off + 4, bar.addr >> 32);
    }
    cmd = qpci_config_readw(dev, PCI_COMMAND);
    cmd |= info.is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    qpci_config_writew(dev, PCI_COMMAND, cmd);
    if (sizeptr) {
        *sizeptr = info.size;
    }
    return bar;
}

void qpci_iounmap(QPCIDevice *dev, QPCIBar bar)
{
    uint16_t cmd = qpci_config_readw(dev, PCI_COMMAND);

    cmd &= ~(bar.is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
    qpci_config_writew(dev, PCI_COMMAND, cmd);
}

/* ---- accesses into BARs ------------------------------------------------- */

static void check_range(QPCIBar bar, uint64_t off, uint64_t len)
{
    g_assert_cmphex(off + len, <=, bar.size);
}

uint8_t qpci_io_readb(QPCIDevice *dev, QPCIBar bar, uint64_t off)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 1);
    return bar.is_io ? qtest_inb(qts, bar.addr + off)
                     : qtest_readb(qts, bar.addr + off);
}

uint16_t qpci_io_readw(QPCIDevice *dev, QPCIBar bar, uint64_t off)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 2);
    return bar.is_io ? qtest_inw(qts, bar.addr + off)
                     : qtest_readw(qts, bar.addr + off);
}

uint32_t qpci_io_readl(QPCIDevice *dev, QPCIBar bar, uint64_t off)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 4);
    return bar.is_io ? qtest_inl(qts, bar.addr + off)
                     : qtest_readl(qts, bar.addr + off);
}

uint64_t qpci_io_readq(QPCIDevice *dev, QPCIBar bar, uint64_t off)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 8);
    if (bar.is_io) {
        /* No 64-bit port accesses: two dwords, low first. */
        return qtest_inl(qts, bar.addr + off) |
               (uint64_t)qtest_inl(qts, bar.addr + off + 4) << 32;
    }
    return qtest_readq(qts, bar.addr + off);
}

void qpci_io_writeb(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint8_t value)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 1);
    if (bar.is_io) {
        qtest_outb(qts, bar.addr + off, value);
    } else {
        qtest_writeb(qts, bar.addr + off, value);
    }
}

void qpci_io_writew(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint16_t value)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 2);
    if (bar.is_io) {
        qtest_outw(qts, bar.addr + off, value);
    } else {
        qtest_writew(qts, bar.addr + off, value);
    }
}

void qpci_io_writel(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint32_t value)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 4);
    if (bar.is_io) {
        qtest_outl(qts, bar.addr + off, value);
    } else {
        qtest_writel(qts, bar.addr + off, value);
    }
}

void qpci_io_writeq(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint64_t value)
{
    QTestState *qts = dev->bus->qts;

    check_range(bar, off, 8);
    if (bar.is_io) {
        qtest_outl(qts, bar.addr + off, (uint32_t)value);
        qtest_outl(qts, bar.addr + off + 4, value >> 32);
    } else {
        qtest_writeq(qts, bar.addr + off, value);
    }
}

void qpci_memread(QPCIDevice *dev, QPCIBar bar, uint64_t off, void *buf,
                  size_t len)
{
    g_assert_false(bar.is_io);
    check_range(bar, off, len);
    qtest_memread(dev->bus->qts, bar.addr + off, buf, len);
}

void qpci_memwrite(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                   const void *buf, size_t len)
{
    g_assert_false(bar.is_io);
    check_range(bar, off, len);
    qtest_memwrite(dev->bus->qts, bar.addr + off, buf, len);
}
