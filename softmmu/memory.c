/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory API: owns the MemoryRegion graph, the list of AddressSpaces,
 * transactions, MemoryListener notification and guest-physical accesses.
 * Rendering itself lives in flatview.c.
 *
 * Topology changes are rare (device plug, BAR moves, virtio-mem resize)
 * and are batched by transactions: the outermost commit re-renders each
 * address space once and walks old and new views side by side, so the
 * cost is linear in the number of ranges, never in region sizes.
 * Accesses are the hot path: one binary search per region crossed, a
 * memcpy for RAM, and callbacks of the region's sizes for I/O.
 */
#include "qemu/osdep.h"
#include "memory-internal.h"

static unsigned transaction_depth;
static bool update_pending;
/* Set while listeners are being called: they must not change the graph. */
static bool notifying_listeners;
static GList *address_spaces;
/* memory_global_dirty_log_start calls not yet stopped. */
static unsigned global_dirty_log;

/* --- Regions --- */

static void memory_region_init_common(MemoryRegion *mr, struct Object *owner,
                                      const char *name, uint64_t size,
                                      MemoryRegionKind kind)
{
    memset(mr, 0, sizeof(*mr));
    mr->owner = owner;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->size = size;
    mr->kind = kind;
    mr->enabled = true;
}

void memory_region_init(MemoryRegion *mr, struct Object *owner,
                        const char *name, uint64_t size)
{
    memory_region_init_common(mr, owner, name, size, MR_CONTAINER);
}

void memory_region_init_io(MemoryRegion *mr, struct Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    g_assert(ops);
    g_assert(ops->endianness != DEVICE_BIG_ENDIAN);
    g_assert(ops->read || ops->read_with_attrs);
    g_assert(ops->write || ops->write_with_attrs);
    g_assert(!ops->valid.max_access_size ||
             (is_power_of_2(ops->valid.max_access_size) &&
              ops->valid.max_access_size <= 8));
    g_assert(!ops->impl.max_access_size ||
             (is_power_of_2(ops->impl.max_access_size) &&
              ops->impl.max_access_size <= 8));
    g_assert(!ops->impl.min_access_size ||
             is_power_of_2(ops->impl.min_access_size));
    memory_region_init_common(mr, owner, name, size, MR_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

/* Finish a RAM region with its block; undo the init if @rb is NULL. */
static bool memory_region_init_ram_block(MemoryRegion *mr, RAMBlock *rb,
                                         bool owns)
{
    if (!rb) {
        g_free(mr->name);
        memset(mr, 0, sizeof(*mr));
        return false;
    }
    mr->ram_block = rb;
    mr->owns_ram_block = owns;
    mr->readonly = rb->flags & RAM_READONLY;
    return true;
}

bool memory_region_init_ram_flags_nomigrate(MemoryRegion *mr,
                                            struct Object *owner,
                                            const char *name, uint64_t size,
                                            uint32_t ram_flags,
                                            GError **errp)
{
    memory_region_init_common(mr, owner, name, size, MR_RAM);
    return memory_region_init_ram_block(mr,
        qemu_ram_alloc(size, ram_flags, mr, errp), true);
}

bool memory_region_init_ram(MemoryRegion *mr, struct Object *owner,
                            const char *name, uint64_t size, GError **errp)
{
    return memory_region_init_ram_flags_nomigrate(mr, owner, name, size, 0,
                                                  errp);
}

bool memory_region_init_resizeable_ram(MemoryRegion *mr,
                                       struct Object *owner,
                                       const char *name, uint64_t size,
                                       uint64_t max_size,
                                       RAMBlockResized resized,
                                       GError **errp)
{
    return memory_region_init_resizeable_ram_flags(mr, owner, name, size,
                                                   max_size, 0, resized,
                                                   errp);
}

bool memory_region_init_resizeable_ram_flags(MemoryRegion *mr,
                                             struct Object *owner,
                                             const char *name, uint64_t size,
                                             uint64_t max_size,
                                             uint32_t ram_flags,
                                             RAMBlockResized resized,
                                             GError **errp)
{
    memory_region_init_common(mr, owner, name, size, MR_RAM);
    return memory_region_init_ram_block(mr,
        qemu_ram_alloc_resizeable_flags(size, max_size, ram_flags, resized,
                                        mr, errp), true);
}

bool memory_region_init_ram_from_fd(MemoryRegion *mr, struct Object *owner,
                                    const char *name, uint64_t size,
                                    uint32_t ram_flags, int fd,
                                    off_t offset, GError **errp)
{
    memory_region_init_common(mr, owner, name, size, MR_RAM);
    return memory_region_init_ram_block(mr,
        qemu_ram_alloc_from_fd(size, mr, ram_flags, fd, offset, errp), true);
}

bool memory_region_init_ram_from_file(MemoryRegion *mr,
                                      struct Object *owner,
                                      const char *name, uint64_t size,
                                      uint32_t ram_flags, const char *path,
                                      off_t offset, GError **errp)
{
    memory_region_init_common(mr, owner, name, size, MR_RAM);
    return memory_region_init_ram_block(mr,
        qemu_ram_alloc_from_file(size, mr, ram_flags, path, offset, errp),
        true);
}

bool memory_region_init_ram_ptr(MemoryRegion *mr, struct Object *owner,
                                const char *name, uint64_t size, void *ptr,
                                GError **errp)
{
    memory_region_init_common(mr, owner, name, size, MR_RAM);
    return memory_region_init_ram_block(mr,
        qemu_ram_alloc_from_ptr(size, ptr, mr, errp), true);
}

void memory_region_init_alias(MemoryRegion *mr, struct Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size)
{
    g_assert(orig);
    memory_region_init_common(mr, owner, name, size, MR_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
    memory_region_ref(orig);
}

void memory_region_finalize(MemoryRegion *mr)
{
    GList *l;

    g_assert(!mr->container);
    for (l = address_spaces; l; l = l->next) {
        g_assert(((AddressSpace *)l->data)->root != mr);
    }
    memory_region_transaction_begin();
    while (mr->subregions) {
        memory_region_del_subregion(mr, mr->subregions->data);
    }
    memory_region_transaction_commit();
    g_assert(mr->refcount == 0);
    if (mr->alias) {
        memory_region_unref(mr->alias);
    }
    if (mr->ram_block && mr->owns_ram_block) {
        qemu_ram_free(mr->ram_block);
    }
    memory_region_free_ioeventfds(mr);
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

void memory_region_ref(MemoryRegion *mr)
{
    mr->refcount++;
}

void memory_region_unref(MemoryRegion *mr)
{
    g_assert(mr->refcount > 0);
    mr->refcount--;
}

/* --- Transactions --- */

static void address_space_update_topology(AddressSpace *as);

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    GList *l;

    g_assert(transaction_depth > 0);
    if (--transaction_depth || !update_pending) {
        return;
    }
    update_pending = false;
    for (l = address_spaces; l; l = l->next) {
        address_space_update_topology(l->data);
    }
}

/* Record a change and render now unless inside a transaction. */
void memory_region_changed(void)
{
    g_assert(!notifying_listeners);
    memory_region_transaction_begin();
    update_pending = true;
    memory_region_transaction_commit();
}

/* --- Placement --- */

static void memory_region_link(MemoryRegion *mr, MemoryRegion *sub)
{
    GList *l;

    for (l = mr->subregions; l; l = l->next) {
        MemoryRegion *other = l->data;

        if (sub->priority >= other->priority) {
            break;
        }
    }
    mr->subregions = g_list_insert_before(mr->subregions, l, sub);
}

static void memory_region_add_subregion_common(MemoryRegion *mr,
                                               hwaddr offset,
                                               MemoryRegion *sub)
{
    g_assert(mr->kind != MR_ALIAS);
    g_assert(!sub->container);
    memory_region_ref(sub);
    sub->container = mr;
    sub->addr = offset;
    memory_region_link(mr, sub);
    memory_region_changed();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    subregion->may_overlap = false;
    subregion->priority = 0;
    memory_region_add_subregion_common(mr, offset, subregion);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority)
{
    subregion->may_overlap = true;
    subregion->priority = priority;
    memory_region_add_subregion_common(mr, offset, subregion);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    g_assert(subregion->container == mr);
    mr->subregions = g_list_remove(mr->subregions, subregion);
    subregion->container = NULL;
    memory_region_changed();
    memory_region_unref(subregion);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_region_changed();
    }
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    if (mr->size != size) {
        mr->size = size;
        memory_region_changed();
    }
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr != addr) {
        mr->addr = addr;
        memory_region_changed();
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    g_assert(mr->kind == MR_ALIAS);
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        memory_region_changed();
    }
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        memory_region_changed();
    }
}

/* --- Accessors --- */

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}

bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->kind == MR_RAM;
}

bool memory_region_is_enabled(const MemoryRegion *mr)
{
    return mr->enabled;
}

static bool flatview_shows(const FlatView *fv, const MemoryRegion *mr)
{
    unsigned i;

    for (i = 0; i < fv->nr; i++) {
        if (fv->ranges[i].mr == mr) {
            return true;
        }
    }
    return false;
}

bool memory_region_is_mapped(const MemoryRegion *mr)
{
    GList *l;

    if (mr->container) {
        return true;
    }
    for (l = address_spaces; l; l = l->next) {
        if (flatview_shows(((AddressSpace *)l->data)->current_map, mr)) {
            return true;
        }
    }
    return false;
}

/* Follow aliases to the region that holds the bytes; adds the offsets. */
static MemoryRegion *memory_region_resolve(MemoryRegion *mr, hwaddr *offset)
{
    while (mr->kind == MR_ALIAS) {
        *offset += mr->alias_offset;
        mr = mr->alias;
    }
    return mr;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    mr = memory_region_resolve(mr, &offset);
    if (mr->kind != MR_RAM) {
        return NULL;
    }
    return (uint8_t *)qemu_ram_get_host_addr(mr->ram_block) + offset;
}

ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    mr = memory_region_resolve(mr, &offset);
    if (mr->kind != MR_RAM) {
        return RAM_ADDR_INVALID;
    }
    return qemu_ram_get_offset(mr->ram_block) + offset;
}

RAMBlock *memory_region_get_ram_block(MemoryRegion *mr)
{
    hwaddr offset = 0;

    mr = memory_region_resolve(mr, &offset);
    return mr->kind == MR_RAM ? mr->ram_block : NULL;
}

int memory_region_ram_resize(MemoryRegion *mr, uint64_t newsize,
                             GError **errp)
{
    int ret;

    if (mr->kind != MR_RAM || !qemu_ram_is_resizeable(mr->ram_block)) {
        error_setg(errp, "memory region '%s' is not resizeable", mr->name);
        return -EINVAL;
    }
    memory_region_transaction_begin();
    ret = qemu_ram_resize(mr->ram_block, newsize, errp);
    if (!ret) {
        memory_region_set_size(mr, newsize);
    }
    memory_region_transaction_commit();
    return ret;
}

/* --- Sections --- */

static MemoryRegionSection section_from_range(const FlatRange *fr,
                                              FlatView *fv)
{
    return (MemoryRegionSection) {
        .size = fr->size,
        .mr = fr->mr,
        .fv = fv,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = fr->addr,
        .readonly = fr->readonly,
    };
}

MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr,
                                       uint64_t size)
{
    MemoryRegionSection ret = { 0 };
    MemoryRegion *root = mr;
    AddressSpace *as = NULL;
    const FlatRange *fr;
    GList *l;

    for (; root->container; root = root->container) {
        if (addr + root->addr < addr) {
            return ret;
        }
        addr += root->addr;
    }
    if (size && addr + (size - 1) < addr) {
        size = -addr;   /* clip at the top of the address space */
    }
    for (l = address_spaces; l && !as; l = l->next) {
        if (((AddressSpace *)l->data)->root == root) {
            as = l->data;
        }
    }
    if (!as || !size) {
        return ret;
    }
    fr = flatview_next(as->current_map, addr);
    if (fr && fr->addr <= addr + (size - 1)) {
        MemoryRegionSection s = section_from_range(fr, NULL);

        memory_region_section_intersect_range(&s,
            fr->offset_in_region + (MAX(addr, fr->addr) - fr->addr),
            MIN(addr + (size - 1), fr->addr + (fr->size - 1)) -
            MAX(addr, fr->addr) + 1);
        memory_region_ref(s.mr);
        return s;
    }
    return ret;
}

MemoryRegionSection *memory_region_section_new_copy(
    const MemoryRegionSection *s)
{
    MemoryRegionSection *copy = g_memdup2(s, sizeof(*s));

    if (copy->mr) {
        memory_region_ref(copy->mr);
    }
    return copy;
}

void memory_region_section_free_copy(MemoryRegionSection *s)
{
    if (s->mr) {
        memory_region_unref(s->mr);
    }
    g_free(s);
}

bool memory_region_section_intersect_range(MemoryRegionSection *s,
                                           uint64_t offset, uint64_t size)
{
    uint64_t start, last;

    if (!size || !s->size) {
        return false;
    }
    start = MAX(s->offset_within_region, offset);
    last = MIN(s->offset_within_region + (s->size - 1),
               offset + (size - 1));
    if (start > last || offset + (size - 1) < offset) {
        return false;
    }
    s->offset_within_address_space += start - s->offset_within_region;
    s->offset_within_region = start;
    s->size = last - start + 1;
    return true;
}

/* --- Listeners --- */

typedef enum {
    PASS_DEL,
    PASS_ADD,
} UpdatePass;

static void listener_section(MemoryListener *ml, FlatView *fv,
                             const FlatRange *fr,
                             void (*cb)(MemoryListener *,
                                        MemoryRegionSection *))
{
    MemoryRegionSection s = section_from_range(fr, fv);

    if (cb) {
        cb(ml, &s);
    }
}

/*
 * One pass of the old/new comparison for one listener: in address order,
 * PASS_DEL reports old ranges missing from the new view, PASS_ADD reports
 * new ranges (region_add) and ranges in both (region_nop).
 */
static void listener_update_pass(MemoryListener *ml, FlatView *old,
                                 FlatView *new, UpdatePass pass)
{
    unsigned i = 0, j = 0;

    while (i < old->nr || j < new->nr) {
        const FlatRange *fo = i < old->nr ? &old->ranges[i] : NULL;
        const FlatRange *fn = j < new->nr ? &new->ranges[j] : NULL;

        if (fo && fn && flatrange_equal(fo, fn)) {
            if (pass == PASS_ADD) {
                listener_section(ml, new, fn, ml->region_nop);
            }
            i++;
            j++;
        } else if (fo && (!fn || fo->addr <= fn->addr)) {
            if (pass == PASS_DEL) {
                listener_section(ml, old, fo, ml->region_del);
            }
            i++;
        } else {
            if (pass == PASS_ADD) {
                listener_section(ml, new, fn, ml->region_add);
            }
            j++;
        }
    }
}

static bool flatview_equal(const FlatView *a, const FlatView *b)
{
    unsigned i;

    if (a->nr != b->nr) {
        return false;
    }
    for (i = 0; i < a->nr; i++) {
        if (!flatrange_equal(&a->ranges[i], &b->ranges[i])) {
            return false;
        }
    }
    return true;
}

static void address_space_update_topology(AddressSpace *as)
{
    FlatView *old = as->current_map;
    FlatView *new = flatview_render(as->root);
    GList *l;

    as->current_map = new;
    if (flatview_equal(old, new)) {
        flatview_unref(old);
        address_space_update_ioeventfds(as);
        return;
    }
    notifying_listeners = true;
    for (l = as->listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->begin) {
            ml->begin(ml);
        }
    }
    for (l = g_list_last(as->listeners); l; l = l->prev) {
        listener_update_pass(l->data, old, new, PASS_DEL);
    }
    for (l = as->listeners; l; l = l->next) {
        listener_update_pass(l->data, old, new, PASS_ADD);
    }
    for (l = as->listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->commit) {
            ml->commit(ml);
        }
    }
    notifying_listeners = false;
    flatview_unref(old);
    address_space_update_ioeventfds(as);
}

static void listener_replay(MemoryListener *ml, FlatView *fv, bool add)
{
    bool was_notifying = notifying_listeners;
    unsigned i;

    notifying_listeners = true;
    if (ml->begin) {
        ml->begin(ml);
    }
    for (i = 0; i < fv->nr; i++) {
        listener_section(ml, fv, &fv->ranges[i],
                         add ? ml->region_add : ml->region_del);
    }
    if (ml->commit) {
        ml->commit(ml);
    }
    notifying_listeners = was_notifying;
}

static gint listener_cmp(gconstpointer a, gconstpointer b)
{
    const MemoryListener *la = a, *lb = b;

    return (la->priority > lb->priority) - (la->priority < lb->priority);
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    g_assert(!listener->address_space);
    listener->address_space = as;
    /* g_list_insert_sorted puts equal elements after existing ones. */
    as->listeners = g_list_insert_sorted(as->listeners, listener,
                                         listener_cmp);
    listener_replay(listener, as->current_map, true);
    memory_listener_replay_ioeventfds(listener, as, true);
    if (global_dirty_log && listener->log_global_start) {
        listener->log_global_start(listener);
    }
}

void memory_listener_unregister(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;

    if (!as) {
        return;
    }
    memory_listener_replay_ioeventfds(listener, as, false);
    listener_replay(listener, as->current_map, false);
    as->listeners = g_list_remove(as->listeners, listener);
    listener->address_space = NULL;
}

/* --- Global dirty logging --- */

typedef enum { LOG_START, LOG_STOP, LOG_SYNC } LogOp;

static void global_dirty_log_call(LogOp op)
{
    for (GList *a = address_spaces; a; a = a->next) {
        AddressSpace *as = a->data;

        for (GList *l = as->listeners; l; l = l->next) {
            MemoryListener *ml = l->data;
            void (*fn)(MemoryListener *) =
                op == LOG_START ? ml->log_global_start :
                op == LOG_STOP ? ml->log_global_stop : ml->log_sync;

            if (fn) {
                fn(ml);
            }
        }
    }
}

void memory_global_dirty_log_start(void)
{
    if (global_dirty_log++ == 0) {
        global_dirty_log_call(LOG_START);
    }
}

void memory_global_dirty_log_stop(void)
{
    g_assert(global_dirty_log > 0);
    if (--global_dirty_log == 0) {
        global_dirty_log_call(LOG_STOP);
    }
}

void memory_global_dirty_log_sync(void)
{
    if (global_dirty_log) {
        global_dirty_log_call(LOG_SYNC);
    }
}

/* --- Address spaces --- */

void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "anonymous");
    as->root = root;
    memory_region_ref(root);
    as->current_map = flatview_render(root);
    address_spaces = g_list_append(address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    while (as->listeners) {
        memory_listener_unregister(as->listeners->data);
    }
    address_spaces = g_list_remove(address_spaces, as);
    if (as->ioeventfds) {
        g_array_free(as->ioeventfds, true);
    }
    flatview_unref(as->current_map);
    memory_region_unref(as->root);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    flatview_ref(as->current_map);
    return as->current_map;
}

/* --- Discard manager attachment --- */

int memory_region_set_ram_discard_manager(MemoryRegion *mr,
                                          RamDiscardManager *rdm)
{
    if (mr->kind != MR_RAM) {
        return -EINVAL;
    }
    if (rdm && (mr->rdm || memory_region_is_mapped(mr))) {
        return -EBUSY;
    }
    mr->rdm = rdm;
    return 0;
}

RamDiscardManager *memory_region_get_ram_discard_manager(MemoryRegion *mr)
{
    return mr->kind == MR_RAM ? mr->rdm : NULL;
}

bool memory_region_has_ram_discard_manager(MemoryRegion *mr)
{
    return memory_region_get_ram_discard_manager(mr) != NULL;
}
