/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Single-bit operations on arrays of unsigned long, and bit searches.
 *
 * Bit @nr of an array lives in word nr / BITS_PER_LONG at position
 * nr % BITS_PER_LONG (least significant first), the layout QEMU and Linux
 * use for dirty and plug bitmaps.  The plain operations are not atomic:
 * the caller serialises writers (virtio-mem and physmem bitmaps are owned
 * by the main thread).  The *_atomic variants may race with each other.
 */
#ifndef QEMU_BITOPS_H
#define QEMU_BITOPS_H

#include "qemu/osdep.h"

#define BITS_PER_BYTE           CHAR_BIT
#define BITS_PER_LONG           (sizeof(unsigned long) * BITS_PER_BYTE)
#define BITS_TO_LONGS(nr)       DIV_ROUND_UP(nr, BITS_PER_LONG)

#define BIT(nr)                 (1UL << (nr))
#define BIT_ULL(nr)             (1ULL << (nr))
#define BIT_MASK(nr)            (1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)            ((nr) / BITS_PER_LONG)

/* Number of trailing / leading zero bits; BITS_PER_LONG for 0. */
static inline unsigned ctzl(unsigned long val)
{
    return val ? (unsigned)__builtin_ctzl(val) : BITS_PER_LONG;
}

static inline unsigned clzl(unsigned long val)
{
    return val ? (unsigned)__builtin_clzl(val) : BITS_PER_LONG;
}

/* Number of set bits. */
static inline unsigned ctpopl(unsigned long val)
{
    return (unsigned)__builtin_popcountl(val);
}

static inline void set_bit(long nr, unsigned long *addr)
{
    addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void clear_bit(long nr, unsigned long *addr)
{
    addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

static inline void change_bit(long nr, unsigned long *addr)
{
    addr[BIT_WORD(nr)] ^= BIT_MASK(nr);
}

static inline bool test_bit(long nr, const unsigned long *addr)
{
    return (addr[BIT_WORD(nr)] >> (nr % BITS_PER_LONG)) & 1;
}

/* Set bit @nr; returns its previous value. */
static inline bool test_and_set_bit(long nr, unsigned long *addr)
{
    bool old = test_bit(nr, addr);

    set_bit(nr, addr);
    return old;
}

/* Clear bit @nr; returns its previous value. */
static inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
    bool old = test_bit(nr, addr);

    clear_bit(nr, addr);
    return old;
}

/* Atomic versions, for bitmaps shared with worker threads. */
static inline void set_bit_atomic(long nr, unsigned long *addr)
{
    __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST);
}

static inline void clear_bit_atomic(long nr, unsigned long *addr)
{
    __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST);
}

/*
 * find_next_bit: index of the first set bit at or after @offset and below
 * @size, or @size if there is none (also when @offset >= @size).  Bits of
 * the last word beyond @size are ignored.  Cost: one step per word.
 */
unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
                            unsigned long offset);

/* find_next_zero_bit: the same for the first clear bit. */
unsigned long find_next_zero_bit(const unsigned long *addr,
                                 unsigned long size, unsigned long offset);

/*
 * find_last_bit: index of the last set bit below @size, or @size if no
 * bit is set.
 */
unsigned long find_last_bit(const unsigned long *addr, unsigned long size);

/* find_first_bit: find_next_bit from 0. */
static inline unsigned long find_first_bit(const unsigned long *addr,
                                           unsigned long size)
{
    return find_next_bit(addr, size, 0);
}

/* find_first_zero_bit: find_next_zero_bit from 0. */
static inline unsigned long find_first_zero_bit(const unsigned long *addr,
                                                unsigned long size)
{
    return find_next_zero_bit(addr, size, 0);
}

#endif /* QEMU_BITOPS_H */
