/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RamDiscardManager: who may tell which parts of a sparse RAM region are
 * populated (backed, usable by the guest) and which are discarded.
 *
 * The owner of a sparse RAM region (virtio-mem) implements it; consumers
 * that must not touch discarded memory (vfio pins populated parts only)
 * register a RamDiscardListener for a section of the region and are told
 * of every populate (which they may refuse) and discard.
 *
 * There is no object model in this room, so the interface is a vtable:
 * the implementer embeds a RamDiscardManager in its state, points .klass
 * at a static RamDiscardManagerClass and recovers its state in the
 * callbacks with container_of().  Most implementers need none of that:
 * RamDiscardBitmap below is a complete implementation over a bitmap of
 * populated blocks; embed one, call ram_discard_bitmap_init(), and use
 * ram_discard_bitmap_populate()/_discard() to change state.
 *
 * Threading: main thread only.
 */
#ifndef EXEC_RAM_DISCARD_MANAGER_H
#define EXEC_RAM_DISCARD_MANAGER_H

#include "exec/memory.h"

typedef struct RamDiscardListener RamDiscardListener;
typedef struct RamDiscardManagerClass RamDiscardManagerClass;

/* Return 0 to accept; a negative errno refuses the populate. */
typedef int (*NotifyRamPopulate)(RamDiscardListener *rdl,
                                 MemoryRegionSection *section);
typedef void (*NotifyRamDiscard)(RamDiscardListener *rdl,
                                 MemoryRegionSection *section);
/* Replay callbacks; a non-zero return stops replay_populated. */
typedef int (*ReplayRamPopulate)(MemoryRegionSection *section, void *opaque);
typedef void (*ReplayRamDiscard)(MemoryRegionSection *section, void *opaque);

struct RamDiscardListener {
    NotifyRamPopulate notify_populate;
    NotifyRamDiscard notify_discard;
    /*
     * May notify_discard be called for parts that are already discarded?
     * If false the manager reports only populated parts.
     */
    bool double_discard_supported;
    /* The part of the region listened to (a copy owned by the manager). */
    MemoryRegionSection *section;
    RamDiscardListener *next;   /* the manager's list */
};

/*
 * The interface.  Sections passed in lie within the managed region; all
 * offsets are offsets in the region and multiples of the granularity are
 * what implementations report.
 */
struct RamDiscardManagerClass {
    /* Smallest unit that is populated or discarded; a power of two. */
    uint64_t (*get_min_granularity)(const RamDiscardManager *rdm,
                                    const MemoryRegion *mr);
    /* Is all of @section populated? */
    bool (*is_populated)(const RamDiscardManager *rdm,
                         const MemoryRegionSection *section);
    /*
     * Call @fn for each maximal populated part of @section, in address
     * order; stop and return @fn's value when it is non-zero.
     */
    int (*replay_populated)(const RamDiscardManager *rdm,
                            MemoryRegionSection *section,
                            ReplayRamPopulate fn, void *opaque);
    /* The same for discarded parts (no early stop). */
    void (*replay_discarded)(const RamDiscardManager *rdm,
                             MemoryRegionSection *section,
                             ReplayRamDiscard fn, void *opaque);
    /*
     * Start notifying @rdl about @section.  Before returning, the listener
     * gets notify_populate for every populated part (the implementation
     * must not let it refuse: the return value is ignored, QEMU-style).
     */
    void (*register_listener)(RamDiscardManager *rdm,
                              RamDiscardListener *rdl,
                              MemoryRegionSection *section);
    /* Stop; the listener first gets notify_discard for populated parts. */
    void (*unregister_listener)(RamDiscardManager *rdm,
                                RamDiscardListener *rdl);
};

struct RamDiscardManager {
    const RamDiscardManagerClass *klass;
};

/* Fill in a listener before registering it. */
void ram_discard_listener_init(RamDiscardListener *rdl,
                               NotifyRamPopulate populate_fn,
                               NotifyRamDiscard discard_fn,
                               bool double_discard_supported);

/* Wrappers over the class (what consumers call). */
uint64_t ram_discard_manager_get_min_granularity(const RamDiscardManager *rdm,
                                                 const MemoryRegion *mr);
bool ram_discard_manager_is_populated(const RamDiscardManager *rdm,
                                      const MemoryRegionSection *section);
int ram_discard_manager_replay_populated(const RamDiscardManager *rdm,
                                         MemoryRegionSection *section,
                                         ReplayRamPopulate fn, void *opaque);
void ram_discard_manager_replay_discarded(const RamDiscardManager *rdm,
                                          MemoryRegionSection *section,
                                          ReplayRamDiscard fn, void *opaque);
void ram_discard_manager_register_listener(RamDiscardManager *rdm,
                                           RamDiscardListener *rdl,
                                           MemoryRegionSection *section);
void ram_discard_manager_unregister_listener(RamDiscardManager *rdm,
                                             RamDiscardListener *rdl);

/* --- Helpers for implementers --- */

/* The listeners of one manager. */
typedef struct RamDiscardListenerList {
    RamDiscardListener *first;
} RamDiscardListenerList;

/* Append @rdl, keeping a private copy of @section in rdl->section. */
void ram_discard_listener_list_add(RamDiscardListenerList *list,
                                   RamDiscardListener *rdl,
                                   const MemoryRegionSection *section);
/* Remove @rdl and free its section copy. */
void ram_discard_listener_list_remove(RamDiscardListenerList *list,
                                      RamDiscardListener *rdl);

/*
 * Tell every listener whose section overlaps region range
 * [@offset, @offset + @size) that it is being populated (each sees only
 * its overlap), in list order.  If one refuses, the listeners already told
 * are told to discard the same range again, and its error is returned;
 * the caller must then leave the range discarded.  Returns 0 on success.
 */
int ram_discard_manager_notify_populate(RamDiscardListenerList *list,
                                        uint64_t offset, uint64_t size);
/* Tell overlapping listeners that the range is being discarded. */
void ram_discard_manager_notify_discard(RamDiscardListenerList *list,
                                        uint64_t offset, uint64_t size);

/*
 * A complete RamDiscardManager over a bitmap: bit i set means block
 * [i * granularity, (i + 1) * granularity) of @mr is populated.
 * Operations cost O(bitmap words) for replays and O(range) bit updates,
 * never a call per block: consecutive blocks are reported as one section.
 */
typedef struct RamDiscardBitmap {
    RamDiscardManager rdm;          /* klass set by init */
    MemoryRegion *mr;
    uint64_t granularity;
    uint64_t nr_blocks;
    unsigned long *bitmap;          /* owned */
    RamDiscardListenerList listeners;
} RamDiscardBitmap;

/*
 * Set up @rdb for @mr (all discarded) with @granularity, a power of two
 * that divides memory_region_size(@mr).  Does not attach it: the caller
 * then calls memory_region_set_ram_discard_manager(mr, &rdb->rdm).
 */
void ram_discard_bitmap_init(RamDiscardBitmap *rdb, MemoryRegion *mr,
                             uint64_t granularity);
/* Free the bitmap; no listener may remain registered. */
void ram_discard_bitmap_destroy(RamDiscardBitmap *rdb);
/*
 * Populate [@offset, @offset + @size) (granularity-aligned, inside the
 * region, currently all discarded): listeners first, with rollback as in
 * ram_discard_manager_notify_populate(); the bits are set only if all
 * accept.  Returns 0, -EINVAL for a bad range, -EBUSY if part of it is
 * already populated, or a listener's error.
 */
int ram_discard_bitmap_populate(RamDiscardBitmap *rdb, uint64_t offset,
                                uint64_t size);
/*
 * Discard [@offset, @offset + @size) (aligned, inside, all populated):
 * listeners are told, then the bits cleared.  Returns 0, -EINVAL for a
 * bad range or -EBUSY if part of it is already discarded.  Releasing the
 * memory itself (ram_block_discard_range) is the caller's job.
 */
int ram_discard_bitmap_discard(RamDiscardBitmap *rdb, uint64_t offset,
                               uint64_t size);
/* Discard every populated run (listeners told run by run). */
void ram_discard_bitmap_discard_all(RamDiscardBitmap *rdb);
/* Is every block of [@offset, @offset + @size) populated, or all discarded? */
bool ram_discard_bitmap_range_populated(const RamDiscardBitmap *rdb,
                                        uint64_t offset, uint64_t size);
bool ram_discard_bitmap_range_discarded(const RamDiscardBitmap *rdb,
                                        uint64_t offset, uint64_t size);

#endif /* EXEC_RAM_DISCARD_MANAGER_H */
