/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem: a paravirtualized memory device that plugs and unplugs
 * memory in blocks of a device region, at the host's request.
 *
 * Two layers:
 *  - VirtIOMEMBlocks, the block state machine: validation of requests in
 *    QEMU's order, the plugged bitmap (a RamDiscardBitmap, so the device
 *    is the RamDiscardManager of its memory), discard, preallocation and
 *    the usable window.  No virtqueues, no QOM: unit tests drive it
 *    directly.
 *  - VirtIOMEM, the virtio device (TYPE_VIRTIO_MEM): properties, the
 *    configuration space, the request queue and the size-change hook.
 *
 * The wire format and request rules are in docs/system/virtio-mem.md and
 * the virtio specification ("Memory Device").
 *
 * Threading: main thread only.
 */
#ifndef HW_VIRTIO_VIRTIO_MEM_H
#define HW_VIRTIO_VIRTIO_MEM_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ram-discard-manager.h"
#include "hw/virtio/virtio.h"

#define VIRTIO_ID_MEM                       24

/* Feature bits. */
#define VIRTIO_MEM_F_ACPI_PXM               0
#define VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE 1
#define VIRTIO_MEM_F_PERSISTENT_SUSPEND     2

/* Request types. */
#define VIRTIO_MEM_REQ_PLUG                 0
#define VIRTIO_MEM_REQ_UNPLUG               1
#define VIRTIO_MEM_REQ_UNPLUG_ALL           2
#define VIRTIO_MEM_REQ_STATE                3

/* Response types. */
#define VIRTIO_MEM_RESP_ACK                 0
#define VIRTIO_MEM_RESP_NACK                1
#define VIRTIO_MEM_RESP_BUSY                2
#define VIRTIO_MEM_RESP_ERROR               3

/* STATE answers. */
#define VIRTIO_MEM_STATE_PLUGGED            0
#define VIRTIO_MEM_STATE_UNPLUGGED          1
#define VIRTIO_MEM_STATE_MIXED              2

/* Wire structures, little-endian. */
typedef struct VirtIOMEMReq {
    uint16_t type;
    uint16_t padding[3];
    uint64_t addr;
    uint16_t nb_blocks;
    uint16_t padding2[3];
} VirtIOMEMReq;
G_STATIC_ASSERT(sizeof(VirtIOMEMReq) == 24);

/* A response; state is meaningful for STATE requests only. */
typedef struct VirtIOMEMResp {
    uint16_t type;
    uint16_t padding[3];
    uint16_t state;
} VirtIOMEMResp;
G_STATIC_ASSERT(sizeof(VirtIOMEMResp) == 10);
G_STATIC_ASSERT(offsetof(VirtIOMEMReq, addr) == 8);
G_STATIC_ASSERT(offsetof(VirtIOMEMReq, nb_blocks) == 16);
G_STATIC_ASSERT(offsetof(VirtIOMEMResp, state) == 8);
#define VIRTIO_MEM_RESP_SIZE                sizeof(VirtIOMEMResp)

typedef struct VirtIOMEMConfig {
    uint64_t block_size;
    uint16_t node_id;
    uint8_t padding[6];
    uint64_t addr;
    uint64_t region_size;
    uint64_t usable_region_size;
    uint64_t plugged_size;
    uint64_t requested_size;
} VirtIOMEMConfig;
G_STATIC_ASSERT(sizeof(VirtIOMEMConfig) == 56);

#define VIRTIO_MEM_MIN_BLOCK_SIZE           (1ull << 20)
/* How far the usable region reaches beyond requested_size (x86). */
#define VIRTIO_MEM_USABLE_EXTENT            (256ull << 20)
#define VIRTIO_MEM_QUEUE_SIZE               128

/* ---- The block state machine ------------------------------------------ */

/*
 * Make [0, @size) of the backend's memory accessible and the rest an
 * inaccessible reservation (host_memory_backend_set_usable_size()'s
 * contract).  Returns false with @errp set, nothing changed, on failure.
 */
typedef bool VirtIOMEMBackendUsableFn(void *opaque, uint64_t size,
                                      GError **errp);

/*
 * State of one device's blocks.  Fields are read-only outside
 * virtio-mem-blocks.c.  All sizes are multiples of block_size.
 */
typedef struct VirtIOMEMBlocks {
    MemoryRegion *mr;           /* the backend's RAM region (borrowed) */
    RAMBlock *rb;
    MemoryRegion *window;       /* alias onto @mr of usable size, or NULL */
    hwaddr addr;                /* guest-physical start of the region */
    uint64_t block_size;
    uint64_t region_size;
    uint64_t usable_region_size;
    uint64_t requested_size;
    uint64_t plugged_size;
    bool prealloc;              /* populate blocks before acking a plug */
    int prealloc_threads;
    RamDiscardBitmap rdb;       /* plugged bitmap + discard listeners */
    /* Optional (virtio_mem_blocks_set_backend_usable_fn()). */
    VirtIOMEMBackendUsableFn *backend_usable_fn;
    void *backend_opaque;
} VirtIOMEMBlocks;

/*
 * Set up @b for RAM region @mr (whose RAM block must allow discard) of
 * @region_size bytes at guest address @addr.  All blocks start unplugged
 * and the usable size is 0.  @window, if not NULL, is an alias onto @mr
 * that the caller maps at @addr; its size follows the usable size.  The
 * RamDiscardManager (b->rdb.rdm) is attached to @mr, which must not be
 * mapped yet.  Returns false with @errp set if it cannot be attached or
 * @mr is not @region_size bytes.  The backend stays whole unless the
 * caller installs virtio_mem_blocks_set_backend_usable_fn().
 */
bool virtio_mem_blocks_init(VirtIOMEMBlocks *b, MemoryRegion *mr,
                            MemoryRegion *window, hwaddr addr,
                            uint64_t region_size, uint64_t block_size,
                            GError **errp);
/*
 * Let the backend follow the usable size from now on (never below one
 * block), through @fn (e.g. host_memory_backend_set_usable_size()), so
 * that the host side beyond the usable region costs nothing.  Call right
 * after virtio_mem_blocks_init(), before the first requested size.
 */
void virtio_mem_blocks_set_backend_usable_fn(VirtIOMEMBlocks *b,
                                             VirtIOMEMBackendUsableFn *fn,
                                             void *opaque);

/*
 * Detach the manager (no listener may remain) and free the bitmap.  A
 * backend that follows the usable size is made whole again first.
 */
void virtio_mem_blocks_destroy(VirtIOMEMBlocks *b);

/*
 * PLUG @nb_blocks blocks at guest address @gpa.  Returns a
 * VIRTIO_MEM_RESP_* value, deciding in this order: range outside the
 * usable region, misaligned or empty -> ERROR; more than requested ->
 * NACK; a block already plugged -> ERROR; discarding the range (what
 * the guest may have written while it was unplugged) failed,
 * preallocation failed or a discard listener refused -> BUSY (nothing
 * plugged, listeners rolled back, memory discarded again); else ACK, and
 * the range reads as zero.  The discard comes before prealloc and before
 * the listeners are told.  O(nb_blocks) plus one discard call and the
 * listeners; never O(region).
 */
uint16_t virtio_mem_blocks_plug(VirtIOMEMBlocks *b, uint64_t gpa,
                                uint16_t nb_blocks);
/*
 * UNPLUG: ERROR for a bad range or a block not plugged.  Otherwise the
 * listeners are told (discard) and the bits cleared first, then the
 * memory is discarded; if that fails and the listeners accept the range
 * again, nothing changed and the answer is BUSY (if they refuse, the
 * blocks stay unplugged with their memory resident, ACK).  Else ACK.
 */
uint16_t virtio_mem_blocks_unplug(VirtIOMEMBlocks *b, uint64_t gpa,
                                  uint16_t nb_blocks);
/*
 * UNPLUG_ALL: tell listeners about each plugged run, clear the bitmap,
 * discard the usable part and shrink the usable region to fit
 * requested_size.  Always ACK (a failed discard only leaves memory
 * resident, with a warning).
 */
uint16_t virtio_mem_blocks_unplug_all(VirtIOMEMBlocks *b);
/* STATE: ERROR for a bad range, else ACK with *@state set. */
uint16_t virtio_mem_blocks_state(VirtIOMEMBlocks *b, uint64_t gpa,
                                 uint16_t nb_blocks, uint16_t *state);
/*
 * The host wants @requested (validated by the caller) plugged.  The usable
 * region grows to min(region, round_up(requested + 256 MiB, block)) and
 * never shrinks here.  Returns true if usable_region_size changed.
 */
bool virtio_mem_blocks_set_requested(VirtIOMEMBlocks *b, uint64_t requested);
/*
 * Resize the usable region for @requested, shrinking too (only valid
 * when nothing is plugged beyond the new size: after UNPLUG_ALL/reset).
 */
void virtio_mem_blocks_resize_usable(VirtIOMEMBlocks *b, uint64_t requested,
                                     bool can_shrink);
/* Is the block containing region offset @offset plugged? */
bool virtio_mem_blocks_is_plugged(const VirtIOMEMBlocks *b, uint64_t offset);
/*
 * virtio_mem_blocks_restore: take over a migrated state.  Nothing may be
 * plugged yet.  Sets the requested size, opens the usable region (and
 * resizes the backend's block, RAM block notifiers told) to exactly
 * @usable, then plugs (scrubs, preallocates with prealloc=on, tells the
 * discard listeners) each run of set bits of @plugged (one bit per block
 * of the region).  On failure everything is put back as before and
 * @errp says which range failed.
 */
bool virtio_mem_blocks_restore(VirtIOMEMBlocks *b, uint64_t requested,
                               uint64_t usable, const unsigned long *plugged,
                               GError **errp);
/*
 * virtio_mem_blocks_restore_requested: take over the requested size the
 * source had when it stopped (set while migrating, after restore), and
 * its usable size if that is larger than ours (it never shrinks while
 * migrating; what is plugged lies below both).  On failure (the backend
 * cannot grow) nothing changes and @errp says so.
 */
bool virtio_mem_blocks_restore_requested(VirtIOMEMBlocks *b,
                                         uint64_t requested, uint64_t usable,
                                         GError **errp);

/* ---- The device --------------------------------------------------------- */

#define TYPE_VIRTIO_MEM "virtio-mem"
OBJECT_DECLARE_TYPE(VirtIOMEM, VirtIOMEMClass, VIRTIO_MEM)

typedef enum {
    VIRTIO_MEM_ONOFFAUTO_AUTO,
    VIRTIO_MEM_ONOFFAUTO_ON,
    VIRTIO_MEM_ONOFFAUTO_OFF,
} VirtIOMEMOnOffAuto;

typedef void (*VirtIOMEMSizeChanged)(void *opaque, uint64_t plugged_size);

struct VirtIOMEM {
    VirtIODevice parent_obj;

    /* Properties (set before realize unless noted). */
    Object *memdev;             /* link<memory-backend> */
    uint64_t requested_size;    /* also settable while realized */
    uint64_t block_size;        /* 0: default, fixed at realize */
    uint64_t addr;              /* memaddr; 0: choose (memory-device) */
    uint32_t node;
    bool prealloc;
    int unplugged_inaccessible; /* VirtIOMEMOnOffAuto */
    bool dynamic_memslots;      /* QEMU 8.2's dynamic-memslots */

    /* Realized state. */
    MemoryRegion container;     /* region_size, mapped in device memory */
    MemoryRegion window;        /* alias of the usable part of memdev;
                                 * a container of memslots with
                                 * dynamic-memslots */
    struct VirtIOMEMMemslots *memslots;     /* dynamic-memslots only */
    bool container_init;
    VirtIOMEMBlocks blocks;
    bool blocks_init;
    VirtQueue *vq;
    bool discard_required;      /* holds ram_block_coordinated_discard */
    /* A migration runs: plug/unplug requests are answered BUSY. */
    bool migrating;
    char *migration_id;         /* registered state section, or NULL */
    char *migration_late_id;    /* its late part (requested size) */
    bool migration_notify;      /* destination: tell the guest at the end */

    /* Told after every change of the plugged size (the PCI wrapper). */
    VirtIOMEMSizeChanged size_changed;
    void *size_changed_opaque;
};

struct VirtIOMEMClass {
    VirtioDeviceClass parent_class;
};

/*
 * Memory-device glue, used by virtio-mem-pci.  The region size (the
 * backend's; "'memdev' property must be set" without one) and alignment
 * (the block size) are known before realize; the region to map (the
 * container of region_size) after it.
 */
uint64_t virtio_mem_get_region_size(VirtIOMEM *vmem, GError **errp);
uint64_t virtio_mem_get_min_alignment(VirtIOMEM *vmem);
MemoryRegion *virtio_mem_get_memory_region(VirtIOMEM *vmem);
/*
 * Finish realize once the address is known (memory_device_pre_plug chose
 * it): set up the block state with the window at @addr.
 */
bool virtio_mem_set_addr(VirtIOMEM *vmem, uint64_t addr, GError **errp);
/*
 * Unplug everything and recompute the usable region (system reset).  Only
 * for a realized device.
 */
void virtio_mem_system_reset(VirtIOMEM *vmem);

/*
 * dynamic-memslots=on (hw/virtio/virtio-mem-memslots.c): memslots of
 * virtio_mem_memslot_size() bytes, aliases onto @backend placed in the
 * @window container, each mapped only while some of its blocks are
 * plugged (it listens to @backend's RamDiscardManager, which must be
 * attached).  Free before the manager goes.
 */
typedef struct VirtIOMEMMemslots VirtIOMEMMemslots;
uint64_t virtio_mem_memslot_size(uint64_t region_size, uint64_t block_size);
VirtIOMEMMemslots *virtio_mem_memslots_new(Object *owner,
                                           MemoryRegion *backend,
                                           MemoryRegion *window,
                                           uint64_t region_size,
                                           uint64_t block_size);
void virtio_mem_memslots_free(VirtIOMEMMemslots *m, MemoryRegion *window);
/* Memslots mapped now (0 for NULL). */
unsigned virtio_mem_memslots_mapped(const VirtIOMEMMemslots *m);

void virtio_mem_register_types(void);

/*
 * virtio_mem_migration_register: register @vmem's early migration state
 * section under its canonical QOM path (virtio-mem-migration.c); a
 * device outside the composition tree registers nothing.  Returns false
 * with @errp set if the path is already registered.
 */
bool virtio_mem_migration_register(VirtIOMEM *vmem, GError **errp);
/* Undo virtio_mem_migration_register() (no-op if nothing registered). */
void virtio_mem_migration_unregister(VirtIOMEM *vmem);

#endif /* HW_VIRTIO_VIRTIO_MEM_H */
