/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem block state: which blocks of a device region are plugged,
 * and what it takes to change that (validation in QEMU's order, discard
 * listeners with rollback, preallocation, discarding, the usable window).
 *
 * Tuned for large sparse regions (up to terabytes, 2 MiB blocks) with the
 * Linux driver's pattern: requests of 1..64 blocks.  Every request costs
 * O(its blocks) in bitmap work plus one discard call (and, with prealloc,
 * one prealloc call) for its range.  UNPLUG_ALL costs one discard of the usable part plus a scan of
 * the plugged bitmap (region / block size / 64 words: 8 Ki words for
 * 1 TiB of 2 MiB blocks) to tell listeners run by run.  No page-level
 * work is proportional to the region, and nothing touches memory beyond
 * the usable window.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/oslib.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "hw/virtio/virtio-mem.h"

TRACE_EVENT(virtio_mem_blocks_busy);

static int resize_backend(VirtIOMEMBlocks *b, uint64_t size);

bool virtio_mem_blocks_init(VirtIOMEMBlocks *b, MemoryRegion *mr,
                            MemoryRegion *window, hwaddr addr,
                            uint64_t region_size, uint64_t block_size,
                            GError **errp)
{
    int ret;

    g_assert(block_size && !(block_size & (block_size - 1)));
    g_assert(region_size && region_size % block_size == 0);
    /*
     * A resizable backend is shrunk to the usable part only later; one a
     * previous device could not give back whole is refused.
     */
    if (memory_region_size(mr) != region_size) {
        error_setg(errp, "memory backend region '%s' is 0x%" PRIx64
                   " bytes, not its full size 0x%" PRIx64,
                   memory_region_name(mr), memory_region_size(mr),
                   region_size);
        return false;
    }

    memset(b, 0, sizeof(*b));
    b->mr = mr;
    b->rb = memory_region_get_ram_block(mr);
    b->window = window;
    b->addr = addr;
    b->block_size = block_size;
    b->region_size = region_size;
    b->prealloc_threads = 1;
    /* The bitmap keeps covering the whole region after such a shrink. */
    ram_discard_bitmap_init(&b->rdb, mr, block_size);
    ret = memory_region_set_ram_discard_manager(mr, &b->rdb.rdm);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot attach the discard manager to "
                         "'%s'", memory_region_name(mr));
        ram_discard_bitmap_destroy(&b->rdb);
        return false;
    }
    return true;
}

void virtio_mem_blocks_set_backend_usable_fn(VirtIOMEMBlocks *b,
                                             VirtIOMEMBackendUsableFn *fn,
                                             void *opaque)
{
    g_assert(!b->usable_region_size);
    b->backend_usable_fn = fn;
    b->backend_opaque = opaque;
}

void virtio_mem_blocks_destroy(VirtIOMEMBlocks *b)
{
    /* Give the backend back whole, so that another user may take it. */
    if (memory_region_size(b->mr) != b->region_size) {
        resize_backend(b, b->region_size);
    }
    memory_region_set_ram_discard_manager(b->mr, NULL);
    ram_discard_bitmap_destroy(&b->rdb);
}

/* The range check every request makes first (see the header). */
static bool valid_range(const VirtIOMEMBlocks *b, uint64_t gpa,
                        uint64_t size)
{
    if (gpa % b->block_size || size == 0) {
        return false;
    }
    if (gpa < b->addr || gpa - b->addr >= b->usable_region_size) {
        return false;
    }
    return size <= b->usable_region_size - (gpa - b->addr);
}

bool virtio_mem_blocks_is_plugged(const VirtIOMEMBlocks *b, uint64_t offset)
{
    return offset < b->region_size &&
           test_bit(offset / b->block_size, b->rdb.bitmap);
}

static int discard_memory(VirtIOMEMBlocks *b, uint64_t offset, uint64_t size)
{
    int ret = ram_block_discard_range(b->rb, offset, size);

    if (ret) {
        trace(virtio_mem_blocks_busy, "discard offset=0x%" PRIx64
              " size=0x%" PRIx64 " err=%d", offset, size, ret);
    }
    return ret;
}

/*
 * Drop whatever a range about to be plugged holds, so that freshly
 * plugged blocks read as zero: the guest can write to unplugged blocks
 * inside the usable region (nothing stops it, unplugged-inaccessible=on
 * included).  One discard call for the request's range, before prealloc
 * populates it and before listeners (vfio) map it.  A failure is BUSY:
 * realize already proved the backend discards.
 */
static bool scrub_range(VirtIOMEMBlocks *b, uint64_t offset, uint64_t size)
{
    return discard_memory(b, offset, size) == 0;
}

/* Populate a range about to be plugged; false: nothing to roll back. */
static bool prealloc_range(VirtIOMEMBlocks *b, uint64_t offset, uint64_t size)
{
    uint8_t *host = qemu_ram_get_host_addr(b->rb);
    GError *err = NULL;

    if (!b->prealloc) {
        return true;
    }
    if (qemu_prealloc_mem(qemu_ram_get_fd(b->rb), (char *)host + offset,
                          size, b->prealloc_threads, &err)) {
        return true;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "virtio-mem: preallocation failed: %s\n",
                  err->message);
    g_error_free(err);
    discard_memory(b, offset, size);
    return false;
}

uint16_t virtio_mem_blocks_plug(VirtIOMEMBlocks *b, uint64_t gpa,
                                uint16_t nb_blocks)
{
    uint64_t size = (uint64_t)nb_blocks * b->block_size;
    uint64_t offset = gpa - b->addr;
    int ret;

    if (!valid_range(b, gpa, size)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (b->plugged_size + size > b->requested_size) {
        return VIRTIO_MEM_RESP_NACK;
    }
    if (!ram_discard_bitmap_range_discarded(&b->rdb, offset, size)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (!scrub_range(b, offset, size) || !prealloc_range(b, offset, size)) {
        return VIRTIO_MEM_RESP_BUSY;
    }
    ret = ram_discard_bitmap_populate(&b->rdb, offset, size);
    if (ret) {
        /* Listeners were rolled back; drop what prealloc populated. */
        trace(virtio_mem_blocks_busy, "populate offset=0x%" PRIx64
              " size=0x%" PRIx64 " err=%d", offset, size, ret);
        if (b->prealloc) {
            discard_memory(b, offset, size);
        }
        return VIRTIO_MEM_RESP_BUSY;
    }
    b->plugged_size += size;
    return VIRTIO_MEM_RESP_ACK;
}

/*
 * Order for unplugging: listeners first (a pinning consumer must let go
 * of the memory before it can be discarded -- pinned or locked pages
 * cannot be), then the bitmap, then the memory itself.
 */
uint16_t virtio_mem_blocks_unplug(VirtIOMEMBlocks *b, uint64_t gpa,
                                  uint16_t nb_blocks)
{
    uint64_t size = (uint64_t)nb_blocks * b->block_size;
    uint64_t offset = gpa - b->addr;

    if (!valid_range(b, gpa, size) ||
        !ram_discard_bitmap_range_populated(&b->rdb, offset, size)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    ram_discard_bitmap_discard(&b->rdb, offset, size);
    if (discard_memory(b, offset, size)) {
        /* Put things back as they were if the listeners agree. */
        if (!ram_discard_bitmap_populate(&b->rdb, offset, size)) {
            return VIRTIO_MEM_RESP_BUSY;
        }
        /* They do not: the blocks stay unplugged, the memory resident. */
        warn_report("virtio-mem: unplugged memory at 0x%" PRIx64 "+0x%"
                    PRIx64 " could not be discarded", offset, size);
    }
    b->plugged_size -= size;
    return VIRTIO_MEM_RESP_ACK;
}

uint16_t virtio_mem_blocks_unplug_all(VirtIOMEMBlocks *b)
{
    if (b->plugged_size) {
        ram_discard_bitmap_discard_all(&b->rdb);
        b->plugged_size = 0;
        /*
         * Discard the whole usable part: it also drops anything a guest
         * wrote to unplugged blocks.  Nothing beyond it is mapped.  A
         * failure leaves memory resident but every block unplugged (the
         * listeners already let go): never BUSY after that point.
         */
        if (discard_memory(b, 0, b->usable_region_size)) {
            warn_report("virtio-mem: unplugged memory could not be "
                        "discarded");
        }
    }
    virtio_mem_blocks_resize_usable(b, b->requested_size, true);
    return VIRTIO_MEM_RESP_ACK;
}

uint16_t virtio_mem_blocks_state(VirtIOMEMBlocks *b, uint64_t gpa,
                                 uint16_t nb_blocks, uint16_t *state)
{
    uint64_t size = (uint64_t)nb_blocks * b->block_size;
    uint64_t offset = gpa - b->addr;

    if (!valid_range(b, gpa, size)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (ram_discard_bitmap_range_populated(&b->rdb, offset, size)) {
        *state = VIRTIO_MEM_STATE_PLUGGED;
    } else if (ram_discard_bitmap_range_discarded(&b->rdb, offset, size)) {
        *state = VIRTIO_MEM_STATE_UNPLUGGED;
    } else {
        *state = VIRTIO_MEM_STATE_MIXED;
    }
    return VIRTIO_MEM_RESP_ACK;
}

static uint64_t usable_for(const VirtIOMEMBlocks *b, uint64_t requested)
{
    uint64_t size;

    if (!requested) {
        return 0;
    }
    size = MIN(b->region_size, requested + VIRTIO_MEM_USABLE_EXTENT);
    return ROUND_UP(size, b->block_size);
}

/*
 * The backend, when it follows the usable size, is kept at it (at least
 * one block: a RAM block cannot be empty) so that the host side beyond
 * it is an inaccessible reservation costing nothing.  0, or -1 with a
 * warning; on failure the backend keeps its old size.
 */
static int resize_backend(VirtIOMEMBlocks *b, uint64_t size)
{
    GError *err = NULL;

    if (!b->backend_usable_fn) {
        return 0;
    }
    if (!b->backend_usable_fn(b->backend_opaque, MAX(size, b->block_size),
                              &err)) {
        warn_report_err(err);
        return -1;
    }
    return 0;
}

/*
 * Make [0, @size) of the region reachable, the rest unassigned.  Growing
 * fails (false, nothing changed) if the backend cannot grow; shrinking
 * the window always works, even if the backend stays larger.
 */
static bool set_window(VirtIOMEMBlocks *b, uint64_t size)
{
    memory_region_transaction_begin();
    if (resize_backend(b, size) && size > b->usable_region_size) {
        memory_region_transaction_commit();
        return false;
    }
    if (b->window) {
        memory_region_set_size(b->window, size);
        memory_region_set_enabled(b->window, size != 0);
    }
    memory_region_transaction_commit();
    return true;
}

void virtio_mem_blocks_resize_usable(VirtIOMEMBlocks *b, uint64_t requested,
                                     bool can_shrink)
{
    uint64_t size = usable_for(b, requested);

    if (size < b->usable_region_size && !can_shrink) {
        return;
    }
    if (size == b->usable_region_size) {
        return;
    }
    if (size < b->usable_region_size) {
        /*
         * Nothing is plugged beyond @size (callers guarantee it), but a
         * misbehaving guest may have written to unplugged blocks there:
         * give that memory back before the window closes over it.
         */
        discard_memory(b, size, b->usable_region_size - size);
    }
    if (set_window(b, size)) {
        b->usable_region_size = size;
    }
}

bool virtio_mem_blocks_set_requested(VirtIOMEMBlocks *b, uint64_t requested)
{
    uint64_t old = b->usable_region_size;

    b->requested_size = requested;
    virtio_mem_blocks_resize_usable(b, requested, false);
    return old != b->usable_region_size;
}

/* ---- Incoming migration ------------------------------------------------ */

/* Unplug [0, @end) of what restore plugged, for its rollback. */
static void restore_rollback(VirtIOMEMBlocks *b, uint64_t end)
{
    ram_discard_bitmap_discard_all(&b->rdb);
    b->plugged_size = 0;
    discard_memory(b, 0, end);
}

bool virtio_mem_blocks_restore(VirtIOMEMBlocks *b, uint64_t requested,
                               uint64_t usable, const unsigned long *plugged,
                               GError **errp)
{
    uint64_t nbits = b->region_size / b->block_size;
    uint64_t old_requested = b->requested_size;
    uint64_t old_usable = b->usable_region_size;
    unsigned long start, end;

    g_assert(b->plugged_size == 0);
    if (usable != b->usable_region_size && !set_window(b, usable)) {
        error_setg(errp, "cannot grow the usable region to 0x%" PRIx64,
                   usable);
        return false;
    }
    b->usable_region_size = usable;
    b->requested_size = requested;
    for (start = find_next_bit(plugged, nbits, 0); start < nbits;
         start = find_next_bit(plugged, nbits, end)) {
        uint64_t offset, size;

        end = find_next_zero_bit(plugged, nbits, start);
        offset = start * b->block_size;
        size = (end - start) * b->block_size;
        if (!scrub_range(b, offset, size) || !prealloc_range(b, offset, size) ||
            ram_discard_bitmap_populate(&b->rdb, offset, size)) {
            error_setg(errp, "cannot plug 0x%" PRIx64 "+0x%" PRIx64
                       " (preallocation or a listener refused)", offset,
                       size);
            restore_rollback(b, offset + size);
            b->requested_size = old_requested;
            if (set_window(b, old_usable)) {
                b->usable_region_size = old_usable;
            }
            return false;
        }
        b->plugged_size += size;
    }
    return true;
}

bool virtio_mem_blocks_restore_requested(VirtIOMEMBlocks *b,
                                         uint64_t requested, uint64_t usable,
                                         GError **errp)
{
    if (usable > b->usable_region_size) {
        if (!set_window(b, usable)) {
            error_setg(errp, "cannot grow the usable region to 0x%" PRIx64,
                       usable);
            return false;
        }
        b->usable_region_size = usable;
    }
    b->requested_size = requested;
    return true;
}
