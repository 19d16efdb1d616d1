/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI device model and bus (hw/pci/pci.h): configuration space with
 * write masks, BAR sizing and (un)mapping through the memory API,
 * capabilities, INTx with wire-OR per bus interrupt input, slot
 * assignment and reset.
 *
 * Tuned for config-space traffic from a test or firmware (a few
 * thousand accesses): an access is a byte loop over at most 4 bytes; a
 * BAR remap happens only when a write touches the command register or a
 * BAR, and all BARs of the device move in one memory transaction.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "exec/address-spaces.h"
#include "hw/pci/pci.h"

/* ---- Config space ------------------------------------------------ */

PCIBus *pci_get_bus(const PCIDevice *dev)
{
    return dev->qdev.parent_bus ? PCI_BUS(dev->qdev.parent_bus) : NULL;
}

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, int len)
{
    g_assert(len == 1 || len == 2 || len == 4);
    g_assert(addr + len <= PCI_CONFIG_SPACE_SIZE);
    return ldn_le_p(dev->config + addr, len);
}

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b,
                           uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

static void pci_update_irq_disabled(PCIDevice *dev, bool was_disabled);

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              int len)
{
    bool was_disabled = pci_get_word(dev->config + PCI_COMMAND) &
                        PCI_COMMAND_INTX_DISABLE;

    g_assert(len == 1 || len == 2 || len == 4);
    g_assert(addr + len <= PCI_CONFIG_SPACE_SIZE);
    for (int i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t wm = dev->wmask[addr + i];
        uint8_t w1c = dev->w1cmask[addr + i];

        dev->config[addr + i] = (dev->config[addr + i] & ~wm) | (b & wm);
        dev->config[addr + i] &= ~(b & w1c);
    }
    if (ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 24) ||
        ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_update_mappings(dev);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_update_irq_disabled(dev, was_disabled);
    }
}

uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, int len)
{
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    return pc->config_read ? pc->config_read(dev, addr, len)
                           : pci_default_read_config(dev, addr, len);
}

void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, int len)
{
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    if (pc->config_write) {
        pc->config_write(dev, addr, val, len);
    } else {
        pci_default_write_config(dev, addr, val, len);
    }
}

/* Masks of a fresh type 0 header; devices open more in realize. */
static void pci_init_masks(PCIDevice *dev)
{
    pci_set_word(dev->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    /* Device-specific space is the device's business: writable. */
    memset(dev->wmask + PCI_CONFIG_HEADER_SIZE, 0xff,
           PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE);
    pci_set_word(dev->w1cmask + PCI_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
}

static void pci_init_ids(PCIDevice *dev)
{
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    uint8_t *c = dev->config;

    pci_set_word(c + PCI_VENDOR_ID, pc->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, pc->device_id);
    pci_set_byte(c + PCI_REVISION_ID, pc->revision);
    pci_set_word(c + PCI_CLASS_DEVICE, pc->class_id);
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID,
                 pc->subsystem_vendor_id ? pc->subsystem_vendor_id
                                         : PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(c + PCI_SUBSYSTEM_ID,
                 pc->subsystem_id ? pc->subsystem_id
                                  : PCI_SUBDEVICE_ID_QEMU);
    pci_set_byte(c + PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
}

/* ---- BARs -------------------------------------------------------- */

static uint32_t pci_bar_offset(int region_num)
{
    return PCI_BASE_ADDRESS_0 + 4 * region_num;
}

void pci_register_bar(PCIDevice *dev, int region_num, uint8_t type,
                      MemoryRegion *mr)
{
    PCIIORegion *r;
    PCIBus *bus = pci_get_bus(dev);
    uint64_t size = memory_region_size(mr);
    uint64_t wmask = ~(size - 1);
    uint32_t off = pci_bar_offset(region_num);
    bool is64 = !(type & PCI_BASE_ADDRESS_SPACE_IO) &&
                (type & PCI_BASE_ADDRESS_MEM_TYPE_64);

    g_assert(region_num >= 0 && region_num < PCI_NUM_BARS);
    g_assert(is_power_of_2(size));
    g_assert(size >= ((type & PCI_BASE_ADDRESS_SPACE_IO) ? 4 : 16));
    g_assert(!is64 || region_num < PCI_NUM_BARS - 1);
    r = &dev->io_regions[region_num];
    g_assert(!r->size);
    r->addr = PCI_BAR_UNMAPPED;
    r->size = size;
    r->type = type;
    r->memory = mr;
    r->address_space = (type & PCI_BASE_ADDRESS_SPACE_IO)
                       ? bus->address_space_io : bus->address_space_mem;
    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        wmask &= 0xffffffff & ~(uint64_t)0x3;
    } else {
        wmask &= ~(uint64_t)0xf;
    }
    if (is64) {
        pci_set_quad(dev->config + off, type);
        pci_set_quad(dev->wmask + off, wmask);
        memset(dev->w1cmask + off, 0, 8);
    } else {
        pci_set_long(dev->config + off, type);
        pci_set_long(dev->wmask + off, wmask & 0xffffffff);
        memset(dev->w1cmask + off, 0, 4);
    }
}

pcibus_t pci_get_bar_addr(PCIDevice *dev, int region_num)
{
    return dev->io_regions[region_num].addr;
}

/* Where the config space says BAR @i should be, or PCI_BAR_UNMAPPED. */
static pcibus_t pci_bar_address(PCIDevice *dev, int i)
{
    PCIIORegion *r = &dev->io_regions[i];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint32_t off = pci_bar_offset(i);
    pcibus_t addr, last;

    if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + off) & ~(r->size - 1);
        last = addr + r->size - 1;
        /* I/O space is 64 KiB on x86; 0 means "not programmed". */
        if (addr == 0 || last <= addr || last > 0xffff) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr = pci_get_quad(dev->config + off);
    } else {
        addr = pci_get_long(dev->config + off);
    }
    addr &= ~(r->size - 1);
    last = addr + r->size - 1;
    if (addr == 0 || last <= addr ||
        (!(r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) && last > UINT32_MAX)) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

void pci_update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PCIIORegion *r = &dev->io_regions[i];
        pcibus_t addr;

        if (!r->size) {
            continue;
        }
        addr = pci_bar_address(dev, i);
        if (addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory);
        }
        r->addr = addr;
        if (addr != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(r->address_space, addr,
                                                r->memory, 1);
        }
    }
    memory_region_transaction_commit();
}

static void pci_unmap_all(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PCIIORegion *r = &dev->io_regions[i];

        if (r->size && r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory);
            r->addr = PCI_BAR_UNMAPPED;
        }
    }
    memory_region_transaction_commit();
}

/* ---- Capabilities ------------------------------------------------ */

static int pci_find_space(PCIDevice *dev, uint8_t size)
{
    int run = 0;

    for (int off = PCI_CONFIG_HEADER_SIZE; off < PCI_CONFIG_SPACE_SIZE;
         off++) {
        run = dev->used[off] ? 0 : run + 1;
        if (run == size) {
            int start = off - size + 1;

            if (start % 4 == 0) {
                return start;
            }
            /* keep scanning from the next aligned byte */
            run = 0;
            off = QEMU_ALIGN_UP(start, 4) - 1;
        }
    }
    return 0;
}

int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp)
{
    uint8_t *c = dev->config;

    if (size < 2) {
        error_setg(errp, "%s: capability 0x%x: size %u too small",
                   dev->name, cap_id, size);
        return -EINVAL;
    }
    if (!offset) {
        offset = pci_find_space(dev, size);
        if (!offset) {
            error_setg(errp, "%s: no room for capability 0x%x of %u bytes",
                       dev->name, cap_id, size);
            return -ENOSPC;
        }
    } else {
        if (offset < PCI_CONFIG_HEADER_SIZE ||
            offset + size > PCI_CONFIG_SPACE_SIZE) {
            error_setg(errp, "%s: capability 0x%x at 0x%x is outside the "
                       "device-specific space", dev->name, cap_id, offset);
            return -EINVAL;
        }
        for (int i = offset; i < offset + size; i++) {
            if (dev->used[i]) {
                error_setg(errp, "%s:%02x.%x Attempt to add PCI capability "
                           "%x at offset %x overlaps existing capability",
                           dev->name, PCI_SLOT(dev->devfn),
                           PCI_FUNC(dev->devfn), cap_id, offset);
                return -EINVAL;
            }
        }
    }
    c[offset + PCI_CAP_LIST_ID] = cap_id;
    c[offset + PCI_CAP_LIST_NEXT] = c[PCI_CAPABILITY_LIST];
    c[PCI_CAPABILITY_LIST] = offset;
    pci_set_word(c + PCI_STATUS,
                 pci_get_word(c + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    memset(dev->used + offset, 0xff,
           MIN(QEMU_ALIGN_UP(size, 4), PCI_CONFIG_SPACE_SIZE - offset));
    memset(dev->wmask + offset, 0, size);
    memset(dev->w1cmask + offset, 0, size);
    return offset;
}

uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id)
{
    uint8_t *c = dev->config;
    uint8_t off = c[PCI_CAPABILITY_LIST];
    unsigned hops = 0;

    if (!(pci_get_word(c + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    while (off && hops++ < 64) {
        if (c[off + PCI_CAP_LIST_ID] == cap_id) {
            return off;
        }
        off = c[off + PCI_CAP_LIST_NEXT];
    }
    return 0;
}

/* ---- INTx -------------------------------------------------------- */

static int pci_intx_pin(PCIDevice *dev)
{
    return dev->config[PCI_INTERRUPT_PIN] - 1;  /* -1: none */
}

static bool pci_irq_disabled(PCIDevice *dev)
{
    return pci_get_word(dev->config + PCI_COMMAND) &
           PCI_COMMAND_INTX_DISABLE;
}

/* Add @change (+1 / -1) to the bus input of @dev's pin @pin. */
static void pci_bus_change_irq(PCIDevice *dev, int pin, int change)
{
    PCIBus *bus = pci_get_bus(dev);
    int irq;

    if (!bus || !bus->map_irq || !bus->set_irq) {
        return;
    }
    irq = bus->map_irq(dev, pin);
    g_assert(irq >= 0 && irq < bus->nirq);
    bus->irq_count[irq] += change;
    g_assert(bus->irq_count[irq] >= 0);
    bus->set_irq(bus->irq_opaque, irq, bus->irq_count[irq] != 0);
}

void pci_set_irq(PCIDevice *dev, int level)
{
    int pin = pci_intx_pin(dev);
    int old;
    uint16_t status;

    if (pin < 0 || pin >= PCI_NUM_PINS) {
        return;
    }
    level = level != 0;
    old = (dev->irq_state >> pin) & 1;
    if (old == level) {
        return;
    }
    dev->irq_state = (dev->irq_state & ~(1 << pin)) | (level << pin);
    status = pci_get_word(dev->config + PCI_STATUS);
    status = level ? status | PCI_STATUS_INTERRUPT
                   : status & ~PCI_STATUS_INTERRUPT;
    pci_set_word(dev->config + PCI_STATUS, status);
    if (!pci_irq_disabled(dev)) {
        pci_bus_change_irq(dev, pin, level ? 1 : -1);
    }
}

/* INTX_DISABLE flipped: withdraw or re-present the asserted pin. */
static void pci_update_irq_disabled(PCIDevice *dev, bool was_disabled)
{
    bool disabled = pci_irq_disabled(dev);
    int pin = pci_intx_pin(dev);

    if (disabled == was_disabled || pin < 0 || pin >= PCI_NUM_PINS ||
        !((dev->irq_state >> pin) & 1)) {
        return;
    }
    pci_bus_change_irq(dev, pin, disabled ? -1 : 1);
}

AddressSpace *pci_get_address_space(PCIDevice *dev)
{
    return &address_space_memory;
}

/* ---- Reset ------------------------------------------------------- */

static void pci_do_device_reset(PCIDevice *dev)
{
    uint8_t *c = dev->config;

    pci_set_irq(dev, 0);
    pci_set_word(c + PCI_COMMAND, pci_get_word(c + PCI_COMMAND) &
                 ~(pci_get_word(dev->wmask + PCI_COMMAND) |
                   pci_get_word(dev->w1cmask + PCI_COMMAND)));
    pci_set_word(c + PCI_STATUS, pci_get_word(c + PCI_STATUS) &
                 ~pci_get_word(dev->w1cmask + PCI_STATUS));
    c[PCI_CACHE_LINE_SIZE] = 0;
    c[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PCIIORegion *r = &dev->io_regions[i];
        uint32_t off = pci_bar_offset(i);

        if (!r->size) {
            continue;
        }
        if (!(r->type & PCI_BASE_ADDRESS_SPACE_IO) &&
            (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
            pci_set_quad(c + off, r->type);
        } else {
            pci_set_long(c + off, r->type);
        }
    }
    pci_update_mappings(dev);
}

/* ---- Bus --------------------------------------------------------- */

PCIDevice *pci_find_device(PCIBus *bus, int devfn)
{
    return devfn >= 0 && devfn < 256 ? bus->devices[devfn] : NULL;
}

static const char *pci_dev_id_text(PCIDevice *dev)
{
    return dev->qdev.id ? dev->qdev.id : "(null)";
}

static bool pci_bus_plug(BusState *qbus, DeviceState *qdev, GError **errp)
{
    PCIBus *bus = PCI_BUS(qbus);
    PCIDevice *dev = PCI_DEVICE(qdev);
    int devfn = dev->devfn;

    if (devfn < 0) {
        for (devfn = 0; devfn < 256; devfn += 8) {
            if (!bus->devices[devfn]) {
                break;
            }
        }
        if (devfn >= 256) {
            error_setg(errp, "PCI: no slot/function available for %s, all "
                       "in use or reserved", object_get_typename(
                           OBJECT(dev)));
            return false;
        }
    } else if (bus->devices[devfn]) {
        PCIDevice *other = bus->devices[devfn];

        error_setg(errp, "PCI: slot %d function %d not available for %s, "
                   "in use by %s,id=%s", PCI_SLOT(devfn), PCI_FUNC(devfn),
                   object_get_typename(OBJECT(dev)),
                   object_get_typename(OBJECT(other)),
                   pci_dev_id_text(other));
        return false;
    }
    dev->devfn = devfn;
    bus->devices[devfn] = dev;
    return true;
}

static void pci_bus_unplug(BusState *qbus, DeviceState *qdev)
{
    PCIBus *bus = PCI_BUS(qbus);
    PCIDevice *dev = PCI_DEVICE(qdev);

    if (dev->devfn >= 0 && bus->devices[dev->devfn] == dev) {
        bus->devices[dev->devfn] = NULL;
    }
}

static void pci_bus_reset_device(BusState *qbus, DeviceState *qdev)
{
    pci_do_device_reset(PCI_DEVICE(qdev));
}

PCIBus *pci_root_bus_new(DeviceState *parent, const char *name,
                         MemoryRegion *mem, MemoryRegion *io)
{
    PCIBus *bus = PCI_BUS(qbus_new(TYPE_PCI_BUS, parent, name));

    bus->address_space_mem = mem;
    bus->address_space_io = io;
    return bus;
}

void pci_bus_irqs(PCIBus *bus, pci_set_irq_fn set_irq,
                  pci_map_irq_fn map_irq, void *opaque, int nirq)
{
    bus->set_irq = set_irq;
    bus->map_irq = map_irq;
    bus->irq_opaque = opaque;
    bus->nirq = nirq;
    g_free(bus->irq_count);
    bus->irq_count = g_new0(int, nirq);
}

static void pci_bus_finalize(Object *obj)
{
    g_free(PCI_BUS(obj)->irq_count);
}

static void pci_bus_class_init(ObjectClass *oc, void *data)
{
    BusClass *bc = BUS_CLASS(oc);

    bc->plug = pci_bus_plug;
    bc->unplug = pci_bus_unplug;
    bc->reset_device = pci_bus_reset_device;
    bc->help_name = "PCI";
}

/* ---- Device ------------------------------------------------------ */

static bool pci_qdev_realize(DeviceState *qdev, GError **errp)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    g_snprintf(dev->name, sizeof(dev->name), "%s",
               object_get_typename(OBJECT(dev)));
    memset(dev->config, 0, PCI_CONFIG_SPACE_SIZE);
    memset(dev->wmask, 0, PCI_CONFIG_SPACE_SIZE);
    memset(dev->w1cmask, 0, PCI_CONFIG_SPACE_SIZE);
    memset(dev->used, 0, PCI_CONFIG_SPACE_SIZE);
    memset(dev->used, 0xff, PCI_CONFIG_HEADER_SIZE);
    pci_init_ids(dev);
    pci_init_masks(dev);
    if (pc->realize && !pc->realize(dev, errp)) {
        return false;
    }
    if (!pci_migration_register(dev, errp)) {
        if (pc->exit) {
            pc->exit(dev);
        }
        return false;
    }
    return true;
}

static void pci_qdev_unrealize(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    pci_migration_unregister(dev);
    pci_set_irq(dev, 0);
    pci_unmap_all(dev);
    memset(dev->io_regions, 0, sizeof(dev->io_regions));
    if (pc->exit) {
        pc->exit(dev);
    }
}

/*
 * "addr": "SLOT[.FN]" in hex (QEMU's syntax) on the command line, or an
 * integer devfn (QMP); -1 means "first free slot".
 */
static bool pci_parse_devfn(const char *str, int32_t *devfn)
{
    unsigned long slot, fn = 0;
    char *end;

    if (!*str || !g_ascii_isxdigit(*str)) {
        return false;
    }
    slot = strtoul(str, &end, 16);
    if (*end == '.') {
        if (!g_ascii_isxdigit(end[1])) {
            return false;
        }
        fn = strtoul(end + 1, &end, 16);
    }
    if (*end || slot > 0x1f || fn > 7) {
        return false;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return true;
}

static JsonNode *pci_addr_get(Object *obj, ObjectProperty *op,
                              GError **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_int(node, PCI_DEVICE(obj)->devfn);
    return node;
}

static bool pci_addr_set(Object *obj, ObjectProperty *op, JsonNode *value,
                         GError **errp)
{
    PCIDevice *dev = PCI_DEVICE(obj);
    int32_t devfn;

    if (!qdev_prop_check_unrealized(DEVICE(obj), "addr", errp)) {
        return false;
    }
    if (JSON_NODE_HOLDS_VALUE(value) &&
        json_node_get_value_type(value) == G_TYPE_STRING) {
        const char *str = json_node_get_string(value);

        if (!pci_parse_devfn(str, &devfn)) {
            error_setg(errp, "Property '%s.addr' doesn't take value '%s'",
                       object_get_typename(obj), str);
            return false;
        }
    } else {
        int64_t v;

        if (!object_property_json_to_int(value, "addr", 32, &v, errp)) {
            return false;
        }
        if (v < -1 || v > 255) {
            error_setg(errp, "Property '%s.addr' doesn't take value '%"
                       PRId64 "'", object_get_typename(obj), v);
            return false;
        }
        devfn = v;
    }
    dev->devfn = devfn;
    return true;
}

static void pci_device_initfn(Object *obj)
{
    PCIDevice *dev = PCI_DEVICE(obj);

    dev->devfn = -1;
    dev->config = g_malloc0(PCI_CONFIG_SPACE_SIZE);
    dev->wmask = g_malloc0(PCI_CONFIG_SPACE_SIZE);
    dev->w1cmask = g_malloc0(PCI_CONFIG_SPACE_SIZE);
    dev->used = g_malloc0(PCI_CONFIG_SPACE_SIZE);
}

static void pci_device_finalize(Object *obj)
{
    PCIDevice *dev = PCI_DEVICE(obj);

    g_free(dev->config);
    g_free(dev->wmask);
    g_free(dev->w1cmask);
    g_free(dev->used);
}

static void pci_device_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    ObjectProperty *op;

    dc->realize = pci_qdev_realize;
    dc->unrealize = pci_qdev_unrealize;
    dc->bus_type = TYPE_PCI_BUS;
    op = object_class_property_add(oc, "addr", "int32", pci_addr_get,
                                   pci_addr_set, NULL, NULL);
    object_property_set_parse_kind(op, OBJ_PARSE_STRING);
    object_property_set_description(op, "Slot and optional function "
                                    "number, example: 06.0 or 06");
    /* -1: the bus picks the first free slot. */
    object_property_set_default(op, json_node_init_int(json_node_alloc(), -1));
}

static const TypeInfo pci_types[] = {
    {
        .name = TYPE_PCI_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(PCIDevice),
        .instance_init = pci_device_initfn,
        .instance_finalize = pci_device_finalize,
        .class_size = sizeof(PCIDeviceClass),
        .class_init = pci_device_class_init,
        .abstract = true,
    },
    {
        .name = TYPE_PCI_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(PCIBus),
        .instance_finalize = pci_bus_finalize,
        .class_init = pci_bus_class_init,
    },
};

void pci_register_types(void)
{
    qdev_register_types();
    type_register_static_array(pci_types, G_N_ELEMENTS(pci_types));
}
