/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the modern virtio-pci transport with virtio-mem-pci on a bare
 * PCI root bus (no machine): identity and capabilities in config space,
 * BAR 4's size and type, the common-configuration registers, the device
 * configuration window, the PCI-cfg access window, notification, ISR and
 * INTx, and the device's placement in the device-memory area.
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"
#include "sysemu/hostmem.h"
#include "hw/boards.h"
#include "hw/mem/memory-device.h"
#include "hw/virtio/virtio-mem.h"
#include "hw/virtio/virtio-mem-pci.h"

/*
 * A stand-in for the machine (hw/core/machine.c is not linked): just the
 * fields memory devices read, and the plugged-memory hook.
 */
MachineState *current_machine;
static MachineState fake_machine;
static DeviceMemoryState fake_device_memory;
static MachinePluggedMemoryFn *plugged_fn;

void machine_set_plugged_memory_fn(MachinePluggedMemoryFn *fn)
{
    plugged_fn = fn;
}

#define BAR_ADDR    0xfe000000ull
#define AREA_BASE   (4 * GiB)
#define AREA_SIZE   (64 * GiB)
#define DESC        0x1000
#define AVAIL       0x3000
#define USED        0x4000
#define REQ         0x10000
#define RESP        0x11000

static MemoryRegion ram;
static PCIBus *bus;
static int irq_level;

static void set_irq(void *opaque, int n, int level)
{
    irq_level = level;
}

static int map_irq(PCIDevice *dev, int pin)
{
    return 0;
}

static PCIDevice *dev_new(const char *id, const char *size,
                          const char *opts, GError **errp)
{
    JsonObject *props = json_object_new();
    char *mem_id = g_strdup_printf("mem-%s", id);
    DeviceState *dev;
    char **kv;

    json_object_set_string_member(props, "size", size);
    json_object_set_string_member(props, "reserve", "off");
    g_assert_nonnull(user_creatable_add_keyval(TYPE_MEMORY_BACKEND_RAM,
                                               mem_id, props, NULL));
    json_object_unref(props);
    dev = qdev_new(TYPE_VIRTIO_MEM_PCI);
    g_assert_true(object_property_parse(OBJECT(dev), "memdev", mem_id,
                                        NULL));
    kv = g_strsplit(opts, ",", -1);
    for (char **p = kv; *p && **p; p++) {
        char **pair = g_strsplit(*p, "=", 2);

        g_assert_true(object_property_parse(OBJECT(dev), pair[0], pair[1],
                                            NULL));
        g_strfreev(pair);
    }
    g_strfreev(kv);
    g_free(mem_id);
    object_property_add_child(container_get(qdev_get_machine(),
                                            "/peripheral"), id, OBJECT(dev));
    dev->id = g_strdup(id);
    if (!qdev_realize(dev, BUS(bus), errp)) {
        object_unparent(OBJECT(dev));
        object_unref(dev);
        return NULL;
    }
    object_unref(dev);
    return PCI_DEVICE(dev);
}

static uint32_t cfg_read(PCIDevice *d, uint32_t addr, int len)
{
    return pci_config_read(d, addr, len);
}

static void cfg_write(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    pci_config_write(d, addr, val, len);
}

/* Find the first vendor capability of @type; 0 if none. */
static uint8_t find_vcap(PCIDevice *d, uint8_t type)
{
    uint8_t pos = cfg_read(d, PCI_CAPABILITY_LIST, 1);

    for (int guard = 0; pos && guard < 48; guard++) {
        if (cfg_read(d, pos, 1) == PCI_CAP_ID_VNDR &&
            cfg_read(d, pos + 3, 1) == type) {
            return pos;
        }
        pos = cfg_read(d, pos + 1, 1);
    }
    return 0;
}

static void map_bar(PCIDevice *d)
{
    cfg_write(d, PCI_BASE_ADDRESS_0 + 16, BAR_ADDR, 4);
    cfg_write(d, PCI_BASE_ADDRESS_0 + 20, 0, 4);
    cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static uint64_t rd(hwaddr off, unsigned size)
{
    uint64_t v = 0;

    address_space_read(&address_space_memory, BAR_ADDR + off,
                       MEMTXATTRS_UNSPECIFIED, &v, size);
    return GUINT64_FROM_LE(v);
}

static void wr(hwaddr off, uint64_t v, unsigned size)
{
    v = GUINT64_TO_LE(v);
    address_space_write(&address_space_memory, BAR_ADDR + off,
                        MEMTXATTRS_UNSPECIFIED, &v, size);
}

static void test_identity_and_caps(void)
{
    PCIDevice *d = dev_new("vmid", "4G", "requested-size=1G", NULL);
    static const struct {
        uint8_t type;
        uint32_t offset;
    } caps[] = { { 1, 0x0 }, { 3, 0x1000 }, { 4, 0x2000 }, { 2, 0x3000 } };
    uint8_t pos;
    uint32_t lo;

    g_assert_nonnull(d);
    g_assert_cmphex(cfg_read(d, 0, 2), ==, 0x1af4);
    g_assert_cmphex(cfg_read(d, PCI_DEVICE_ID, 2), ==, 0x1058);
    g_assert_cmphex(cfg_read(d, PCI_REVISION_ID, 1), ==, 1);
    g_assert_cmphex(cfg_read(d, PCI_CLASS_PROG, 1) |
                    cfg_read(d, PCI_CLASS_DEVICE, 2) << 8, ==, 0x00ff00);
    g_assert_cmphex(cfg_read(d, PCI_SUBSYSTEM_VENDOR_ID, 2), ==, 0x1af4);
    g_assert_cmphex(cfg_read(d, PCI_SUBSYSTEM_ID, 2), ==, 0x1100);
    g_assert_cmphex(cfg_read(d, PCI_INTERRUPT_PIN, 1), ==, 1);
    g_assert_cmphex(cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, ==,
                    PCI_STATUS_CAP_LIST);
    for (size_t i = 0; i < G_N_ELEMENTS(caps); i++) {
        pos = find_vcap(d, caps[i].type);
        g_assert_cmpuint(pos, !=, 0);
        g_assert_cmpuint(cfg_read(d, pos + 4, 1), ==, 4);       /* bar */
        g_assert_cmphex(cfg_read(d, pos + 8, 4), ==, caps[i].offset);
        g_assert_cmphex(cfg_read(d, pos + 12, 4), ==, 0x1000);
    }
    g_assert_cmpuint(cfg_read(d, find_vcap(d, 2) + 16, 4), ==, 4);
    g_assert_cmpuint(find_vcap(d, 5), !=, 0);

    /* BAR 4: 64-bit prefetchable memory of 16 KiB. */
    cfg_write(d, PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
    lo = cfg_read(d, PCI_BASE_ADDRESS_0 + 16, 4);
    g_assert_cmphex(lo & 0xf, ==, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    g_assert_cmphex(lo & ~0xfu, ==, ~(0x4000u - 1));
    for (int bar = 0; bar < 4; bar++) {
        cfg_write(d, PCI_BASE_ADDRESS_0 + 4 * bar, 0xffffffff, 4);
        g_assert_cmphex(cfg_read(d, PCI_BASE_ADDRESS_0 + 4 * bar, 4), ==, 0);
    }
    qdev_unrealize(DEVICE(d));
}

static void test_common_config(void)
{
    PCIDevice *d = dev_new("vmcc", "4G", "requested-size=1G", NULL);
    uint64_t features;
    uint8_t pos;

    map_bar(d);
    g_assert_cmphex(rd(16, 2), ==, 0xffff);                 /* msix_config */
    g_assert_cmphex(rd(18, 2), ==, 1);                      /* num_queues */
    wr(22, 0, 2);
    g_assert_cmphex(rd(24, 2), ==, 128);                    /* queue_size */
    g_assert_cmphex(rd(26, 2), ==, 0xffff);                 /* queue vector */
    g_assert_cmphex(rd(30, 2), ==, 0);                      /* notify_off */
    wr(0, 0, 4);
    features = rd(4, 4);
    wr(0, 1, 4);
    features |= rd(4, 4) << 32;
    g_assert_cmphex(features, ==, (1ull << 0) | (1ull << 28) | (1ull << 29) |
                    (1ull << 32) | (1ull << 40));
    /* Device config: block size and region size. */
    g_assert_cmphex(rd(0x2000, 4) | rd(0x2004, 4) << 32, ==, 2 << 20);
    g_assert_cmphex(rd(0x2018, 4) | rd(0x201c, 4) << 32, ==, 4 * GiB);
    g_assert_cmphex(rd(0x2000 + 56, 4), ==, 0xffffffff);    /* beyond */
    /* The PCI-cfg window reads the same registers through config space. */
    pos = find_vcap(d, 5);
    cfg_write(d, pos + 4, 4, 1);
    cfg_write(d, pos + 8, 18, 4);
    cfg_write(d, pos + 12, 2, 4);
    g_assert_cmphex(cfg_read(d, pos + 16, 4) & 0xffff, ==, 1);
    cfg_write(d, pos + 8, 0x2018, 4);
    cfg_write(d, pos + 12, 4, 4);
    g_assert_cmphex(cfg_read(d, pos + 16, 4), ==, 0);       /* low word */
    cfg_write(d, pos + 8, 0x201c, 4);
    g_assert_cmphex(cfg_read(d, pos + 16, 4), ==, 1);       /* 4 GiB >> 32 */
    qdev_unrealize(DEVICE(d));
}

/* Drive one PLUG through the BAR and watch INTx and the ISR. */
static void test_queue_and_intx(void)
{
    PCIDevice *d = dev_new("vmq", "4G", "requested-size=1G", NULL);
    uint8_t req[24] = { 0 };
    uint64_t addr;
    AddressSpace *as = &address_space_memory;

    map_bar(d);
    addr = object_property_get_uint(OBJECT(d), "memaddr", NULL);
    g_assert_cmphex(addr, ==, AREA_BASE);
    wr(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(8, 1, 4);
    wr(12, 1, 4);                                   /* VERSION_1 */
    wr(20, 0xb, 1);                                 /* FEATURES_OK */
    g_assert_cmphex(rd(20, 1), ==, 0xb);
    wr(22, 0, 2);
    wr(32, DESC, 4);
    wr(40, AVAIL, 4);
    wr(48, USED, 4);
    wr(28, 1, 2);
    g_assert_cmphex(rd(28, 2), ==, 1);
    wr(20, 0xf, 1);                                 /* DRIVER_OK */

    req[0] = VIRTIO_MEM_REQ_PLUG;
    memcpy(req + 8, &addr, 8);
    req[16] = 4;
    address_space_write(as, REQ, MEMTXATTRS_UNSPECIFIED, req, sizeof(req));
    address_space_stq_le(as, DESC, REQ, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(as, DESC + 8, 24, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stw_le(as, DESC + 12, VRING_DESC_F_NEXT,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stw_le(as, DESC + 14, 1, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stq_le(as, DESC + 16, RESP, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(as, DESC + 24, 10, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stw_le(as, DESC + 28, VRING_DESC_F_WRITE,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stw_le(as, AVAIL + 2, 1, MEMTXATTRS_UNSPECIFIED, NULL);
    irq_level = 0;
    wr(0x3000, 0, 2);                               /* notify queue 0 */
    g_assert_cmpuint(address_space_lduw_le(as, USED + 2,
                                           MEMTXATTRS_UNSPECIFIED, NULL),
                     ==, 1);
    g_assert_cmpuint(address_space_lduw_le(as, RESP, MEMTXATTRS_UNSPECIFIED,
                                           NULL), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmphex(object_property_get_uint(OBJECT(d), "size", NULL), ==,
                    8 << 20);
    g_assert_cmpuint(memory_device_get_plugged_size(), ==, 8 << 20);
    g_assert_cmpuint(plugged_fn(current_machine), ==, 8 << 20);
    g_assert_cmpint(irq_level, ==, 1);
    g_assert_cmphex(rd(0x1000, 1), ==, VIRTIO_ISR_QUEUE);   /* clears */
    g_assert_cmpint(irq_level, ==, 0);
    g_assert_cmphex(rd(0x1000, 1), ==, 0);

    /* A resize raises a config interrupt with ISR 3 and a new generation. */
    g_assert_cmpuint(rd(21, 1), ==, 0);
    g_assert_true(object_property_parse(OBJECT(d), "requested-size", "2G",
                                        NULL));
    g_assert_cmpint(irq_level, ==, 1);
    g_assert_cmpuint(rd(21, 1), ==, 1);
    g_assert_cmphex(rd(0x1000, 1), ==, 3);
    g_assert_cmpint(irq_level, ==, 0);

    /* Status 0 resets the device; plugged memory stays. */
    wr(20, 0, 1);
    g_assert_cmphex(rd(20, 1), ==, 0);
    g_assert_cmphex(rd(28, 2), ==, 0);
    g_assert_cmphex(object_property_get_uint(OBJECT(d), "size", NULL), ==,
                    8 << 20);
    qdev_unrealize(DEVICE(d));
}

static void test_placement(void)
{
    GError *err = NULL;
    PCIDevice *a, *b, *c;

    a = dev_new("vma", "2G", "", &err);
    g_assert_no_error(err);
    b = dev_new("vmb", "2G", "memaddr=0x240000000,block-size=1G", &err);
    g_assert_no_error(err);
    g_assert_cmphex(object_property_get_uint(OBJECT(a), "memaddr", NULL), ==,
                    AREA_BASE);
    g_assert_cmphex(object_property_get_uint(OBJECT(b), "memaddr", NULL), ==,
                    0x240000000ull);
    /* Conflicts, misalignment and the area's bounds. */
    g_assert_null(dev_new("vmc", "2G", "memaddr=0x100000000", &err));
    g_assert_cmpstr(err->message, ==, "address range conflicts with memory "
                    "device id='vma'");
    g_clear_error(&err);
    g_assert_null(dev_new("vmd", "2G", "memaddr=0x100100000", &err));
    g_assert_cmpstr(err->message, ==,
                    "address must be aligned to 0x200000 bytes");
    g_clear_error(&err);
    g_assert_null(dev_new("vme", "2G", "memaddr=0x80000000", &err));
    g_assert_cmpstr(err->message, ==, "can't add memory device "
                    "[0x80000000:0x80000000], usable range for memory "
                    "devices [0x100000000:0x1000000000]");
    g_clear_error(&err);
    g_assert_null(dev_new("vmf", "61G", "", &err));
    g_assert_cmpstr(err->message, ==, "not enough space, currently "
                    "0x100000000 in use of total space for memory devices "
                    "0xf00000000");
    g_clear_error(&err);
    /* First fit after the two. */
    c = dev_new("vmg", "2G", "", &err);
    g_assert_no_error(err);
    g_assert_cmphex(object_property_get_uint(OBJECT(c), "memaddr", NULL), ==,
                    0x180000000ull);
    qdev_unrealize(DEVICE(a));
    qdev_unrealize(DEVICE(b));
    qdev_unrealize(DEVICE(c));
}

/* A property virtio-mem gains is on virtio-mem-pci too, with no list. */
static uint64_t get_test_forwarded(Object *obj)
{
    g_assert_true(object_dynamic_cast(obj, TYPE_VIRTIO_MEM));
    return 42;
}

static void test_every_property_forwarded(void)
{
    ObjectClass *child = object_class_by_name(TYPE_VIRTIO_MEM);
    ObjectClass *proxy = object_class_by_name(TYPE_VIRTIO_MEM_PCI);
    g_autoptr(GPtrArray) props = object_class_property_list(child);
    Object *dev = object_new(TYPE_VIRTIO_MEM_PCI);

    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *p = g_ptr_array_index(props, i);
        ObjectProperty *f = object_class_property_find(proxy, p->name);

        g_assert_nonnull(f);
        g_assert_cmpstr(f->type, ==, p->type);
    }
    g_assert_cmpuint(object_property_get_uint(dev, "x-test-forwarded",
                                              NULL), ==, 42);
    object_unref(dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_machine.ram_size = 1 * GiB;
    fake_machine.maxram_size = 61 * GiB;
    current_machine = &fake_machine;
    host_memory_backend_register_types();
    virtio_mem_pci_register_types();
    /* before virtio-mem-pci's class exists, so it must pick this up */
    object_class_property_add_size(object_class_by_name(TYPE_VIRTIO_MEM),
                                   "x-test-forwarded", get_test_forwarded,
                                   NULL);
    address_space_init_system();
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 1 << 20, NULL));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    fake_device_memory.base = AREA_BASE;
    memory_region_init(&fake_device_memory.mr, NULL, "device-memory",
                       AREA_SIZE);
    memory_region_add_subregion(get_system_memory(), AREA_BASE,
                                &fake_device_memory.mr);
    fake_machine.device_memory = &fake_device_memory;
    bus = pci_root_bus_new(NULL, "pcie.0", get_system_memory(),
                           get_system_io());
    pci_bus_irqs(bus, set_irq, map_irq, NULL, 1);

    g_test_add_func("/virtio-mem-pci/every-property-forwarded",
                    test_every_property_forwarded);
    g_test_add_func("/virtio-pci/identity-and-capabilities",
                    test_identity_and_caps);
    g_test_add_func("/virtio-pci/common-config", test_common_config);
    g_test_add_func("/virtio-pci/queue-notify-isr-intx", test_queue_and_intx);
    g_test_add_func("/memory-device/placement", test_placement);
    return g_test_run();
}
