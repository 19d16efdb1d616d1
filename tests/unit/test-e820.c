/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PC e820 builder (hw/i386/e820.c): the entry layout of the Linux
 * boot protocol (20 bytes: addr, size, type), and the maps of several
 * q35 layouts: RAM split around the PCI hole, the reserved low areas,
 * small RAM, and no entry beyond the RAM above 4 GiB (device memory and
 * virtio-mem are for the guest driver to add).
 */
#include "qemu/osdep.h"
#include "hw/i386/e820.h"

typedef struct Want {
    uint64_t start, end;
    uint32_t type;
} Want;

static void check_map(const E820Layout *l, const Want *want, unsigned n)
{
    E820Entry map[E820_MAX_ENTRIES];
    unsigned got = e820_build(l, map);

    g_assert_cmpuint(got, ==, n);
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmphex(map[i].addr, ==, want[i].start);
        g_assert_cmphex(map[i].addr + map[i].size, ==, want[i].end);
        g_assert_cmpuint(map[i].type, ==, want[i].type);
        g_assert_cmphex(map[i].size, >, 0);
        if (i) {    /* sorted, no overlap */
            g_assert_cmphex(map[i].addr, >=, map[i - 1].addr +
                            map[i - 1].size);
        }
    }
}

static void test_entry_layout(void)
{
    E820Entry e;
    uint8_t raw[20];

    g_assert_cmpuint(sizeof(E820Entry), ==, 20);
    g_assert_cmpuint(offsetof(E820Entry, addr), ==, 0);
    g_assert_cmpuint(offsetof(E820Entry, size), ==, 8);
    g_assert_cmpuint(offsetof(E820Entry, type), ==, 16);
    e = (E820Entry) { 0x0102030405060708ull, 0x1112131415161718ull, 2 };
    memcpy(raw, &e, sizeof(raw));
    g_assert_cmphex(raw[0], ==, 0x08);      /* little-endian */
    g_assert_cmphex(raw[8], ==, 0x18);
    g_assert_cmphex(raw[16], ==, 2);
}

static void test_q35_3g(void)
{
    /* -m 3G: 2 GiB below the hole, 1 GiB from 4 GiB. */
    E820Layout l = { 0x80000000, 0x100000000, 0x40000000 };
    const Want want[] = {
        { 0, 0x9fc00, E820_RAM },
        { 0x9fc00, 0xa0000, E820_RESERVED },
        { 0xf0000, 0x100000, E820_RESERVED },
        { 0x100000, 0x80000000, E820_RAM },
        { 0xfeffc000, 0xff000000, E820_RESERVED },
        { 0x100000000, 0x140000000, E820_RAM },
    };

    check_map(&l, want, G_N_ELEMENTS(want));
}

static void test_q35_1g(void)
{
    /* -m 1G, maxmem=...: nothing above 4 GiB, device memory not listed. */
    E820Layout l = { 0x40000000, 0x100000000, 0 };
    const Want want[] = {
        { 0, 0x9fc00, E820_RAM },
        { 0x9fc00, 0xa0000, E820_RESERVED },
        { 0xf0000, 0x100000, E820_RESERVED },
        { 0x100000, 0x40000000, E820_RAM },
        { 0xfeffc000, 0xff000000, E820_RESERVED },
    };

    check_map(&l, want, G_N_ELEMENTS(want));
}

static void test_above_1t(void)
{
    /* A layout moved above the AMD HT hole keeps its start. */
    E820Layout l = { 0x80000000, 0x10000000000ull, 0x200000000ull };
    E820Entry map[E820_MAX_ENTRIES];
    unsigned n = e820_build(&l, map);

    g_assert_cmphex(map[n - 1].addr, ==, 0x10000000000ull);
    g_assert_cmphex(map[n - 1].size, ==, 0x200000000ull);
}

static void test_tiny(void)
{
    /* 512 KiB of RAM: no RAM entry above 1 MiB. */
    E820Layout l = { 0x80000, 0x100000000, 0 };
    const Want want[] = {
        { 0, 0x80000, E820_RAM },
        { 0x9fc00, 0xa0000, E820_RESERVED },
        { 0xf0000, 0x100000, E820_RESERVED },
        { 0xfeffc000, 0xff000000, E820_RESERVED },
    };

    check_map(&l, want, G_N_ELEMENTS(want));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e820/entry-layout", test_entry_layout);
    g_test_add_func("/e820/q35-3g", test_q35_3g);
    g_test_add_func("/e820/q35-1g", test_q35_1g);
    g_test_add_func("/e820/above-1t", test_above_1t);
    g_test_add_func("/e820/tiny", test_tiny);
    return g_test_run();
}
