/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RAMBlockNotifier: hear about every RAM block that appears, disappears or
 * changes size (e.g. to keep a host-side mapping of guest RAM in sync).
 */
#ifndef EXEC_RAMLIST_H
#define EXEC_RAMLIST_H

#include "exec/ramblock.h"

typedef struct RAMBlockNotifier RAMBlockNotifier;

struct RAMBlockNotifier {
    /* A block was added; [host, host + size) is accessible. */
    void (*ram_block_added)(RAMBlockNotifier *n, void *host, size_t size,
                            size_t max_size);
    /* A block is about to be removed; its memory is still mapped. */
    void (*ram_block_removed)(RAMBlockNotifier *n, void *host, size_t size,
                              size_t max_size);
    /*
     * The used size of a resizable block changes: called after growing
     * (new memory already accessible) and before shrinking (the tail is
     * still accessible).  If a shrink then fails, a second call reports
     * the reverse change (new_size back to old_size).
     */
    void (*ram_block_resized)(RAMBlockNotifier *n, void *host,
                              size_t old_size, size_t new_size);
};

/*
 * Register @n; it is told ram_block_added for every existing block (in
 * offset order) before this returns.  Any callback may be NULL.  @n must
 * stay valid until ram_block_notifier_remove().  Notifiers are called in
 * registration order.
 */
void ram_block_notifier_add(RAMBlockNotifier *n);
/*
 * Unregister @n; it is told ram_block_removed for every existing block
 * (in offset order) before this returns.
 */
void ram_block_notifier_remove(RAMBlockNotifier *n);

#endif /* EXEC_RAMLIST_H */
