/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FlatView rendering: turns a MemoryRegion graph into a sorted array of
 * non-overlapping FlatRanges, and looks addresses up in it.
 *
 * Rendering walks the graph once, visiting each container's subregions
 * from the highest priority down and letting each one fill only the gaps
 * that earlier (winning) regions left, so nothing is ever overwritten.
 * Intervals are computed in 128-bit arithmetic so that regions placed
 * near 2^64 or aliases with large offsets clip instead of wrapping.
 * Tuned for views of tens to a few thousand ranges, rendered on every
 * topology commit and looked up (binary search) on every access.
 */
#include "qemu/osdep.h"
#include "memory-internal.h"

typedef __int128 s128;

/* [start, end) in the address space being rendered. */
typedef struct Clip {
    s128 start;
    s128 end;
} Clip;

static FlatView *flatview_new(MemoryRegion *root)
{
    FlatView *fv = g_new0(FlatView, 1);

    fv->ref = 1;
    fv->root = root;
    return fv;
}

/* Index of the first range whose end is above @addr. */
static unsigned flatview_first_after(const FlatView *fv, s128 addr)
{
    unsigned lo = 0, hi = fv->nr;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const FlatRange *fr = &fv->ranges[mid];

        if ((s128)fr->addr + fr->size <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void flatview_insert(FlatView *fv, unsigned pos, const FlatRange *fr)
{
    if (fv->nr == fv->nr_allocated) {
        fv->nr_allocated = MAX(8, fv->nr_allocated * 2);
        fv->ranges = g_renew(FlatRange, fv->ranges, fv->nr_allocated);
    }
    memmove(&fv->ranges[pos + 1], &fv->ranges[pos],
            (fv->nr - pos) * sizeof(FlatRange));
    fv->ranges[pos] = *fr;
    fv->nr++;
}

/*
 * Fill the gaps of [clip) with @mr, whose offset 0 sits at @base.
 * Called only for terminating (RAM or I/O) regions.
 */
static void render_terminal(FlatView *fv, MemoryRegion *mr, s128 base,
                            Clip clip, bool readonly)
{
    unsigned i = flatview_first_after(fv, clip.start);
    s128 cur = clip.start;

    while (cur < clip.end) {
        s128 gap_end = clip.end;

        if (i < fv->nr) {
            const FlatRange *next = &fv->ranges[i];

            if ((s128)next->addr <= cur) {
                cur = (s128)next->addr + next->size;
                i++;
                continue;
            }
            gap_end = MIN(gap_end, (s128)next->addr);
        }
        FlatRange fr = {
            .mr = mr,
            .offset_in_region = (hwaddr)(cur - base),
            .addr = (hwaddr)cur,
            .size = (uint64_t)(gap_end - cur),
            .readonly = readonly,
        };
        flatview_insert(fv, i, &fr);
        i++;
        cur = gap_end;
    }
}

/*
 * How far @mr extends from its base.  A container or alias of size
 * UINT64_MAX covers the whole 2^64 space, as in QEMU, so that the last
 * byte of a 64-bit address space can be mapped.  RAM and I/O regions
 * keep their size: a FlatRange never exceeds UINT64_MAX bytes.
 */
static s128 region_extent(const MemoryRegion *mr)
{
    if (mr->size == UINT64_MAX &&
        (mr->kind == MR_CONTAINER || mr->kind == MR_ALIAS)) {
        return (s128)1 << 64;
    }
    return mr->size;
}

static void render_region(FlatView *fv, MemoryRegion *mr, s128 base,
                          Clip clip, bool readonly)
{
    GList *l;

    if (!mr->enabled || !mr->size) {
        return;
    }
    clip.start = MAX(clip.start, base);
    clip.end = MIN(clip.end, base + region_extent(mr));
    if (clip.start >= clip.end) {
        return;
    }
    readonly |= mr->readonly;
    if (mr->kind == MR_ALIAS) {
        render_region(fv, mr->alias, base - (s128)mr->alias_offset, clip,
                      readonly);
        return;
    }
    for (l = mr->subregions; l; l = l->next) {
        MemoryRegion *sub = l->data;

        render_region(fv, sub, base + (s128)sub->addr, clip, readonly);
    }
    if (mr->kind != MR_CONTAINER) {
        render_terminal(fv, mr, base, clip, readonly);
    }
}

static bool flatrange_continues(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->readonly == b->readonly &&
           a->addr + a->size == b->addr &&
           a->offset_in_region + a->size == b->offset_in_region;
}

static void flatview_simplify(FlatView *fv)
{
    unsigned out = 0, i;

    for (i = 0; i < fv->nr; i++) {
        if (out && flatrange_continues(&fv->ranges[out - 1],
                                       &fv->ranges[i])) {
            fv->ranges[out - 1].size += fv->ranges[i].size;
        } else {
            fv->ranges[out++] = fv->ranges[i];
        }
    }
    fv->nr = out;
}

FlatView *flatview_render(MemoryRegion *root)
{
    FlatView *fv = flatview_new(root);
    Clip all = { 0, (s128)1 << 64 };
    unsigned i;

    if (root) {
        render_region(fv, root, 0, all, false);
    }
    flatview_simplify(fv);
    for (i = 0; i < fv->nr; i++) {
        memory_region_ref(fv->ranges[i].mr);
    }
    return fv;
}

bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->addr == b->addr && a->size == b->size &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly;
}

void flatview_ref(FlatView *fv)
{
    g_assert(fv->ref > 0);
    fv->ref++;
}

void flatview_unref(FlatView *fv)
{
    unsigned i;

    g_assert(fv->ref > 0);
    if (--fv->ref) {
        return;
    }
    for (i = 0; i < fv->nr; i++) {
        memory_region_unref(fv->ranges[i].mr);
    }
    g_free(fv->ranges);
    g_free(fv);
}

const FlatRange *flatview_next(const FlatView *fv, hwaddr addr)
{
    unsigned i = flatview_first_after(fv, addr);

    return i < fv->nr ? &fv->ranges[i] : NULL;
}

const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr)
{
    unsigned i = flatview_first_after(fv, addr);

    if (i < fv->nr && fv->ranges[i].addr <= addr) {
        return &fv->ranges[i];
    }
    return NULL;
}
