/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bzImage loader's pure parts (hw/i386/linux-boot.c): a synthetic
 * bzImage header built here is checked (boot_flag, "HdrS", protocol
 * version, XLF_KERNEL_64, LOADED_HIGH) and the zero page built from it
 * is read back field by field at the boot protocol's offsets, as are the
 * identity page tables and the GDT.
 */
#include "qemu/osdep.h"
#include "hw/i386/linux-boot.h"

#define IMG_LEN (5 * 512 + 0x4000)

static uint32_t get32(const uint8_t *p, unsigned off)
{
    uint32_t v;

    memcpy(&v, p + off, 4);
    return GUINT32_FROM_LE(v);
}

static uint64_t get64(const uint8_t *p, unsigned off)
{
    uint64_t v;

    memcpy(&v, p + off, 8);
    return GUINT64_FROM_LE(v);
}

static void put16(uint8_t *p, unsigned off, uint16_t v)
{
    p[off] = v;
    p[off + 1] = v >> 8;
}

static void put32(uint8_t *p, unsigned off, uint32_t v)
{
    put16(p, off, v);
    put16(p, off + 2, v >> 16);
}

/* A bzImage as Debian's 6.1 kernel has it: protocol 2.15, 4 setup sectors. */
static uint8_t *make_image(void)
{
    uint8_t *img = g_malloc0(IMG_LEN);

    img[0x1f1] = 4;                             /* setup_sects */
    put16(img, 0x1fe, 0xaa55);                  /* boot_flag */
    img[0x200] = 0xeb;                          /* jump */
    img[0x201] = 0x6a;                          /* header ends at 0x26c */
    memcpy(img + 0x202, "HdrS", 4);
    put16(img, 0x206, 0x020f);                  /* version 2.15 */
    img[0x211] = 0x01;                          /* loadflags: LOADED_HIGH */
    put32(img, 0x22c, 0x7fffffff);              /* initrd_addr_max */
    put16(img, 0x236, 0x007f);                  /* xloadflags */
    put32(img, 0x238, 2047);                    /* cmdline_size */
    put32(img, 0x258, 0x1000000);               /* pref_address (low) */
    put32(img, 0x260, 0x2000000);               /* init_size */
    img[0x250] = 0x5a;                          /* a header byte to copy */
    img[0x280] = 0x77;                          /* beyond the header */
    return img;
}

static void test_parse_ok(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxHeader h;
    GError *err = NULL;

    g_assert_true(linux_parse_header(img, IMG_LEN, &h, &err));
    g_assert_no_error(err);
    g_assert_cmphex(h.version, ==, 0x20f);
    g_assert_cmpuint(h.setup_size, ==, 5 * 512);
    g_assert_cmphex(h.load_addr, ==, 0x1000000);
    g_assert_cmphex(h.init_size, ==, 0x2000000);
    g_assert_cmphex(h.initrd_addr_max, ==, 0x7fffffff);
    g_assert_cmpuint(h.cmdline_size, ==, 2047);
    g_assert_cmphex(h.header_end, ==, 0x26c);

    /* setup_sects 0 means 4. */
    img[0x1f1] = 0;
    g_assert_true(linux_parse_header(img, IMG_LEN, &h, &err));
    g_assert_cmpuint(h.setup_size, ==, 5 * 512);
}

static void expect_refused(uint8_t *img, size_t len, const char *msg)
{
    LinuxHeader h;
    GError *err = NULL;

    g_assert_false(linux_parse_header(img, len, &h, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, msg)) {
        g_error("'%s' does not say '%s'", err->message, msg);
    }
    g_error_free(err);
}

static void test_parse_refused(void)
{
    g_autofree uint8_t *img = make_image();

    expect_refused(img, 0x800, "too short");
    put16(img, 0x1fe, 0x1234);
    expect_refused(img, IMG_LEN, "0xAA55");
    put16(img, 0x1fe, 0xaa55);
    memcpy(img + 0x202, "HdrX", 4);
    expect_refused(img, IMG_LEN, "HdrS");
    memcpy(img + 0x202, "HdrS", 4);
    put16(img, 0x206, 0x020b);
    expect_refused(img, IMG_LEN, "older than 2.12");
    put16(img, 0x206, 0x020c);
    put16(img, 0x236, 0x0002);
    expect_refused(img, IMG_LEN, "XLF_KERNEL_64");
    put16(img, 0x236, 0x0001);
    img[0x211] = 0;
    expect_refused(img, IMG_LEN, "LOADED_HIGH");
    img[0x211] = 1;
    img[0x1f1] = 60;                            /* setup beyond the file */
    expect_refused(img, IMG_LEN, "outside the file");
}

static void test_zero_page(void)
{
    g_autofree uint8_t *img = make_image();
    uint8_t zp[0x1000];
    E820Entry e820[E820_MAX_ENTRIES];
    E820Layout layout = { 0x80000000, 0x100000000, 0x40000000 };
    LinuxBootParams p = {
        .cmdline_addr = LINUX_CMDLINE_ADDR,
        .initrd_addr = 0x7f000000, .initrd_size = 0x123456,
        .e820 = e820,
    };
    LinuxHeader h;

    g_assert_true(linux_parse_header(img, IMG_LEN, &h, NULL));
    p.e820_entries = e820_build(&layout, e820);
    memset(zp, 0xcc, sizeof(zp));
    linux_build_zero_page(&h, img, &p, zp);

    /* The setup header is copied from 0x1f1 to its end, nothing else. */
    g_assert_cmpmem(zp + 0x1f1, 0x1fa - 0x1f1, img + 0x1f1, 0x1fa - 0x1f1);
    g_assert_cmpmem(zp + 0x1fc, 0x210 - 0x1fc, img + 0x1fc, 0x210 - 0x1fc);
    g_assert_cmphex(zp[0x250], ==, 0x5a);
    g_assert_cmphex(zp[0x280], ==, 0);
    g_assert_cmphex(zp[0x000], ==, 0);
    g_assert_cmphex(get32(zp, 0x202), ==, get32(img, 0x202));
    /* What the loader sets. */
    g_assert_cmphex(zp[0x210], ==, 0xff);               /* type_of_loader */
    g_assert_cmphex(zp[0x211], ==, 0x01);               /* loadflags */
    g_assert_cmphex(get32(zp, 0x1fa) & 0xffff, ==, 0xffff); /* vid_mode */
    g_assert_cmphex(get32(zp, 0x214), ==, 0x1000000);   /* code32_start */
    g_assert_cmphex(get32(zp, 0x218), ==, 0x7f000000);  /* ramdisk_image */
    g_assert_cmphex(get32(zp, 0x21c), ==, 0x123456);    /* ramdisk_size */
    g_assert_cmphex(get32(zp, 0x228), ==, LINUX_CMDLINE_ADDR);
    g_assert_cmphex(get32(zp, 0x0c0), ==, 0);           /* ext_ramdisk_* */
    g_assert_cmphex(get32(zp, 0x0c4), ==, 0);
    g_assert_cmphex(get32(zp, 0x0c8), ==, 0);           /* ext_cmd_line */
    /* The e820 table. */
    g_assert_cmpuint(zp[0x1e8], ==, 6);
    g_assert_cmphex(get64(zp, 0x2d0), ==, 0);
    g_assert_cmphex(get64(zp, 0x2d0 + 8), ==, 0x9fc00);
    g_assert_cmphex(get32(zp, 0x2d0 + 16), ==, E820_RAM);
    g_assert_cmphex(get64(zp, 0x2d0 + 3 * 20), ==, 0x100000);
    g_assert_cmphex(get64(zp, 0x2d0 + 3 * 20 + 8), ==, 0x7ff00000);
    g_assert_cmphex(get64(zp, 0x2d0 + 5 * 20), ==, 0x100000000);
    g_assert_cmphex(get64(zp, 0x2d0 + 5 * 20 + 8), ==, 0x40000000);
    g_assert_cmphex(get32(zp, 0x2d0 + 5 * 20 + 16), ==, E820_RAM);
    g_assert_cmphex(get64(zp, 0x2d0 + 6 * 20), ==, 0);  /* unused: zero */

    /* An initrd above 4 GiB uses the ext_ fields' high halves. */
    p.initrd_addr = 0x123456000ull;
    p.initrd_size = 0x100000000ull;
    linux_build_zero_page(&h, img, &p, zp);
    g_assert_cmphex(get32(zp, 0x218), ==, 0x23456000);
    g_assert_cmphex(get32(zp, 0x0c0), ==, 1);
    g_assert_cmphex(get32(zp, 0x21c), ==, 0);
    g_assert_cmphex(get32(zp, 0x0c4), ==, 1);
}

static void test_page_tables(void)
{
    g_autofree uint8_t *pt = g_malloc(LINUX_PT_SIZE);
    const uint32_t base = LINUX_PAGE_TABLES;

    linux_build_page_tables(pt, base);
    g_assert_cmphex(get64(pt, 0), ==, (base + 0x1000) | 3);
    g_assert_cmphex(get64(pt, 8), ==, 0);               /* only PML4[0] */
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmphex(get64(pt, 0x1000 + 8 * i), ==,
                        (base + 0x2000 + 0x1000 * i) | 3);
    }
    g_assert_cmphex(get64(pt, 0x1000 + 8 * 4), ==, 0);
    /* Walk a few addresses: identity, 2 MiB pages, up to 4 GiB. */
    for (uint64_t va = 0; va < 0x100000000ull; va += 0x3fe00000ull) {
        uint64_t pdpte = get64(pt, 0x1000 + 8 * (va >> 30));
        uint64_t pd = (pdpte & ~0xfffull) - base;
        uint64_t pde = get64(pt, pd + 8 * ((va >> 21) & 511));

        g_assert_cmphex(pde & 0x83, ==, 0x83);
        g_assert_cmphex((pde & ~0x1fffffull) | (va & 0x1fffff), ==, va);
    }
}

static void test_gdt(void)
{
    uint64_t gdt[4];

    linux_build_gdt(gdt);
    g_assert_cmphex(gdt[0], ==, 0);
    /* 0x10 (__BOOT_CS): present, DPL 0, code execute/read, L=1, D=0. */
    g_assert_cmphex((gdt[2] >> 40) & 0xff, ==, 0x9b);
    g_assert_cmphex((gdt[2] >> 53) & 1, ==, 1);
    g_assert_cmphex((gdt[2] >> 54) & 1, ==, 0);
    /* 0x18 (__BOOT_DS): present, data read/write, 4 GiB. */
    g_assert_cmphex((gdt[3] >> 40) & 0xff, ==, 0x93);
    g_assert_cmphex(gdt[3] & 0xffff, ==, 0xffff);
    g_assert_cmphex((gdt[3] >> 55) & 1, ==, 1);         /* G */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/linux-boot/parse-ok", test_parse_ok);
    g_test_add_func("/linux-boot/parse-refused", test_parse_refused);
    g_test_add_func("/linux-boot/zero-page", test_zero_page);
    g_test_add_func("/linux-boot/page-tables", test_page_tables);
    g_test_add_func("/linux-boot/gdt", test_gdt);
    return g_test_run();
}
