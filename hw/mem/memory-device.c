/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Placement and accounting of memory devices in the machine's
 * device-memory area; the device list behind query-memory-devices and the
 * plugged total of query-memory-size-summary.
 *
 * A machine has a handful of memory devices at most, so the devices are
 * kept in a list sorted by address and placement is a linear first-fit
 * walk over it; nothing here depends on the devices' sizes.
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/mem/memory-device.h"
#include "hw/mem/memory-device-qmp.h"

/* Main thread only.  Devices of current_machine, sorted by address. */
static GList *devices;

static DeviceMemoryState *device_memory(void)
{
    return current_machine ? current_machine->device_memory : NULL;
}

uint64_t memory_device_get_used_region_size(void)
{
    uint64_t used = 0;

    for (GList *l = devices; l; l = l->next) {
        used += ((MemoryDeviceState *)l->data)->size;
    }
    return used;
}

uint64_t memory_device_get_plugged_size(void)
{
    uint64_t plugged = 0;

    for (GList *l = devices; l; l = l->next) {
        MemoryDeviceState *md = l->data;

        plugged += md->ops->get_plugged_size(md);
    }
    return plugged;
}

static bool check_addable(uint64_t size, GError **errp)
{
    uint64_t used = memory_device_get_used_region_size();
    uint64_t total = current_machine->maxram_size -
                     current_machine->ram_size;

    if (used + size < used || used + size > total) {
        error_setg(errp, "not enough space, currently 0x%" PRIx64
                   " in use of total space for memory devices 0x%" PRIx64,
                   used, total);
        return false;
    }
    return true;
}

static bool ranges_overlap(uint64_t a, uint64_t asize, uint64_t b,
                           uint64_t bsize)
{
    return a < b + bsize && b < a + asize;
}

/* Lowest aligned free address for @size, or validate @hint. */
static bool find_addr(const MemoryDeviceState *md, const uint64_t *hint,
                      uint64_t size, uint64_t align, hwaddr *out,
                      GError **errp)
{
    DeviceMemoryState *dms = device_memory();
    uint64_t area_size = memory_region_size(&dms->mr);
    hwaddr start = dms->base, end = dms->base + area_size;
    hwaddr addr;

    if (hint && *hint % align) {
        error_setg(errp, "address must be aligned to 0x%" PRIx64 " bytes",
                   align);
        return false;
    }
    if (size % align) {
        error_setg(errp, "backend memory size must be multiple of 0x%"
                   PRIx64, align);
        return false;
    }
    if (hint) {
        if (*hint < start || size > area_size || *hint > end - size) {
            /* QEMU prints [start:size] pairs. */
            error_setg(errp, "can't add memory device [0x%" PRIx64 ":0x%"
                       PRIx64 "], usable range for memory devices [0x%"
                       PRIx64 ":0x%" PRIx64 "]", *hint, size, start,
                       area_size);
            return false;
        }
        addr = *hint;
    } else {
        addr = ROUND_UP(start, align);
    }
    for (GList *l = devices; l; l = l->next) {
        const MemoryDeviceState *other = l->data;

        if (!ranges_overlap(addr, size, other->addr, other->size)) {
            continue;
        }
        if (hint) {
            error_setg(errp, "address range conflicts with memory device "
                       "id='%s'", other->id ? other->id : "");
            return false;
        }
        addr = ROUND_UP(other->addr + other->size, align);
    }
    if (addr < start || addr + size < addr || addr + size > end) {
        error_setg(errp, "could not find position in guest address space "
                   "for memory device - memory fragmented due to "
                   "alignments");
        return false;
    }
    *out = addr;
    return true;
}

bool memory_device_pre_plug(MemoryDeviceState *md, const uint64_t *hint,
                            GError **errp)
{
    GError *err = NULL;
    uint64_t align, size;

    if (!device_memory()) {
        error_setg(errp, "memory devices (e.g. for memory hotplug) are not "
                   "enabled, please specify the maxmem option");
        return false;
    }
    size = md->ops->get_region_size(md, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    if (!check_addable(size, errp)) {
        return false;
    }
    align = md->ops->get_min_alignment ? md->ops->get_min_alignment(md) : 1;
    if (!find_addr(md, hint, size, MAX(align, 1), &md->addr, errp)) {
        return false;
    }
    md->size = size;
    return true;
}


static gint by_addr(gconstpointer a, gconstpointer b)
{
    const MemoryDeviceState *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void memory_device_plug(MemoryDeviceState *md)
{
    MemoryRegion *mr = md->ops->get_memory_region(md);

    DeviceMemoryState *dms = device_memory();

    g_assert(dms && mr && !md->plugged);
    memory_region_add_subregion(&dms->mr, md->addr - dms->base, mr);
    devices = g_list_insert_sorted(devices, md, by_addr);
    md->plugged = true;
}

void memory_device_unplug(MemoryDeviceState *md)
{
    MemoryRegion *mr;

    if (!md->plugged) {
        return;
    }
    mr = md->ops->get_memory_region(md);
    memory_region_del_subregion(&device_memory()->mr, mr);
    devices = g_list_remove(devices, md);
    md->plugged = false;
}

static void fill_info(JsonArray *list, void *opaque)
{
    for (GList *l = devices; l; l = l->next) {
        MemoryDeviceState *md = l->data;

        md->ops->fill_device_info(md, list);
    }
}

static uint64_t plugged_for_machine(MachineState *ms)
{
    return memory_device_get_plugged_size();
}

void memory_device_register(void)
{
    memory_device_register_info_source(fill_info, NULL);
    machine_set_plugged_memory_fn(plugged_for_machine);
}
