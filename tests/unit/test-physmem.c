/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for softmmu/physmem.c: every kind of RAM block, the ram-address
 * space, resizing (observed through SIGSEGV in forked children, RSS and
 * zeroed memory), notifier ordering, discard per backing (RSS, mincore,
 * st_blocks) and the four discard coordination rules.
 */
#include "qemu/osdep.h"
#include "qemu/mmap-alloc.h"
#include "qemu/bitmap.h"
#include "qapi/error.h"
#include "exec/ramblock.h"
#include "exec/ramlist.h"
#include "host-observe.h"

   /* Evaluate a call that passes &ok_err and must not fail. */
#define OK(call) ({                                  \
        GError *ok_err = NULL;                       \
        __auto_type ok_ret = (call);                 \
        g_assert_no_error(ok_err);                   \
        ok_ret;                                      \
    })

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static size_t psize(void)
{
    return qemu_real_host_page_size();
}

static RAMBlock *alloc_named(ram_addr_t size, uint32_t flags,
                             const char *name)
{
    RAMBlock *rb = OK(qemu_ram_alloc(size, flags, NULL, &ok_err));

    g_assert_true(OK(qemu_ram_set_idstr(rb, name, &ok_err)));
    return rb;
}

/* --- allocation --- */

static void test_alloc_anonymous_private(void)
{
    RAMBlock *rb = alloc_named(4 * MiB + 1, 0, "anon");
    uint8_t *host = qemu_ram_get_host_addr(rb);
    ram_addr_t off = 0;

    g_assert_cmpuint(qemu_ram_get_used_length(rb), ==, 4 * MiB + psize());
    g_assert_cmpuint(qemu_ram_get_max_length(rb), ==, 4 * MiB + psize());
    g_assert_cmpuint(qemu_ram_pagesize(rb), ==, psize());
    g_assert_cmpint(qemu_ram_get_fd(rb), ==, -1);
    g_assert_false(qemu_ram_is_shared(rb));
    g_assert_cmpuint((uintptr_t)host % (2 * MiB), ==, 0);
    host[4 * MiB] = 1;
    g_assert_true(host_access_segfaults(host + 4 * MiB + psize(), true));

    g_assert_true(qemu_ram_block_by_name("anon") == rb);
    g_assert_true(qemu_ram_block_from_ram_addr(qemu_ram_get_offset(rb) +
                                               4 * MiB) == rb);
    g_assert_true(qemu_ram_block_from_host(host + psize() + 5, true, &off) ==
                  rb);
    g_assert_cmpuint(off, ==, psize());
    g_assert_true(qemu_ram_block_from_host(host + psize() + 5, false, &off) ==
                  rb);
    g_assert_cmpuint(off, ==, psize() + 5);
    qemu_ram_free(rb);
    g_assert_null(qemu_ram_block_by_name("anon"));
}

static void test_alloc_anonymous_shared(void)
{
    RAMBlock *rb = alloc_named(2 * MiB, RAM_SHARED, "shared");
    uint8_t *host = qemu_ram_get_host_addr(rb);
    pid_t pid;
    int status;

    g_assert_true(qemu_ram_is_shared(rb));
    pid = fork();
    if (pid == 0) {
        host[123] = 77;
        _exit(0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_cmpuint(host[123], ==, 77);
    qemu_ram_free(rb);
}

static void test_alloc_noreserve(void)
{
    g_autoptr(GError) err = NULL;
    int64_t delta = 0;
    uint64_t before;
    RAMBlock *rb;
    int try;

    for (try = 0; qemu_overcommit_mode() != 2 && try < HOST_COMMIT_TRIES;
         try++) {
        before = host_committed_as();
        rb = OK(qemu_ram_alloc(8 * GiB, RAM_NORESERVE, NULL, &ok_err));
        g_assert_true(qemu_ram_is_noreserve(rb));
        delta = host_committed_as() - before;
        qemu_ram_free(rb);
        if (delta < (int64_t)GiB) {
            break;
        }
        g_test_message("Committed_AS noise? retrying");
    }
    g_assert_cmpint(delta, <, (int64_t)GiB);

    /* Where the kernel would ignore MAP_NORESERVE the block is refused. */
    qemu_mmap_alloc_set_overcommit_mode_for_test(2);
    rb = qemu_ram_alloc(8 * GiB, RAM_NORESERVE, NULL, &err);
    qemu_mmap_alloc_set_overcommit_mode_for_test(-1);
    g_assert_null(rb);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "reserve=off is not supported"));
    g_assert_nonnull(strstr(err->message, "vm.overcommit_memory=2"));
}

/*
 * A resizable block with RAM_NORESERVE: 8 GiB used of 8 GiB reserved is
 * not charged, nor is growing it back after a shrink; the tail is
 * inaccessible after the shrink and reads zero after the growth.
 */
static void test_alloc_resizeable_noreserve(void)
{
    g_autoptr(GError) err = NULL;
    int64_t delta = 0;
    uint64_t before;
    RAMBlock *rb = NULL;
    uint8_t *host;
    int try;

    if (qemu_overcommit_mode() == 2) {
        g_test_skip("vm.overcommit_memory=2 ignores MAP_NORESERVE");
        return;
    }
    for (try = 0; try < HOST_COMMIT_TRIES; try++) {
        before = host_committed_as();
        rb = OK(qemu_ram_alloc_resizeable_flags(8 * GiB, 8 * GiB,
                                                RAM_NORESERVE, NULL, NULL,
                                                &ok_err));
        g_assert_true(qemu_ram_is_noreserve(rb));
        g_assert_true(qemu_ram_is_resizeable(rb));
        g_assert_cmpint(OK(qemu_ram_resize(rb, 2 * MiB, &ok_err)), ==, 0);
        g_assert_cmpint(OK(qemu_ram_resize(rb, 8 * GiB, &ok_err)), ==, 0);
        delta = host_committed_as() - before;
        if (delta < (int64_t)GiB) {
            break;
        }
        qemu_ram_free(rb);
        rb = NULL;
        g_test_message("Committed_AS noise? retrying");
    }
    g_assert_cmpint(delta, <, (int64_t)GiB);
    host = qemu_ram_get_host_addr(rb);
    host[0] = 1;
    g_assert_cmpint(OK(qemu_ram_resize(rb, 2 * MiB, &ok_err)), ==, 0);
    g_assert_cmpuint(qemu_ram_get_used_length(rb), ==, 2 * MiB);
    g_assert_cmpuint(host[0], ==, 1);
    g_assert_true(host_access_segfaults(host + 2 * MiB, false));
    g_assert_cmpint(OK(qemu_ram_resize(rb, 8 * GiB, &ok_err)), ==, 0);
    g_assert_cmpuint(host[8 * GiB - 1], ==, 0);
    qemu_ram_free(rb);

    /* Refused where the kernel would charge it anyway, as plain blocks. */
    qemu_mmap_alloc_set_overcommit_mode_for_test(2);
    rb = qemu_ram_alloc_resizeable_flags(8 * GiB, 8 * GiB, RAM_NORESERVE,
                                         NULL, NULL, &err);
    qemu_mmap_alloc_set_overcommit_mode_for_test(-1);
    g_assert_null(rb);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "reserve=off is not supported"));
}

static void test_alloc_from_fd(void)
{
    int fd = memfd_create("physmem-fd", MFD_CLOEXEC);
    struct stat st;
    RAMBlock *rb;
    uint8_t *host;
    char c = 0;

    g_assert_cmpint(fd, >=, 0);
    rb = OK(qemu_ram_alloc_from_fd(4 * MiB, NULL, RAM_SHARED, fd, 2 * MiB,
                                   &ok_err));
    /* The file was extended to cover offset + size. */
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, 6 * MiB);
    g_assert_cmpint(qemu_ram_get_fd(rb), ==, fd);
    g_assert_cmpuint(rb->fd_offset, ==, 2 * MiB);
    host = qemu_ram_get_host_addr(rb);
    host[5] = 'x';
    g_assert_cmpint(pread(fd, &c, 1, 2 * MiB + 5), ==, 1);
    g_assert_cmpint(c, ==, 'x');
    qemu_ram_free(rb);
    /* The caller still owns the fd. */
    g_assert_cmpint(fcntl(fd, F_GETFD), !=, -1);
    close(fd);
}

static void test_alloc_from_fd_errors(void)
{
    g_autoptr(GError) err = NULL;
    int fd = memfd_create("physmem-fd-err", MFD_CLOEXEC);

    g_assert_null(qemu_ram_alloc_from_fd(4 * MiB, NULL, RAM_SHARED, fd, 5,
                                         &err));
    g_assert_nonnull(strstr(err->message, "not a multiple"));
    g_clear_error(&err);
    g_assert_null(qemu_ram_alloc_from_fd(4 * MiB, NULL,
                                         RAM_SHARED | RAM_READONLY_FD |
                                         RAM_READONLY, fd, 0, &err));
    g_assert_nonnull(strstr(err->message, "read-only"));
    close(fd);
}

static void test_alloc_from_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("physmem-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ram", NULL);
    struct stat st;
    RAMBlock *rb;
    int fd;

    rb = OK(qemu_ram_alloc_from_file(3 * MiB, NULL, RAM_SHARED, path, 0,
                                     &ok_err));
    g_assert_true(rb->flags & RAM_NAMED_FILE);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, 3 * MiB);
    memset(qemu_ram_get_host_addr(rb), 0x11, 3 * MiB);
    fd = qemu_ram_get_fd(rb);
    qemu_ram_free(rb);
    /* The block owned the fd it opened. */
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
    g_assert_cmpint(errno, ==, EBADF);
    unlink(path);
    rmdir(dir);
}

static void test_alloc_from_directory(void)
{
    g_autofree char *dir = g_dir_make_tmp("physmem-XXXXXX", NULL);
    g_autoptr(GDir) d = NULL;
    struct stat st;
    RAMBlock *rb;

    rb = OK(qemu_ram_alloc_from_file(2 * MiB, NULL, RAM_SHARED, dir, 0,
                                     &ok_err));
    g_assert_false(rb->flags & RAM_NAMED_FILE);
    /* The backing file is already unlinked: the directory stays empty. */
    d = g_dir_open(dir, 0, NULL);
    g_assert_null(g_dir_read_name(d));
    g_assert_cmpint(fstat(qemu_ram_get_fd(rb), &st), ==, 0);
    g_assert_cmpuint(st.st_nlink, ==, 0);
    g_assert_cmpuint(st.st_size, ==, 2 * MiB);
    qemu_ram_free(rb);
    rmdir(dir);
}

/*
 * A non-empty file shorter than the size is the user's data: refused in
 * QEMU 7.2's words and left as it was; a longer one keeps its length.
 */
static void test_alloc_from_file_keeps_user_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("physmem-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "user", NULL);
    g_autoptr(GError) err = NULL;
    struct stat st;
    RAMBlock *rb;
    char c = 0;
    int fd = open(path, O_CREAT | O_RDWR, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, "u", 1, MiB - 1), ==, 1);
    close(fd);
    g_assert_null(qemu_ram_alloc_from_file(4 * MiB, NULL, RAM_SHARED, path,
                                           0, &err));
    g_assert_nonnull(strstr(err->message, "backing store size 0x100000 "
                            "does not match 'size' option 0x400000"));
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, MiB);
    /* The file was not created here: it stays. */
    rb = OK(qemu_ram_alloc_from_file(MiB / 2, NULL, RAM_SHARED, path, 0,
                                     &ok_err));
    qemu_ram_free(rb);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, MiB);
    fd = open(path, O_RDONLY);
    g_assert_cmpint(pread(fd, &c, 1, MiB - 1), ==, 1);
    g_assert_cmpint(c, ==, 'u');
    close(fd);
    unlink(path);
    rmdir(dir);
}

static void test_alloc_from_file_missing_dir(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(qemu_ram_alloc_from_file(2 * MiB, NULL, RAM_SHARED,
                                           "/no/such/dir/ram", 0, &err));
    g_assert_nonnull(strstr(err->message, "/no/such/dir/ram"));
}

static void test_alloc_from_ptr(void)
{
    size_t size = 8 * psize();
    uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    RAMBlock *rb;

    g_assert_true(mem != MAP_FAILED);
    rb = OK(qemu_ram_alloc_from_ptr(size, mem, NULL, &ok_err));
    g_assert_true(qemu_ram_get_host_addr(rb) == mem);
    g_assert_true(rb->flags & RAM_PREALLOC);
    qemu_ram_free(rb);
    /* Still the caller's memory. */
    g_assert_false(host_access_segfaults(mem + size - 1, true));
    munmap(mem, size);
}

static void test_alloc_hugetlb(void)
{
    int fd = memfd_create("physmem-huge", MFD_CLOEXEC | MFD_HUGETLB);
    size_t huge;
    RAMBlock *rb;

    if (fd < 0) {
        g_test_skip("cannot create an MFD_HUGETLB memfd (no hugetlbfs)");
        return;
    }
    huge = qemu_fd_getpagesize(fd);
    rb = OK(qemu_ram_alloc_from_fd(huge + 1, NULL, RAM_SHARED | RAM_NORESERVE,
                                   fd, 0, &ok_err));
    g_assert_cmpuint(qemu_ram_pagesize(rb), ==, huge);
    g_assert_cmpuint(qemu_ram_get_used_length(rb), ==, 2 * huge);
    g_assert_cmpuint((uintptr_t)qemu_ram_get_host_addr(rb) % huge, ==, 0);
    qemu_ram_free(rb);

    /* Without NORESERVE the huge pages are reserved at mmap: none free. */
    if (host_proc_kb("/proc/meminfo", "HugePages_Free") == 0) {
        g_autoptr(GError) err = NULL;

        g_assert_null(qemu_ram_alloc_from_fd(huge, NULL, RAM_SHARED, fd, 0,
                                             &err));
        g_assert_nonnull(strstr(err->message, "cannot map"));
    }
    close(fd);
}

static int collect_block(RAMBlock *rb, void *opaque)
{
    g_ptr_array_add(opaque, rb);
    return 0;
}

static void test_alloc_offsets_first_fit(void)
{
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    RAMBlock *a = alloc_named(4 * MiB, 0, "a");
    RAMBlock *b = alloc_named(8 * MiB, 0, "b");
    RAMBlock *c = alloc_named(4 * MiB, 0, "c");
    RAMBlock *d, *e;
    ram_addr_t b_offset = b->offset;
    guint i;

    g_assert_cmpuint(a->offset + a->max_length, <=, b->offset);
    g_assert_cmpuint(b->offset + b->max_length, <=, c->offset);
    qemu_ram_free(b);
    /* The first gap that fits is reused; a larger block goes after. */
    d = alloc_named(2 * MiB, 0, "d");
    g_assert_cmpuint(d->offset, ==, b_offset);
    e = alloc_named(16 * MiB, 0, "e");
    g_assert_cmpuint(e->offset, >=, c->offset + c->max_length);

    qemu_ram_foreach_block(collect_block, order);
    g_assert_cmpuint(order->len, ==, 4);
    for (i = 1; i < order->len; i++) {
        RAMBlock *prev = order->pdata[i - 1], *cur = order->pdata[i];

        g_assert_cmpuint(prev->offset + prev->max_length, <=, cur->offset);
    }
    g_assert_true(qemu_ram_block_from_ram_addr(d->offset + d->max_length) !=
                  d);
    g_assert_true(qemu_ram_block_from_ram_addr(c->offset) == c);
    qemu_ram_free(a);
    qemu_ram_free(c);
    qemu_ram_free(d);
    qemu_ram_free(e);
}

/*
 * A resizable block owns its whole maximum in the ram-address space:
 * the next block starts after max_length, not after used_length, and
 * growing the first block never makes the two overlap.
 */
static void test_alloc_offsets_resizable_reserve_max(void)
{
    RAMBlock *r = OK(qemu_ram_alloc_resizeable(2 * MiB, 64 * MiB, NULL,
                                               NULL, &ok_err));
    RAMBlock *n = alloc_named(2 * MiB, 0, "after-resizable");

    g_assert_cmpuint(r->offset + r->max_length, <=, n->offset);
    g_assert_true(qemu_ram_block_from_ram_addr(r->offset + 32 * MiB) == r);
    g_assert_cmpint(OK(qemu_ram_resize(r, 64 * MiB, &ok_err)), ==, 0);
    g_assert_cmpuint(r->offset + r->used_length, <=, n->offset);
    qemu_ram_free(n);
    qemu_ram_free(r);
}

static void test_alloc_idstr_unique(void)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *a = alloc_named(psize(), 0, "same");
    RAMBlock *b = OK(qemu_ram_alloc(psize(), 0, NULL, &ok_err));

    g_assert_cmpstr(qemu_ram_get_idstr(b), ==, "");
    g_assert_false(qemu_ram_set_idstr(b, "same", &err));
    g_assert_nonnull(strstr(err->message, "already exists"));
    g_assert_true(qemu_ram_set_idstr(b, "other", NULL));
    qemu_ram_free(a);
    qemu_ram_free(b);
}

/* --- resize and notifiers --- */

typedef struct {
    RAMBlockNotifier n;
    GString *log;
    uint8_t *watch;         /* host address to probe during callbacks */
    bool watch_accessible;  /* was it accessible at the last callback? */
    uint8_t watch_value;
} LogNotifier;

static void log_added(RAMBlockNotifier *n, void *host, size_t size,
                      size_t max_size)
{
    LogNotifier *ln = container_of(n, LogNotifier, n);

    g_string_append_printf(ln->log, "add:%zx/%zx;", size, max_size);
}

static void log_removed(RAMBlockNotifier *n, void *host, size_t size,
                        size_t max_size)
{
    LogNotifier *ln = container_of(n, LogNotifier, n);

    g_string_append_printf(ln->log, "del:%zx/%zx;", size, max_size);
}

static void log_resized(RAMBlockNotifier *n, void *host, size_t old_size,
                        size_t new_size)
{
    LogNotifier *ln = container_of(n, LogNotifier, n);

    g_string_append_printf(ln->log, "resize:%zx>%zx;", old_size, new_size);
    if (ln->watch) {
        ln->watch_accessible = !host_access_segfaults(ln->watch, false);
        if (ln->watch_accessible) {
            ln->watch_value = *ln->watch;
        }
    }
}

static GString *resized_log;

static void block_resized(const char *idstr, uint64_t new_length, void *host)
{
    g_string_append_printf(resized_log, "cb:%s:%" PRIx64 ";", idstr,
                           new_length);
}

static void log_notifier_init(LogNotifier *ln)
{
    memset(ln, 0, sizeof(*ln));
    ln->n.ram_block_added = log_added;
    ln->n.ram_block_removed = log_removed;
    ln->n.ram_block_resized = log_resized;
    ln->log = g_string_new("");
}

static void test_resize_keeps_data_and_releases(void)
{
    ram_addr_t used = 64 * MiB, max = 256 * MiB, small = 8 * MiB;
    RAMBlock *rb = OK(qemu_ram_alloc_resizeable(used, max, NULL, NULL,
                                                &ok_err));
    uint8_t *host = qemu_ram_get_host_addr(rb);
    uint64_t rss_full, rss_small;

    g_assert_true(qemu_ram_is_resizeable(rb));
    g_assert_true(host_access_segfaults(host + used, true));
    memset(host, 0x5e, used);
    rss_full = host_rss();

    g_assert_cmpint(OK(qemu_ram_resize(rb, small, &ok_err)), ==, 0);
    rss_small = host_rss();
    g_assert_cmpuint(qemu_ram_get_used_length(rb), ==, small);
    g_assert_cmpuint(host[small - 1], ==, 0x5e);
    g_assert_true(host_access_segfaults(host + small, false));
    g_assert_true(host_access_segfaults(host + used - 1, true));
    g_assert_cmpint((int64_t)(rss_full - rss_small), >, (int64_t)(32 * MiB));

    g_assert_cmpint(OK(qemu_ram_resize(rb, max, &ok_err)), ==, 0);
    g_assert_cmpuint(host[small - 1], ==, 0x5e);
    g_assert_cmpuint(host[small], ==, 0);
    g_assert_cmpuint(host[max - 1], ==, 0);
    g_assert_cmpuint(host_resident_pages(host + used, max - used), <=,
                     2 * MiB / psize());
    qemu_ram_free(rb);
}

static void test_resize_errors(void)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *fixed = alloc_named(4 * MiB, 0, "fixed");
    RAMBlock *rb = OK(qemu_ram_alloc_resizeable(4 * MiB, 8 * MiB, NULL, NULL,
                                                &ok_err));

    g_assert_cmpint(OK(qemu_ram_resize(fixed, 4 * MiB, &ok_err)), ==, 0);
    g_assert_cmpint(qemu_ram_resize(fixed, 8 * MiB, &err), ==, -EINVAL);
    g_assert_nonnull(strstr(err->message, "Size mismatch: fixed"));
    g_clear_error(&err);
    g_assert_cmpint(qemu_ram_resize(rb, 8 * MiB + 1, &err), ==, -EINVAL);
    g_assert_nonnull(strstr(err->message, "Size too large"));
    g_assert_cmpuint(qemu_ram_get_used_length(rb), ==, 4 * MiB);
    g_assert_true(host_access_segfaults(
                      (uint8_t *)qemu_ram_get_host_addr(rb) + 4 * MiB, true));
    g_assert_cmpint(qemu_ram_resize(rb, 0, NULL), ==, -EINVAL);
    g_assert_null(qemu_ram_alloc_resizeable(8 * MiB, 4 * MiB, NULL, NULL,
                                            NULL));
    qemu_ram_free(fixed);
    qemu_ram_free(rb);
}

static void test_notifier_order(void)
{
    ram_addr_t used = 4 * MiB, max = 16 * MiB;
    LogNotifier ln;
    RAMBlock *rb;
    uint8_t *host;

    log_notifier_init(&ln);
    resized_log = ln.log;
    ram_block_notifier_add(&ln.n);
    rb = OK(qemu_ram_alloc_resizeable(used, max, block_resized, NULL,
                                      &ok_err));
    g_assert_true(qemu_ram_set_idstr(rb, "rs", NULL));
    host = qemu_ram_get_host_addr(rb);

    /* Grow: notifiers run when the new memory is already accessible. */
    ln.watch = host + max - 1;
    g_assert_cmpint(OK(qemu_ram_resize(rb, max, &ok_err)), ==, 0);
    g_assert_true(ln.watch_accessible);

    /* Shrink: notifiers run while the old tail is still mapped. */
    host[max - 1] = 0x42;
    g_assert_cmpint(OK(qemu_ram_resize(rb, used, &ok_err)), ==, 0);
    g_assert_true(ln.watch_accessible);
    g_assert_cmpuint(ln.watch_value, ==, 0x42);
    g_assert_true(host_access_segfaults(host + max - 1, false));

    ln.watch = NULL;
    qemu_ram_free(rb);
    ram_block_notifier_remove(&ln.n);
    g_assert_cmpstr(ln.log->str, ==,
                    "add:400000/1000000;"
                    "resize:400000>1000000;cb:rs:1000000;"
                    "resize:1000000>400000;cb:rs:400000;"
                    "del:400000/1000000;");
    g_string_free(ln.log, TRUE);
    resized_log = NULL;
}

static void test_notifier_late_registration(void)
{
    RAMBlock *a = alloc_named(2 * MiB, 0, "late-a");
    RAMBlock *b = alloc_named(4 * MiB, 0, "late-b");
    LogNotifier ln;

    log_notifier_init(&ln);
    ram_block_notifier_add(&ln.n);
    g_assert_cmpstr(ln.log->str, ==, "add:200000/200000;add:400000/400000;");
    g_string_truncate(ln.log, 0);
    ram_block_notifier_remove(&ln.n);
    g_assert_cmpstr(ln.log->str, ==, "del:200000/200000;del:400000/400000;");
    /* Once removed, it hears nothing. */
    g_string_truncate(ln.log, 0);
    qemu_ram_free(a);
    qemu_ram_free(b);
    g_assert_cmpstr(ln.log->str, ==, "");
    g_string_free(ln.log, TRUE);
}

/* --- discard --- */

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
    size_t i;

    for (i = 0; i < len; i += psize()) {
        if (p[i] != v || p[i + psize() - 1] != v) {
            return false;
        }
    }
    return true;
}

static void test_discard_private_anonymous(void)
{
    size_t size = 64 * MiB, half = 32 * MiB;
    RAMBlock *rb = alloc_named(size, 0, "discard-anon");
    uint8_t *host = qemu_ram_get_host_addr(rb);
    uint64_t rss_before;

    memset(host, 0xff, size);
    rss_before = host_rss();
    g_assert_cmpint(ram_block_discard_range(rb, half, half), ==, 0);
    g_assert_cmpint((int64_t)(rss_before - host_rss()), >,
                    (int64_t)(24 * MiB));
    g_assert_cmpuint(host_resident_pages(host + half, half), ==, 0);
    g_assert_true(all_bytes(host + half, half, 0));
    g_assert_true(all_bytes(host, half, 0xff));
    qemu_ram_free(rb);
}

static void test_discard_shared_anonymous(void)
{
    size_t size = 32 * MiB, half = 16 * MiB;
    RAMBlock *rb = alloc_named(size, RAM_SHARED, "discard-shared");
    uint8_t *host = qemu_ram_get_host_addr(rb);

    memset(host, 0xee, size);
    g_assert_cmpint(ram_block_discard_range(rb, 0, half), ==, 0);
    /* MADV_DONTNEED alone would read back the shmem contents. */
    g_assert_true(all_bytes(host, half, 0));
    g_assert_true(all_bytes(host + half, half, 0xee));
    qemu_ram_free(rb);
}

/* Fill @rb, discard its second half, check for zeros and a hole in @fd. */
static void check_file_discard(RAMBlock *rb, int fd)
{
    size_t size = qemu_ram_get_used_length(rb), half = size / 2;
    uint8_t *host = qemu_ram_get_host_addr(rb);
    struct stat before, after;

    memset(host, 0x77, size);
    if (!(rb->flags & RAM_SHARED)) {
        /* Private copies live outside the file: put data there too. */
        g_autofree uint8_t *buf = g_malloc(size);

        memset(buf, 0x66, size);
        g_assert_cmpint(pwrite(fd, buf, size, rb->fd_offset), ==, size);
    }
    g_assert_cmpint(fstat(fd, &before), ==, 0);
    g_assert_cmpint(ram_block_discard_range(rb, half, half), ==, 0);
    g_assert_cmpint(fstat(fd, &after), ==, 0);
    g_assert_cmpint((int64_t)(before.st_blocks - after.st_blocks), >=,
                    (int64_t)(half / 512));
    g_assert_cmpuint(after.st_size, ==, before.st_size);
    g_assert_true(all_bytes(host + half, half, 0));
    g_assert_true(all_bytes(host, half, 0x77));
}

static void test_discard_memfd_hole(void)
{
    int fd = memfd_create("physmem-discard", MFD_CLOEXEC);
    RAMBlock *rb = OK(qemu_ram_alloc_from_fd(16 * MiB, NULL, RAM_SHARED, fd, 0,
                                             &ok_err));

    check_file_discard(rb, fd);
    qemu_ram_free(rb);
    close(fd);
}

static void test_discard_memfd_private(void)
{
    int fd = memfd_create("physmem-discard-priv", MFD_CLOEXEC);
    RAMBlock *rb = OK(qemu_ram_alloc_from_fd(16 * MiB, NULL, 0, fd, 0,
                                             &ok_err));

    check_file_discard(rb, fd);
    qemu_ram_free(rb);
    close(fd);
}

static void test_discard_tmpfs_file(void)
{
    g_autofree char *path = NULL;
    struct statfs fs;
    RAMBlock *rb;

    if (statfs("/dev/shm", &fs) != 0 || fs.f_type != TMPFS_MAGIC) {
        g_test_skip("/dev/shm is not a tmpfs");
        return;
    }
    path = g_strdup_printf("/dev/shm/test-physmem-%d", (int)getpid());
    rb = OK(qemu_ram_alloc_from_file(16 * MiB, NULL, RAM_SHARED, path, 0,
                                     &ok_err));
    unlink(path);
    check_file_discard(rb, qemu_ram_get_fd(rb));
    qemu_ram_free(rb);
}

static void test_discard_hugetlb_alignment(void)
{
    int fd = memfd_create("physmem-discard-huge", MFD_CLOEXEC | MFD_HUGETLB);
    size_t huge;
    RAMBlock *rb;

    if (fd < 0) {
        g_test_skip("cannot create an MFD_HUGETLB memfd (no hugetlbfs)");
        return;
    }
    huge = qemu_fd_getpagesize(fd);
    /* NORESERVE and never touched: works with no huge pages available. */
    rb = OK(qemu_ram_alloc_from_fd(4 * huge, NULL, RAM_SHARED | RAM_NORESERVE,
                                   fd, 0, &ok_err));
    g_assert_cmpint(ram_block_discard_range(rb, psize(), huge), ==, -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, 0, psize()), ==, -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, huge, huge + psize()), ==,
                    -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, huge, 2 * huge), ==, 0);
    qemu_ram_free(rb);
    close(fd);
}

static void test_discard_bad_range(void)
{
    RAMBlock *rb = alloc_named(4 * MiB, 0, "discard-range");
    RAMBlock *rs = OK(qemu_ram_alloc_resizeable(2 * MiB, 8 * MiB, NULL, NULL,
                                                &ok_err));

    g_assert_cmpint(ram_block_discard_range(rb, 1, psize()), ==, -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, 0, 100), ==, -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, 0, 4 * MiB + psize()), ==,
                    -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, 8 * MiB, psize()), ==,
                    -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, UINT64_MAX & ~(psize() - 1),
                                            2 * psize()), ==, -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rb, 0, 0), ==, 0);
    /* Only the used part of a resizable block can be discarded. */
    g_assert_cmpint(ram_block_discard_range(rs, 2 * MiB, psize()), ==,
                    -EINVAL);
    g_assert_cmpint(ram_block_discard_range(rs, 0, 2 * MiB), ==, 0);
    qemu_ram_free(rb);
    qemu_ram_free(rs);
}

/* --- discard coordination: the four rules --- */

typedef enum {
    OP_DISABLE,          /* ram_block_discard_disable */
    OP_UNCOORD_DISABLE,  /* ram_block_uncoordinated_discard_disable */
    OP_REQUIRE,          /* ram_block_discard_require */
    OP_COORD_REQUIRE,    /* ram_block_coordinated_discard_require */
} DiscardOp;

static int discard_op(DiscardOp op, bool state)
{
    switch (op) {
    case OP_DISABLE:
        return ram_block_discard_disable(state);
    case OP_UNCOORD_DISABLE:
        return ram_block_uncoordinated_discard_disable(state);
    case OP_REQUIRE:
        return ram_block_discard_require(state);
    case OP_COORD_REQUIRE:
        return ram_block_coordinated_discard_require(state);
    }
    g_assert_not_reached();
}

/* Hold @held (true), then try @attempt (true): expect @result. */
static const struct {
    DiscardOp held, attempt;
    int result;
} discard_rules[] = {
    /* Plain disable fails if anything requires. */
    { OP_REQUIRE,         OP_DISABLE,         -EBUSY },
    { OP_COORD_REQUIRE,   OP_DISABLE,         -EBUSY },
    { OP_DISABLE,         OP_DISABLE,         0 },
    { OP_UNCOORD_DISABLE, OP_DISABLE,         0 },
    /* Uncoordinated disable fails only if plain require is held. */
    { OP_REQUIRE,         OP_UNCOORD_DISABLE, -EBUSY },
    { OP_COORD_REQUIRE,   OP_UNCOORD_DISABLE, 0 },
    { OP_DISABLE,         OP_UNCOORD_DISABLE, 0 },
    { OP_UNCOORD_DISABLE, OP_UNCOORD_DISABLE, 0 },
    /* Plain require fails if either disable is held. */
    { OP_DISABLE,         OP_REQUIRE,         -EBUSY },
    { OP_UNCOORD_DISABLE, OP_REQUIRE,         -EBUSY },
    { OP_REQUIRE,         OP_REQUIRE,         0 },
    { OP_COORD_REQUIRE,   OP_REQUIRE,         0 },
    /* Coordinated require fails only if plain disable is held. */
    { OP_DISABLE,         OP_COORD_REQUIRE,   -EBUSY },
    { OP_UNCOORD_DISABLE, OP_COORD_REQUIRE,   0 },
    { OP_REQUIRE,         OP_COORD_REQUIRE,   0 },
    { OP_COORD_REQUIRE,   OP_COORD_REQUIRE,   0 },
};

static void check_discard_idle(void)
{
    g_assert_false(ram_block_discard_is_disabled());
    g_assert_false(ram_block_discard_is_required());
}

static void test_discard_rules_table(void)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(discard_rules); i++) {
        DiscardOp held = discard_rules[i].held;
        DiscardOp attempt = discard_rules[i].attempt;
        bool held_disables = held == OP_DISABLE || held == OP_UNCOORD_DISABLE;

        g_test_message("rule %zu: hold %d, attempt %d", i, held, attempt);
        check_discard_idle();
        g_assert_cmpint(discard_op(held, true), ==, 0);
        g_assert_cmpint(ram_block_discard_is_disabled(), ==, held_disables);
        g_assert_cmpint(ram_block_discard_is_required(), ==, !held_disables);
        g_assert_cmpint(discard_op(attempt, true), ==,
                        discard_rules[i].result);
        if (discard_rules[i].result == 0) {
            g_assert_cmpint(discard_op(attempt, false), ==, 0);
        }
        g_assert_cmpint(discard_op(held, false), ==, 0);
        check_discard_idle();
    }
}

static void test_discard_rules_counted(void)
{
    /* Two holders: one release leaves the state in force. */
    g_assert_cmpint(ram_block_discard_disable(true), ==, 0);
    g_assert_cmpint(ram_block_discard_disable(true), ==, 0);
    g_assert_cmpint(ram_block_discard_disable(false), ==, 0);
    g_assert_true(ram_block_discard_is_disabled());
    g_assert_cmpint(ram_block_coordinated_discard_require(true), ==, -EBUSY);
    g_assert_cmpint(ram_block_discard_disable(false), ==, 0);
    g_assert_cmpint(ram_block_coordinated_discard_require(true), ==, 0);
    g_assert_cmpint(ram_block_coordinated_discard_require(false), ==, 0);
    check_discard_idle();
}

/* Migration's dirty log: off costs nothing, on marks exactly the pages. */
static void test_dirty_log_marks_written_pages(void)
{
    RAMBlock *rb = OK(qemu_ram_alloc(64 * MiB, RAM_NORESERVE, NULL,
                                     &ok_err));
    unsigned long pages = 64 * MiB / RAM_DIRTY_PAGE_SIZE;

    qemu_ram_mark_dirty(rb, 0, 4096);           /* logging off: no-op */
    g_assert_null(rb->dirty_bmap);
    qemu_ram_dirty_log_start(rb);
    g_assert_cmpuint(bitmap_count_one(rb->dirty_bmap, pages), ==, 0);
    /* 8 bytes straddling pages 1 and 2, one page at 1 MiB, a zero len. */
    qemu_ram_mark_dirty(rb, 2 * RAM_DIRTY_PAGE_SIZE - 4, 8);
    qemu_ram_mark_dirty(rb, MiB, RAM_DIRTY_PAGE_SIZE);
    qemu_ram_mark_dirty(rb, 5 * MiB, 0);
    g_assert_cmpuint(bitmap_count_one(rb->dirty_bmap, pages), ==, 3);
    g_assert_true(test_bit(1, rb->dirty_bmap));
    g_assert_true(test_bit(2, rb->dirty_bmap));
    g_assert_true(test_bit(MiB / RAM_DIRTY_PAGE_SIZE, rb->dirty_bmap));
    /* Out of the block: ignored, not a crash. */
    qemu_ram_mark_dirty(rb, 64 * MiB - 4, 8);
    g_assert_cmpuint(bitmap_count_one(rb->dirty_bmap, pages), ==, 3);
    qemu_ram_dirty_log_stop(rb);
    g_assert_null(rb->dirty_bmap);
    qemu_ram_free(rb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/physmem/dirty-log/marks-written-pages",
                    test_dirty_log_marks_written_pages);

    g_test_add_func("/physmem/alloc/anonymous-private",
                    test_alloc_anonymous_private);
    g_test_add_func("/physmem/alloc/anonymous-shared",
                    test_alloc_anonymous_shared);
    g_test_add_func("/physmem/alloc/noreserve", test_alloc_noreserve);
    g_test_add_func("/physmem/alloc/resizeable-noreserve",
                    test_alloc_resizeable_noreserve);
    g_test_add_func("/physmem/alloc/from-fd", test_alloc_from_fd);
    g_test_add_func("/physmem/alloc/from-file-keeps-user-file",
                    test_alloc_from_file_keeps_user_file);
    g_test_add_func("/physmem/alloc/from-fd-errors",
                    test_alloc_from_fd_errors);
    g_test_add_func("/physmem/alloc/from-file", test_alloc_from_file);
    g_test_add_func("/physmem/alloc/from-directory",
                    test_alloc_from_directory);
    g_test_add_func("/physmem/alloc/from-file-missing-dir",
                    test_alloc_from_file_missing_dir);
    g_test_add_func("/physmem/alloc/from-ptr", test_alloc_from_ptr);
    g_test_add_func("/physmem/alloc/hugetlb-memfd", test_alloc_hugetlb);
    g_test_add_func("/physmem/alloc/offsets-first-fit",
                    test_alloc_offsets_first_fit);
    g_test_add_func("/physmem/alloc/offsets-cover-resizable-max",
                    test_alloc_offsets_resizable_reserve_max);
    g_test_add_func("/physmem/alloc/idstr-unique", test_alloc_idstr_unique);
    g_test_add_func("/physmem/resize/keeps-data-and-releases",
                    test_resize_keeps_data_and_releases);
    g_test_add_func("/physmem/resize/errors", test_resize_errors);
    g_test_add_func("/physmem/notifier/order-grow-shrink",
                    test_notifier_order);
    g_test_add_func("/physmem/notifier/late-registration",
                    test_notifier_late_registration);
    g_test_add_func("/physmem/discard/private-anonymous",
                    test_discard_private_anonymous);
    g_test_add_func("/physmem/discard/shared-anonymous",
                    test_discard_shared_anonymous);
    g_test_add_func("/physmem/discard/memfd-hole", test_discard_memfd_hole);
    g_test_add_func("/physmem/discard/memfd-private",
                    test_discard_memfd_private);
    g_test_add_func("/physmem/discard/tmpfs-file", test_discard_tmpfs_file);
    g_test_add_func("/physmem/discard/hugetlb-alignment",
                    test_discard_hugetlb_alignment);
    g_test_add_func("/physmem/discard/bad-range", test_discard_bad_range);
    g_test_add_func("/physmem/discard-coordination/rules",
                    test_discard_rules_table);
    g_test_add_func("/physmem/discard-coordination/counted",
                    test_discard_rules_counted);

    return g_test_run();
}
