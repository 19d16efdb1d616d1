/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RamDiscardManager: the interface wrappers, the listener-list helpers
 * every implementer needs (notify with rollback), and RamDiscardBitmap, a
 * complete bitmap-backed implementation.
 *
 * Tuned for virtio-mem: regions of up to terabytes in blocks of 2 MiB or
 * more, a handful of listeners, state changes in runs of blocks.  Replays
 * scan the bitmap a word at a time and report maximal runs, so a listener
 * sees one section per run, never one per block.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "exec/ram-discard-manager.h"

/* --- Wrappers --- */

void ram_discard_listener_init(RamDiscardListener *rdl,
                               NotifyRamPopulate populate_fn,
                               NotifyRamDiscard discard_fn,
                               bool double_discard_supported)
{
    memset(rdl, 0, sizeof(*rdl));
    rdl->notify_populate = populate_fn;
    rdl->notify_discard = discard_fn;
    rdl->double_discard_supported = double_discard_supported;
}

uint64_t ram_discard_manager_get_min_granularity(const RamDiscardManager *rdm,
                                                 const MemoryRegion *mr)
{
    return rdm->klass->get_min_granularity(rdm, mr);
}

bool ram_discard_manager_is_populated(const RamDiscardManager *rdm,
                                      const MemoryRegionSection *section)
{
    return rdm->klass->is_populated(rdm, section);
}

int ram_discard_manager_replay_populated(const RamDiscardManager *rdm,
                                         MemoryRegionSection *section,
                                         ReplayRamPopulate fn, void *opaque)
{
    return rdm->klass->replay_populated(rdm, section, fn, opaque);
}

void ram_discard_manager_replay_discarded(const RamDiscardManager *rdm,
                                          MemoryRegionSection *section,
                                          ReplayRamDiscard fn, void *opaque)
{
    rdm->klass->replay_discarded(rdm, section, fn, opaque);
}

void ram_discard_manager_register_listener(RamDiscardManager *rdm,
                                           RamDiscardListener *rdl,
                                           MemoryRegionSection *section)
{
    rdm->klass->register_listener(rdm, rdl, section);
}

void ram_discard_manager_unregister_listener(RamDiscardManager *rdm,
                                             RamDiscardListener *rdl)
{
    rdm->klass->unregister_listener(rdm, rdl);
}

/* --- Listener lists --- */

void ram_discard_listener_list_add(RamDiscardListenerList *list,
                                   RamDiscardListener *rdl,
                                   const MemoryRegionSection *section)
{
    RamDiscardListener **p = &list->first;

    g_assert(!rdl->section);
    rdl->section = memory_region_section_new_copy(section);
    rdl->next = NULL;
    while (*p) {
        p = &(*p)->next;
    }
    *p = rdl;
}

void ram_discard_listener_list_remove(RamDiscardListenerList *list,
                                      RamDiscardListener *rdl)
{
    RamDiscardListener **p = &list->first;

    while (*p != rdl) {
        g_assert(*p);
        p = &(*p)->next;
    }
    *p = rdl->next;
    rdl->next = NULL;
    memory_region_section_free_copy(rdl->section);
    rdl->section = NULL;
}

/* @rdl's section narrowed to the range; false if they do not overlap. */
static bool listener_overlap(const RamDiscardListener *rdl, uint64_t offset,
                             uint64_t size, MemoryRegionSection *out)
{
    *out = *rdl->section;
    return memory_region_section_intersect_range(out, offset, size);
}

static void notify_discard_until(RamDiscardListenerList *list,
                                 RamDiscardListener *stop,
                                 uint64_t offset, uint64_t size)
{
    RamDiscardListener *rdl;
    MemoryRegionSection s;

    for (rdl = list->first; rdl != stop; rdl = rdl->next) {
        if (listener_overlap(rdl, offset, size, &s)) {
            rdl->notify_discard(rdl, &s);
        }
    }
}

int ram_discard_manager_notify_populate(RamDiscardListenerList *list,
                                        uint64_t offset, uint64_t size)
{
    RamDiscardListener *rdl;
    MemoryRegionSection s;
    int ret;

    for (rdl = list->first; rdl; rdl = rdl->next) {
        if (!listener_overlap(rdl, offset, size, &s)) {
            continue;
        }
        ret = rdl->notify_populate(rdl, &s);
        if (ret) {
            notify_discard_until(list, rdl, offset, size);
            return ret;
        }
    }
    return 0;
}

void ram_discard_manager_notify_discard(RamDiscardListenerList *list,
                                        uint64_t offset, uint64_t size)
{
    notify_discard_until(list, NULL, offset, size);
}

/* --- RamDiscardBitmap --- */

static RamDiscardBitmap *to_rdb(const RamDiscardManager *rdm)
{
    return container_of(rdm, RamDiscardBitmap, rdm);
}

/* Blocks [*first, *end) covered by @s (rounded outwards). */
static void section_blocks(const RamDiscardBitmap *rdb,
                           const MemoryRegionSection *s,
                           uint64_t *first, uint64_t *end)
{
    *first = s->offset_within_region / rdb->granularity;
    *end = DIV_ROUND_UP(s->offset_within_region + s->size,
                        rdb->granularity);
    *end = MIN(*end, rdb->nr_blocks);
}

/* First block in [start, end) whose bit equals @set, or @end. */
static uint64_t next_block(const RamDiscardBitmap *rdb, uint64_t start,
                           uint64_t end, bool set)
{
    return set ? find_next_bit(rdb->bitmap, end, start) :
                 find_next_zero_bit(rdb->bitmap, end, start);
}

/* Call @fn on each run of blocks equal to @set within @s, clipped to @s. */
static int for_each_run(const RamDiscardBitmap *rdb,
                        const MemoryRegionSection *s, bool set,
                        int (*fn)(MemoryRegionSection *, void *),
                        void *opaque)
{
    uint64_t first, end, start;
    int ret;

    section_blocks(rdb, s, &first, &end);
    start = next_block(rdb, first, end, set);
    while (start < end) {
        uint64_t stop = next_block(rdb, start, end, !set);
        MemoryRegionSection run = *s;

        if (memory_region_section_intersect_range(&run,
                start * rdb->granularity, (stop - start) * rdb->granularity)) {
            ret = fn(&run, opaque);
            if (ret) {
                return ret;
            }
        }
        start = next_block(rdb, stop, end, set);
    }
    return 0;
}

static uint64_t rdb_get_min_granularity(const RamDiscardManager *rdm,
                                        const MemoryRegion *mr)
{
    return to_rdb(rdm)->granularity;
}

static bool rdb_is_populated(const RamDiscardManager *rdm,
                             const MemoryRegionSection *s)
{
    const RamDiscardBitmap *rdb = to_rdb(rdm);
    uint64_t first, end;

    section_blocks(rdb, s, &first, &end);
    return first >= end || bitmap_test_range_all_set(rdb->bitmap, first,
                                                     end - first);
}

static int rdb_replay_populated(const RamDiscardManager *rdm,
                                MemoryRegionSection *s,
                                ReplayRamPopulate fn, void *opaque)
{
    return for_each_run(to_rdb(rdm), s, true, fn, opaque);
}

typedef struct DiscardReplay {
    ReplayRamDiscard fn;
    void *opaque;
} DiscardReplay;

static int discard_replay_one(MemoryRegionSection *s, void *opaque)
{
    DiscardReplay *dr = opaque;

    dr->fn(s, dr->opaque);
    return 0;
}

static void rdb_replay_discarded(const RamDiscardManager *rdm,
                                 MemoryRegionSection *s,
                                 ReplayRamDiscard fn, void *opaque)
{
    DiscardReplay dr = { fn, opaque };

    for_each_run(to_rdb(rdm), s, false, discard_replay_one, &dr);
}

static int populate_one(MemoryRegionSection *s, void *opaque)
{
    RamDiscardListener *rdl = opaque;

    /* Registration cannot be refused; the result is ignored. */
    rdl->notify_populate(rdl, s);
    return 0;
}

static int discard_one(MemoryRegionSection *s, void *opaque)
{
    RamDiscardListener *rdl = opaque;

    rdl->notify_discard(rdl, s);
    return 0;
}

static void rdb_register_listener(RamDiscardManager *rdm,
                                  RamDiscardListener *rdl,
                                  MemoryRegionSection *s)
{
    RamDiscardBitmap *rdb = to_rdb(rdm);

    g_assert(s->mr == rdb->mr);
    ram_discard_listener_list_add(&rdb->listeners, rdl, s);
    for_each_run(rdb, rdl->section, true, populate_one, rdl);
}

static void rdb_unregister_listener(RamDiscardManager *rdm,
                                    RamDiscardListener *rdl)
{
    RamDiscardBitmap *rdb = to_rdb(rdm);

    if (rdl->double_discard_supported) {
        rdl->notify_discard(rdl, rdl->section);
    } else {
        for_each_run(rdb, rdl->section, true, discard_one, rdl);
    }
    ram_discard_listener_list_remove(&rdb->listeners, rdl);
}

static const RamDiscardManagerClass ram_discard_bitmap_class = {
    .get_min_granularity = rdb_get_min_granularity,
    .is_populated = rdb_is_populated,
    .replay_populated = rdb_replay_populated,
    .replay_discarded = rdb_replay_discarded,
    .register_listener = rdb_register_listener,
    .unregister_listener = rdb_unregister_listener,
};

void ram_discard_bitmap_init(RamDiscardBitmap *rdb, MemoryRegion *mr,
                             uint64_t granularity)
{
    uint64_t size = memory_region_size(mr);

    g_assert(is_power_of_2(granularity));
    g_assert(QEMU_IS_ALIGNED(size, granularity));
    memset(rdb, 0, sizeof(*rdb));
    rdb->rdm.klass = &ram_discard_bitmap_class;
    rdb->mr = mr;
    rdb->granularity = granularity;
    rdb->nr_blocks = size / granularity;
    rdb->bitmap = g_new0(unsigned long,
                         DIV_ROUND_UP(rdb->nr_blocks, BITS_PER_LONG) + 1);
}

void ram_discard_bitmap_destroy(RamDiscardBitmap *rdb)
{
    g_assert(!rdb->listeners.first);
    g_free(rdb->bitmap);
    rdb->bitmap = NULL;
}

/* Validate a range; on success it sets *first and *nr. */
static bool rdb_range(const RamDiscardBitmap *rdb, uint64_t offset,
                      uint64_t size, uint64_t *first, uint64_t *nr)
{
    uint64_t total = rdb->nr_blocks * rdb->granularity;

    if (!size || !QEMU_IS_ALIGNED(offset, rdb->granularity) ||
        !QEMU_IS_ALIGNED(size, rdb->granularity) ||
        offset >= total || size > total - offset) {
        return false;
    }
    *first = offset / rdb->granularity;
    *nr = size / rdb->granularity;
    return true;
}

bool ram_discard_bitmap_range_populated(const RamDiscardBitmap *rdb,
                                        uint64_t offset, uint64_t size)
{
    uint64_t first, nr;

    return rdb_range(rdb, offset, size, &first, &nr) &&
           bitmap_test_range_all_set(rdb->bitmap, first, nr);
}

bool ram_discard_bitmap_range_discarded(const RamDiscardBitmap *rdb,
                                        uint64_t offset, uint64_t size)
{
    uint64_t first, nr;

    return rdb_range(rdb, offset, size, &first, &nr) &&
           bitmap_test_range_all_clear(rdb->bitmap, first, nr);
}

int ram_discard_bitmap_populate(RamDiscardBitmap *rdb, uint64_t offset,
                                uint64_t size)
{
    uint64_t first, nr;
    int ret;

    if (!rdb_range(rdb, offset, size, &first, &nr)) {
        return -EINVAL;
    }
    if (!ram_discard_bitmap_range_discarded(rdb, offset, size)) {
        return -EBUSY;
    }
    ret = ram_discard_manager_notify_populate(&rdb->listeners, offset, size);
    if (ret) {
        return ret;
    }
    bitmap_set(rdb->bitmap, first, nr);
    return 0;
}

int ram_discard_bitmap_discard(RamDiscardBitmap *rdb, uint64_t offset,
                               uint64_t size)
{
    uint64_t first, nr;

    if (!rdb_range(rdb, offset, size, &first, &nr)) {
        return -EINVAL;
    }
    if (!ram_discard_bitmap_range_populated(rdb, offset, size)) {
        return -EBUSY;
    }
    ram_discard_manager_notify_discard(&rdb->listeners, offset, size);
    bitmap_clear(rdb->bitmap, first, nr);
    return 0;
}

void ram_discard_bitmap_discard_all(RamDiscardBitmap *rdb)
{
    uint64_t start = find_next_bit(rdb->bitmap, rdb->nr_blocks, 0);

    while (start < rdb->nr_blocks) {
        uint64_t stop = find_next_zero_bit(rdb->bitmap, rdb->nr_blocks,
                                           start);

        ram_discard_manager_notify_discard(&rdb->listeners,
                                           start * rdb->granularity,
                                           (stop - start) * rdb->granularity);
        bitmap_clear(rdb->bitmap, start, stop - start);
        start = find_next_bit(rdb->bitmap, rdb->nr_blocks, stop);
    }
}
