/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines between devices: a qemu_irq is one input line of some
 * device (a handler, an opaque pointer and the line number).  A source
 * calls qemu_set_irq(irq, level); the handler sees (opaque, n, level).
 * Levels are 0 (low) or 1 (high); sources call it on every change and may
 * repeat a level.  The qtest server intercepts lines by swapping their
 * handler (qemu_irq_intercept), so every device input that a test may
 * watch must be a qemu_irq.  Main loop thread only.
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include "qemu/osdep.h"

typedef struct IRQState *qemu_irq;

typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

/*
 * A new line delivering to @handler(@opaque, @n, level).  Free with
 * qemu_free_irq().
 */
qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);

/* Free a line from qemu_allocate_irq(); NULL is ignored. */
void qemu_free_irq(qemu_irq irq);

/* Drive @irq to @level (non-zero is high).  NULL (unconnected) is ignored. */
void qemu_set_irq(qemu_irq irq, int level);

static inline void qemu_irq_raise(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
}

static inline void qemu_irq_lower(qemu_irq irq)
{
    qemu_set_irq(irq, 0);
}

/* Raise then lower (an edge). */
static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}

/*
 * Deliver @irq's changes to @handler(@opaque, n, level) from now on, with
 * the line's own number n (qtest interception).  The previous handler is
 * no longer called.
 */
void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler,
                        void *opaque);

#endif /* HW_IRQ_H */
