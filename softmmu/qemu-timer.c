/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers (qemu/timer.h).  Each clock keeps its armed timers in
 * a list sorted by (deadline, arming order); a host-driven clock has one
 * GLib timeout for its earliest deadline, re-planned whenever the head
 * of the list changes.  The manual virtual clock (qtest) has none: the
 * protocol advances it and runs due timers on the way.
 *
 * Tuned for a few dozen timers (device rate limits, driver back-offs):
 * arming is a linear insert, firing pops the head.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"

struct QEMUTimer {
    QEMUClockType type;
    QEMUTimerCB *cb;
    void *opaque;
    int64_t expire_ns;          /* -1: not armed */
    uint64_t seq;               /* arming order, breaks ties */
};

typedef struct Clock {
    GList *active;              /* QEMUTimer *, sorted */
    guint source;               /* GLib timeout for the head, or 0 */
} Clock;

static Clock clocks[QEMU_CLOCK_MAX];
static bool virtual_manual;
static int64_t virtual_now;     /* manual mode value */
static int64_t virtual_base = -1;   /* host ns at virtual time 0 */
static uint64_t next_seq;

static int64_t host_monotonic_ns(void)
{
    return g_get_monotonic_time() * SCALE_US;
}

int64_t qemu_clock_get_ns(QEMUClockType type)
{
    switch (type) {
    case QEMU_CLOCK_VIRTUAL:
        if (virtual_manual) {
            return virtual_now;
        }
        if (virtual_base < 0) {
            virtual_base = host_monotonic_ns();
        }
        return host_monotonic_ns() - virtual_base;
    case QEMU_CLOCK_HOST:
        return g_get_real_time() * SCALE_US;
    default:
        return host_monotonic_ns();
    }
}

static bool clock_is_manual(QEMUClockType type)
{
    return type == QEMU_CLOCK_VIRTUAL && virtual_manual;
}

static void clock_plan(QEMUClockType type);

/* Pop and run the head of @type's list if due.  True if one ran. */
static bool clock_run_one(QEMUClockType type, int64_t now)
{
    Clock *c = &clocks[type];
    QEMUTimer *ts;

    if (!c->active) {
        return false;
    }
    ts = c->active->data;
    if (ts->expire_ns > now) {
        return false;
    }
    c->active = g_list_delete_link(c->active, c->active);
    ts->expire_ns = -1;
    ts->cb(ts->opaque);
    return true;
}

static gboolean clock_timeout(gpointer opaque)
{
    QEMUClockType type = GPOINTER_TO_INT(opaque);

    clocks[type].source = 0;
    while (clock_run_one(type, qemu_clock_get_ns(type))) {
        /* callbacks may re-arm; keep going while something is due */
    }
    clock_plan(type);
    return G_SOURCE_REMOVE;
}

static void clock_plan(QEMUClockType type)
{
    Clock *c = &clocks[type];
    QEMUTimer *head;
    int64_t delta;

    if (c->source) {
        g_source_remove(c->source);
        c->source = 0;
    }
    if (!c->active || clock_is_manual(type)) {
        return;
    }
    head = c->active->data;
    delta = head->expire_ns - qemu_clock_get_ns(type);
    delta = delta <= 0 ? 0 : (delta + SCALE_MS - 1) / SCALE_MS;
    c->source = g_timeout_add_full(G_PRIORITY_DEFAULT, MIN(delta, G_MAXUINT),
                                   clock_timeout, GINT_TO_POINTER(type),
                                   NULL);
}

QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque)
{
    QEMUTimer *ts = g_new0(QEMUTimer, 1);

    g_assert(type < QEMU_CLOCK_MAX && cb);
    ts->type = type;
    ts->cb = cb;
    ts->opaque = opaque;
    ts->expire_ns = -1;
    return ts;
}

static gint timer_cmp(gconstpointer a, gconstpointer b)
{
    const QEMUTimer *ta = a, *tb = b;

    if (ta->expire_ns != tb->expire_ns) {
        return ta->expire_ns < tb->expire_ns ? -1 : 1;
    }
    return ta->seq < tb->seq ? -1 : ta->seq > tb->seq;
}

void timer_del(QEMUTimer *ts)
{
    Clock *c = &clocks[ts->type];
    bool was_head = c->active && c->active->data == ts;

    if (ts->expire_ns < 0) {
        return;
    }
    c->active = g_list_remove(c->active, ts);
    ts->expire_ns = -1;
    if (was_head) {
        clock_plan(ts->type);
    }
}

void timer_mod_ns(QEMUTimer *ts, int64_t expire_ns)
{
    Clock *c = &clocks[ts->type];

    timer_del(ts);
    ts->expire_ns = MAX(expire_ns, 0);
    ts->seq = next_seq++;
    c->active = g_list_insert_sorted(c->active, ts, timer_cmp);
    if (c->active->data == ts) {
        clock_plan(ts->type);
    }
}

void timer_free(QEMUTimer *ts)
{
    if (ts) {
        timer_del(ts);
        g_free(ts);
    }
}

void qemu_clock_set_virtual_manual(void)
{
    if (virtual_manual) {
        return;
    }
    virtual_now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    virtual_manual = true;
    clock_plan(QEMU_CLOCK_VIRTUAL);
}

int64_t qemu_clock_deadline_ns(QEMUClockType type)
{
    Clock *c = &clocks[type];
    QEMUTimer *head;

    if (!c->active) {
        return -1;
    }
    head = c->active->data;
    return MAX(head->expire_ns - qemu_clock_get_ns(type), 0);
}

int64_t qemu_clock_advance_virtual(int64_t dest)
{
    Clock *c = &clocks[QEMU_CLOCK_VIRTUAL];

    g_assert(virtual_manual);
    while (c->active) {
        QEMUTimer *ts = c->active->data;

        if (ts->expire_ns > dest) {
            break;
        }
        virtual_now = MAX(virtual_now, ts->expire_ns);
        clock_run_one(QEMU_CLOCK_VIRTUAL, virtual_now);
    }
    virtual_now = MAX(virtual_now, dest);
    return virtual_now;
}
