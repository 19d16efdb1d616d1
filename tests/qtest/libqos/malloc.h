/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest-physical allocator for test buffers (virtqueues, request and
 * response buffers).  It only hands out addresses: the memory is guest RAM
 * that the test reads and writes through libqtest.
 */
#ifndef LIBQOS_MALLOC_H
#define LIBQOS_MALLOC_H

#include <stdint.h>
#include <stddef.h>

typedef struct QGuestAllocator QGuestAllocator;

/*
 * The default arena for x86 machines: [1 MiB, 65 MiB) is RAM on q35 and pc
 * with the default 128 MiB and not used by anything while no firmware
 * runs (-S or -accel qtest).
 */
#define QOS_ALLOC_PC_START   UINT64_C(0x100000)
#define QOS_ALLOC_PC_END     (QOS_ALLOC_PC_START + UINT64_C(64) * 1024 * 1024)
#define QOS_ALLOC_PAGE_SIZE  4096

/**
 * guest_allocator_new:
 * @start: first usable guest-physical address.
 * @end: first address past the arena; @end > @start.
 * @page_size: power of two; every allocation is aligned to it and
 *             rounded up to a multiple of it.
 *
 * Returns: a new allocator; free it with guest_allocator_free().
 */
QGuestAllocator *guest_allocator_new(uint64_t start, uint64_t end,
                                     size_t page_size);

/** pc_alloc_new: guest_allocator_new() over the default x86 arena. */
QGuestAllocator *pc_alloc_new(void);

/**
 * guest_allocator_free:
 * Frees @a (may be NULL).  Outstanding allocations are simply forgotten.
 */
void guest_allocator_free(QGuestAllocator *a);

/**
 * guest_alloc:
 * @size: bytes, > 0.
 *
 * First fit.  Running out of arena is a test bug and asserts.
 *
 * Returns: the page-aligned guest-physical address of the block.
 */
uint64_t guest_alloc(QGuestAllocator *a, size_t size);

/**
 * guest_alloc_aligned:
 * Like guest_alloc() with an alignment that is a power of two (at least
 * the page size is used).
 */
uint64_t guest_alloc_aligned(QGuestAllocator *a, size_t size, size_t align);

/**
 * guest_free:
 * @addr: an address returned by guest_alloc() and not yet freed, or 0
 *        (ignored).  Freeing anything else asserts.
 *
 * The block merges with free neighbours.
 */
void guest_free(QGuestAllocator *a, uint64_t addr);

/** guest_allocator_in_use: bytes currently allocated (for leak checks). */
uint64_t guest_allocator_in_use(QGuestAllocator *a);

#endif /* LIBQOS_MALLOC_H */
