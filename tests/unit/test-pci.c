/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PCI layer through configuration mechanism #1 on a
 * q35 host whose ports and BAR window live in test-owned containers:
 * write masks and W1C bits, BAR sizing for 32-bit, 64-bit and I/O BARs,
 * BAR (un)mapping observed in the rendered address space, reset, INTx
 * routing with wire-OR, capability lists and slot allocation.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/option.h"
#include "exec/address-spaces.h"
#include "hw/pci-host/q35.h"

#define TYPE_TEST_PCI "test-pci"

typedef struct TestPCI {
    PCIDevice parent_obj;
    MemoryRegion mmio;          /* BAR0: 4 KiB, 32-bit */
    MemoryRegion io;            /* BAR1: 256 bytes of ports */
    MemoryRegion mmio64;        /* BAR2: 1 MiB, 64-bit prefetchable */
} TestPCI;

static TestPCI *TEST_PCI(void *obj)
{
    return OBJECT_CHECK(TestPCI, obj, TYPE_TEST_PCI);
}

static uint64_t test_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0xab00 | (addr & 0xff);
}

static void test_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
}

static const MemoryRegionOps test_ops = {
    .read = test_read,
    .write = test_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static bool test_pci_realize(PCIDevice *dev, GError **errp)
{
    TestPCI *t = TEST_PCI(dev);

    memory_region_init_io(&t->mmio, OBJECT(dev), &test_ops, t, "t-mmio",
                          4096);
    memory_region_init_io(&t->io, OBJECT(dev), &test_ops, t, "t-io", 256);
    memory_region_init_io(&t->mmio64, OBJECT(dev), &test_ops, t,
                          "t-mmio64", MiB);
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &t->mmio);
    pci_register_bar(dev, 1, PCI_BASE_ADDRESS_SPACE_IO, &t->io);
    pci_register_bar(dev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &t->mmio64);
    pci_config_set_interrupt_pin(dev->config, 1);
    return true;
}

static void test_pci_exit(PCIDevice *dev)
{
    TestPCI *t = TEST_PCI(dev);

    memory_region_finalize(&t->mmio);
    memory_region_finalize(&t->io);
    memory_region_finalize(&t->mmio64);
}

static void test_pci_class_init(ObjectClass *oc, void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = test_pci_realize;
    pc->exit = test_pci_exit;
    pc->vendor_id = 0x1234;
    pc->device_id = 0x5678;
    pc->revision = 3;
    pc->class_id = PCI_CLASS_OTHERS;
}

static const TypeInfo test_pci_info = {
    .name = TYPE_TEST_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(TestPCI),
    .class_init = test_pci_class_init,
};

/* One q35 host for all tests; levels of its PIRQ outputs. */
static MemoryRegion pci_mem;
static AddressSpace pci_as;
static int pirq_level[Q35_NUM_PIRQS];

static void pirq_seen(void *opaque, int n, int level)
{
    pirq_level[n] = level;
}

static void setup_host(void)
{
    DeviceState *host;

    memory_region_init(&pci_mem, NULL, "test-pci-mem", UINT64_MAX);
    address_space_init(&pci_as, &pci_mem, "test-pci");
    host = qdev_new(TYPE_Q35_HOST_DEVICE);
    Q35_HOST_DEVICE(host)->pci_memory = &pci_mem;
    Q35_HOST_DEVICE(host)->io = get_system_io();
    g_assert_true(qdev_realize(host, NULL, NULL));
    for (int i = 0; i < Q35_NUM_PIRQS; i++) {
        qdev_connect_gpio_out(host, i, qemu_allocate_irq(pirq_seen, NULL, i));
    }
}

/* ---- mechanism #1 helpers ---- */

static uint32_t cfg_addr(int devfn, int reg)
{
    return 0x80000000u | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read(int devfn, int reg, unsigned len)
{
    uint32_t v = 0;

    address_space_stl_le(&address_space_io, 0xcf8, cfg_addr(devfn, reg),
                         MEMTXATTRS_UNSPECIFIED, NULL);
    switch (len) {
    case 1:
        v = address_space_ldub(&address_space_io, 0xcfc + (reg & 3),
                               MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    case 2:
        v = address_space_lduw_le(&address_space_io, 0xcfc + (reg & 2),
                                  MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    default:
        v = address_space_ldl_le(&address_space_io, 0xcfc,
                                 MEMTXATTRS_UNSPECIFIED, NULL);
    }
    return v;
}

static void cfg_write(int devfn, int reg, uint32_t val, unsigned len)
{
    address_space_stl_le(&address_space_io, 0xcf8, cfg_addr(devfn, reg),
                         MEMTXATTRS_UNSPECIFIED, NULL);
    switch (len) {
    case 1:
        address_space_stb(&address_space_io, 0xcfc + (reg & 3), val,
                          MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    case 2:
        address_space_stw_le(&address_space_io, 0xcfc + (reg & 2), val,
                             MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    default:
        address_space_stl_le(&address_space_io, 0xcfc, val,
                             MEMTXATTRS_UNSPECIFIED, NULL);
    }
}

static DeviceState *add_test_dev(const char *opts_str)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse(opts_str, "driver", NULL);
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_device_add(opts, &err);

    g_assert_null(err);
    g_assert_nonnull(dev);
    return dev;
}

static void del_dev(DeviceState *dev)
{
    object_unparent(OBJECT(dev));
}

/* ---- tests ---- */

static void test_host_bridge_ids(void)
{
    g_assert_cmphex(cfg_read(0, PCI_VENDOR_ID, 4), ==, 0x29c08086);
    g_assert_cmphex(cfg_read(0, PCI_CLASS_DEVICE, 2), ==, 0x0600);
    g_assert_cmphex(cfg_read(0, PCI_SUBSYSTEM_VENDOR_ID, 4), ==,
                    0x11001af4);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0x1f, 0), PCI_VENDOR_ID, 4), ==,
                    0x29188086);
    /* nothing in slot 0x1e: all ones at every width */
    g_assert_cmphex(cfg_read(PCI_DEVFN(0x1e, 0), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0x1e, 0), 2, 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0x1e, 0), 3, 1), ==, 0xff);
}

static void test_config_masks(void)
{
    DeviceState *dev = add_test_dev("test-pci,addr=3");
    int df = PCI_DEVFN(3, 0);
    PCIDevice *pd = PCI_DEVICE(dev);

    cfg_write(df, PCI_VENDOR_ID, 0xffffffff, 4);
    cfg_write(df, PCI_REVISION_ID, 0, 4);
    cfg_write(df, PCI_INTERRUPT_LINE, 0xffff, 2);
    g_assert_cmphex(cfg_read(df, PCI_VENDOR_ID, 4), ==, 0x56781234);
    g_assert_cmphex(cfg_read(df, PCI_REVISION_ID, 4), ==, 0xff000003);
    g_assert_cmphex(cfg_read(df, PCI_INTERRUPT_LINE, 1), ==, 0xff);
    g_assert_cmphex(cfg_read(df, PCI_INTERRUPT_PIN, 1), ==, 1);
    /* command: only IO, MEM, MASTER, SERR, INTX_DISABLE stick */
    cfg_write(df, PCI_COMMAND, 0xffff, 2);
    g_assert_cmphex(cfg_read(df, PCI_COMMAND, 2), ==, 0x0507);
    cfg_write(df, PCI_COMMAND, 0, 2);
    /* status error bits are write-one-to-clear */
    pci_set_word(pd->config + PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT |
                 PCI_STATUS_SIG_SYSTEM_ERROR);
    cfg_write(df, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT, 2);
    g_assert_cmphex(cfg_read(df, PCI_STATUS, 2), ==,
                    PCI_STATUS_SIG_SYSTEM_ERROR);
    cfg_write(df, PCI_STATUS, 0, 2);
    g_assert_cmphex(cfg_read(df, PCI_STATUS, 2), ==,
                    PCI_STATUS_SIG_SYSTEM_ERROR);
    del_dev(dev);
}

static void test_bar_sizing(void)
{
    DeviceState *dev = add_test_dev("test-pci,addr=3");
    int df = PCI_DEVFN(3, 0);

    for (int reg = PCI_BASE_ADDRESS_0; reg <= PCI_BASE_ADDRESS_5; reg += 4) {
        cfg_write(df, reg, 0xffffffff, 4);
    }
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0, 4), ==, 0xfffff000);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 4, 4), ==,
                    0xffffff01);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 8, 4), ==,
                    0xfff0000c);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 12, 4), ==,
                    0xffffffff);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 20, 4), ==, 0);
    /* address bits below the size read 0, flags stay */
    cfg_write(df, PCI_BASE_ADDRESS_0, 0xc0001234, 4);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0, 4), ==, 0xc0001000);
    del_dev(dev);
}

static uint32_t pci_mem_read(hwaddr addr)
{
    return address_space_ldl_le(&pci_as, addr, MEMTXATTRS_UNSPECIFIED,
                                NULL);
}

static void test_bar_mapping(void)
{
    DeviceState *dev = add_test_dev("test-pci,addr=3");
    PCIDevice *pd = PCI_DEVICE(dev);
    int df = PCI_DEVFN(3, 0);

    cfg_write(df, PCI_BASE_ADDRESS_0, 0xc0000000, 4);
    cfg_write(df, PCI_BASE_ADDRESS_0 + 4, 0xc100, 4);
    cfg_write(df, PCI_BASE_ADDRESS_0 + 8, 0x0, 4);
    cfg_write(df, PCI_BASE_ADDRESS_0 + 12, 0x10, 4);
    /* programmed but decoding off: nothing is mapped */
    g_assert_cmphex(pci_mem_read(0xc0000010), ==, 0);
    g_assert_cmphex(pci_get_bar_addr(pd, 0), ==, PCI_BAR_UNMAPPED);

    cfg_write(df, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    g_assert_cmphex(pci_mem_read(0xc0000010), ==, 0xab10);
    g_assert_cmphex(pci_mem_read(UINT64_C(0x1000000020)), ==, 0xab20);
    g_assert_cmphex(address_space_lduw_le(&address_space_io, 0xc104,
                                          MEMTXATTRS_UNSPECIFIED, NULL),
                    ==, 0xab04);
    g_assert_cmphex(pci_get_bar_addr(pd, 2), ==, UINT64_C(0x1000000000));

    /* moving the BAR moves the window */
    cfg_write(df, PCI_BASE_ADDRESS_0, 0xd0000000, 4);
    g_assert_cmphex(pci_mem_read(0xc0000010), ==, 0);
    g_assert_cmphex(pci_mem_read(0xd0000010), ==, 0xab10);

    /* memory decoding off: both memory BARs leave, I/O stays */
    cfg_write(df, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_cmphex(pci_mem_read(0xd0000010), ==, 0);
    g_assert_cmphex(pci_get_bar_addr(pd, 2), ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(pci_get_bar_addr(pd, 1), ==, 0xc100);

    /* reset: BARs back to flags, command 0, all unmapped */
    cfg_write(df, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    device_cold_reset(dev);
    g_assert_cmphex(cfg_read(df, PCI_COMMAND, 2), ==, 0);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0, 4), ==, 0);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 4, 4), ==, 1);
    g_assert_cmphex(cfg_read(df, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0xc);
    g_assert_cmphex(pci_get_bar_addr(pd, 1), ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(pci_mem_read(0xd0000010), ==, 0);
    del_dev(dev);
}

static void test_intx_routing(void)
{
    DeviceState *a = add_test_dev("test-pci,addr=1");
    DeviceState *b = add_test_dev("test-pci,addr=5");
    DeviceState *c = add_test_dev("test-pci,addr=0x19");
    int pirq = q35_pirq_for(PCI_DEVFN(1, 0), 0);

    /* QEMU 7.2: slot 1 INTA -> PIRQF (GSI 21), slot 5 too, 0x19 -> A */
    g_assert_cmpint(pirq, ==, 5);
    g_assert_cmpint(q35_pirq_for(PCI_DEVFN(5, 0), 0), ==, 5);
    g_assert_cmpint(q35_pirq_for(PCI_DEVFN(2, 0), 0), ==, 6);
    g_assert_cmpint(q35_pirq_for(PCI_DEVFN(0x19, 0), 0), ==, 0);

    pci_set_irq(PCI_DEVICE(a), 1);
    g_assert_cmpint(pirq_level[5], ==, 1);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 0), PCI_STATUS, 2) &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    /* wire-OR: the line stays up until both sharers drop it */
    pci_set_irq(PCI_DEVICE(b), 1);
    pci_set_irq(PCI_DEVICE(a), 0);
    g_assert_cmpint(pirq_level[5], ==, 1);
    pci_set_irq(PCI_DEVICE(b), 0);
    g_assert_cmpint(pirq_level[5], ==, 0);

    /* INTX_DISABLE withdraws an asserted pin and re-presents it */
    pci_set_irq(PCI_DEVICE(c), 1);
    g_assert_cmpint(pirq_level[0], ==, 1);
    cfg_write(PCI_DEVFN(0x19, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_cmpint(pirq_level[0], ==, 0);
    cfg_write(PCI_DEVFN(0x19, 0), PCI_COMMAND, 0, 2);
    g_assert_cmpint(pirq_level[0], ==, 1);
    /* reset deasserts */
    device_cold_reset(c);
    g_assert_cmpint(pirq_level[0], ==, 0);
    del_dev(a);
    del_dev(b);
    del_dev(c);
}

static void test_capabilities(void)
{
    DeviceState *dev = add_test_dev("test-pci,addr=3");
    PCIDevice *pd = PCI_DEVICE(dev);
    g_autoptr(GError) err = NULL;
    int first, second;

    first = pci_add_capability(pd, PCI_CAP_ID_VNDR, 0, 16, NULL);
    second = pci_add_capability(pd, PCI_CAP_ID_PM, 0, 8, NULL);
    g_assert_cmpint(first, ==, 0x40);
    g_assert_cmpint(second, ==, 0x50);
    g_assert_cmphex(cfg_read(PCI_DEVFN(3, 0), PCI_STATUS, 2) &
                    PCI_STATUS_CAP_LIST, ==, PCI_STATUS_CAP_LIST);
    /* the newest is at the head, like QEMU */
    g_assert_cmphex(cfg_read(PCI_DEVFN(3, 0), PCI_CAPABILITY_LIST, 1), ==,
                    0x50);
    g_assert_cmphex(cfg_read(PCI_DEVFN(3, 0), 0x51, 1), ==, 0x40);
    g_assert_cmphex(cfg_read(PCI_DEVFN(3, 0), 0x41, 1), ==, 0);
    g_assert_cmpuint(pci_find_capability(pd, PCI_CAP_ID_VNDR), ==, 0x40);
    /* capability bytes are read-only to the guest */
    cfg_write(PCI_DEVFN(3, 0), 0x40, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(PCI_DEVFN(3, 0), 0x40, 1), ==,
                    PCI_CAP_ID_VNDR);
    g_assert_cmpint(pci_add_capability(pd, PCI_CAP_ID_MSI, 0x44, 8, &err),
                    ==, -EINVAL);
    g_assert_nonnull(err);
    del_dev(dev);
}

static void test_slot_allocation(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) opts = qemu_opts_parse("test-pci,addr=0", "driver",
                                               NULL);
    g_autoptr(QemuOpts) bad = qemu_opts_parse("test-pci,addr=zz", "driver",
                                              NULL);
    DeviceState *first = add_test_dev("test-pci");

    /* 00.0 is the MCH: the first free slot is 1 */
    g_assert_cmpint(PCI_DEVICE(first)->devfn, ==, PCI_DEVFN(1, 0));
    g_assert_null(qdev_device_add(opts, &err));
    g_assert_cmpstr(err->message, ==, "PCI: slot 0 function 0 not "
                    "available for test-pci, in use by mch,id=(null)");
    g_clear_error(&err);
    g_assert_null(qdev_device_add(bad, &err));
    g_assert_cmpstr(err->message, ==,
                    "Property 'test-pci.addr' doesn't take value 'zz'");
    del_dev(first);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    q35_host_register_types();
    type_register_static(&test_pci_info);
    setup_host();

    g_test_add_func("/pci/host/ids-and-empty-slots", test_host_bridge_ids);
    g_test_add_func("/pci/config/masks-and-w1c", test_config_masks);
    g_test_add_func("/pci/bar/sizing-32-64-io", test_bar_sizing);
    g_test_add_func("/pci/bar/mapping-follows-command-bar-reset",
                    test_bar_mapping);
    g_test_add_func("/pci/intx/q35-routing-wire-or-disable",
                    test_intx_routing);
    g_test_add_func("/pci/capability/list-and-overlap", test_capabilities);
    g_test_add_func("/pci/slot/first-free-and-taken", test_slot_allocation);
    return g_test_run();
}
