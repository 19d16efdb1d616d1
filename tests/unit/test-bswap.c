/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of include/qemu/bswap.h: little-endian loads and stores at
 * unaligned addresses, and the variable-size ones at every size 0..8.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"

static const uint8_t bytes[] = {
    0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xee,
};

static void test_fixed_loads_unaligned(void)
{
    g_assert_cmphex(lduw_le_p(bytes + 1), ==, 0x0201);
    g_assert_cmphex(ldl_le_p(bytes + 1), ==, 0x04030201);
    g_assert_cmphex(ldq_le_p(bytes + 1), ==, 0x0807060504030201ull);
}

static void test_fixed_stores_unaligned(void)
{
    uint8_t buf[10];

    memset(buf, 0xee, sizeof(buf));
    stq_le_p(buf + 1, 0x0807060504030201ull);
    g_assert_cmpmem(buf, sizeof(buf), bytes, sizeof(bytes));
    stw_le_p(buf + 1, 0xbbaa);
    g_assert_cmphex(buf[1], ==, 0xaa);
    g_assert_cmphex(buf[2], ==, 0xbb);
    g_assert_cmphex(buf[3], ==, 0x03);
    stl_le_p(buf + 5, 0xddccbbaa);
    g_assert_cmphex(ldl_le_p(buf + 5), ==, 0xddccbbaa);
    g_assert_cmphex(buf[9], ==, 0xee);
}

static void test_sized_every_size(void)
{
    for (unsigned size = 0; size <= 8; size++) {
        uint64_t want = size == 8 ? 0x0807060504030201ull :
                        0x0807060504030201ull & ((1ull << (8 * size)) - 1);
        uint8_t buf[10];

        g_assert_cmphex(ldn_le_p(bytes + 1, size), ==, want);
        memset(buf, 0xee, sizeof(buf));
        stn_le_p(buf + 1, size, 0x0807060504030201ull);
        g_assert_cmpmem(buf + 1, size, bytes + 1, size);
        g_assert_cmphex(buf[1 + size], ==, 0xee);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bswap/fixed/loads-unaligned",
                    test_fixed_loads_unaligned);
    g_test_add_func("/bswap/fixed/stores-unaligned",
                    test_fixed_stores_unaligned);
    g_test_add_func("/bswap/sized/every-size-0-to-8",
                    test_sized_every_size);
    return g_test_run();
}
