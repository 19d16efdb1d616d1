/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos virtio-pci: the modern (virtio 1.x) PCI transport of the test-side
 * driver.
 *
 * Owns capability discovery, BAR mapping, the status handshake, 64-bit
 * feature negotiation, device-config snapshots and queue programming.
 * Tuned for tests over qtest: every register access is a round trip, so
 * the driver reads what it needs once and polls the used ring with clock
 * steps instead of sleeping in real time.
 */
#include "qemu/osdep.h"
#include "libqos/virtio-pci.h"

/* Vendor capability layout. */
#define VCAP_CFG_TYPE         3
#define VCAP_BAR              4
#define VCAP_OFFSET           8
#define VCAP_LENGTH           12
#define VCAP_NOTIFY_MULT      16
#define VCAP_PCI_CFG_DATA     16

#define WAIT_STEP_NS          (100 * 1000)

static QVirtioPCIRegion *vpci_region_for(QVirtioPCIDevice *d, uint8_t type)
{
    switch (type) {
    case VIRTIO_PCI_CAP_COMMON_CFG:
        return &d->common;
    case VIRTIO_PCI_CAP_NOTIFY_CFG:
        return &d->notify;
    case VIRTIO_PCI_CAP_ISR_CFG:
        return &d->isr;
    case VIRTIO_PCI_CAP_DEVICE_CFG:
        return &d->device;
    case VIRTIO_PCI_CAP_PCI_CFG:
        return &d->pci_cfg;
    default:
        return NULL;
    }
}

static void vpci_parse_caps(QVirtioPCIDevice *d)
{
    unsigned guard = 0;
    uint8_t pos;

    if (!(qpci_config_readw(d->pdev, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return;
    }
    pos = qpci_config_readb(d->pdev, PCI_CAPABILITY_LIST) & ~3;
    while (pos && guard++ < 48) {
        uint8_t id = qpci_config_readb(d->pdev, pos);
        QVirtioPCIRegion *r;

        if (id == PCI_CAP_ID_VNDR) {
            r = vpci_region_for(d, qpci_config_readb(d->pdev,
                                                     pos + VCAP_CFG_TYPE));
            /* The first capability of a type is the preferred one. */
            if (r && !r->present) {
                r->present = true;
                r->cap = pos;
                r->bar = qpci_config_readb(d->pdev, pos + VCAP_BAR);
                r->offset = qpci_config_readl(d->pdev, pos + VCAP_OFFSET);
                r->length = qpci_config_readl(d->pdev, pos + VCAP_LENGTH);
                if (r == &d->notify) {
                    d->notify_off_multiplier =
                        qpci_config_readl(d->pdev, pos + VCAP_NOTIFY_MULT);
                }
            }
        }
        pos = qpci_config_readb(d->pdev, pos + 1) & ~3;
    }
}

static bool vpci_map(QVirtioPCIDevice *d, QVirtioPCIRegion *r)
{
    if (!r->present || r->bar >= 6) {
        return false;
    }
    if (!d->bar_mapped[r->bar]) {
        d->bars[r->bar] = qpci_iomap(d->pdev, r->bar, &d->bar_size[r->bar]);
        d->bar_mapped[r->bar] = true;
    }
    return (uint64_t)r->offset + r->length <= d->bar_size[r->bar];
}

static bool vpci_probe_clock(QTestState *qts)
{
    g_autofree char *reply = qtest_raw_cmd(qts, "clock_step 0");

    return g_str_has_prefix(reply, "OK");
}

void qvirtio_pci_wait(QVirtioPCIDevice *d, int64_t ns)
{
    if (d->clock_ok) {
        qtest_clock_step(d->qts, ns);
    } else {
        g_usleep(MIN(ns / 1000, 1000));
    }
}

QVirtioPCIDevice *qvirtio_pci_new(QPCIBus *bus, int devfn)
{
    QPCIDevice *pdev = qpci_device_find(bus, devfn);
    QVirtioPCIDevice *d;

    if (!pdev) {
        return NULL;
    }
    if (qpci_config_readw(pdev, 0) != PCI_VENDOR_ID_REDHAT_QUMRANET ||
        qpci_config_readw(pdev, 2) < 0x1040) {
        g_free(pdev);
        return NULL;
    }
    d = g_new0(QVirtioPCIDevice, 1);
    d->qts = bus->qts;
    d->pdev = pdev;
    d->devfn = devfn;
    d->device_id = qpci_config_readw(pdev, 2);
    d->gsi = -1;
    d->clock_ok = vpci_probe_clock(d->qts);
    qpci_device_enable(pdev);
    vpci_parse_caps(d);
    if (!vpci_map(d, &d->common) || !vpci_map(d, &d->notify) ||
        !vpci_map(d, &d->isr) || !vpci_map(d, &d->device)) {
        qvirtio_pci_free(d);
        return NULL;
    }
    return d;
}

void qvirtio_pci_free(QVirtioPCIDevice *d)
{
    if (!d) {
        return;
    }
    for (int i = 0; i < 6; i++) {
        if (d->bar_mapped[i]) {
            qpci_iounmap(d->pdev, d->bars[i]);
        }
    }
    g_free(d->pdev);
    g_free(d);
}

int qvirtio_pci_q35_gsi(int devfn)
{
    int slot = devfn >> 3;

    return 20 + (slot & 3);
}

/* Window accessors. */

static QPCIBar vpci_bar(QVirtioPCIDevice *d, QVirtioPCIRegion *r)
{
    return d->bars[r->bar];
}

uint16_t qvirtio_pci_common_readw(QVirtioPCIDevice *d, uint32_t off)
{
    return qpci_io_readw(d->pdev, vpci_bar(d, &d->common),
                         d->common.offset + off);
}

uint32_t qvirtio_pci_common_readl(QVirtioPCIDevice *d, uint32_t off)
{
    return qpci_io_readl(d->pdev, vpci_bar(d, &d->common),
                         d->common.offset + off);
}

void qvirtio_pci_common_writew(QVirtioPCIDevice *d, uint32_t off,
                               uint16_t v)
{
    qpci_io_writew(d->pdev, vpci_bar(d, &d->common),
                   d->common.offset + off, v);
}

static void vpci_common_writel(QVirtioPCIDevice *d, uint32_t off,
                               uint32_t v)
{
    qpci_io_writel(d->pdev, vpci_bar(d, &d->common),
                   d->common.offset + off, v);
}

static void vpci_common_writeq(QVirtioPCIDevice *d, uint32_t off,
                               uint64_t v)
{
    vpci_common_writel(d, off, (uint32_t)v);
    vpci_common_writel(d, off + 4, v >> 32);
}

uint8_t qvirtio_pci_get_status(QVirtioPCIDevice *d)
{
    return qpci_io_readb(d->pdev, vpci_bar(d, &d->common),
                         d->common.offset + VIRTIO_PCI_COMMON_STATUS);
}

void qvirtio_pci_set_status(QVirtioPCIDevice *d, uint8_t status)
{
    qpci_io_writeb(d->pdev, vpci_bar(d, &d->common),
                   d->common.offset + VIRTIO_PCI_COMMON_STATUS, status);
}

void qvirtio_pci_reset(QVirtioPCIDevice *d)
{
    int tries = 0;

    qvirtio_pci_set_status(d, 0);
    while (qvirtio_pci_get_status(d) != 0) {
        g_assert_cmpint(++tries, <, 1000);
        qvirtio_pci_wait(d, WAIT_STEP_NS);
    }
}

uint64_t qvirtio_pci_get_features(QVirtioPCIDevice *d)
{
    uint64_t f;

    vpci_common_writel(d, VIRTIO_PCI_COMMON_DFSELECT, 0);
    f = qvirtio_pci_common_readl(d, VIRTIO_PCI_COMMON_DF);
    vpci_common_writel(d, VIRTIO_PCI_COMMON_DFSELECT, 1);
    f |= (uint64_t)qvirtio_pci_common_readl(d, VIRTIO_PCI_COMMON_DF) << 32;
    return f;
}

void qvirtio_pci_set_features(QVirtioPCIDevice *d, uint64_t features)
{
    vpci_common_writel(d, VIRTIO_PCI_COMMON_GFSELECT, 0);
    vpci_common_writel(d, VIRTIO_PCI_COMMON_GF, (uint32_t)features);
    vpci_common_writel(d, VIRTIO_PCI_COMMON_GFSELECT, 1);
    vpci_common_writel(d, VIRTIO_PCI_COMMON_GF, features >> 32);
}

bool qvirtio_pci_start(QVirtioPCIDevice *d, uint64_t wanted)
{
    uint64_t offered;
    uint8_t status;

    qvirtio_pci_reset(d);
    status = VIRTIO_CONFIG_S_ACKNOWLEDGE;
    qvirtio_pci_set_status(d, status);
    status |= VIRTIO_CONFIG_S_DRIVER;
    qvirtio_pci_set_status(d, status);

    offered = qvirtio_pci_get_features(d);
    if (!(offered & (1ull << VIRTIO_F_VERSION_1))) {
        return false;
    }
    d->features = (wanted & offered) | (1ull << VIRTIO_F_VERSION_1);
    qvirtio_pci_set_features(d, d->features);
    status |= VIRTIO_CONFIG_S_FEATURES_OK;
    qvirtio_pci_set_status(d, status);
    return qvirtio_pci_get_status(d) & VIRTIO_CONFIG_S_FEATURES_OK;
}

void qvirtio_pci_driver_ok(QVirtioPCIDevice *d)
{
    qvirtio_pci_set_status(d, qvirtio_pci_get_status(d) |
                              VIRTIO_CONFIG_S_DRIVER_OK);
}

uint8_t qvirtio_pci_config_generation(QVirtioPCIDevice *d)
{
    return qpci_io_readb(d->pdev, vpci_bar(d, &d->common),
                         d->common.offset + VIRTIO_PCI_COMMON_CFGGENERATION);
}

uint8_t qvirtio_pci_config_readb(QVirtioPCIDevice *d, uint32_t off)
{
    return qpci_io_readb(d->pdev, vpci_bar(d, &d->device),
                         d->device.offset + off);
}

uint16_t qvirtio_pci_config_readw(QVirtioPCIDevice *d, uint32_t off)
{
    return qpci_io_readw(d->pdev, vpci_bar(d, &d->device),
                         d->device.offset + off);
}

uint32_t qvirtio_pci_config_readl(QVirtioPCIDevice *d, uint32_t off)
{
    return qpci_io_readl(d->pdev, vpci_bar(d, &d->device),
                         d->device.offset + off);
}

uint64_t qvirtio_pci_config_readq(QVirtioPCIDevice *d, uint32_t off)
{
    uint64_t lo = qvirtio_pci_config_readl(d, off);

    return lo | (uint64_t)qvirtio_pci_config_readl(d, off + 4) << 32;
}

uint8_t qvirtio_pci_config_read(QVirtioPCIDevice *d, uint32_t off,
                                void *buf, uint32_t len)
{
    uint8_t *p = buf;

    for (int tries = 0; tries < 8; tries++) {
        uint8_t before = qvirtio_pci_config_generation(d);
        uint32_t i = 0;

        for (; i + 4 <= len; i += 4) {
            qvirtio_st32(p + i, qvirtio_pci_config_readl(d, off + i));
        }
        for (; i < len; i++) {
            p[i] = qvirtio_pci_config_readb(d, off + i);
        }
        if (qvirtio_pci_config_generation(d) == before) {
            return before;
        }
    }
    g_assert_not_reached();
}

uint32_t qvirtio_pci_pcicfg_readl(QVirtioPCIDevice *d, uint8_t bar,
                                  uint32_t off)
{
    uint8_t cap = d->pci_cfg.cap;

    g_assert(d->pci_cfg.present);
    qpci_config_writeb(d->pdev, cap + VCAP_BAR, bar);
    qpci_config_writel(d->pdev, cap + VCAP_OFFSET, off);
    qpci_config_writel(d->pdev, cap + VCAP_LENGTH, 4);
    return qpci_config_readl(d->pdev, cap + VCAP_PCI_CFG_DATA);
}

uint16_t qvirtio_pci_queue_max(QVirtioPCIDevice *d, uint16_t index)
{
    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_SELECT, index);
    return qvirtio_pci_common_readw(d, VIRTIO_PCI_COMMON_Q_SIZE);
}

void qvirtio_pci_enable_queue(QVirtioPCIDevice *d, QVirtQueue *vq)
{
    qvirtqueue_reset_rings(vq);
    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_SELECT, vq->index);
    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_SIZE, vq->size);
    vpci_common_writeq(d, VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc);
    vpci_common_writeq(d, VIRTIO_PCI_COMMON_Q_AVAILLO, vq->avail);
    vpci_common_writeq(d, VIRTIO_PCI_COMMON_Q_USEDLO, vq->used);
    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
}

QVirtQueue *qvirtio_pci_setup_queue(QVirtioPCIDevice *d,
                                    QGuestAllocator *alloc, uint16_t index)
{
    uint16_t size = qvirtio_pci_queue_max(d, index);
    QVirtQueue *vq;

    if (!size) {
        return NULL;
    }
    vq = qvirtqueue_new(d->qts, alloc, index, size);
    qvirtio_pci_enable_queue(d, vq);
    return vq;
}

void qvirtio_pci_kick(QVirtioPCIDevice *d, QVirtQueue *vq)
{
    uint16_t noff;

    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_SELECT, vq->index);
    noff = qvirtio_pci_common_readw(d, VIRTIO_PCI_COMMON_Q_NOFF);
    qpci_io_writew(d->pdev, vpci_bar(d, &d->notify),
                   d->notify.offset +
                   (uint32_t)noff * d->notify_off_multiplier,
                   vq->index);
}

bool qvirtio_pci_wait_used(QVirtioPCIDevice *d, QVirtQueue *vq,
                           int64_t timeout_ns, uint32_t *head,
                           uint32_t *len)
{
    int64_t waited = 0;

    for (;;) {
        if (qvirtqueue_get_used(vq, head, len)) {
            return true;
        }
        if (waited >= timeout_ns) {
            return false;
        }
        qvirtio_pci_wait(d, WAIT_STEP_NS);
        waited += WAIT_STEP_NS;
    }
}

uint8_t qvirtio_pci_isr_read(QVirtioPCIDevice *d)
{
    return qpci_io_readb(d->pdev, vpci_bar(d, &d->isr), d->isr.offset);
}

void qvirtio_pci_irq_intercept(QVirtioPCIDevice *d, int gsi)
{
    qtest_irq_intercept_in(d->qts, "ioapic");
    d->gsi = gsi;
}

bool qvirtio_pci_irq_pending(QVirtioPCIDevice *d)
{
    g_assert_cmpint(d->gsi, >=, 0);
    return qtest_get_irq(d->qts, d->gsi);
}
