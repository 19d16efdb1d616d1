/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -kernel bzImage through the x86 Linux boot protocol's 64-bit entry
 * (hw/i386/linux-boot.c), and the dispatcher that picks the loader by
 * the file's format: an ELF image goes to the PVH loader (hw/i386/pvh.c),
 * a bzImage (boot_flag 0xAA55, "HdrS") here, anything else is refused.
 *
 * Guest-physical layout (all below the EBDA, RAM on every q35 machine):
 * zero page, command line, identity page tables for the first 4 GiB
 * (2 MiB pages), a flat GDT; the protected-mode kernel at its
 * pref_address (protocol >= 2.10) or 1 MiB; the initrd at the top of RAM
 * below 4 GiB and below initrd_addr_max.
 */
#ifndef HW_I386_LINUX_BOOT_H
#define HW_I386_LINUX_BOOT_H

#include "qemu/osdep.h"
#include "hw/i386/e820.h"

struct MachineState;

#define LINUX_ZERO_PAGE     0x10000u
#define LINUX_CMDLINE_ADDR  0x20000u
#define LINUX_CMDLINE_MAX   0x10000u    /* our buffer, incl. the NUL */
#define LINUX_PAGE_TABLES   0x30000u    /* PML4, PDPT, 4 PDs */
#define LINUX_PT_SIZE       0x6000u
#define LINUX_GDT_ADDR      0x36000u
#define LINUX_BOOT_CS       0x10u
#define LINUX_BOOT_DS       0x18u

/* Setup header and zero page offsets (x86 boot protocol, zero page). */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_SETUP_SECTS       0x1f1
#define BP_VID_MODE          0x1fa
#define BP_BOOT_FLAG         0x1fe
#define BP_JUMP              0x200
#define BP_HEADER            0x202
#define BP_VERSION           0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS         0x211
#define BP_CODE32_START      0x214
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE      0x21c
#define BP_HEAP_END_PTR      0x224
#define BP_CMD_LINE_PTR      0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_XLOADFLAGS        0x236
#define BP_CMDLINE_SIZE      0x238
#define BP_PREF_ADDRESS      0x258
#define BP_INIT_SIZE         0x260
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128

#define LOADFLAGS_LOADED_HIGH   0x01
#define XLF_KERNEL_64           0x01

/* What the setup header says, checked. */
typedef struct LinuxHeader {
    uint16_t version;
    unsigned setup_size;        /* (setup_sects + 1) * 512 */
    uint64_t load_addr;         /* pref_address or 1 MiB */
    uint32_t init_size;         /* bytes the kernel needs at load_addr */
    uint32_t initrd_addr_max;
    uint32_t cmdline_size;      /* without the NUL */
    unsigned header_end;        /* 0x202 + byte at 0x201 */
} LinuxHeader;

/*
 * Check @img[@len] as a bzImage for the 64-bit entry: boot_flag 0xAA55,
 * "HdrS", protocol >= 2.12, XLF_KERNEL_64, LOADED_HIGH, a setup and a
 * payload inside the file.  Returns false with @errp saying which check
 * failed.  Pure.
 */
bool linux_parse_header(const uint8_t *img, size_t len, LinuxHeader *h,
                        GError **errp);

typedef struct LinuxBootParams {
    uint32_t cmdline_addr;      /* 0: none */
    uint64_t initrd_addr, initrd_size;
    const E820Entry *e820;
    unsigned e820_entries;      /* <= BP_E820_MAX */
} LinuxBootParams;

/*
 * Fill the 4 KiB zero page @zp: the image's setup header copied to its
 * offsets, then type_of_loader 0xff, vid_mode 0xffff, code32_start,
 * cmd_line_ptr, ramdisk_image/size (and the ext_ fields' high halves),
 * the e820 table and e820_entries.  Pure.
 */
void linux_build_zero_page(const LinuxHeader *h, const uint8_t *img,
                           const LinuxBootParams *p, uint8_t *zp);

/*
 * Identity page tables mapping [0, 4 GiB) with 2 MiB pages, to be
 * placed at @base (LINUX_PT_SIZE bytes in @buf; CR3 = @base).  Pure.
 */
void linux_build_page_tables(uint8_t *buf, uint32_t base);

/* The flat GDT (null, null, 64-bit code at 0x10, data at 0x18). */
void linux_build_gdt(uint64_t gdt[4]);

/*
 * -kernel: load @kernel as a PVH ELF (pvh_load) or a bzImage, at start
 * and at every reset, and the MP table for @ncpus CPUs (hw/i386/mptable.h)
 * in the F segment.  Refuses any other file with a clear error.
 */
bool x86_load_kernel(struct MachineState *ms, unsigned ncpus,
                     const char *kernel,
                     const char *cmdline, const char *initrd,
                     GError **errp);

#endif /* HW_I386_LINUX_BOOT_H */
