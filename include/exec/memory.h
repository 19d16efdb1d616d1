/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory API: a graph of MemoryRegions, AddressSpaces rendered from it
 * into immutable FlatViews, MemoryListeners that follow the renderings,
 * and guest-physical reads and writes.  docs/devel/memory.md explains the
 * model; this header states the contracts.
 *
 * Threading: everything here runs with the BQL held (qemu/main-loop.h):
 * the main thread, or a KVM vCPU thread handling an exit.  A FlatView is
 * never modified after it is published, so a holder of a reference may
 * read it from any thread.
 *
 * Sizes are uint64_t.  A container or alias of size UINT64_MAX stands for
 * the whole 2^64 space, last byte included, so a root of that size maps
 * every address.  A RAM or I/O region is at most UINT64_MAX bytes long, and
 * so is every FlatRange.
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/hwaddr.h"
#include "exec/cpu-common.h"
#include "exec/memattrs.h"
#include "exec/ramblock.h"

/* The object model is another room: owners are opaque here. */
struct Object;
typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct MemoryRegionSection MemoryRegionSection;
typedef struct MemoryListener MemoryListener;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct FlatRange FlatRange;
typedef struct RamDiscardManager RamDiscardManager;
typedef struct MemoryRegionIoeventfd MemoryRegionIoeventfd;

#define RAM_ADDR_INVALID (~(ram_addr_t)0)

enum device_endian {
    DEVICE_NATIVE_ENDIAN,   /* the target's: little-endian (x86) */
    DEVICE_BIG_ENDIAN,      /* not supported: asserted against */
    DEVICE_LITTLE_ENDIAN,
};

/*
 * Callbacks of an I/O region.  @addr is the offset in the region; @size
 * is 1, 2, 4 or 8 and lies within .impl's limits.  The *_with_attrs
 * variants, when set, are used instead of read/write.
 */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    MemTxResult (*read_with_attrs)(void *opaque, hwaddr addr,
                                   uint64_t *data, unsigned size,
                                   MemTxAttrs attrs);
    MemTxResult (*write_with_attrs)(void *opaque, hwaddr addr,
                                    uint64_t data, unsigned size,
                                    MemTxAttrs attrs);
    enum device_endian endianness;
    /*
     * What the guest may do.  Sizes default to 1..4.  An access outside
     * them, or unaligned without .unaligned, is a MEMTX_DECODE_ERROR and
     * never reaches the callbacks.
     */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } valid;
    /*
     * What the callbacks implement (default 1..4).  Larger guest accesses
     * are split into several little-endian pieces; smaller ones are made
     * with min_access_size and the requested bytes extracted.
     */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
    } impl;
};

typedef enum {
    MR_CONTAINER,   /* only subregions; gaps are unassigned */
    MR_IO,          /* callbacks */
    MR_RAM,         /* host memory of a RAMBlock */
    MR_ALIAS,       /* a window into another region */
} MemoryRegionKind;

/*
 * A node of the region graph.  Callers allocate it (usually embedded in
 * the owner), call one memory_region_init*() and later
 * memory_region_finalize().  Fields are private to softmmu/memory.c
 * except through the accessors below.
 */
struct MemoryRegion {
    struct Object *owner;       /* opaque; never dereferenced here */
    char *name;
    MemoryRegionKind kind;
    uint64_t size;
    unsigned refcount;          /* memory_region_ref()/unref() */
    bool enabled;
    bool readonly;              /* writes fail with MEMTX_ERROR */
    /* I/O */
    const MemoryRegionOps *ops;
    void *opaque;
    /* RAM */
    RAMBlock *ram_block;
    bool owns_ram_block;
    RamDiscardManager *rdm;
    /* Alias */
    MemoryRegion *alias;
    hwaddr alias_offset;
    /* Placement in the container (set by add_subregion). */
    MemoryRegion *container;
    hwaddr addr;
    int priority;
    bool may_overlap;
    /* Subregions, highest priority first; ties: latest added first. */
    GList *subregions;
    /* memory_region_add_eventfd() registrations (I/O regions), or NULL. */
    GArray *ioeventfds;
};

/*
 * A write that an accelerator may turn into a signal on @fd without
 * calling the region (memory_region_add_eventfd).  @addr is an offset in
 * the region, or, as reported to listeners, an address in the space.
 */
struct MemoryRegionIoeventfd {
    hwaddr addr;
    unsigned size;          /* 1, 2, 4, 8, or 0: a write of any size */
    bool match_data;        /* only writes of @data */
    uint64_t data;
    int fd;
};

/*
 * A piece of a region as seen in an address space: bytes
 * [offset_within_region, +size) of @mr appear at
 * [offset_within_address_space, +size).  @mr is never an alias or a
 * container.  @fv is only valid during a listener callback.
 */
struct MemoryRegionSection {
    uint64_t size;
    MemoryRegion *mr;
    FlatView *fv;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    bool readonly;
};

/* One entry of a FlatView; ranges are sorted and never overlap. */
struct FlatRange {
    MemoryRegion *mr;
    hwaddr offset_in_region;
    hwaddr addr;
    uint64_t size;
    bool readonly;
};

/*
 * The rendering of an address space at one point in time.  Immutable
 * once published; freed when the last reference goes.
 */
struct FlatView {
    unsigned ref;
    unsigned nr;
    unsigned nr_allocated;
    FlatRange *ranges;
    MemoryRegion *root;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;      /* owned reference */
    GList *listeners;           /* ascending priority, then register order */
    GArray *ioeventfds;         /* rendered, sorted; NULL when none */
};

/*
 * Follows the FlatView of one address space.  Every commit that changes
 * the view calls, for each listener: begin; then region_del for vanished
 * ranges (listeners in descending priority); then region_add/region_nop for
 * new/unchanged ranges (ascending priority); then commit.  Within a pass
 * sections come in increasing address order.  Any callback may be NULL.
 * Callbacks must not change the region graph (asserted).
 */
struct MemoryListener {
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    void (*region_add)(MemoryListener *listener,
                       MemoryRegionSection *section);
    void (*region_del)(MemoryListener *listener,
                       MemoryRegionSection *section);
    void (*region_nop)(MemoryListener *listener,
                       MemoryRegionSection *section);
    /*
     * An ioeventfd became visible at / vanished from
     * [section->offset_within_address_space, + section->size) (size 0:
     * any write at that address).  Called after commit, dels first, and
     * on register/unregister for those present.
     */
    void (*eventfd_add)(MemoryListener *listener,
                        MemoryRegionSection *section, bool match_data,
                        uint64_t data, int fd);
    void (*eventfd_del)(MemoryListener *listener,
                        MemoryRegionSection *section, bool match_data,
                        uint64_t data, int fd);
    /*
     * Global dirty logging (memory_global_dirty_log_start/stop/sync):
     * start/stop bracket a period in which writes that bypass the memory
     * API (an accelerator's direct guest access) must be tracked; sync
     * asks the listener to fold what it tracked since the last sync into
     * the RAM blocks' dirty logs (qemu_ram_mark_dirty_range).  A listener
     * registered while logging is on gets log_global_start at
     * registration.
     */
    void (*log_global_start)(MemoryListener *listener);
    void (*log_global_stop)(MemoryListener *listener);
    void (*log_sync)(MemoryListener *listener);
    int priority;
    const char *name;
    AddressSpace *address_space;    /* set while registered */
};

/* --- Region creation (all start enabled, unmapped, refcount 0) --- */

/*
 * A container: gaps between its subregions are unassigned.  For a
 * container or an alias, @size UINT64_MAX stands for the whole 2^64
 * space (the usual size of a root), so the last byte can be mapped.
 */
void memory_region_init(MemoryRegion *mr, struct Object *owner,
                        const char *name, uint64_t size);
/* An I/O region; @ops must outlive it; endianness must not be BIG. */
void memory_region_init_io(MemoryRegion *mr, struct Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
/*
 * RAM regions, each backed by a new RAMBlock owned by the region (freed
 * by memory_region_finalize).  Each returns false with @errp set and @mr
 * left uninitialised if the block cannot be allocated.
 * @ram_flags: RAM_SHARED, RAM_NORESERVE (and for fds RAM_READONLY*).
 */
bool memory_region_init_ram(MemoryRegion *mr, struct Object *owner,
                            const char *name, uint64_t size, GError **errp);
bool memory_region_init_ram_flags_nomigrate(MemoryRegion *mr,
                                            struct Object *owner,
                                            const char *name, uint64_t size,
                                            uint32_t ram_flags,
                                            GError **errp);
/* @max_size is reserved; see memory_region_ram_resize(). */
bool memory_region_init_resizeable_ram(MemoryRegion *mr,
                                       struct Object *owner,
                                       const char *name, uint64_t size,
                                       uint64_t max_size,
                                       RAMBlockResized resized,
                                       GError **errp);
/* The same with @ram_flags 0 or RAM_NORESERVE (see ramblock.h). */
bool memory_region_init_resizeable_ram_flags(MemoryRegion *mr,
                                             struct Object *owner,
                                             const char *name, uint64_t size,
                                             uint64_t max_size,
                                             uint32_t ram_flags,
                                             RAMBlockResized resized,
                                             GError **errp);
bool memory_region_init_ram_from_fd(MemoryRegion *mr, struct Object *owner,
                                    const char *name, uint64_t size,
                                    uint32_t ram_flags, int fd,
                                    off_t offset, GError **errp);
bool memory_region_init_ram_from_file(MemoryRegion *mr,
                                      struct Object *owner,
                                      const char *name, uint64_t size,
                                      uint32_t ram_flags, const char *path,
                                      off_t offset, GError **errp);
/* RAM at @ptr, which the caller keeps alive and frees after finalize. */
bool memory_region_init_ram_ptr(MemoryRegion *mr, struct Object *owner,
                                const char *name, uint64_t size, void *ptr,
                                GError **errp);
/* A window onto [@offset, @offset + @size) of @orig (may be an alias). */
void memory_region_init_alias(MemoryRegion *mr, struct Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size);

/*
 * Release what init took.  @mr must not be mapped in a container, be the
 * root of an address space or be referenced (refcount 0, which implies no
 * FlatView shows it).  Its subregions are removed first.
 */
void memory_region_finalize(MemoryRegion *mr);

/*
 * Reference counting.  Every FlatView range and every section returned by
 * memory_region_find() holds one reference.  Without an object model the
 * count lives in the region; finalize asserts it is zero.
 */
void memory_region_ref(MemoryRegion *mr);
void memory_region_unref(MemoryRegion *mr);

/* --- Placement.  Each change is a (possibly implicit) transaction. --- */

/* Map @subregion at @offset in container @mr, priority 0. */
void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);
/*
 * Map with @priority: where subregions overlap, the higher priority wins;
 * among equal priorities, the one added last wins.
 */
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_size(MemoryRegion *mr, uint64_t size);
/* Move a mapped (or unmapped) region within its container. */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

/* --- Accessors --- */
const char *memory_region_name(const MemoryRegion *mr);
uint64_t memory_region_size(const MemoryRegion *mr);
bool memory_region_is_ram(const MemoryRegion *mr);
bool memory_region_is_enabled(const MemoryRegion *mr);
/* True if @mr sits in a container or appears in any address space. */
bool memory_region_is_mapped(const MemoryRegion *mr);
/* The host address of offset 0 (aliases resolved), or NULL if not RAM. */
void *memory_region_get_ram_ptr(MemoryRegion *mr);
/* The ram address of offset 0 (aliases resolved), or RAM_ADDR_INVALID. */
ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr);
RAMBlock *memory_region_get_ram_block(MemoryRegion *mr);
/*
 * Resize a resizable RAM region (qemu_ram_resize, then the region's
 * size, in one transaction).  Returns 0, or -errno with @errp set and
 * nothing changed.
 */
int memory_region_ram_resize(MemoryRegion *mr, uint64_t newsize,
                             GError **errp);

/*
 * Where does [@addr, @addr + @size) of @mr end up?  Walks up to the root
 * of @mr's graph, finds an address space rendering that root and returns
 * the first piece of the range that is mapped, clipped to the range.
 * .mr is NULL if nothing is mapped; otherwise the caller owns a reference
 * on .mr and drops it with memory_region_unref().  .fv is NULL.
 */
MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr,
                                       uint64_t size);

/* Heap copy of @s with a reference on s->mr; free with ..._free_copy. */
MemoryRegionSection *memory_region_section_new_copy(
    const MemoryRegionSection *s);
void memory_region_section_free_copy(MemoryRegionSection *s);
/*
 * Shrink @s to the part overlapping [@offset, @offset + @size) in region
 * offsets.  Returns false (and leaves @s alone) if they do not overlap.
 */
bool memory_region_section_intersect_range(MemoryRegionSection *s,
                                           uint64_t offset, uint64_t size);

/* --- Transactions --- */

/*
 * Batch changes: nothing is re-rendered until the outermost commit, which
 * re-renders every address space once and notifies listeners of the
 * differences.  Calls nest.
 */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* --- Address spaces --- */

/* Render @root (which the space references) as address space @name. */
void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);
/* Unregister remaining listeners (they get region_del) and release. */
void address_space_destroy(AddressSpace *as);
/* A new reference to the current FlatView; drop with flatview_unref. */
FlatView *address_space_get_flatview(AddressSpace *as);
void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv);
/* The range containing @addr, or NULL (a gap). */
const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr);

/*
 * Register @listener on @as (which must be initialised).  Before this
 * returns the listener gets begin, region_add for every range present in
 * address order, commit.
 */
void memory_listener_register(MemoryListener *listener, AddressSpace *as);
/* Unregister: begin, region_del for every range, commit. */
void memory_listener_unregister(MemoryListener *listener);

/*
 * memory_global_dirty_log_start/stop: tell every listener that dirty
 * logging (migration) starts/stops; nested calls are counted, only the
 * first start and the last stop reach the listeners.
 * memory_global_dirty_log_sync: have every listener fold its tracked
 * writes into the RAM blocks' dirty logs (no-op while logging is off).
 * Big lock held.
 */
void memory_global_dirty_log_start(void);
void memory_global_dirty_log_stop(void);
void memory_global_dirty_log_sync(void);

/* --- Access --- */

/*
 * Re-entrancy: while an I/O region's callback runs, any access (from any
 * address space or memory_region_dispatch_*) that reaches an I/O region
 * with the same owner is dropped with MEMTX_ACCESS_ERROR (reads give 0)
 * and logged under -d guest_errors ("Blocked re-entrant IO on
 * MemoryRegion: NAME at addr: 0xOFF", as QEMU says).  This keeps a
 * device's DMA from landing on its own registers; see memory-access.c.
 */

/*
 * memory_region_dispatch_read/write: one access of @size bytes (1, 2, 4
 * or 8) at offset @addr of the I/O region @mr itself (not its
 * subregions), as if the guest made it: the region's valid sizes and
 * alignment apply, the implementation splits it as for address_space_rw,
 * and the re-entrancy guard applies.  Out of range, invalid, or @mr not an
 * I/O region: MEMTX_DECODE_ERROR and *@val = 0.
 */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *val, unsigned size,
                                        MemTxAttrs attrs);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t val, unsigned size,
                                         MemTxAttrs attrs);

/*
 * Copy @len bytes between @buf and guest-physical [@addr, @addr + @len)
 * of @as.  The range is split at region boundaries: RAM is copied, I/O
 * regions get accesses of their valid sizes (largest aligned first),
 * split further into their implemented sizes.  Unassigned bytes read as
 * 0 and yield MEMTX_DECODE_ERROR; the rest of the range is still done.
 * A range that wraps past 2^64 fails whole with MEMTX_DECODE_ERROR (reads
 * zero-fill @buf).  Returns the OR of all pieces' results.
 */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf,
                                hwaddr len);

/*
 * Fixed-size little-endian loads and stores.  @result may be NULL; loads
 * of failed accesses return what address_space_read left (0 for gaps).
 */
uint32_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                            MemTxResult *result);
uint32_t address_space_lduw_le(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, MemTxResult *result);
uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result);
void address_space_stb(AddressSpace *as, hwaddr addr, uint32_t val,
                       MemTxAttrs attrs, MemTxResult *result);
void address_space_stw_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);

/* --- ioeventfds (softmmu/memory-ioeventfd.c) --- */

/*
 * Let an accelerator signal @fd for a guest write of @size bytes (0: any
 * size) at offset @addr of I/O region @mr, matching @data if
 * @match_data, instead of calling the region's write callback.  Only a
 * fast path: without a listener that takes it (qtest, tcg) writes keep
 * reaching the callback, so the device must handle both.  The caller
 * owns @fd and removes the registration (same arguments) before closing
 * it.  A change is a transaction like any other.
 */
void memory_region_add_eventfd(MemoryRegion *mr, hwaddr addr,
                               unsigned size, bool match_data,
                               uint64_t data, int fd);
void memory_region_del_eventfd(MemoryRegion *mr, hwaddr addr,
                               unsigned size, bool match_data,
                               uint64_t data, int fd);

/* --- Discard manager attachment (see exec/ram-discard-manager.h) --- */

/*
 * Attach @rdm to RAM region @mr (or detach with NULL).  Returns 0;
 * -EINVAL if @mr is not RAM; -EBUSY if @mr is mapped or already has a
 * manager and @rdm is not NULL.
 */
int memory_region_set_ram_discard_manager(MemoryRegion *mr,
                                          RamDiscardManager *rdm);
RamDiscardManager *memory_region_get_ram_discard_manager(MemoryRegion *mr);
bool memory_region_has_ram_discard_manager(MemoryRegion *mr);

#endif /* EXEC_MEMORY_H */
