/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem's migration state: the configuration and the plugged
 * bitmap, described as an early section (include/migration/vmstate.h)
 * so that the destination checks its own configuration and plugs (and
 * preallocates) before any RAM page of the region arrives.  While a
 * migration runs, plug and unplug requests are answered BUSY (QEMU does
 * the same), so the bitmap sent early stays true until the end.
 *
 * Payload, version 1, little-endian:
 *   u64 block-size, u64 region-size, u64 addr, u64 requested-size,
 *   u64 usable-region-size, u64 plugged-size, u8 prealloc,
 *   u64 number of bits, then the plugged bitmap as u64 words.
 *
 * The requested size may still change on the source after that (qom-set
 * while migrating: the guest gets BUSY for the plugs it would make), so
 * a late part "<path>#late" (type virtio-mem-late), saved after the
 * source stopped, carries u64 requested-size and u64
 * usable-region-size.  The destination takes them over and, if they
 * differ from the early part's, sends the guest a configuration change
 * once every section is loaded (set_migrating(false)), so that its
 * driver resizes there.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "hw/virtio/virtio-mem.h"

#define VMEM_STATE_VERSION 1

typedef struct VmemState {
    uint64_t block_size, region_size, addr, requested, usable, plugged;
    uint8_t prealloc;
    uint64_t nbits;
    const uint8_t *words;
} VmemState;

static bool vmem_save(void *opaque, GByteArray *out, GError **errp)
{
    VirtIOMEM *vmem = opaque;
    VirtIOMEMBlocks *b = &vmem->blocks;
    uint64_t nbits = b->region_size / b->block_size;

    mig_put_u64(out, b->block_size);
    mig_put_u64(out, b->region_size);
    mig_put_u64(out, b->addr);
    mig_put_u64(out, b->requested_size);
    mig_put_u64(out, b->usable_region_size);
    mig_put_u64(out, b->plugged_size);
    mig_put_u8(out, b->prealloc);
    mig_put_u64(out, nbits);
    for (uint64_t w = 0; w < DIV_ROUND_UP(nbits, 64); w++) {
        uint64_t v = 0;

        for (unsigned i = 0; i < 64 && w * 64 + i < nbits; i++) {
            if (test_bit(w * 64 + i, b->rdb.bitmap)) {
                v |= UINT64_C(1) << i;
            }
        }
        mig_put_u64(out, v);
    }
    return true;
}

static bool vmem_decode(const uint8_t *data, size_t len, VmemState *st,
                        GError **errp)
{
    MigCursor c;

    mig_cursor_init(&c, data, len);
    st->block_size = mig_get_u64(&c);
    st->region_size = mig_get_u64(&c);
    st->addr = mig_get_u64(&c);
    st->requested = mig_get_u64(&c);
    st->usable = mig_get_u64(&c);
    st->plugged = mig_get_u64(&c);
    st->prealloc = mig_get_u8(&c);
    st->nbits = mig_get_u64(&c);
    if (c.overrun || st->nbits > (uint64_t)(len / 8) * 64) {
        error_setg(errp, "truncated");
        return false;
    }
    st->words = mig_get_bytes(&c, DIV_ROUND_UP(st->nbits, 64) * 8);
    return mig_cursor_done(&c, "virtio-mem", errp);
}

/* Unpack the bitmap words of @st into a new host bitmap. */
static unsigned long *vmem_unpack(const VmemState *st)
{
    unsigned long *map = bitmap_new(st->nbits);

    for (uint64_t i = 0; i < st->nbits; i++) {
        if (ldq_le_p(st->words + (i / 64) * 8) & (UINT64_C(1) << (i % 64))) {
            set_bit(i, map);
        }
    }
    return map;
}

static bool vmem_check(void *opaque, const uint8_t *data, size_t len,
                       uint32_t version, GError **errp)
{
    VirtIOMEM *vmem = opaque;
    VirtIOMEMBlocks *b = &vmem->blocks;
    g_autofree unsigned long *map = NULL;
    VmemState st;
    uint64_t count, last;

    if (!vmem_decode(data, len, &st, errp)) {
        return false;
    }
    if (st.block_size != b->block_size) {
        error_setg(errp, "block-size 0x%" PRIx64 " in the stream, 0x%" PRIx64
                   " here", st.block_size, b->block_size);
        return false;
    }
    if (st.region_size != b->region_size) {
        error_setg(errp, "region size (memdev size) 0x%" PRIx64 " in the "
                   "stream, 0x%" PRIx64 " here", st.region_size,
                   b->region_size);
        return false;
    }
    if (st.addr != b->addr) {
        error_setg(errp, "memaddr 0x%" PRIx64 " in the stream, 0x%" PRIx64
                   " here", st.addr, b->addr);
        return false;
    }
    if (b->plugged_size) {
        error_setg(errp, "the destination already has 0x%" PRIx64 " bytes "
                   "plugged", b->plugged_size);
        return false;
    }
    if (st.nbits != b->region_size / b->block_size ||
        st.usable > st.region_size || st.usable % st.block_size ||
        st.requested > st.region_size || st.requested % st.block_size) {
        error_setg(errp, "inconsistent sizes");
        return false;
    }
    map = vmem_unpack(&st);
    count = bitmap_count_one(map, st.nbits);
    last = find_last_bit(map, st.nbits);
    if (count * st.block_size != st.plugged ||
        (count && (last + 1) * st.block_size > st.usable)) {
        error_setg(errp, "plugged bitmap (%" PRIu64 " blocks) does not match "
                   "plugged-size 0x%" PRIx64 " and the usable region",
                   count, st.plugged);
        return false;
    }
    return true;
}

static bool vmem_load(void *opaque, const uint8_t *data, size_t len,
                      uint32_t version, GError **errp)
{
    VirtIOMEM *vmem = opaque;
    g_autofree unsigned long *map = NULL;
    uint64_t before = vmem->blocks.plugged_size;
    VmemState st;

    if (!vmem_decode(data, len, &st, errp)) {
        return false;
    }
    map = vmem_unpack(&st);
    if (!virtio_mem_blocks_restore(&vmem->blocks, st.requested, st.usable,
                                   map, errp)) {
        return false;
    }
    vmem->requested_size = st.requested;
    if (vmem->size_changed && vmem->blocks.plugged_size != before) {
        vmem->size_changed(vmem->size_changed_opaque,
                           vmem->blocks.plugged_size);
    }
    return true;
}

static void vmem_set_migrating(void *opaque, bool migrating)
{
    VirtIOMEM *vmem = opaque;

    vmem->migrating = migrating;
    if (!migrating && vmem->migration_notify) {
        vmem->migration_notify = false;
        virtio_notify_config(VIRTIO_DEVICE(vmem));
    }
}

/* ---- The late part: the requested size at the end ---------------------- */

static bool vmem_late_save(void *opaque, GByteArray *out, GError **errp)
{
    VirtIOMEM *vmem = opaque;

    mig_put_u64(out, vmem->blocks.requested_size);
    mig_put_u64(out, vmem->blocks.usable_region_size);
    return true;
}

static bool vmem_late_decode(VirtIOMEM *vmem, const uint8_t *data,
                             size_t len, uint64_t *requested,
                             uint64_t *usable, GError **errp)
{
    VirtIOMEMBlocks *b = &vmem->blocks;
    MigCursor c;

    mig_cursor_init(&c, data, len);
    *requested = mig_get_u64(&c);
    *usable = mig_get_u64(&c);
    if (!mig_cursor_done(&c, "virtio-mem-late", errp)) {
        return false;
    }
    if (*requested > b->region_size || *requested % b->block_size ||
        *usable > b->region_size || *usable % b->block_size) {
        error_setg(errp, "requested size 0x%" PRIx64 " or usable size 0x%"
                   PRIx64 " does not fit the region (0x%" PRIx64 ", blocks "
                   "of 0x%" PRIx64 ")", *requested, *usable,
                   b->region_size, b->block_size);
        return false;
    }
    return true;
}

static bool vmem_late_check(void *opaque, const uint8_t *data, size_t len,
                            uint32_t version, GError **errp)
{
    uint64_t requested, usable;

    return vmem_late_decode(opaque, data, len, &requested, &usable, errp);
}

static bool vmem_late_load(void *opaque, const uint8_t *data, size_t len,
                           uint32_t version, GError **errp)
{
    VirtIOMEM *vmem = opaque;
    uint64_t requested, usable;
    bool changed;

    if (!vmem_late_decode(vmem, data, len, &requested, &usable, errp)) {
        return false;
    }
    changed = requested != vmem->blocks.requested_size ||
              usable > vmem->blocks.usable_region_size;
    if (!virtio_mem_blocks_restore_requested(&vmem->blocks, requested,
                                             usable, errp)) {
        return false;
    }
    vmem->requested_size = requested;
    vmem->migration_notify |= changed;
    return true;
}

static const MigStateOps vmem_late_ops = {
    .type = "virtio-mem-late",
    .version = VMEM_STATE_VERSION,
    .save = vmem_late_save,
    .check = vmem_late_check,
    .load = vmem_late_load,
};

static const MigStateOps vmem_ops = {
    .type = TYPE_VIRTIO_MEM,
    .version = VMEM_STATE_VERSION,
    .early = true,
    .save = vmem_save,
    .check = vmem_check,
    .load = vmem_load,
    .set_migrating = vmem_set_migrating,
};

bool virtio_mem_migration_register(VirtIOMEM *vmem, GError **errp)
{
    /* Outside the composition tree (unit tests) nothing migrates. */
    if (!device_migration_register(OBJECT(vmem), "", &vmem_ops, vmem,
                                   &vmem->migration_id, errp)) {
        return false;
    }
    if (!device_migration_register(OBJECT(vmem), "#late", &vmem_late_ops,
                                   vmem, &vmem->migration_late_id, errp)) {
        device_migration_unregister(&vmem->migration_id);
        return false;
    }
    return true;
}

void virtio_mem_migration_unregister(VirtIOMEM *vmem)
{
    device_migration_unregister(&vmem->migration_id);
    device_migration_unregister(&vmem->migration_late_id);
}
