/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PC e820 map builder (hw/i386/e820.h).  Owns the policy of what a
 * firmware-less boot tells the guest about memory: RAM from the
 * machine's layout, the low areas the loaders use reserved, nothing
 * about device memory.
 */
#include "qemu/osdep.h"
#include "hw/i386/e820.h"

static void add(E820Entry *map, unsigned *n, uint64_t start, uint64_t end,
                uint32_t type)
{
    if (end > start) {
        map[(*n)++] = (E820Entry) { start, end - start, type };
    }
}

unsigned e820_build(const E820Layout *l, E820Entry *map)
{
    unsigned n = 0;

    add(map, &n, 0, MIN(l->below_4g, E820_EBDA_START), E820_RAM);
    add(map, &n, E820_EBDA_START, E820_LOWMEM_END, E820_RESERVED);
    add(map, &n, E820_FSEG_START, E820_FSEG_END, E820_RESERVED);
    add(map, &n, E820_FSEG_END, MIN(l->below_4g, E820_KVM_AREA_START),
        E820_RAM);
    add(map, &n, E820_KVM_AREA_START, E820_KVM_AREA_END, E820_RESERVED);
    if (l->above_4g) {
        add(map, &n, l->above_4g_start, l->above_4g_start + l->above_4g,
            E820_RAM);
    }
    return n;
}
