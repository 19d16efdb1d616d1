/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio DMA containers: an IOMMU context (or something acting like one)
 * into which guest RAM is mapped so that a device can DMA into it, and
 * the memory listener that keeps the mappings equal to the guest RAM
 * that is present and populated.  docs/devel/vfio.md explains the model.
 *
 * A backend (kernel type1, iommufd, the x-dma-pin object) embeds a
 * VFIOContainer, fills a VFIOContainerOps and calls vfio_container_init().
 * Everything else -- following the memory API, registering
 * RamDiscardListeners for sparse regions, counting mappings against the
 * limit, remembering what is mapped -- is common code.
 *
 * Threading: main thread only (listener callbacks run there).
 */
#ifndef HW_VFIO_VFIO_CONTAINER_H
#define HW_VFIO_VFIO_CONTAINER_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/memory.h"

typedef struct VFIOContainer VFIOContainer;

/* type1's default dma_entry_limit module parameter. */
#define VFIO_DEFAULT_MAX_MAPPINGS 65535

/*
 * What a backend implements.  Both callbacks get page-aligned arguments
 * (aligned to the smallest size in VFIOContainer.pgsizes), never a zero
 * size, and never overlapping mappings: the common code unmaps exactly
 * the ranges it mapped, one call per earlier dma_map.
 *
 * @dma_map: make [@iova, @iova + @size) reach host [@vaddr, + @size),
 *   writable by the device unless @readonly.  Returns 0, or -errno with
 *   @errp set and nothing mapped.
 * @dma_unmap: undo one earlier dma_map of exactly that range.  Returns 0
 *   or -errno with @errp set (the common code reports it and forgets the
 *   mapping: there is nothing better to do).
 */
typedef struct VFIOContainerOps {
    int (*dma_map)(VFIOContainer *c, hwaddr iova, uint64_t size,
                   void *vaddr, bool readonly, GError **errp);
    int (*dma_unmap)(VFIOContainer *c, hwaddr iova, uint64_t size,
                     GError **errp);
} VFIOContainerOps;

/* One current mapping, as the container recorded it. */
typedef struct VFIODMAMapping {
    hwaddr iova;
    uint64_t size;
    void *vaddr;
    bool readonly;
    bool managed;       /* a block of a RamDiscardManager's region */
} VFIODMAMapping;

/*
 * The common part of a container.  Embed it; fields are private to
 * hw/vfio/ except @ops, @name, @pgsizes and @max_mappings, which the
 * backend sets through vfio_container_init() and may read.
 * All fields are owned by the main thread.
 */
struct VFIOContainer {
    const VFIOContainerOps *ops;
    char *name;                 /* for messages: "pin0", "type1 group 12" */
    uint64_t pgsizes;           /* bitmap of IOMMU page sizes */
    uint64_t max_mappings;      /* limit on simultaneous mappings */

    /* private */
    MemoryListener listener;
    AddressSpace *as;           /* set while attached */
    GSequence *mappings;        /* VFIODMAMapping *, sorted by iova */
    GList *discard_listeners;   /* VFIORamDiscardListener * */
    uint64_t plain_mappings;    /* mappings of plain RAM sections */
    uint64_t managed_reserved;  /* worst case of all managed sections */
    GError *error;              /* first listener failure, or NULL */
    bool attaching;             /* inside vfio_container_attach() */
    bool want_system;           /* attach to system memory when known */
    bool discard_disabled;
};

/*
 * Set up @c (zeroed by the caller or embedded in a zeroed object) for
 * backend @ops.  @pgsizes must have at least one bit set; @max_mappings
 * is the backend's limit on simultaneous mappings (at least 1).
 * Disables uncoordinated RAM discard for as long as @c exists: fails,
 * with @c left unset, if some user already requires it.
 * Returns true, or false with @errp set.
 */
bool vfio_container_init(VFIOContainer *c, const VFIOContainerOps *ops,
                         const char *name, uint64_t pgsizes,
                         uint64_t max_mappings, GError **errp);

/*
 * Detach @c (every mapping is undone through the backend), re-enable
 * uncoordinated discard and free what init took.  Safe on a container
 * whose init failed or never ran (all zero).
 */
void vfio_container_destroy(VFIOContainer *c);

/*
 * Follow @as: map its RAM now (in address order) and from then on as it
 * changes.  If any section cannot be mapped or would exceed the mapping
 * limit, everything is undone and false returned with @errp set.
 * @c must not be attached.
 */
bool vfio_container_attach(VFIOContainer *c, AddressSpace *as,
                           GError **errp);

/* Stop following; every mapping is undone.  No-op if not attached. */
void vfio_container_detach(VFIOContainer *c);

bool vfio_container_is_attached(const VFIOContainer *c);

/*
 * Attach @c to system memory: now if the machine already published it
 * with vfio_containers_attach_all(), else when it does.  Returns false
 * with @errp set if an immediate attach fails.
 */
bool vfio_container_attach_system(VFIOContainer *c, GError **errp);

/*
 * Called by the machine once system memory exists: remembers @as as
 * system memory and attaches every container that asked for it with
 * vfio_container_attach_system().  Stops at the first failure, returning
 * false with @errp set (the failing container stays detached).
 */
bool vfio_containers_attach_all(AddressSpace *as, GError **errp);

/*
 * Forget system memory and detach all containers from it (machine
 * teardown).  Containers that asked for system memory re-attach at the
 * next vfio_containers_attach_all().
 */
void vfio_containers_detach_all(void);

/*
 * For a device about to expose a region of @size bytes whose population
 * is managed in blocks of @block_size (virtio-mem): would every existing
 * container still fit its worst case under its mapping limit?  To grow
 * an exposed block-aligned window that starts at a block boundary, pass
 * the growth (new size - current size) as @size.  Returns true, or false
 * with @errp set naming block-size.
 *
 * Without this check a section that does not fit after attach is still
 * followed, unreserved: populates beyond the limit are refused.
 */
bool vfio_containers_check_ram_discard(const char *what, uint64_t size,
                                       uint64_t block_size, GError **errp);

/* Number of current mappings. */
uint64_t vfio_container_nr_mappings(const VFIOContainer *c);

/*
 * Call @fn for each current mapping in increasing iova order.  @fn must
 * not change @c.
 */
void vfio_container_foreach_mapping(const VFIOContainer *c,
                                    void (*fn)(const VFIODMAMapping *m,
                                               void *opaque),
                                    void *opaque);

/*
 * The first error hit while following memory changes (a section that
 * could not be mapped or exceeded the limit), or NULL.  Borrowed; it was
 * also reported with error_report() when it happened after attach.
 */
const GError *vfio_container_get_error(const VFIOContainer *c);

#endif /* HW_VFIO_VFIO_CONTAINER_H */
