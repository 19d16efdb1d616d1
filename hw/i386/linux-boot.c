/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bzImage loader (hw/i386/linux-boot.h): checks the setup header,
 * builds the zero page (setup header, command line pointer, initrd,
 * e820 map from hw/i386/e820.c), identity page tables and a flat GDT,
 * copies the protected-mode kernel to its load address and hands the
 * accelerator the 64-bit entry (load address + 0x200, RSI = zero page)
 * through pvh_boot_set().  Also owns x86_load_kernel(), which picks
 * this loader or the PVH one by the file's format.
 *
 * Like the PVH loader, everything is written again at every reset; the
 * image is user input, so every offset is checked against its size.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/boards.h"
#include "sysemu/reset.h"
#include "hw/i386/pvh.h"
#include "hw/i386/linux-boot.h"
#include "hw/i386/mptable.h"
#include "qemu/bswap.h"

static bool is_bzimage(const uint8_t *img, size_t len)
{
    return len >= BP_HEADER + 4 && !memcmp(img + BP_HEADER, "HdrS", 4);
}

bool linux_parse_header(const uint8_t *img, size_t len, LinuxHeader *h,
                        GError **errp)
{
    unsigned sects;

    if (len < 0x1000) {
        error_setg(errp, "too short for a bzImage (%zu bytes)", len);
        return false;
    }
    if (lduw_le_p(img + BP_BOOT_FLAG) != 0xaa55) {
        error_setg(errp, "boot_flag is 0x%04x, not 0xAA55",
                   lduw_le_p(img + BP_BOOT_FLAG));
        return false;
    }
    if (!is_bzimage(img, len)) {
        error_setg(errp, "no \"HdrS\" setup header");
        return false;
    }
    h->version = lduw_le_p(img + BP_VERSION);
    if (h->version < 0x20c) {
        error_setg(errp, "boot protocol %u.%02u is older than 2.12 (no "
                   "64-bit entry)", h->version >> 8, h->version & 0xff);
        return false;
    }
    if (!(lduw_le_p(img + BP_XLOADFLAGS) & XLF_KERNEL_64)) {
        error_setg(errp, "the kernel has no 64-bit entry (XLF_KERNEL_64)");
        return false;
    }
    if (!(img[BP_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
        error_setg(errp, "not a bzImage (loadflags without LOADED_HIGH)");
        return false;
    }
    sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
    h->setup_size = (sects + 1) * 512;
    h->header_end = BP_JUMP + 2 + img[BP_JUMP + 1];
    if (h->setup_size >= len || h->header_end > h->setup_size ||
        h->header_end > BP_E820_TABLE) {
        error_setg(errp, "setup code (%u bytes) or header lies outside "
                   "the file", h->setup_size);
        return false;
    }
    h->load_addr = ldq_le_p(img + BP_PREF_ADDRESS);
    if (h->load_addr < 0x100000 || h->load_addr > 0xc0000000) {
        h->load_addr = 0x100000;
    }
    h->init_size = ldl_le_p(img + BP_INIT_SIZE);
    h->init_size = MAX(h->init_size, len - h->setup_size);
    h->initrd_addr_max = ldl_le_p(img + BP_INITRD_ADDR_MAX);
    h->cmdline_size = ldl_le_p(img + BP_CMDLINE_SIZE);
    return true;
}

void linux_build_zero_page(const LinuxHeader *h, const uint8_t *img,
                           const LinuxBootParams *p, uint8_t *zp)
{
    unsigned n = MIN(p->e820_entries, BP_E820_MAX);

    memset(zp, 0, 0x1000);
    memcpy(zp + BP_SETUP_SECTS, img + BP_SETUP_SECTS,
           h->header_end - BP_SETUP_SECTS);
    zp[BP_TYPE_OF_LOADER] = 0xff;
    stw_le_p(zp + BP_VID_MODE, 0xffff);
    stl_le_p(zp + BP_CODE32_START, h->load_addr);
    stl_le_p(zp + BP_CMD_LINE_PTR, p->cmdline_addr);
    stl_le_p(zp + BP_EXT_CMD_LINE_PTR, 0);
    stl_le_p(zp + BP_RAMDISK_IMAGE, p->initrd_addr);
    stl_le_p(zp + BP_RAMDISK_SIZE, p->initrd_size);
    stl_le_p(zp + BP_EXT_RAMDISK_IMAGE, p->initrd_addr >> 32);
    stl_le_p(zp + BP_EXT_RAMDISK_SIZE, p->initrd_size >> 32);
    zp[BP_E820_ENTRIES] = n;
    for (unsigned i = 0; i < n; i++) {
        unsigned off = BP_E820_TABLE + i * sizeof(E820Entry);

        stq_le_p(zp + off, p->e820[i].addr);
        stq_le_p(zp + off + 8, p->e820[i].size);
        stl_le_p(zp + off + 16, p->e820[i].type);
    }
}

void linux_build_page_tables(uint8_t *buf, uint32_t base)
{
    const uint64_t present_rw = 0x3, large = 0x80;

    memset(buf, 0, LINUX_PT_SIZE);
    stq_le_p(buf + 0, (base + 0x1000) | present_rw);             /* PML4[0] */
    for (unsigned i = 0; i < 4; i++) {                      /* PDPT[i] */
        stq_le_p(buf + 0x1000 + i * 8, (base + 0x2000 + i * 0x1000) | present_rw);
    }
    for (unsigned i = 0; i < 4 * 512; i++) {                /* PD entries */
        stq_le_p(buf + 0x2000 + i * 8, ((uint64_t)i << 21) | present_rw | large);
    }
}

void linux_build_gdt(uint64_t gdt[4])
{
    gdt[0] = 0;
    gdt[1] = 0;
    gdt[2] = 0x00af9b000000ffffull;     /* 0x10: code, L=1, present */
    gdt[3] = 0x00cf93000000ffffull;     /* 0x18: data, 4 GiB, present */
}

/* --- Loading --- */

typedef struct LinuxLoader {
    PvhBoot boot;
    uint8_t *kernel;
    size_t kernel_len;
    LinuxHeader hdr;
    uint8_t *initrd;
    size_t initrd_len;
    uint64_t initrd_addr;
    char *cmdline;
    uint8_t zero_page[0x1000];
    uint8_t page_tables[LINUX_PT_SIZE];
    uint64_t gdt[4];
} LinuxLoader;

static void write_ram(uint64_t addr, const void *buf, uint64_t len)
{
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, len);
}

static void linux_write_all(void *opaque)
{
    LinuxLoader *l = opaque;

    write_ram(l->hdr.load_addr, l->kernel + l->hdr.setup_size,
              l->kernel_len - l->hdr.setup_size);
    if (l->initrd_len) {
        write_ram(l->initrd_addr, l->initrd, l->initrd_len);
    }
    write_ram(LINUX_ZERO_PAGE, l->zero_page, sizeof(l->zero_page));
    write_ram(LINUX_PAGE_TABLES, l->page_tables, sizeof(l->page_tables));
    write_ram(LINUX_GDT_ADDR, l->gdt, sizeof(l->gdt));
    if (l->cmdline) {
        write_ram(LINUX_CMDLINE_ADDR, l->cmdline, strlen(l->cmdline) + 1);
    }
}

static void linux_loader_free(LinuxLoader *l)
{
    g_free(l->kernel);
    g_free(l->initrd);
    g_free(l->cmdline);
    g_free(l);
}

/*
 * Read @initrd and place it at the top of RAM below 4 GiB and below the
 * kernel's initrd_addr_max, page-aligned, above @kernel_end.
 */
static bool linux_place_initrd(LinuxLoader *l, const char *initrd,
                               uint64_t ram_top, uint64_t kernel_end,
                               GError **errp)
{
    uint64_t top = MIN(ram_top, (uint64_t)l->hdr.initrd_addr_max + 1);
    GError *err = NULL;

    if (!g_file_get_contents(initrd, (char **)&l->initrd, &l->initrd_len,
                             &err)) {
        error_setg(errp, "could not load initrd '%s': %s", initrd,
                   err->message);
        g_error_free(err);
        return false;
    }
    if (l->initrd_len > top ||
        QEMU_ALIGN_DOWN(top - l->initrd_len, 4096) < kernel_end) {
        error_setg(errp, "initrd (0x%zx bytes) does not fit below 0x%"
                   PRIx64 " beside the kernel", l->initrd_len, top);
        return false;
    }
    l->initrd_addr = QEMU_ALIGN_DOWN(top - l->initrd_len, 4096);
    return true;
}

static bool linux_load(MachineState *ms, const char *kernel,
                       uint8_t *data, size_t len, const char *cmdline,
                       const char *initrd, GError **errp)
{
    LinuxLoader *l = g_new0(LinuxLoader, 1);
    uint64_t ram_top = MIN(ms->below_4g_mem_size, UINT64_C(0xffffffff));
    E820Entry e820[E820_MAX_ENTRIES];
    E820Layout layout = {
        .below_4g = ms->below_4g_mem_size,
        .above_4g_start = ms->above_4g_mem_start,
        .above_4g = ms->above_4g_mem_size,
    };
    LinuxBootParams p = { .e820 = e820 };
    GError *err = NULL;
    uint64_t kernel_end;

    l->kernel = data;
    l->kernel_len = len;
    if (!linux_parse_header(data, len, &l->hdr, &err)) {
        error_setg(errp, "kernel '%s': %s", kernel, err->message);
        g_error_free(err);
        goto fail;
    }
    if (cmdline && (strlen(cmdline) >= LINUX_CMDLINE_MAX ||
                    strlen(cmdline) > l->hdr.cmdline_size)) {
        error_setg(errp, "-append: the command line is longer than the "
                   "kernel accepts (%u bytes)",
                   MIN(l->hdr.cmdline_size, LINUX_CMDLINE_MAX - 1));
        goto fail;
    }
    kernel_end = l->hdr.load_addr + l->hdr.init_size;
    if (kernel_end > ram_top) {
        error_setg(errp, "kernel '%s' needs RAM up to 0x%" PRIx64 " but RAM "
                   "below 4 GiB ends at 0x%" PRIx64, kernel, kernel_end,
                   ram_top);
        goto fail;
    }
    if (initrd && !linux_place_initrd(l, initrd, ram_top, kernel_end,
                                      errp)) {
        goto fail;
    }
    p.initrd_addr = l->initrd_addr;
    p.initrd_size = l->initrd_len;
    l->cmdline = g_strdup(cmdline ? cmdline : "");
    p.cmdline_addr = LINUX_CMDLINE_ADDR;
    p.e820_entries = e820_build(&layout, e820);
    linux_build_zero_page(&l->hdr, data, &p, l->zero_page);
    linux_build_page_tables(l->page_tables, LINUX_PAGE_TABLES);
    linux_build_gdt(l->gdt);
    l->boot = (PvhBoot) {
        .entry = l->hdr.load_addr + 0x200,
        .start_info = LINUX_ZERO_PAGE,
        .linux64 = true,
        .page_tables = LINUX_PAGE_TABLES,
        .gdt = LINUX_GDT_ADDR,
    };
    linux_write_all(l);
    qemu_register_reset(linux_write_all, l);
    pvh_boot_set(&l->boot);
    return true;
fail:
    linux_loader_free(l);
    return false;
}

typedef struct MpTableBlob {
    uint8_t *data;
    size_t len;
} MpTableBlob;

static void mptable_write(void *opaque)
{
    MpTableBlob *t = opaque;

    write_ram(MPTABLE_ADDR, t->data, t->len);
}

/* The MP table in the F segment, now and at every reset. */
static void mptable_install(unsigned ncpus)
{
    MpTableBlob *t = g_new0(MpTableBlob, 1);
    g_autofree uint8_t *buf = g_malloc(MPTABLE_MAX_SIZE);

    t->len = mptable_build(buf, ncpus);
    t->data = g_memdup2(buf, t->len);
    mptable_write(t);
    qemu_register_reset(mptable_write, t);
}

bool x86_load_kernel(MachineState *ms, unsigned ncpus, const char *kernel,
                     const char *cmdline, const char *initrd, GError **errp)
{
    uint8_t *data = NULL;
    size_t len = 0;
    GError *err = NULL;
    bool ok;

    if (!g_file_get_contents(kernel, (char **)&data, &len, &err)) {
        error_setg(errp, "could not load kernel '%s': %s", kernel,
                   err->message);
        g_error_free(err);
        return false;
    }
    if (len >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
        g_free(data);
        ok = pvh_load(ms, kernel, cmdline, initrd, errp);
    } else if (is_bzimage(data, len)) {
        ok = linux_load(ms, kernel, data, len, cmdline, initrd, errp);
    } else {
        g_free(data);
        error_setg(errp, "kernel '%s' is neither an ELF image with a PVH "
                   "entry note nor a bzImage (no \"HdrS\" setup header)",
                   kernel);
        return false;
    }
    if (ok && ms->below_4g_mem_size >= E820_FSEG_END) {
        mptable_install(ncpus);
    }
    return ok;
}
