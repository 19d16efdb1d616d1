/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and one-shot timers for device emulation.
 *
 * QEMU_CLOCK_REALTIME is host monotonic time.  QEMU_CLOCK_VIRTUAL is
 * guest time: it follows the host (from 0 at start-up) unless the qtest
 * accelerator made it manual, in which case it moves only when the qtest
 * protocol says so (clock_step / clock_set) and timers fire during that
 * step, in deadline order, each seeing the clock at its own deadline.
 * QEMU_CLOCK_HOST is wall-clock time.  All values are int64 nanoseconds.
 *
 * Timers fire from the GLib main loop (host-driven clocks) or from
 * qemu_clock_advance_virtual() (manual virtual clock); callbacks run on
 * the main loop thread and may re-arm or delete any timer, their own
 * included.
 */
#ifndef QEMU_TIMER_H
#define QEMU_TIMER_H

#include "qemu/osdep.h"

typedef enum {
    QEMU_CLOCK_REALTIME,
    QEMU_CLOCK_VIRTUAL,
    QEMU_CLOCK_HOST,
    QEMU_CLOCK_MAX,
} QEMUClockType;

#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

typedef void QEMUTimerCB(void *opaque);
typedef struct QEMUTimer QEMUTimer;

/* The current time of @type in nanoseconds. */
int64_t qemu_clock_get_ns(QEMUClockType type);

static inline int64_t qemu_clock_get_ms(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_MS;
}

static inline int64_t qemu_clock_get_us(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_US;
}

/* A new, unarmed timer on @type.  Free with timer_free(). */
QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque);

/*
 * Arm @ts to fire once when its clock reaches @expire_ns nanoseconds;
 * re-arming replaces the previous expiry.  A time in the
 * past fires at the next opportunity (main loop iteration or step).
 */
void timer_mod_ns(QEMUTimer *ts, int64_t expire_ns);

/* Disarm; no-op if not armed. */
void timer_del(QEMUTimer *ts);

/* Disarm and free; NULL is ignored. */
void timer_free(QEMUTimer *ts);

/* ---- Manual virtual clock (qtest accelerator) ------------------- */

/*
 * From now on the virtual clock moves only through
 * qemu_clock_advance_virtual(); it keeps its current value.
 */
void qemu_clock_set_virtual_manual(void);

/*
 * Nanoseconds from now until the earliest armed timer on @type, 0 if
 * one is already due, -1 if none is armed.
 */
int64_t qemu_clock_deadline_ns(QEMUClockType type);

/*
 * Manual clock: run every virtual timer due at or before @dest in
 * deadline order (ties: arming order), setting the clock to each
 * deadline before its callback, then set the clock to @dest.  @dest
 * below the current value only runs due timers.  Returns the new clock.
 */
int64_t qemu_clock_advance_virtual(int64_t dest);

#endif /* QEMU_TIMER_H */
