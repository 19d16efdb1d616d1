/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices: byte streams on the GLib main loop.
 *
 * A chardev is a backend (a UNIX socket as client or server, or the
 * process's stdin/stdout) with at most one frontend (the QMP monitor, the
 * qtest server ...).  The frontend installs three callbacks:
 *  - can_read() says how many bytes it accepts now (0 pauses reading until
 *    qemu_chr_accept_input());
 *  - read() receives at most that many bytes;
 *  - event() is told CHR_EVENT_OPENED when a peer is connected (at once if
 *    it already is when the handlers are installed) and CHR_EVENT_CLOSED
 *    when it goes away.
 * All callbacks run in the main loop's thread.  A listening socket serves
 * one client at a time; when the client leaves it accepts the next one.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "qemu/osdep.h"

typedef enum {
    CHR_EVENT_OPENED,
    CHR_EVENT_CLOSED,
} QEMUChrEvent;

typedef int (*IOCanReadHandler)(void *opaque);
typedef void (*IOReadHandler)(void *opaque, const uint8_t *buf, int size);
typedef void (*IOEventHandler)(void *opaque, QEMUChrEvent event);

typedef struct Chardev Chardev;

/* What -chardev / -qmp / -qtest asked for. */
typedef struct ChardevOptions {
    const char *id;         /* required, unique */
    const char *backend;    /* "socket" or "stdio" */
    const char *path;       /* socket: UNIX path */
    bool server;            /* socket: listen instead of connect */
    bool wait;              /* server: block until the first client */
    unsigned reconnect;     /* client: retry every N seconds, 0 = never */
    /*
     * socket: adopt an inherited socket instead of @path (libvirt's
     * "fd=N"): with @server a listening AF_UNIX stream socket, else a
     * connected one.  The chardev owns it from then on.
     */
    bool has_fd;
    int fd;
} ChardevOptions;

/**
 * qemu_chr_new: create a chardev and register it under @opts->id.
 *
 * A client socket connects before this returns (and fails if it cannot,
 * unless @opts->reconnect is set); a server socket binds and listens,
 * replacing a stale socket file at @opts->path.
 *
 * Returns: the chardev (owned by the registry; see qemu_chr_delete()), or
 * NULL with @errp set (duplicate id, unknown backend, socket errors).
 */
Chardev *qemu_chr_new(const ChardevOptions *opts, GError **errp);

/* The chardev registered as @id, or NULL. */
Chardev *qemu_chr_find(const char *id);

/**
 * qemu_chr_set_handlers: attach the frontend (replacing any previous one).
 * Pass all-NULL to detach.  If a peer is already connected, @event is
 * called with CHR_EVENT_OPENED before this returns.
 */
void qemu_chr_set_handlers(Chardev *chr, IOCanReadHandler can_read,
                           IOReadHandler read, IOEventHandler event,
                           void *opaque);

/* Resume reading after can_read() returned 0. */
void qemu_chr_accept_input(Chardev *chr);

/**
 * qemu_chr_get_msgfd: take a descriptor that the peer of a socket chardev
 * passed (SCM_RIGHTS) with the bytes read last (QMP's getfd), the first
 * of them.  The caller owns it.  Call from the frontend's read().
 * Returns: the descriptor, or -1 if none came.
 */
int qemu_chr_get_msgfd(Chardev *chr);

/* True while a peer is connected. */
bool qemu_chr_is_connected(const Chardev *chr);

/**
 * qemu_chr_write_all: send all of @buf to the peer, in order after
 * earlier writes.  Never blocks: what the socket does not take now is
 * queued and sent from the main loop (a chardev being deleted gets a
 * bounded flush first).
 * Returns: @len, or -errno: -ENOTCONN without a peer; on an I/O error or
 * more than 64 MiB queued the peer is dropped (CHR_EVENT_CLOSED).
 */
int qemu_chr_write_all(Chardev *chr, const uint8_t *buf, int len);

/* Close and unregister @chr; a listening socket's file is removed. */
void qemu_chr_delete(Chardev *chr);

/* One chardev as query-chardev describes it. */
typedef struct ChardevInfo {
    char *label;            /* the id */
    char *filename;         /* "stdio", "unix:PATH[,server=on]", with a
                             * "disconnected:" prefix while no peer is */
    bool frontend_open;     /* a frontend (monitor, qtest) is attached */
} ChardevInfo;

/**
 * qemu_chr_list: describe every chardev, sorted by label.
 * Returns: an array of ChardevInfo that frees its elements; caller unrefs.
 */
GPtrArray *qemu_chr_list(void);

/* Delete every chardev (clean shutdown). */
void qemu_chr_cleanup(void);

#endif /* CHARDEV_CHAR_H */
