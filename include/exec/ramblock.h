/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RAM blocks: host memory that backs guest RAM.
 *
 * A RAMBlock is a host mapping plus its place in the ram-address space
 * (offset, max_length), the part currently in use (used_length), the page
 * size of its backing, its flags and, for fd-backed blocks, the fd and the
 * offset into it.  softmmu/physmem.c owns every RAMBlock; it is the only
 * caller of qemu_ram_mmap() and the only place that discards memory.
 *
 * Threading: every function here is called from the main thread.
 */
#ifndef EXEC_RAMBLOCK_H
#define EXEC_RAMBLOCK_H

#include "qemu/osdep.h"
#include "exec/cpu-common.h"

typedef struct RAMBlock RAMBlock;
struct MemoryRegion;

/* RAMBlock flags (rb->flags). */
#define RAM_PREALLOC    (1u << 0)  /* host memory supplied by the caller */
#define RAM_SHARED      (1u << 1)  /* MAP_SHARED */
#define RAM_RESIZEABLE  (1u << 2)  /* used_length may change up to max */
#define RAM_NORESERVE   (1u << 7)  /* no swap/commit reservation */
#define RAM_READONLY    (1u << 9)  /* mapped read-only */
#define RAM_READONLY_FD (1u << 10) /* fd opened read-only */
#define RAM_NAMED_FILE  (1u << 11) /* backed by a named file (mem-path) */

/* Called after a resizable block changed its used length. */
typedef void (*RAMBlockResized)(const char *idstr, uint64_t new_length,
                                void *host);

struct RAMBlock {
    /* Owning region (opaque to physmem.c, used by memory.c). */
    struct MemoryRegion *mr;
    /* Start of the host mapping; NULL never for a live block. */
    uint8_t *host;
    /* Start in the ram-address space. */
    ram_addr_t offset;
    /* Bytes in use and accessible; <= max_length. */
    ram_addr_t used_length;
    /* Bytes reserved in the ram-address space and the host mapping. */
    ram_addr_t max_length;
    RAMBlockResized resized;
    uint32_t flags;
    /* Unique name; "" until qemu_ram_set_idstr(). */
    char idstr[256];
    /* Backing fd, or -1 for anonymous memory. */
    int fd;
    /* qemu_ram_free() closes @fd (set by qemu_ram_alloc_from_file()). */
    bool fd_owned;
    /* Offset of the mapping in @fd. */
    uint64_t fd_offset;
    /* Page size of the backing (host page size, or the huge page size). */
    size_t page_size;
    /*
     * Migration's dirty log: one bit per RAM_DIRTY_PAGE_SIZE page of
     * max_length, set by every write through the memory API while it is
     * non-NULL.  Owned by migration/ (qemu_ram_dirty_log_start/stop);
     * read and written under the big lock.
     */
    unsigned long *dirty_bmap;
};

#define RAM_DIRTY_PAGE_BITS 12
#define RAM_DIRTY_PAGE_SIZE (1u << RAM_DIRTY_PAGE_BITS)

/*
 * Allocation.  Each returns the new block, or NULL with @errp set.
 * @size and @max_size are rounded up to the backing's page size and must
 * not be zero.  The block gets the lowest free offset (first fit) in the
 * ram-address space and is announced to the RAMBlockNotifiers.  Blocks are
 * freed with qemu_ram_free().
 *
 * RAM_NORESERVE is refused with an error ("reserve=off is not supported:
 * vm.overcommit_memory=2 ...") where the kernel would charge the memory
 * anyway (see qemu_ram_mmap_noreserve_honoured()).
 */

/*
 * Anonymous memory, aligned to 2 MiB (private memory is advised for THP).
 * @ram_flags: RAM_SHARED (MAP_SHARED | MAP_ANONYMOUS), RAM_NORESERVE.
 */
RAMBlock *qemu_ram_alloc(ram_addr_t size, uint32_t ram_flags,
                         struct MemoryRegion *mr, GError **errp);

/*
 * Resizable private anonymous memory: @max_size is reserved as
 * inaccessible, uncharged address space, [0, @size) is made accessible.
 * @resized (may be NULL) is called after each change of used_length.
 * See qemu_ram_resize().
 */
RAMBlock *qemu_ram_alloc_resizeable(ram_addr_t size, ram_addr_t max_size,
                                    RAMBlockResized resized,
                                    struct MemoryRegion *mr, GError **errp);

/*
 * As qemu_ram_alloc_resizeable(), with @ram_flags: 0 or RAM_NORESERVE.
 * With RAM_NORESERVE both the first [0, @size) and every later growth are
 * mapped with MAP_NORESERVE, so nothing of the block is ever charged to
 * the commit limit; refused like any other RAM_NORESERVE block where the
 * kernel would charge it anyway.
 */
RAMBlock *qemu_ram_alloc_resizeable_flags(ram_addr_t size,
                                          ram_addr_t max_size,
                                          uint32_t ram_flags,
                                          RAMBlockResized resized,
                                          struct MemoryRegion *mr,
                                          GError **errp);

/*
 * Memory at @host provided (and later freed) by the caller; the block gets
 * RAM_PREALLOC.  Discarding treats it as private anonymous memory.
 */
RAMBlock *qemu_ram_alloc_from_ptr(ram_addr_t size, void *host,
                                  struct MemoryRegion *mr, GError **errp);

/*
 * Memory from @fd at @offset (a multiple of the fd's page size; the page
 * size is the huge page size on hugetlbfs).  @ram_flags: RAM_SHARED,
 * RAM_NORESERVE, RAM_READONLY, RAM_READONLY_FD.  An empty regular file
 * is extended to @offset + size with ftruncate (an error if
 * RAM_READONLY_FD); a non-empty one shorter than that is the user's data
 * and is refused ("backing store size 0x... does not match 'size' option
 * 0x...", as QEMU 7.2), never changed.  The block does not own @fd: the
 * caller closes it after qemu_ram_free().
 */
RAMBlock *qemu_ram_alloc_from_fd(ram_addr_t size, struct MemoryRegion *mr,
                                 uint32_t ram_flags, int fd, off_t offset,
                                 GError **errp);

/*
 * Memory from the file @mem_path (opened, or created if missing; the block
 * gets RAM_NAMED_FILE) or, if @mem_path is a directory, from a new
 * unlinked file in it.  The block owns the fd (fd_owned) and closes it in
 * qemu_ram_free(); a file created here is removed again on failure.
 */
RAMBlock *qemu_ram_alloc_from_file(ram_addr_t size, struct MemoryRegion *mr,
                                   uint32_t ram_flags, const char *mem_path,
                                   off_t offset, GError **errp);

/*
 * Unmap and forget @block (notifiers see ram_block_removed first).
 * RAM_PREALLOC memory is left to its owner.  NULL is ignored.
 */
void qemu_ram_free(RAMBlock *block);

/*
 * Change the used length of a RAM_RESIZEABLE block to @newsize (rounded up
 * to the page size, at most max_length).  Growing makes the new part
 * accessible (it reads as zero); shrinking makes the tail inaccessible and
 * releases its memory.  Data below min(old, new) is preserved.
 *
 * Order: on growth the memory is mapped, used_length updated, then the
 * notifiers' ram_block_resized and finally block->resized run.  On shrink
 * the notifiers run first (the tail still mapped), then the tail is
 * unmapped, used_length updated and block->resized runs.  If unmapping
 * fails the notifiers are told the reverse resize.
 *
 * A size equal to used_length is a no-op (also for fixed-size blocks).
 * Returns 0, or -errno with @errp set and the block unchanged: -EINVAL for
 * a block that is not resizable ("Size mismatch"), a size above
 * max_length ("Size too large") or zero; the mmap error otherwise.
 */
int qemu_ram_resize(RAMBlock *block, ram_addr_t newsize, GError **errp);

/*
 * Give @block (which has no name yet) its unique name, 1..255 characters;
 * false with @errp set if it is invalid or taken.
 */
bool qemu_ram_set_idstr(RAMBlock *block, const char *name, GError **errp);

/* Lookup (linear in the number of blocks). */
RAMBlock *qemu_ram_block_by_name(const char *name);
/* The block containing ram address @addr, or NULL. */
RAMBlock *qemu_ram_block_from_ram_addr(ram_addr_t addr);
/*
 * The block whose host mapping contains @ptr, or NULL; *@offset is set to
 * the offset of @ptr in the block (rounded down to the page size if
 * @round_offset).
 */
RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset);

typedef int (RAMBlockIterFunc)(RAMBlock *rb, void *opaque);
/*
 * Call @func for each block in offset order; stop at a non-zero return
 * and return it (0 if all returned 0).  @func must not add or free blocks.
 */
int qemu_ram_foreach_block(RAMBlockIterFunc func, void *opaque);

/* Accessors. */
static inline void *qemu_ram_get_host_addr(RAMBlock *rb)
{
    return rb->host;
}
static inline ram_addr_t qemu_ram_get_offset(RAMBlock *rb)
{
    return rb->offset;
}
static inline ram_addr_t qemu_ram_get_used_length(RAMBlock *rb)
{
    return rb->used_length;
}
static inline ram_addr_t qemu_ram_get_max_length(RAMBlock *rb)
{
    return rb->max_length;
}
static inline const char *qemu_ram_get_idstr(RAMBlock *rb)
{
    return rb->idstr;
}
static inline size_t qemu_ram_pagesize(RAMBlock *rb)
{
    return rb->page_size;
}
static inline int qemu_ram_get_fd(RAMBlock *rb)
{
    return rb->fd;
}
static inline bool qemu_ram_is_shared(RAMBlock *rb)
{
    return rb->flags & RAM_SHARED;
}
static inline bool qemu_ram_is_noreserve(RAMBlock *rb)
{
    return rb->flags & RAM_NORESERVE;
}
static inline bool qemu_ram_is_resizeable(RAMBlock *rb)
{
    return rb->flags & RAM_RESIZEABLE;
}

/*
 * Give [@start, @start + @length) of @rb back to the host: afterwards it
 * reads as zero (anonymous, shmem, hugetlb) or as the file's hole.  Both
 * must be aligned to the block's page size (the huge page size for
 * hugetlb) and lie within used_length, else -EINVAL.
 *
 * Per backing: private anonymous (and RAM_PREALLOC): MADV_DONTNEED;
 * shared anonymous: MADV_REMOVE; fd-backed: fallocate(PUNCH_HOLE |
 * KEEP_SIZE) on the fd, plus MADV_DONTNEED for a private mapping to drop
 * its copies.  A private mapping of a RAM_READONLY_FD file only drops its
 * copies (it reads the file's contents again, not zero).
 * Returns 0 or -errno from the kernel (e.g. -EOPNOTSUPP where the
 * filesystem cannot punch holes); prints nothing.
 */
int ram_block_discard_range(RAMBlock *rb, uint64_t start, size_t length);

/*
 * Discard coordination.  Some users cannot tolerate discarded memory
 * (e.g. anything that pins or locks pages); others need to discard
 * (virtio-mem, balloon).  "Coordinated" discard is discard that is
 * announced through a RamDiscardManager first.
 *
 *  - ram_block_discard_disable(true) fails if any discard is required.
 *  - ram_block_uncoordinated_discard_disable(true) fails if uncoordinated
 *    discard is required (ram_block_discard_require).
 *  - ram_block_discard_require(true) fails if discard is disabled in any
 *    way.
 *  - ram_block_coordinated_discard_require(true) fails only if discard is
 *    plainly disabled.
 *
 * Each is counted: every successful (true) call is undone by one (false)
 * call (an unbalanced false call is a programming error).  Returns 0 or
 * -EBUSY.  Thread-safe.
 */
int ram_block_discard_disable(bool state);
int ram_block_uncoordinated_discard_disable(bool state);
int ram_block_discard_require(bool state);
int ram_block_coordinated_discard_require(bool state);
/* Is any kind of discard disabled / is any kind required? */
bool ram_block_discard_is_disabled(void);
bool ram_block_discard_is_required(void);

/*
 * qemu_ram_dirty_log_start: give @rb a cleared dirty log (one bit per
 * RAM_DIRTY_PAGE_SIZE page of max_length); no-op if it has one.
 * qemu_ram_dirty_log_stop: free it.  Big lock held.
 */
void qemu_ram_dirty_log_start(RAMBlock *rb);
void qemu_ram_dirty_log_stop(RAMBlock *rb);

/*
 * qemu_ram_mark_dirty: note a write of @len bytes at @offset of @rb in
 * its dirty log, if it has one (cost: one branch when logging is off).
 */
void qemu_ram_mark_dirty_range(RAMBlock *rb, ram_addr_t offset,
                               ram_addr_t len);
static inline void qemu_ram_mark_dirty(RAMBlock *rb, ram_addr_t offset,
                                       ram_addr_t len)
{
    if (G_UNLIKELY(rb->dirty_bmap) && len) {
        qemu_ram_mark_dirty_range(rb, offset, len);
    }
}

#endif /* EXEC_RAMBLOCK_H */
