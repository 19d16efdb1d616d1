/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem-pci: virtio-mem on the modern virtio-pci transport, and the
 * memory device the machine sees (placement in the device-memory area,
 * query-memory-devices, MEMORY_DEVICE_SIZE_CHANGE).
 *
 * The virtio-mem device is a child ("virtio-backend") created with the
 * proxy; all its own properties are forwarded so that "-device
 * virtio-mem-pci,memdev=...,requested-size=..." and "qom-set vm0
 * requested-size ..." work on the PCI device as in QEMU.  One instance
 * per -device; nothing here is per request except the event.
 */
#include "qemu/osdep.h"
#include "monitor/qmp.h"
#include "sysemu/hostmem.h"
#include "hw/mem/memory-device.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio-mem.h"
#include "hw/virtio/virtio-mem-pci.h"

struct VirtIOMEMPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOMEM *vmem;            /* child "virtio-backend" */
    MemoryDeviceState md;
    char *qom_path;             /* size-change event key, once in the tree */
    uint64_t event_size;        /* plugged size of the latest size change */
};

#define SIZE_CHANGE_EVENT "MEMORY_DEVICE_SIZE_CHANGE"

static VirtIOMEMPCI *md_to_pci(MemoryDeviceState *md)
{
    return container_of(md, VirtIOMEMPCI, md);
}

/* ---- Memory device ------------------------------------------------------ */

static uint64_t md_get_region_size(MemoryDeviceState *md, GError **errp)
{
    return virtio_mem_get_region_size(md_to_pci(md)->vmem, errp);
}

static MemoryRegion *md_get_memory_region(MemoryDeviceState *md)
{
    return virtio_mem_get_memory_region(md_to_pci(md)->vmem);
}

static uint64_t md_get_min_alignment(MemoryDeviceState *md)
{
    return virtio_mem_get_min_alignment(md_to_pci(md)->vmem);
}

static uint64_t md_get_plugged_size(MemoryDeviceState *md)
{
    return object_property_get_uint(OBJECT(md_to_pci(md)->vmem), "size",
                                    NULL);
}

static void md_fill_device_info(MemoryDeviceState *md, JsonArray *list)
{
    VirtIOMEMPCI *pci = md_to_pci(md);
    VirtIOMEM *vmem = pci->vmem;
    DeviceState *dev = DEVICE(pci);
    JsonObject *entry = json_object_new(), *data = json_object_new();
    char *memdev = object_get_canonical_path(vmem->memdev);

    if (dev->id) {
        json_object_set_string_member(data, "id", dev->id);
    }
    json_object_set_int_member(data, "memaddr", vmem->blocks.addr);
    json_object_set_int_member(data, "requested-size",
                               vmem->blocks.requested_size);
    json_object_set_int_member(data, "size", vmem->blocks.plugged_size);
    json_object_set_int_member(data, "max-size", vmem->blocks.region_size);
    json_object_set_int_member(data, "block-size", vmem->blocks.block_size);
    json_object_set_int_member(data, "node", vmem->node);
    json_object_set_string_member(data, "memdev", memdev ? memdev : "");
    g_free(memdev);
    json_object_set_string_member(entry, "type", "virtio-mem");
    json_object_set_object_member(entry, "data", data);
    json_array_add_object_element(list, entry);
}

static const MemoryDeviceOps virtio_mem_pci_md_ops = {
    .get_region_size = md_get_region_size,
    .get_memory_region = md_get_memory_region,
    .get_min_alignment = md_get_min_alignment,
    .get_plugged_size = md_get_plugged_size,
    .fill_device_info = md_fill_device_info,
};

/* ---- Size-change event (rate-limited per qom-path by the monitor) ---- */

/*
 * Built only when the event goes out: a guest request inside the
 * limiter's window costs two hash lookups, not a JSON object and a QOM
 * path (about 10k instructions).
 */
static JsonObject *size_change_data(void *opaque)
{
    VirtIOMEMPCI *pci = opaque;
    DeviceState *dev = DEVICE(pci);
    JsonObject *data = json_object_new();

    if (dev->id) {
        json_object_set_string_member(data, "id", dev->id);
    }
    json_object_set_int_member(data, "size", pci->event_size);
    json_object_set_string_member(data, "qom-path",
                                  pci->qom_path ? pci->qom_path : "");
    return data;
}

static void size_changed(void *opaque, uint64_t size)
{
    VirtIOMEMPCI *pci = opaque;

    if (!pci->qom_path) {
        /* a device's canonical path does not change once it has one */
        pci->qom_path = object_get_canonical_path(OBJECT(pci));
    }
    pci->event_size = size;
    qmp_event_send_deferred(SIZE_CHANGE_EVENT,
                            pci->qom_path ? pci->qom_path : "",
                            size_change_data, pci);
}

/* Before @pci goes away: a pending event no longer needs it. */
static void size_change_flush(VirtIOMEMPCI *pci)
{
    if (pci->qom_path) {
        qmp_event_flush_deferred(SIZE_CHANGE_EVENT, pci->qom_path);
    }
}

/* ---- Realize ------------------------------------------------------------ */

static bool virtio_mem_pci_realize(VirtIOPCIProxy *proxy, GError **errp)
{
    VirtIOMEMPCI *pci = VIRTIO_MEM_PCI(proxy);
    VirtIOMEM *vmem = pci->vmem;
    uint64_t hint = vmem->addr;

    /* QEMU's order: the machine's checks (pre-plug) before the device's. */
    pci->md.id = DEVICE(pci)->id;
    if (!memory_device_pre_plug(&pci->md, hint ? &hint : NULL, errp)) {
        return false;
    }
    if (!qdev_realize(DEVICE(vmem), NULL, errp)) {
        return false;
    }
    if (!virtio_mem_set_addr(vmem, pci->md.addr, errp)) {
        qdev_unrealize(DEVICE(vmem));
        return false;
    }
    memory_device_plug(&pci->md);
    vmem->size_changed = size_changed;
    vmem->size_changed_opaque = pci;
    return true;
}

static void virtio_mem_pci_exit(VirtIOPCIProxy *proxy)
{
    VirtIOMEMPCI *pci = VIRTIO_MEM_PCI(proxy);

    size_change_flush(pci);
    memory_device_unplug(&pci->md);
    qdev_unrealize(DEVICE(pci->vmem));
}

/*
 * ---- Forwarded properties -----------------------------------------------
 * Every class property of virtio-mem that the proxy does not have itself
 * (those of "device", which both derive from, stay the proxy's own) is
 * forwarded to the child, in virtio-mem's order, with its type, parse
 * kind and description: a property added to virtio-mem appears on
 * virtio-mem-pci without a list to keep.
 */

static JsonNode *forward_get(Object *obj, ObjectProperty *prop,
                             GError **errp)
{
    return object_property_get_json(OBJECT(VIRTIO_MEM_PCI(obj)->vmem),
                                    prop->name, errp);
}

static bool forward_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                        GError **errp)
{
    return object_property_set_json(OBJECT(VIRTIO_MEM_PCI(obj)->vmem),
                                    prop->name, value, errp);
}

static void add_forwarders(ObjectClass *oc)
{
    ObjectClass *child = object_class_by_name(TYPE_VIRTIO_MEM);
    g_autoptr(GPtrArray) props = object_class_property_list(child);

    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *src = g_ptr_array_index(props, i);
        ObjectProperty *p;

        if (object_class_property_find(oc, src->name)) {
            continue;
        }
        /*
         * Always a setter: a read-only one refuses in the device's name,
         * "Property 'virtio-mem.size' is not writable", as in QEMU 7.2.
         */
        p = object_class_property_add(oc, src->name, src->type,
                                      src->get ? forward_get : NULL,
                                      forward_set, NULL, NULL);
        object_property_set_parse_kind(p, src->parse_kind);
        if (src->description) {
            object_property_set_description(p, src->description);
        }
        /* The value is the child's, so is the default it starts with. */
        if (src->defval) {
            object_property_set_default(p, json_node_copy(src->defval));
        }
    }
}

/* ---- Type --------------------------------------------------------------- */

static void virtio_mem_pci_instance_init(Object *obj)
{
    VirtIOMEMPCI *pci = VIRTIO_MEM_PCI(obj);
    Object *child = object_new(TYPE_VIRTIO_MEM);

    object_property_add_child(obj, "virtio-backend", child);
    object_unref(child);
    pci->vmem = VIRTIO_MEM(child);
    VIRTIO_PCI(obj)->vdev = VIRTIO_DEVICE(child);
    pci->md.ops = &virtio_mem_pci_md_ops;
}

static void virtio_mem_pci_instance_finalize(Object *obj)
{
    VirtIOMEMPCI *pci = VIRTIO_MEM_PCI(obj);

    size_change_flush(pci);
    g_free(pci->qom_path);
}

static void virtio_mem_pci_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pk = PCI_DEVICE_CLASS(oc);
    VirtioPCIClass *vk = VIRTIO_PCI_CLASS(oc);

    dc->desc = NULL;
    dc->user_creatable = true;
    dc->category = DEVICE_CATEGORY_MISC;
    pk->device_id = 0x1040 + VIRTIO_ID_MEM;
    pk->class_id = 0x00ff;          /* PCI_CLASS_OTHERS */
    vk->realize = virtio_mem_pci_realize;
    vk->exit = virtio_mem_pci_exit;
    add_forwarders(oc);
}

static const TypeInfo virtio_mem_pci_info = {
    .name = TYPE_VIRTIO_MEM_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIOMEMPCI),
    .instance_init = virtio_mem_pci_instance_init,
    .instance_finalize = virtio_mem_pci_instance_finalize,
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_mem_pci_class_init,
};

void virtio_mem_pci_register_types(void)
{
    virtio_pci_register_types();
    virtio_mem_register_types();
    type_register_static(&virtio_mem_pci_info);
    memory_device_register();
    qmp_event_set_rate_limit(SIZE_CHANGE_EVENT, 1000, "qom-path");
}
