/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the chardev core and its backends; not a public API. */
#ifndef CHARDEV_INTERNAL_H
#define CHARDEV_INTERNAL_H

#include "chardev/char.h"

#define CHR_MAX_MSGFDS 16

struct Chardev {
    char *id;
    /* The connected stream: both -1 while no peer is connected. */
    int in_fd;
    int out_fd;
    guint in_watch;             /* g_unix_fd_add source on in_fd, or 0 */
    guint out_watch;            /* G_IO_OUT source while output queued */
    /*
     * Output the peer has not taken yet: out_buf[out_head, out_len) of
     * out_cap bytes.  Sending advances out_head (no move); the pending
     * bytes move to the front only when an append needs the room and at
     * least as many bytes were sent as are pending, so each queued byte
     * moves at most once on average.  Drained, a capacity above
     * CHR_OUTBUF_KEEP is freed.  out_moved counts the bytes moved (for
     * tests).
     */
    uint8_t *out_buf;
    size_t out_head, out_len, out_cap;
    uint64_t out_moved;
    bool connected;
    /*
     * Descriptors the peer passed (SCM_RIGHTS) with the bytes read last,
     * until the frontend takes them (qemu_chr_get_msgfd()); the next
     * read that brings descriptors, or the peer leaving, closes them.
     */
    int msgfds[CHR_MAX_MSGFDS];
    int n_msgfds;

    IOCanReadHandler can_read;
    IOReadHandler read;
    IOEventHandler event;
    void *opaque;

    /* socket backend */
    char *path;
    bool server;
    int listen_fd;              /* -1 unless a server */
    dev_t sock_dev;             /* server: the socket file we bound, */
    ino_t sock_ino;             /* removed at close only if still ours */
    guint listen_watch;
    unsigned reconnect;         /* seconds, client only */
    guint reconnect_timer;
    bool is_stdio;
    int stdin_flags;            /* stdio: F_GETFL of stdin before us */
};

/* Make @in_fd/@out_fd the connected peer and tell the frontend. */
void chr_attach_peer(Chardev *chr, int in_fd, int out_fd);

/* Drop the peer (closing socket fds), tell the frontend. */
void chr_detach_peer(Chardev *chr);

bool chr_socket_open(Chardev *chr, const ChardevOptions *opts,
                     GError **errp);
void chr_socket_peer_gone(Chardev *chr);
void chr_socket_close(Chardev *chr);

#endif /* CHARDEV_INTERNAL_H */
