/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM memory slots from the flat view of system memory: the listener
 * that owns the slot table (accel/kvm/kvm-slots.h states the model and
 * what KVM guarantees).
 *
 * Tuned for few, large pieces that change rarely (boot RAM, virtio-mem's
 * usable region growing and shrinking, BARs of RAM-backed devices): a
 * commit costs O(slots + RAM sections) plus one ioctl per changed slot,
 * never anything proportional to the bytes mapped.  Runs with the BQL
 * held, on the thread that commits memory transactions.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/bitmap.h"
#include "exec/ramblock.h"
#include "kvm-slots.h"

#define KVM_SLOT_PAGE       4096u
/* KVM limits a slot to 2^31 - 1 pages; stay well below. */
#define KVM_SLOT_MAX_SIZE   (UINT64_C(1) << 42)

/* A piece of guest RAM as KVM should see it. */
typedef struct KvmRange {
    uint64_t gpa;
    uint64_t size;
    uintptr_t hva;
    uint32_t flags;
} KvmRange;

typedef struct KvmSlot {
    bool used;
    KvmRange r;
} KvmSlot;

struct KvmSlotTable {
    MemoryListener listener;
    const KvmSlotOps *ops;
    void *opaque;
    unsigned nr_max;
    bool readonly_ok;
    GArray *slots;          /* of KvmSlot, index = slot id */
    unsigned nr_used;
    /* Per transaction (between begin and commit). */
    GArray *want;           /* of KvmRange, ascending gpa, merged */
    bool changed;
    bool logging;           /* between log_global_start and _stop */
    KvmSlotStats stats;
};

static uint64_t range_end(const KvmRange *r)
{
    return r->gpa + r->size;
}

/* Same host address for the same guest address, same flags. */
static bool range_compatible(const KvmRange *a, const KvmRange *b)
{
    return a->flags == b->flags && a->hva - a->gpa == b->hva - b->gpa;
}

/* --- Collecting the wanted ranges --- */

static void want_append(KvmSlotTable *t, const KvmRange *r)
{
    if (t->want->len) {
        KvmRange *last = &g_array_index(t->want, KvmRange,
                                        t->want->len - 1);

        if (range_end(last) == r->gpa && range_compatible(last, r)) {
            last->size += r->size;
            return;
        }
    }
    g_array_append_val(t->want, *r);
}

/* The page-aligned RAM part of @s as a range; false if there is none. */
static bool section_to_range(KvmSlotTable *t, MemoryRegionSection *s,
                             KvmRange *r)
{
    uint64_t start, end;
    uint8_t *host;

    if (!memory_region_is_ram(s->mr)) {
        return false;
    }
    r->flags = (s->readonly || s->mr->readonly) ? KVM_SLOT_FLAG_READONLY
                                                : 0;
    if (r->flags && !t->readonly_ok) {
        return false;
    }
    start = QEMU_ALIGN_UP(s->offset_within_address_space, KVM_SLOT_PAGE);
    end = QEMU_ALIGN_DOWN(s->offset_within_address_space + s->size,
                          KVM_SLOT_PAGE);
    if (start >= end) {
        return false;
    }
    host = memory_region_get_ram_ptr(s->mr);
    r->gpa = start;
    r->size = end - start;
    r->hva = (uintptr_t)host + s->offset_within_region +
             (start - s->offset_within_address_space);
    return !(r->hva % KVM_SLOT_PAGE);
}

static void slots_begin(MemoryListener *l)
{
    KvmSlotTable *t = container_of(l, KvmSlotTable, listener);

    g_array_set_size(t->want, 0);
    t->changed = false;
}

static void slots_collect(KvmSlotTable *t, MemoryRegionSection *s)
{
    KvmRange r;

    if (section_to_range(t, s, &r)) {
        want_append(t, &r);
    }
}

static void slots_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    KvmSlotTable *t = container_of(l, KvmSlotTable, listener);

    t->changed = true;
    slots_collect(t, s);
}

static void slots_region_nop(MemoryListener *l, MemoryRegionSection *s)
{
    slots_collect(container_of(l, KvmSlotTable, listener), s);
}

static void slots_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    container_of(l, KvmSlotTable, listener)->changed = true;
}

/* --- Dirty logging --- */

/* The flags KVM gets for @r now: its own plus the log bit if logging. */
static uint32_t slot_flags(const KvmSlotTable *t, const KvmRange *r)
{
    if (t->logging && !(r->flags & KVM_SLOT_FLAG_READONLY)) {
        return r->flags | KVM_SLOT_FLAG_LOG_DIRTY;
    }
    return r->flags;
}

/* Mark pages [@first, @first + @n) of @slot dirty in their RAM blocks. */
static void slot_mark_run(const KvmSlot *slot, uint64_t first, uint64_t n)
{
    while (n) {
        uint8_t *host = (uint8_t *)slot->r.hva + first * KVM_SLOT_PAGE;
        ram_addr_t off;
        RAMBlock *rb = qemu_ram_block_from_host(host, false, &off);
        uint64_t take;

        if (!rb) {
            return;             /* not a RAM block's memory: nothing to log */
        }
        take = MIN(n, (rb->max_length - off) / KVM_SLOT_PAGE);
        if (!take) {
            return;
        }
        qemu_ram_mark_dirty(rb, off, take * KVM_SLOT_PAGE);
        first += take;
        n -= take;
    }
}

/* Read slot @id's dirty log from KVM into the RAM blocks' dirty logs. */
static void slot_sync(KvmSlotTable *t, unsigned id)
{
    const KvmSlot *slot = &g_array_index(t->slots, KvmSlot, id);
    uint64_t pages = slot->r.size / KVM_SLOT_PAGE;
    unsigned long *bmap;
    uint64_t p;
    int ret;

    if (!(slot_flags(t, &slot->r) & KVM_SLOT_FLAG_LOG_DIRTY)) {
        return;
    }
    /* Whole u64 words as KVM writes them, whatever sizeof(long) is. */
    bmap = g_malloc0(QEMU_ALIGN_UP(pages, 64) / 8);
    ret = t->ops->get_dirty_log(t->opaque, id, bmap);
    if (ret) {
        /* Unknown writes: all of the slot has to be treated as dirty. */
        error_report("kvm: cannot read the dirty log of memory slot %u: %s",
                     id, strerror(-ret));
        bitmap_set(bmap, 0, pages);
    }
    t->stats.log_syncs++;
    p = find_next_bit(bmap, pages, 0);
    while (p < pages) {
        uint64_t end = find_next_zero_bit(bmap, pages, p);

        slot_mark_run(slot, p, end - p);
        p = find_next_bit(bmap, pages, end);
    }
    g_free(bmap);
}

/* Re-set every used writable slot with the current log flag. */
static void slots_set_logging(KvmSlotTable *t, bool on)
{
    if (!t->ops->get_dirty_log || t->logging == on) {
        return;
    }
    t->logging = on;
    for (unsigned id = 0; id < t->slots->len; id++) {
        KvmSlot *slot = &g_array_index(t->slots, KvmSlot, id);
        int ret;

        if (!slot->used || (slot->r.flags & KVM_SLOT_FLAG_READONLY)) {
            continue;
        }
        ret = t->ops->set_slot(t->opaque, id, slot_flags(t, &slot->r),
                               slot->r.gpa, slot->r.size,
                               (void *)slot->r.hva);
        if (ret) {
            error_report("kvm: cannot %s dirty logging on memory slot %u: "
                         "%s", on ? "start" : "stop", id, strerror(-ret));
        }
    }
}

static void slots_log_start(MemoryListener *l)
{
    slots_set_logging(container_of(l, KvmSlotTable, listener), true);
}

static void slots_log_stop(MemoryListener *l)
{
    slots_set_logging(container_of(l, KvmSlotTable, listener), false);
}

static void slots_log_sync(MemoryListener *l)
{
    KvmSlotTable *t = container_of(l, KvmSlotTable, listener);

    for (unsigned id = 0; t->logging && id < t->slots->len; id++) {
        if (g_array_index(t->slots, KvmSlot, id).used) {
            slot_sync(t, id);
        }
    }
}

/* --- Applying them --- */

/* The wanted range containing @gpa, or NULL (binary search). */
static const KvmRange *want_find(KvmSlotTable *t, uint64_t gpa)
{
    unsigned lo = 0, hi = t->want->len;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const KvmRange *r = &g_array_index(t->want, KvmRange, mid);

        if (gpa < r->gpa) {
            hi = mid;
        } else if (gpa >= range_end(r)) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    return NULL;
}

/* Bytes of @s that stay mapped to the same host memory in the new view. */
static uint64_t still_mapped_bytes(KvmSlotTable *t, const KvmRange *s)
{
    uint64_t bytes = 0;

    for (unsigned i = 0; i < t->want->len; i++) {
        const KvmRange *r = &g_array_index(t->want, KvmRange, i);
        uint64_t lo = MAX(r->gpa, s->gpa);
        uint64_t hi = MIN(range_end(r), range_end(s));

        if (lo < hi && range_compatible(r, s)) {
            bytes += hi - lo;
        }
    }
    return bytes;
}

static void slot_delete(KvmSlotTable *t, unsigned id)
{
    KvmSlot *slot = &g_array_index(t->slots, KvmSlot, id);
    int ret;

    if (t->logging) {
        slot_sync(t, id);       /* keep the writes logged so far */
    }
    ret = t->ops->set_slot(t->opaque, id, slot_flags(t, &slot->r),
                           slot->r.gpa, 0, (void *)slot->r.hva);

    if (ret) {
        error_report("kvm: cannot delete memory slot %u (0x%" PRIx64
                     "+0x%" PRIx64 "): %s", id, slot->r.gpa, slot->r.size,
                     strerror(-ret));
    }
    slot->used = false;
    t->nr_used--;
    t->stats.deleted++;
}

static int slot_free_id(KvmSlotTable *t)
{
    for (unsigned i = 0; i < t->slots->len; i++) {
        if (!g_array_index(t->slots, KvmSlot, i).used) {
            return i;
        }
    }
    if (t->slots->len < t->nr_max) {
        g_array_set_size(t->slots, t->slots->len + 1);
        return t->slots->len - 1;
    }
    return -1;
}

/* Install [@r) in slots of at most KVM_SLOT_MAX_SIZE. */
static void slot_create(KvmSlotTable *t, const KvmRange *r)
{
    KvmRange piece = *r;

    while (piece.size) {
        KvmRange cur = piece;
        int id = slot_free_id(t);
        int ret = -ENOSPC;

        cur.size = MIN(piece.size, KVM_SLOT_MAX_SIZE);
        if (id >= 0) {
            ret = t->ops->set_slot(t->opaque, id, slot_flags(t, &cur),
                                   cur.gpa, cur.size, (void *)cur.hva);
        }
        if (ret) {
            error_report("kvm: no memory slot for 0x%" PRIx64 "+0x%" PRIx64
                         " (%u of %u in use): %s; accesses there exit to "
                         "user space", cur.gpa, cur.size, t->nr_used,
                         t->nr_max, strerror(-ret));
            t->stats.failed++;
            return;
        }
        g_array_index(t->slots, KvmSlot, id) = (KvmSlot){ true, cur };
        t->nr_used++;
        t->stats.created++;
        piece.gpa += cur.size;
        piece.hva += cur.size;
        piece.size -= cur.size;
    }
}

static gint slot_cmp_gpa(gconstpointer a, gconstpointer b)
{
    const KvmRange *x = a, *y = b;

    return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* Delete every slot that is not exactly right any more; return the rest. */
static GArray *slots_prune(KvmSlotTable *t)
{
    GArray *kept = g_array_new(false, false, sizeof(KvmRange));

    for (unsigned id = 0; id < t->slots->len; id++) {
        KvmSlot *slot = &g_array_index(t->slots, KvmSlot, id);
        const KvmRange *r;

        if (!slot->used) {
            continue;
        }
        r = want_find(t, slot->r.gpa);
        if (r && range_end(&slot->r) <= range_end(r) &&
            range_compatible(r, &slot->r)) {
            g_array_append_val(kept, slot->r);
            continue;
        }
        t->stats.recreated_bytes += still_mapped_bytes(t, &slot->r);
        slot_delete(t, id);
    }
    g_array_sort(kept, slot_cmp_gpa);
    return kept;
}

/* Give every wanted byte not covered by a kept slot a new slot. */
static void slots_fill(KvmSlotTable *t, GArray *kept)
{
    unsigned k = 0;

    for (unsigned i = 0; i < t->want->len; i++) {
        const KvmRange *r = &g_array_index(t->want, KvmRange, i);
        uint64_t cursor = r->gpa;

        for (; k < kept->len; k++) {
            const KvmRange *s = &g_array_index(kept, KvmRange, k);

            if (s->gpa >= range_end(r)) {
                break;
            }
            if (s->gpa > cursor) {
                KvmRange gap = { cursor, s->gpa - cursor,
                                 r->hva + (cursor - r->gpa), r->flags };
                slot_create(t, &gap);
            }
            cursor = range_end(s);
        }
        if (cursor < range_end(r)) {
            KvmRange gap = { cursor, range_end(r) - cursor,
                             r->hva + (cursor - r->gpa), r->flags };
            slot_create(t, &gap);
        }
    }
}

static void slots_commit(MemoryListener *l)
{
    KvmSlotTable *t = container_of(l, KvmSlotTable, listener);
    GArray *kept;

    if (!t->changed) {
        return;
    }
    kept = slots_prune(t);
    slots_fill(t, kept);
    g_array_free(kept, true);
    t->changed = false;
}

/* --- Public --- */

KvmSlotTable *kvm_slots_new(const KvmSlotOps *ops, void *opaque,
                            unsigned nr_max, bool readonly_ok)
{
    KvmSlotTable *t = g_new0(KvmSlotTable, 1);

    g_assert(ops && ops->set_slot && nr_max > 0);
    t->ops = ops;
    t->opaque = opaque;
    t->nr_max = nr_max;
    t->readonly_ok = readonly_ok;
    t->slots = g_array_new(false, true, sizeof(KvmSlot));
    t->want = g_array_new(false, false, sizeof(KvmRange));
    t->listener = (MemoryListener) {
        .begin = slots_begin,
        .commit = slots_commit,
        .region_add = slots_region_add,
        .region_del = slots_region_del,
        .region_nop = slots_region_nop,
        .log_global_start = slots_log_start,
        .log_global_stop = slots_log_stop,
        .log_sync = slots_log_sync,
        .priority = 10,
        .name = "kvm-slots",
    };
    return t;
}

void kvm_slots_listen(KvmSlotTable *t, AddressSpace *as)
{
    memory_listener_register(&t->listener, as);
}

void kvm_slots_free(KvmSlotTable *t)
{
    if (!t) {
        return;
    }
    t->logging = false;         /* tearing down: nothing left to read */
    if (t->listener.address_space) {
        memory_listener_unregister(&t->listener);
    }
    g_array_free(t->slots, true);
    g_array_free(t->want, true);
    g_free(t);
}

unsigned kvm_slots_count(const KvmSlotTable *t)
{
    return t->nr_used;
}

KvmSlotStats kvm_slots_stats(const KvmSlotTable *t)
{
    return t->stats;
}
