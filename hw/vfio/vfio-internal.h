/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private interface between hw/vfio/container.c (mapping records, the
 * container registry) and hw/vfio/listener.c (following the memory API).
 */
#ifndef HW_VFIO_VFIO_INTERNAL_H
#define HW_VFIO_VFIO_INTERNAL_H

#include "hw/vfio/vfio-container.h"

/* Smallest IOMMU page size of @c. */
static inline uint64_t vfio_container_min_page(const VFIOContainer *c)
{
    return c->pgsizes & -c->pgsizes;
}

/*
 * Map through the backend and record the mapping.  Fails (without
 * calling the backend) when the budget is exhausted: every mapping must
 * fit beside the current mappings, and a plain one also beside the worst
 * case reserved for managed sections.
 * Returns 0 or -errno with @errp set.
 */
int vfio_container_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                       void *vaddr, bool readonly, bool managed,
                       GError **errp);

/*
 * Unmap, one backend call each, every recorded mapping that lies inside
 * [@iova, @iova + @size); mappings straddling the ends are a programming
 * error.  Backend failures are reported and the records dropped anyway.
 * Cost: O(log n + k) for k mappings removed.  Returns k.
 */
uint64_t vfio_container_unmap_range(VFIOContainer *c, hwaddr iova,
                                    uint64_t size);

/*
 * A listener callback failed: keep @err (ownership taken) as @c's error
 * if it is the first, and report it unless an attach is in progress
 * (vfio_container_attach() then propagates it).
 */
void vfio_container_record_error(VFIOContainer *c, GError *err);

/*
 * Would @extra more worst-case mappings of blocks of @block_size still
 * fit into @c?  If not, return false with an error naming block-size
 * (@what names the region for the message).
 */
bool vfio_container_check_reserve(const VFIOContainer *c, const char *what,
                                   uint64_t extra, uint64_t block_size,
                                   GError **errp);

/* Fill c->listener with the callbacks of listener.c. */
void vfio_listener_setup(VFIOContainer *c);

/*
 * Worst-case number of mappings of a section at region offsets
 * [@offset, @offset + @size) managed in blocks of @block_size: the
 * number of blocks it touches.
 */
uint64_t vfio_managed_worst_case(uint64_t offset, uint64_t size,
                                 uint64_t block_size);

#endif /* HW_VFIO_VFIO_INTERNAL_H */
