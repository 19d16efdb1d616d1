/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration transports: turning a URI into a connected file descriptor,
 * as QEMU spells them: unix:PATH, tcp:HOST:PORT, fd:N (an inherited
 * descriptor number) or fd:NAME (one passed to the monitor running the
 * command with getfd, libvirt's way; the channel takes it over) and
 * exec:CMD (sh -c CMD; the source writes to its
 * stdin, the destination reads its stdout).  Blocking descriptors: the
 * migration threads own them and never run on the main loop.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "monitor/qmp.h"
#include "migration/migration.h"
#include "migration-internal.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

bool migration_check_uri(const char *uri, GError **errp)
{
    const char *rest;

    if (g_str_has_prefix(uri, "unix:")) {
        rest = uri + 5;
        if (!*rest || strlen(rest) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            error_setg(errp, "Invalid socket path '%s'", rest);
            return false;
        }
        return true;
    }
    if (g_str_has_prefix(uri, "tcp:")) {
        rest = strrchr(uri + 4, ':');
        if (!rest || rest == uri + 4 || !rest[1]) {
            error_setg(errp, "error parsing address '%s'", uri + 4);
            return false;
        }
        return true;
    }
    if (g_str_has_prefix(uri, "fd:")) {
        uint64_t n;

        /* A number, or a getfd name (which cannot start with a digit). */
        if (!uri[3] || (g_ascii_isdigit(uri[3]) &&
                        (qemu_strtou64(uri + 3, NULL, 10, &n) ||
                         n > INT_MAX))) {
            error_setg(errp, "File descriptor named '%s' has not been found",
                       uri + 3);
            return false;
        }
        return true;
    }
    if (g_str_has_prefix(uri, "exec:")) {
        if (!uri[5]) {
            error_setg(errp, "exec: needs a command");
            return false;
        }
        return true;
    }
    error_setg(errp, "unknown migration protocol: %s", uri);
    return false;
}

static bool unix_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

static struct addrinfo *tcp_resolve(const char *hostport, bool passive,
                                    GError **errp)
{
    g_autofree char *host = g_strdup(hostport);
    char *port = strrchr(host, ':');
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res;
    int rc;

    *port++ = 0;
    if (host[0] == '[') {       /* [::1]:4444 */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }
    rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (rc) {
        error_setg(errp, "address resolution failed for %s: %s", hostport,
                   gai_strerror(rc));
        return NULL;
    }
    return res;
}

static bool exec_spawn(const char *cmd, bool source, MigChannel *ch,
                       GError **errp)
{
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    int in = -1, out = -1;

    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &ch->child, source ? &in : NULL,
                                  source ? NULL : &out, NULL, errp)) {
        return false;
    }
    ch->fd = source ? in : out;
    return true;
}

bool mig_channel_connect(const char *uri, MigChannel *ch, GError **errp)
{
    memset(ch, 0, sizeof(*ch));
    ch->fd = -1;
    if (!migration_check_uri(uri, errp)) {
        return false;
    }
    if (g_str_has_prefix(uri, "unix:")) {
        struct sockaddr_un sa;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        unix_addr(uri + 5, &sa);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            error_setg_errno(errp, errno, "Failed to connect to '%s'",
                             uri + 5);
            if (fd >= 0) {
                close(fd);
            }
            return false;
        }
        ch->fd = fd;
        return true;
    }
    if (g_str_has_prefix(uri, "tcp:")) {
        struct addrinfo *res = tcp_resolve(uri + 4, false, errp), *ai;
        int err = 0;

        if (!res) {
            return false;
        }
        for (ai = res; ai && ch->fd < 0; ai = ai->ai_next) {
            int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);

            if (fd >= 0 && !connect(fd, ai->ai_addr, ai->ai_addrlen)) {
                ch->fd = fd;
            } else {
                err = errno;
                if (fd >= 0) {
                    close(fd);
                }
            }
        }
        freeaddrinfo(res);
        if (ch->fd < 0) {
            error_setg_errno(errp, err, "Failed to connect to '%s'",
                             uri + 4);
            return false;
        }
        return true;
    }
    if (g_str_has_prefix(uri, "fd:")) {
        int fd;

        if (!g_ascii_isdigit(uri[3])) {
            fd = monitor_take_fd(uri + 3, errp);
            if (fd < 0) {
                return false;
            }
            /* The threads block on it, whatever the sender's mode. */
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            ch->fd = fd;
            return true;
        }
        fd = atoi(uri + 3);
        if (fcntl(fd, F_GETFD) < 0) {
            error_setg(errp, "File descriptor named '%s' has not been found",
                       uri + 3);
            return false;
        }
        ch->fd = fd;
        return true;
    }
    return exec_spawn(uri + 5, true, ch, errp);
}

int mig_channel_listen(const char *uri, MigChannel *ch, GError **errp)
{
    int fd = -1;

    memset(ch, 0, sizeof(*ch));
    ch->fd = -1;
    if (!migration_check_uri(uri, errp)) {
        return -1;
    }
    if (g_str_has_prefix(uri, "fd:")) {
        if (!mig_channel_connect(uri, ch, errp)) {
            return -1;
        }
        return -2;
    }
    if (g_str_has_prefix(uri, "exec:")) {
        return exec_spawn(uri + 5, false, ch, errp) ? -2 : -1;
    }
    if (g_str_has_prefix(uri, "unix:")) {
        struct sockaddr_un sa;

        unix_addr(uri + 5, &sa);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unlink(uri + 5);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
            listen(fd, 1)) {
            error_setg_errno(errp, errno, "Failed to bind socket to '%s'",
                             uri + 5);
            goto fail;
        }
        return fd;
    } else {
        struct addrinfo *res = tcp_resolve(uri + 4, true, errp);
        int one = 1;

        if (!res) {
            return -1;
        }
        fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        }
        if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) ||
            listen(fd, 1)) {
            error_setg_errno(errp, errno, "Failed to bind socket to '%s'",
                             uri + 4);
            freeaddrinfo(res);
            goto fail;
        }
        freeaddrinfo(res);
        return fd;
    }
fail:
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

bool mig_channel_accept(int listen_fd, MigChannel *ch, GError **errp)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        error_setg_errno(errp, errno, "migration: accept failed");
        return false;
    }
    memset(ch, 0, sizeof(*ch));
    ch->fd = fd;
    return true;
}

void mig_channel_close(MigChannel *ch)
{
    if (ch->fd >= 0) {
        close(ch->fd);
        ch->fd = -1;
    }
    if (ch->child) {
        waitpid(ch->child, NULL, 0);
        g_spawn_close_pid(ch->child);
        ch->child = 0;
    }
}

void mig_channel_end_output(MigChannel *ch)
{
    if (ch->fd >= 0) {
        close(ch->fd);
        ch->fd = -1;
    }
}

void mig_channel_wait_exit(MigChannel *ch)
{
    siginfo_t si;

    /* WNOWAIT: the pid stays ours (migrate_cancel may still signal it). */
    while (waitid(P_PID, ch->child, &si, WEXITED | WNOWAIT) < 0 &&
           errno == EINTR) {
    }
}

bool mig_channel_reap(MigChannel *ch, GError **errp)
{
    int status = 0;
    pid_t pid = ch->child;

    ch->child = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            error_setg_errno(errp, errno, "migration: exec: waitpid");
            g_spawn_close_pid(pid);
            return false;
        }
    }
    g_spawn_close_pid(pid);
    if (WIFSIGNALED(status)) {
        error_setg(errp, "migration: exec: the command was killed by "
                   "signal %d", WTERMSIG(status));
        return false;
    }
    if (WEXITSTATUS(status)) {
        error_setg(errp, "migration: exec: the command exited with "
                   "status %d", WEXITSTATUS(status));
        return false;
    }
    return true;
}

bool mig_channel_write(void *opaque, const void *buf, size_t len,
                       GError **errp)
{
    MigChannel *ch = opaque;
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(ch->fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg_errno(errp, n < 0 ? errno : EPIPE,
                             "migration: write failed");
            return false;
        }
        p += n;
        len -= n;
        ch->bytes += n;
    }
    return true;
}

bool mig_channel_read(void *opaque, void *buf, size_t len, GError **errp)
{
    MigChannel *ch = opaque;
    uint8_t *p = buf;

    while (len) {
        ssize_t n = read(ch->fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error_setg_errno(errp, errno, "migration: read failed");
            return false;
        }
        if (n == 0) {
            error_setg(errp, "migration: the stream ended early "
                       "(connection closed)");
            return false;
        }
        p += n;
        len -= n;
        ch->bytes += n;
    }
    return true;
}
