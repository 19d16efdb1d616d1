/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines (hw/irq.h): a handler call per level change.  Few
 * lines, changed rarely (INTx of a handful of devices): one small heap
 * object per line, no queuing.
 */
#include "qemu/osdep.h"
#include "hw/irq.h"

struct IRQState {
    qemu_irq_handler handler;
    void *opaque;
    int n;
};

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq irq = g_new0(struct IRQState, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

void qemu_free_irq(qemu_irq irq)
{
    g_free(irq);
}

void qemu_set_irq(qemu_irq irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level != 0);
    }
}

void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler,
                        void *opaque)
{
    g_assert(irq);
    irq->handler = handler;
    irq->opaque = opaque;
}
