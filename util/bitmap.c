/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Word-at-a-time bitmap ranges and bit searches.
 *
 * This file owns the range operations behind the plug bitmap of
 * virtio-mem and the discard bitmaps of RAM blocks: maps of up to a few
 * million bits (one per block of a terabyte-sized device) where requests
 * touch ranges of thousands of bits and searches run from an offset to
 * the next change.  Every loop here advances by a whole unsigned long, with
 * masks for the partial words at both ends, so the cost of a call is the
 * number of words it touches.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"

/*
 * Search for the first word, from the one holding @offset, whose bits
 * XORed with @invert are non-zero; the result is the first bit that is set
 * (invert 0) or clear (invert ~0UL).
 */
static unsigned long find_next(const unsigned long *addr, unsigned long size,
                               unsigned long offset, unsigned long invert)
{
    unsigned long idx, word, bit;

    if (offset >= size) {
        return size;
    }
    idx = BIT_WORD(offset);
    word = (addr[idx] ^ invert) & BITMAP_FIRST_WORD_MASK(offset);
    while (!word) {
        idx++;
        if (idx >= BITS_TO_LONGS(size)) {
            return size;
        }
        word = addr[idx] ^ invert;
    }
    bit = idx * BITS_PER_LONG + ctzl(word);
    return MIN(bit, size);
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
                            unsigned long offset)
{
    return find_next(addr, size, offset, 0);
}

unsigned long find_next_zero_bit(const unsigned long *addr,
                                 unsigned long size, unsigned long offset)
{
    return find_next(addr, size, offset, ~0UL);
}

unsigned long find_last_bit(const unsigned long *addr, unsigned long size)
{
    unsigned long idx, word;

    if (!size) {
        return 0;
    }
    idx = BIT_WORD(size - 1);
    word = addr[idx] & BITMAP_LAST_WORD_MASK(size);
    for (;;) {
        if (word) {
            return idx * BITS_PER_LONG + BITS_PER_LONG - 1 - clzl(word);
        }
        if (idx == 0) {
            return size;
        }
        word = addr[--idx];
    }
}

/*
 * Set (@set) or clear the bits [@start, @start + @nr), one word at a time:
 * a partial mask for the first and last words, all ones in between.
 */
static void bitmap_update(unsigned long *map, unsigned long start,
                          unsigned long nr, bool set)
{
    unsigned long idx, last_idx, mask;

    if (!nr) {
        return;
    }
    idx = BIT_WORD(start);
    last_idx = BIT_WORD(start + nr - 1);
    mask = BITMAP_FIRST_WORD_MASK(start);
    for (; idx <= last_idx; idx++) {
        if (idx == last_idx) {
            mask &= BITMAP_LAST_WORD_MASK(start + nr);
        }
        if (set) {
            map[idx] |= mask;
        } else {
            map[idx] &= ~mask;
        }
        mask = ~0UL;
    }
}

void bitmap_set(unsigned long *map, unsigned long start, unsigned long nr)
{
    bitmap_update(map, start, nr, true);
}

void bitmap_clear(unsigned long *map, unsigned long start, unsigned long nr)
{
    bitmap_update(map, start, nr, false);
}

void bitmap_fill(unsigned long *dst, unsigned long nbits)
{
    bitmap_zero(dst, nbits);
    bitmap_set(dst, 0, nbits);
}

bool bitmap_empty(const unsigned long *src, unsigned long nbits)
{
    return find_first_bit(src, nbits) >= nbits;
}

bool bitmap_full(const unsigned long *src, unsigned long nbits)
{
    return find_first_zero_bit(src, nbits) >= nbits;
}

bool bitmap_equal(const unsigned long *a, const unsigned long *b,
                  unsigned long nbits)
{
    unsigned long full = nbits / BITS_PER_LONG;

    if (full && memcmp(a, b, full * sizeof(unsigned long))) {
        return false;
    }
    if (nbits % BITS_PER_LONG) {
        return !((a[full] ^ b[full]) & BITMAP_LAST_WORD_MASK(nbits));
    }
    return true;
}

unsigned long bitmap_count_one_with_offset(const unsigned long *map,
                                           unsigned long offset,
                                           unsigned long nbits)
{
    unsigned long idx, last_idx, mask, count = 0;

    if (!nbits) {
        return 0;
    }
    idx = BIT_WORD(offset);
    last_idx = BIT_WORD(offset + nbits - 1);
    mask = BITMAP_FIRST_WORD_MASK(offset);
    for (; idx <= last_idx; idx++) {
        if (idx == last_idx) {
            mask &= BITMAP_LAST_WORD_MASK(offset + nbits);
        }
        count += ctpopl(map[idx] & mask);
        mask = ~0UL;
    }
    return count;
}

unsigned long bitmap_count_one(const unsigned long *map, unsigned long nbits)
{
    return bitmap_count_one_with_offset(map, 0, nbits);
}

unsigned long *bitmap_zero_extend(unsigned long *old, unsigned long old_nbits,
                                  unsigned long new_nbits)
{
    unsigned long old_words = BITS_TO_LONGS(old_nbits);
    unsigned long new_words = BITS_TO_LONGS(new_nbits);
    unsigned long *map = g_renew(unsigned long, old, new_words);

    if (new_words > old_words) {
        memset(map + old_words, 0,
               (new_words - old_words) * sizeof(unsigned long));
    }
    /* Clear the bits between the smaller size and its word boundary. */
    if (new_nbits > old_nbits) {
        bitmap_clear(map, old_nbits,
                     MIN(new_nbits, old_words * BITS_PER_LONG) - old_nbits);
    } else if (new_nbits % BITS_PER_LONG) {
        map[new_words - 1] &= BITMAP_LAST_WORD_MASK(new_nbits);
    }
    return map;
}
