/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The big QEMU lock (qemu/main-loop.h): one mutex serialising device
 * emulation between the main loop and vCPU threads.  The main thread
 * keeps it except inside poll(): GLib's poll function is wrapped so that
 * the lock is dropped exactly while the thread sleeps and taken again
 * before any source is dispatched.  vCPU threads take it only to handle
 * an exit, so the lock is held briefly and never across KVM_RUN.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"

static GMutex bql;
static __thread bool bql_held;
static GPollFunc glib_poll;

void bql_lock(void)
{
    g_assert(!bql_held);
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

void bql_cond_wait(GCond *cond)
{
    g_assert(bql_held);
    bql_held = false;
    g_cond_wait(cond, &bql);
    bql_held = true;
}

/* GLib's poll with the BQL released around it. */
static gint poll_without_bql(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    bql_unlock();
    ret = glib_poll(fds, nfds, timeout);
    bql_lock();
    return ret;
}

void qemu_main_loop_init_bql(void)
{
    GMainContext *ctx = g_main_context_default();

    g_assert(!glib_poll);
    bql_lock();
    glib_poll = g_main_context_get_poll_func(ctx);
    g_main_context_set_poll_func(ctx, poll_without_bql);
}
