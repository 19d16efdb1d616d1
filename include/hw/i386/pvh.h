/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -kernel for x86 (hw/i386/pvh.c): an ELF image with the PVH entry note
 * (XEN_ELFNOTE_PHYS32_ENTRY, type 18, name "Xen"), the format QEMU 7.2
 * boots with -kernel, plus -append and -initrd handed over in the PVH
 * start info (struct hvm_start_info, version 1 with an e820 memory map).
 *
 * The parsing and layout helpers are pure (unit-tested); pvh_load()
 * writes the image into guest RAM at every reset and tells the
 * accelerator where the boot CPU starts (pvh_boot_get).
 */
#ifndef HW_I386_PVH_H
#define HW_I386_PVH_H

#include "qemu/osdep.h"
#include "hw/i386/e820.h"

struct MachineState;

#define XEN_ELFNOTE_PHYS32_ENTRY    18
#define HVM_START_MAGIC_VALUE       0x336ec578u

/* Guest-physical layout of what the loader writes besides the image. */
#define PVH_BOOT_PAGE       0x6000u     /* start info, modules, memory map */
#define PVH_CMDLINE_ADDR    0x7000u
#define PVH_CMDLINE_MAX     4096u       /* including the NUL */
#define PVH_BOOT_AREA_END   (PVH_CMDLINE_ADDR + PVH_CMDLINE_MAX)
#define PVH_MODLIST_OFF     0x40u
#define PVH_MEMMAP_OFF      0x80u
#define PVH_MEMMAP_MAX      ((0x1000u - PVH_MEMMAP_OFF) / 24)

/* The PVH ABI structures (little-endian, packed by construction). */
struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;              /* e820: 1 RAM, 2 reserved */
    uint32_t reserved;
};


/* A loadable segment of the image. */
typedef struct PvhSegment {
    uint64_t paddr;
    uint64_t offset;            /* in the file */
    uint64_t filesz;
    uint64_t memsz;
} PvhSegment;

typedef struct PvhImage {
    uint32_t entry;             /* from the PHYS32_ENTRY note */
    GArray *segments;           /* of PvhSegment */
} PvhImage;

/*
 * Parse the ELF32 or ELF64 image @elf[@len]: the PVH entry from a PT_NOTE
 * segment, and the PT_LOAD segments (each checked to lie in the file).
 * Returns false with @errp ("... has no PVH entry note", "truncated ...")
 * otherwise.  On success free img->segments with g_array_unref.
 */
bool pvh_elf_parse(const uint8_t *elf, size_t len, PvhImage *img,
                   GError **errp);

/* What goes into the start info. */
typedef struct PvhBootParams {
    const char *cmdline;        /* NULL: none */
    uint64_t initrd_addr, initrd_size;      /* size 0: no module */
    const struct hvm_memmap_table_entry *memmap;
    unsigned memmap_entries;    /* <= PVH_MEMMAP_MAX */
} PvhBootParams;

/*
 * Fill the boot page (0x1000 bytes, to be placed at PVH_BOOT_PAGE) with
 * the start info, the module list and the memory map; the command line
 * itself goes to PVH_CMDLINE_ADDR.  Pure.
 */
void pvh_build_boot_page(const PvhBootParams *p, uint8_t *page);

/*
 * The start info's memory map for @l: e820_build()'s entries in the PVH
 * layout.  Returns the number of entries written to @map (room for
 * E820_MAX_ENTRIES).
 */
unsigned pvh_e820_from_layout(const E820Layout *l,
                              struct hvm_memmap_table_entry *map);

/* Where the boot CPU starts, once pvh_load() succeeded. */
typedef struct PvhBoot {
    uint32_t entry;
    uint32_t start_info;
    /*
     * A bzImage's 64-bit entry (hw/i386/linux-boot.c) instead of PVH:
     * long mode with CR3 = page_tables, GDT at gdt (CS 0x10, DS 0x18),
     * RIP = entry, RSI = start_info (the zero page).
     */
    bool linux64;
    uint32_t page_tables;
    uint32_t gdt;
} PvhBoot;

/*
 * Load @kernel (with @cmdline and @initrd, either may be NULL) into
 * @ms's RAM below 4 GiB, now and at every reset.  Fails with @errp if a
 * file cannot be read, the image has no PVH note, or a piece does not
 * fit in RAM or overlaps another.
 */
bool pvh_load(struct MachineState *ms, const char *kernel,
              const char *cmdline, const char *initrd, GError **errp);

/* The boot CPU's entry, or NULL without -kernel. */
const PvhBoot *pvh_boot_get(void);

/* Make @boot what pvh_boot_get() returns (the bzImage loader). */
void pvh_boot_set(const PvhBoot *boot);

G_STATIC_ASSERT(sizeof(struct hvm_start_info) == 56);
G_STATIC_ASSERT(sizeof(struct hvm_modlist_entry) == 32);
G_STATIC_ASSERT(sizeof(struct hvm_memmap_table_entry) == 24);

#endif /* HW_I386_PVH_H */
