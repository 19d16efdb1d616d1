/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem "dynamic-memslots=on" (QEMU 8.2's property): instead of one
 * alias covering the usable region, the device region is cut into
 * memslots of a fixed size (at least 1 GiB, at most 1024 of them), each
 * an alias onto the backend that is mapped only while at least one of
 * its blocks is plugged.  An accelerator therefore has no memory slot
 * where nothing is plugged: a guest access to a fully unplugged memslot
 * is an MMIO exit that reads 0 and costs the host nothing, and KVM keeps
 * no metadata for it.
 *
 * The aliases sit inside the usable window, which with this option is a
 * container (same name, same size rules), so the usable-region limit
 * still clips them.  The memslots follow the device's own
 * RamDiscardManager as a listener registered first at realize: a
 * populate maps the memslots it touches before any later listener (a
 * pinning consumer) hears of it, a discard unmaps memslots whose last
 * block went.  Per-memslot counts of plugged blocks make each
 * notification O(memslots it touches).
 *
 * Trade-off: each mapped memslot costs one KVM slot (so up to 1024 of
 * the 32764 here, plus one per growth step of the window when the window
 * cuts through a memslot), and a memslot's first plug or last unplug
 * costs a memory transaction.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/ram-discard-manager.h"
#include "hw/virtio/virtio-mem.h"

#define MEMSLOT_MIN_SIZE    (1ull << 30)
#define MEMSLOTS_MAX        1024

struct VirtIOMEMMemslots {
    RamDiscardListener rdl;
    RamDiscardManager *rdm;
    MemoryRegion *slots;
    uint64_t *plugged;          /* bytes plugged per memslot */
    unsigned nb;
    uint64_t size;              /* of each memslot but maybe the last */
};

static void account(VirtIOMEMMemslots *m, MemoryRegionSection *s, bool plug)
{
    uint64_t start = s->offset_within_region;
    uint64_t end = start + s->size;

    memory_region_transaction_begin();
    for (unsigned i = start / m->size; i < m->nb && i * m->size < end;
         i++) {
        uint64_t lo = MAX(start, i * m->size);
        uint64_t hi = MIN(end, (i + 1) * m->size);
        bool was = m->plugged[i] != 0;

        if (plug) {
            m->plugged[i] += hi - lo;
        } else {
            g_assert(m->plugged[i] >= hi - lo);
            m->plugged[i] -= hi - lo;
        }
        if (was != (m->plugged[i] != 0)) {
            memory_region_set_enabled(&m->slots[i], !was);
        }
    }
    memory_region_transaction_commit();
}

static int memslots_populate(RamDiscardListener *rdl,
                             MemoryRegionSection *s)
{
    account(container_of(rdl, VirtIOMEMMemslots, rdl), s, true);
    return 0;
}

static void memslots_discard(RamDiscardListener *rdl,
                             MemoryRegionSection *s)
{
    account(container_of(rdl, VirtIOMEMMemslots, rdl), s, false);
}

uint64_t virtio_mem_memslot_size(uint64_t region_size, uint64_t block_size)
{
    uint64_t size = MAX(MEMSLOT_MIN_SIZE,
                        DIV_ROUND_UP(region_size, MEMSLOTS_MAX));

    return ROUND_UP(size, block_size);
}

VirtIOMEMMemslots *virtio_mem_memslots_new(Object *owner,
                                           MemoryRegion *backend,
                                           MemoryRegion *window,
                                           uint64_t region_size,
                                           uint64_t block_size)
{
    VirtIOMEMMemslots *m = g_new0(VirtIOMEMMemslots, 1);
    MemoryRegionSection all = {
        .mr = backend, .offset_within_region = 0, .size = region_size,
    };

    m->size = virtio_mem_memslot_size(region_size, block_size);
    m->nb = DIV_ROUND_UP(region_size, m->size);
    m->slots = g_new0(MemoryRegion, m->nb);
    m->plugged = g_new0(uint64_t, m->nb);
    memory_region_transaction_begin();
    for (unsigned i = 0; i < m->nb; i++) {
        g_autofree char *name = g_strdup_printf("virtio-mem-memslot-%u", i);
        uint64_t off = i * m->size;

        memory_region_init_alias(&m->slots[i], owner, name, backend, off,
                                 MIN(m->size, region_size - off));
        memory_region_set_enabled(&m->slots[i], false);
        memory_region_add_subregion(window, off, &m->slots[i]);
    }
    memory_region_transaction_commit();
    m->rdm = memory_region_get_ram_discard_manager(backend);
    g_assert(m->rdm);
    ram_discard_listener_init(&m->rdl, memslots_populate, memslots_discard,
                              false);
    ram_discard_manager_register_listener(m->rdm, &m->rdl, &all);
    return m;
}

void virtio_mem_memslots_free(VirtIOMEMMemslots *m, MemoryRegion *window)
{
    if (!m) {
        return;
    }
    ram_discard_manager_unregister_listener(m->rdm, &m->rdl);
    memory_region_transaction_begin();
    for (unsigned i = 0; i < m->nb; i++) {
        memory_region_del_subregion(window, &m->slots[i]);
    }
    memory_region_transaction_commit();
    for (unsigned i = 0; i < m->nb; i++) {
        memory_region_finalize(&m->slots[i]);
    }
    g_free(m->slots);
    g_free(m->plugged);
    g_free(m);
}

unsigned virtio_mem_memslots_mapped(const VirtIOMEMMemslots *m)
{
    unsigned n = 0;

    for (unsigned i = 0; m && i < m->nb; i++) {
        n += m->plugged[i] != 0;
    }
    return n;
}
