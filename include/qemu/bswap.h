/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Little-endian loads and stores from and to byte buffers: guest memory,
 * PCI config space, device registers, virtio structures.  The one home
 * for them; a file that assembles bytes into a value by hand should use
 * these instead.  Pointers need no alignment; the host's byte order does
 * not matter.
 */
#ifndef QEMU_BSWAP_H
#define QEMU_BSWAP_H

#include <glib.h>
#include <stdint.h>
#include <string.h>

/* The 16/32/64-bit little-endian value at @p. */
static inline uint16_t lduw_le_p(const void *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT16_FROM_LE(v);
}

static inline uint32_t ldl_le_p(const void *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT32_FROM_LE(v);
}

static inline uint64_t ldq_le_p(const void *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

/* Store the low 16/32/64 bits of @v at @p, little-endian. */
static inline void stw_le_p(void *p, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static inline void stl_le_p(void *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static inline void stq_le_p(void *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

/*
 * The @size-byte (0..8, any value, not only powers of two) little-endian
 * value at @p, zero-extended; 0 for @size 0.
 */
static inline uint64_t ldn_le_p(const void *p, unsigned size)
{
    const uint8_t *b = p;
    uint64_t v = 0;

    g_assert(size <= 8);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

/* Store the low @size (0..8) bytes of @v at @p, little-endian. */
static inline void stn_le_p(void *p, unsigned size, uint64_t v)
{
    uint8_t *b = p;

    g_assert(size <= 8);
    for (unsigned i = 0; i < size; i++) {
        b[i] = v >> (8 * i);
    }
}

#endif /* QEMU_BSWAP_H */
