/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for util/mmap-alloc.c: alignment and guard pages, honest
 * MAP_NORESERVE (observed through Committed_AS and mincore), and
 * resizable reservations (observed through SIGSEGV in forked children,
 * mincore, RSS and the shmem counter).
 */
#include "qemu/osdep.h"
#include "qemu/mmap-alloc.h"
#include "host-observe.h"

#include <sys/mman.h>
#include <sys/stat.h>

#define BIG_SIZE (8 * GiB)

static size_t psize(void)
{
    return qemu_real_host_page_size();
}

static int test_memfd(const char *name, unsigned int flags)
{
    return memfd_create(name, MFD_CLOEXEC | flags);
}

/* --- plain mappings --- */

static void test_mmap_aligned(void)
{
    static const size_t aligns[] = { 0, 4 * KiB, 64 * KiB, 2 * MiB, 1 * GiB };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(aligns); i++) {
        size_t size = 3 * psize();
        uint8_t *p = qemu_ram_mmap(-1, size, aligns[i], 0, 0);

        g_assert_true(p != MAP_FAILED);
        g_assert_cmpuint((uintptr_t)p % MAX(aligns[i], psize()), ==, 0);
        p[0] = 1;
        p[size - 1] = 2;
        g_assert_cmpuint(p[0] + p[size - 1], ==, 3);
        qemu_ram_munmap(-1, p, size);
    }
}

static void test_mmap_guard_page(void)
{
    size_t size = 4 * psize();
    uint8_t *p = qemu_ram_mmap(-1, size, 2 * MiB, 0, 0);

    g_assert_true(p != MAP_FAILED);
    g_assert_false(host_access_segfaults(p + size - 1, true));
    g_assert_true(host_access_segfaults(p + size, false));
    g_assert_true(host_access_segfaults(p + size + psize() - 1, true));
    qemu_ram_munmap(-1, p, size);
}

static void test_mmap_readonly(void)
{
    size_t size = psize();
    uint8_t *p = qemu_ram_mmap(-1, size, 0, QEMU_MAP_READONLY, 0);

    g_assert_true(p != MAP_FAILED);
    g_assert_cmpuint(p[0], ==, 0);
    g_assert_true(host_access_segfaults(p, true));
    qemu_ram_munmap(-1, p, size);
}

static void test_mmap_memfd_shared(void)
{
    size_t size = 16 * psize();
    int fd = test_memfd("mmap-alloc-test", 0);
    uint8_t *p;
    char buf[8] = "";

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size + psize()), ==, 0);
    g_assert_cmpint(pwrite(fd, "abcd", 4, psize() + 8), ==, 4);

    /* Map from file offset psize(): the mapping sees the file at +8. */
    p = qemu_ram_mmap(fd, size, 0, QEMU_MAP_SHARED, psize());
    g_assert_true(p != MAP_FAILED);
    g_assert_cmpmem(p + 8, 4, "abcd", 4);
    memcpy(p + 100, "wxyz", 4);
    g_assert_cmpint(pread(fd, buf, 4, psize() + 100), ==, 4);
    g_assert_cmpmem(buf, 4, "wxyz", 4);
    g_assert_true(host_access_segfaults(p + size, true));
    qemu_ram_munmap(fd, p, size);
    close(fd);
}

static void test_mmap_shared_anonymous(void)
{
    size_t size = 4 * psize();
    uint8_t *p = qemu_ram_mmap(-1, size, 0, QEMU_MAP_SHARED, 0);
    pid_t pid;
    int status;

    g_assert_true(p != MAP_FAILED);
    /* A write in a child is visible to the parent only if really shared. */
    pid = fork();
    if (pid == 0) {
        p[10] = 42;
        _exit(0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_cmpuint(p[10], ==, 42);
    qemu_ram_munmap(-1, p, size);
}

static void test_mmap_bad_args(void)
{
    int fd = test_memfd("mmap-alloc-bad", 0);

    errno = 0;
    g_assert_true(qemu_ram_mmap(-1, 0, 0, 0, 0) == MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    errno = 0;
    g_assert_true(qemu_ram_mmap(-1, psize() + 1, 0, 0, 0) == MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    errno = 0;
    g_assert_true(qemu_ram_mmap(-1, psize(), 3 * psize(), 0, 0) ==
                  MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    errno = 0;
    g_assert_true(qemu_ram_mmap(-1, psize(), 0, QEMU_MAP_SYNC, 0) ==
                  MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    errno = 0;
    g_assert_true(qemu_ram_mmap(fd, psize(), 0, QEMU_MAP_SHARED, 1) ==
                  MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    close(fd);
}

static void test_mmap_sync_falls_back(void)
{
    int fd = test_memfd("mmap-alloc-sync", 0);
    size_t size = psize();
    uint8_t *p;

    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    /* A memfd is not on DAX: MAP_SYNC is unsupported, mapping still works. */
    g_assert_false(qemu_fd_supports_map_sync(fd));
    p = qemu_ram_mmap(fd, size, 0, QEMU_MAP_SHARED | QEMU_MAP_SYNC, 0);
    g_assert_true(p != MAP_FAILED);
    p[0] = 7;
    qemu_ram_munmap(fd, p, size);
    close(fd);
}

static void test_pagesize_hugetlb(void)
{
    int fd = test_memfd("mmap-alloc-huge", MFD_HUGETLB);
    size_t huge;
    uint8_t *p;

    if (fd < 0) {
        g_test_skip("cannot create an MFD_HUGETLB memfd (no hugetlbfs)");
        return;
    }
    huge = qemu_fd_getpagesize(fd);
    g_assert_cmpuint(huge, >, psize());
    g_assert_true(is_power_of_2(huge));
    g_assert_cmpint(ftruncate(fd, huge), ==, 0);
    /* NORESERVE: no huge page is needed until touched (none may exist). */
    p = qemu_ram_mmap(fd, huge, 0, QEMU_MAP_SHARED | QEMU_MAP_NORESERVE, 0);
    g_assert_true(p != MAP_FAILED);
    g_assert_cmpuint((uintptr_t)p % huge, ==, 0);
    qemu_ram_munmap(fd, p, huge);
    errno = 0;
    g_assert_true(qemu_ram_mmap(fd, psize(), 0, QEMU_MAP_SHARED, 0) ==
                  MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    close(fd);
}

static void test_pagesize_mempath(void)
{
    g_autofree char *missing = g_build_filename(g_get_tmp_dir(),
                                                "no-such-file-here", NULL);

    g_assert_cmpuint(qemu_mempath_getpagesize(g_get_tmp_dir()), ==, psize());
    g_assert_cmpuint(qemu_mempath_getpagesize(missing), ==, psize());
    errno = 0;
    g_assert_cmpuint(qemu_mempath_getpagesize("/no/such/dir/file"), ==, 0);
    g_assert_cmpint(errno, ==, ENOENT);
    g_assert_cmpuint(qemu_fd_getpagesize(-1), ==, psize());
}

/* --- NORESERVE --- */

static void test_noreserve_no_commit_charge(void)
{
    uint64_t before = 0, after = 0;
    uint8_t *p;
    int try;

    if (qemu_overcommit_mode() == 2) {
        errno = 0;
        p = qemu_ram_mmap(-1, BIG_SIZE, 0, QEMU_MAP_NORESERVE, 0);
        g_assert_true(p == MAP_FAILED);
        g_assert_cmpint(errno, ==, ENOTSUP);
        return;
    }
    for (try = 0; try < HOST_COMMIT_TRIES; try++) {
        before = host_committed_as();
        p = qemu_ram_mmap(-1, BIG_SIZE, 0, QEMU_MAP_NORESERVE, 0);
        g_assert_true(p != MAP_FAILED);
        after = host_committed_as();
        qemu_ram_munmap(-1, p, BIG_SIZE);
        if ((int64_t)(after - before) < (int64_t)GiB) {
            break;
        }
        g_test_message("Committed_AS noise? retrying");
    }
    g_assert_cmpint((int64_t)(after - before), <, (int64_t)GiB);
}

static void test_noreserve_without_flag_charges(void)
{
    uint64_t before = 0, after = 0;
    uint8_t *p;
    int try;

    for (try = 0; try < HOST_COMMIT_TRIES; try++) {
        before = host_committed_as();
        p = qemu_ram_mmap(-1, BIG_SIZE, 0, 0, 0);
        if (p == MAP_FAILED && qemu_overcommit_mode() == 2) {
            g_test_skip("overcommit_memory=2, no room for 8 GiB of commit");
            return;
        }
        g_assert_true(p != MAP_FAILED);
        after = host_committed_as();
        qemu_ram_munmap(-1, p, BIG_SIZE);
        if ((int64_t)(after - before) > (int64_t)(6 * GiB)) {
            break;
        }
        g_test_message("Committed_AS noise? retrying");
    }
    g_assert_cmpint((int64_t)(after - before), >, (int64_t)(6 * GiB));
}

static void test_noreserve_not_resident_until_touched(void)
{
    uint32_t flags = QEMU_MAP_NORESERVE;
    size_t size = BIG_SIZE;
    uint8_t *p;

    if (qemu_overcommit_mode() == 2) {
        /* Shared file mappings stay honest NORESERVE in mode 2. */
        g_test_skip("overcommit_memory=2: private NORESERVE is refused");
        return;
    }
    p = qemu_ram_mmap(-1, size, 0, flags, 0);
    g_assert_true(p != MAP_FAILED);
    g_assert_cmpuint(host_resident_pages(p, size), ==, 0);
    p[GiB] = 1;
    p[5 * GiB + 17] = 1;
    g_assert_cmpuint(host_resident_pages(p, size), >=, 2);
    /* THP may fault in a whole huge page; never more than two of them. */
    g_assert_cmpuint(host_resident_pages(p, size), <=, 2 * 2 * MiB / psize());
    qemu_ram_munmap(-1, p, size);
}

static void test_noreserve_refused_in_mode_never(void)
{
    int fd = test_memfd("mmap-alloc-nr", 0);
    uint8_t *p;

    g_assert_cmpint(ftruncate(fd, 4 * psize()), ==, 0);
    qemu_mmap_alloc_set_overcommit_mode_for_test(2);

    /* Accountable mappings: MAP_NORESERVE would be ignored. */
    g_assert_false(qemu_ram_mmap_noreserve_honoured(-1, 0));
    g_assert_false(qemu_ram_mmap_noreserve_honoured(-1, QEMU_MAP_SHARED));
    g_assert_false(qemu_ram_mmap_noreserve_honoured(fd, 0));
    errno = 0;
    p = qemu_ram_mmap(-1, BIG_SIZE, 0, QEMU_MAP_NORESERVE, 0);
    g_assert_true(p == MAP_FAILED);
    g_assert_cmpint(errno, ==, ENOTSUP);
    errno = 0;
    p = qemu_ram_mmap(-1, psize(), 0, QEMU_MAP_NORESERVE | QEMU_MAP_SHARED,
                      0);
    g_assert_true(p == MAP_FAILED);
    g_assert_cmpint(errno, ==, ENOTSUP);
    errno = 0;
    p = qemu_ram_mmap_resizable(-1, 0, BIG_SIZE, 0, QEMU_MAP_NORESERVE);
    g_assert_true(p == MAP_FAILED);
    g_assert_cmpint(errno, ==, ENOTSUP);

    /* Never charged at mmap: accepted. */
    g_assert_true(qemu_ram_mmap_noreserve_honoured(fd, QEMU_MAP_SHARED));
    g_assert_true(qemu_ram_mmap_noreserve_honoured(-1, QEMU_MAP_READONLY));
    p = qemu_ram_mmap(fd, 4 * psize(), 0,
                      QEMU_MAP_NORESERVE | QEMU_MAP_SHARED, 0);
    g_assert_true(p != MAP_FAILED);
    qemu_ram_munmap(fd, p, 4 * psize());

    /* Modes 0 and 1 honour every kind. */
    qemu_mmap_alloc_set_overcommit_mode_for_test(0);
    g_assert_true(qemu_ram_mmap_noreserve_honoured(-1, 0));
    qemu_mmap_alloc_set_overcommit_mode_for_test(1);
    g_assert_true(qemu_ram_mmap_noreserve_honoured(-1, QEMU_MAP_SHARED));

    qemu_mmap_alloc_set_overcommit_mode_for_test(-1);
    close(fd);
}

/* --- resizable --- */

static void test_resize_aligned_and_guarded(void)
{
    size_t used = 2 * MiB, max = 64 * MiB;
    uint8_t *p = qemu_ram_mmap_resizable(-1, used, max, 2 * MiB,
                                         QEMU_MAP_NORESERVE);

    g_assert_true(p != MAP_FAILED);
    g_assert_cmpuint((uintptr_t)p % (2 * MiB), ==, 0);
    g_assert_false(host_access_segfaults(p + used - 1, true));
    g_assert_true(host_access_segfaults(p + used, false));
    g_assert_true(host_access_segfaults(p + max - 1, true));
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, used, max, max,
                                         QEMU_MAP_NORESERVE), ==, 0);
    g_assert_false(host_access_segfaults(p + max - 1, true));
    /* The guard page behind the full reservation. */
    g_assert_true(host_access_segfaults(p + max, false));
    qemu_ram_munmap(-1, p, max);
}

static void test_resize_grow_keeps_data(void)
{
    size_t used = 1 * MiB, max = 256 * MiB, grown = 128 * MiB;
    uint8_t *p = qemu_ram_mmap_resizable(-1, used, max, 0, 0);
    size_t i;

    g_assert_true(p != MAP_FAILED);
    for (i = 0; i < used; i += psize()) {
        p[i] = (uint8_t)(i / psize() + 1);
    }
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, used, grown, max, 0), ==, 0);
    for (i = 0; i < used; i += psize()) {
        g_assert_cmpuint(p[i], ==, (uint8_t)(i / psize() + 1));
    }
    g_assert_cmpuint(p[grown - 1], ==, 0);
    p[grown - 1] = 9;
    g_assert_true(host_access_segfaults(p + grown, true));
    qemu_ram_munmap(-1, p, max);
}

/*
 * A forked child keeps its own mapping of a shared anonymous object.
 * Returns its pid; it exits 0 if the byte at @addr reads as zero after
 * the parent writes to @go, 1 otherwise.
 */
static pid_t spawn_shmem_witness(uint8_t *addr, int *go)
{
    int fds[2];
    pid_t pid;

    g_assert_cmpint(pipe(fds), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        char c;

        close(fds[1]);
        if (read(fds[0], &c, 1) != 1) {
            _exit(2);
        }
        _exit(*(volatile uint8_t *)addr == 0 ? 0 : 1);
    }
    close(fds[0]);
    *go = fds[1];
    return pid;
}

static void check_shrink(uint32_t flags)
{
    size_t used = 64 * MiB, max = 128 * MiB, small = 8 * MiB;
    uint8_t *p = qemu_ram_mmap_resizable(-1, used, max, 0, flags);
    uint64_t rss_touched, rss_shrunk;
    pid_t witness = -1;
    int go = -1, status;

    g_assert_true(p != MAP_FAILED);
    memset(p, 0xab, used);
    rss_touched = host_rss();
    g_assert_cmpuint(host_resident_pages(p, used), ==, used / psize());
    if (flags & QEMU_MAP_SHARED) {
        witness = spawn_shmem_witness(p + used - 1, &go);
    }

    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, used, small, max, flags),
                    ==, 0);
    rss_shrunk = host_rss();

    /* Below the new size: data intact.  Above: gone and inaccessible. */
    g_assert_cmpuint(p[0], ==, 0xab);
    g_assert_cmpuint(p[small - 1], ==, 0xab);
    g_assert_true(host_access_segfaults(p + small, false));
    g_assert_true(host_access_segfaults(p + used - 1, true));
    g_assert_cmpuint(host_resident_pages(p + small, used - small), ==, 0);
    g_assert_cmpint((int64_t)(rss_touched - rss_shrunk), >,
                    (int64_t)(32 * MiB));
    if (flags & QEMU_MAP_SHARED) {
        /*
         * Unmapping alone would leave the shmem pages alive (the child
         * still maps them and would read 0xab): they must be freed.
         */
        g_assert_cmpint(write(go, "g", 1), ==, 1);
        close(go);
        g_assert_cmpint(waitpid(witness, &status, 0), ==, witness);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    }

    /* Regrown memory reads as zero. */
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, small, used, max, flags),
                    ==, 0);
    g_assert_cmpuint(p[small - 1], ==, 0xab);
    g_assert_cmpuint(p[small], ==, 0);
    g_assert_cmpuint(p[used - 1], ==, 0);
    g_assert_cmpuint(host_resident_pages(p + small, used - small), <=,
                     2 * MiB / psize());
    qemu_ram_munmap(-1, p, max);
}

static void test_resize_shrink_private(void)
{
    check_shrink(0);
}

static void test_resize_shrink_shared(void)
{
    check_shrink(QEMU_MAP_SHARED);
}

static void test_resize_memfd(void)
{
    size_t used = 4 * psize(), max = 64 * psize();
    int fd = test_memfd("mmap-alloc-resize", 0);
    uint8_t *p;
    char c = 0;

    g_assert_cmpint(ftruncate(fd, max), ==, 0);
    p = qemu_ram_mmap_resizable(fd, used, max, 0, QEMU_MAP_SHARED);
    g_assert_true(p != MAP_FAILED);
    g_assert_cmpint(qemu_ram_mmap_resize(p, fd, used, max, max,
                                         QEMU_MAP_SHARED), ==, 0);
    /* The grown part maps the file at the matching offset. */
    p[max - 1] = 'q';
    g_assert_cmpint(pread(fd, &c, 1, max - 1), ==, 1);
    g_assert_cmpint(c, ==, 'q');
    g_assert_cmpint(qemu_ram_mmap_resize(p, fd, max, used, max,
                                         QEMU_MAP_SHARED), ==, 0);
    g_assert_true(host_access_segfaults(p + used, false));
    qemu_ram_munmap(fd, p, max);
    close(fd);
}

static void test_resize_grow_failure_keeps_state(void)
{
    uint64_t ram = host_proc_kb("/proc/meminfo", "MemTotal") * KiB;
    uint64_t swap = host_proc_kb("/proc/meminfo", "SwapTotal") * KiB;
    size_t used = 2 * MiB;
    size_t max = ROUND_UP(2 * (ram + swap), GiB);
    uint8_t *p;
    int ret;

    if (qemu_overcommit_mode() == 1) {
        g_test_skip("overcommit_memory=1: the kernel never refuses commit");
        return;
    }
    p = qemu_ram_mmap_resizable(-1, used, max, 0, 0);
    g_assert_true(p != MAP_FAILED);
    memset(p, 0x3c, used);
    /* More than RAM + swap: refused by the heuristic and strict modes. */
    ret = qemu_ram_mmap_resize(p, -1, used, max, max, 0);
    g_assert_cmpint(ret, ==, -ENOMEM);
    g_assert_cmpuint(p[0], ==, 0x3c);
    g_assert_cmpuint(p[used - 1], ==, 0x3c);
    g_assert_true(host_access_segfaults(p + used, false));
    /* Still usable afterwards. */
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, used, 2 * used, max, 0),
                    ==, 0);
    g_assert_cmpuint(p[2 * used - 1], ==, 0);
    qemu_ram_munmap(-1, p, max);
}

static void test_resize_bad_args(void)
{
    size_t max = 16 * psize();
    uint8_t *p = qemu_ram_mmap_resizable(-1, psize(), max, 0, 0);

    g_assert_true(p != MAP_FAILED);
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, psize(), max + psize(), max,
                                         0), ==, -EINVAL);
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, psize(), psize() + 1, max,
                                         0), ==, -EINVAL);
    g_assert_cmpint(qemu_ram_mmap_resize(p, -1, psize(), psize(), max, 0),
                    ==, 0);
    qemu_ram_munmap(-1, p, max);
    errno = 0;
    g_assert_true(qemu_ram_mmap_resizable(-1, max + psize(), max, 0, 0) ==
                  MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/mmap-alloc/mmap/aligned", test_mmap_aligned);
    g_test_add_func("/mmap-alloc/mmap/guard-page-inaccessible",
                    test_mmap_guard_page);
    g_test_add_func("/mmap-alloc/mmap/readonly", test_mmap_readonly);
    g_test_add_func("/mmap-alloc/mmap/memfd-shared", test_mmap_memfd_shared);
    g_test_add_func("/mmap-alloc/mmap/shared-anonymous",
                    test_mmap_shared_anonymous);
    g_test_add_func("/mmap-alloc/mmap/bad-args", test_mmap_bad_args);
    g_test_add_func("/mmap-alloc/mmap/sync-falls-back",
                    test_mmap_sync_falls_back);
    g_test_add_func("/mmap-alloc/pagesize/hugetlb-memfd",
                    test_pagesize_hugetlb);
    g_test_add_func("/mmap-alloc/pagesize/mempath", test_pagesize_mempath);
    g_test_add_func("/mmap-alloc/noreserve/no-commit-charge",
                    test_noreserve_no_commit_charge);
    g_test_add_func("/mmap-alloc/noreserve/without-flag-charges",
                    test_noreserve_without_flag_charges);
    g_test_add_func("/mmap-alloc/noreserve/not-resident-until-touched",
                    test_noreserve_not_resident_until_touched);
    g_test_add_func("/mmap-alloc/noreserve/refused-when-ignored",
                    test_noreserve_refused_in_mode_never);
    g_test_add_func("/mmap-alloc/resize/aligned-and-guarded",
                    test_resize_aligned_and_guarded);
    g_test_add_func("/mmap-alloc/resize/grow-keeps-data",
                    test_resize_grow_keeps_data);
    g_test_add_func("/mmap-alloc/resize/shrink-private",
                    test_resize_shrink_private);
    g_test_add_func("/mmap-alloc/resize/shrink-shared-anonymous",
                    test_resize_shrink_shared);
    g_test_add_func("/mmap-alloc/resize/memfd", test_resize_memfd);
    g_test_add_func("/mmap-alloc/resize/grow-failure-keeps-state",
                    test_resize_grow_failure_keeps_state);
    g_test_add_func("/mmap-alloc/resize/bad-args", test_resize_bad_args);

    return g_test_run();
}
