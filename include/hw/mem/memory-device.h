/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory devices: devices whose memory appears in the machine's
 * device-memory area (virtio-mem; later DIMMs).
 *
 * The machine creates the area (current_machine->device_memory, see
 * hw/boards.h) above its RAM when maxmem > ram: on x86 at the first 1 GiB
 * boundary after RAM above 4 GiB, sized maxmem - ram + 1 GiB per slot.
 * A device embeds a MemoryDeviceState, fills in its ops and calls, from
 * its realize:
 *
 *   memory_device_pre_plug()   check space, choose/validate the address
 *   memory_device_plug()       map the device's region there
 *   memory_device_unplug()     unmap (unrealize)
 *
 * Accounting follows QEMU 7.2: the sum of the devices' region sizes may
 * not exceed maxmem - ram; slots are not consumed by virtio-mem.
 *
 * Threading: main thread only.
 */
#ifndef HW_MEM_MEMORY_DEVICE_H
#define HW_MEM_MEMORY_DEVICE_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/memory.h"
#include <json-glib/json-glib.h>

typedef struct MemoryDeviceState MemoryDeviceState;

typedef struct MemoryDeviceOps {
    /*
     * Bytes the device occupies; may be asked before the device's own
     * realize (0 with @errp set if it cannot tell yet).
     */
    uint64_t (*get_region_size)(MemoryDeviceState *md, GError **errp);
    /* The region to map, of that size (valid once pre_plug succeeded). */
    MemoryRegion *(*get_memory_region)(MemoryDeviceState *md);
    /* Alignment the address needs (e.g. virtio-mem's block size). */
    uint64_t (*get_min_alignment)(MemoryDeviceState *md);
    /* Memory the guest can use now (plugged size). */
    uint64_t (*get_plugged_size)(MemoryDeviceState *md);
    /* Append the device's query-memory-devices entry to @list. */
    void (*fill_device_info)(MemoryDeviceState *md, JsonArray *list);
} MemoryDeviceOps;

struct MemoryDeviceState {
    const MemoryDeviceOps *ops;
    const char *id;             /* for messages; may be NULL */
    hwaddr addr;                /* chosen by pre_plug */
    uint64_t size;              /* of the region, set by pre_plug */
    bool plugged;
};

/*
 * Reserve a place for @md: checks that memory devices are enabled (else
 * "memory devices (e.g. for memory hotplug) are not enabled, please
 * specify the maxmem option"), that maxmem - ram leaves room ("not
 * enough space, currently 0x... in use of total space for memory devices
 * 0x..."), then either validates @hint (alignment, range, conflicts) or
 * finds the lowest free aligned address.  Sets md->addr and md->size.
 * Nothing is reserved until memory_device_plug().
 */
bool memory_device_pre_plug(MemoryDeviceState *md, const uint64_t *hint,
                            GError **errp);
/* Map the region at md->addr and account for it.  Cannot fail. */
void memory_device_plug(MemoryDeviceState *md);
/* Unmap and forget @md (no-op if not plugged). */
void memory_device_unplug(MemoryDeviceState *md);

/* Sum of the plugged sizes (query-memory-size-summary's plugged-memory). */
uint64_t memory_device_get_plugged_size(void);
/* Sum of the regions in use. */
uint64_t memory_device_get_used_region_size(void);

/*
 * Register the query-memory-devices source and the machine's plugged-memory
 * hook (query-memory-size-summary); idempotent.
 */
void memory_device_register(void);

#endif /* HW_MEM_MEMORY_DEVICE_H */
