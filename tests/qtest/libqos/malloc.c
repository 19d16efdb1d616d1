/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-memory allocator for qtests: owns a range of guest-physical
 * addresses and hands out page-aligned blocks from it.
 *
 * Workload: tens to hundreds of live blocks per test, allocated and freed
 * in any order.  A sorted list of free extents with first fit and
 * neighbour merging is plenty; allocated blocks are found by address in a
 * hash table.
 */
#include "qemu/osdep.h"

#include "libqos/malloc.h"
#include "libqtest.h"

typedef struct Extent {
    uint64_t addr;
    uint64_t size;
} Extent;

struct QGuestAllocator {
    uint64_t start;
    uint64_t end;
    size_t page_size;
    GList *free;            /* Extent *, sorted by addr, never adjacent */
    GHashTable *used;       /* addr -> size, both as guint64 boxed keys */
    uint64_t in_use;
};

static Extent *extent_new(uint64_t addr, uint64_t size)
{
    Extent *e = g_new(Extent, 1);

    e->addr = addr;
    e->size = size;
    return e;
}

QGuestAllocator *guest_allocator_new(uint64_t start, uint64_t end,
                                     size_t page_size)
{
    QGuestAllocator *a = g_new0(QGuestAllocator, 1);

    g_assert_true(is_power_of_2(page_size));
    start = ROUND_UP(start, (uint64_t)page_size);
    g_assert_cmphex(end, >, start);
    a->start = start;
    a->end = end;
    a->page_size = page_size;
    a->free = g_list_append(NULL, extent_new(start, end - start));
    a->used = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                    g_free);
    return a;
}

QGuestAllocator *pc_alloc_new(void)
{
    return guest_allocator_new(QOS_ALLOC_PC_START, QOS_ALLOC_PC_END,
                               QOS_ALLOC_PAGE_SIZE);
}

void guest_allocator_free(QGuestAllocator *a)
{
    if (!a) {
        return;
    }
    g_list_free_full(a->free, g_free);
    g_hash_table_destroy(a->used);
    g_free(a);
}

static void record_used(QGuestAllocator *a, uint64_t addr, uint64_t size)
{
    uint64_t *key = g_new(uint64_t, 1);
    uint64_t *val = g_new(uint64_t, 1);

    *key = addr;
    *val = size;
    g_hash_table_insert(a->used, key, val);
    a->in_use += size;
}

uint64_t guest_alloc_aligned(QGuestAllocator *a, size_t size, size_t align)
{
    uint64_t len;

    g_assert_cmpuint(size, >, 0);
    g_assert_true(is_power_of_2(align));
    align = MAX(align, a->page_size);
    len = ROUND_UP((uint64_t)size, (uint64_t)a->page_size);

    for (GList *l = a->free; l; l = l->next) {
        Extent *e = l->data;
        uint64_t addr = ROUND_UP(e->addr, (uint64_t)align);
        uint64_t e_end = e->addr + e->size;

        if (addr < e->addr || addr + len > e_end || addr + len < addr) {
            continue;
        }
        /* Split the extent into [e->addr, addr) and [addr + len, e_end). */
        if (addr + len < e_end) {
            a->free = g_list_insert_before(a->free, l->next,
                                           extent_new(addr + len,
                                                      e_end - addr - len));
        }
        if (addr > e->addr) {
            e->size = addr - e->addr;
        } else {
            a->free = g_list_delete_link(a->free, l);
            g_free(e);
        }
        record_used(a, addr, len);
        return addr;
    }
    qtest_fail_test("guest_alloc: no room for 0x%zx bytes (align 0x%zx) "
                    "in [0x%" PRIx64 ", 0x%" PRIx64 ")", size, align,
                    a->start, a->end);
}

uint64_t guest_alloc(QGuestAllocator *a, size_t size)
{
    return guest_alloc_aligned(a, size, a->page_size);
}

void guest_free(QGuestAllocator *a, uint64_t addr)
{
    uint64_t *sizep, size;
    GList *l, *prev = NULL;
    Extent *e;

    if (!addr) {
        return;
    }
    sizep = g_hash_table_lookup(a->used, &addr);
    if (!sizep) {
        qtest_fail_test("guest_free: 0x%" PRIx64 " was not allocated", addr);
    }
    size = *sizep;
    g_hash_table_remove(a->used, &addr);
    a->in_use -= size;

    for (l = a->free; l && ((Extent *)l->data)->addr < addr; l = l->next) {
        prev = l;
    }
    /* Merge with the extent before, the one after, or both. */
    if (prev && ((Extent *)prev->data)->addr +
                ((Extent *)prev->data)->size == addr) {
        e = prev->data;
        e->size += size;
    } else {
        e = extent_new(addr, size);
        a->free = g_list_insert_before(a->free, l, e);
    }
    if (l && e->addr + e->size == ((Extent *)l->data)->addr) {
        e->size += ((Extent *)l->data)->size;
        g_free(l->data);
        a->free = g_list_delete_link(a->free, l);
    }
}

uint64_t guest_allocator_in_use(QGuestAllocator *a)
{
    return a->in_use;
}
