/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-physical accesses: address_space_read/write/rw and the fixed-size
 * load/store helpers.  Owns the rules that turn one guest access into
 * memcpy for RAM and into callbacks of the right size for I/O regions.
 *
 * Tuned for the device path (virtqueue descriptors, config space): a
 * reference on the current FlatView pins the rendering for the duration
 * of the call, each region crossed costs one binary search, and nothing
 * is allocated.  Every guest-supplied address and length is checked;
 * failures become MemTxResult bits, never assertions.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/log.h"
#include "memory-internal.h"

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static unsigned valid_min(const MemoryRegionOps *ops)
{
    return ops->valid.min_access_size ? ops->valid.min_access_size : 1;
}

static unsigned valid_max(const MemoryRegionOps *ops)
{
    return ops->valid.max_access_size ? ops->valid.max_access_size : 4;
}

/* The largest naturally aligned power of two the guest may use here. */
static unsigned io_access_size(const MemoryRegionOps *ops, hwaddr off,
                               hwaddr len)
{
    uint64_t max = valid_max(ops);

    if (!ops->valid.unaligned && off) {
        max = MIN(max, off & -off);
    }
    return pow2floor(MIN(len, max));
}

static bool io_access_valid(const MemoryRegionOps *ops, hwaddr off,
                            unsigned size)
{
    if (!ops->valid.unaligned && (off & (size - 1))) {
        return false;
    }
    return size >= valid_min(ops) && size <= valid_max(ops);
}

static MemTxResult io_read_piece(MemoryRegion *mr, hwaddr off,
                                 uint64_t *val, unsigned size,
                                 MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (ops->read_with_attrs) {
        return ops->read_with_attrs(mr->opaque, off, val, size, attrs);
    }
    if (!ops->read) {
        *val = 0;
        return MEMTX_ERROR;
    }
    *val = ops->read(mr->opaque, off, size);
    return MEMTX_OK;
}

static MemTxResult io_write_piece(MemoryRegion *mr, hwaddr off,
                                  uint64_t val, unsigned size,
                                  MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (ops->write_with_attrs) {
        return ops->write_with_attrs(mr->opaque, off, val, size, attrs);
    }
    if (!ops->write) {
        return MEMTX_ERROR;
    }
    ops->write(mr->opaque, off, val, size);
    return MEMTX_OK;
}

/*
 * The re-entrancy guard.  While a region's callback runs, its owner (the
 * device) is on this stack; an access that reaches a region of an owner
 * already on it is the device's own DMA (or a chain of devices' DMA)
 * landing on its registers, e.g. a descriptor whose buffer is the
 * device's notify or status register.  Running it would re-enter the
 * device's handlers in the middle of a request (and could reset the
 * device under it), so it is dropped with MEMTX_ACCESS_ERROR and logged
 * under guest_errors in QEMU's words; reads of it return 0.  Regions
 * without an owner are not guarded.  The stack is per thread; a nesting
 * of more than IO_NEST_MAX distinct owners is refused the same way.
 */
#define IO_NEST_MAX 16

static __thread const void *io_owners[IO_NEST_MAX];
static __thread unsigned io_depth;

static bool io_enter(MemoryRegion *mr, hwaddr off)
{
    const void *owner = mr->owner;

    if (!owner) {
        return true;
    }
    for (unsigned i = 0; i < io_depth; i++) {
        if (io_owners[i] == owner) {
            qemu_log_mask(LOG_GUEST_ERROR, "Blocked re-entrant IO on "
                          "MemoryRegion: %s at addr: 0x%" PRIX64 "\n",
                          mr->name ? mr->name : "", (uint64_t)off);
            return false;
        }
    }
    if (io_depth == IO_NEST_MAX) {
        qemu_log_mask(LOG_GUEST_ERROR, "Blocked IO on MemoryRegion: %s at "
                      "addr: 0x%" PRIX64 ": %d devices' I/O nested\n",
                      mr->name ? mr->name : "", (uint64_t)off, IO_NEST_MAX);
        return false;
    }
    io_owners[io_depth++] = owner;
    return true;
}

static void io_leave(MemoryRegion *mr)
{
    if (mr->owner) {
        io_depth--;
    }
}

/*
 * One valid guest access of @size bytes, made of callbacks of the
 * implemented size, assembled little-endian.
 */
static MemTxResult io_dispatch_pieces(MemoryRegion *mr, hwaddr off,
                                      uint64_t *val, unsigned size,
                                      bool is_write, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned imin = ops->impl.min_access_size ? ops->impl.min_access_size : 1;
    unsigned imax = ops->impl.max_access_size ? ops->impl.max_access_size : 4;
    unsigned piece = MAX(MIN(size, imax), imin);
    MemTxResult res = MEMTX_OK;
    uint64_t acc = 0;
    unsigned i;

    for (i = 0; i < size; i += piece) {
        uint64_t v = 0;

        if (is_write) {
            v = (*val >> (8 * i)) & size_mask(piece);
            res |= io_write_piece(mr, off + i, v, piece, attrs);
        } else {
            res |= io_read_piece(mr, off + i, &v, piece, attrs);
            acc |= (v & size_mask(piece)) << (8 * i);
        }
    }
    if (!is_write) {
        *val = acc & size_mask(size);
    }
    return res;
}

/* io_dispatch_pieces() under the re-entrancy guard. */
static MemTxResult io_dispatch(MemoryRegion *mr, hwaddr off, uint64_t *val,
                               unsigned size, bool is_write, MemTxAttrs attrs)
{
    MemTxResult res;

    if (!io_enter(mr, off)) {
        if (!is_write) {
            *val = 0;
        }
        return MEMTX_ACCESS_ERROR;
    }
    res = io_dispatch_pieces(mr, off, val, size, is_write, attrs);
    io_leave(mr);
    return res;
}

static MemTxResult region_dispatch(MemoryRegion *mr, hwaddr addr,
                                   uint64_t *val, unsigned size,
                                   bool is_write, MemTxAttrs attrs)
{
    if (mr->kind != MR_IO || size == 0 || size > 8 || (size & (size - 1)) ||
        addr >= mr->size || size > mr->size - addr ||
        !io_access_valid(mr->ops, addr, size)) {
        if (!is_write) {
            *val = 0;
        }
        return MEMTX_DECODE_ERROR;
    }
    return io_dispatch(mr, addr, val, size, is_write, attrs);
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *val, unsigned size,
                                        MemTxAttrs attrs)
{
    return region_dispatch(mr, addr, val, size, false, attrs);
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t val, unsigned size,
                                         MemTxAttrs attrs)
{
    return region_dispatch(mr, addr, &val, size, true, attrs);
}

static MemTxResult io_access(MemoryRegion *mr, hwaddr off, uint8_t *buf,
                             hwaddr len, bool is_write, MemTxAttrs attrs)
{
    MemTxResult res = MEMTX_OK;

    while (len) {
        unsigned size = io_access_size(mr->ops, off, len);
        uint64_t val = 0;

        if (!io_access_valid(mr->ops, off, size)) {
            res |= MEMTX_DECODE_ERROR;
        } else {
            if (is_write) {
                val = ldn_le_p(buf, size);
            }
            res |= io_dispatch(mr, off, &val, size, is_write, attrs);
        }
        if (!is_write) {
            stn_le_p(buf, size, val);
        }
        off += size;
        buf += size;
        len -= size;
    }
    return res;
}

static MemTxResult ram_access(const FlatRange *fr, hwaddr off, uint8_t *buf,
                              hwaddr len, bool is_write)
{
    RAMBlock *rb = fr->mr->ram_block;
    uint8_t *host = qemu_ram_get_host_addr(rb);
    ram_addr_t used = qemu_ram_get_used_length(rb);

    /* A region larger than its block: the excess is not backed. */
    if (off >= used || len > used - off) {
        if (!is_write) {
            memset(buf, 0, len);
        }
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        if (fr->readonly) {
            return MEMTX_ERROR;
        }
        memcpy(host + off, buf, len);
        qemu_ram_mark_dirty(rb, off, len);
    } else {
        memcpy(buf, host + off, len);
    }
    return MEMTX_OK;
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    uint8_t *p = buf;
    MemTxResult res = MEMTX_OK;
    FlatView *fv;

    if (!len) {
        return MEMTX_OK;
    }
    if (addr + (len - 1) < addr) {
        if (!is_write) {
            memset(buf, 0, len);
        }
        return MEMTX_DECODE_ERROR;
    }
    fv = address_space_get_flatview(as);
    while (len) {
        const FlatRange *fr = flatview_next(fv, addr);
        hwaddr l, off;

        if (!fr || fr->addr > addr) {
            /* A gap: up to the next range or the end of the request. */
            l = fr ? MIN(len, fr->addr - addr) : len;
            if (!is_write) {
                memset(p, 0, l);
            }
            res |= MEMTX_DECODE_ERROR;
        } else {
            off = fr->offset_in_region + (addr - fr->addr);
            l = MIN(len, fr->size - (addr - fr->addr));
            if (fr->mr->kind == MR_RAM) {
                res |= ram_access(fr, off, p, l, is_write);
            } else {
                res |= io_access(fr->mr, off, p, l, is_write, attrs);
            }
        }
        addr += l;
        p += l;
        len -= l;
    }
    flatview_unref(fv);
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len)
{
    return address_space_rw(as, addr, attrs, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf,
                                hwaddr len)
{
    return address_space_rw(as, addr, attrs, (void *)buf, len, true);
}

static uint64_t ld_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                      MemTxResult *result, unsigned size)
{
    uint8_t buf[8];
    MemTxResult r = address_space_read(as, addr, attrs, buf, size);

    if (result) {
        *result = r;
    }
    return ldn_le_p(buf, size);
}

static void st_le(AddressSpace *as, hwaddr addr, uint64_t val,
                  MemTxAttrs attrs, MemTxResult *result, unsigned size)
{
    uint8_t buf[8];
    MemTxResult r;

    stn_le_p(buf, size, val);
    r = address_space_write(as, addr, attrs, buf, size);
    if (result) {
        *result = r;
    }
}

uint32_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                            MemTxResult *result)
{
    return ld_le(as, addr, attrs, result, 1);
}

uint32_t address_space_lduw_le(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, MemTxResult *result)
{
    return ld_le(as, addr, attrs, result, 2);
}

uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result)
{
    return ld_le(as, addr, attrs, result, 4);
}

uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result)
{
    return ld_le(as, addr, attrs, result, 8);
}

void address_space_stb(AddressSpace *as, hwaddr addr, uint32_t val,
                       MemTxAttrs attrs, MemTxResult *result)
{
    st_le(as, addr, val, attrs, result, 1);
}

void address_space_stw_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    st_le(as, addr, val, attrs, result, 2);
}

void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    st_le(as, addr, val, attrs, result, 4);
}

void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    st_le(as, addr, val, attrs, result, 8);
}
