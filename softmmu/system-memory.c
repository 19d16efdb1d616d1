/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two root address spaces a PC has: guest-physical memory and port
 * I/O (exec/address-spaces.h).  One instance per process, created
 * lazily; gaps in I/O read as all ones through the unassigned path of
 * the memory API's callers (the qtest server and the port-I/O users),
 * gaps in memory read as 0.
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"

AddressSpace address_space_memory;
AddressSpace address_space_io;

static MemoryRegion system_memory;
static MemoryRegion system_io;
static bool system_inited;

void address_space_init_system(void)
{
    if (system_inited) {
        return;
    }
    system_inited = true;
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    address_space_init(&address_space_memory, &system_memory, "memory");
    memory_region_init(&system_io, NULL, "io", 65536);
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
