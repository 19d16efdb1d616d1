/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Queue notifications of virtio-pci through ioeventfds: while the driver
 * has the device running (DRIVER_OK), each enabled queue's notify address
 * is registered with the memory API (memory_region_add_eventfd), so an
 * accelerator can complete the guest's notify write in the kernel and
 * only signal an eventfd, which the main loop turns into
 * virtio_queue_notify().  Where no accelerator takes the registration
 * (qtest) the write still reaches notify_write in virtio-pci.c, so both
 * paths lead to the same call.
 *
 * One eventfd and one GLib watch per enabled queue; nothing per request
 * beyond reading the eventfd.
 */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <sys/eventfd.h>
#include "qemu/error-report.h"
#include "hw/virtio/virtio-pci.h"

typedef struct VirtIOPCIIoeventfd {
    VirtIOPCIProxy *proxy;
    unsigned queue;
    int fd;
    guint watch;
} VirtIOPCIIoeventfd;

struct VirtIOPCIIoeventfds {
    VirtIOPCIIoeventfd q[VIRTIO_QUEUE_MAX];
    bool started;
};

static gboolean queue_kicked(gint fd, GIOCondition cond, gpointer opaque)
{
    VirtIOPCIIoeventfd *e = opaque;
    uint64_t count;

    if (read(fd, &count, sizeof(count)) == sizeof(count)) {
        virtio_queue_notify(e->proxy->vdev, e->queue);
    }
    return G_SOURCE_CONTINUE;
}

static hwaddr notify_offset(unsigned queue)
{
    return (hwaddr)queue * VIRTIO_PCI_NOTIFY_MULTIPLIER;
}

void virtio_pci_ioeventfd_start(VirtIOPCIProxy *p)
{
    VirtIOPCIIoeventfds *all;

    if (!p->ioeventfds) {
        p->ioeventfds = g_new0(VirtIOPCIIoeventfds, 1);
    }
    all = p->ioeventfds;
    if (all->started) {
        return;
    }
    all->started = true;
    memory_region_transaction_begin();
    for (unsigned n = 0; n < VIRTIO_QUEUE_MAX; n++) {
        VirtIOPCIIoeventfd *e = &all->q[n];

        e->fd = -1;
        if (!p->vqs[n].enabled) {
            continue;
        }
        e->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (e->fd < 0) {
            warn_report("virtio-pci: no eventfd for queue %u: %s; its "
                        "notifications take the slow path", n,
                        strerror(errno));
            continue;
        }
        e->proxy = p;
        e->queue = n;
        e->watch = g_unix_fd_add(e->fd, G_IO_IN, queue_kicked, e);
        memory_region_add_eventfd(&p->notify, notify_offset(n), 0, false, 0,
                                  e->fd);
    }
    memory_region_transaction_commit();
}

void virtio_pci_ioeventfd_stop(VirtIOPCIProxy *p)
{
    VirtIOPCIIoeventfds *all = p->ioeventfds;

    if (!all || !all->started) {
        return;
    }
    memory_region_transaction_begin();
    for (unsigned n = 0; n < VIRTIO_QUEUE_MAX; n++) {
        if (all->q[n].fd >= 0) {
            memory_region_del_eventfd(&p->notify, notify_offset(n), 0, false,
                                      0, all->q[n].fd);
        }
    }
    memory_region_transaction_commit();
    for (unsigned n = 0; n < VIRTIO_QUEUE_MAX; n++) {
        VirtIOPCIIoeventfd *e = &all->q[n];

        if (e->fd < 0) {
            continue;
        }
        g_source_remove(e->watch);
        /*
         * A kick that raced with the stop is served now, not lost, if
         * the device still runs (not when the driver just reset it).
         */
        if (p->vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
            queue_kicked(e->fd, G_IO_IN, e);
        }
        close(e->fd);
        e->fd = -1;
    }
    all->started = false;
}

void virtio_pci_ioeventfd_free(VirtIOPCIProxy *p)
{
    virtio_pci_ioeventfd_stop(p);
    g_clear_pointer(&p->ioeventfds, g_free);
}
