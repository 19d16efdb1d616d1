/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake of the RAM block room (exec/ramblock.h) for unit tests of the
 * memory API: blocks are plain heap (or fd) mappings with offsets handed
 * out in order.  It implements only what softmmu/memory.c calls; the real
 * implementation and its tests live in softmmu/physmem.c.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "exec/ramblock.h"
#include "qapi/error.h"
#include "qemu/bitmap.h"
#include "fake-ramblock.h"

static ram_addr_t next_offset;
unsigned fake_ram_blocks_live;
static GList *fake_blocks;      /* live blocks, for qemu_ram_block_from_host */

static RAMBlock *fake_block(ram_addr_t size, ram_addr_t max, uint8_t *host,
                            uint32_t flags, struct MemoryRegion *mr)
{
    RAMBlock *rb = g_new0(RAMBlock, 1);

    rb->mr = mr;
    rb->host = host;
    rb->offset = next_offset;
    rb->used_length = size;
    rb->max_length = max;
    rb->flags = flags;
    rb->fd = -1;
    rb->page_size = qemu_real_host_page_size();
    next_offset += ROUND_UP(max, 1 * MiB);
    fake_ram_blocks_live++;
    fake_blocks = g_list_prepend(fake_blocks, rb);
    return rb;
}

RAMBlock *qemu_ram_alloc(ram_addr_t size, uint32_t ram_flags,
                         struct MemoryRegion *mr, GError **errp)
{
    return fake_block(size, size, g_malloc0(size ? size : 1), ram_flags, mr);
}

RAMBlock *qemu_ram_alloc_resizeable(ram_addr_t size, ram_addr_t max_size,
                                    RAMBlockResized resized,
                                    struct MemoryRegion *mr, GError **errp)
{
    return qemu_ram_alloc_resizeable_flags(size, max_size, 0, resized, mr,
                                           errp);
}

RAMBlock *qemu_ram_alloc_resizeable_flags(ram_addr_t size,
                                          ram_addr_t max_size,
                                          uint32_t ram_flags,
                                          RAMBlockResized resized,
                                          struct MemoryRegion *mr,
                                          GError **errp)
{
    RAMBlock *rb;

    if (size > max_size) {
        error_setg(errp, "size 0x%" PRIx64 " above max 0x%" PRIx64,
                   size, max_size);
        return NULL;
    }
    rb = fake_block(size, max_size, g_malloc0(max_size),
                    RAM_RESIZEABLE | ram_flags, mr);
    rb->resized = resized;
    return rb;
}

RAMBlock *qemu_ram_alloc_from_ptr(ram_addr_t size, void *host,
                                  struct MemoryRegion *mr, GError **errp)
{
    return fake_block(size, size, host, RAM_PREALLOC, mr);
}

RAMBlock *qemu_ram_alloc_from_fd(ram_addr_t size, struct MemoryRegion *mr,
                                 uint32_t ram_flags, int fd, off_t offset,
                                 GError **errp)
{
    void *host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                      offset);
    RAMBlock *rb;

    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "fake mmap failed");
        return NULL;
    }
    rb = fake_block(size, size, host, ram_flags | RAM_SHARED, mr);
    rb->fd = fd;
    rb->fd_offset = offset;
    return rb;
}

RAMBlock *qemu_ram_alloc_from_file(ram_addr_t size, struct MemoryRegion *mr,
                                   uint32_t ram_flags, const char *mem_path,
                                   off_t offset, GError **errp)
{
    error_setg(errp, "fake-ramblock: files are not supported");
    return NULL;
}

void qemu_ram_free(RAMBlock *block)
{
    if (block->fd >= 0) {
        munmap(block->host, block->max_length);
    } else if (!(block->flags & RAM_PREALLOC)) {
        g_free(block->host);
    }
    fake_ram_blocks_live--;
    fake_blocks = g_list_remove(fake_blocks, block);
    g_free(block->dirty_bmap);
    g_free(block);
}

int qemu_ram_resize(RAMBlock *block, ram_addr_t newsize, GError **errp)
{
    if (!(block->flags & RAM_RESIZEABLE) || newsize > block->max_length) {
        error_setg(errp, "cannot resize to 0x%" PRIx64, newsize);
        return -EINVAL;
    }
    if (newsize < block->used_length) {
        memset(block->host + newsize, 0, block->used_length - newsize);
    }
    block->used_length = newsize;
    if (block->resized) {
        block->resized(block->idstr, newsize, block->host);
    }
    return 0;
}

/* The dirty log as physmem.c keeps it (memory-access.c marks writes). */
void qemu_ram_mark_dirty_range(RAMBlock *rb, ram_addr_t offset,
                               ram_addr_t len)
{
    ram_addr_t first = offset >> RAM_DIRTY_PAGE_BITS;
    ram_addr_t last = (offset + len - 1) >> RAM_DIRTY_PAGE_BITS;

    if (offset + len <= rb->max_length) {
        bitmap_set(rb->dirty_bmap, first, last - first + 1);
    }
}

/* As physmem.c: a dirty log of max_length bits; the KVM slot table's
 * test reads it after memory_global_dirty_log_sync. */
void qemu_ram_dirty_log_start(RAMBlock *rb)
{
    if (!rb->dirty_bmap) {
        rb->dirty_bmap = bitmap_new(rb->max_length >> RAM_DIRTY_PAGE_BITS);
    }
}

void qemu_ram_dirty_log_stop(RAMBlock *rb)
{
    g_clear_pointer(&rb->dirty_bmap, g_free);
}

RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset)
{
    uint8_t *host = ptr;

    for (GList *l = fake_blocks; l; l = l->next) {
        RAMBlock *rb = l->data;

        if (host >= rb->host && (uint64_t)(host - rb->host) < rb->max_length) {
            if (offset) {
                *offset = host - rb->host;
            }
            return rb;
        }
    }
    return NULL;
}
