/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bitmaps of @nbits bits stored in BITS_TO_LONGS(nbits) unsigned longs
 * (layout in qemu/bitops.h).
 *
 * Every range operation works a word at a time: cost is proportional to
 * the number of words the range touches, never to the number of bits.
 * Bits of the last word beyond @nbits ("padding") are left clear by every
 * function here, and every query ignores them, so a caller that writes
 * past @nbits gets no surprises either.
 *
 * None of these functions is atomic; the owner of the bitmap serialises
 * access.
 */
#ifndef QEMU_BITMAP_H
#define QEMU_BITMAP_H

#include "qemu/osdep.h"
#include "qemu/bitops.h"

/* Mask of the bits of the first word of a range starting at @start. */
#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) % BITS_PER_LONG))

/* Mask of the valid bits of the last word of a @nbits bitmap. */
#define BITMAP_LAST_WORD_MASK(nbits) \
    (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

/* A bitmap of @bits bits as a variable or struct member. */
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]

/*
 * bitmap_new: allocate a bitmap of @nbits bits, all clear.  Aborts on
 * allocation failure like g_new0.
 *
 * Returns: the bitmap; the caller frees it with g_free().
 */
static inline unsigned long *bitmap_new(unsigned long nbits)
{
    return g_new0(unsigned long, BITS_TO_LONGS(nbits));
}

/*
 * bitmap_try_new: as bitmap_new, but returns NULL when the memory cannot be
 * allocated (for sizes the user chose).
 */
static inline unsigned long *bitmap_try_new(unsigned long nbits)
{
    return g_try_new0(unsigned long, BITS_TO_LONGS(nbits));
}

/*
 * bitmap_zero_extend: resize a bitmap from @old_nbits to @new_nbits bits.
 * Bits below min(old, new) are kept; new bits are clear.  @old may be NULL
 * when @old_nbits is 0.
 *
 * Returns: the (possibly moved) bitmap; @old must not be used afterwards.
 */
unsigned long *bitmap_zero_extend(unsigned long *old, unsigned long old_nbits,
                                  unsigned long new_nbits);

/*
 * Clear all @nbits bits.  A bitmap of 0 bits (bitmap_new(0) may return
 * NULL) is left alone by this and every other helper.
 */
static inline void bitmap_zero(unsigned long *dst, unsigned long nbits)
{
    if (nbits) {
        memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
    }
}

/* Set all @nbits bits (the padding bits stay clear). */
void bitmap_fill(unsigned long *dst, unsigned long nbits);

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src,
                               unsigned long nbits)
{
    if (nbits) {
        memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
    }
}

/* Set bits [@start, @start + @nr). */
void bitmap_set(unsigned long *map, unsigned long start, unsigned long nr);

/* Clear bits [@start, @start + @nr). */
void bitmap_clear(unsigned long *map, unsigned long start, unsigned long nr);

/* True if none of the first @nbits bits is set. */
bool bitmap_empty(const unsigned long *src, unsigned long nbits);

/* True if all of the first @nbits bits are set. */
bool bitmap_full(const unsigned long *src, unsigned long nbits);

/* True if the first @nbits bits of @a and @b are equal. */
bool bitmap_equal(const unsigned long *a, const unsigned long *b,
                  unsigned long nbits);

/* Number of set bits among the first @nbits. */
unsigned long bitmap_count_one(const unsigned long *map,
                               unsigned long nbits);

/* Number of set bits in [@offset, @offset + @nbits). */
unsigned long bitmap_count_one_with_offset(const unsigned long *map,
                                           unsigned long offset,
                                           unsigned long nbits);

/*
 * bitmap_test_range_all_set: true if every bit in [@start, @start + @nr)
 * is set (true for @nr == 0).
 */
static inline bool bitmap_test_range_all_set(const unsigned long *map,
                                             unsigned long start,
                                             unsigned long nr)
{
    return find_next_zero_bit(map, start + nr, start) >= start + nr;
}

/*
 * bitmap_test_range_all_clear: true if no bit in [@start, @start + @nr) is
 * set (true for @nr == 0).
 */
static inline bool bitmap_test_range_all_clear(const unsigned long *map,
                                               unsigned long start,
                                               unsigned long nr)
{
    return find_next_bit(map, start + nr, start) >= start + nr;
}

#endif /* QEMU_BITMAP_H */
