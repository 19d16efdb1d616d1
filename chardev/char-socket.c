/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UNIX socket chardev backend: a client that connects to a path (QEMU's
 * "-chardev socket,path=P" and "-qtest unix:P"), optionally retrying every
 * N seconds after a failure or disconnect, or a server that listens on a
 * path and serves one client at a time ("server=on,wait=off").
 *
 * Plain sockets watched with g_unix_fd_add(): the traffic is one control
 * connection per chardev, so there is nothing for a connection framework
 * to add.
 *
 * A server's socket file is created with mode 0600 whatever the umask
 * (whoever can connect controls the VM).  Before binding, what is at the
 * path is checked: a socket nobody accepts on (left by a process that
 * died) is replaced; a live socket ("Address already in use") or any
 * other kind of file is refused, never removed.  At close the server
 * removes its socket file only if it is still the one it bound.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <glib-unix.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/term-signal.h"
#include "chardev-internal.h"

static bool fill_sockaddr(struct sockaddr_un *sun, const char *path,
                          GError **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", path);
        return false;
    }
    strcpy(sun->sun_path, path);
    return true;
}

/*
 * Fill @sun with @path and create a stream socket for it.  Returns the
 * close-on-exec fd, or -1 with @errp set.
 */
static int socket_new(struct sockaddr_un *sun, const char *path,
                      GError **errp)
{
    int fd;

    if (!fill_sockaddr(sun, path, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
    }
    return fd;
}

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Remove the server's socket file, unless someone replaced it since. */
static void socket_unlink_own(Chardev *chr)
{
    struct stat st;

    if (chr->path && lstat(chr->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
        st.st_dev == chr->sock_dev && st.st_ino == chr->sock_ino) {
        unlink(chr->path);
    }
}

static int socket_connect(const char *path, GError **errp)
{
    struct sockaddr_un sun;
    int fd = socket_new(&sun, path, errp);

    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "Failed to connect to '%s'", path);
        close(fd);
        return -1;
    }
    set_nonblock(fd);
    return fd;
}

static gboolean chr_socket_retry(gpointer opaque);

static void chr_schedule_reconnect(Chardev *chr)
{
    if (chr->reconnect && !chr->reconnect_timer) {
        chr->reconnect_timer = g_timeout_add_seconds(chr->reconnect,
                                                     chr_socket_retry, chr);
    }
}

static gboolean chr_socket_retry(gpointer opaque)
{
    Chardev *chr = opaque;
    int fd = socket_connect(chr->path, NULL);

    if (fd < 0) {
        return G_SOURCE_CONTINUE;
    }
    chr->reconnect_timer = 0;
    chr_attach_peer(chr, fd, fd);
    return G_SOURCE_REMOVE;
}

static gboolean chr_socket_accept(gint fd, GIOCondition cond,
                                  gpointer opaque)
{
    Chardev *chr = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    /* One client at a time: stop listening until it leaves. */
    chr->listen_watch = 0;
    chr_attach_peer(chr, cfd, cfd);
    return G_SOURCE_REMOVE;
}

static void chr_listen_watch(Chardev *chr)
{
    if (!chr->listen_watch) {
        chr->listen_watch = g_unix_fd_add(chr->listen_fd, G_IO_IN,
                                          chr_socket_accept, chr);
    }
}

void chr_socket_peer_gone(Chardev *chr)
{
    if (chr->server && chr->listen_fd >= 0) {
        chr_listen_watch(chr);
    } else if (!chr->server) {
        chr_schedule_reconnect(chr);
    }
}

/*
 * Make room for a listening socket at @path (already in @sun): nothing
 * there is fine; a socket that refuses connections is stale and removed.
 * A socket that takes a connection (or whose backlog is full) belongs to
 * a live server, and anything that is not a socket is not ours to
 * delete: both are errors.
 */
static bool socket_path_free(const char *path, const struct sockaddr_un *sun,
                             GError **errp)
{
    struct stat st;
    int fd, err;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) {
            return true;
        }
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        error_setg(errp, "Failed to bind socket to %s: the path exists and "
                   "is not a socket; not removing it", path);
        return false;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
        return false;
    }
    err = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0 ?
          errno : 0;
    close(fd);
    if (err == 0 || err == EAGAIN) {
        error_setg(errp, "Failed to bind socket to %s: Address already in "
                   "use", path);
        return false;
    }
    if (err != ECONNREFUSED) {
        error_setg_errno(errp, err, "Failed to bind socket to %s", path);
        return false;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        error_setg_errno(errp, errno, "Failed to remove stale socket %s",
                         path);
        return false;
    }
    return true;
}

/*
 * Bind @fd to @sun with the socket file created 0600.  The mode of a
 * socket file comes from the umask at bind() time (fchmod() on the
 * socket does not reach the file), so the umask is narrowed around the
 * call; start-up and the monitor run on the main thread only.
 */
static int bind_private(int fd, const struct sockaddr_un *sun)
{
    mode_t old = umask(0177);
    int ret = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
    int err = errno;

    umask(old);
    errno = err;
    return ret;
}

/*
 * Listen on @chr->path.  The socket is bound under a temporary name next
 * to it and renamed into place once listening, so that the path never
 * names a socket that refuses connections: a client may connect as soon
 * as the file exists.  (A path too long for the temporary name is bound
 * directly.)
 */
static int socket_listen(Chardev *chr, GError **errp)
{
    const char *path = chr->path;
    g_autofree char *tmp = g_strdup_printf("%s.%d~", path, (int)getpid());
    struct sockaddr_un sun, tsun;
    struct stat st;
    bool use_tmp;
    int fd = socket_new(&sun, path, errp);

    if (fd < 0) {
        return -1;
    }
    if (!socket_path_free(path, &sun, errp)) {
        close(fd);
        return -1;
    }
    use_tmp = fill_sockaddr(&tsun, tmp, NULL) &&
              lstat(tmp, &st) < 0 && errno == ENOENT;
    if (bind_private(fd, use_tmp ? &tsun : &sun) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        close(fd);
        return -1;
    }
    if (listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "Failed to listen on socket");
        unlink(use_tmp ? tmp : path);
        close(fd);
        return -1;
    }
    if (use_tmp && rename(tmp, path) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        unlink(tmp);
        close(fd);
        return -1;
    }
    if (lstat(path, &st) == 0) {
        chr->sock_dev = st.st_dev;
        chr->sock_ino = st.st_ino;
    }
    return fd;
}

/*
 * Block until a client connects to @listen_fd (wait=on) and return its
 * fd; -1 with errno on error; -2 if a termination signal arrived first
 * (qemu/term-signal.h), so that SIGTERM at start-up ends the process
 * cleanly instead of being held until a client comes.
 */
static int wait_first_client(int listen_fd)
{
    struct pollfd pfd[2] = {
        { .fd = listen_fd, .events = POLLIN },
        { .fd = qemu_term_signal_fd(), .events = POLLIN },
    };
    int cfd;

    for (;;) {
        if (qemu_term_signal_pending()) {
            return -2;
        }
        if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
            return -1;
        }
        if (!(pfd[0].revents & (POLLIN | POLLERR | POLLHUP))) {
            continue;
        }
        cfd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd >= 0) {
            return cfd;
        }
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
            return -1;
        }
    }
}

static bool chr_server_open(Chardev *chr, bool wait, GError **errp)
{
    chr->listen_fd = socket_listen(chr, errp);
    if (chr->listen_fd < 0) {
        return false;
    }
    if (wait) {
        int cfd;

        info_report("QEMU waiting for connection on: "
                    "disconnected:unix:%s,server=on", chr->path);
        cfd = wait_first_client(chr->listen_fd);
        if (cfd == -2) {
            /* Terminating: the main loop will not run; stop waiting. */
            chr_listen_watch(chr);
            return true;
        }
        if (cfd < 0) {
            error_setg_errno(errp, errno, "Failed to accept a connection");
            chr_socket_close(chr);
            return false;
        }
        set_nonblock(cfd);
        chr_attach_peer(chr, cfd, cfd);
        return true;
    }
    chr_listen_watch(chr);
    return true;
}

/*
 * Check that @fd is a stream socket of the family UNIX, listening iff
 * @listening, and take it over (close-on-exec, non-blocking).
 */
static bool adopt_fd(int fd, bool listening, GError **errp)
{
    int type = 0, domain = 0, acceptconn = 0;
    socklen_t len = sizeof(int);
    struct stat st;

    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "Cannot use file descriptor %d", fd);
        return false;
    }
    if (!S_ISSOCK(st.st_mode) ||
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
        type != SOCK_STREAM || domain != AF_UNIX) {
        error_setg(errp, "File descriptor %d is not a UNIX stream socket",
                   fd);
        return false;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &len) < 0) {
        error_setg_errno(errp, errno, "Cannot use file descriptor %d", fd);
        return false;
    }
    if (!!acceptconn != listening) {
        error_setg(errp, listening ?
                   "File descriptor %d is not a listening socket "
                   "(server=on needs one)" :
                   "File descriptor %d is a listening socket (it needs "
                   "server=on)", fd);
        return false;
    }
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    return true;
}

/* "fd=N": a socket libvirt created, bound and (for a server) listening. */
static bool chr_socket_open_fd(Chardev *chr, const ChardevOptions *opts,
                               GError **errp)
{
    if (opts->path) {
        error_setg(errp, "chardev: socket: 'fd' and 'path' are mutually "
                   "exclusive");
        return false;
    }
    if (opts->reconnect) {
        error_setg(errp, "'reconnect' option is incompatible with 'fd'");
        return false;
    }
    if (!adopt_fd(opts->fd, opts->server, errp)) {
        return false;
    }
    chr->server = opts->server;
    if (!opts->server) {
        set_nonblock(opts->fd);
        chr_attach_peer(chr, opts->fd, opts->fd);
        return true;
    }
    chr->listen_fd = opts->fd;
    if (opts->wait) {
        int cfd;

        do {
            cfd = accept4(chr->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        } while (cfd < 0 && errno == EINTR);
        if (cfd < 0) {
            error_setg_errno(errp, errno, "Failed to accept a connection");
            chr_socket_close(chr);
            return false;
        }
        set_nonblock(cfd);
        chr_attach_peer(chr, cfd, cfd);
        return true;
    }
    chr_listen_watch(chr);
    return true;
}

bool chr_socket_open(Chardev *chr, const ChardevOptions *opts,
                     GError **errp)
{
    int fd;

    if (opts->has_fd) {
        return chr_socket_open_fd(chr, opts, errp);
    }
    if (!opts->path) {
        error_setg(errp, "chardev: socket: no path given");
        return false;
    }
    if (opts->server && opts->reconnect) {
        error_setg(errp, "'reconnect' option is incompatible with socket in "
                   "server listen mode");
        return false;
    }
    chr->path = g_strdup(opts->path);
    chr->server = opts->server;
    if (opts->server) {
        return chr_server_open(chr, opts->wait, errp);
    }
    chr->reconnect = opts->reconnect;
    if (chr->reconnect) {
        /* Retry in the background rather than failing start-up. */
        fd = socket_connect(chr->path, NULL);
        if (fd < 0) {
            chr_schedule_reconnect(chr);
            return true;
        }
    } else {
        fd = socket_connect(chr->path, errp);
        if (fd < 0) {
            return false;
        }
    }
    chr_attach_peer(chr, fd, fd);
    return true;
}

void chr_socket_close(Chardev *chr)
{
    if (chr->reconnect_timer) {
        g_source_remove(chr->reconnect_timer);
        chr->reconnect_timer = 0;
    }
    if (chr->listen_watch) {
        g_source_remove(chr->listen_watch);
        chr->listen_watch = 0;
    }
    if (chr->listen_fd >= 0) {
        close(chr->listen_fd);
        chr->listen_fd = -1;
        socket_unlink_own(chr);
    }
}
