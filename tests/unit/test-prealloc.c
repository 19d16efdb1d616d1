/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for qemu_prealloc_mem() and the small helpers in util/oslib-posix.c.
 *
 * Every prealloc test runs twice: once on the MADV_POPULATE_WRITE path and
 * once on the page-touching fallback (forced through
 * qemu_prealloc_force_touch_for_testing()).  Residency is observed with
 * mincore(), and that the pages were write-faulted (not just read in) with
 * the dirty counters of /proc/self/smaps.
 */
#include "qemu/osdep.h"
#include "qemu/oslib.h"
#include "qapi/error.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define AREA_SIZE (64 * MiB)

typedef enum {
    BACKING_ANON,       /* MAP_PRIVATE | MAP_ANONYMOUS */
    BACKING_MEMFD,      /* memfd, MAP_SHARED */
    BACKING_SHM_FILE,   /* file on /dev/shm, MAP_SHARED */
} Backing;

typedef struct {
    Backing backing;
    int threads;
    bool touch;
} PreallocCase;

static size_t page_size(void)
{
    return qemu_real_host_page_size();
}

static void set_path(bool touch)
{
    qemu_prealloc_force_touch_for_testing(touch);
}

/* --- observing residency --- */

static size_t count_not_resident(char *area, size_t len)
{
    size_t pages = len / page_size();
    g_autofree unsigned char *vec = g_malloc(pages);
    size_t i, missing = 0;

    g_assert_cmpint(mincore(area, len, vec), ==, 0);
    for (i = 0; i < pages; i++) {
        missing += !(vec[i] & 1);
    }
    return missing;
}

/*
 * Dirty kilobytes (private plus shared) of the mapping that holds @area,
 * from /proc/self/smaps.  A write fault dirties the page; a read fault
 * leaves a file page clean and maps the zero page for anonymous memory.
 */
static uint64_t smaps_dirty_kib(char *area)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    uint64_t dirty = 0;
    bool in_vma = false;
    int i;

    g_assert_true(g_file_get_contents("/proc/self/smaps", &text, NULL,
                                      NULL));
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        unsigned long lo, hi;
        uint64_t kib;

        if (sscanf(lines[i], "%lx-%lx ", &lo, &hi) == 2) {
            if (in_vma) {
                break;
            }
            in_vma = lo <= (uintptr_t)area && (uintptr_t)area < hi;
        } else if (in_vma &&
                   (sscanf(lines[i], "Private_Dirty: %" SCNu64, &kib) == 1 ||
                    sscanf(lines[i], "Shared_Dirty: %" SCNu64, &kib) == 1)) {
            dirty += kib;
        }
    }
    g_assert_true(in_vma);
    return dirty;
}

static void assert_all_resident(char *area, size_t len)
{
    uint64_t dirty = 0;

    g_assert_cmpuint(count_not_resident(area, len), ==, 0);
    /*
     * A page the kernel is migrating (compaction under memory pressure
     * from tests running beside this one) is briefly unmapped and missing
     * from smaps; it comes back with its dirty bit.  Read again a few
     * times before calling a page untouched.
     */
    for (int tries = 0; tries < 20; tries++) {
        dirty = smaps_dirty_kib(area) * KiB;
        if (dirty >= len) {
            break;
        }
        g_usleep(10 * 1000);
    }
    g_assert_cmpuint(dirty, >=, len);
}

/* --- backings --- */

static int open_backing(Backing backing, size_t size)
{
    int fd = -1;

    switch (backing) {
    case BACKING_ANON:
        return -1;
    case BACKING_MEMFD:
        fd = memfd_create("test-prealloc", MFD_CLOEXEC);
        break;
    case BACKING_SHM_FILE: {
        char path[] = "/dev/shm/test-prealloc-XXXXXX";

        fd = mkstemp(path);
        if (fd >= 0) {
            unlink(path);
        }
        break;
    }
    }
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    return fd;
}

static char *map_backing(int fd, size_t size)
{
    char *area;

    if (fd < 0) {
        area = mmap(NULL, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    } else {
        area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    g_assert_true(area != MAP_FAILED);
    return area;
}

static void test_prealloc_resident(const void *opaque)
{
    const PreallocCase *c = opaque;
    g_autoptr(GError) err = NULL;
    int fd = open_backing(c->backing, AREA_SIZE);
    char *area = map_backing(fd, AREA_SIZE);

    g_assert_cmpuint(count_not_resident(area, AREA_SIZE), ==,
                     AREA_SIZE / page_size());
    set_path(c->touch);
    g_assert_true(qemu_prealloc_mem(fd, area, AREA_SIZE, c->threads, &err));
    set_path(false);
    g_assert_null(err);
    assert_all_resident(area, AREA_SIZE);

    munmap(area, AREA_SIZE);
    if (fd >= 0) {
        close(fd);
    }
}

/* Data already in a shared file survives prealloc; holes stay zero. */
static void test_prealloc_keeps_data(const void *opaque)
{
    const PreallocCase *c = opaque;
    g_autoptr(GError) err = NULL;
    size_t half = AREA_SIZE / 2, i;
    g_autofree uint8_t *pattern = g_malloc(half);
    int fd = open_backing(BACKING_SHM_FILE, AREA_SIZE);
    char *area;

    for (i = 0; i < half; i++) {
        pattern[i] = (uint8_t)(i * 7 + (i >> 12) + 1);
    }
    g_assert_cmpint(pwrite(fd, pattern, half, 0), ==, (ssize_t)half);
    area = map_backing(fd, AREA_SIZE);

    set_path(c->touch);
    g_assert_true(qemu_prealloc_mem(fd, area, AREA_SIZE, c->threads, &err));
    set_path(false);
    assert_all_resident(area, AREA_SIZE);

    g_assert_cmpmem(area, half, pattern, half);
    for (i = half; i < AREA_SIZE; i++) {
        if (area[i]) {
            g_assert_cmpuint(i, ==, 0);   /* a hole that is no longer 0 */
        }
    }
    munmap(area, AREA_SIZE);
    close(fd);
}

/* A range that is not page aligned is rounded out to whole pages. */
static void test_prealloc_rounds_out(void)
{
    size_t len = 4 * page_size();
    char *area = map_backing(-1, len);

    g_assert_true(qemu_prealloc_mem(-1, area + page_size() + 1,
                                    page_size(), 1, NULL));
    g_assert_cmpuint(count_not_resident(area, page_size()), ==, 1);
    g_assert_cmpuint(count_not_resident(area + page_size(),
                                        2 * page_size()), ==, 0);
    g_assert_cmpuint(count_not_resident(area + 3 * page_size(),
                                        page_size()), ==, 1);
    g_assert_true(qemu_prealloc_mem(-1, area, 0, 1, NULL));
    munmap(area, len);
}

/* --- failures: hugetlb pool and tmpfs exhausted --- */

static uint64_t meminfo_kib(const char *field)
{
    g_autofree char *text = NULL;
    char *line;

    g_assert_true(g_file_get_contents("/proc/meminfo", &text, NULL, NULL));
    line = strstr(text, field);
    g_assert_nonnull(line);
    return g_ascii_strtoull(line + strlen(field) + 1, NULL, 10);
}

/* Offset of the failing range, parsed back from the error message. */
static uint64_t error_offset(const GError *err)
{
    const char *p = strstr(err->message, "(offset 0x");

    g_assert_nonnull(p);
    return g_ascii_strtoull(p + strlen("(offset 0x"), NULL, 16);
}

static void assert_exhausted_error(const GError *err)
{
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "cannot preallocate memory at 0x"));
    g_assert_nonnull(strstr(err->message, "backing store exhausted"));
}

static void test_prealloc_hugetlb_exhausted(const void *opaque)
{
    const PreallocCase *c = opaque;
    g_autoptr(GError) err = NULL;
    size_t hpage = meminfo_kib("Hugepagesize:") * KiB;
    size_t size = 4 * hpage;
    char *area;
    int fd;

    if (meminfo_kib("HugePages_Free:") > 0) {
        g_test_skip("huge pages are free: cannot test an empty pool");
        return;
    }
    fd = memfd_create("test-prealloc-huge", MFD_CLOEXEC | MFD_HUGETLB);
    if (fd < 0) {
        g_test_skip("memfd_create(MFD_HUGETLB) not supported");
        return;
    }
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    /* NORESERVE: otherwise mmap itself fails for lack of huge pages. */
    area = mmap(NULL, size, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_NORESERVE, fd, 0);
    g_assert_true(area != MAP_FAILED);

    set_path(c->touch);
    g_assert_false(qemu_prealloc_mem(fd, area, size, c->threads, &err));
    set_path(false);
    assert_exhausted_error(err);
    g_assert_cmpuint(error_offset(err) % hpage, ==, 0);
    munmap(area, size);
    close(fd);
}

static void test_prealloc_tmpfs_full(const void *opaque)
{
    const PreallocCase *c = opaque;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_strdup("/tmp/test-prealloc-XXXXXX");
    g_autofree char *path = NULL;
    char *area;
    int fd;

    if (geteuid() != 0) {
        g_test_skip("not root: cannot mount a small tmpfs");
        return;
    }
    /*
     * In a mount namespace of our own the tmpfs cannot outlive the test
     * process, even if an assertion aborts it before the umount.
     */
    if (unshare(CLONE_NEWNS) == 0) {
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    }
    g_assert_nonnull(g_mkdtemp(dir));
    if (mount("tmpfs", dir, "tmpfs", 0, "size=16M") != 0) {
        g_autofree char *why = g_strdup_printf("mount tmpfs: %s",
                                               g_strerror(errno));
        rmdir(dir);
        g_test_skip(why);
        return;
    }
    path = g_build_filename(dir, "ram", NULL);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, AREA_SIZE), ==, 0);
    area = map_backing(fd, AREA_SIZE);

    set_path(c->touch);
    g_assert_false(qemu_prealloc_mem(fd, area, AREA_SIZE, c->threads,
                                     &err));
    set_path(false);
    assert_exhausted_error(err);
    g_test_message("%s", err->message);
    if (c->threads == 1) {
        /* The first page that does not fit lies at about 16 MiB. */
        g_assert_cmpuint(error_offset(err), >=, 8 * MiB);
        g_assert_cmpuint(error_offset(err), <=, 16 * MiB);
    } else {
        /* Threads race for the space: any offset inside the area. */
        g_assert_cmpuint(error_offset(err), <, AREA_SIZE);
    }

    munmap(area, AREA_SIZE);
    close(fd);
    g_assert_cmpint(umount2(dir, MNT_DETACH), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

/* --- the fallback's SIGBUS handler is temporary --- */

static void dummy_sigbus(int sig)
{
}

static void test_touch_restores_sigbus_handler(void)
{
    struct sigaction mine = { .sa_handler = dummy_sigbus }, now, old;
    char *area = map_backing(-1, 4 * page_size());

    sigemptyset(&mine.sa_mask);
    g_assert_cmpint(sigaction(SIGBUS, &mine, &old), ==, 0);
    set_path(true);
    g_assert_true(qemu_prealloc_mem(-1, area, 4 * page_size(), 2, NULL));
    set_path(false);
    g_assert_cmpint(sigaction(SIGBUS, &old, &now), ==, 0);
    g_assert_true(now.sa_handler == dummy_sigbus);
    g_assert_cmpuint(now.sa_flags & SA_SIGINFO, ==, 0);
    munmap(area, 4 * page_size());
}

/* A caller that blocks SIGBUS still has it blocked afterwards. */
static void test_touch_keeps_signal_mask(void)
{
    sigset_t bus, before, after;
    char *area = map_backing(-1, 4 * page_size());

    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    g_assert_cmpint(pthread_sigmask(SIG_BLOCK, &bus, &before), ==, 0);
    set_path(true);
    g_assert_true(qemu_prealloc_mem(-1, area, 4 * page_size(), 1, NULL));
    set_path(false);
    g_assert_cmpint(pthread_sigmask(SIG_SETMASK, &before, &after), ==, 0);
    g_assert_cmpint(sigismember(&after, SIGBUS), ==, 1);
    munmap(area, 4 * page_size());
}

/* --- small helpers --- */

static void test_thp_size(void)
{
    size_t size = qemu_get_thp_size();

    g_assert_cmpuint(size, >=, page_size());
    g_assert_true(is_power_of_2(size));
    g_assert_cmpuint(qemu_get_thp_size(), ==, size);
}

static void test_madvise(void)
{
    char *area = map_backing(-1, page_size());

    area[0] = 1;
    g_assert_cmpint(qemu_madvise(area, page_size(), QEMU_MADV_DONTNEED),
                    ==, 0);
    g_assert_cmpint(area[0], ==, 0);
    g_assert_cmpint(qemu_madvise(area, page_size(), QEMU_MADV_INVALID),
                    ==, -EINVAL);
    g_assert_cmpint(qemu_madvise(area + 1, page_size(), QEMU_MADV_DONTNEED),
                    ==, -EINVAL);
    munmap(area, page_size());
}

/* --- registration --- */

static const char *const backing_names[] = {
    [BACKING_ANON] = "anon-private",
    [BACKING_MEMFD] = "memfd-shared",
    [BACKING_SHM_FILE] = "tmpfs-file",
};

static void add_case(const char *what, Backing backing, int threads,
                     bool touch, GTestDataFunc fn)
{
    PreallocCase *c = g_new(PreallocCase, 1);
    g_autofree char *name = NULL;

    *c = (PreallocCase) {
        .backing = backing, .threads = threads, .touch = touch,
    };
    name = g_strdup_printf("/oslib/prealloc/%s/%s/%d-thread%s",
                           touch ? "touch" : "populate",
                           what ? what : backing_names[backing],
                           threads, threads > 1 ? "s" : "");
    g_test_add_data_func_full(name, c, fn, g_free);
}

int main(int argc, char **argv)
{
    static const int thread_counts[] = { 1, 4 };
    int t, b, i;

    g_test_init(&argc, &argv, NULL);

    for (t = 0; t < 2; t++) {
        for (i = 0; i < (int)G_N_ELEMENTS(thread_counts); i++) {
            int n = thread_counts[i];

            for (b = 0; b < (int)G_N_ELEMENTS(backing_names); b++) {
                add_case(NULL, b, n, t, test_prealloc_resident);
            }
            add_case("shared-file-keeps-data", 0, n, t,
                     test_prealloc_keeps_data);
            add_case("hugetlb-exhausted-fails", 0, n, t,
                     test_prealloc_hugetlb_exhausted);
            add_case("tmpfs-full-fails", 0, n, t, test_prealloc_tmpfs_full);
        }
    }
    g_test_add_func("/oslib/prealloc/rounds-out-to-pages",
                    test_prealloc_rounds_out);
    g_test_add_func("/oslib/prealloc/touch/restores-sigbus-handler",
                    test_touch_restores_sigbus_handler);
    g_test_add_func("/oslib/prealloc/touch/keeps-signal-mask",
                    test_touch_keeps_signal_mask);
    g_test_add_func("/oslib/thp-size/power-of-two", test_thp_size);
    g_test_add_func("/oslib/madvise/returns-errno", test_madvise);
    return g_test_run();
}
