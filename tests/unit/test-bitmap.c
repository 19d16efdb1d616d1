/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for util/bitmap.c and qemu/bitops.h.
 *
 * The main test is model-based: random set/clear operations on single bits
 * and ranges are applied both to a bitmap and to a plain bool[] and every
 * query is compared against a brute-force answer from the bool[].  The
 * random sequence comes from a fixed seed; set QEMU_TEST_SEED=<n> to try
 * another one.  The seed, bitmap size and operation number are printed
 * when a comparison fails.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"

#define DEFAULT_SEED 0x5eed1234u
#define OPS_PER_SIZE 1500
#define EXHAUSTIVE_EVERY 100

typedef struct Model {
    GRand *rand;
    guint32 seed;
    unsigned long nbits;
    unsigned long *map;
    bool *bits;
    unsigned op;
} Model;

/* Compare one answer; on a mismatch, say how to reproduce before failing. */
static void check(Model *m, const char *what, unsigned long arg1,
                  unsigned long arg2, unsigned long got, unsigned long want)
{
    if (got != want) {
        fprintf(stderr, "test-bitmap: mismatch with seed %u "
                "(rerun with QEMU_TEST_SEED=%u), nbits %lu, op %u: "
                "%s(%lu, %lu) = %lu, model says %lu\n", m->seed, m->seed,
                m->nbits, m->op, what, arg1, arg2, got, want);
    }
    g_assert_cmpuint(got, ==, want);
}

static guint32 test_seed(void)
{
    const char *env = g_getenv("QEMU_TEST_SEED");

    return env ? (guint32)g_ascii_strtoull(env, NULL, 0) : DEFAULT_SEED;
}

/* ---- brute-force answers from the model -------------------------------- */

static unsigned long model_next(const Model *m, unsigned long from, bool val)
{
    for (unsigned long i = from; i < m->nbits; i++) {
        if (m->bits[i] == val) {
            return i;
        }
    }
    return m->nbits;
}

static unsigned long model_count(const Model *m, unsigned long start,
                                 unsigned long nr)
{
    unsigned long n = 0;

    for (unsigned long i = start; i < start + nr; i++) {
        n += m->bits[i];
    }
    return n;
}

static unsigned long model_last(const Model *m)
{
    for (unsigned long i = m->nbits; i > 0; i--) {
        if (m->bits[i - 1]) {
            return i - 1;
        }
    }
    return m->nbits;
}

/* ---- random operations -------------------------------------------------- */

/* A random range inside the map, biased to short, word-sized and long. */
static void random_range(Model *m, unsigned long *start, unsigned long *nr)
{
    unsigned long max_len;

    *start = g_rand_int_range(m->rand, 0, m->nbits + 1);
    switch (g_rand_int_range(m->rand, 0, 4)) {
    case 0:
        max_len = 8;
        break;
    case 1:
        max_len = 3 * BITS_PER_LONG;
        break;
    default:
        max_len = m->nbits;
        break;
    }
    max_len = MIN(max_len, m->nbits - *start);
    *nr = g_rand_int_range(m->rand, 0, max_len + 1);
}

static void apply_random_op(Model *m)
{
    unsigned long start, nr, bit;
    bool set = g_rand_boolean(m->rand);

    switch (g_rand_int_range(m->rand, 0, 8)) {
    case 0:
        bit = g_rand_int_range(m->rand, 0, m->nbits);
        if (set) {
            set_bit(bit, m->map);
        } else {
            clear_bit(bit, m->map);
        }
        m->bits[bit] = set;
        return;
    case 1:
        /* Rarely, the whole map, so that empty/full are exercised. */
        if (g_rand_int_range(m->rand, 0, 8) == 0) {
            if (set) {
                bitmap_fill(m->map, m->nbits);
            } else {
                bitmap_zero(m->map, m->nbits);
            }
            memset(m->bits, set, m->nbits);
            return;
        }
        /* fall through */
    default:
        random_range(m, &start, &nr);
        if (set) {
            bitmap_set(m->map, start, nr);
        } else {
            bitmap_clear(m->map, start, nr);
        }
        memset(m->bits + start, set, nr);
        return;
    }
}

/* ---- checks ------------------------------------------------------------- */

static void check_whole_map(Model *m)
{
    unsigned long count = model_count(m, 0, m->nbits);

    for (unsigned long i = 0; i < m->nbits; i++) {
        check(m, "test_bit", i, 0, test_bit(i, m->map), m->bits[i]);
    }
    check(m, "bitmap_count_one", m->nbits, 0,
          bitmap_count_one(m->map, m->nbits), count);
    check(m, "bitmap_empty", m->nbits, 0, bitmap_empty(m->map, m->nbits),
          count == 0);
    check(m, "bitmap_full", m->nbits, 0, bitmap_full(m->map, m->nbits),
          count == m->nbits);
    check(m, "find_first_bit", m->nbits, 0,
          find_first_bit(m->map, m->nbits), model_next(m, 0, true));
    check(m, "find_first_zero_bit", m->nbits, 0,
          find_first_zero_bit(m->map, m->nbits), model_next(m, 0, false));
    check(m, "find_last_bit", m->nbits, 0, find_last_bit(m->map, m->nbits),
          model_last(m));
    /* Padding bits stay clear whatever the operations did. */
    if (m->nbits % BITS_PER_LONG) {
        check(m, "padding", m->nbits, 0,
              m->map[BIT_WORD(m->nbits)] & ~BITMAP_LAST_WORD_MASK(m->nbits),
              0);
    }
}

static void check_random_queries(Model *m)
{
    for (int q = 0; q < 8; q++) {
        unsigned long off = g_rand_int_range(m->rand, 0, m->nbits + 2);
        unsigned long start, nr, count;

        check(m, "find_next_bit", m->nbits, off,
              find_next_bit(m->map, m->nbits, off),
              model_next(m, off, true));
        check(m, "find_next_zero_bit", m->nbits, off,
              find_next_zero_bit(m->map, m->nbits, off),
              model_next(m, off, false));

        random_range(m, &start, &nr);
        count = model_count(m, start, nr);
        check(m, "bitmap_count_one_with_offset", start, nr,
              bitmap_count_one_with_offset(m->map, start, nr), count);
        check(m, "bitmap_test_range_all_set", start, nr,
              bitmap_test_range_all_set(m->map, start, nr), count == nr);
        check(m, "bitmap_test_range_all_clear", start, nr,
              bitmap_test_range_all_clear(m->map, start, nr), count == 0);
    }
}

/* find_next_* from every offset, against answers computed backwards. */
static void check_every_offset(Model *m)
{
    unsigned long next_set = m->nbits, next_zero = m->nbits;

    for (unsigned long i = m->nbits; i-- > 0;) {
        if (m->bits[i]) {
            next_set = i;
        } else {
            next_zero = i;
        }
        check(m, "find_next_bit", m->nbits, i,
              find_next_bit(m->map, m->nbits, i), next_set);
        check(m, "find_next_zero_bit", m->nbits, i,
              find_next_zero_bit(m->map, m->nbits, i), next_zero);
    }
}

static void run_model(guint32 seed, unsigned long nbits)
{
    Model m = {
        .rand = g_rand_new_with_seed(seed ^ (guint32)nbits),
        .seed = seed,
        .nbits = nbits,
        .map = bitmap_new(nbits),
        .bits = g_new0(bool, nbits),
    };

    check_whole_map(&m);
    for (m.op = 1; m.op <= OPS_PER_SIZE; m.op++) {
        apply_random_op(&m);
        check_whole_map(&m);
        check_random_queries(&m);
        if (m.op % EXHAUSTIVE_EVERY == 0) {
            check_every_offset(&m);
        }
    }
    g_free(m.bits);
    g_free(m.map);
    g_rand_free(m.rand);
}

static void test_model_random_ops(void)
{
    static const unsigned long sizes[] = {
        1, 2, 63, 64, 65, 127, 128, 129, 200, 1000, 4096, 4099,
    };
    guint32 seed = test_seed();

    g_test_message("seed %u (override with QEMU_TEST_SEED)", seed);
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        run_model(seed, sizes[i]);
    }
}

/* ---- fixed cases ------------------------------------------------------- */

static void test_bits_to_longs(void)
{
    g_assert_cmpuint(BITS_TO_LONGS(0), ==, 0);
    g_assert_cmpuint(BITS_TO_LONGS(1), ==, 1);
    g_assert_cmpuint(BITS_TO_LONGS(BITS_PER_LONG), ==, 1);
    g_assert_cmpuint(BITS_TO_LONGS(BITS_PER_LONG + 1), ==, 2);
}

static void test_find_ignores_bits_past_size(void)
{
    unsigned long map[2] = { 0, 0 };

    /* Stray bits past @size in the last word must not be reported. */
    map[1] = ~0UL << 8;
    g_assert_cmpuint(find_next_bit(map, BITS_PER_LONG + 6, 0), ==,
                     BITS_PER_LONG + 6);
    g_assert_cmpuint(find_last_bit(map, BITS_PER_LONG + 6), ==,
                     BITS_PER_LONG + 6);
    g_assert_true(bitmap_empty(map, BITS_PER_LONG + 6));
    g_assert_cmpuint(bitmap_count_one(map, BITS_PER_LONG + 6), ==, 0);
    /* ... nor stray clear bits: only bit 7 of the last word is clear. */
    map[0] = ~0UL;
    map[1] = ~(1UL << 7);
    g_assert_true(bitmap_full(map, BITS_PER_LONG + 6));
    g_assert_cmpuint(find_next_zero_bit(map, BITS_PER_LONG + 6, 3), ==,
                     BITS_PER_LONG + 6);
    g_assert_cmpuint(find_next_bit(map, 10, 10), ==, 10);
    g_assert_cmpuint(find_next_bit(map, 10, 500), ==, 10);
}

/* A 0-bit bitmap may be NULL; every helper must accept it untouched. */
static void test_empty_bitmap(void)
{
    unsigned long *a = bitmap_new(0), *b = bitmap_new(0);

    bitmap_zero(a, 0);
    bitmap_fill(a, 0);
    bitmap_copy(a, b, 0);
    bitmap_set(a, 0, 0);
    bitmap_clear(a, 0, 0);
    g_assert_true(bitmap_equal(a, b, 0));
    g_assert_true(bitmap_empty(a, 0));
    g_assert_true(bitmap_full(a, 0));
    g_assert_cmpuint(find_next_bit(a, 0, 0), ==, 0);
    g_assert_cmpuint(find_next_zero_bit(a, 0, 0), ==, 0);
    a = bitmap_zero_extend(a, 0, 70);
    g_assert_true(bitmap_empty(a, 70));
    g_free(a);
    g_free(b);
}

static void test_zero_extend(void)
{
    unsigned long *map = bitmap_new(70);

    bitmap_fill(map, 70);
    map = bitmap_zero_extend(map, 70, 300);
    g_assert_cmpuint(bitmap_count_one(map, 300), ==, 70);
    g_assert_true(bitmap_test_range_all_set(map, 0, 70));
    g_assert_true(bitmap_test_range_all_clear(map, 70, 230));
    map = bitmap_zero_extend(map, 300, 10);
    map = bitmap_zero_extend(map, 10, 200);
    g_assert_cmpuint(bitmap_count_one(map, 200), ==, 10);
    g_assert_cmpuint(find_next_bit(map, 200, 10), ==, 200);
    g_free(map);
}

static void test_equal_and_atomic(void)
{
    unsigned long *a = bitmap_new(130), *b = bitmap_new(130);

    set_bit_atomic(129, a);
    g_assert_false(bitmap_equal(a, b, 130));
    set_bit(129, b);
    g_assert_true(bitmap_equal(a, b, 130));
    b[2] |= 1UL << 5;             /* padding: ignored */
    g_assert_true(bitmap_equal(a, b, 130));
    clear_bit_atomic(129, a);
    g_assert_false(test_bit(129, a));
    g_assert_true(test_and_set_bit(129, b));
    g_assert_true(test_and_clear_bit(129, b));
    g_assert_false(test_and_clear_bit(129, b));
    g_free(a);
    g_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bitmap/model/random-ops-match-bool-array",
                    test_model_random_ops);
    g_test_add_func("/bitmap/bits-to-longs", test_bits_to_longs);
    g_test_add_func("/bitmap/find/ignores-bits-past-size",
                    test_find_ignores_bits_past_size);
    g_test_add_func("/bitmap/zero-extend/new-bits-clear", test_zero_extend);
    g_test_add_func("/bitmap/empty/zero-bit-bitmap-accepted",
                    test_empty_bitmap);
    g_test_add_func("/bitmap/equal-and-atomic-ops", test_equal_and_atomic);
    return g_test_run();
}
