/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The first header every .c file in this tree includes: the C library,
 * GLib, and the handful of arithmetic helpers every room needs (alignment,
 * powers of two).  Nothing here knows about virtual machines.
 */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/types.h>

#include <glib.h>

#ifndef QEMU_VERSION
#define QEMU_VERSION "0.0.0"
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define ARRAY_SIZE(a) G_N_ELEMENTS(a)

/* Round @n down/up to a multiple of @m (any @m > 0). */
#define QEMU_ALIGN_DOWN(n, m) ((n) / (m) * (m))
#define QEMU_ALIGN_UP(n, m)   QEMU_ALIGN_DOWN((n) + (m) - 1, (m))
#define QEMU_IS_ALIGNED(n, m) (((n) % (m)) == 0)

/* The same for a power-of-two @m, cheaper. */
#define ROUND_DOWN(n, m) ((n) & -(0 ? (n) : (m)))
#define ROUND_UP(n, m)   ROUND_DOWN((n) + (m) - 1, (m))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define QEMU_PTR_IS_ALIGNED(p, m) QEMU_IS_ALIGNED((uintptr_t)(p), (m))
#define QEMU_ALIGN_PTR_UP(p, m) \
    ((typeof(p))QEMU_ALIGN_UP((uintptr_t)(p), (m)))

#define KiB (INT64_C(1) << 10)
#define MiB (INT64_C(1) << 20)
#define GiB (INT64_C(1) << 30)
#define TiB (INT64_C(1) << 40)

static inline bool is_power_of_2(uint64_t value)
{
    return value && !(value & (value - 1));
}

/* Smallest power of two >= @value; 0 for 0 and for values above 2^63. */
static inline uint64_t pow2ceil(uint64_t value)
{
    if (value <= 1) {
        return value;
    }
    if (value > (UINT64_C(1) << 63)) {
        return 0;
    }
    return UINT64_C(1) << (64 - __builtin_clzll(value - 1));
}

/* Largest power of two <= @value; 0 for 0. */
static inline uint64_t pow2floor(uint64_t value)
{
    return value ? UINT64_C(1) << (63 - __builtin_clzll(value)) : 0;
}

/* Host page size, looked up once. */
static inline size_t qemu_real_host_page_size(void)
{
    static size_t size;

    if (!size) {
        size = (size_t)sysconf(_SC_PAGESIZE);
    }
    return size;
}

#endif /* QEMU_OSDEP_H */
