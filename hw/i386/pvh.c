/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PVH boot loader behind -kernel (hw/i386/pvh.h): finds the
 * PHYS32_ENTRY note of an ELF image, copies its PT_LOAD segments to
 * their physical addresses, places the initrd at the top of RAM below
 * 4 GiB and builds the hvm_start_info with the command line and an e820
 * map of the machine's RAM.  The image is written again at every reset,
 * so a reset guest starts from the file's contents.
 *
 * Parsing is bounds-checked against the file size (an image is user
 * input); loading costs one copy of the files, at start and per reset.
 */
#include "qemu/osdep.h"
#include <elf.h>
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/boards.h"
#include "sysemu/reset.h"
#include "hw/i386/pvh.h"

/* --- ELF --- */

typedef struct ElfView {
    const uint8_t *data;
    size_t len;
    bool is64;
} ElfView;

static bool in_file(const ElfView *v, uint64_t off, uint64_t size)
{
    return off <= v->len && size <= v->len - off;
}

/* Program header @i as 64-bit fields. */
static bool elf_phdr(const ElfView *v, uint64_t phoff, unsigned phentsize,
                     unsigned i, Elf64_Phdr *ph)
{
    uint64_t off = phoff + (uint64_t)i * phentsize;

    if (v->is64) {
        if (phentsize < sizeof(Elf64_Phdr) || !in_file(v, off, sizeof(*ph))) {
            return false;
        }
        memcpy(ph, v->data + off, sizeof(*ph));
    } else {
        Elf32_Phdr p;

        if (phentsize < sizeof(p) || !in_file(v, off, sizeof(p))) {
            return false;
        }
        memcpy(&p, v->data + off, sizeof(p));
        *ph = (Elf64_Phdr) {
            .p_type = p.p_type, .p_offset = p.p_offset,
            .p_paddr = p.p_paddr, .p_vaddr = p.p_vaddr,
            .p_filesz = p.p_filesz, .p_memsz = p.p_memsz,
        };
    }
    return true;
}

/* Look for the Xen PHYS32_ENTRY note in [off, off + size). */
static bool find_pvh_note(const ElfView *v, uint64_t off, uint64_t size,
                          uint32_t *entry)
{
    uint64_t end = off + size;

    while (off + 12 <= end) {
        uint32_t hdr[3];
        uint64_t name_off = off + 12, desc_off;

        memcpy(hdr, v->data + off, sizeof(hdr));
        desc_off = name_off + QEMU_ALIGN_UP((uint64_t)hdr[0], 4);
        off = desc_off + QEMU_ALIGN_UP((uint64_t)hdr[1], 4);
        if (off > end) {
            return false;
        }
        if (hdr[2] == XEN_ELFNOTE_PHYS32_ENTRY && hdr[0] == 4 &&
            !memcmp(v->data + name_off, "Xen", 4) && hdr[1] >= 4) {
            memcpy(entry, v->data + desc_off, 4);
            return true;
        }
    }
    return false;
}

static bool elf_header(ElfView *v, uint64_t *phoff, unsigned *phentsize,
                       unsigned *phnum, GError **errp)
{
    if (v->len < EI_NIDENT || memcmp(v->data, ELFMAG, SELFMAG)) {
        error_setg(errp, "not an ELF image");
        return false;
    }
    v->is64 = v->data[EI_CLASS] == ELFCLASS64;
    if ((!v->is64 && v->data[EI_CLASS] != ELFCLASS32) ||
        v->data[EI_DATA] != ELFDATA2LSB) {
        error_setg(errp, "not a little-endian ELF32 or ELF64 image");
        return false;
    }
    if (v->is64) {
        Elf64_Ehdr eh;

        if (!in_file(v, 0, sizeof(eh))) {
            goto truncated;
        }
        memcpy(&eh, v->data, sizeof(eh));
        *phoff = eh.e_phoff;
        *phentsize = eh.e_phentsize;
        *phnum = eh.e_phnum;
    } else {
        Elf32_Ehdr eh;

        if (!in_file(v, 0, sizeof(eh))) {
            goto truncated;
        }
        memcpy(&eh, v->data, sizeof(eh));
        *phoff = eh.e_phoff;
        *phentsize = eh.e_phentsize;
        *phnum = eh.e_phnum;
    }
    return true;
truncated:
    error_setg(errp, "truncated ELF header");
    return false;
}

bool pvh_elf_parse(const uint8_t *elf, size_t len, PvhImage *img,
                   GError **errp)
{
    ElfView v = { elf, len, false };
    uint64_t phoff;
    unsigned phentsize, phnum;
    bool have_entry = false;

    if (!elf_header(&v, &phoff, &phentsize, &phnum, errp)) {
        return false;
    }
    img->segments = g_array_new(false, false, sizeof(PvhSegment));
    for (unsigned i = 0; i < phnum; i++) {
        Elf64_Phdr ph;

        if (!elf_phdr(&v, phoff, phentsize, i, &ph)) {
            error_setg(errp, "truncated ELF program header %u", i);
            goto fail;
        }
        if (ph.p_type == PT_NOTE && in_file(&v, ph.p_offset, ph.p_filesz) &&
            !have_entry) {
            have_entry = find_pvh_note(&v, ph.p_offset, ph.p_filesz,
                                       &img->entry);
        }
        if (ph.p_type == PT_LOAD && ph.p_memsz) {
            PvhSegment seg = { ph.p_paddr, ph.p_offset, ph.p_filesz,
                               ph.p_memsz };

            if (!in_file(&v, ph.p_offset, ph.p_filesz) ||
                ph.p_filesz > ph.p_memsz) {
                error_setg(errp, "ELF segment %u lies outside the file", i);
                goto fail;
            }
            g_array_append_val(img->segments, seg);
        }
    }
    if (!have_entry) {
        error_setg(errp, "the ELF image has no PVH entry note (Xen note "
                   "type %d, XEN_ELFNOTE_PHYS32_ENTRY)",
                   XEN_ELFNOTE_PHYS32_ENTRY);
        goto fail;
    }
    return true;
fail:
    g_clear_pointer(&img->segments, g_array_unref);
    return false;
}

/* --- Start info --- */

void pvh_build_boot_page(const PvhBootParams *p, uint8_t *page)
{
    struct hvm_start_info si = {
        .magic = HVM_START_MAGIC_VALUE,
        .version = 1,
        .memmap_paddr = PVH_BOOT_PAGE + PVH_MEMMAP_OFF,
        .memmap_entries = MIN(p->memmap_entries, PVH_MEMMAP_MAX),
    };

    memset(page, 0, 0x1000);
    if (p->cmdline) {
        si.cmdline_paddr = PVH_CMDLINE_ADDR;
    }
    if (p->initrd_size) {
        struct hvm_modlist_entry mod = {
            .paddr = p->initrd_addr, .size = p->initrd_size,
        };

        si.nr_modules = 1;
        si.modlist_paddr = PVH_BOOT_PAGE + PVH_MODLIST_OFF;
        memcpy(page + PVH_MODLIST_OFF, &mod, sizeof(mod));
    }
    memcpy(page, &si, sizeof(si));
    memcpy(page + PVH_MEMMAP_OFF, p->memmap,
           si.memmap_entries * sizeof(p->memmap[0]));
}

unsigned pvh_e820_from_layout(const E820Layout *l,
                              struct hvm_memmap_table_entry *map)
{
    E820Entry e820[E820_MAX_ENTRIES];
    unsigned n = e820_build(l, e820);

    for (unsigned i = 0; i < n; i++) {
        map[i] = (struct hvm_memmap_table_entry) {
            .addr = e820[i].addr, .size = e820[i].size, .type = e820[i].type,
        };
    }
    return n;
}

/* --- Loading --- */

typedef struct PvhLoader {
    PvhBoot boot;
    uint8_t *kernel;
    size_t kernel_len;
    PvhImage img;
    uint8_t *initrd;
    size_t initrd_len;
    uint64_t initrd_addr;
    char *cmdline;
    uint8_t page[0x1000];
} PvhLoader;

static PvhLoader *loader;
static const PvhBoot *other_boot;   /* set by the bzImage loader */

const PvhBoot *pvh_boot_get(void)
{
    return loader ? &loader->boot : other_boot;
}

void pvh_boot_set(const PvhBoot *boot)
{
    other_boot = boot;
}

static void write_ram(uint64_t addr, const void *buf, uint64_t len)
{
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, len);
}

static void zero_ram(uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[65536];

    while (len) {
        uint64_t n = MIN(len, sizeof(zeros));

        write_ram(addr, zeros, n);
        addr += n;
        len -= n;
    }
}

/* Reset handler: the image, the module, the boot page, the cmdline. */
static void pvh_write_all(void *opaque)
{
    PvhLoader *l = opaque;

    for (guint i = 0; i < l->img.segments->len; i++) {
        PvhSegment *s = &g_array_index(l->img.segments, PvhSegment, i);

        write_ram(s->paddr, l->kernel + s->offset, s->filesz);
        zero_ram(s->paddr + s->filesz, s->memsz - s->filesz);
    }
    if (l->initrd_len) {
        write_ram(l->initrd_addr, l->initrd, l->initrd_len);
    }
    write_ram(PVH_BOOT_PAGE, l->page, sizeof(l->page));
    if (l->cmdline) {
        write_ram(PVH_CMDLINE_ADDR, l->cmdline, strlen(l->cmdline) + 1);
    }
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Every segment inside low RAM and clear of the boot area and initrd. */
static bool pvh_check_layout(PvhLoader *l, uint64_t ram_top, GError **errp)
{
    if (ram_top < PVH_BOOT_AREA_END) {
        error_setg(errp, "RAM below 4 GiB (0x%" PRIx64 ") cannot hold the "
                   "PVH start info at 0x%x-0x%x", ram_top, PVH_BOOT_PAGE,
                   PVH_BOOT_AREA_END);
        return false;
    }
    for (guint i = 0; i < l->img.segments->len; i++) {
        PvhSegment *s = &g_array_index(l->img.segments, PvhSegment, i);

        if (s->paddr + s->memsz < s->paddr || s->paddr + s->memsz > ram_top) {
            error_setg(errp, "kernel segment 0x%" PRIx64 "+0x%" PRIx64
                       " lies outside RAM below 4 GiB (0x%" PRIx64 ")",
                       s->paddr, s->memsz, ram_top);
            return false;
        }
        if (overlaps(s->paddr, s->memsz, PVH_BOOT_PAGE,
                     PVH_BOOT_AREA_END - PVH_BOOT_PAGE)) {
            error_setg(errp, "kernel segment 0x%" PRIx64 "+0x%" PRIx64
                       " overlaps the PVH start info at 0x%x-0x%x",
                       s->paddr, s->memsz, PVH_BOOT_PAGE, PVH_BOOT_AREA_END);
            return false;
        }
        if (l->initrd_len && overlaps(s->paddr, s->memsz, l->initrd_addr,
                                      l->initrd_len)) {
            error_setg(errp, "initrd (0x%zx bytes) does not fit below "
                       "0x%" PRIx64 " beside the kernel", l->initrd_len,
                       ram_top);
            return false;
        }
    }
    return true;
}

static void pvh_loader_free(PvhLoader *l)
{
    g_free(l->kernel);
    g_free(l->initrd);
    g_free(l->cmdline);
    if (l->img.segments) {
        g_array_unref(l->img.segments);
    }
    g_free(l);
}

static bool pvh_read_files(PvhLoader *l, const char *kernel,
                           const char *initrd, GError **errp)
{
    GError *err = NULL;

    if (!g_file_get_contents(kernel, (char **)&l->kernel, &l->kernel_len,
                             &err)) {
        error_setg(errp, "could not load kernel '%s': %s", kernel,
                   err->message);
        g_error_free(err);
        return false;
    }
    if (!pvh_elf_parse(l->kernel, l->kernel_len, &l->img, &err)) {
        error_setg(errp, "kernel '%s': %s", kernel, err->message);
        g_error_free(err);
        return false;
    }
    if (initrd && !g_file_get_contents(initrd, (char **)&l->initrd,
                                       &l->initrd_len, &err)) {
        error_setg(errp, "could not load initrd '%s': %s", initrd,
                   err->message);
        g_error_free(err);
        return false;
    }
    return true;
}

bool pvh_load(struct MachineState *ms, const char *kernel,
              const char *cmdline, const char *initrd, GError **errp)
{
    PvhLoader *l = g_new0(PvhLoader, 1);
    uint64_t ram_top = MIN(ms->below_4g_mem_size, UINT64_C(0xffffffff));
    struct hvm_memmap_table_entry map[E820_MAX_ENTRIES];
    E820Layout layout = {
        .below_4g = ms->below_4g_mem_size,
        .above_4g_start = ms->above_4g_mem_start,
        .above_4g = ms->above_4g_mem_size,
    };
    PvhBootParams p = { .cmdline = cmdline, .memmap = map };

    g_assert(!loader);
    if (cmdline && strlen(cmdline) >= PVH_CMDLINE_MAX) {
        error_setg(errp, "-append: the command line is longer than %u bytes",
                   PVH_CMDLINE_MAX - 1);
        goto fail;
    }
    if (!pvh_read_files(l, kernel, initrd, errp)) {
        goto fail;
    }
    if (l->initrd_len) {
        if (l->initrd_len > ram_top) {
            error_setg(errp, "initrd (0x%zx bytes) is larger than RAM below "
                       "4 GiB", l->initrd_len);
            goto fail;
        }
        l->initrd_addr = QEMU_ALIGN_DOWN(ram_top - l->initrd_len, 4096);
        p.initrd_addr = l->initrd_addr;
        p.initrd_size = l->initrd_len;
    }
    if (!pvh_check_layout(l, ram_top, errp)) {
        goto fail;
    }
    l->cmdline = g_strdup(cmdline);
    p.memmap_entries = pvh_e820_from_layout(&layout, map);
    pvh_build_boot_page(&p, l->page);
    l->boot.entry = l->img.entry;
    l->boot.start_info = PVH_BOOT_PAGE;
    loader = l;
    pvh_write_all(l);
    qemu_register_reset(pvh_write_all, l);
    return true;
fail:
    pvh_loader_free(l);
    return false;
}
