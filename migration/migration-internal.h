/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private interfaces of migration/'s L5 files: transports (transport.c)
 * and the RAM part of the stream (ram.c).
 */
#ifndef MIGRATION_INTERNAL_H
#define MIGRATION_INTERNAL_H

#include "qemu/osdep.h"
#include "migration/stream.h"

/* --- transport.c --- */

/* A connected byte stream: a file descriptor, maybe a child process. */
typedef struct MigChannel {
    int fd;
    GPid child;                 /* exec: the command, or 0 */
    uint64_t bytes;             /* written or read so far */
} MigChannel;

/* Connect to @uri (the source side).  Blocking, bounded by the kernel. */
bool mig_channel_connect(const char *uri, MigChannel *ch, GError **errp);

/*
 * Listen on @uri (the destination side): returns a listening fd to wait
 * on (>= 0) and *@ch unset, or for fd:/exec: an already connected *@ch
 * and -2.  -1 with @errp set on failure.
 */
int mig_channel_listen(const char *uri, MigChannel *ch, GError **errp);

/* Accept one connection on @listen_fd into @ch. */
bool mig_channel_accept(int listen_fd, MigChannel *ch, GError **errp);

/* Close @ch (waits for an exec: child). */
void mig_channel_close(MigChannel *ch);

/*
 * exec: on the source, the stream is delivered only when the command
 * has read it all and exited.  mig_channel_end_output() closes our end
 * (the command sees end of file); mig_channel_wait_exit() blocks until
 * the command exits without reaping it (call it without the big lock:
 * migrate_cancel may still signal the pid); mig_channel_reap() reaps it
 * and fails unless it exited with status 0.  Only for a channel with a
 * child.
 */
void mig_channel_end_output(MigChannel *ch);
void mig_channel_wait_exit(MigChannel *ch);
bool mig_channel_reap(MigChannel *ch, GError **errp);

/* MigWriteFn / MigReadFn over a MigChannel (EINTR retried). */
bool mig_channel_write(void *opaque, const void *buf, size_t len,
                       GError **errp);
bool mig_channel_read(void *opaque, void *buf, size_t len, GError **errp);

/* --- ram.c --- */

/* Source side: one pass over the RAM blocks. */
typedef struct MigRam MigRam;

/* Start dirty logging with every populated page marked.  Big lock held. */
MigRam *mig_ram_setup(void);
/* Stop logging and free.  Big lock held. */
void mig_ram_free(MigRam *ram);
/* Bytes populated (plugged) over all blocks, as of setup. */
uint64_t mig_ram_total(MigRam *ram);
/*
 * Dirty populated bytes now (one walk over populated ranges), after a
 * dirty-log sync that the next pass then starts from instead of syncing
 * again.  Big lock held.
 */
uint64_t mig_ram_remaining(MigRam *ram);
/*
 * The VM stopped (final pass): the next pass must sync again, so that it
 * sees every write made before the stop.  Big lock held.
 */
void mig_ram_sync_before_next_pass(MigRam *ram);
/* Dirty-log syncs so far (query-migrate's dirty-sync-count). */
uint64_t mig_ram_sync_count(MigRam *ram);
/* Pages sent as data / as zero runs so far. */
uint64_t mig_ram_normal_pages(MigRam *ram);
uint64_t mig_ram_zero_pages(MigRam *ram);
/* Pages that were dirtied again after being sent. */
uint64_t mig_ram_dirty_pages(MigRam *ram);

/* Describe the blocks (id, used, max, page size) for the config section. */
void mig_ram_describe(GByteArray *out);
/*
 * Check the config's block list against the local blocks; resizable
 * blocks are not resized here (see mig_ram_prepare).  Errors name the
 * block.  No side effects.
 */
bool mig_ram_check_config(MigCursor *c, GError **errp);
/*
 * Resize the resizable blocks to the source's used lengths (RAM block
 * notifiers told).  After the early device sections are loaded.  Big
 * lock held.
 */
bool mig_ram_prepare(MigCursor *c, GError **errp);

/*
 * Fill @out with the next RAM section payload (dirty pages from the
 * pass cursor on, at most @limit bytes of page data) and its block id in
 * *@id (borrowed).  Clears the bits it takes.  Returns false when the
 * pass is over (cursor rewound for the next pass).  Big lock held.
 */
bool mig_ram_next_chunk(MigRam *ram, GByteArray *out, const char **id,
                        size_t limit);

/*
 * Destination, around the RAM sections (after mig_ram_prepare()): track
 * which pages may hold something other than zeroes, so that zero runs
 * touch nothing else, and have virtio-mem blocks take arriving pages as
 * small pages (no transparent huge page cleared for a few KiB written);
 * _end() drops the tracking and advises huge pages again.  Big lock held.
 */
void mig_ram_incoming_start(void);
void mig_ram_incoming_end(void);

/* Destination: apply one RAM section.  Big lock held. */
bool mig_ram_load_section(const MigSection *sec, GError **errp);

#endif /* MIGRATION_INTERNAL_H */
