/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bare PCI set-up shared by fuzz-virtio-pci and fuzz-pci-config: no
 * machine (hw/core/machine.c is not linked, as in tests/unit/
 * test-virtio-pci.c), the system address space with 64 KiB of RAM at 0
 * and a device-memory area at 4 GiB, a PCI root bus on system memory and
 * I/O, and per input one memory-backend-ram plus one virtio-mem-pci,
 * created, realized and completely freed again (so LeakSanitizer sees a
 * clean slate after every input).  Static functions only: included by
 * each target's single .c file.
 */
#ifndef TESTS_FUZZ_PCI_HARNESS_H
#define TESTS_FUZZ_PCI_HARNESS_H

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/address-spaces.h"
#include "sysemu/hostmem.h"
#include "hw/boards.h"
#include "hw/mem/memory-device.h"
#include "hw/virtio/virtio-mem.h"
#include "hw/virtio/virtio-mem-pci.h"
#include "hw/virtio/virtio-pci.h"
#include "fuzz.h"

#define PH_RAM_SIZE   (64 * KiB)
#define PH_AREA_BASE  (4 * GiB)
#define PH_AREA_SIZE  (64 * GiB)
#define PH_BAR_ADDR   0xfe000000ull
#define PH_BLOCK      (2 * MiB)
#define PH_MEM_SIZE   (32 * MiB)

/* The stand-in machine: only what memory devices read. */
MachineState *current_machine;
static MachineState ph_machine;
static DeviceMemoryState ph_device_memory;
static MemoryRegion ph_ram;
static PCIBus *ph_bus;
static int ph_irq;

void machine_set_plugged_memory_fn(MachinePluggedMemoryFn *fn)
{
}

static void ph_set_irq(void *opaque, int n, int level)
{
    ph_irq = level;
}

static int ph_map_irq(PCIDevice *dev, int pin)
{
    return 0;
}

static void ph_init(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    /* FUZZ_GUEST_ERRORS=1: print what the devices log as guest errors. */
    if (getenv("FUZZ_GUEST_ERRORS")) {
        qemu_set_log_mask(LOG_GUEST_ERROR);
    }
    ph_machine.ram_size = 1 * GiB;
    ph_machine.maxram_size = 65 * GiB;
    current_machine = &ph_machine;
    host_memory_backend_register_types();
    virtio_mem_pci_register_types();
    address_space_init_system();
    g_assert_true(memory_region_init_ram(&ph_ram, NULL, "fuzz.ram",
                                         PH_RAM_SIZE, NULL));
    memory_region_add_subregion(get_system_memory(), 0, &ph_ram);
    ph_device_memory.base = PH_AREA_BASE;
    memory_region_init(&ph_device_memory.mr, NULL, "device-memory",
                       PH_AREA_SIZE);
    memory_region_add_subregion(get_system_memory(), PH_AREA_BASE,
                                &ph_device_memory.mr);
    ph_machine.device_memory = &ph_device_memory;
    ph_bus = pci_root_bus_new(NULL, "pcie.0", get_system_memory(),
                              get_system_io());
    pci_bus_irqs(ph_bus, ph_set_irq, ph_map_irq, NULL, 1);
}

typedef struct PhDev {
    Object *backend;
    PCIDevice *pci;
    VirtIOPCIProxy *proxy;
    VirtIODevice *vdev;
    VirtIOMEM *vmem;
} PhDev;

/* Backend + virtio-mem-pci in slot 1, realized; BAR not programmed. */
static void ph_dev_new(PhDev *d, bool unplugged_inaccessible)
{
    JsonObject *props = json_object_new();
    g_autoptr(GError) err = NULL;
    DeviceState *dev;

    json_object_set_string_member(props, "size", "32M");
    json_object_set_string_member(props, "reserve", "off");
    d->backend = user_creatable_add_keyval(TYPE_MEMORY_BACKEND_RAM,
                                           "fuzzmem", props, &err);
    g_assert_no_error(err);
    json_object_unref(props);
    dev = qdev_new(TYPE_VIRTIO_MEM_PCI);
    g_assert_true(object_property_parse(OBJECT(dev), "memdev", "fuzzmem",
                                        &err));
    g_assert_true(object_property_parse(OBJECT(dev), "block-size", "2M",
                                        &err));
    g_assert_true(object_property_parse(OBJECT(dev), "addr", "1.0", &err));
    g_assert_true(object_property_parse(OBJECT(dev),
                                        "unplugged-inaccessible",
                                        unplugged_inaccessible ? "on" : "off",
                                        &err));
    g_assert_true(qdev_realize(dev, BUS(ph_bus), &err));
    d->pci = PCI_DEVICE(dev);
    d->proxy = VIRTIO_PCI(dev);
    d->vdev = d->proxy->vdev;
    d->vmem = VIRTIO_MEM(d->vdev);
}

static void ph_dev_free(PhDev *d)
{
    g_autoptr(GError) err = NULL;

    qdev_unrealize(DEVICE(d->pci));
    object_unparent(OBJECT(d->pci));
    object_unref(d->pci);
    g_assert_true(user_creatable_del("fuzzmem", &err));
    memset(d, 0, sizeof(*d));
}

/* Program BAR 4 at PH_BAR_ADDR and enable memory and bus mastering. */
static G_GNUC_UNUSED void ph_map_bar(PhDev *d)
{
    pci_config_write(d->pci, PCI_BASE_ADDRESS_0 + 16, PH_BAR_ADDR, 4);
    pci_config_write(d->pci, PCI_BASE_ADDRESS_0 + 20, 0, 4);
    pci_config_write(d->pci, PCI_COMMAND,
                     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

/* Offset of the first vendor capability of @type, 0 if none. */
static uint8_t ph_find_vcap(PhDev *d, uint8_t type)
{
    uint8_t *c = d->pci->config;
    uint8_t pos = c[PCI_CAPABILITY_LIST];

    for (int guard = 0; pos && guard < 48; guard++) {
        if (c[pos] == PCI_CAP_ID_VNDR && c[pos + 3] == type) {
            return pos;
        }
        pos = c[pos + 1];
    }
    return 0;
}

/* The host sets requested-size to @blocks blocks; a refusal is fine. */
static G_GNUC_UNUSED void ph_set_requested(PhDev *d, unsigned blocks)
{
    g_autoptr(GError) err = NULL;

    object_property_set_uint(OBJECT(d->vmem), "requested-size",
                             (uint64_t)blocks * PH_BLOCK, &err);
}

/*
 * The read-only identity of a type 0 header (IDs, revision, class,
 * header type, subsystem, capability pointer, interrupt pin) is what it
 * was at realize (@orig, a copy of config space then).
 */
static void ph_check_identity(PhDev *d, const uint8_t *orig)
{
    static const struct { uint8_t at, len; } ro[] = {
        { PCI_VENDOR_ID, 4 }, { PCI_REVISION_ID, 4 },
        { PCI_HEADER_TYPE, 1 }, { PCI_SUBSYSTEM_VENDOR_ID, 4 },
        { PCI_CAPABILITY_LIST, 1 }, { PCI_INTERRUPT_PIN, 1 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ro); i++) {
        g_assert_cmpmem(d->pci->config + ro[i].at, ro[i].len,
                        orig + ro[i].at, ro[i].len);
    }
}

/* Where config space puts BAR 4 (low type bits and size bits masked). */
static uint64_t ph_bar4_addr(PhDev *d)
{
    uint8_t *c = d->pci->config;

    return pci_get_quad(c + PCI_BASE_ADDRESS_0 + 16) &
           ~(uint64_t)(VIRTIO_PCI_BAR_SIZE - 1);
}

/*
 * BAR 4 keeps its type (64-bit prefetchable memory) and is mapped exactly
 * where config space says while memory decoding is on (not at 0, not
 * wrapping past 2^64), else not at all; where nothing else decodes, a
 * pure register (num_queues) reads 1 through the system address space.
 */
static void ph_check_mapping(PhDev *d)
{
    uint8_t *c = d->pci->config;
    uint16_t cmd = pci_get_word(c + PCI_COMMAND);
    uint64_t addr = ph_bar4_addr(d);
    MemoryRegion *bar = &d->proxy->bar;

    g_assert_cmphex(c[PCI_BASE_ADDRESS_0 + 16] & 0xf, ==,
                    PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    if (!(cmd & PCI_COMMAND_MEMORY) || addr == 0 ||
        addr + VIRTIO_PCI_BAR_SIZE - 1 < addr) {
        g_assert_null(bar->container);
        return;
    }
    g_assert_nonnull(bar->container);
    g_assert_cmphex(bar->addr, ==, addr);
    if (addr >= PH_AREA_BASE + PH_AREA_SIZE ||
        (addr >= PH_RAM_SIZE && addr + VIRTIO_PCI_BAR_SIZE <= PH_AREA_BASE)) {
        g_assert_cmpuint(address_space_lduw_le(&address_space_memory,
                                               addr + 18,
                                               MEMTXATTRS_UNSPECIFIED, NULL),
                         ==, 1);
    }
}

/* Bytes of the program, with zeros past the end. */
typedef struct PhProg {
    const uint8_t *data;
    size_t size, pos;
} PhProg;

static uint64_t ph_take(PhProg *p, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++) {
        v |= (uint64_t)(p->pos < p->size ? p->data[p->pos++] : 0) << (8 * i);
    }
    return v;
}

static bool ph_more(PhProg *p)
{
    return p->pos < p->size;
}

/* A config-space access length (1, 2 or 4) and an aligned address. */
static void ph_cfg_access(PhProg *p, uint32_t *addr, int *len)
{
    static const int lens[] = { 1, 2, 4, 4 };
    uint8_t a = ph_take(p, 1);

    *len = lens[a >> 6];
    *addr = ph_take(p, 1) & ~(*len - 1);
}

#endif
