/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between softmmu/memory.c and softmmu/flatview.c only. */
#ifndef SOFTMMU_MEMORY_INTERNAL_H
#define SOFTMMU_MEMORY_INTERNAL_H

#include "exec/memory.h"

/*
 * Render the graph under @root into a new FlatView (refcount 1).  Every
 * range holds a reference on its region.  Adjacent ranges that continue
 * the same region are merged.
 */
FlatView *flatview_render(MemoryRegion *root);
/* Do @a and @b show the same thing at the same addresses? */
bool flatrange_equal(const FlatRange *a, const FlatRange *b);

/* The first range ending above @addr (it may start above it), or NULL. */
const FlatRange *flatview_next(const FlatView *fv, hwaddr addr);

/* Record a change of the graph; render now unless in a transaction. */
void memory_region_changed(void);

/*
 * ioeventfds (memory-ioeventfd.c): bring @as's rendered list up to date
 * with its current FlatView, telling listeners the differences; replay
 * the list to one listener (@add false: as removals); free @mr's list.
 */
void address_space_update_ioeventfds(AddressSpace *as);
void memory_listener_replay_ioeventfds(MemoryListener *ml, AddressSpace *as,
                                       bool add);
void memory_region_free_ioeventfds(MemoryRegion *mr);

#endif /* SOFTMMU_MEMORY_INTERNAL_H */
