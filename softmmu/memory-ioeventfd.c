/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioeventfds of the memory API (exec/memory.h): regions carry their
 * registrations; each address space renders them at the addresses its
 * FlatView shows those regions, and tells listeners (an accelerator that
 * turns them into KVM_IOEVENTFD) what appeared and vanished.
 *
 * Devices register a few per queue, so a list walk per commit is cheap:
 * O(ranges + ioeventfds) per address space, sorted for the comparison.
 */
#include "qemu/osdep.h"
#include "memory-internal.h"

static gint ioeventfd_cmp(gconstpointer pa, gconstpointer pb)
{
    const MemoryRegionIoeventfd *a = pa, *b = pb;

    if (a->addr != b->addr) {
        return a->addr < b->addr ? -1 : 1;
    }
    if (a->size != b->size) {
        return a->size < b->size ? -1 : 1;
    }
    if (a->match_data != b->match_data) {
        return a->match_data ? 1 : -1;
    }
    if (a->match_data && a->data != b->data) {
        return a->data < b->data ? -1 : 1;
    }
    return (a->fd > b->fd) - (a->fd < b->fd);
}

void memory_region_add_eventfd(MemoryRegion *mr, hwaddr addr,
                               unsigned size, bool match_data,
                               uint64_t data, int fd)
{
    MemoryRegionIoeventfd e = { addr, size, match_data, data, fd };

    g_assert(mr->kind == MR_IO && fd >= 0);
    g_assert(size == 0 || (is_power_of_2(size) && size <= 8));
    if (!mr->ioeventfds) {
        mr->ioeventfds = g_array_new(false, false, sizeof(e));
    }
    g_array_append_val(mr->ioeventfds, e);
    memory_region_changed();
}

void memory_region_del_eventfd(MemoryRegion *mr, hwaddr addr,
                               unsigned size, bool match_data,
                               uint64_t data, int fd)
{
    MemoryRegionIoeventfd e = { addr, size, match_data, data, fd };

    for (guint i = 0; mr->ioeventfds && i < mr->ioeventfds->len; i++) {
        if (!ioeventfd_cmp(&g_array_index(mr->ioeventfds,
                                          MemoryRegionIoeventfd, i), &e)) {
            g_array_remove_index(mr->ioeventfds, i);
            memory_region_changed();
            return;
        }
    }
    g_assert_not_reached();     /* not registered: a caller bug */
}

void memory_region_free_ioeventfds(MemoryRegion *mr)
{
    if (mr->ioeventfds) {
        g_array_free(mr->ioeventfds, true);
        mr->ioeventfds = NULL;
    }
}

/* The ioeventfds @fv shows, at address-space addresses, sorted. */
static GArray *render_ioeventfds(const FlatView *fv)
{
    GArray *out = g_array_new(false, false, sizeof(MemoryRegionIoeventfd));

    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        GArray *list = fr->mr->ioeventfds;

        for (guint j = 0; list && j < list->len; j++) {
            MemoryRegionIoeventfd e = g_array_index(list,
                                                    MemoryRegionIoeventfd, j);
            uint64_t len = MAX(e.size, 1);

            if (e.addr < fr->offset_in_region ||
                e.addr - fr->offset_in_region + len > fr->size) {
                continue;
            }
            e.addr = fr->addr + (e.addr - fr->offset_in_region);
            g_array_append_val(out, e);
        }
    }
    g_array_sort(out, ioeventfd_cmp);
    return out;
}

static void notify_one(MemoryListener *ml, const MemoryRegionIoeventfd *e,
                       bool add)
{
    MemoryRegionSection s = {
        .offset_within_address_space = e->addr,
        .size = e->size,
    };

    if (add && ml->eventfd_add) {
        ml->eventfd_add(ml, &s, e->match_data, e->data, e->fd);
    } else if (!add && ml->eventfd_del) {
        ml->eventfd_del(ml, &s, e->match_data, e->data, e->fd);
    }
}

static void notify_all(AddressSpace *as, const MemoryRegionIoeventfd *e,
                       bool add)
{
    for (GList *l = as->listeners; l; l = l->next) {
        notify_one(l->data, e, add);
    }
}

/* Elements of @a not in @b (both sorted), to every listener. */
static void notify_missing(AddressSpace *as, GArray *a, GArray *b, bool add)
{
    guint j = 0;

    for (guint i = 0; i < a->len; i++) {
        const MemoryRegionIoeventfd *e = &g_array_index(a,
                                            MemoryRegionIoeventfd, i);
        int c = 1;

        while (j < b->len &&
               (c = ioeventfd_cmp(&g_array_index(b, MemoryRegionIoeventfd,
                                                 j), e)) < 0) {
            j++;
        }
        if (j >= b->len || c != 0) {
            notify_all(as, e, add);
        }
    }
}

void address_space_update_ioeventfds(AddressSpace *as)
{
    GArray *old = as->ioeventfds;
    GArray *new = render_ioeventfds(as->current_map);

    if (!old && !new->len) {
        g_array_free(new, true);
        return;
    }
    if (old) {
        notify_missing(as, old, new, false);
        notify_missing(as, new, old, true);
        g_array_free(old, true);
    } else {
        for (guint i = 0; i < new->len; i++) {
            notify_all(as, &g_array_index(new, MemoryRegionIoeventfd, i),
                       true);
        }
    }
    as->ioeventfds = new;
}

void memory_listener_replay_ioeventfds(MemoryListener *ml, AddressSpace *as,
                                       bool add)
{
    for (guint i = 0; as->ioeventfds && i < as->ioeventfds->len; i++) {
        notify_one(ml, &g_array_index(as->ioeventfds, MemoryRegionIoeventfd,
                                      i), add);
    }
}
