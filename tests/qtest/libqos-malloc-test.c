/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for the libqos guest-memory allocator, against a plain model: a
 * bool per page saying whether it is handed out.  Needs no binary.
 */
#include "qemu/osdep.h"

#include "libqos/malloc.h"

#define PAGE    4096
#define NPAGES  64

static void test_alloc_aligned_and_disjoint(void)
{
    QGuestAllocator *a = guest_allocator_new(0x1000, 0x1000 + NPAGES * PAGE,
                                             PAGE);
    uint64_t x = guest_alloc(a, 1);
    uint64_t y = guest_alloc(a, PAGE + 1);
    uint64_t z = guest_alloc_aligned(a, 100, 8 * PAGE);

    g_assert_cmphex(x % PAGE, ==, 0);
    g_assert_cmphex(y, >=, x + PAGE);
    g_assert_cmphex(z % (8 * PAGE), ==, 0);
    g_assert_cmphex(z, >=, y + 2 * PAGE);
    g_assert_cmpuint(guest_allocator_in_use(a), ==, 4 * PAGE);
    guest_free(a, y);
    guest_free(a, x);
    guest_free(a, z);
    guest_free(a, 0);
    g_assert_cmpuint(guest_allocator_in_use(a), ==, 0);
    /* Everything merged back: the whole arena fits in one block again. */
    g_assert_cmphex(guest_alloc(a, NPAGES * PAGE), ==, 0x1000);
    guest_allocator_free(a);
}

static void test_alloc_random_model(void)
{
    QGuestAllocator *a = guest_allocator_new(0, NPAGES * PAGE, PAGE);
    bool model[NPAGES] = { false };
    uint64_t addrs[32] = { 0 }, sizes[32] = { 0 };
    GRand *rand = g_rand_new_with_seed(42);

    for (int step = 0; step < 2000; step++) {
        int i = g_rand_int_range(rand, 0, 32);

        if (sizes[i]) {
            for (uint64_t p = addrs[i] / PAGE;
                 p < (addrs[i] + sizes[i]) / PAGE; p++) {
                g_assert_true(model[p]);
                model[p] = false;
            }
            guest_free(a, addrs[i]);
            sizes[i] = 0;
        } else {
            uint64_t pages = g_rand_int_range(rand, 1, 4);
            uint64_t in_use = guest_allocator_in_use(a);

            /* Only ask when first fit must succeed: a free run exists. */
            int run = 0, best = 0;

            for (int p = 0; p < NPAGES; p++) {
                run = model[p] ? 0 : run + 1;
                best = MAX(best, run);
            }
            if (best < pages) {
                continue;
            }
            addrs[i] = guest_alloc(a, pages * PAGE - 7);
            sizes[i] = pages * PAGE;
            g_assert_cmpuint(guest_allocator_in_use(a), ==,
                             in_use + pages * PAGE);
            for (uint64_t p = addrs[i] / PAGE; p < addrs[i] / PAGE + pages;
                 p++) {
                g_assert_cmpuint(p, <, NPAGES);
                g_assert_false(model[p]);   /* never handed out twice */
                model[p] = true;
            }
        }
    }
    g_rand_free(rand);
    guest_allocator_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/libqos/malloc/aligned-disjoint-and-merging",
                    test_alloc_aligned_and_disjoint);
    g_test_add_func("/libqos/malloc/random-ops-match-model",
                    test_alloc_random_model);
    return g_test_run();
}
