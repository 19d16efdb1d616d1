/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host mappings for guest RAM: reserve address space, activate part of it,
 * keep a guard page behind it, and grow or shrink the active part later.
 *
 * The model (reserve/activate, guard page, what the kernel charges to the
 * commit limit and when) is described in docs/devel/host-memory.md.
 *
 * Everything here is plain host code: no RAM blocks, no regions.  Errors
 * are reported through errno / -errno; nothing prints.
 */
#ifndef QEMU_MMAP_ALLOC_H
#define QEMU_MMAP_ALLOC_H

#include "qemu/osdep.h"

/* Flags for qemu_ram_mmap() and friends. */
/* Map PROT_READ only (default: PROT_READ | PROT_WRITE). */
#define QEMU_MAP_READONLY   (1u << 0)
/* MAP_SHARED (default: MAP_PRIVATE).  With fd == -1: shared anonymous. */
#define QEMU_MAP_SHARED     (1u << 1)
/*
 * MAP_SYNC for a shared mapping of a file on a DAX filesystem.  Only
 * valid together with QEMU_MAP_SHARED and an fd; where the file does not
 * support MAP_SYNC the mapping is made without it (a plain shared
 * mapping): use qemu_fd_supports_map_sync() first when that matters.
 */
#define QEMU_MAP_SYNC       (1u << 2)
/*
 * Do not reserve commit (swap) space for the mapping.  Honest: when the
 * kernel would ignore MAP_NORESERVE for this mapping (see
 * qemu_ram_mmap_noreserve_honoured()) the mapping fails with ENOTSUP
 * instead of silently charging the full size.
 */
#define QEMU_MAP_NORESERVE  (1u << 3)

#define QEMU_MAP_ALL_FLAGS \
    (QEMU_MAP_READONLY | QEMU_MAP_SHARED | QEMU_MAP_SYNC | QEMU_MAP_NORESERVE)

/*
 * Page size of the memory behind @fd: the huge page size for a hugetlbfs
 * file (found with fstatfs), the host page size otherwise and for fd == -1.
 */
size_t qemu_fd_getpagesize(int fd);

/*
 * Page size of the filesystem holding @mem_path (a file or a directory).
 * If @mem_path does not exist yet, its parent directory is asked.
 * Returns 0 with errno set if neither can be examined.
 */
size_t qemu_mempath_getpagesize(const char *mem_path);

/*
 * Does the file behind @fd support MAP_SYNC (shared mappings on DAX)?
 * Probes with a one-page mapping that is removed again.
 */
bool qemu_fd_supports_map_sync(int fd);

/*
 * /proc/sys/vm/overcommit_memory: 0 (heuristic), 1 (always), 2 (never),
 * or -1 if it cannot be read.  Tests may force a value with
 * qemu_mmap_alloc_set_overcommit_mode_for_test().
 */
int qemu_overcommit_mode(void);

/* Force qemu_overcommit_mode() to return @mode; -1 restores the real one. */
void qemu_mmap_alloc_set_overcommit_mode_for_test(int mode);

/*
 * Would the kernel honour MAP_NORESERVE for a mapping of @fd (-1 for
 * anonymous memory) with @qemu_map_flags?  False only when the kernel
 * would charge the full size anyway: overcommit mode 2 and a mapping that
 * is accountable (writable private memory, or shared anonymous memory).
 * True for mappings that are never charged at mmap time (shared file or
 * memfd mappings, hugetlbfs, read-only private mappings) and whenever
 * overcommit mode is 0 or 1.  The accounting table is in
 * docs/devel/host-memory.md.
 */
bool qemu_ram_mmap_noreserve_honoured(int fd, uint32_t qemu_map_flags);

/*
 * Map @size bytes of @fd at @map_offset (fd == -1: anonymous memory).
 *
 * Reserves @size + @align + one host page of address space as PROT_NONE,
 * activates [0, @size) at an address aligned to max(@align, page size of
 * @fd), keeps the following host page inaccessible as a guard and gives
 * the rest of the reservation back.
 *
 * @size must be a non-zero multiple of the page size of @fd, @align zero
 * or a power of two, @map_offset a multiple of the page size of @fd.
 *
 * Returns the mapping, or MAP_FAILED with errno set:
 *   EINVAL   bad arguments or flags (QEMU_MAP_SYNC without a shared fd);
 *   ENOTSUP  QEMU_MAP_NORESERVE where the kernel would ignore it;
 *   anything mmap() returns (ENOMEM, ENODEV, EACCES, ...).
 * Release with qemu_ram_munmap(@fd, ptr, @size).
 */
void *qemu_ram_mmap(int fd, size_t size, size_t align,
                    uint32_t qemu_map_flags, off_t map_offset);

/*
 * Unmap a mapping from qemu_ram_mmap() (pass its @size) or
 * qemu_ram_mmap_resizable() (pass its @max), guard page included.
 * @ptr == NULL or MAP_FAILED is ignored.
 */
void qemu_ram_munmap(int fd, void *ptr, size_t size);

/*
 * Resizable mapping: reserve @max bytes (plus guard), activate [0, @used).
 * [@used, @max) stays reserved, inaccessible and uncharged until
 * qemu_ram_mmap_resize() activates it.  @fd (-1 for anonymous memory) is
 * mapped at file offset 0 and must be large enough for what is activated.
 * @used may be 0; @max must be non-zero; both multiples of the page size.
 * Returns the mapping or MAP_FAILED with errno set, as qemu_ram_mmap().
 * Release with qemu_ram_munmap(@fd, ptr, @max).
 */
void *qemu_ram_mmap_resizable(int fd, size_t used, size_t max, size_t align,
                              uint32_t qemu_map_flags);

/*
 * Change the active part of a resizable mapping from @old_used to
 * @new_used (<= @max, a multiple of the page size); @fd and @flags as
 * given to qemu_ram_mmap_resizable().
 *
 * Growing maps [@old_used, @new_used) over the reservation; anonymous
 * memory there reads as zero.  If the kernel refuses (e.g. ENOMEM from
 * commit accounting), [@old_used, @max) is left reserved and inaccessible
 * and the old contents are untouched.
 *
 * Shrinking first releases the memory of [@new_used, @old_used) (for
 * shared anonymous memory by MADV_REMOVE; private memory goes with its
 * mapping; file contents are left alone), then turns it back into
 * inaccessible, uncharged reservation.
 *
 * Data below min(@old_used, @new_used) is preserved.
 * Returns 0 or -errno (-EINVAL for bad sizes).
 */
int qemu_ram_mmap_resize(void *ptr, int fd, size_t old_used, size_t new_used,
                         size_t max, uint32_t qemu_map_flags);

#endif /* QEMU_MMAP_ALLOC_H */
