/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PVH loader (hw/i386/pvh.h): ELF note and segment parsing on
 * hand-built images (ELF32 and ELF64, 4- and 8-byte notes, other notes
 * first, truncation, segments outside the file), the start info layout,
 * and pvh_load() into a RAM region of system memory, read back through
 * the memory API, including the rewrite at reset.
 */
#include "qemu/osdep.h"
#include <elf.h>
#include "exec/address-spaces.h"
#include "hw/boards.h"
#include "hw/i386/pvh.h"
#include "sysemu/reset.h"

#define LOAD_ADDR   0x100000u
#define ENTRY       0x100020u

/* An image: ELF header, program headers, one PT_LOAD, one PT_NOTE. */
typedef struct Image {
    uint8_t buf[4096];
    size_t len;
} Image;

static void put_note(uint8_t *p, uint32_t type, const char *name,
                     uint32_t descsz, uint64_t desc, size_t *len)
{
    uint32_t hdr[3] = { strlen(name) + 1, descsz, type };
    size_t off = 0;

    memcpy(p, hdr, 12);
    off = 12;
    memcpy(p + off, name, hdr[0]);
    off += QEMU_ALIGN_UP(hdr[0], 4);
    memcpy(p + off, &desc, descsz);
    off += QEMU_ALIGN_UP(descsz, 4);
    *len = off;
}

/*
 * Build an image with @bits 32 or 64; @descsz 4 or 8 (0: no PVH note,
 * only another one); code bytes "CODE" at LOAD_ADDR, memsz 0x3000.
 */
static void build(Image *im, int bits, uint32_t descsz)
{
    size_t ehsz = bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t phsz = bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t code_off = 0x200, note_off = 0x300, note_len, other_len;

    memset(im, 0, sizeof(*im));
    memcpy(im->buf + code_off, "CODE", 4);
    /* A GNU note first, then (maybe) the Xen one. */
    put_note(im->buf + note_off, 3, "GNU", 4, 0x1234, &other_len);
    note_len = other_len;
    if (descsz) {
        size_t n;

        put_note(im->buf + note_off + other_len, XEN_ELFNOTE_PHYS32_ENTRY,
                 "Xen", descsz, ENTRY, &n);
        note_len += n;
    }
    im->len = note_off + note_len;
    if (bits == 64) {
        Elf64_Ehdr eh = { .e_phoff = ehsz, .e_phentsize = phsz,
                          .e_phnum = 2 };
        Elf64_Phdr ph[2] = {
            { .p_type = PT_LOAD, .p_offset = code_off, .p_paddr = LOAD_ADDR,
              .p_filesz = 4, .p_memsz = 0x3000 },
            { .p_type = PT_NOTE, .p_offset = note_off,
              .p_filesz = note_len },
        };

        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        memcpy(im->buf, &eh, sizeof(eh));
        memcpy(im->buf + ehsz, ph, sizeof(ph));
    } else {
        Elf32_Ehdr eh = { .e_phoff = ehsz, .e_phentsize = phsz,
                          .e_phnum = 2 };
        Elf32_Phdr ph[2] = {
            { .p_type = PT_LOAD, .p_offset = code_off, .p_paddr = LOAD_ADDR,
              .p_filesz = 4, .p_memsz = 0x3000 },
            { .p_type = PT_NOTE, .p_offset = note_off,
              .p_filesz = note_len },
        };

        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS32;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        memcpy(im->buf, &eh, sizeof(eh));
        memcpy(im->buf + ehsz, ph, sizeof(ph));
    }
}

static void test_parse_elf32_and_elf64(void)
{
    static const int bits[] = { 32, 64 };
    static const uint32_t desc[] = { 4, 8 };

    for (int b = 0; b < 2; b++) {
        for (int d = 0; d < 2; d++) {
            Image im;
            PvhImage img = { 0 };
            g_autoptr(GError) err = NULL;
            PvhSegment *s;

            build(&im, bits[b], desc[d]);
            g_assert_true(pvh_elf_parse(im.buf, im.len, &img, &err));
            g_assert_cmphex(img.entry, ==, ENTRY);
            g_assert_cmpuint(img.segments->len, ==, 1);
            s = &g_array_index(img.segments, PvhSegment, 0);
            g_assert_cmphex(s->paddr, ==, LOAD_ADDR);
            g_assert_cmpuint(s->filesz, ==, 4);
            g_assert_cmpuint(s->memsz, ==, 0x3000);
            g_array_unref(img.segments);
        }
    }
}

static void test_parse_rejects(void)
{
    Image im;
    PvhImage img = { 0 };
    GError *err = NULL;

    build(&im, 64, 0);
    g_assert_false(pvh_elf_parse(im.buf, im.len, &img, &err));
    g_assert_nonnull(strstr(err->message, "no PVH entry note"));
    g_clear_error(&err);
    g_assert_null(img.segments);

    /* Truncated in the middle of the program headers. */
    build(&im, 64, 8);
    g_assert_false(pvh_elf_parse(im.buf, sizeof(Elf64_Ehdr) + 8, &img,
                                 &err));
    g_assert_nonnull(strstr(err->message, "truncated"));
    g_clear_error(&err);

    /* A PT_LOAD whose file part lies beyond the end. */
    build(&im, 32, 4);
    g_assert_false(pvh_elf_parse(im.buf, 0x202, &img, &err));
    g_clear_error(&err);

    g_assert_false(pvh_elf_parse((const uint8_t *)"MZ", 2, &img, &err));
    g_assert_nonnull(strstr(err->message, "not an ELF image"));
    g_clear_error(&err);
}

static void test_boot_page_layout(void)
{
    uint8_t page[0x1000];
    struct hvm_memmap_table_entry map[E820_MAX_ENTRIES], got[6];
    E820Layout layout = { 0x80000000, 0x100000000, 0x40000000 };
    PvhBootParams p = { .cmdline = "x", .initrd_addr = 0x3f000000,
                        .initrd_size = 0x1234, .memmap = map };
    struct hvm_start_info si;
    struct hvm_modlist_entry mod;

    p.memmap_entries = pvh_e820_from_layout(&layout, map);
    g_assert_cmpuint(p.memmap_entries, ==, 6);
    pvh_build_boot_page(&p, page);
    memcpy(&si, page, sizeof(si));
    g_assert_cmphex(si.magic, ==, 0x336ec578);
    g_assert_cmpuint(si.version, ==, 1);
    g_assert_cmpuint(si.nr_modules, ==, 1);
    g_assert_cmphex(si.modlist_paddr, ==, PVH_BOOT_PAGE + 0x40);
    g_assert_cmphex(si.cmdline_paddr, ==, 0x7000);
    g_assert_cmphex(si.rsdp_paddr, ==, 0);
    g_assert_cmphex(si.memmap_paddr, ==, PVH_BOOT_PAGE + 0x80);
    g_assert_cmpuint(si.memmap_entries, ==, 6);
    /* Field offsets of the ABI. */
    g_assert_cmpuint(offsetof(struct hvm_start_info, cmdline_paddr), ==, 24);
    g_assert_cmpuint(offsetof(struct hvm_start_info, memmap_paddr), ==, 40);
    g_assert_cmpuint(offsetof(struct hvm_start_info, memmap_entries), ==,
                     48);
    memcpy(&mod, page + 0x40, sizeof(mod));
    g_assert_cmphex(mod.paddr, ==, 0x3f000000);
    g_assert_cmphex(mod.size, ==, 0x1234);
    memcpy(got, page + 0x80, sizeof(got));
    /* e820_build()'s map (tests/unit/test-e820.c) in the PVH layout. */
    g_assert_cmphex(got[0].addr, ==, 0);
    g_assert_cmphex(got[0].size, ==, 0x9fc00);
    g_assert_cmpuint(got[0].type, ==, E820_RAM);
    g_assert_cmphex(got[3].addr, ==, 0x100000);
    g_assert_cmphex(got[3].size, ==, 0x80000000 - 0x100000);
    g_assert_cmpuint(got[3].type, ==, E820_RAM);
    g_assert_cmpuint(got[4].type, ==, E820_RESERVED);
    g_assert_cmphex(got[5].addr, ==, 0x100000000);
    g_assert_cmphex(got[5].size, ==, 0x40000000);
    g_assert_cmpuint(got[5].type, ==, E820_RAM);

    /* No command line, no module: both addresses 0. */
    p.cmdline = NULL;
    p.initrd_size = 0;
    pvh_build_boot_page(&p, page);
    memcpy(&si, page, sizeof(si));
    g_assert_cmphex(si.cmdline_paddr, ==, 0);
    g_assert_cmpuint(si.nr_modules, ==, 0);
    g_assert_cmphex(si.modlist_paddr, ==, 0);
}

static char *write_tmp(const void *data, size_t len)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pvh-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, data, len), ==, len);
    close(fd);
    return path;
}

static void test_load_into_ram(void)
{
    MachineState ms = { .below_4g_mem_size = 64 * MiB };
    MemoryRegion ram;
    Image im;
    g_autofree char *kernel = NULL, *initrd = NULL;
    g_autoptr(GError) err = NULL;
    struct hvm_start_info si;
    char code[4], cmdline[16];
    uint8_t bss[16], zero[16] = { 0 }, rd[5];
    struct hvm_modlist_entry mod;
    const PvhBoot *boot;

    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 64 * MiB,
                                         NULL));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    build(&im, 64, 8);
    kernel = write_tmp(im.buf, im.len);
    initrd = write_tmp("INITR", 5);

    g_assert_true(pvh_load(&ms, kernel, "console=x", initrd, &err));
    boot = pvh_boot_get();
    g_assert_nonnull(boot);
    g_assert_cmphex(boot->entry, ==, ENTRY);
    g_assert_cmphex(boot->start_info, ==, PVH_BOOT_PAGE);

    address_space_read(&address_space_memory, LOAD_ADDR,
                       MEMTXATTRS_UNSPECIFIED, code, 4);
    g_assert_cmpmem(code, 4, "CODE", 4);
    address_space_read(&address_space_memory, PVH_BOOT_PAGE,
                       MEMTXATTRS_UNSPECIFIED, &si, sizeof(si));
    g_assert_cmphex(si.magic, ==, HVM_START_MAGIC_VALUE);
    address_space_read(&address_space_memory, si.cmdline_paddr,
                       MEMTXATTRS_UNSPECIFIED, cmdline, 10);
    g_assert_cmpstr(cmdline, ==, "console=x");
    address_space_read(&address_space_memory, si.modlist_paddr,
                       MEMTXATTRS_UNSPECIFIED, &mod, sizeof(mod));
    g_assert_cmpuint(mod.size, ==, 5);
    g_assert_cmphex(mod.paddr % 4096, ==, 0);
    g_assert_cmphex(mod.paddr + 4096, ==, 64 * MiB);
    address_space_read(&address_space_memory, mod.paddr,
                       MEMTXATTRS_UNSPECIFIED, rd, 5);
    g_assert_cmpmem(rd, 5, "INITR", 5);

    /* A guest scribbles over its image; reset writes it back. */
    address_space_write(&address_space_memory, LOAD_ADDR + 0x100,
                        MEMTXATTRS_UNSPECIFIED, "dirty", 5);
    address_space_write(&address_space_memory, LOAD_ADDR,
                        MEMTXATTRS_UNSPECIFIED, "XXXX", 4);
    qemu_devices_reset();
    address_space_read(&address_space_memory, LOAD_ADDR,
                       MEMTXATTRS_UNSPECIFIED, code, 4);
    g_assert_cmpmem(code, 4, "CODE", 4);
    address_space_read(&address_space_memory, LOAD_ADDR + 0x100,
                       MEMTXATTRS_UNSPECIFIED, bss, sizeof(bss));
    g_assert_cmpmem(bss, sizeof(bss), zero, sizeof(zero));
    unlink(kernel);
    unlink(initrd);
    /* @ram lives on this stack frame: take it out before returning. */
    memory_region_del_subregion(get_system_memory(), &ram);
    memory_region_finalize(&ram);
}

static void test_load_rejects_outside_ram(void)
{
    MachineState ms = { .below_4g_mem_size = 1 * MiB };
    Image im;
    g_autofree char *kernel = NULL;
    GError *err = NULL;

    build(&im, 32, 4);
    kernel = write_tmp(im.buf, im.len);
    g_assert_false(pvh_load(&ms, kernel, NULL, NULL, &err));
    g_assert_nonnull(strstr(err->message, "outside RAM"));
    g_clear_error(&err);
    ms.below_4g_mem_size = 16 * KiB;
    g_assert_false(pvh_load(&ms, kernel, NULL, NULL, &err));
    g_assert_nonnull(strstr(err->message, "cannot hold the PVH start info"));
    g_clear_error(&err);
    g_assert_false(pvh_load(&ms, "/nonexistent/kernel", NULL, NULL, &err));
    g_assert_nonnull(strstr(err->message, "could not load kernel"));
    g_clear_error(&err);
    unlink(kernel);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pvh/parse/elf32-and-elf64-notes",
                    test_parse_elf32_and_elf64);
    g_test_add_func("/pvh/parse/rejects-bad-images", test_parse_rejects);
    g_test_add_func("/pvh/start-info/layout", test_boot_page_layout);
    g_test_add_func("/pvh/load/rejects-outside-ram-and-missing-file",
                    test_load_rejects_outside_ram);
    g_test_add_func("/pvh/load/image-start-info-initrd-and-reset",
                    test_load_into_ram);
    return g_test_run();
}
