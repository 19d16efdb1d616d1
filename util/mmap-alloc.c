/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host mappings for guest RAM.
 *
 * This file owns the shape of every mapping that backs guest RAM: an
 * inaccessible, uncharged reservation of address space, an active part
 * mapped with the requested mode at an aligned address, a guard page
 * behind it, and (for resizable mappings) an active part that grows and
 * shrinks inside the reservation.  It also owns the answer to "will the
 * kernel really not reserve commit space for this?" (MAP_NORESERVE is
 * silently ignored in overcommit mode 2, so we refuse instead).
 *
 * Tuned for few, large mappings (GiBs, up to TiBs of reservation) that
 * change rarely: every operation is a constant number of system calls,
 * independent of the mapping's size.  Nothing here prints; failures are
 * errno / -errno.
 */
#include "qemu/osdep.h"
#include "qemu/mmap-alloc.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

/* Forced overcommit mode for tests, -1 when not forced. */
static int overcommit_mode_override = -1;

static size_t guard_size(void)
{
    return qemu_real_host_page_size();
}

static bool statfs_is_hugetlbfs(const struct statfs *fs)
{
    return fs->f_type == HUGETLBFS_MAGIC;
}

static bool fd_is_hugetlbfs(int fd)
{
    struct statfs fs;
    int ret;

    if (fd < 0) {
        return false;
    }
    do {
        ret = fstatfs(fd, &fs);
    } while (ret != 0 && errno == EINTR);
    return ret == 0 && statfs_is_hugetlbfs(&fs);
}

size_t qemu_fd_getpagesize(int fd)
{
    struct statfs fs;
    int ret;

    if (fd >= 0) {
        do {
            ret = fstatfs(fd, &fs);
        } while (ret != 0 && errno == EINTR);
        if (ret == 0 && statfs_is_hugetlbfs(&fs)) {
            /* hugetlbfs reports its huge page size as the block size. */
            return fs.f_bsize;
        }
    }
    return qemu_real_host_page_size();
}

static int statfs_retry(const char *path, struct statfs *fs)
{
    int ret;

    do {
        ret = statfs(path, fs);
    } while (ret != 0 && errno == EINTR);
    return ret;
}

size_t qemu_mempath_getpagesize(const char *mem_path)
{
    struct statfs fs;

    if (statfs_retry(mem_path, &fs) != 0) {
        g_autofree char *dir = NULL;

        if (errno != ENOENT) {
            return 0;
        }
        /* The file is created later, on the filesystem of its directory. */
        dir = g_path_get_dirname(mem_path);
        if (statfs_retry(dir, &fs) != 0) {
            return 0;
        }
    }
    if (statfs_is_hugetlbfs(&fs)) {
        return fs.f_bsize;
    }
    return qemu_real_host_page_size();
}

bool qemu_fd_supports_map_sync(int fd)
{
    size_t len = qemu_fd_getpagesize(fd);
    void *p;

    if (fd < 0) {
        return false;
    }
    p = mmap(NULL, len, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
    if (p == MAP_FAILED) {
        return false;
    }
    munmap(p, len);
    return true;
}

int qemu_overcommit_mode(void)
{
    g_autofree char *text = NULL;
    char *end;
    long mode;

    if (overcommit_mode_override >= 0) {
        return overcommit_mode_override;
    }
    if (!g_file_get_contents("/proc/sys/vm/overcommit_memory", &text,
                             NULL, NULL)) {
        return -1;
    }
    mode = strtol(text, &end, 10);
    if (end == text || mode < 0 || mode > 2) {
        return -1;
    }
    return (int)mode;
}

void qemu_mmap_alloc_set_overcommit_mode_for_test(int mode)
{
    overcommit_mode_override = mode < 0 ? -1 : mode;
}

bool qemu_ram_mmap_noreserve_honoured(int fd, uint32_t qemu_map_flags)
{
    bool shared = qemu_map_flags & QEMU_MAP_SHARED;
    bool readonly = qemu_map_flags & QEMU_MAP_READONLY;

    /* hugetlbfs skips its huge page reservation for MAP_NORESERVE always. */
    if (fd_is_hugetlbfs(fd)) {
        return true;
    }
    if (qemu_overcommit_mode() != 2) {
        return true;
    }
    /*
     * Overcommit mode 2 drops MAP_NORESERVE.  What is charged then:
     * shared anonymous memory (a shmem object sized at mmap) and writable
     * private mappings.  Shared file mappings are not charged at mmap.
     */
    if (shared) {
        return fd >= 0;
    }
    return readonly;
}

/* Inaccessible, uncharged address space; MAP_FAILED with errno set. */
static void *reserve(void *addr, size_t len)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

    if (addr) {
        flags |= MAP_FIXED;
    }
    return mmap(addr, len, PROT_NONE, flags, -1, 0);
}

/*
 * Map [addr, addr + len) of a reservation with the requested mode.  On
 * failure the range is made a reservation again; returns 0 or -errno.
 */
static int activate(void *addr, size_t len, int fd, uint32_t flags,
                    off_t offset)
{
    int prot = PROT_READ;
    int mflags = MAP_FIXED;
    bool shared = flags & QEMU_MAP_SHARED;
    void *p = MAP_FAILED;
    int err;

    if (!(flags & QEMU_MAP_READONLY)) {
        prot |= PROT_WRITE;
    }
    mflags |= fd < 0 ? MAP_ANONYMOUS : 0;
    mflags |= (flags & QEMU_MAP_NORESERVE) ? MAP_NORESERVE : 0;

    if ((flags & QEMU_MAP_SYNC) && shared && fd >= 0) {
        p = mmap(addr, len, prot, mflags | MAP_SHARED_VALIDATE | MAP_SYNC,
                 fd, offset);
        /* Not a DAX file (EOPNOTSUPP) or an old kernel (EINVAL). */
        if (p == MAP_FAILED && errno != EOPNOTSUPP && errno != EINVAL) {
            goto fail;
        }
    }
    if (p == MAP_FAILED) {
        p = mmap(addr, len, prot, mflags | (shared ? MAP_SHARED : MAP_PRIVATE),
                 fd < 0 ? -1 : fd, fd < 0 ? 0 : offset);
    }
    if (p != MAP_FAILED) {
        g_assert(p == addr);
        return 0;
    }

fail:
    err = errno;
    /* Put the reservation back in case the kernel already dropped it. */
    reserve(addr, len);
    return -err;
}

static int check_flags(int fd, uint32_t flags)
{
    if (flags & ~QEMU_MAP_ALL_FLAGS) {
        return -EINVAL;
    }
    if ((flags & QEMU_MAP_SYNC) && (fd < 0 || !(flags & QEMU_MAP_SHARED))) {
        return -EINVAL;
    }
    if ((flags & QEMU_MAP_NORESERVE) &&
        !qemu_ram_mmap_noreserve_honoured(fd, flags)) {
        return -ENOTSUP;
    }
    return 0;
}

/*
 * Reserve @len bytes plus guard at an @align-aligned address (rounded up
 * to the page size of @fd); the excess is trimmed.  MAP_FAILED + errno.
 */
static void *reserve_aligned(int fd, size_t len, size_t align)
{
    size_t pagesize = qemu_fd_getpagesize(fd);
    size_t total;
    uint8_t *base, *start;
    size_t head, tail;

    if (align && !is_power_of_2(align)) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    align = MAX(align, pagesize);
    if (len == 0 || len % pagesize ||
        len > SIZE_MAX - align - guard_size()) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    total = len + align + guard_size();
    base = reserve(NULL, total);
    if (base == MAP_FAILED) {
        return MAP_FAILED;
    }
    start = QEMU_ALIGN_PTR_UP(base, align);
    head = start - base;
    tail = total - head - len - guard_size();
    if (head) {
        munmap(base, head);
    }
    if (tail) {
        munmap(start + len + guard_size(), tail);
    }
    return start;
}

void *qemu_ram_mmap(int fd, size_t size, size_t align,
                    uint32_t qemu_map_flags, off_t map_offset)
{
    uint8_t *ptr;
    int ret;

    ret = check_flags(fd, qemu_map_flags);
    if (ret == 0 && fd >= 0 &&
        (map_offset < 0 || map_offset % qemu_fd_getpagesize(fd))) {
        ret = -EINVAL;
    }
    if (ret < 0) {
        errno = -ret;
        return MAP_FAILED;
    }
    ptr = reserve_aligned(fd, size, align);
    if (ptr == MAP_FAILED) {
        return MAP_FAILED;
    }
    ret = activate(ptr, size, fd, qemu_map_flags, map_offset);
    if (ret < 0) {
        munmap(ptr, size + guard_size());
        errno = -ret;
        return MAP_FAILED;
    }
    return ptr;
}

void qemu_ram_munmap(int fd, void *ptr, size_t size)
{
    if (ptr && ptr != MAP_FAILED) {
        munmap(ptr, size + guard_size());
    }
}

void *qemu_ram_mmap_resizable(int fd, size_t used, size_t max, size_t align,
                              uint32_t qemu_map_flags)
{
    size_t pagesize = qemu_fd_getpagesize(fd);
    uint8_t *ptr;
    int ret;

    ret = check_flags(fd, qemu_map_flags);
    if (ret == 0 && (used > max || used % pagesize)) {
        ret = -EINVAL;
    }
    if (ret < 0) {
        errno = -ret;
        return MAP_FAILED;
    }
    ptr = reserve_aligned(fd, max, align);
    if (ptr == MAP_FAILED) {
        return MAP_FAILED;
    }
    if (used) {
        ret = activate(ptr, used, fd, qemu_map_flags, 0);
        if (ret < 0) {
            munmap(ptr, max + guard_size());
            errno = -ret;
            return MAP_FAILED;
        }
    }
    return ptr;
}

static int shrink(uint8_t *ptr, int fd, size_t old_used, size_t new_used,
                  uint32_t flags)
{
    uint8_t *tail = ptr + new_used;
    size_t len = old_used - new_used;

    /*
     * Shared anonymous pages live in a shmem object that outlives the
     * mapping of its tail: free them explicitly.  Private pages go with
     * the mapping; a file's contents are the caller's business.
     */
    if ((flags & QEMU_MAP_SHARED) && fd < 0 &&
        madvise(tail, len, MADV_REMOVE) != 0) {
        return -errno;
    }
    if (reserve(tail, len) == MAP_FAILED) {
        return -errno;
    }
    return 0;
}

int qemu_ram_mmap_resize(void *ptr, int fd, size_t old_used, size_t new_used,
                         size_t max, uint32_t qemu_map_flags)
{
    size_t pagesize = qemu_fd_getpagesize(fd);
    uint8_t *host = ptr;

    if (!ptr || ptr == MAP_FAILED || old_used > max || new_used > max ||
        old_used % pagesize || new_used % pagesize ||
        (qemu_map_flags & ~QEMU_MAP_ALL_FLAGS)) {
        return -EINVAL;
    }
    if (new_used == old_used) {
        return 0;
    }
    if (new_used < old_used) {
        return shrink(host, fd, old_used, new_used, qemu_map_flags);
    }
    return activate(host + old_used, new_used - old_used, fd,
                    qemu_map_flags, old_used);
}
