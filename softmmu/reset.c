/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registry of machine reset handlers (see sysemu/reset.h).  A few dozen
 * entries at most, walked on a (rare) reset: a GList is plenty.  The walk
 * tolerates handlers that unregister themselves or others: removal only
 * marks an entry, and marked entries are freed after the walk.
 */
#include "qemu/osdep.h"
#include "sysemu/reset.h"

typedef struct ResetEntry {
    QEMUResetHandler *fn;
    void *opaque;
    bool removed;
} ResetEntry;

static GList *reset_handlers;       /* of ResetEntry, in order */
static unsigned reset_walk_depth;   /* > 0 while qemu_devices_reset runs */

void qemu_register_reset(QEMUResetHandler *fn, void *opaque)
{
    ResetEntry *e = g_new0(ResetEntry, 1);

    e->fn = fn;
    e->opaque = opaque;
    reset_handlers = g_list_append(reset_handlers, e);
}

void qemu_unregister_reset(QEMUResetHandler *fn, void *opaque)
{
    for (GList *l = reset_handlers; l; l = l->next) {
        ResetEntry *e = l->data;

        if (!e->removed && e->fn == fn && e->opaque == opaque) {
            if (reset_walk_depth) {
                e->removed = true;
            } else {
                reset_handlers = g_list_delete_link(reset_handlers, l);
                g_free(e);
            }
            return;
        }
    }
}

static void reset_sweep(void)
{
    GList *l = reset_handlers;

    while (l) {
        GList *next = l->next;
        ResetEntry *e = l->data;

        if (e->removed) {
            reset_handlers = g_list_delete_link(reset_handlers, l);
            g_free(e);
        }
        l = next;
    }
}

void qemu_devices_reset(void)
{
    reset_walk_depth++;
    for (GList *l = reset_handlers; l; l = l->next) {
        ResetEntry *e = l->data;

        if (!e->removed) {
            e->fn(e->opaque);
        }
    }
    if (--reset_walk_depth == 0) {
        reset_sweep();
    }
}
