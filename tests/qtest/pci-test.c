/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI bus tests through configuration mechanism #1: enumeration, config
 * space accesses of every width, read-only fields, the BAR sizing protocol
 * and BAR (un)mapping, capability walking.  The BAR subject is
 * virtio-mem-pci (one 64-bit prefetchable 16 KiB BAR4, QEMU 7.2's layout);
 * the BAR tests are written against whatever BARs the device reports.
 */
#include "qemu/osdep.h"

#include "libqtest.h"
#include "libqos/pci-pc.h"

#define Q35_HOST_VENDOR     0x8086
#define Q35_HOST_DEVICE     0x29c0
#define VIRTIO_VENDOR       0x1af4
#define VIRTIO_MEM_DEVICE   0x1058

#define VMEM_ARGS "-machine q35 -m 128M,maxmem=1G " \
    "-object memory-backend-ram,id=mem0,size=512M " \
    "-device virtio-mem-pci,id=vm0,memdev=mem0"

/* virtio-pci capability layout (virtio 1.x, 4.1.4). */
#define VIRTIO_PCI_CAP_CFG_TYPE   3
#define VIRTIO_PCI_CAP_BAR        4
#define VIRTIO_PCI_CAP_OFFSET     8
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_COMMON_NUM_QUEUES 0x12
#define VIRTIO_PCI_COMMON_DFSELECT   0x00

typedef struct Machine {
    QTestState *qts;
    QPCIBus *bus;
} Machine;

static void machine_start(Machine *m, const char *args)
{
    m->qts = qtest_init(args);
    m->bus = qpci_new_pc(m->qts);
}

static void machine_stop(Machine *m)
{
    qpci_free_pc(m->bus);
    qtest_quit(m->qts);
}

/*
 * Starts the virtio-mem machine.  Both binaries have virtio-mem-pci, so
 * a missing device fails the test (no skip); returns true for the
 * callers' early-return shape.
 */
static bool vmem_start(Machine *m, QPCIDevice **dev)
{
    machine_start(m, VMEM_ARGS);
    *dev = qpci_device_find_id(m->bus, VIRTIO_VENDOR, VIRTIO_MEM_DEVICE);
    g_assert_nonnull(*dev);
    return true;
}

/* ---- enumeration -------------------------------------------------------- */

static void record_devfn(QPCIDevice *dev, int devfn, void *opaque)
{
    g_array_append_val(opaque, devfn);
    g_free(dev);
}

static void test_enumerate_host_bridge(void)
{
    Machine m;
    g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(int));
    g_autofree QPCIDevice *host = NULL;

    machine_start(&m, "-machine q35");
    qpci_device_foreach(m.bus, Q35_HOST_VENDOR, Q35_HOST_DEVICE,
                        record_devfn, found);
    g_assert_cmpuint(found->len, ==, 1);
    g_assert_cmpint(g_array_index(found, int, 0), ==, QPCI_DEVFN(0, 0));

    host = qpci_device_find(m.bus, QPCI_DEVFN(0, 0));
    g_assert_nonnull(host);
    /* Class 06.00.00: host bridge; header type 0. */
    g_assert_cmphex(qpci_config_readw(host, PCI_CLASS_DEVICE), ==, 0x0600);
    g_assert_cmphex(qpci_config_readb(host, PCI_CLASS_PROG), ==, 0);
    g_assert_cmphex(qpci_config_readb(host, PCI_HEADER_TYPE) & 0x7f, ==, 0);
    machine_stop(&m);
}

static void test_enumerate_empty_slot(void)
{
    Machine m;

    machine_start(&m, "-machine q35");
    /* Nothing answers in slot 0x1e: all ones at every width. */
    g_assert_null(qpci_device_find(m.bus, QPCI_DEVFN(0x1e, 0)));
    g_assert_cmphex(m.bus->ops->config_readl(m.bus, QPCI_DEVFN(0x1e, 0), 0),
                    ==, 0xffffffff);
    g_assert_cmphex(m.bus->ops->config_readb(m.bus, QPCI_DEVFN(0x1e, 0), 3),
                    ==, 0xff);
    machine_stop(&m);
}

static void test_enumerate_virtio_mem(void)
{
    Machine m;
    QPCIDevice *dev;

    if (!vmem_start(&m, &dev)) {
        return;
    }
    /* QEMU 7.2 puts it in the first free slot. */
    g_assert_cmpint(dev->devfn, ==, QPCI_DEVFN(1, 0));
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    VIRTIO_VENDOR);
    g_assert_cmphex(qpci_config_readb(dev, PCI_INTERRUPT_PIN), ==, 1);
    g_free(dev);
    machine_stop(&m);
}

/* ---- configuration space ------------------------------------------------ */

static void test_config_read_widths(void)
{
    Machine m;
    g_autofree QPCIDevice *host = NULL;
    uint32_t l;

    machine_start(&m, "-machine q35");
    host = qpci_device_find(m.bus, 0);
    for (uint8_t off = 0; off < 0x40; off += 4) {
        l = qpci_config_readl(host, off);
        g_assert_cmphex(qpci_config_readw(host, off), ==, l & 0xffff);
        g_assert_cmphex(qpci_config_readw(host, off + 2), ==, l >> 16);
        for (int i = 0; i < 4; i++) {
            g_assert_cmphex(qpci_config_readb(host, off + i), ==,
                            (l >> (8 * i)) & 0xff);
        }
    }
    g_assert_cmphex(qpci_config_readl(host, PCI_VENDOR_ID), ==,
                    Q35_HOST_DEVICE << 16 | Q35_HOST_VENDOR);
    machine_stop(&m);
}

static void test_config_write_widths(void)
{
    Machine m;
    g_autofree QPCIDevice *host = NULL;
    uint8_t pin;

    machine_start(&m, "-machine q35");
    host = qpci_device_find(m.bus, 0);

    /* Byte: the interrupt line register is fully writable. */
    qpci_config_writeb(host, PCI_INTERRUPT_LINE, 0x5a);
    g_assert_cmphex(qpci_config_readb(host, PCI_INTERRUPT_LINE), ==, 0x5a);

    /* Word over line + pin: the line changes, the pin is read-only. */
    pin = qpci_config_readb(host, PCI_INTERRUPT_PIN);
    qpci_config_writew(host, PCI_INTERRUPT_LINE, 0xa5c3);
    g_assert_cmphex(qpci_config_readb(host, PCI_INTERRUPT_LINE), ==, 0xc3);
    g_assert_cmphex(qpci_config_readb(host, PCI_INTERRUPT_PIN), ==, pin);

    /* Dword: only the line byte takes the write. */
    qpci_config_writel(host, PCI_INTERRUPT_LINE, 0x11223344);
    g_assert_cmphex(qpci_config_readl(host, PCI_INTERRUPT_LINE) & 0xff, ==,
                    0x44);
    g_assert_cmphex(qpci_config_readb(host, PCI_INTERRUPT_PIN), ==, pin);
    machine_stop(&m);
}

static void test_config_ids_read_only(void)
{
    Machine m;
    g_autofree QPCIDevice *host = NULL;
    uint32_t ids, class_rev;

    machine_start(&m, "-machine q35");
    host = qpci_device_find(m.bus, 0);
    ids = qpci_config_readl(host, PCI_VENDOR_ID);
    class_rev = qpci_config_readl(host, PCI_REVISION_ID);

    qpci_config_writel(host, PCI_VENDOR_ID, 0x12345678);
    qpci_config_writew(host, PCI_DEVICE_ID, 0xabcd);
    qpci_config_writeb(host, PCI_VENDOR_ID, 0x00);
    qpci_config_writel(host, PCI_REVISION_ID, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(host, PCI_VENDOR_ID), ==, ids);
    g_assert_cmphex(qpci_config_readl(host, PCI_REVISION_ID), ==, class_rev);
    machine_stop(&m);
}

static void test_config_address_reads_back(void)
{
    Machine m;

    machine_start(&m, "-machine q35");
    qtest_outl(m.qts, QPCI_PC_CONFIG_ADDR, 0x80000810);
    g_assert_cmphex(qtest_inl(m.qts, QPCI_PC_CONFIG_ADDR), ==, 0x80000810);
    machine_stop(&m);
}

/* ---- BARs --------------------------------------------------------------- */

static void test_bar_host_bridge_has_none(void)
{
    Machine m;
    g_autofree QPCIDevice *host = NULL;

    machine_start(&m, "-machine q35");
    host = qpci_device_find(m.bus, 0);
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        QPCIBarInfo info = qpci_bar_probe(host, i);

        g_assert_cmphex(info.size, ==, 0);
        g_assert_cmphex(qpci_config_readl(host, PCI_BASE_ADDRESS_0 + 4 * i),
                        ==, 0);
    }
    machine_stop(&m);
}

static void test_bar_sizing(void)
{
    Machine m;
    QPCIDevice *dev;
    int implemented = 0;

    if (!vmem_start(&m, &dev)) {
        return;
    }
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        uint8_t off = PCI_BASE_ADDRESS_0 + 4 * i;
        uint32_t before = qpci_config_readl(dev, off);
        QPCIBarInfo info = qpci_bar_probe(dev, i);

        /* Sizing leaves the BAR as it found it. */
        g_assert_cmphex(qpci_config_readl(dev, off), ==, before);
        if (!info.size) {
            continue;
        }
        implemented++;
        g_assert_true(is_power_of_2(info.size));
        g_test_message("BAR%d: size 0x%" PRIx64 " %s%s%s", i, info.size,
                       info.is_io ? "io" : "mem",
                       info.is_64bit ? " 64-bit" : "",
                       info.prefetchable ? " prefetchable" : "");
        if (info.is_64bit) {
            i++;                /* the upper half is not a BAR of its own */
        }
    }
    g_assert_cmpint(implemented, >=, 1);

    /* QEMU 7.2's virtio-mem-pci: BAR4 only, 64-bit prefetchable 16 KiB. */
    {
        QPCIBarInfo bar4 = qpci_bar_probe(dev, 4);

        g_assert_cmpint(implemented, ==, 1);
        g_assert_cmphex(bar4.size, ==, 16 * KiB);
        g_assert_false(bar4.is_io);
        g_assert_true(bar4.is_64bit);
        g_assert_true(bar4.prefetchable);
    }
    g_free(dev);
    machine_stop(&m);
}

static void test_bar_address_bits(void)
{
    Machine m;
    QPCIDevice *dev;
    uint8_t off = PCI_BASE_ADDRESS_0 + 4 * 4;

    if (!vmem_start(&m, &dev)) {
        return;
    }
    /* Low bits below the size read as the type flags, not as written. */
    qpci_config_writel(dev, off, 0xc0001234);
    g_assert_cmphex(qpci_config_readl(dev, off), ==,
                    0xc0000000 | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    qpci_config_writel(dev, off + 4, 0x12);
    g_assert_cmphex(qpci_config_readl(dev, off + 4), ==, 0x12);
    g_free(dev);
    machine_stop(&m);
}

/* Offset of the common configuration structure in its BAR. */
static uint8_t find_common_cfg(QPCIDevice *dev, int *bar, uint32_t *offset)
{
    for (uint8_t cap = qpci_find_capability(dev, PCI_CAP_ID_VNDR, 0); cap;
         cap = qpci_find_capability(dev, PCI_CAP_ID_VNDR, cap)) {
        if (qpci_config_readb(dev, cap + VIRTIO_PCI_CAP_CFG_TYPE) ==
            VIRTIO_PCI_CAP_COMMON_CFG) {
            *bar = qpci_config_readb(dev, cap + VIRTIO_PCI_CAP_BAR);
            *offset = qpci_config_readl(dev, cap + VIRTIO_PCI_CAP_OFFSET);
            return cap;
        }
    }
    return 0;
}

static void test_capability_walk(void)
{
    Machine m;
    QPCIDevice *dev;
    int vendor_caps = 0, bar = -1;
    uint32_t offset = ~0u;

    if (!vmem_start(&m, &dev)) {
        return;
    }
    for (uint8_t cap = qpci_find_capability(dev, PCI_CAP_ID_VNDR, 0); cap;
         cap = qpci_find_capability(dev, PCI_CAP_ID_VNDR, cap)) {
        g_assert_cmphex(cap, >=, 0x40);
        vendor_caps++;
    }
    /* common, notify, ISR, device and PCI-cfg-access structures */
    g_assert_cmpint(vendor_caps, ==, 5);
    /* QEMU 7.2 has no MSI-X and no PCIe capability on this device. */
    g_assert_cmphex(qpci_find_capability(dev, PCI_CAP_ID_MSIX, 0), ==, 0);
    g_assert_cmphex(find_common_cfg(dev, &bar, &offset), !=, 0);
    g_assert_cmpint(bar, ==, 4);
    g_assert_cmphex(offset, ==, 0);
    g_free(dev);
    machine_stop(&m);
}

static void test_bar_map_unmap(void)
{
    Machine m;
    QPCIDevice *dev;
    QPCIBar bar;
    uint64_t size;
    int barno;
    uint32_t offset;

    if (!vmem_start(&m, &dev)) {
        return;
    }
    g_assert_cmphex(find_common_cfg(dev, &barno, &offset), !=, 0);
    /* Before mapping, nothing decodes the window: unassigned reads 0. */
    g_assert_cmphex(qtest_readw(m.qts, QPCI_PC_MMIO_START + offset +
                                VIRTIO_PCI_COMMON_NUM_QUEUES), ==, 0);

    bar = qpci_iomap(dev, barno, &size);
    g_assert_cmphex(bar.addr, ==, QPCI_PC_MMIO_START);
    g_assert_cmphex(size, ==, 16 * KiB);
    /* virtio-mem has exactly one virtqueue. */
    g_assert_cmphex(qpci_io_readw(dev, bar, offset +
                                  VIRTIO_PCI_COMMON_NUM_QUEUES), ==, 1);
    qpci_io_writel(dev, bar, offset + VIRTIO_PCI_COMMON_DFSELECT, 1);
    g_assert_cmphex(qpci_io_readl(dev, bar, offset +
                                  VIRTIO_PCI_COMMON_DFSELECT), ==, 1);

    /* Memory decoding off: the BAR leaves system memory. */
    qpci_iounmap(dev, bar);
    g_assert_cmphex(qtest_readw(m.qts, bar.addr + offset +
                                VIRTIO_PCI_COMMON_NUM_QUEUES), ==, 0);

    /* Decoding on again, BAR moved: the old address goes quiet. */
    qpci_config_writel(dev, PCI_BASE_ADDRESS_0 + 4 * barno,
                       (uint32_t)bar.addr + 0x100000);
    qpci_device_enable(dev);
    g_assert_cmphex(qtest_readw(m.qts, bar.addr + offset +
                                VIRTIO_PCI_COMMON_NUM_QUEUES), ==, 0);
    g_assert_cmphex(qtest_readw(m.qts, bar.addr + 0x100000 + offset +
                                VIRTIO_PCI_COMMON_NUM_QUEUES), ==, 1);

    /* system_reset: both BAR halves and the command register cleared. */
    qtest_qmp_assert_success(m.qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(m.qts, "RESET");
    g_assert_cmphex(qpci_config_readw(dev, PCI_COMMAND) &
                    (PCI_COMMAND_MEMORY | PCI_COMMAND_IO), ==, 0);
    g_assert_cmphex(qpci_config_readl(dev, PCI_BASE_ADDRESS_0 + 4 * barno),
                    ==, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    g_assert_cmphex(qpci_config_readl(dev, PCI_BASE_ADDRESS_0 + 4 * barno +
                                      4), ==, 0);
    g_assert_cmphex(qtest_readw(m.qts, bar.addr + 0x100000 + offset +
                                VIRTIO_PCI_COMMON_NUM_QUEUES), ==, 0);
    g_free(dev);
    machine_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/pci/enumerate/q35-host-bridge-at-00.0",
                    test_enumerate_host_bridge);
    g_test_add_func("/pci/enumerate/empty-slot-reads-all-ones",
                    test_enumerate_empty_slot);
    g_test_add_func("/pci/enumerate/virtio-mem-in-first-free-slot",
                    test_enumerate_virtio_mem);
    g_test_add_func("/pci/config/read-widths-agree",
                    test_config_read_widths);
    g_test_add_func("/pci/config/write-widths-honour-wmask",
                    test_config_write_widths);
    g_test_add_func("/pci/config/ids-and-class-read-only",
                    test_config_ids_read_only);
    g_test_add_func("/pci/config/cf8-reads-back",
                    test_config_address_reads_back);
    g_test_add_func("/pci/bar/host-bridge-has-none",
                    test_bar_host_bridge_has_none);
    g_test_add_func("/pci/bar/sizing-protocol", test_bar_sizing);
    g_test_add_func("/pci/bar/low-bits-read-as-flags",
                    test_bar_address_bits);
    g_test_add_func("/pci/capability/walk-finds-virtio-caps",
                    test_capability_walk);
    g_test_add_func("/pci/bar/map-unmap-follows-command-and-bar",
                    test_bar_map_unmap);
    return g_test_run();
}
