/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chardev core: the id registry, the frontend callbacks, and the reading
 * and writing of a connected stream (socket or stdio) on the GLib main
 * loop.
 *
 * Tuned for control traffic: a handful of chardevs, messages of a few
 * bytes to a few MiB.  Reads go through a 64 KiB stack buffer bounded by
 * the frontend's can_read().  Writes go straight to the socket when it
 * takes them; what it does not take is queued (up to 64 MiB per peer) and
 * sent from a G_IO_OUT watch, so a client that stops reading never blocks
 * the main loop.  Order is kept: nothing bypasses a non-empty queue.  The
 * queue costs O(1) per byte however a large reply is cut by the peer's
 * reads (no move per partial send) and gives large capacity back once
 * drained.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <glib-unix.h>
#include "qapi/error.h"
#include "chardev-internal.h"

#define CHR_READ_BUF 65536
#define CHR_OUTBUF_MAX (64 * MiB)       /* queued output per peer */
#define CHR_OUTBUF_KEEP (1 * MiB)       /* capacity kept once drained */
#define CHR_FLUSH_TIMEOUT_MS 1000       /* per chunk, at close */

/* Registered chardevs by id; main loop thread only. */
static GHashTable *chardevs;

static gboolean chr_readable(gint fd, GIOCondition cond, gpointer opaque);

static void chr_watch_input(Chardev *chr)
{
    if (!chr->in_watch && chr->connected) {
        chr->in_watch = g_unix_fd_add(chr->in_fd,
                                      G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chr_readable, chr);
    }
}

static void chr_unwatch_input(Chardev *chr)
{
    if (chr->in_watch) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
}

/* ---- The output queue (see struct Chardev) ---------------------------- */

static size_t chr_out_pending(const Chardev *chr)
{
    return chr->out_len - chr->out_head;
}

/* Drop everything queued and free the storage. */
static void chr_out_free(Chardev *chr)
{
    g_clear_pointer(&chr->out_buf, g_free);
    chr->out_head = chr->out_len = chr->out_cap = 0;
}

/* @n queued bytes were sent. */
static void chr_out_consume(Chardev *chr, size_t n)
{
    chr->out_head += n;
    if (chr->out_head < chr->out_len) {
        return;
    }
    /*
     * Drained: a large response must not keep tens of MiB for the life
     * of the chardev; a small buffer is kept for the next one.
     */
    chr->out_head = chr->out_len = 0;
    if (chr->out_cap > CHR_OUTBUF_KEEP) {
        chr_out_free(chr);
    }
}

static void chr_out_append(Chardev *chr, const uint8_t *buf, size_t n)
{
    size_t pending = chr_out_pending(chr);

    if (chr->out_len + n > chr->out_cap && chr->out_head &&
        chr->out_head >= pending) {
        memmove(chr->out_buf, chr->out_buf + chr->out_head, pending);
        chr->out_moved += pending;
        chr->out_head = 0;
        chr->out_len = pending;
    }
    if (chr->out_len + n > chr->out_cap) {
        chr->out_cap = MAX(MAX(chr->out_cap * 2, chr->out_len + n),
                           4 * KiB);
        chr->out_buf = g_realloc(chr->out_buf, chr->out_cap);
    }
    memcpy(chr->out_buf + chr->out_len, buf, n);
    chr->out_len += n;
}

static void chr_unwatch_output(Chardev *chr)
{
    if (chr->out_watch) {
        g_source_remove(chr->out_watch);
        chr->out_watch = 0;
    }
    chr_out_free(chr);
}

static void chr_send_event(Chardev *chr, QEMUChrEvent event)
{
    if (chr->event) {
        chr->event(chr->opaque, event);
    }
}

void chr_attach_peer(Chardev *chr, int in_fd, int out_fd)
{
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
    chr->connected = true;
    chr_watch_input(chr);
    chr_send_event(chr, CHR_EVENT_OPENED);
}

/* Close the passed descriptors nobody took. */
static void chr_drop_msgfds(Chardev *chr)
{
    for (int i = 0; i < chr->n_msgfds; i++) {
        close(chr->msgfds[i]);
    }
    chr->n_msgfds = 0;
}

/* Keep the descriptors that came with @msg (replacing older ones). */
static void chr_keep_msgfds(Chardev *chr, struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        int n;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        chr_drop_msgfds(chr);
        for (int i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (chr->n_msgfds < CHR_MAX_MSGFDS) {
                chr->msgfds[chr->n_msgfds++] = fd;
            } else {
                close(fd);
            }
        }
    }
}

int qemu_chr_get_msgfd(Chardev *chr)
{
    int fd;

    if (!chr->n_msgfds) {
        return -1;
    }
    fd = chr->msgfds[0];
    chr->n_msgfds--;
    memmove(chr->msgfds, chr->msgfds + 1, chr->n_msgfds * sizeof(int));
    return fd;
}

/* Read from a socket peer, keeping passed descriptors. */
static ssize_t chr_recv(Chardev *chr, int fd, uint8_t *buf, size_t len)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * CHR_MAX_MSGFDS)];
    } ctl;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
    };
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

    if (n > 0 && msg.msg_controllen) {
        chr_keep_msgfds(chr, &msg);
    }
    return n;
}

void chr_detach_peer(Chardev *chr)
{
    if (!chr->connected) {
        return;
    }
    chr_drop_msgfds(chr);
    chr_unwatch_input(chr);
    chr_unwatch_output(chr);
    chr->connected = false;
    if (!chr->is_stdio) {
        close(chr->in_fd);
    }
    chr->in_fd = chr->out_fd = -1;
    chr_send_event(chr, CHR_EVENT_CLOSED);
    if (!chr->is_stdio) {
        chr_socket_peer_gone(chr);
    }
}

static gboolean chr_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[CHR_READ_BUF];
    int want = CHR_READ_BUF;
    ssize_t n;

    if (chr->can_read) {
        want = MIN(chr->can_read(chr->opaque), CHR_READ_BUF);
        if (want <= 0) {
            /* Frontend is full: wait for qemu_chr_accept_input(). */
            chr->in_watch = 0;
            return G_SOURCE_REMOVE;
        }
    }
    n = chr->is_stdio ? read(fd, buf, want) : chr_recv(chr, fd, buf, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        chr->in_watch = 0;
        chr_detach_peer(chr);
        return G_SOURCE_REMOVE;
    }
    if (chr->read) {
        chr->read(chr->opaque, buf, n);
    }
    return G_SOURCE_CONTINUE;
}

/*
 * Write as much of @buf as the peer takes without blocking.
 * Returns: bytes written (possibly 0), or -errno on a dead peer.
 */
static ssize_t chr_try_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n;

        if (chr->is_stdio) {
            n = write(chr->out_fd, buf + done, len - done);
        } else {
            /* A vanished peer must be an EPIPE, not a SIGPIPE. */
            n = send(chr->out_fd, buf + done, len - done,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        done += n;
    }
    return done;
}

/* Send what the peer takes now; false if the peer is dead. */
static bool chr_out_send(Chardev *chr)
{
    ssize_t n = chr_try_write(chr, chr->out_buf + chr->out_head,
                              chr_out_pending(chr));

    if (n < 0) {
        return false;
    }
    chr_out_consume(chr, n);
    return true;
}

static gboolean chr_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;

    if (!chr_out_send(chr)) {
        chr->out_watch = 0;
        chr_detach_peer(chr);
        return G_SOURCE_REMOVE;
    }
    if (chr_out_pending(chr) == 0) {
        chr->out_watch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

int qemu_chr_write_all(Chardev *chr, const uint8_t *buf, int len)
{
    ssize_t done = 0;

    if (!chr->connected) {
        return -ENOTCONN;
    }
    if (chr_out_pending(chr) == 0) {
        done = chr_try_write(chr, buf, len);
        if (done < 0) {
            chr_detach_peer(chr);
            return done;
        }
    }
    if (done == len) {
        return len;
    }
    if (chr_out_pending(chr) + (len - done) > CHR_OUTBUF_MAX) {
        /* The peer stopped reading long ago: drop it, not our memory. */
        chr_detach_peer(chr);
        return -ENOBUFS;
    }
    chr_out_append(chr, buf + done, len - done);
    if (!chr->out_watch) {
        chr->out_watch = g_unix_fd_add(chr->out_fd, G_IO_OUT,
                                       chr_writable, chr);
    }
    return len;
}

/* Before closing: give queued output a bounded chance to leave. */
static void chr_flush(Chardev *chr)
{
    while (chr->connected && chr_out_pending(chr)) {
        struct pollfd pfd = { .fd = chr->out_fd, .events = POLLOUT };
        size_t before = chr_out_pending(chr);

        if (poll(&pfd, 1, CHR_FLUSH_TIMEOUT_MS) <= 0) {
            return;
        }
        if (!chr_out_send(chr) || chr_out_pending(chr) == before) {
            return;
        }
    }
}

void qemu_chr_set_handlers(Chardev *chr, IOCanReadHandler can_read,
                           IOReadHandler read, IOEventHandler event,
                           void *opaque)
{
    chr->can_read = can_read;
    chr->read = read;
    chr->event = event;
    chr->opaque = opaque;
    if (chr->connected) {
        chr_watch_input(chr);
        chr_send_event(chr, CHR_EVENT_OPENED);
    }
}

void qemu_chr_accept_input(Chardev *chr)
{
    chr_watch_input(chr);
}

bool qemu_chr_is_connected(const Chardev *chr)
{
    return chr->connected;
}

Chardev *qemu_chr_find(const char *id)
{
    return chardevs ? g_hash_table_lookup(chardevs, id) : NULL;
}

static bool chr_stdio_open(Chardev *chr, GError **errp)
{
    static bool stdio_in_use;

    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    stdio_in_use = true;
    chr->is_stdio = true;
    /*
     * Non-blocking input only; output stays blocking for the terminal.
     * The flag is shared with whoever else has the file open (the shell),
     * so qemu_chr_delete() puts the old flags back.
     */
    chr->stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
    fcntl(STDIN_FILENO, F_SETFL, chr->stdin_flags | O_NONBLOCK);
    chr_attach_peer(chr, STDIN_FILENO, STDOUT_FILENO);
    return true;
}

Chardev *qemu_chr_new(const ChardevOptions *opts, GError **errp)
{
    Chardev *chr;
    bool ok;

    if (!opts->id || !*opts->id) {
        error_setg(errp, "chardev: no id specified");
        return NULL;
    }
    if (qemu_chr_find(opts->id)) {
        error_setg(errp, "attempt to add duplicate chardev id '%s'",
                   opts->id);
        return NULL;
    }
    if (!opts->backend || (strcmp(opts->backend, "socket") &&
                           strcmp(opts->backend, "stdio"))) {
        error_setg(errp, "'%s' is not a valid char driver name",
                   opts->backend ? opts->backend : "");
        return NULL;
    }
    chr = g_new0(Chardev, 1);
    chr->id = g_strdup(opts->id);
    chr->in_fd = chr->out_fd = chr->listen_fd = -1;
    if (!strcmp(opts->backend, "stdio") && opts->has_fd) {
        error_setg(errp, "chardev: stdio: 'fd' is not supported");
        ok = false;
    } else if (!strcmp(opts->backend, "stdio")) {
        ok = chr_stdio_open(chr, errp);
    } else {
        ok = chr_socket_open(chr, opts, errp);
    }
    if (!ok) {
        g_free(chr->id);
        g_free(chr->path);
        g_free(chr);
        return NULL;
    }
    if (!chardevs) {
        chardevs = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(chardevs, chr->id, chr);
    return chr;
}

void qemu_chr_delete(Chardev *chr)
{
    /* Silence the frontend: it is going away with us. */
    chr->event = NULL;
    chr_flush(chr);
    chr_detach_peer(chr);
    if (!chr->is_stdio) {
        chr_socket_close(chr);
    } else if (chr->stdin_flags >= 0) {
        fcntl(STDIN_FILENO, F_SETFL, chr->stdin_flags);
    }
    g_hash_table_remove(chardevs, chr->id);
    chr_out_free(chr);
    g_free(chr->id);
    g_free(chr->path);
    g_free(chr);
}

static void chardev_info_free(gpointer p)
{
    ChardevInfo *info = p;

    g_free(info->label);
    g_free(info->filename);
    g_free(info);
}

static gint chardev_info_cmp(gconstpointer a, gconstpointer b)
{
    const ChardevInfo *x = *(ChardevInfo *const *)a;
    const ChardevInfo *y = *(ChardevInfo *const *)b;

    return strcmp(x->label, y->label);
}

GPtrArray *qemu_chr_list(void)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(chardev_info_free);
    GHashTableIter iter;
    gpointer val;

    if (!chardevs) {
        return list;
    }
    g_hash_table_iter_init(&iter, chardevs);
    while (g_hash_table_iter_next(&iter, NULL, &val)) {
        Chardev *chr = val;
        ChardevInfo *info = g_new0(ChardevInfo, 1);

        info->label = g_strdup(chr->id);
        if (chr->is_stdio) {
            info->filename = g_strdup("stdio");
        } else {
            info->filename = g_strdup_printf(
                "%sunix:%s%s", chr->connected ? "" : "disconnected:",
                chr->path ? chr->path : "", chr->server ? ",server=on" : "");
        }
        info->frontend_open = chr->read != NULL;
        g_ptr_array_add(list, info);
    }
    g_ptr_array_sort(list, chardev_info_cmp);
    return list;
}

void qemu_chr_cleanup(void)
{
    if (!chardevs) {
        return;
    }
    while (g_hash_table_size(chardevs)) {
        GList *vals = g_hash_table_get_values(chardevs);

        qemu_chr_delete(vals->data);
        g_list_free(vals);
    }
    g_clear_pointer(&chardevs, g_hash_table_unref);
}
