/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for UNIX socket chardevs (chardev/char.c, chardev/char-socket.c). */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "qapi/error.h"
#include "chardev/char.h"
#include "chardev-internal.h"     /* the output queue's counters */

typedef struct Front {
    int opened;
    int closed;
    GString *data;
} Front;

static int front_can_read(void *opaque)
{
    return 4;   /* small, to exercise partial reads */
}

static void front_read(void *opaque, const uint8_t *buf, int size)
{
    Front *f = opaque;

    g_assert_cmpint(size, <=, 4);
    g_string_append_len(f->data, (const char *)buf, size);
}

static void front_event(void *opaque, QEMUChrEvent event)
{
    Front *f = opaque;

    if (event == CHR_EVENT_OPENED) {
        f->opened++;
    } else {
        f->closed++;
    }
}

static void spin_until(const int *counter, int value)
{
    while (*counter < value) {
        g_main_context_iteration(NULL, true);
    }
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==,
                    0);
    return fd;
}

static char *tmp_sock(const char *name)
{
    g_autofree char *dir = g_dir_make_tmp("chr-XXXXXX", NULL);

    g_assert_nonnull(dir);
    return g_build_filename(dir, name, NULL);
}

static void read_exact(int fd, char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);

        g_assert_cmpint(n, >, 0);
        done += n;
    }
}

static void test_server_serves_clients_in_turn(void)
{
    g_autofree char *path = tmp_sock("s.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "srv", .backend = "socket", .path = path, .server = true,
    };
    Front f = { .data = g_string_new(NULL) };
    g_autoptr(GError) err = NULL;
    Chardev *chr = qemu_chr_new(&o, &err);
    struct stat st;
    char buf[6];
    int fd;

    g_assert_no_error(err);
    g_assert_true(qemu_chr_find("srv") == chr);
    qemu_chr_set_handlers(chr, front_can_read, front_read, front_event, &f);
    g_assert_false(qemu_chr_is_connected(chr));
    g_assert_cmpint(qemu_chr_write_all(chr, (const uint8_t *)"x", 1), ==,
                    -ENOTCONN);

    for (int round = 1; round <= 2; round++) {
        fd = unix_connect(path);
        spin_until(&f.opened, round);
        g_assert_true(qemu_chr_is_connected(chr));
        g_assert_cmpint(write(fd, "hello!", 6), ==, 6);
        while (f.data->len < 6 * (gsize)round) {
            g_main_context_iteration(NULL, true);
        }
        g_assert_cmpint(qemu_chr_write_all(chr, (const uint8_t *)"reply!",
                                           6), ==, 6);
        read_exact(fd, buf, 6);
        g_assert_cmpmem(buf, 6, "reply!", 6);
        close(fd);
        spin_until(&f.closed, round);
    }
    g_assert_cmpstr(f.data->str, ==, "hello!hello!");

    g_assert_cmpint(stat(path, &st), ==, 0);
    qemu_chr_delete(chr);
    g_assert_cmpint(stat(path, &st), ==, -1);
    g_assert_null(qemu_chr_find("srv"));
    g_string_free(f.data, true);
    rmdir(dir);
}

static void test_client_connects(void)
{
    g_autofree char *path = tmp_sock("c.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    ChardevOptions o = { .id = "cli", .backend = "socket", .path = path };
    Front f = { .data = g_string_new(NULL) };
    g_autoptr(GError) err = NULL;
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0), cfd;
    Chardev *chr;
    char buf[3];

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    chr = qemu_chr_new(&o, &err);
    g_assert_no_error(err);
    g_assert_true(qemu_chr_is_connected(chr));
    /* Handlers installed after connecting still hear OPENED. */
    qemu_chr_set_handlers(chr, front_can_read, front_read, front_event, &f);
    g_assert_cmpint(f.opened, ==, 1);
    cfd = accept(lfd, NULL, NULL);
    g_assert_cmpint(qemu_chr_write_all(chr, (const uint8_t *)"abc", 3), ==,
                    3);
    read_exact(cfd, buf, 3);
    g_assert_cmpmem(buf, 3, "abc", 3);
    close(cfd);
    spin_until(&f.closed, 1);
    g_assert_false(qemu_chr_is_connected(chr));
    qemu_chr_delete(chr);
    close(lfd);
    /* A client never removes the path it connected to. */
    g_assert_cmpint(unlink(path), ==, 0);
    g_string_free(f.data, true);
    rmdir(dir);
}

static void test_slow_reader_does_not_block(void)
{
    g_autofree char *path = tmp_sock("q.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "slow", .backend = "socket", .path = path, .server = true,
    };
    Front f = { .data = g_string_new(NULL) };
    Chardev *chr = qemu_chr_new(&o, NULL);
    size_t total = 4 * MiB, got = 0;
    g_autofree uint8_t *pattern = g_malloc(total);
    g_autofree uint8_t *back = g_malloc(total);
    int fd;

    for (size_t i = 0; i < total; i++) {
        pattern[i] = (uint8_t)(i * 7 + i / 4096);
    }
    qemu_chr_set_handlers(chr, front_can_read, front_read, front_event, &f);
    fd = unix_connect(path);
    spin_until(&f.opened, 1);
    /* Far more than a socket buffer, nobody reading: must return. */
    for (size_t off = 0; off < total; off += 64 * KiB) {
        g_assert_cmpint(qemu_chr_write_all(chr, pattern + off, 64 * KiB),
                        ==, 64 * KiB);
    }
    /* Now read it all back, letting the main loop drain the queue. */
    g_unix_set_fd_nonblocking(fd, true, NULL);
    while (got < total) {
        ssize_t n = read(fd, back + got, total - got);

        if (n > 0) {
            got += n;
        } else {
            g_assert_true(n < 0 && errno == EAGAIN);
            g_main_context_iteration(NULL, true);
        }
    }
    g_assert_cmpmem(back, total, pattern, total);
    close(fd);
    qemu_chr_delete(chr);
    g_string_free(f.data, true);
    rmdir(dir);
}

/*
 * A 32 MiB reply queued at once, then drained by a reader taking 64 KiB
 * at a time while small replies keep being appended: the bytes arrive in
 * order, the queue moves at most as many bytes as it sent (no move per
 * partial send, which made a large reply quadratic), and once drained the
 * grown capacity is freed; a small queue's buffer is kept.
 */
static void test_large_reply_linear_and_released(void)
{
    g_autofree char *path = tmp_sock("q.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "big", .backend = "socket", .path = path, .server = true,
    };
    Front f = { .data = g_string_new(NULL) };
    Chardev *chr = qemu_chr_new(&o, NULL);
    const size_t big = 32 * MiB, small = 100;
    size_t total = big, got = 0, appended = 0;
    g_autofree uint8_t *pattern = g_malloc(big + 4096 * small);
    g_autofree uint8_t *back = g_malloc(big + 4096 * small);
    int fd;

    for (size_t i = 0; i < big + 4096 * small; i++) {
        pattern[i] = (uint8_t)(i * 13 + i / 65536);
    }
    qemu_chr_set_handlers(chr, front_can_read, front_read, front_event, &f);
    fd = unix_connect(path);
    spin_until(&f.opened, 1);
    g_assert_cmpint(qemu_chr_write_all(chr, pattern, big), ==, big);
    g_assert_cmpuint(chr->out_len - chr->out_head, >, big / 2);

    g_unix_set_fd_nonblocking(fd, true, NULL);
    while (got < total) {
        ssize_t n = read(fd, back + got, MIN(64 * KiB, total - got));

        if (n > 0) {
            got += n;
        } else {
            g_assert_true(n < 0 && errno == EAGAIN);
            g_main_context_iteration(NULL, true);
        }
        if (appended < 4096 && got > appended * (big / 4096)) {
            g_assert_cmpint(qemu_chr_write_all(chr, pattern + total, small),
                            ==, small);
            total += small;
            appended++;
        }
    }
    g_assert_cmpmem(back, total, pattern, total);
    g_test_message("moved %" PRIu64 " of %zu", chr->out_moved, total);
    g_assert_cmpuint(chr->out_moved, <=, total);
    g_assert_cmpuint(chr->out_len - chr->out_head, ==, 0);
    g_assert_null(chr->out_buf);
    g_assert_cmpuint(chr->out_cap, ==, 0);

    /* 256 KiB queued and drained: the buffer stays for the next reply. */
    g_assert_cmpint(qemu_chr_write_all(chr, pattern, big / 128), ==,
                    big / 128);
    got = 0;
    while (got < big / 128) {
        ssize_t n = read(fd, back + got, big / 128 - got);

        if (n > 0) {
            got += n;
        } else {
            g_main_context_iteration(NULL, true);
        }
    }
    g_assert_cmpmem(back, big / 128, pattern, big / 128);
    while (chr->out_watch) {
        g_main_context_iteration(NULL, true);
    }
    if (chr->out_cap) {
        g_assert_cmpuint(chr->out_cap, <=, 1 * MiB);
        g_assert_nonnull(chr->out_buf);
    }
    close(fd);
    qemu_chr_delete(chr);
    g_string_free(f.data, true);
    rmdir(dir);
}

static void test_client_without_server_fails(void)
{
    ChardevOptions o = {
        .id = "nobody", .backend = "socket", .path = "/nonexistent/x.sock",
    };
    g_autoptr(GError) err = NULL;

    g_assert_null(qemu_chr_new(&o, &err));
    g_assert_nonnull(strstr(err->message,
                            "Failed to connect to '/nonexistent/x.sock'"));
    g_assert_null(qemu_chr_find("nobody"));
}

static void test_duplicate_id_refused(void)
{
    g_autofree char *path = tmp_sock("d.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "dup", .backend = "socket", .path = path, .server = true,
    };
    g_autoptr(GError) err = NULL;
    Chardev *chr = qemu_chr_new(&o, NULL);

    g_assert_nonnull(chr);
    g_assert_null(qemu_chr_new(&o, &err));
    g_assert_cmpstr(err->message, ==,
                    "attempt to add duplicate chardev id 'dup'");
    qemu_chr_cleanup();
    g_assert_cmpint(access(path, F_OK), ==, -1);
    rmdir(dir);
}

/* Issue 15 item 9: the socket file is 0600 whatever the umask. */
static void test_server_socket_private(void)
{
    g_autofree char *path = tmp_sock("p.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "priv", .backend = "socket", .path = path, .server = true,
    };
    mode_t old = umask(0);
    Chardev *chr = qemu_chr_new(&o, NULL);
    struct stat st;

    g_assert_cmpint(umask(old), ==, 0);     /* put back as it was */
    g_assert_nonnull(chr);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    qemu_chr_delete(chr);
    rmdir(dir);
}

/* A file that is not a socket is in the way: refused, left alone. */
static void test_server_keeps_other_files(void)
{
    g_autofree char *path = tmp_sock("f.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "file", .backend = "socket", .path = path, .server = true,
    };
    g_autoptr(GError) err = NULL;
    g_autofree char *contents = NULL;

    g_assert_true(g_file_set_contents(path, "precious", -1, NULL));
    g_assert_null(qemu_chr_new(&o, &err));
    g_assert_nonnull(strstr(err->message, "is not a socket"));
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "precious");
    g_assert_null(qemu_chr_find("file"));
    unlink(path);
    rmdir(dir);
}

static int listen_at(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

/*
 * Someone else's live socket is not taken over ("Address already in
 * use"); a stale one (its server gone) is replaced.
 */
static void test_server_live_and_stale_sockets(void)
{
    g_autofree char *path = tmp_sock("l.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "live", .backend = "socket", .path = path, .server = true,
    };
    g_autoptr(GError) err = NULL;
    int other = listen_at(path);
    Chardev *chr;
    int fd;
    g_autofree char *in_use = g_strdup_printf(
        "Failed to bind socket to %s: Address already in use", path);

    g_assert_null(qemu_chr_new(&o, &err));
    g_assert_cmpstr(err->message, ==, in_use);
    /* the other server still has its socket: a client reaches it */
    fd = unix_connect(path);
    close(fd);
    close(other);                   /* now it is stale */
    chr = qemu_chr_new(&o, NULL);
    g_assert_nonnull(chr);
    qemu_chr_delete(chr);
    g_assert_cmpint(access(path, F_OK), ==, -1);
    rmdir(dir);
}

/* At close, a socket file that is no longer ours is left alone. */
static void test_server_close_keeps_replaced_file(void)
{
    g_autofree char *path = tmp_sock("r.sock");
    g_autofree char *dir = g_path_get_dirname(path);
    ChardevOptions o = {
        .id = "repl", .backend = "socket", .path = path, .server = true,
    };
    Chardev *chr = qemu_chr_new(&o, NULL);
    int other;

    g_assert_nonnull(chr);
    g_assert_cmpint(unlink(path), ==, 0);
    other = listen_at(path);
    qemu_chr_delete(chr);
    g_assert_cmpint(access(path, F_OK), ==, 0);
    close(other);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/socket/server-serves-clients-in-turn",
                    test_server_serves_clients_in_turn);
    g_test_add_func("/chardev/socket/client-connects",
                    test_client_connects);
    g_test_add_func("/chardev/socket/slow-reader-does-not-block",
                    test_slow_reader_does_not_block);
    g_test_add_func("/chardev/socket/large-reply-linear-and-released",
                    test_large_reply_linear_and_released);
    g_test_add_func("/chardev/socket/client-without-server-fails",
                    test_client_without_server_fails);
    g_test_add_func("/chardev/socket/duplicate-id-refused",
                    test_duplicate_id_refused);
    g_test_add_func("/chardev/socket/server-socket-private",
                    test_server_socket_private);
    g_test_add_func("/chardev/socket/server-keeps-other-files",
                    test_server_keeps_other_files);
    g_test_add_func("/chardev/socket/server-live-and-stale-sockets",
                    test_server_live_and_stale_sockets);
    g_test_add_func("/chardev/socket/server-close-keeps-replaced-file",
                    test_server_close_keeps_replaced_file);
    return g_test_run();
}
