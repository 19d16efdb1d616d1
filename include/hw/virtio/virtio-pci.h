/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-pci, modern (virtio 1.x) transport only.
 *
 * Layout (QEMU 7.2's): one 64-bit prefetchable memory BAR 4 of 16 KiB with
 * the common configuration at 0x0, the ISR at 0x1000, the device
 * configuration at 0x2000 and the notification area at 0x3000
 * (notify_off_multiplier 4, queue N notifies at 0x3000 + 4 * N).  Vendor
 * capabilities describe each, plus a PCI-configuration access capability.
 * No MSI-X: msix_config and queue_msix_vector read 0xffff and interrupts
 * use INTx pin A, raised while the ISR is non-zero.
 *
 * A concrete device (virtio-mem-pci) derives from TYPE_VIRTIO_PCI, creates
 * its VirtIODevice as a child in instance_init, points proxy->vdev at it
 * and realizes it from VirtioPCIClass.realize.
 */
#ifndef HW_VIRTIO_VIRTIO_PCI_H
#define HW_VIRTIO_VIRTIO_PCI_H

#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"

#define TYPE_VIRTIO_PCI "virtio-pci"
OBJECT_DECLARE_TYPE(VirtIOPCIProxy, VirtioPCIClass, VIRTIO_PCI)

/* Vendor capability cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG       1
#define VIRTIO_PCI_CAP_NOTIFY_CFG       2
#define VIRTIO_PCI_CAP_ISR_CFG          3
#define VIRTIO_PCI_CAP_DEVICE_CFG       4
#define VIRTIO_PCI_CAP_PCI_CFG          5

#define VIRTIO_PCI_MODERN_BAR           4
#define VIRTIO_PCI_BAR_SIZE             0x4000
#define VIRTIO_PCI_REGION_SIZE          0x1000
#define VIRTIO_PCI_COMMON_OFFSET        0x0000
#define VIRTIO_PCI_ISR_OFFSET           0x1000
#define VIRTIO_PCI_DEVICE_OFFSET        0x2000
#define VIRTIO_PCI_NOTIFY_OFFSET        0x3000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER    4
#define VIRTIO_NO_VECTOR                0xffff

typedef struct VirtIOPCIIoeventfds VirtIOPCIIoeventfds;

/* What the driver programs per queue before enabling it. */
typedef struct VirtIOPCIQueue {
    uint16_t num;
    bool enabled;
    uint32_t desc[2];
    uint32_t avail[2];
    uint32_t used[2];
} VirtIOPCIQueue;

struct VirtIOPCIProxy {
    PCIDevice pci_dev;
    VirtIODevice *vdev;         /* the child device (set by the subclass) */
    MemoryRegion bar;
    MemoryRegion common;
    MemoryRegion isr;
    MemoryRegion device;
    MemoryRegion notify;
    uint8_t pci_cfg_cap;        /* offset of the PCI-cfg access capability */
    uint32_t dfselect;
    uint32_t gfselect;
    uint32_t guest_features[2];
    VirtIOPCIQueue vqs[VIRTIO_QUEUE_MAX];
    VirtIOPCIIoeventfds *ioeventfds;    /* virtio-pci-ioeventfd.c */
    char *migration_id;         /* registered state section, or NULL */
};

/*
 * virtio_pci_migration_register: register the transport and virtio core
 * state of @p as the migration section "<QOM path>#virtio"
 * (virtio-pci-migration.c); nothing outside the composition tree.
 * virtio_pci_migration_unregister: undo it.
 */
bool virtio_pci_migration_register(VirtIOPCIProxy *p, GError **errp);
void virtio_pci_migration_unregister(VirtIOPCIProxy *p);

struct VirtioPCIClass {
    PCIDeviceClass parent_class;
    /* Realize the child device and anything else (after the BAR exists). */
    bool (*realize)(VirtIOPCIProxy *proxy, GError **errp);
    /* Undo realize (before the BAR goes). */
    void (*exit)(VirtIOPCIProxy *proxy);
};

/*
 * Queue notify ioeventfds (hw/virtio/virtio-pci-ioeventfd.c): start
 * registers one per enabled queue (at DRIVER_OK), stop removes them
 * (device reset; a pending kick is served first), free also releases
 * the bookkeeping (unrealize).  All idempotent.
 */
void virtio_pci_ioeventfd_start(VirtIOPCIProxy *p);
void virtio_pci_ioeventfd_stop(VirtIOPCIProxy *p);
void virtio_pci_ioeventfd_free(VirtIOPCIProxy *p);

/* Register TYPE_VIRTIO_PCI (and what it needs); idempotent. */
void virtio_pci_register_types(void);

#endif /* HW_VIRTIO_VIRTIO_PCI_H */
