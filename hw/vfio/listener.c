/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vfio memory listener: keeps a container's mappings equal to the
 * guest RAM of one address space that a device may DMA into.
 *
 *  - Plain RAM sections are mapped whole on region_add and unmapped on
 *    region_del (one mapping each, clipped to IOMMU pages).
 *  - Sections of a region with a RamDiscardManager (virtio-mem) get a
 *    RamDiscardListener: only populated parts are mapped, one mapping per
 *    block of the manager's granularity, so that discarding one block
 *    later unmaps exactly that block (type1 cannot split a mapping).
 *    Before such a listener is registered, the worst case (every block
 *    populated) is checked against the container's mapping limit; a
 *    section that fails the check after attach is followed anyway, with
 *    no reservation, so that populates beyond the limit are refused.
 *  - I/O sections are skipped; read-only RAM is mapped read-only.
 *
 * Tuned for few sections and many blocks: sections live in a short list,
 * block mappings in the container's sorted record; a populate of a run
 * of n blocks costs n backend calls (the kernel needs one each), a
 * discard costs one backend call per block that was mapped.
 */
#include "qemu/osdep.h"
#include "exec/ram-discard-manager.h"
#include "qemu/log.h"
#include "vfio-internal.h"

TRACE_EVENT(vfio_listener_managed_section);

/* A discard-managed section of one container. */
typedef struct VFIORamDiscardListener {
    RamDiscardListener rdl;
    VFIOContainer *c;
    MemoryRegion *mr;
    hwaddr offset_within_address_space;
    hwaddr offset_within_region;
    uint64_t size;
    uint64_t granularity;
    uint64_t reserved;          /* worst-case mappings counted for it,
                                   0 if it did not fit after attach */
} VFIORamDiscardListener;

static VFIOContainer *listener_to_container(MemoryListener *ml)
{
    return container_of(ml, VFIOContainer, listener);
}

static bool section_readonly(const MemoryRegionSection *s)
{
    return s->readonly || s->mr->readonly;
}

/*
 * Map region offsets [@offset, @offset + @size) of @s's region, which
 * lie within @s, clipped inwards to IOMMU pages.  Nothing to map after
 * clipping is success.
 */
static int map_piece(VFIOContainer *c, const MemoryRegionSection *s,
                     uint64_t offset, uint64_t size, bool managed,
                     GError **errp)
{
    uint64_t page = vfio_container_min_page(c);
    hwaddr iova = s->offset_within_address_space +
                  (offset - s->offset_within_region);
    hwaddr start = QEMU_ALIGN_UP(iova, page);
    hwaddr end = QEMU_ALIGN_DOWN(iova + size, page);
    uint8_t *host;

    if (start < iova || end <= start) {
        return 0;
    }
    host = (uint8_t *)memory_region_get_ram_ptr(s->mr) + offset +
           (start - iova);
    if (!QEMU_IS_ALIGNED((uintptr_t)host, page)) {
        error_setg(errp, "vfio: container '%s': '%s' at 0x%" PRIx64
                   " is not aligned to the IOMMU page size 0x%" PRIx64
                   " in host memory", c->name, memory_region_name(s->mr),
                   start, page);
        return -EINVAL;
    }
    return vfio_container_map(c, start, end - start, host,
                              section_readonly(s), managed, errp);
}

/* --- Discard-managed sections --- */

static int vrdl_notify_populate(RamDiscardListener *rdl,
                                MemoryRegionSection *s)
{
    VFIORamDiscardListener *v = container_of(rdl, VFIORamDiscardListener,
                                             rdl);
    uint64_t offset = s->offset_within_region;
    uint64_t end = offset + s->size;
    GError *err = NULL;

    while (offset < end) {
        uint64_t next = MIN(QEMU_ALIGN_DOWN(offset, v->granularity) +
                            v->granularity, end);
        int ret = map_piece(v->c, s, offset, next - offset, true, &err);

        if (ret < 0) {
            /* Undo this call's blocks so the refusal leaves nothing. */
            if (offset > s->offset_within_region) {
                vfio_container_unmap_range(v->c,
                                           s->offset_within_address_space,
                                           offset - s->offset_within_region);
            }
            vfio_container_record_error(v->c, err);
            return ret;
        }
        offset = next;
    }
    return 0;
}

static void vrdl_notify_discard(RamDiscardListener *rdl,
                                MemoryRegionSection *s)
{
    VFIORamDiscardListener *v = container_of(rdl, VFIORamDiscardListener,
                                             rdl);

    vfio_container_unmap_range(v->c, s->offset_within_address_space,
                               s->size);
}

static void managed_section_add(VFIOContainer *c, MemoryRegionSection *s)
{
    RamDiscardManager *rdm = memory_region_get_ram_discard_manager(s->mr);
    uint64_t gran = ram_discard_manager_get_min_granularity(rdm, s->mr);
    VFIORamDiscardListener *v;
    GError *err = NULL;
    uint64_t worst;

    if (gran % vfio_container_min_page(c)) {
        error_setg(&err, "vfio: container '%s': block-size 0x%" PRIx64
                   " of '%s' is smaller than the IOMMU page size 0x%" PRIx64,
                   c->name, gran, memory_region_name(s->mr),
                   vfio_container_min_page(c));
        vfio_container_record_error(c, err);
        return;
    }
    worst = vfio_managed_worst_case(s->offset_within_region, s->size, gran);
    if (!vfio_container_check_reserve(c, memory_region_name(s->mr), worst,
                                      gran, &err)) {
        vfio_container_record_error(c, err);
        if (c->attaching) {
            return;     /* the attach fails and undoes everything */
        }
        /*
         * A section that grew after attach (virtio-mem's usable region
         * follows requested-size) cannot be vetoed.  Leaving it unmapped
         * would unpin blocks that are plugged; so follow it without a
         * reservation: its populated blocks are mapped while mappings
         * are left, and a populate beyond the limit is refused.
         */
        worst = 0;
    }
    trace(vfio_listener_managed_section, "%s %s iova=0x%" PRIx64 " size=0x%"
          PRIx64 " block-size=0x%" PRIx64 " worst=%" PRIu64, c->name,
          memory_region_name(s->mr), s->offset_within_address_space,
          s->size, gran, worst);
    v = g_new0(VFIORamDiscardListener, 1);
    v->c = c;
    v->mr = s->mr;
    v->offset_within_address_space = s->offset_within_address_space;
    v->offset_within_region = s->offset_within_region;
    v->size = s->size;
    v->granularity = gran;
    v->reserved = worst;
    c->managed_reserved += worst;
    c->discard_listeners = g_list_prepend(c->discard_listeners, v);
    /* We can unmap whatever we never mapped: take whole-section discards. */
    ram_discard_listener_init(&v->rdl, vrdl_notify_populate,
                              vrdl_notify_discard, true);
    ram_discard_manager_register_listener(rdm, &v->rdl, s);
}

static VFIORamDiscardListener *find_vrdl(VFIOContainer *c,
                                         const MemoryRegionSection *s)
{
    GList *l;

    for (l = c->discard_listeners; l; l = l->next) {
        VFIORamDiscardListener *v = l->data;

        if (v->mr == s->mr &&
            v->offset_within_address_space == s->offset_within_address_space &&
            v->offset_within_region == s->offset_within_region &&
            v->size == s->size) {
            return v;
        }
    }
    return NULL;
}

static void managed_section_del(VFIOContainer *c, MemoryRegionSection *s)
{
    VFIORamDiscardListener *v = find_vrdl(c, s);

    if (!v) {
        return;     /* refused at region_add */
    }
    /* Unregistering discards every populated part: that unmaps it. */
    ram_discard_manager_unregister_listener(
        memory_region_get_ram_discard_manager(s->mr), &v->rdl);
    vfio_container_unmap_range(c, s->offset_within_address_space, s->size);
    c->managed_reserved -= v->reserved;
    c->discard_listeners = g_list_remove(c->discard_listeners, v);
    g_free(v);
}

/* --- The MemoryListener --- */

static void vfio_listener_region_add(MemoryListener *ml,
                                     MemoryRegionSection *s)
{
    VFIOContainer *c = listener_to_container(ml);
    GError *err = NULL;

    if (!memory_region_is_ram(s->mr)) {
        return;
    }
    if (memory_region_has_ram_discard_manager(s->mr)) {
        managed_section_add(c, s);
        return;
    }
    if (map_piece(c, s, s->offset_within_region, s->size, false, &err) < 0) {
        vfio_container_record_error(c, err);
    }
}

static void vfio_listener_region_del(MemoryListener *ml,
                                     MemoryRegionSection *s)
{
    VFIOContainer *c = listener_to_container(ml);

    if (!memory_region_is_ram(s->mr)) {
        return;
    }
    if (memory_region_has_ram_discard_manager(s->mr)) {
        managed_section_del(c, s);
        return;
    }
    vfio_container_unmap_range(c, s->offset_within_address_space, s->size);
}

void vfio_listener_setup(VFIOContainer *c)
{
    c->listener = (MemoryListener) {
        .region_add = vfio_listener_region_add,
        .region_del = vfio_listener_region_del,
        .name = "vfio",
        /* After most listeners, so RAM is set up before it is pinned. */
        .priority = 10,
    };
}
