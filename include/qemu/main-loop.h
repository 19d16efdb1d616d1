/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The big QEMU lock (BQL) and its place in the main loop.
 *
 * Device emulation, the memory API (region graph, FlatViews, listeners,
 * address_space_* accesses) and QOM/QMP state belong to whoever holds the
 * BQL.  The main thread holds it all the time except while it polls for
 * events; a vCPU thread holds it only around the handling of one exit
 * (and while it is parked), never inside KVM_RUN.  Without vCPU threads
 * (qtest, tcg) only the main thread ever takes it, uncontended.
 */
#ifndef QEMU_MAIN_LOOP_H
#define QEMU_MAIN_LOOP_H

#include "qemu/osdep.h"

/* Take the BQL; must not already be held by this thread (asserted). */
void bql_lock(void);

/* Release the BQL, which this thread must hold (asserted). */
void bql_unlock(void);

/* True if the calling thread holds the BQL. */
bool bql_locked(void);

/*
 * Wait on @cond, releasing the BQL while waiting; the BQL is held again
 * when this returns.  Spurious wake-ups happen: re-check the predicate.
 */
void bql_cond_wait(GCond *cond);

/*
 * Make the calling (main) thread the BQL's owner for the rest of the
 * process and hook the default GMainContext so that the BQL is released
 * while the loop polls and held while it dispatches.  Called once, early
 * in qemu_init().
 */
void qemu_main_loop_init_bql(void);

#endif /* QEMU_MAIN_LOOP_H */
