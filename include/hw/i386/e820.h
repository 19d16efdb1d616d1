/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The e820 memory map of the PC machine (hw/i386/e820.c), one builder
 * for every boot path: the PVH start info (hw/i386/pvh.c) and the Linux
 * zero page (hw/i386/linux-boot.c).  It lists RAM below and above
 * 4 GiB and the low areas the loaders reserve (the last KiB below
 * 640 KiB, the F segment holding the MP table) and the KVM TSS and
 * identity-map pages below the BIOS.  Device memory (memory devices,
 * virtio-mem) is never listed: a guest driver adds it, as on QEMU.
 */
#ifndef HW_I386_E820_H
#define HW_I386_E820_H

#include "qemu/osdep.h"

#define E820_RAM        1
#define E820_RESERVED   2

/* An entry as the Linux boot protocol stores it (20 bytes, packed). */
typedef struct __attribute__((packed)) E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

G_STATIC_ASSERT(sizeof(E820Entry) == 20);

/* Fixed low-memory areas (guest-physical). */
#define E820_EBDA_START     0x9fc00u    /* reserved up to 640 KiB */
#define E820_LOWMEM_END     0xa0000u
#define E820_FSEG_START     0xf0000u    /* MP table (hw/i386/mptable.c) */
#define E820_FSEG_END       0x100000u
#define E820_KVM_AREA_START 0xfeffc000u /* KVM identity map + TSS */
#define E820_KVM_AREA_END   0xff000000u

/* The RAM layout of a PC machine (MachineState's fields). */
typedef struct E820Layout {
    uint64_t below_4g;          /* RAM [0, below_4g) */
    uint64_t above_4g_start;
    uint64_t above_4g;          /* RAM [above_4g_start, +above_4g) */
} E820Layout;

#define E820_MAX_ENTRIES 8

/*
 * Write the map of @l to @map (room for E820_MAX_ENTRIES), sorted by
 * address, without overlaps: RAM [0, min(below_4g, 0x9fc00)), reserved
 * [0x9fc00, 0xa0000) and [0xf0000, 0x100000) (whether or not RAM is
 * there: the loaders put the MP table in the F segment), RAM
 * [1 MiB, below_4g), reserved [0xfeffc000, 0xff000000), then RAM above
 * 4 GiB.  Empty ranges are left out.  Returns the number of entries.
 * Pure.
 */
unsigned e820_build(const E820Layout *l, E820Entry *map);

#endif /* HW_I386_E820_H */
