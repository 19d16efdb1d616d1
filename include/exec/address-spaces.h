/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's two root address spaces: guest-physical memory and x86
 * port I/O.  Both roots are containers of the full 64-bit (resp. 64 KiB)
 * range, created on first use; the machine adds RAM and devices into
 * them.  Main loop thread only.
 */
#ifndef EXEC_ADDRESS_SPACES_H
#define EXEC_ADDRESS_SPACES_H

#include "exec/memory.h"

/* The root of guest-physical memory ("system"); borrowed. */
MemoryRegion *get_system_memory(void);

/* The root of port I/O ("io", 64 KiB); borrowed. */
MemoryRegion *get_system_io(void);

/*
 * The address spaces rendering them ("memory", "I/O").  Valid after the
 * first get_system_memory() / get_system_io() (or
 * address_space_init_system()).
 */
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

/* Create both roots and address spaces; idempotent. */
void address_space_init_system(void);

#endif /* EXEC_ADDRESS_SPACES_H */
