/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two root address spaces a PC has: guest-physical memory and port
 * I/O (exec/address-spaces.h).  One instance per process, created
 * lazily.  As on a PC, unassigned ports read as all ones and ignore
 * writes (a background I/O region under everything); unassigned memory
 * reads as 0 (the memory API's gap rule).
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"

AddressSpace address_space_memory;
AddressSpace address_space_io;

static MemoryRegion system_memory;
static MemoryRegion system_io;
static MemoryRegion io_unassigned;
static bool system_inited;

static uint64_t io_unassigned_read(void *opaque, hwaddr addr, unsigned size)
{
    return size == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

static void io_unassigned_write(void *opaque, hwaddr addr, uint64_t data,
                                unsigned size)
{
}

static const MemoryRegionOps io_unassigned_ops = {
    .read = io_unassigned_read,
    .write = io_unassigned_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

void address_space_init_system(void)
{
    if (system_inited) {
        return;
    }
    system_inited = true;
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    address_space_init(&address_space_memory, &system_memory, "memory");
    memory_region_init(&system_io, NULL, "io", 65536);
    memory_region_init_io(&io_unassigned, NULL, &io_unassigned_ops, NULL,
                          "io-unassigned", 65536);
    memory_region_add_subregion_overlap(&system_io, 0, &io_unassigned,
                                        INT_MIN);
    address_space_init(&address_space_io, &system_io, "I/O");
}

MemoryRegion *get_system_memory(void)
{
    address_space_init_system();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    address_space_init_system();
    return &system_io;
}
