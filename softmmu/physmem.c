/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RAM blocks: the host memory behind guest RAM.
 *
 * This file owns every RAMBlock: its host mapping (made through
 * util/mmap-alloc, the only caller of qemu_ram_mmap()), its place in the
 * ram-address space, resizing of resizable blocks, giving memory back to
 * the host (ram_block_discard_range, the only place that discards), the
 * discard disable/require counters, and the RAMBlockNotifiers.
 *
 * Tuned for a handful of large blocks (one per memory backend or ROM)
 * that are created at start-up or hotplug and rarely change: the list is
 * a plain list in offset order, lookups walk it, and every operation on a
 * block costs a constant number of system calls regardless of its size.
 * Everything runs on the main thread; the discard counters alone have a
 * lock because worker threads may query them.
 *
 * A block's MemoryRegion pointer is carried for softmmu/memory.c and never
 * dereferenced here.
 */
#include "qemu/osdep.h"
#include "qemu/mmap-alloc.h"
#include "qemu/bitmap.h"
#include "qapi/error.h"
#include "exec/ramblock.h"
#include "exec/ramlist.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Anonymous blocks start at a THP-friendly alignment. */
#define ANON_ALIGN (2 * MiB)

/* Flags each allocation function accepts from its caller. */
#define ANON_FLAGS (RAM_SHARED | RAM_NORESERVE)
#define FD_FLAGS   (RAM_SHARED | RAM_NORESERVE | RAM_READONLY | \
                    RAM_READONLY_FD)

/* The list of blocks and notifiers; main thread only. */
static struct {
    GList *blocks;          /* RAMBlock *, in increasing offset order */
    GList *notifiers;       /* RAMBlockNotifier *, in registration order */
} ram_list;

/* --- notifiers --- */

static void notify_added(RAMBlockNotifier *n, RAMBlock *rb)
{
    if (n->ram_block_added) {
        n->ram_block_added(n, rb->host, rb->used_length, rb->max_length);
    }
}

static void notify_removed(RAMBlockNotifier *n, RAMBlock *rb)
{
    if (n->ram_block_removed) {
        n->ram_block_removed(n, rb->host, rb->used_length, rb->max_length);
    }
}

static void notify_all_resized(RAMBlock *rb, ram_addr_t old_size,
                               ram_addr_t new_size)
{
    GList *l;

    for (l = ram_list.notifiers; l; l = l->next) {
        RAMBlockNotifier *n = l->data;

        if (n->ram_block_resized) {
            n->ram_block_resized(n, rb->host, old_size, new_size);
        }
    }
}

void ram_block_notifier_add(RAMBlockNotifier *n)
{
    GList *l;

    g_assert(!g_list_find(ram_list.notifiers, n));
    ram_list.notifiers = g_list_append(ram_list.notifiers, n);
    for (l = ram_list.blocks; l; l = l->next) {
        notify_added(n, l->data);
    }
}

void ram_block_notifier_remove(RAMBlockNotifier *n)
{
    GList *l;

    g_assert(g_list_find(ram_list.notifiers, n));
    ram_list.notifiers = g_list_remove(ram_list.notifiers, n);
    for (l = ram_list.blocks; l; l = l->next) {
        notify_removed(n, l->data);
    }
}

/* --- the list --- */

/*
 * First fit: the lowest offset, aligned to @align, where @size bytes fit
 * between existing blocks.  RAM_ADDR_MAX if the space is exhausted.
 */
static ram_addr_t find_ram_offset(ram_addr_t size, ram_addr_t align)
{
    ram_addr_t candidate = 0;
    GList *l;

    for (l = ram_list.blocks; l; l = l->next) {
        RAMBlock *rb = l->data;

        if (candidate <= rb->offset && size <= rb->offset - candidate) {
            return candidate;
        }
        if (rb->offset + rb->max_length > RAM_ADDR_MAX - align) {
            return RAM_ADDR_MAX;
        }
        candidate = MAX(candidate,
                        ROUND_UP(rb->offset + rb->max_length, align));
    }
    return size <= RAM_ADDR_MAX - candidate ? candidate : RAM_ADDR_MAX;
}

static gint compare_offset(gconstpointer a, gconstpointer b)
{
    const RAMBlock *ra = a, *rb = b;

    return ra->offset < rb->offset ? -1 : ra->offset > rb->offset;
}

static RAMBlock *ram_block_new(ram_addr_t used, ram_addr_t max,
                               uint32_t flags, struct MemoryRegion *mr,
                               int fd, uint64_t fd_offset, size_t page_size)
{
    RAMBlock *rb = g_new0(RAMBlock, 1);

    rb->mr = mr;
    rb->used_length = used;
    rb->max_length = max;
    rb->flags = flags;
    rb->fd = fd;
    rb->fd_offset = fd_offset;
    rb->page_size = page_size;
    return rb;
}

/* Advise the kernel on [start, start + len) of an anonymous block. */
static void ram_block_advise(RAMBlock *rb, ram_addr_t start, ram_addr_t len)
{
    /* Private anonymous RAM profits from THP; failure is harmless. */
    if (rb->fd < 0 && !(rb->flags & (RAM_SHARED | RAM_PREALLOC)) && len) {
        (void)madvise(rb->host + start, len, MADV_HUGEPAGE);
    }
}

/* Give @rb (host already mapped) an offset, list it, tell the notifiers. */
static bool ram_block_add(RAMBlock *rb, GError **errp)
{
    ram_addr_t align = MAX(rb->page_size, qemu_real_host_page_size());
    GList *l;

    rb->offset = find_ram_offset(rb->max_length, align);
    if (rb->offset == RAM_ADDR_MAX) {
        error_setg(errp, "ram-address space exhausted: no room for 0x%"
                   PRIx64 " bytes", rb->max_length);
        return false;
    }
    ram_list.blocks = g_list_insert_sorted(ram_list.blocks, rb,
                                           compare_offset);
    ram_block_advise(rb, 0, rb->used_length);
    for (l = ram_list.notifiers; l; l = l->next) {
        notify_added(l->data, rb);
    }
    return true;
}

/* Round @size up to @page_size; false with @errp set for 0 or overflow. */
static bool round_size(ram_addr_t *size, size_t page_size, const char *what,
                       GError **errp)
{
    if (*size == 0) {
        error_setg(errp, "RAM block %s must not be zero", what);
        return false;
    }
    if (*size > RAM_ADDR_MAX - page_size || *size > SIZE_MAX - page_size) {
        error_setg(errp, "RAM block %s 0x%" PRIx64 " is too large", what,
                   *size);
        return false;
    }
    *size = ROUND_UP(*size, page_size);
    return true;
}

static uint32_t map_flags_of(uint32_t ram_flags)
{
    uint32_t flags = 0;

    flags |= (ram_flags & RAM_SHARED) ? QEMU_MAP_SHARED : 0;
    flags |= (ram_flags & RAM_NORESERVE) ? QEMU_MAP_NORESERVE : 0;
    flags |= (ram_flags & RAM_READONLY) ? QEMU_MAP_READONLY : 0;
    return flags;
}

/* Refuse RAM_NORESERVE where the kernel would charge the memory anyway. */
static bool check_noreserve(int fd, uint32_t ram_flags, GError **errp)
{
    if ((ram_flags & RAM_NORESERVE) &&
        !qemu_ram_mmap_noreserve_honoured(fd, map_flags_of(ram_flags))) {
        error_setg(errp, "reserve=off is not supported: "
                   "vm.overcommit_memory=2 makes the kernel reserve %s "
                   "memory anyway; use vm.overcommit_memory=0 or 1, or a "
                   "shared file backend",
                   (ram_flags & RAM_SHARED) ? "shared anonymous" : "private");
        return false;
    }
    return true;
}

/* --- allocation --- */

RAMBlock *qemu_ram_alloc(ram_addr_t size, uint32_t ram_flags,
                         struct MemoryRegion *mr, GError **errp)
{
    size_t page_size = qemu_real_host_page_size();
    RAMBlock *rb;
    void *host;

    g_assert(!(ram_flags & ~ANON_FLAGS));
    if (!round_size(&size, page_size, "size", errp) ||
        !check_noreserve(-1, ram_flags, errp)) {
        return NULL;
    }
    host = qemu_ram_mmap(-1, size, ANON_ALIGN, map_flags_of(ram_flags), 0);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate 0x%" PRIx64
                         " bytes of guest RAM", size);
        return NULL;
    }
    rb = ram_block_new(size, size, ram_flags, mr, -1, 0, page_size);
    rb->host = host;
    if (!ram_block_add(rb, errp)) {
        qemu_ram_munmap(-1, host, size);
        g_free(rb);
        return NULL;
    }
    return rb;
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
    size_t page_size = qemu_real_host_page_size();
    RAMBlock *rb;
    void *host;

    g_assert(!(ram_flags & ~RAM_NORESERVE));
    if (!round_size(&size, page_size, "size", errp) ||
        !round_size(&max_size, page_size, "maximum size", errp) ||
        !check_noreserve(-1, ram_flags, errp)) {
        return NULL;
    }
    if (size > max_size) {
        error_setg(errp, "RAM block size 0x%" PRIx64 " exceeds its maximum"
                   " 0x%" PRIx64, size, max_size);
        return NULL;
    }
    host = qemu_ram_mmap_resizable(-1, size, max_size, ANON_ALIGN,
                                   map_flags_of(ram_flags));
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot reserve 0x%" PRIx64
                         " bytes of resizable guest RAM", max_size);
        return NULL;
    }
    rb = ram_block_new(size, max_size, RAM_RESIZEABLE | ram_flags, mr, -1, 0,
                       page_size);
    rb->host = host;
    rb->resized = resized;
    if (!ram_block_add(rb, errp)) {
        qemu_ram_munmap(-1, host, max_size);
        g_free(rb);
        return NULL;
    }
    return rb;
}

RAMBlock *qemu_ram_alloc_from_ptr(ram_addr_t size, void *host,
                                  struct MemoryRegion *mr, GError **errp)
{
    size_t page_size = qemu_real_host_page_size();
    RAMBlock *rb;

    g_assert(host);
    if (!round_size(&size, page_size, "size", errp)) {
        return NULL;
    }
    rb = ram_block_new(size, size, RAM_PREALLOC, mr, -1, 0, page_size);
    rb->host = host;
    if (!ram_block_add(rb, errp)) {
        g_free(rb);
        return NULL;
    }
    return rb;
}

/*
 * Make sure the file behind @fd covers @end bytes.  Only an empty file
 * (new, or a fresh memfd) is extended: a non-empty regular file that is
 * too short is the user's data and is refused with QEMU 7.2's message
 * (@size is the 'size' option it names), never grown.
 */
static bool ensure_fd_size(int fd, uint64_t end, uint64_t size,
                           uint32_t ram_flags, GError **errp)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        error_setg_errno(errp, errno, "cannot examine the backing file");
        return false;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size >= end) {
        return true;
    }
    if (st.st_size > 0) {
        error_setg(errp, "backing store size 0x%" PRIx64 " does not match "
                   "'size' option 0x%" PRIx64, (uint64_t)st.st_size, size);
        return false;
    }
    if (ram_flags & RAM_READONLY_FD) {
        error_setg(errp, "backing file size 0x%" PRIx64 " is smaller than "
                   "the 0x%" PRIx64 " bytes needed and it is read-only",
                   (uint64_t)st.st_size, end);
        return false;
    }
    if (ftruncate(fd, end) != 0) {
        error_setg_errno(errp, errno, "cannot extend the backing file to 0x%"
                         PRIx64 " bytes", end);
        return false;
    }
    return true;
}

static RAMBlock *alloc_from_fd(ram_addr_t size, struct MemoryRegion *mr,
                               uint32_t ram_flags, int fd, off_t offset,
                               GError **errp)
{
    size_t page_size = qemu_fd_getpagesize(fd);
    RAMBlock *rb;
    void *host;

    if (!round_size(&size, page_size, "size", errp)) {
        return NULL;
    }
    if (offset < 0 || offset % page_size) {
        error_setg(errp, "offset 0x%" PRIx64 " in the backing file is not a"
                   " multiple of its page size 0x%zx", (uint64_t)offset,
                   page_size);
        return NULL;
    }
    if (size > (uint64_t)INT64_MAX - offset) {
        error_setg(errp, "offset 0x%" PRIx64 " + size 0x%" PRIx64
                   " is too large", (uint64_t)offset, size);
        return NULL;
    }
    if (!check_noreserve(fd, ram_flags, errp) ||
        !ensure_fd_size(fd, offset + size, size, ram_flags, errp)) {
        return NULL;
    }
    host = qemu_ram_mmap(fd, size, page_size, map_flags_of(ram_flags),
                         offset);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot map 0x%" PRIx64 " bytes of "
                         "the backing file at 0x%" PRIx64, size,
                         (uint64_t)offset);
        return NULL;
    }
    rb = ram_block_new(size, size, ram_flags, mr, fd, offset, page_size);
    rb->host = host;
    if (!ram_block_add(rb, errp)) {
        qemu_ram_munmap(fd, host, size);
        g_free(rb);
        return NULL;
    }
    return rb;
}

RAMBlock *qemu_ram_alloc_from_fd(ram_addr_t size, struct MemoryRegion *mr,
                                 uint32_t ram_flags, int fd, off_t offset,
                                 GError **errp)
{
    g_assert(fd >= 0);
    g_assert(!(ram_flags & ~FD_FLAGS));
    return alloc_from_fd(size, mr, ram_flags, fd, offset, errp);
}

/*
 * Open (or create) the backing file for @mem_path.  A directory gets a
 * new, already unlinked file.  *@created says whether the named file was
 * created here (to be removed again on failure).  Returns fd or -1.
 */
static int open_mem_path(const char *mem_path, uint32_t ram_flags,
                         bool *created, GError **errp)
{
    bool readonly = ram_flags & RAM_READONLY_FD;
    struct stat st;
    int fd;

    *created = false;
    if (stat(mem_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_autofree char *templ = g_build_filename(mem_path,
                                                  "qemu_back_mem.XXXXXX",
                                                  NULL);

        if (readonly) {
            error_setg(errp, "mem-path '%s' is a directory: a read-only "
                       "backing file must exist", mem_path);
            return -1;
        }
        fd = g_mkstemp_full(templ, O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            error_setg_errno(errp, errno, "cannot create a backing file in "
                             "'%s'", mem_path);
            return -1;
        }
        unlink(templ);
        return fd;
    }
    fd = open(mem_path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && !readonly) {
        fd = open(mem_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        *created = fd >= 0;
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot open backing file '%s'",
                         mem_path);
    }
    return fd;
}

RAMBlock *qemu_ram_alloc_from_file(ram_addr_t size, struct MemoryRegion *mr,
                                   uint32_t ram_flags, const char *mem_path,
                                   off_t offset, GError **errp)
{
    RAMBlock *rb;
    bool created;
    struct stat st;
    int fd;

    g_assert(!(ram_flags & ~FD_FLAGS));
    fd = open_mem_path(mem_path, ram_flags, &created, errp);
    if (fd < 0) {
        return NULL;
    }
    if (stat(mem_path, &st) == 0 && !S_ISDIR(st.st_mode)) {
        ram_flags |= RAM_NAMED_FILE;
    }
    rb = alloc_from_fd(size, mr, ram_flags, fd, offset, errp);
    if (!rb) {
        error_prepend(errp, "mem-path '%s': ", mem_path);
        if (created) {
            unlink(mem_path);
        }
        close(fd);
        return NULL;
    }
    rb->fd_owned = true;
    return rb;
}

void qemu_ram_free(RAMBlock *block)
{
    GList *l;

    if (!block) {
        return;
    }
    g_assert(g_list_find(ram_list.blocks, block));
    for (l = ram_list.notifiers; l; l = l->next) {
        notify_removed(l->data, block);
    }
    ram_list.blocks = g_list_remove(ram_list.blocks, block);
    if (!(block->flags & RAM_PREALLOC)) {
        qemu_ram_munmap(block->fd, block->host, block->max_length);
    }
    if (block->fd_owned) {
        close(block->fd);
    }
    g_free(block->dirty_bmap);
    g_free(block);
}

/* --- resize --- */

static int ram_block_grow(RAMBlock *rb, ram_addr_t newsize, GError **errp)
{
    ram_addr_t oldsize = rb->used_length;
    int ret;

    ret = qemu_ram_mmap_resize(rb->host, rb->fd, oldsize, newsize,
                               rb->max_length, map_flags_of(rb->flags));
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot grow RAM block '%s' from 0x%"
                         PRIx64 " to 0x%" PRIx64 " bytes", rb->idstr,
                         oldsize, newsize);
        return ret;
    }
    ram_block_advise(rb, oldsize, newsize - oldsize);
    rb->used_length = newsize;
    notify_all_resized(rb, oldsize, newsize);
    return 0;
}

static int ram_block_shrink(RAMBlock *rb, ram_addr_t newsize, GError **errp)
{
    ram_addr_t oldsize = rb->used_length;
    int ret;

    /* Listeners let go of the tail while it is still mapped. */
    notify_all_resized(rb, oldsize, newsize);
    ret = qemu_ram_mmap_resize(rb->host, rb->fd, oldsize, newsize,
                               rb->max_length, map_flags_of(rb->flags));
    if (ret < 0) {
        notify_all_resized(rb, newsize, oldsize);
        error_setg_errno(errp, -ret, "cannot shrink RAM block '%s' from 0x%"
                         PRIx64 " to 0x%" PRIx64 " bytes", rb->idstr,
                         oldsize, newsize);
        return ret;
    }
    rb->used_length = newsize;
    return 0;
}

int qemu_ram_resize(RAMBlock *block, ram_addr_t newsize, GError **errp)
{
    ram_addr_t oldsize = block->used_length;
    int ret;

    if (newsize == 0 ||
        newsize > RAM_ADDR_MAX - block->page_size) {
        error_setg(errp, "Invalid size: %s: 0x%" PRIx64, block->idstr,
                   newsize);
        return -EINVAL;
    }
    newsize = ROUND_UP(newsize, block->page_size);
    if (newsize == oldsize) {
        return 0;
    }
    if (!(block->flags & RAM_RESIZEABLE)) {
        error_setg(errp, "Size mismatch: %s: 0x%" PRIx64 " != 0x%" PRIx64,
                   block->idstr, newsize, oldsize);
        return -EINVAL;
    }
    if (newsize > block->max_length) {
        error_setg(errp, "Size too large: %s: 0x%" PRIx64 " > 0x%" PRIx64,
                   block->idstr, newsize, block->max_length);
        return -EINVAL;
    }
    if (newsize > oldsize) {
        ret = ram_block_grow(block, newsize, errp);
    } else {
        ret = ram_block_shrink(block, newsize, errp);
    }
    if (ret == 0 && block->resized) {
        block->resized(block->idstr, newsize, block->host);
    }
    return ret;
}

/* --- names and lookup --- */

bool qemu_ram_set_idstr(RAMBlock *block, const char *name, GError **errp)
{
    g_assert(!block->idstr[0]);
    if (!name || !name[0] || strlen(name) >= sizeof(block->idstr)) {
        error_setg(errp, "invalid RAM block name '%s'", name ? name : "");
        return false;
    }
    if (qemu_ram_block_by_name(name)) {
        error_setg(errp, "RAM block '%s' already exists", name);
        return false;
    }
    g_strlcpy(block->idstr, name, sizeof(block->idstr));
    return true;
}

RAMBlock *qemu_ram_block_by_name(const char *name)
{
    GList *l;

    for (l = ram_list.blocks; l; l = l->next) {
        RAMBlock *rb = l->data;

        if (!strcmp(rb->idstr, name)) {
            return rb;
        }
    }
    return NULL;
}

RAMBlock *qemu_ram_block_from_ram_addr(ram_addr_t addr)
{
    GList *l;

    for (l = ram_list.blocks; l; l = l->next) {
        RAMBlock *rb = l->data;

        if (addr < rb->offset) {
            break;
        }
        if (addr - rb->offset < rb->max_length) {
            return rb;
        }
    }
    return NULL;
}

RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset)
{
    uint8_t *host = ptr;
    GList *l;

    for (l = ram_list.blocks; l; l = l->next) {
        RAMBlock *rb = l->data;

        if (host >= rb->host && (uint64_t)(host - rb->host) < rb->max_length) {
            ram_addr_t off = host - rb->host;

            if (offset) {
                *offset = round_offset ? ROUND_DOWN(off, rb->page_size) : off;
            }
            return rb;
        }
    }
    return NULL;
}

int qemu_ram_foreach_block(RAMBlockIterFunc func, void *opaque)
{
    GList *l;
    int ret = 0;

    for (l = ram_list.blocks; l && !ret; l = l->next) {
        ret = func(l->data, opaque);
    }
    return ret;
}

/* --- discard --- */

/* Punch [start, start + length) of @rb out of its backing file. */
static int discard_file(RAMBlock *rb, uint64_t start, size_t length)
{
    bool shared = rb->flags & RAM_SHARED;

    /* A private mapping of a read-only file only drops its own copies. */
    if (shared || !(rb->flags & RAM_READONLY_FD)) {
        if (fallocate(rb->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      rb->fd_offset + start, length) != 0) {
            return -errno;
        }
    }
    if (!shared && madvise(rb->host + start, length, MADV_DONTNEED) != 0) {
        return -errno;
    }
    return 0;
}

int ram_block_discard_range(RAMBlock *rb, uint64_t start, size_t length)
{
    int advice;

    if (!QEMU_IS_ALIGNED(start, rb->page_size) ||
        !QEMU_IS_ALIGNED(length, rb->page_size) ||
        start > rb->used_length || length > rb->used_length - start) {
        return -EINVAL;
    }
    if (length == 0) {
        return 0;
    }
    if (rb->fd >= 0) {
        return discard_file(rb, start, length);
    }
    /* Shared anonymous memory is shmem: free its pages, not just PTEs. */
    advice = (rb->flags & RAM_SHARED) ? MADV_REMOVE : MADV_DONTNEED;
    if (madvise(rb->host + start, length, advice) != 0) {
        return -errno;
    }
    return 0;
}

/* --- discard coordination --- */

static struct {
    GMutex lock;
    unsigned disabled;                /* ram_block_discard_disable */
    unsigned uncoordinated_disabled;  /* ..._uncoordinated_discard_disable */
    unsigned required;                /* ram_block_discard_require */
    unsigned coordinated_required;    /* ..._coordinated_discard_require */
} discard;

/*
 * Take (@state true, if @blocked is false) or drop one count of
 * @counter under the lock.  Returns 0 or -EBUSY.
 */
static int discard_count(unsigned *counter, bool state, bool blocked)
{
    if (!state) {
        g_assert(*counter > 0);
        (*counter)--;
        return 0;
    }
    if (blocked) {
        return -EBUSY;
    }
    (*counter)++;
    return 0;
}

int ram_block_discard_disable(bool state)
{
    int ret;

    g_mutex_lock(&discard.lock);
    ret = discard_count(&discard.disabled, state,
                        discard.required || discard.coordinated_required);
    g_mutex_unlock(&discard.lock);
    return ret;
}

int ram_block_uncoordinated_discard_disable(bool state)
{
    int ret;

    g_mutex_lock(&discard.lock);
    ret = discard_count(&discard.uncoordinated_disabled, state,
                        discard.required);
    g_mutex_unlock(&discard.lock);
    return ret;
}

int ram_block_discard_require(bool state)
{
    int ret;

    g_mutex_lock(&discard.lock);
    ret = discard_count(&discard.required, state,
                        discard.disabled || discard.uncoordinated_disabled);
    g_mutex_unlock(&discard.lock);
    return ret;
}

int ram_block_coordinated_discard_require(bool state)
{
    int ret;

    g_mutex_lock(&discard.lock);
    ret = discard_count(&discard.coordinated_required, state,
                        discard.disabled);
    g_mutex_unlock(&discard.lock);
    return ret;
}

bool ram_block_discard_is_disabled(void)
{
    bool ret;

    g_mutex_lock(&discard.lock);
    ret = discard.disabled || discard.uncoordinated_disabled;
    g_mutex_unlock(&discard.lock);
    return ret;
}

bool ram_block_discard_is_required(void)
{
    bool ret;

    g_mutex_lock(&discard.lock);
    ret = discard.required || discard.coordinated_required;
    g_mutex_unlock(&discard.lock);
    return ret;
}

/* --- migration's dirty log --- */

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

void qemu_ram_mark_dirty_range(RAMBlock *rb, ram_addr_t offset,
                               ram_addr_t len)
{
    ram_addr_t first = offset >> RAM_DIRTY_PAGE_BITS;
    ram_addr_t last = (offset + len - 1) >> RAM_DIRTY_PAGE_BITS;

    if (offset + len > rb->max_length) {
        return;
    }
    bitmap_set(rb->dirty_bmap, first, last - first + 1);
}
