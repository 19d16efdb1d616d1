/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host OS helpers for memory: preallocation of a mapped range, madvise
 * wrappers and the transparent-huge-page size.  Implemented in
 * util/oslib-posix.c; the model is described in docs/devel/prealloc.md.
 */
#ifndef QEMU_OSLIB_H
#define QEMU_OSLIB_H

#include "qemu/osdep.h"
#include <sys/mman.h>

/*
 * Advice values for qemu_madvise().  A name whose advice the host does not
 * know is QEMU_MADV_INVALID, and qemu_madvise() then fails with -EINVAL
 * without calling into the kernel.
 */
#define QEMU_MADV_INVALID (-1)

#define QEMU_MADV_WILLNEED  MADV_WILLNEED
#define QEMU_MADV_DONTNEED  MADV_DONTNEED
#ifdef MADV_REMOVE
#define QEMU_MADV_REMOVE    MADV_REMOVE
#else
#define QEMU_MADV_REMOVE    QEMU_MADV_INVALID
#endif
#ifdef MADV_DONTDUMP
#define QEMU_MADV_DONTDUMP  MADV_DONTDUMP
#else
#define QEMU_MADV_DONTDUMP  QEMU_MADV_INVALID
#endif
#ifdef MADV_HUGEPAGE
#define QEMU_MADV_HUGEPAGE   MADV_HUGEPAGE
#define QEMU_MADV_NOHUGEPAGE MADV_NOHUGEPAGE
#else
#define QEMU_MADV_HUGEPAGE   QEMU_MADV_INVALID
#define QEMU_MADV_NOHUGEPAGE QEMU_MADV_INVALID
#endif
#ifdef MADV_POPULATE_WRITE
#define QEMU_MADV_POPULATE_WRITE MADV_POPULATE_WRITE
#else
#define QEMU_MADV_POPULATE_WRITE QEMU_MADV_INVALID
#endif

/*
 * qemu_madvise:
 * @addr: start of the range (page aligned, as madvise(2) requires)
 * @len: length of the range in bytes
 * @advice: one of the QEMU_MADV_* values
 *
 * Returns: 0 on success, -errno on failure (-EINVAL for QEMU_MADV_INVALID).
 * Never prints.
 */
int qemu_madvise(void *addr, size_t len, int advice);

/*
 * qemu_get_thp_size:
 *
 * Returns: the size of a PMD-level transparent huge page, read once from
 * /sys/kernel/mm/transparent_hugepage/hpage_pmd_size; 2 MiB when that file
 * is missing or unreadable.
 */
size_t qemu_get_thp_size(void);

/*
 * qemu_prealloc_mem:
 * @fd: the file descriptor behind the mapping, or -1 for anonymous memory.
 *      Only used to learn the page size (hugetlbfs page size via fstatfs).
 * @area: start of a writable mapping
 * @size: number of bytes to preallocate; 0 is a no-op
 * @max_threads: upper bound on the threads that fault the range in (values
 *      below 1 mean 1).  The calling thread is one of them; the others are
 *      created for this call and joined before it returns.
 * @errp: return location for an error, or NULL
 *
 * Make every page of [@area, @area + @size) resident and writable, rounding
 * the range out to the page size of @fd.  Contents are preserved: for a
 * shared or file mapping the data already in the file is unchanged, and
 * anonymous memory that was never touched stays zero.
 *
 * Uses MADV_POPULATE_WRITE when the kernel has it; otherwise write-faults
 * each page under a temporary SIGBUS handler, which is restored before
 * returning.  Running out of hugetlb pages or tmpfs space is reported as an
 * error, never as a signal.  (In the fallback, plain anonymous memory that
 * cannot be allocated still meets the kernel's OOM killer.)
 *
 * On failure some pages of the range may already be populated; nothing is
 * rolled back.  The error message names the failing address range in hex
 * and the cause.
 *
 * Returns: true on success, false with @errp set on failure.
 */
/*
 * -name debug-threads=on: worker threads started from now on get a
 * descriptive name (visible in /proc/PID/task/TID/comm, e.g. the
 * prealloc workers' "touch_pages").  Off by default.
 */
void qemu_thread_naming(bool enable);
bool qemu_thread_naming_enabled(void);

bool qemu_prealloc_mem(int fd, char *area, size_t size, int max_threads,
                       GError **errp);

/*
 * qemu_prealloc_force_touch_for_testing:
 * @force: true to make qemu_prealloc_mem() use the page-touching fallback
 *         even where MADV_POPULATE_WRITE works
 *
 * For unit tests only: lets them exercise the fallback (and its SIGBUS
 * handling) on a kernel that does not need it.  Not thread safe with
 * respect to concurrent qemu_prealloc_mem() calls.
 */
void qemu_prealloc_force_touch_for_testing(bool force);

#endif /* QEMU_OSLIB_H */
