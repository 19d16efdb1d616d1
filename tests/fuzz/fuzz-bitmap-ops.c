/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Model-based fuzz target for the word-at-a-time bitmap code of
 * qemu/bitmap.h and qemu/bitops.h (the plug bitmap of virtio-mem, the
 * discard bitmaps of RAM blocks).
 *
 * The input is a size followed by a program of 5-byte operations
 * (opcode, 16-bit start, 16-bit count), run on a real bitmap and on a
 * plain bool[] reference side by side.  Starts and counts are folded into
 * the current size: out-of-range arguments are a caller's programming
 * error, not something to fuzz.  After every operation:
 *  - every bit agrees with the reference and the padding bits past the
 *    size are clear (bitmap.h promises both);
 *  - the queries (find_next_bit/zero_bit, find_last_bit, count_one,
 *    count_one_with_offset, test_range_all_set/clear, empty, full) agree
 *    with brute force over the reference;
 *  - a copy whose padding bits were then set ("a caller that writes past
 *    nbits gets no surprises") still compares equal and answers every
 *    query the same.
 * Sizes stay below 2^11 bits so the brute-force checks stay cheap.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "fuzz.h"

#define MAX_BITS 2048

typedef struct Model {
    unsigned long *map;
    unsigned long nbits;
    bool ref[MAX_BITS];
} Model;

enum {
    OP_SET, OP_CLEAR, OP_FILL, OP_ZERO, OP_SET_BIT, OP_CLEAR_BIT,
    OP_CHANGE_BIT, OP_TEST_AND_SET, OP_TEST_AND_CLEAR, OP_RESIZE,
    OP_COUNT
};

static unsigned long ref_find(const Model *m, unsigned long from, bool val)
{
    for (unsigned long i = from; i < m->nbits; i++) {
        if (m->ref[i] == val) {
            return i;
        }
    }
    return m->nbits;
}

static unsigned long ref_count(const Model *m, unsigned long start,
                               unsigned long nr)
{
    unsigned long n = 0;

    for (unsigned long i = start; i < start + nr; i++) {
        n += m->ref[i];
    }
    return n;
}

static unsigned long ref_last(const Model *m)
{
    for (unsigned long i = m->nbits; i > 0; i--) {
        if (m->ref[i - 1]) {
            return i - 1;
        }
    }
    return m->nbits;
}

/* Every query on @map (which holds @m's bits) against brute force. */
static void check_queries(const Model *m, const unsigned long *map,
                          unsigned long start, unsigned long nr)
{
    unsigned long n = m->nbits;
    unsigned long ones = ref_count(m, start, nr);

    g_assert_cmpuint(find_next_bit(map, n, start), ==, ref_find(m, start, 1));
    g_assert_cmpuint(find_next_zero_bit(map, n, start), ==,
                     ref_find(m, start, 0));
    g_assert_cmpuint(find_first_bit(map, n), ==, ref_find(m, 0, 1));
    g_assert_cmpuint(find_first_zero_bit(map, n), ==, ref_find(m, 0, 0));
    g_assert_cmpuint(find_last_bit(map, n), ==, ref_last(m));
    g_assert_cmpuint(bitmap_count_one(map, n), ==, ref_count(m, 0, n));
    g_assert_cmpuint(bitmap_count_one_with_offset(map, start, nr), ==, ones);
    g_assert_cmpint(bitmap_test_range_all_set(map, start, nr), ==,
                    ones == nr);
    g_assert_cmpint(bitmap_test_range_all_clear(map, start, nr), ==,
                    ones == 0);
    g_assert_cmpint(bitmap_empty(map, n), ==, ref_count(m, 0, n) == 0);
    g_assert_cmpint(bitmap_full(map, n), ==, ref_count(m, 0, n) == n);
}

static void check_state(const Model *m, unsigned long start,
                        unsigned long nr)
{
    unsigned long words = BITS_TO_LONGS(m->nbits);
    g_autofree unsigned long *dirty = NULL;

    for (unsigned long i = 0; i < m->nbits; i++) {
        g_assert_cmpint(test_bit(i, m->map), ==, m->ref[i]);
    }
    for (unsigned long i = m->nbits; i < words * BITS_PER_LONG; i++) {
        g_assert_false(test_bit(i, m->map));     /* padding stays clear */
    }
    check_queries(m, m->map, start, nr);

    if (m->nbits % BITS_PER_LONG) {
        dirty = g_new(unsigned long, words);
        memcpy(dirty, m->map, words * sizeof(unsigned long));
        dirty[words - 1] |= ~BITMAP_LAST_WORD_MASK(m->nbits);
        g_assert_true(bitmap_equal(m->map, dirty, m->nbits));
        check_queries(m, dirty, start, nr);
    }
}

static void model_update(Model *m, unsigned long start, unsigned long nr,
                         bool val)
{
    for (unsigned long i = start; i < start + nr; i++) {
        m->ref[i] = val;
    }
}

static void run_op(Model *m, uint8_t op, unsigned long a, unsigned long b)
{
    unsigned long start = m->nbits ? a % (m->nbits + 1) : 0;
    unsigned long nr = b % (m->nbits - start + 1);
    unsigned long bit = m->nbits ? a % m->nbits : 0;
    bool old;

    switch (op % OP_COUNT) {
    case OP_SET:
        bitmap_set(m->map, start, nr);
        model_update(m, start, nr, true);
        break;
    case OP_CLEAR:
        bitmap_clear(m->map, start, nr);
        model_update(m, start, nr, false);
        break;
    case OP_FILL:
        bitmap_fill(m->map, m->nbits);
        model_update(m, 0, m->nbits, true);
        break;
    case OP_ZERO:
        bitmap_zero(m->map, m->nbits);
        model_update(m, 0, m->nbits, false);
        break;
    case OP_RESIZE: {
        unsigned long new_nbits = b % MAX_BITS;

        m->map = bitmap_zero_extend(m->map, m->nbits, new_nbits);
        if (new_nbits > m->nbits) {
            model_update(m, m->nbits, new_nbits - m->nbits, false);
        }
        m->nbits = new_nbits;
        start = MIN(start, new_nbits);
        nr = MIN(nr, new_nbits - start);
        break;
    }
    default:
        if (!m->nbits) {
            break;      /* no bit to address */
        }
        if (op % OP_COUNT == OP_SET_BIT) {
            set_bit(bit, m->map);
            m->ref[bit] = true;
        } else if (op % OP_COUNT == OP_CLEAR_BIT) {
            clear_bit(bit, m->map);
            m->ref[bit] = false;
        } else if (op % OP_COUNT == OP_CHANGE_BIT) {
            change_bit(bit, m->map);
            m->ref[bit] = !m->ref[bit];
        } else if (op % OP_COUNT == OP_TEST_AND_SET) {
            old = test_and_set_bit(bit, m->map);
            g_assert_cmpint(old, ==, m->ref[bit]);
            m->ref[bit] = true;
        } else {
            old = test_and_clear_bit(bit, m->map);
            g_assert_cmpint(old, ==, m->ref[bit]);
            m->ref[bit] = false;
        }
    }
    check_state(m, start, nr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree Model *m = NULL;

    if (size < 2 || size > 2 + 5 * 256) {
        return 0;
    }
    m = g_new0(Model, 1);
    m->nbits = (data[0] | data[1] << 8) % MAX_BITS;
    m->map = bitmap_new(m->nbits);
    check_state(m, 0, m->nbits);
    for (size_t off = 2; off + 5 <= size; off += 5) {
        run_op(m, data[off], data[off + 1] | data[off + 2] << 8,
               data[off + 3] | data[off + 4] << 8);
    }
    g_free(m->map);
    return 0;
}
