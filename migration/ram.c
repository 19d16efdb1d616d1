/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RAM in the migration stream.  The source walks every RAM block with an
 * id; for a block whose region has a RamDiscardManager (virtio-mem) it
 * asks the manager for the populated ranges and looks at nothing else,
 * so unplugged memory is never read, counted or sent.  Within populated
 * ranges the block's dirty log (exec/ramblock.h, set by every write
 * through the memory API) says what still has to go; a page is sent once
 * per pass at most, as part of a run, and a run of zero pages costs a
 * record header instead of its bytes.
 *
 * RAM section payload (version 1), a sequence of records:
 *   u64 offset in the block, u32 pages (RAM_DIRTY_PAGE_SIZE each),
 *   u8 kind (0: zero pages, 1: data follows), [pages * page size bytes]
 *
 * Tuned for a 64 GiB region of which a few GiB are plugged: per pass the
 * cost is one walk over the populated ranges' bits; the bitmaps cover
 * max_length (2 MiB of bits for 64 GiB).
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/oslib.h"
#include "qapi/error.h"
#include "exec/memory.h"
#include "exec/ram-discard-manager.h"
#include "exec/ramblock.h"
#include "migration-internal.h"

#define PAGE RAM_DIRTY_PAGE_SIZE
#define REC_ZERO 0
#define REC_DATA 1
#define RAM_SECTION_VERSION 1

struct MigRam {
    GPtrArray *blocks;          /* RAMBlock *, with an id */
    guint cur_block;            /* pass cursor */
    uint64_t cur_offset;
    unsigned pass;
    uint64_t total;
    uint64_t normal_pages;
    uint64_t zero_pages;
    uint64_t dirty_pages;       /* sent again in passes after the first */
    uint64_t syncs;             /* memory_global_dirty_log_sync() calls */
    bool synced;                /* one happened since the last pass began */
};

/*
 * Fold in what the accelerator logged (KVM: one KVM_GET_DIRTY_LOG per
 * slot).  A pass begins with the sync the remaining-bytes estimate just
 * did instead of a second one (mig_ram_sync_before_next_pass()).
 */
static void ram_sync(MigRam *ram)
{
    memory_global_dirty_log_sync();
    ram->syncs++;
    ram->synced = true;
}

static bool page_is_zero(const uint8_t *p, size_t len)
{
    const uint64_t *w = (const uint64_t *)p;

    for (size_t i = 0; i < len / 8; i += 4) {
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3]) {
            return false;
        }
    }
    return true;
}

/* ---- Populated ranges ---------------------------------------------------- */

typedef int (*RangeFn)(RAMBlock *rb, uint64_t start, uint64_t size,
                       void *opaque);

typedef struct RangeWalk {
    RAMBlock *rb;
    RangeFn fn;
    void *opaque;
} RangeWalk;

static int range_walk_cb(MemoryRegionSection *s, void *opaque)
{
    RangeWalk *w = opaque;

    return w->fn(w->rb, s->offset_within_region, s->size, w->opaque);
}

/*
 * Call @fn for each populated range of @rb at or after @from, in order,
 * until it returns non-zero (which is returned).
 */
static int for_each_populated(RAMBlock *rb, uint64_t from, RangeFn fn,
                              void *opaque)
{
    uint64_t used = qemu_ram_get_used_length(rb);
    RamDiscardManager *rdm = rb->mr ?
        memory_region_get_ram_discard_manager(rb->mr) : NULL;
    MemoryRegionSection s = {
        .mr = rb->mr, .offset_within_region = from,
        .size = used > from ? used - from : 0,
    };
    RangeWalk w = { rb, fn, opaque };

    if (!s.size) {
        return 0;
    }
    if (!rdm) {
        return fn(rb, from, s.size, opaque);
    }
    return ram_discard_manager_replay_populated(rdm, &s, range_walk_cb, &w);
}

/* ---- Source ---------------------------------------------------------------- */

static int collect_block(RAMBlock *rb, void *opaque)
{
    if (qemu_ram_get_idstr(rb)[0]) {
        g_ptr_array_add(opaque, rb);
    }
    return 0;
}

static int mark_range(RAMBlock *rb, uint64_t start, uint64_t size,
                      void *opaque)
{
    uint64_t *total = opaque;

    bitmap_set(rb->dirty_bmap, start / PAGE, size / PAGE);
    *total += size;
    return 0;
}

MigRam *mig_ram_setup(void)
{
    MigRam *ram = g_new0(MigRam, 1);

    ram->blocks = g_ptr_array_new();
    qemu_ram_foreach_block(collect_block, ram->blocks);
    for (guint i = 0; i < ram->blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ram->blocks, i);

        qemu_ram_dirty_log_start(rb);
        for_each_populated(rb, 0, mark_range, &ram->total);
    }
    /* Accelerators that write guest RAM directly (KVM) log from here on. */
    memory_global_dirty_log_start();
    return ram;
}

void mig_ram_free(MigRam *ram)
{
    memory_global_dirty_log_stop();
    for (guint i = 0; i < ram->blocks->len; i++) {
        qemu_ram_dirty_log_stop(g_ptr_array_index(ram->blocks, i));
    }
    g_ptr_array_unref(ram->blocks);
    g_free(ram);
}

uint64_t mig_ram_total(MigRam *ram)
{
    return ram->total;
}

uint64_t mig_ram_normal_pages(MigRam *ram)
{
    return ram->normal_pages;
}

uint64_t mig_ram_zero_pages(MigRam *ram)
{
    return ram->zero_pages;
}

uint64_t mig_ram_dirty_pages(MigRam *ram)
{
    return ram->dirty_pages;
}

uint64_t mig_ram_sync_count(MigRam *ram)
{
    return ram->syncs;
}

void mig_ram_sync_before_next_pass(MigRam *ram)
{
    ram->synced = false;
}

static int count_range(RAMBlock *rb, uint64_t start, uint64_t size,
                       void *opaque)
{
    uint64_t *n = opaque;

    *n += bitmap_count_one_with_offset(rb->dirty_bmap, start / PAGE,
                                       size / PAGE);
    return 0;
}

uint64_t mig_ram_remaining(MigRam *ram)
{
    uint64_t pages = 0;

    ram_sync(ram);
    for (guint i = 0; i < ram->blocks->len; i++) {
        for_each_populated(g_ptr_array_index(ram->blocks, i), 0,
                           count_range, &pages);
    }
    return pages * PAGE;
}

typedef struct ChunkFill {
    MigRam *ram;
    GByteArray *out;
    size_t budget;              /* page bytes still allowed */
    uint64_t stop_at;           /* where the next call resumes */
    bool full;
} ChunkFill;

/* Append the records for dirty pages [page, end) of @rb. */
static void emit_run(ChunkFill *f, RAMBlock *rb, uint64_t page, uint64_t end)
{
    const uint8_t *host = qemu_ram_get_host_addr(rb);

    while (page < end) {
        bool zero = page_is_zero(host + page * PAGE, PAGE);
        uint64_t run = page + 1;

        while (run < end && page_is_zero(host + run * PAGE, PAGE) == zero) {
            run++;
        }
        mig_put_u64(f->out, page * PAGE);
        mig_put_u32(f->out, run - page);
        mig_put_u8(f->out, zero ? REC_ZERO : REC_DATA);
        if (zero) {
            f->ram->zero_pages += run - page;
        } else {
            mig_put_bytes(f->out, host + page * PAGE, (run - page) * PAGE);
            f->ram->normal_pages += run - page;
        }
        if (f->ram->pass > 0) {
            f->ram->dirty_pages += run - page;
        }
        page = run;
    }
}

static int fill_range(RAMBlock *rb, uint64_t start, uint64_t size,
                      void *opaque)
{
    ChunkFill *f = opaque;
    uint64_t first = start / PAGE, last = (start + size) / PAGE;
    uint64_t page = find_next_bit(rb->dirty_bmap, last, first);

    while (page < last) {
        uint64_t end = find_next_zero_bit(rb->dirty_bmap, last, page);
        uint64_t can = f->budget / PAGE;

        if (!can) {
            f->stop_at = page * PAGE;
            f->full = true;
            return 1;
        }
        end = MIN(end, page + can);
        bitmap_clear(rb->dirty_bmap, page, end - page);
        emit_run(f, rb, page, end);
        f->budget -= (end - page) * PAGE;
        page = find_next_bit(rb->dirty_bmap, last, end);
    }
    return 0;
}

bool mig_ram_next_chunk(MigRam *ram, GByteArray *out, const char **id,
                        size_t limit)
{
    g_byte_array_set_size(out, 0);
    if (ram->cur_block == 0 && ram->cur_offset == 0 && !ram->synced) {
        /* A pass starts: fold in the writes the accelerator logged. */
        ram_sync(ram);
    }
    while (ram->cur_block < ram->blocks->len) {
        RAMBlock *rb = g_ptr_array_index(ram->blocks, ram->cur_block);
        ChunkFill f = { .ram = ram, .out = out, .budget = limit };

        for_each_populated(rb, ram->cur_offset, fill_range, &f);
        if (f.full) {
            ram->cur_offset = f.stop_at;
        } else {
            ram->cur_block++;
            ram->cur_offset = 0;
        }
        if (out->len) {
            *id = qemu_ram_get_idstr(rb);
            return true;
        }
    }
    ram->cur_block = 0;
    ram->cur_offset = 0;
    ram->pass++;
    ram->synced = false;
    return false;
}

/* ---- Configuration ------------------------------------------------------- */

static int describe_block(RAMBlock *rb, void *opaque)
{
    GByteArray *out = opaque;

    if (!qemu_ram_get_idstr(rb)[0]) {
        return 0;
    }
    mig_put_str(out, qemu_ram_get_idstr(rb));
    mig_put_u64(out, qemu_ram_get_used_length(rb));
    mig_put_u64(out, qemu_ram_get_max_length(rb));
    mig_put_u64(out, qemu_ram_pagesize(rb));
    mig_put_u8(out, qemu_ram_is_resizeable(rb));
    return 0;
}

static int count_block(RAMBlock *rb, void *opaque)
{
    if (qemu_ram_get_idstr(rb)[0]) {
        (*(uint32_t *)opaque)++;
    }
    return 0;
}

void mig_ram_describe(GByteArray *out)
{
    uint32_t n = 0;

    qemu_ram_foreach_block(count_block, &n);
    mig_put_u32(out, n);
    qemu_ram_foreach_block(describe_block, out);
}

typedef struct BlockDesc {
    char *id;
    uint64_t used, max, page_size;
    uint8_t resizable;
} BlockDesc;

static bool read_desc(MigCursor *c, BlockDesc *d)
{
    d->id = mig_get_str(c);
    d->used = mig_get_u64(c);
    d->max = mig_get_u64(c);
    d->page_size = mig_get_u64(c);
    d->resizable = mig_get_u8(c);
    return !c->overrun;
}

static bool check_block(const BlockDesc *d, GError **errp)
{
    RAMBlock *rb = qemu_ram_block_by_name(d->id);

    if (!rb) {
        error_setg(errp, "migration: section '%s' (ram): no such RAM block "
                   "on the destination", d->id);
        return false;
    }
    if (qemu_ram_get_max_length(rb) != d->max) {
        error_setg(errp, "migration: section '%s' (ram): size 0x%" PRIx64
                   " in the stream, 0x%" PRIx64 " here", d->id, d->max,
                   (uint64_t)qemu_ram_get_max_length(rb));
        return false;
    }
    if (qemu_ram_pagesize(rb) != d->page_size) {
        error_setg(errp, "migration: section '%s' (ram): page size 0x%"
                   PRIx64 " in the stream, 0x%zx here", d->id, d->page_size,
                   qemu_ram_pagesize(rb));
        return false;
    }
    if (d->used != qemu_ram_get_used_length(rb) &&
        (!qemu_ram_is_resizeable(rb) || d->used > d->max)) {
        error_setg(errp, "migration: section '%s' (ram): used length 0x%"
                   PRIx64 " in the stream, 0x%" PRIx64 " here and the block "
                   "cannot be resized", d->id, d->used,
                   (uint64_t)qemu_ram_get_used_length(rb));
        return false;
    }
    return true;
}

bool mig_ram_check_config(MigCursor *c, GError **errp)
{
    uint32_t n = mig_get_u32(c), local = 0;

    qemu_ram_foreach_block(count_block, &local);
    for (uint32_t i = 0; i < n; i++) {
        BlockDesc d = { 0 };
        bool ok = read_desc(c, &d) && check_block(&d, errp);

        if (!ok && c->overrun) {
            error_setg(errp, "migration: section 'config' is truncated");
        }
        g_free(d.id);
        if (!ok) {
            return false;
        }
    }
    if (local != n) {
        error_setg(errp, "migration: section 'config': %u RAM blocks in the "
                   "stream, %u here", n, local);
        return false;
    }
    return true;
}

/*
 * Destination bookkeeping while pages arrive, per RAM block with an id:
 *
 * - Its dirty log (unused on this side otherwise) means "may hold
 *   something other than zeroes": set for the whole used length of a
 *   block without a RamDiscardManager (its content is unknown), clear for
 *   a virtio-mem block (what restore plugged it scrubbed, nothing else is
 *   sent); a data record sets its pages, the memory API sets what it
 *   writes (qtest), a zero record clears what it zeroed.  A zero run then
 *   reads only pages whose bit is set: it never faults in a page that
 *   holds nothing.
 * - A virtio-mem block is advised no transparent huge pages while pages
 *   arrive: the source sends what was written, often a few KiB per
 *   2 MiB block, and each first write would have the kernel clear (and
 *   the process keep) a whole huge page.  Afterwards it is advised as
 *   physmem.c advises private anonymous RAM, so later faults and
 *   khugepaged use huge pages again.
 */
static bool thp_advised(RAMBlock *rb)
{
    return qemu_ram_get_fd(rb) < 0 &&
           !(rb->flags & (RAM_SHARED | RAM_PREALLOC));
}

static RamDiscardManager *block_rdm(RAMBlock *rb)
{
    return rb->mr ? memory_region_get_ram_discard_manager(rb->mr) : NULL;
}

static int incoming_start_block(RAMBlock *rb, void *opaque)
{
    if (!qemu_ram_get_idstr(rb)[0]) {
        return 0;
    }
    qemu_ram_dirty_log_start(rb);
    if (!block_rdm(rb)) {
        bitmap_set(rb->dirty_bmap, 0, qemu_ram_get_used_length(rb) / PAGE);
    } else if (thp_advised(rb)) {
        (void)qemu_madvise(qemu_ram_get_host_addr(rb),
                           qemu_ram_get_used_length(rb),
                           QEMU_MADV_NOHUGEPAGE);
    }
    return 0;
}

static int incoming_end_block(RAMBlock *rb, void *opaque)
{
    if (!qemu_ram_get_idstr(rb)[0] || !rb->dirty_bmap) {
        return 0;
    }
    qemu_ram_dirty_log_stop(rb);
    if (block_rdm(rb) && thp_advised(rb)) {
        (void)qemu_madvise(qemu_ram_get_host_addr(rb),
                           qemu_ram_get_used_length(rb),
                           QEMU_MADV_HUGEPAGE);
    }
    return 0;
}

void mig_ram_incoming_start(void)
{
    qemu_ram_foreach_block(incoming_start_block, NULL);
}

void mig_ram_incoming_end(void)
{
    qemu_ram_foreach_block(incoming_end_block, NULL);
}

bool mig_ram_prepare(MigCursor *c, GError **errp)
{
    uint32_t n = mig_get_u32(c);

    for (uint32_t i = 0; i < n; i++) {
        BlockDesc d = { 0 };
        RAMBlock *rb;
        int ret;

        if (!read_desc(c, &d)) {
            g_free(d.id);
            error_setg(errp, "migration: section 'config' is truncated");
            return false;
        }
        rb = qemu_ram_block_by_name(d.id);
        if (rb && qemu_ram_get_used_length(rb) != d.used) {
            /* The block's region follows; RAM block notifiers are told. */
            ret = memory_region_ram_resize(rb->mr, d.used, errp);
            if (ret < 0) {
                g_prefix_error(errp, "migration: section '%s' (ram): ",
                               d.id);
                g_free(d.id);
                return false;
            }
        }
        g_free(d.id);
    }
    return true;
}

/* ---- Destination ------------------------------------------------------- */

/*
 * Make pages [first, last) of @rb zero, touching only those that may
 * hold something (mig_ram_incoming_start()) and are not zero already:
 * nothing untouched or unplugged gains RSS or even a page fault.
 */
static void zero_pages(RAMBlock *rb, uint8_t *host, uint64_t first,
                       uint64_t last)
{
    uint64_t p = first;

    if (!rb->dirty_bmap) {
        /* Not set up (not reached by in_receive()): check them all. */
        for (; p < last; p++) {
            if (!page_is_zero(host + p * PAGE, PAGE)) {
                memset(host + p * PAGE, 0, PAGE);
            }
        }
        return;
    }
    for (p = find_next_bit(rb->dirty_bmap, last, first); p < last;
         p = find_next_bit(rb->dirty_bmap, last, p + 1)) {
        if (!page_is_zero(host + p * PAGE, PAGE)) {
            memset(host + p * PAGE, 0, PAGE);
        }
        clear_bit(p, rb->dirty_bmap);
    }
}

/*
 * May data land in [offset, offset + size) of @rb?  Only where its
 * RamDiscardManager (virtio-mem) has it populated: the source sends
 * nothing else (its plugged set cannot grow while migrating), and a page
 * written elsewhere would cost RSS for memory the guest does not have
 * and reach it, unscrubbed, on its next plug.  One bitmap range test.
 */
static bool data_run_plugged(RAMBlock *rb, uint64_t offset, uint64_t size)
{
    RamDiscardManager *rdm = block_rdm(rb);
    MemoryRegionSection s = {
        .mr = rb->mr, .offset_within_region = offset, .size = size,
    };

    return !rdm || ram_discard_manager_is_populated(rdm, &s);
}

/* Walk @sec's records; with @apply false only check them. */
static bool walk_records(const MigSection *sec, RAMBlock *rb, bool apply,
                         GError **errp)
{
    uint8_t *host = qemu_ram_get_host_addr(rb);
    uint64_t used = qemu_ram_get_used_length(rb);
    MigCursor c;

    mig_cursor_init(&c, sec->data, sec->len);
    while (c.pos < c.len && !c.overrun) {
        uint64_t offset = mig_get_u64(&c);
        uint64_t pages = mig_get_u32(&c);
        uint8_t kind = mig_get_u8(&c);
        const uint8_t *data = NULL;

        if (c.overrun || kind > REC_DATA || offset % PAGE || !pages ||
            offset > used || pages > (used - offset) / PAGE) {
            error_setg(errp, "migration: section '%s' (ram): bad page run "
                       "0x%" PRIx64 "+%" PRIu64 " pages (block used length "
                       "0x%" PRIx64 ")", sec->name, offset, pages, used);
            return false;
        }
        if (kind == REC_DATA) {
            data = mig_get_bytes(&c, pages * PAGE);
            if (!data) {
                break;
            }
        }
        if (!apply) {
            if (data && !data_run_plugged(rb, offset, pages * PAGE)) {
                error_setg(errp, "migration: section '%s' (ram): data for "
                           "0x%" PRIx64 "+%" PRIu64 " pages, which are not "
                           "plugged here", sec->name, offset, pages);
                return false;
            }
            continue;
        }
        if (data) {
            memcpy(host + offset, data, pages * PAGE);
            if (rb->dirty_bmap) {
                bitmap_set(rb->dirty_bmap, offset / PAGE, pages);
            }
            continue;
        }
        zero_pages(rb, host, offset / PAGE, offset / PAGE + pages);
    }
    return mig_cursor_done(&c, sec->name, errp);
}

bool mig_ram_load_section(const MigSection *sec, GError **errp)
{
    RAMBlock *rb = qemu_ram_block_by_name(sec->name);

    if (!rb) {
        error_setg(errp, "migration: section '%s' (ram): no such RAM block "
                   "on the destination", sec->name);
        return false;
    }
    if (sec->version != RAM_SECTION_VERSION) {
        error_setg(errp, "migration: section '%s' (ram): version %u, "
                   "supported %u", sec->name, sec->version,
                   RAM_SECTION_VERSION);
        return false;
    }
    return walk_records(sec, rb, false, errp) &&
           walk_records(sec, rb, true, errp);
}
