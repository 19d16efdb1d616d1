/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio containers: the common part every DMA backend shares.  It owns
 * the record of current mappings (what the backend was asked to map and
 * not yet to unmap), the mapping budget (plain sections plus the worst
 * case of every discard-managed section, checked against the backend's
 * limit), the coordination with RAM discard, and the registry that
 * attaches containers to system memory once the machine has built it.
 *
 * Tuned for tens of thousands of mappings (a 64 GiB virtio-mem region in
 * 2 MiB blocks is 32768 of them) changing a run of blocks at a time: the
 * record is a sorted sequence, so unmapping a range costs O(log n) plus
 * the mappings removed, never a walk of all mappings or of all blocks.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "vfio-internal.h"

TRACE_EVENT(vfio_dma_map);
TRACE_EVENT(vfio_dma_unmap);

/* Every initialised container, for attach_all and the pre-plug check. */
static GList *vfio_containers;
/* System memory once the machine published it. */
static AddressSpace *vfio_system_as;

/* --- The mapping record --- */

/*
 * Order by iova.  A probe (size 0, never stored) sorts before a stored
 * mapping at the same iova, so searching with a probe finds the first
 * mapping at or above its iova whichever argument order GLib uses.
 */
static gint mapping_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    const VFIODMAMapping *ma = a, *mb = b;

    if (ma->iova != mb->iova) {
        return ma->iova < mb->iova ? -1 : 1;
    }
    return (mb->size == 0) - (ma->size == 0);
}

static GSequenceIter *first_mapping_at_or_above(const VFIOContainer *c,
                                                hwaddr iova)
{
    VFIODMAMapping probe = { .iova = iova, .size = 0 };

    return g_sequence_search(c->mappings, &probe, mapping_cmp, NULL);
}

int vfio_container_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                       void *vaddr, bool readonly, bool managed,
                       GError **errp)
{
    VFIODMAMapping *m;
    int ret;

    g_assert(size && QEMU_IS_ALIGNED(iova | size,
                                     vfio_container_min_page(c)));
    /*
     * Blocks of managed sections were reserved when their listener was
     * registered; a plain section must fit beside every reservation, so
     * that a later plug never finds the container full, and beside the
     * blocks of a section followed without a reservation.  Nothing may
     * go over the limit.
     */
    if (vfio_container_nr_mappings(c) >= c->max_mappings ||
        (!managed &&
         c->plain_mappings + c->managed_reserved >= c->max_mappings)) {
        error_setg(errp, "vfio: container '%s': cannot map 0x%" PRIx64
                   "+0x%" PRIx64 ": all %" PRIu64 " mappings are in use or "
                   "reserved for discard-managed memory", c->name, iova,
                   size, c->max_mappings);
        return -ENOSPC;
    }
    trace(vfio_dma_map, "%s iova=0x%" PRIx64 " size=0x%" PRIx64
          " vaddr=%p ro=%d", c->name, iova, size, vaddr, readonly);
    ret = c->ops->dma_map(c, iova, size, vaddr, readonly, errp);
    if (ret < 0) {
        return ret;
    }
    m = g_new(VFIODMAMapping, 1);
    *m = (VFIODMAMapping) {
        .iova = iova, .size = size, .vaddr = vaddr,
        .readonly = readonly, .managed = managed,
    };
    g_sequence_insert_sorted(c->mappings, m, mapping_cmp, NULL);
    if (!managed) {
        c->plain_mappings++;
    }
    return 0;
}

uint64_t vfio_container_unmap_range(VFIOContainer *c, hwaddr iova,
                                    uint64_t size)
{
    GSequenceIter *it = first_mapping_at_or_above(c, iova);
    hwaddr last = iova + size - 1;
    uint64_t n = 0;

    /* The mapping before @iova must end before it. */
    if (!g_sequence_iter_is_begin(it)) {
        VFIODMAMapping *prev = g_sequence_get(g_sequence_iter_prev(it));

        g_assert(prev->iova + prev->size - 1 < iova);
    }
    while (!g_sequence_iter_is_end(it)) {
        VFIODMAMapping *m = g_sequence_get(it);
        GSequenceIter *next = g_sequence_iter_next(it);
        g_autoptr(GError) err = NULL;

        if (m->iova > last) {
            break;
        }
        g_assert(m->iova + m->size - 1 <= last);
        trace(vfio_dma_unmap, "%s iova=0x%" PRIx64 " size=0x%" PRIx64,
              c->name, m->iova, m->size);
        if (c->ops->dma_unmap(c, m->iova, m->size, &err) < 0) {
            error_report("%s", err->message);
        }
        if (!m->managed) {
            c->plain_mappings--;
        }
        g_sequence_remove(it);      /* frees m */
        n++;
        it = next;
    }
    return n;
}

uint64_t vfio_container_nr_mappings(const VFIOContainer *c)
{
    return c->mappings ? g_sequence_get_length(c->mappings) : 0;
}

void vfio_container_foreach_mapping(const VFIOContainer *c,
                                    void (*fn)(const VFIODMAMapping *m,
                                               void *opaque),
                                    void *opaque)
{
    GSequenceIter *it;

    if (!c->mappings) {
        return;
    }
    for (it = g_sequence_get_begin_iter(c->mappings);
         !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it)) {
        fn(g_sequence_get(it), opaque);
    }
}

/* --- Errors and the mapping budget --- */

void vfio_container_record_error(VFIOContainer *c, GError *err)
{
    if (!c->attaching) {
        error_report("%s", err->message);
    }
    if (c->error) {
        g_error_free(err);
    } else {
        c->error = err;
    }
}

const GError *vfio_container_get_error(const VFIOContainer *c)
{
    return c->error;
}

bool vfio_container_check_reserve(const VFIOContainer *c, const char *what,
                                  uint64_t extra, uint64_t block_size,
                                  GError **errp)
{
    uint64_t used = c->plain_mappings + c->managed_reserved;

    if (extra <= c->max_mappings && used <= c->max_mappings - extra) {
        return true;
    }
    error_setg(errp, "vfio: container '%s': '%s' could need %" PRIu64
               " mappings with block-size 0x%" PRIx64 " and %" PRIu64
               " are already accounted for, above the limit of %" PRIu64
               " mappings; use a larger block-size", c->name, what, extra,
               block_size, used, c->max_mappings);
    return false;
}

uint64_t vfio_managed_worst_case(uint64_t offset, uint64_t size,
                                 uint64_t block_size)
{
    uint64_t first = offset / block_size;
    uint64_t end = offset / block_size +
                   DIV_ROUND_UP(offset % block_size + size, block_size);

    return size ? end - first : 0;
}

bool vfio_containers_check_ram_discard(const char *what, uint64_t size,
                                       uint64_t block_size, GError **errp)
{
    uint64_t extra;
    GList *l;

    g_assert(is_power_of_2(block_size));
    extra = vfio_managed_worst_case(0, size, block_size);
    for (l = vfio_containers; l; l = l->next) {
        if (!vfio_container_check_reserve(l->data, what, extra, block_size,
                                          errp)) {
            return false;
        }
    }
    return true;
}

/* --- Life cycle --- */

bool vfio_container_init(VFIOContainer *c, const VFIOContainerOps *ops,
                         const char *name, uint64_t pgsizes,
                         uint64_t max_mappings, GError **errp)
{
    g_assert(ops && ops->dma_map && ops->dma_unmap && pgsizes);
    g_assert(!c->mappings);
    if (max_mappings < 1) {
        error_setg(errp, "vfio: container '%s': the mapping limit must be "
                   "at least 1", name);
        return false;
    }
    if (ram_block_uncoordinated_discard_disable(true) < 0) {
        error_setg(errp, "vfio: container '%s': cannot disable uncoordinated "
                   "RAM discard, another user (e.g. a balloon) requires it; "
                   "pinned memory and such discard cannot coexist", name);
        return false;
    }
    c->discard_disabled = true;
    c->ops = ops;
    c->name = g_strdup(name);
    c->pgsizes = pgsizes;
    c->max_mappings = max_mappings;
    c->mappings = g_sequence_new(g_free);
    vfio_listener_setup(c);
    vfio_containers = g_list_prepend(vfio_containers, c);
    return true;
}

void vfio_container_destroy(VFIOContainer *c)
{
    if (!c->mappings) {
        return;
    }
    vfio_container_detach(c);
    vfio_containers = g_list_remove(vfio_containers, c);
    g_assert(!g_sequence_get_length(c->mappings));
    g_clear_pointer(&c->mappings, g_sequence_free);
    g_clear_error(&c->error);
    g_clear_pointer(&c->name, g_free);
    if (c->discard_disabled) {
        ram_block_uncoordinated_discard_disable(false);
        c->discard_disabled = false;
    }
}

bool vfio_container_is_attached(const VFIOContainer *c)
{
    return c->as != NULL;
}

bool vfio_container_attach(VFIOContainer *c, AddressSpace *as, GError **errp)
{
    g_assert(c->mappings && !c->as);
    g_clear_error(&c->error);
    c->as = as;
    c->attaching = true;
    memory_listener_register(&c->listener, as);
    c->attaching = false;
    if (c->error) {
        g_propagate_error(errp, g_steal_pointer(&c->error));
        vfio_container_detach(c);
        return false;
    }
    return true;
}

void vfio_container_detach(VFIOContainer *c)
{
    if (!c->as) {
        return;
    }
    memory_listener_unregister(&c->listener);
    c->as = NULL;
    g_assert(!c->discard_listeners);
    g_assert(c->plain_mappings == 0 && c->managed_reserved == 0);
}

bool vfio_container_attach_system(VFIOContainer *c, GError **errp)
{
    c->want_system = true;
    if (!vfio_system_as) {
        return true;    /* vfio_containers_attach_all() will */
    }
    return vfio_container_attach(c, vfio_system_as, errp);
}

bool vfio_containers_attach_all(AddressSpace *as, GError **errp)
{
    GList *l;

    vfio_system_as = as;
    /* Oldest first: the list is kept newest first. */
    for (l = g_list_last(vfio_containers); l; l = l->prev) {
        VFIOContainer *c = l->data;

        if (c->want_system && !c->as && !vfio_container_attach(c, as, errp)) {
            return false;
        }
    }
    return true;
}

void vfio_containers_detach_all(void)
{
    GList *l;

    for (l = vfio_containers; l; l = l->next) {
        VFIOContainer *c = l->data;

        if (c->as && c->as == vfio_system_as) {
            vfio_container_detach(c);
        }
    }
    vfio_system_as = NULL;
}
