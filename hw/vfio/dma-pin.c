/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x-dma-pin: a vfio container backend that pins by mlock().  It owns the
 * object (properties, completion, deletion) and a map of locked host
 * memory; the vfio listener decides what is mapped.
 *
 * mlock() does not count: unlocking memory that another mapping still
 * needs (the same RAM seen through two aliases, e.g. a ROM at two guest
 * addresses, or by a second x-dma-pin object) would unpin it.  So the
 * locked host memory of the process is kept as disjoint intervals with a
 * use count, and mlock() is only called for the parts going from 0 to 1
 * users and munlock() for those going back to 0.
 * Tuned for the listener's pattern: many block-sized mappings appearing
 * and disappearing a run at a time; each map or unmap costs O(log n)
 * plus the intervals it touches.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/syscall.h>
#include "qom/object-props.h"
#include "qom/object_interfaces.h"
#include "hw/vfio/dma-pin.h"
#include "hw/vfio/vfio-container.h"

/*
 * Users of host memory: disjoint intervals with a use count.  One map
 * for the whole process decides mlock()/munlock() (the kernel's lock is
 * per process, not per object); one per object says what it holds.
 */
typedef struct LockMap {
    GSequence *ranges;          /* LockRange *, disjoint, by start */
    uint64_t covered;           /* bytes with count > 0 */
} LockMap;

typedef struct DMAPin {
    Object parent;
    VFIOContainer c;
    uint64_t max_mappings;
    LockMap own;                /* what this object's mappings cover */
    GHashTable *by_iova;        /* &PinnedMapping.iova -> PinnedMapping */
} DMAPin;

/* Host bytes [start, end) are used by @count mappings (count > 0). */
typedef struct LockRange {
    uintptr_t start;
    uintptr_t end;
    unsigned count;
} LockRange;

/* Where a mapping's host memory is, for its unmap (which has no vaddr). */
typedef struct PinnedMapping {
    gint64 iova;                /* the key: first member for g_int64_hash */
    uintptr_t host;
} PinnedMapping;

/* A piece of host memory to lock or unlock. */
typedef struct HostPiece {
    uintptr_t start;
    uintptr_t end;
} HostPiece;

#define DMA_PIN(obj) OBJECT_CHECK(DMAPin, (obj), TYPE_DMA_PIN)

static DMAPin *container_to_pin(VFIOContainer *c)
{
    return container_of(c, DMAPin, c);
}

/*
 * mlock(2)/munlock(2) by system call: AddressSanitizer replaces the libc
 * functions with no-ops, and a sanitizer build must pin for real too.
 */
static int host_mlock(uintptr_t start, uintptr_t end)
{
    return syscall(SYS_mlock, (void *)start, (size_t)(end - start));
}

static void host_munlock(uintptr_t start, uintptr_t end)
{
    syscall(SYS_munlock, (void *)start, (size_t)(end - start));
}

/* --- The lock maps --- */

/* All x-dma-pin objects' locks: the process's, main thread only. */
static LockMap *process_locks(void)
{
    static LockMap all;

    if (!all.ranges) {
        all.ranges = g_sequence_new(g_free);
    }
    return &all;
}

/* By start; a probe (end == 0) sorts before a range at the same start. */
static gint lock_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    const LockRange *ra = a, *rb = b;

    if (ra->start != rb->start) {
        return ra->start < rb->start ? -1 : 1;
    }
    return (rb->end == 0) - (ra->end == 0);
}

/* The first range ending after @addr (it may start after @addr). */
static GSequenceIter *lock_first_after(LockMap *lm, uintptr_t addr)
{
    LockRange probe = { .start = addr, .end = 0 };
    GSequenceIter *it = g_sequence_search(lm->ranges, &probe, lock_cmp,
                                          NULL);

    if (!g_sequence_iter_is_begin(it)) {
        GSequenceIter *prev = g_sequence_iter_prev(it);
        LockRange *r = g_sequence_get(prev);

        if (r->end > addr) {
            return prev;
        }
    }
    return it;
}

/* Make @addr a boundary: split the range that strictly contains it. */
static void lock_split(LockMap *lm, uintptr_t addr)
{
    GSequenceIter *it = lock_first_after(lm, addr);
    LockRange *r, *tail;

    if (g_sequence_iter_is_end(it)) {
        return;
    }
    r = g_sequence_get(it);
    if (r->start >= addr) {
        return;
    }
    tail = g_new(LockRange, 1);
    *tail = (LockRange) { .start = addr, .end = r->end, .count = r->count };
    r->end = addr;
    g_sequence_insert_sorted(lm->ranges, tail, lock_cmp, NULL);
}

/* The parts of [a, b) nobody uses yet, in order.  Caller frees. */
static GArray *lock_map_gaps(LockMap *lm, uintptr_t a, uintptr_t b)
{
    GArray *gaps = g_array_new(false, false, sizeof(HostPiece));
    GSequenceIter *it = lock_first_after(lm, a);
    uintptr_t cur = a;

    for (; cur < b && !g_sequence_iter_is_end(it);
         it = g_sequence_iter_next(it)) {
        LockRange *r = g_sequence_get(it);

        if (r->start >= b) {
            break;
        }
        if (r->start > cur) {
            g_array_append_val(gaps, ((HostPiece) { cur, r->start }));
        }
        cur = MAX(cur, r->end);
    }
    if (cur < b) {
        g_array_append_val(gaps, ((HostPiece) { cur, b }));
    }
    return gaps;
}

/* One more user of [a, b); @gaps is lock_map_gaps(lm, a, b). */
static void lock_map_add(LockMap *lm, uintptr_t a, uintptr_t b,
                         const GArray *gaps)
{
    GSequenceIter *it;
    guint i;

    lock_split(lm, a);
    lock_split(lm, b);
    for (it = lock_first_after(lm, a); !g_sequence_iter_is_end(it);
         it = g_sequence_iter_next(it)) {
        LockRange *r = g_sequence_get(it);

        if (r->start >= b) {
            break;
        }
        r->count++;
    }
    for (i = 0; i < gaps->len; i++) {
        const HostPiece *g = &g_array_index(gaps, HostPiece, i);
        LockRange *r = g_new(LockRange, 1);

        *r = (LockRange) { .start = g->start, .end = g->end, .count = 1 };
        g_sequence_insert_sorted(lm->ranges, r, lock_cmp, NULL);
        lm->covered += g->end - g->start;
    }
}

/*
 * One user less of [a, b), which lock_map_add() covered.  Returns the
 * parts nobody uses any more (caller frees).
 */
static GArray *lock_map_remove(LockMap *lm, uintptr_t a, uintptr_t b)
{
    GArray *freed = g_array_new(false, false, sizeof(HostPiece));
    GSequenceIter *it;

    lock_split(lm, a);
    lock_split(lm, b);
    it = lock_first_after(lm, a);
    while (!g_sequence_iter_is_end(it)) {
        LockRange *r = g_sequence_get(it);
        GSequenceIter *next = g_sequence_iter_next(it);

        if (r->start >= b) {
            break;
        }
        g_assert(r->count > 0);
        if (--r->count == 0) {
            g_array_append_val(freed, ((HostPiece) { r->start, r->end }));
            lm->covered -= r->end - r->start;
            g_sequence_remove(it);
        }
        it = next;
    }
    return freed;
}

/* Lock [a, b) for @pin: mlock() what no object had locked yet. */
static int lock_add(DMAPin *pin, uintptr_t a, uintptr_t b, GError **errp)
{
    LockMap *all = process_locks();
    g_autoptr(GArray) gaps = lock_map_gaps(all, a, b);
    g_autoptr(GArray) own = NULL;
    guint i;

    /* Lock what is new first, so a failure leaves the maps untouched. */
    for (i = 0; i < gaps->len; i++) {
        HostPiece *g = &g_array_index(gaps, HostPiece, i);

        if (host_mlock(g->start, g->end) < 0) {
            int err = errno;

            error_setg_errno(errp, err, "x-dma-pin '%s': cannot lock 0x%"
                             PRIxPTR " bytes of guest RAM (raise "
                             "RLIMIT_MEMLOCK, ulimit -l, or grant "
                             "CAP_IPC_LOCK)", pin->c.name, g->end - g->start);
            while (i-- > 0) {
                g = &g_array_index(gaps, HostPiece, i);
                host_munlock(g->start, g->end);
            }
            return -err;
        }
    }
    lock_map_add(all, a, b, gaps);
    own = lock_map_gaps(&pin->own, a, b);
    lock_map_add(&pin->own, a, b, own);
    return 0;
}

/* Undo one lock_add(): munlock() what no object uses any more. */
static void lock_remove(DMAPin *pin, uintptr_t a, uintptr_t b)
{
    g_autoptr(GArray) freed = lock_map_remove(process_locks(), a, b);
    /* only freed: clang -Wunused-variable does not count the cleanup */
    G_GNUC_UNUSED g_autoptr(GArray) own = lock_map_remove(&pin->own, a, b);

    for (guint i = 0; i < freed->len; i++) {
        HostPiece *g = &g_array_index(freed, HostPiece, i);

        host_munlock(g->start, g->end);
    }
}

/* --- Container backend --- */

static int dma_pin_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                       void *vaddr, bool readonly, GError **errp)
{
    DMAPin *pin = container_to_pin(c);
    PinnedMapping *pm;
    int ret;

    ret = lock_add(pin, (uintptr_t)vaddr, (uintptr_t)vaddr + size, errp);
    if (ret < 0) {
        return ret;
    }
    pm = g_new(PinnedMapping, 1);
    *pm = (PinnedMapping) { .iova = iova, .host = (uintptr_t)vaddr };
    g_hash_table_insert(pin->by_iova, &pm->iova, pm);
    return 0;
}

static int dma_pin_unmap(VFIOContainer *c, hwaddr iova, uint64_t size,
                         GError **errp)
{
    DMAPin *pin = container_to_pin(c);
    gint64 key = iova;
    PinnedMapping *pm = g_hash_table_lookup(pin->by_iova, &key);

    g_assert(pm);
    lock_remove(pin, pm->host, pm->host + size);
    g_hash_table_remove(pin->by_iova, &key);
    return 0;
}

static const VFIOContainerOps dma_pin_ops = {
    .dma_map = dma_pin_map,
    .dma_unmap = dma_pin_unmap,
};

/* --- The object --- */

static bool dma_pin_complete(UserCreatable *uc, GError **errp)
{
    DMAPin *pin = DMA_PIN(uc);
    g_autofree char *id = object_get_canonical_path_component(OBJECT(pin));

    if (!vfio_container_init(&pin->c, &dma_pin_ops, id ? id : "x-dma-pin",
                             qemu_real_host_page_size(), pin->max_mappings,
                             errp)) {
        return false;
    }
    if (!vfio_container_attach_system(&pin->c, errp)) {
        vfio_container_destroy(&pin->c);
        return false;
    }
    return true;
}

static uint64_t dma_pin_get_max_mappings(Object *obj)
{
    return DMA_PIN(obj)->max_mappings;
}

static bool dma_pin_set_max_mappings(Object *obj, uint64_t value,
                                     GError **errp)
{
    if (!user_creatable_check_not_complete(obj, "max-mappings", errp)) {
        return false;
    }
    if (value < 1) {
        error_setg(errp, "Parameter 'max-mappings' must be at least 1");
        return false;
    }
    DMA_PIN(obj)->max_mappings = value;
    return true;
}

static uint64_t dma_pin_get_locked_size(Object *obj)
{
    return DMA_PIN(obj)->own.covered;
}

static bool dma_pin_get_attached(Object *obj)
{
    return vfio_container_is_attached(&DMA_PIN(obj)->c);
}

static void add_mapping_json(const VFIODMAMapping *m, void *opaque)
{
    JsonArray *arr = opaque;
    JsonObject *o = json_object_new();

    json_object_set_int_member(o, "iova", m->iova);
    json_object_set_int_member(o, "size", m->size);
    json_object_set_boolean_member(o, "readonly", m->readonly);
    json_array_add_object_element(arr, o);
}

static JsonNode *dma_pin_get_mappings(Object *obj, ObjectProperty *prop,
                                      GError **errp)
{
    JsonArray *arr = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    vfio_container_foreach_mapping(&DMA_PIN(obj)->c, add_mapping_json, arr);
    json_node_take_array(node, arr);
    return node;
}

static void dma_pin_instance_init(Object *obj)
{
    DMAPin *pin = DMA_PIN(obj);

    pin->max_mappings = VFIO_DEFAULT_MAX_MAPPINGS;
    pin->own.ranges = g_sequence_new(g_free);
    pin->by_iova = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                         g_free);
}

static void dma_pin_instance_finalize(Object *obj)
{
    DMAPin *pin = DMA_PIN(obj);

    vfio_container_destroy(&pin->c);    /* unmaps, so unlocks */
    g_assert(pin->own.covered == 0);
    g_sequence_free(pin->own.ranges);
    g_hash_table_destroy(pin->by_iova);
}

static void dma_pin_class_init(ObjectClass *oc, void *data)
{
    ObjectProperty *p;

    USER_CREATABLE_CLASS(oc)->complete = dma_pin_complete;
    p = object_class_property_add_uint(oc, "max-mappings", 64,
                                       dma_pin_get_max_mappings,
                                       dma_pin_set_max_mappings);
    object_property_set_description(p, "limit on simultaneous mappings "
                                    "(type1's default: 65535)");
    p = object_class_property_add(oc, "mappings", "list",
                                  dma_pin_get_mappings, NULL, NULL, NULL);
    object_property_set_description(p, "current mappings: iova, size, "
                                    "readonly");
    p = object_class_property_add_size(oc, "locked-size",
                                       dma_pin_get_locked_size, NULL);
    object_property_set_description(p, "host bytes held locked");
    p = object_class_property_add_bool(oc, "attached", dma_pin_get_attached,
                                       NULL);
    object_property_set_description(p, "following system memory (false "
                                    "until the machine published it)");
}

static const TypeInfo dma_pin_info = {
    .name = TYPE_DMA_PIN,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(DMAPin),
    .instance_init = dma_pin_instance_init,
    .instance_finalize = dma_pin_instance_finalize,
    .class_init = dma_pin_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE }, { NULL },
    },
};

void dma_pin_register_types(void)
{
    type_register_static(&dma_pin_info);
}
