/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos virtio-pci: a virtio 1.x "modern" PCI transport driver for tests.
 *
 * Model: the device exposes vendor capabilities (common config, notify,
 * ISR, device config, PCI-cfg access) that point into its BARs.  The
 * driver walks them, maps the BARs it needs and then talks to the device
 * only through those windows:
 *
 *   reset -> ACKNOWLEDGE -> DRIVER -> features -> FEATURES_OK (checked)
 *         -> queue setup -> DRIVER_OK
 *
 * Interrupts: QEMU 7.2's virtio-mem-pci has no MSI-X, so the driver uses
 * INTx.  Tests intercept the IOAPIC inputs (qvirtio_pci_irq_intercept) and
 * poll the line of the device's GSI; reading the ISR acknowledges and
 * lowers it.  On q35 a device in slot S of bus 0 with pin A lands on GSI
 * 20 + (S & 3) (PIRQ E..H), e.g. 21 for slot 1 (virtio-mem-test checks
 * slots 1 to 4 against QEMU 7.2).
 *
 * Time: waiting steps the virtual clock (qtest clock_step) when the binary
 * supports it (-accel qtest).  Debian's QEMU runs the reference suite with
 * -accel tcg -S, which has no clock_step; there the driver sleeps briefly
 * in real time instead, which is enough because QEMU handles notifications
 * synchronously.
 */
#ifndef LIBQOS_VIRTIO_PCI_H
#define LIBQOS_VIRTIO_PCI_H

#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/virtio.h"

#define PCI_VENDOR_ID_REDHAT_QUMRANET  0x1af4
#define VIRTIO_PCI_DEVICE_ID_MODERN(t) (0x1040 + (t))

/* Vendor capability types. */
#define VIRTIO_PCI_CAP_COMMON_CFG      1
#define VIRTIO_PCI_CAP_NOTIFY_CFG      2
#define VIRTIO_PCI_CAP_ISR_CFG         3
#define VIRTIO_PCI_CAP_DEVICE_CFG      4
#define VIRTIO_PCI_CAP_PCI_CFG         5

/* Common configuration registers. */
#define VIRTIO_PCI_COMMON_DFSELECT     0
#define VIRTIO_PCI_COMMON_DF           4
#define VIRTIO_PCI_COMMON_GFSELECT     8
#define VIRTIO_PCI_COMMON_GF           12
#define VIRTIO_PCI_COMMON_MSIX         16
#define VIRTIO_PCI_COMMON_NUMQ         18
#define VIRTIO_PCI_COMMON_STATUS       20
#define VIRTIO_PCI_COMMON_CFGGENERATION 21
#define VIRTIO_PCI_COMMON_Q_SELECT     22
#define VIRTIO_PCI_COMMON_Q_SIZE       24
#define VIRTIO_PCI_COMMON_Q_MSIX       26
#define VIRTIO_PCI_COMMON_Q_ENABLE     28
#define VIRTIO_PCI_COMMON_Q_NOFF       30
#define VIRTIO_PCI_COMMON_Q_DESCLO     32
#define VIRTIO_PCI_COMMON_Q_DESCHI     36
#define VIRTIO_PCI_COMMON_Q_AVAILLO    40
#define VIRTIO_PCI_COMMON_Q_AVAILHI    44
#define VIRTIO_PCI_COMMON_Q_USEDLO     48
#define VIRTIO_PCI_COMMON_Q_USEDHI     52

#define VIRTIO_PCI_NO_VECTOR           0xffff

/**
 * QVirtioPCIRegion: where one capability points.
 * @present: the capability was found.
 * @bar: BAR index; @offset, @length: the window inside it.
 * @cap: offset of the capability in PCI config space.
 */
typedef struct QVirtioPCIRegion {
    bool present;
    uint8_t bar;
    uint32_t offset;
    uint32_t length;
    uint8_t cap;
} QVirtioPCIRegion;

/** QVirtioPCIDevice: one virtio-pci function driven by the test. */
typedef struct QVirtioPCIDevice {
    QTestState *qts;
    QPCIDevice *pdev;
    int devfn;
    uint16_t device_id;
    QPCIBar bars[6];
    bool bar_mapped[6];
    uint64_t bar_size[6];
    QVirtioPCIRegion common, notify, isr, device, pci_cfg;
    uint32_t notify_off_multiplier;
    uint64_t features;        /* accepted by the driver */
    int gsi;                  /* INTx line watched, -1 until intercepted */
    bool clock_ok;            /* the binary accepts clock_step */
} QVirtioPCIDevice;

/**
 * qvirtio_pci_new: find the function at @devfn on @bus, enable memory and
 * bus mastering, walk the vendor capabilities and map the BARs they use.
 *
 * Returns NULL when no device is there or it is not a modern virtio
 * device with at least common, notify, ISR and device windows.  Free with
 * qvirtio_pci_free().
 */
QVirtioPCIDevice *qvirtio_pci_new(QPCIBus *bus, int devfn);

/** qvirtio_pci_free: unmap and free (does not reset the device). */
void qvirtio_pci_free(QVirtioPCIDevice *d);

/** qvirtio_pci_q35_gsi: IOAPIC input of INTx pin A of bus-0 @devfn on q35. */
int qvirtio_pci_q35_gsi(int devfn);

/* Status. */
uint8_t qvirtio_pci_get_status(QVirtioPCIDevice *d);
void qvirtio_pci_set_status(QVirtioPCIDevice *d, uint8_t status);

/**
 * qvirtio_pci_reset: write 0 to the status and wait until the device
 * reads back 0 (a virtio 1.x device must complete the reset before that).
 */
void qvirtio_pci_reset(QVirtioPCIDevice *d);

/** qvirtio_pci_get_features: the 64 feature bits the device offers. */
uint64_t qvirtio_pci_get_features(QVirtioPCIDevice *d);

/** qvirtio_pci_set_features: write the driver features (both words). */
void qvirtio_pci_set_features(QVirtioPCIDevice *d, uint64_t features);

/**
 * qvirtio_pci_start: reset, ACKNOWLEDGE, DRIVER, accept @wanted & offered
 * (plus VERSION_1, which must be offered), set FEATURES_OK and read it
 * back.
 *
 * Returns true when the device kept FEATURES_OK; on false the status is
 * left as the device has it (the caller may set FAILED).  The accepted
 * features are stored in d->features.  Queues are set up afterwards, then
 * qvirtio_pci_driver_ok().
 */
bool qvirtio_pci_start(QVirtioPCIDevice *d, uint64_t wanted);

/** qvirtio_pci_driver_ok: add DRIVER_OK to the status. */
void qvirtio_pci_driver_ok(QVirtioPCIDevice *d);

/** qvirtio_pci_config_generation: the config_generation register. */
uint8_t qvirtio_pci_config_generation(QVirtioPCIDevice *d);

/* Raw accesses to the device-specific configuration window. */
uint8_t qvirtio_pci_config_readb(QVirtioPCIDevice *d, uint32_t off);
uint16_t qvirtio_pci_config_readw(QVirtioPCIDevice *d, uint32_t off);
uint32_t qvirtio_pci_config_readl(QVirtioPCIDevice *d, uint32_t off);
/** qvirtio_pci_config_readq: two 32-bit reads, low word first. */
uint64_t qvirtio_pci_config_readq(QVirtioPCIDevice *d, uint32_t off);

/**
 * qvirtio_pci_config_read: copy @len bytes of device config at @off into
 * @buf as one consistent snapshot: the read is repeated while
 * config_generation changes underneath (at most a few times, then the
 * test fails).  Returns the generation the snapshot belongs to.
 */
uint8_t qvirtio_pci_config_read(QVirtioPCIDevice *d, uint32_t off,
                                void *buf, uint32_t len);

/**
 * qvirtio_pci_pcicfg_readl: read 4 bytes at @off of BAR @bar through the
 * PCI-cfg access capability (config space only, no BAR mapping).
 */
uint32_t qvirtio_pci_pcicfg_readl(QVirtioPCIDevice *d, uint8_t bar,
                                  uint32_t off);

/* Common-config register access for tests that look at registers. */
uint16_t qvirtio_pci_common_readw(QVirtioPCIDevice *d, uint32_t off);
uint32_t qvirtio_pci_common_readl(QVirtioPCIDevice *d, uint32_t off);
void qvirtio_pci_common_writew(QVirtioPCIDevice *d, uint32_t off,
                               uint16_t v);

/** qvirtio_pci_queue_max: maximum size of queue @index (0 = absent). */
uint16_t qvirtio_pci_queue_max(QVirtioPCIDevice *d, uint16_t index);

/**
 * qvirtio_pci_setup_queue: allocate queue @index with the device's
 * maximum size from @alloc, program its addresses and enable it.
 * Returns the queue (free with qvirtqueue_free() after a reset), or NULL
 * when the device has no such queue.
 */
QVirtQueue *qvirtio_pci_setup_queue(QVirtioPCIDevice *d,
                                    QGuestAllocator *alloc, uint16_t index);

/**
 * qvirtio_pci_enable_queue: program @vq's (already allocated) rings into
 * the device again and enable it; used after a device reset.  The rings
 * are zeroed first.
 */
void qvirtio_pci_enable_queue(QVirtioPCIDevice *d, QVirtQueue *vq);

/**
 * qvirtio_pci_wait: let @ns of virtual time pass (clock_step), or, when the
 * binary has no virtual clock control, sleep min(@ns, 1 ms) of real time.
 */
void qvirtio_pci_wait(QVirtioPCIDevice *d, int64_t ns);

/** qvirtio_pci_kick: notify the device that @vq has new buffers. */
void qvirtio_pci_kick(QVirtioPCIDevice *d, QVirtQueue *vq);

/**
 * qvirtio_pci_wait_used: wait until the device used an element of @vq,
 * waiting 100 us at a time (qvirtio_pci_wait), for at most @timeout_ns.
 * Consumes the element (see qvirtqueue_get_used()).  Returns false on
 * timeout.
 */
bool qvirtio_pci_wait_used(QVirtioPCIDevice *d, QVirtQueue *vq,
                           int64_t timeout_ns, uint32_t *head,
                           uint32_t *len);

/** qvirtio_pci_isr_read: read (and thereby clear) the ISR status. */
uint8_t qvirtio_pci_isr_read(QVirtioPCIDevice *d);

/**
 * qvirtio_pci_irq_intercept: intercept the IOAPIC inputs (once per
 * QTestState) and watch @gsi for this device.
 */
void qvirtio_pci_irq_intercept(QVirtioPCIDevice *d, int gsi);

/** qvirtio_pci_irq_pending: level of the watched INTx line. */
bool qvirtio_pci_irq_pending(QVirtioPCIDevice *d);

#endif
