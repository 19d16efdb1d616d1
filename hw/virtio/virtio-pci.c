/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modern virtio-pci transport: capabilities, the BAR's four windows
 * (common configuration, ISR, device configuration, notification), the
 * PCI-configuration access window and INTx.
 *
 * Register semantics follow the virtio 1.x specification and QEMU 7.2
 * where the specification leaves room (unknown offsets read 0, device
 * configuration reads beyond its end read all-ones, queue_enable accepts
 * only 1).  Everything is a few register accesses per request; nothing
 * here is on a data path.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/log.h"
#include "hw/virtio/virtio-pci.h"

/* Common configuration registers. */
enum {
    COMMON_DFSELECT = 0,
    COMMON_DF = 4,
    COMMON_GFSELECT = 8,
    COMMON_GF = 12,
    COMMON_MSIX = 16,
    COMMON_NUMQ = 18,
    COMMON_STATUS = 20,
    COMMON_CFGGENERATION = 21,
    COMMON_Q_SELECT = 22,
    COMMON_Q_SIZE = 24,
    COMMON_Q_MSIX = 26,
    COMMON_Q_ENABLE = 28,
    COMMON_Q_NOFF = 30,
    COMMON_Q_DESCLO = 32,
    COMMON_Q_DESCHI = 36,
    COMMON_Q_AVAILLO = 40,
    COMMON_Q_AVAILHI = 44,
    COMMON_Q_USEDLO = 48,
    COMMON_Q_USEDHI = 52,
    COMMON_Q_RESET = 58,
};

/* Vendor capability layout (virtio_pci_cap). */
enum {
    CAP_LEN_OFF = 2,
    CAP_CFG_TYPE = 3,
    CAP_BAR = 4,
    CAP_ID = 5,
    CAP_OFFSET = 8,
    CAP_LENGTH = 12,
    CAP_SIZE = 16,
    CAP_NOTIFY_MULT = 16,           /* notify cap: multiplier after it */
    CAP_NOTIFY_SIZE = 20,
    CAP_PCI_CFG_DATA = 16,          /* pci cfg cap: data window */
    CAP_PCI_CFG_SIZE = 20,
};

static VirtIOPCIQueue *sel_queue(VirtIOPCIProxy *p)
{
    return p->vdev->queue_sel < VIRTIO_QUEUE_MAX ?
           &p->vqs[p->vdev->queue_sel] : NULL;
}

static uint64_t common_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtIOPCIQueue *q = sel_queue(p);
    uint16_t sel = vdev->queue_sel;
    uint64_t val = 0;

    switch (addr) {
    case COMMON_DFSELECT:
        return p->dfselect;
    case COMMON_DF:
        return p->dfselect <= 1 ?
               (uint32_t)(vdev->host_features >> (32 * p->dfselect)) : 0;
    case COMMON_GFSELECT:
        return p->gfselect;
    case COMMON_GF:
        return p->gfselect <= 1 ? p->guest_features[p->gfselect] : 0;
    case COMMON_MSIX:
    case COMMON_Q_MSIX:
        return VIRTIO_NO_VECTOR;
    case COMMON_NUMQ:
        for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
            if (virtio_queue_get_max_num(vdev, i)) {
                val = i + 1;
            }
        }
        return val;
    case COMMON_STATUS:
        return vdev->status;
    case COMMON_CFGGENERATION:
        return vdev->generation;
    case COMMON_Q_SELECT:
        return sel;
    case COMMON_Q_SIZE:
        return q ? q->num : 0;
    case COMMON_Q_ENABLE:
        return q ? q->enabled : 0;
    case COMMON_Q_NOFF:
        return sel;
    case COMMON_Q_DESCLO:
    case COMMON_Q_DESCHI:
        return q ? q->desc[(addr - COMMON_Q_DESCLO) / 4] : 0;
    case COMMON_Q_AVAILLO:
    case COMMON_Q_AVAILHI:
        return q ? q->avail[(addr - COMMON_Q_AVAILLO) / 4] : 0;
    case COMMON_Q_USEDLO:
    case COMMON_Q_USEDHI:
        return q ? q->used[(addr - COMMON_Q_USEDLO) / 4] : 0;
    default:
        return 0;
    }
}

static hwaddr lohi(const uint32_t *v)
{
    return (hwaddr)v[1] << 32 | v[0];
}

static void queue_enable(VirtIOPCIProxy *p, VirtIOPCIQueue *q, uint64_t val)
{
    VirtIODevice *vdev = p->vdev;
    unsigned n = vdev->queue_sel;

    if (val != 1) {
        virtio_error(vdev, "wrong value for queue_enable 0x%" PRIx64, val);
        return;
    }
    virtio_queue_set_num(vdev, n, q->num);
    virtio_queue_set_rings(vdev, n, lohi(q->desc), lohi(q->avail),
                           lohi(q->used));
    virtio_queue_set_enabled(vdev, n, true);
    q->enabled = virtio_queue_get_enabled(vdev, n);
}

static void proxy_reset_queues(VirtIOPCIProxy *p)
{
    p->dfselect = p->gfselect = 0;
    memset(p->guest_features, 0, sizeof(p->guest_features));
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        memset(&p->vqs[i], 0, sizeof(p->vqs[i]));
        p->vqs[i].num = virtio_queue_get_max_num(p->vdev, i);
    }
}

static void queue_reset(VirtIOPCIProxy *p, VirtIOPCIQueue *q)
{
    VirtIODevice *vdev = p->vdev;
    unsigned n = vdev->queue_sel;

    if (!virtio_vdev_has_feature(vdev, VIRTIO_F_RING_RESET)) {
        return;
    }
    virtio_queue_set_enabled(vdev, n, false);
    virtio_queue_set_rings(vdev, n, 0, 0, 0);
    memset(q, 0, sizeof(*q));
    q->num = virtio_queue_get_max_num(vdev, n);
}

static void set_status(VirtIOPCIProxy *p, uint8_t val)
{
    virtio_set_status(p->vdev, val);
    if (p->vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
        virtio_pci_ioeventfd_start(p);
    }
    if (p->vdev->status == 0) {
        virtio_pci_ioeventfd_stop(p);
        proxy_reset_queues(p);
    }
}

static void common_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtIOPCIQueue *q = sel_queue(p);

    switch (addr) {
    case COMMON_DFSELECT:
        p->dfselect = val;
        break;
    case COMMON_GFSELECT:
        p->gfselect = val;
        break;
    case COMMON_GF:
        if (p->gfselect <= 1) {
            p->guest_features[p->gfselect] = val;
            virtio_set_features(vdev, lohi(p->guest_features));
        }
        break;
    case COMMON_STATUS:
        set_status(p, val);
        break;
    case COMMON_Q_SELECT:
        if (val < VIRTIO_QUEUE_MAX) {
            vdev->queue_sel = val;
        }
        break;
    case COMMON_Q_SIZE:
        /*
         * Only a power of two no larger than the device's maximum (the
         * split-ring rule) is taken; anything else leaves the size in
         * force, which is what reads back, so driver and device agree.
         */
        if (q && !q->enabled && val && val <= UINT16_MAX &&
            !(val & (val - 1)) &&
            val <= virtio_queue_get_max_num(vdev, vdev->queue_sel)) {
            q->num = val;
        }
        break;
    case COMMON_Q_ENABLE:
        if (q) {
            queue_enable(p, q, val);
        }
        break;
    case COMMON_Q_DESCLO:
    case COMMON_Q_DESCHI:
        if (q && !q->enabled) {
            q->desc[(addr - COMMON_Q_DESCLO) / 4] = val;
        }
        break;
    case COMMON_Q_AVAILLO:
    case COMMON_Q_AVAILHI:
        if (q && !q->enabled) {
            q->avail[(addr - COMMON_Q_AVAILLO) / 4] = val;
        }
        break;
    case COMMON_Q_USEDLO:
    case COMMON_Q_USEDHI:
        if (q && !q->enabled) {
            q->used[(addr - COMMON_Q_USEDLO) / 4] = val;
        }
        break;
    case COMMON_Q_RESET:
        if (q && val == 1) {
            queue_reset(p, q);
        }
        break;
    default:
        /* msix_config, queue_msix_vector: no MSI-X, ignored. */
        break;
    }
}

static uint64_t isr_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    return addr == 0 ? virtio_isr_read_and_clear(p->vdev) : 0;
}

static void ignore_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
}

static uint64_t device_read(void *opaque, hwaddr addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;

    if (addr + size > vdev->config_len) {
        return ~0ull >> (64 - 8 * size);
    }
    virtio_config_refresh(vdev);
    return ldn_le_p(vdev->config + addr, size);
}

static uint64_t zero_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void notify_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    unsigned n = addr / VIRTIO_PCI_NOTIFY_MULTIPLIER;

    if (n < VIRTIO_QUEUE_MAX) {
        virtio_queue_notify(p->vdev, n);
    }
}

#define WINDOW_OPS(r, w) { \
    .read = (r), .write = (w), .endianness = DEVICE_LITTLE_ENDIAN, \
    .valid = { .min_access_size = 1, .max_access_size = 4 }, \
    .impl = { .min_access_size = 1, .max_access_size = 4 }, }

static const MemoryRegionOps common_ops = WINDOW_OPS(common_read,
                                                     common_write);
static const MemoryRegionOps isr_ops = WINDOW_OPS(isr_read, ignore_write);
static const MemoryRegionOps device_ops = WINDOW_OPS(device_read,
                                                     ignore_write);
static const MemoryRegionOps notify_ops = WINDOW_OPS(zero_read,
                                                     notify_write);

static void update_irq(void *opaque)
{
    VirtIOPCIProxy *p = opaque;

    pci_set_irq(&p->pci_dev, virtio_isr_pending(p->vdev));
}

/* ---- Capabilities ------------------------------------------------------- */

static int add_cap(VirtIOPCIProxy *p, uint8_t cfg_type, uint32_t offset,
                   uint32_t length, uint8_t cap_len, GError **errp)
{
    uint8_t *config = p->pci_dev.config;
    int pos = pci_add_capability(&p->pci_dev, PCI_CAP_ID_VNDR, 0, cap_len,
                                 errp);

    if (pos < 0) {
        return pos;
    }
    config[pos + CAP_LEN_OFF] = cap_len;
    config[pos + CAP_CFG_TYPE] = cfg_type;
    config[pos + CAP_BAR] = VIRTIO_PCI_MODERN_BAR;
    config[pos + CAP_ID] = 0;
    pci_set_long(config + pos + CAP_OFFSET, offset);
    pci_set_long(config + pos + CAP_LENGTH, length);
    return pos;
}

static bool add_caps(VirtIOPCIProxy *p, GError **errp)
{
    uint8_t *wmask = p->pci_dev.wmask;
    int pos;

    if (add_cap(p, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFFSET,
                VIRTIO_PCI_REGION_SIZE, CAP_SIZE, errp) < 0 ||
        add_cap(p, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFFSET,
                VIRTIO_PCI_REGION_SIZE, CAP_SIZE, errp) < 0 ||
        add_cap(p, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFFSET,
                VIRTIO_PCI_REGION_SIZE, CAP_SIZE, errp) < 0) {
        return false;
    }
    pos = add_cap(p, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFFSET,
                  VIRTIO_PCI_REGION_SIZE, CAP_NOTIFY_SIZE, errp);
    if (pos < 0) {
        return false;
    }
    pci_set_long(p->pci_dev.config + pos + CAP_NOTIFY_MULT,
                 VIRTIO_PCI_NOTIFY_MULTIPLIER);
    /* The access window: bar, offset, length and data are writable. */
    pos = add_cap(p, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, CAP_PCI_CFG_SIZE, errp);
    if (pos < 0) {
        return false;
    }
    p->pci_cfg_cap = pos;
    p->pci_dev.config[pos + CAP_BAR] = 0;
    wmask[pos + CAP_BAR] = 0xff;
    memset(wmask + pos + CAP_OFFSET, 0xff, 4);
    memset(wmask + pos + CAP_LENGTH, 0xff, 4);
    memset(wmask + pos + CAP_PCI_CFG_DATA, 0xff, 4);
    return true;
}

/*
 * The PCI-cfg access window: one access of cap.length bytes at cap.offset
 * of the BAR, forwarded to the window region there as a guest access (so
 * the memory core's re-entrancy guard applies).  The bounds check is
 * done in 64 bits: offset + length must not wrap.
 */
static void cfg_window_access(VirtIOPCIProxy *p, bool write)
{
    uint8_t *cap = p->pci_dev.config + p->pci_cfg_cap;
    uint32_t off = pci_get_long(cap + CAP_OFFSET);
    uint32_t len = pci_get_long(cap + CAP_LENGTH);
    MemoryRegion *mr;
    uint64_t val;

    if ((len != 1 && len != 2 && len != 4) || off % len ||
        cap[CAP_BAR] != VIRTIO_PCI_MODERN_BAR ||
        (uint64_t)off + len > VIRTIO_PCI_BAR_SIZE) {
        return;
    }
    switch (off / VIRTIO_PCI_REGION_SIZE) {
    case 0:
        mr = &p->common;
        break;
    case 1:
        mr = &p->isr;
        break;
    case 2:
        mr = &p->device;
        break;
    default:
        mr = &p->notify;
        break;
    }
    off %= VIRTIO_PCI_REGION_SIZE;
    if (write) {
        val = pci_get_long(cap + CAP_PCI_CFG_DATA) & (~0ull >> (64 - 8 * len));
        memory_region_dispatch_write(mr, off, val, len,
                                     MEMTXATTRS_UNSPECIFIED);
    } else {
        memory_region_dispatch_read(mr, off, &val, len,
                                    MEMTXATTRS_UNSPECIFIED);
        pci_set_long(cap + CAP_PCI_CFG_DATA, val);
    }
}

static bool covers_data(VirtIOPCIProxy *p, uint32_t addr, int len)
{
    uint32_t data = p->pci_cfg_cap + CAP_PCI_CFG_DATA;

    return p->pci_cfg_cap && addr < data + 4 && data < addr + len;
}

static uint32_t virtio_pci_config_read(PCIDevice *dev, uint32_t addr, int len)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);

    if (covers_data(p, addr, len)) {
        cfg_window_access(p, false);
    }
    return pci_default_read_config(dev, addr, len);
}

static void virtio_pci_config_write(PCIDevice *dev, uint32_t addr,
                                    uint32_t val, int len)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);

    pci_default_write_config(dev, addr, val, len);
    if (covers_data(p, addr, len)) {
        cfg_window_access(p, true);
    }
}

/* ---- Life cycle --------------------------------------------------------- */

static void init_bar(VirtIOPCIProxy *p)
{
    Object *owner = OBJECT(p);

    memory_region_init(&p->bar, owner, "virtio-pci", VIRTIO_PCI_BAR_SIZE);
    memory_region_init_io(&p->common, owner, &common_ops, p,
                          "virtio-pci-common", VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->isr, owner, &isr_ops, p, "virtio-pci-isr",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->device, owner, &device_ops, p,
                          "virtio-pci-device", VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->notify, owner, &notify_ops, p,
                          "virtio-pci-notify", VIRTIO_PCI_REGION_SIZE);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_COMMON_OFFSET,
                                &p->common);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_ISR_OFFSET, &p->isr);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_DEVICE_OFFSET,
                                &p->device);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_NOTIFY_OFFSET,
                                &p->notify);
}

static void finalize_bar(VirtIOPCIProxy *p)
{
    memory_region_finalize(&p->bar);    /* removes the windows first */
    memory_region_finalize(&p->common);
    memory_region_finalize(&p->isr);
    memory_region_finalize(&p->device);
    memory_region_finalize(&p->notify);
}

static bool virtio_pci_realize(PCIDevice *dev, GError **errp)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    VirtioPCIClass *k = VIRTIO_PCI_GET_CLASS(dev);

    g_assert(p->vdev);
    pci_config_set_interrupt_pin(dev->config, 1);
    if (!add_caps(p, errp)) {
        return false;
    }
    init_bar(p);
    pci_register_bar(dev, VIRTIO_PCI_MODERN_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &p->bar);
    p->vdev->dma_as = pci_get_address_space(dev);
    p->vdev->transport.update_irq = update_irq;
    p->vdev->transport.opaque = p;
    if (k->realize && !k->realize(p, errp)) {
        return false;
    }
    proxy_reset_queues(p);
    if (!virtio_pci_migration_register(p, errp)) {
        if (k->exit) {
            k->exit(p);
        }
        return false;
    }
    return true;
}

static void virtio_pci_exit(PCIDevice *dev)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);
    VirtioPCIClass *k = VIRTIO_PCI_GET_CLASS(dev);

    virtio_pci_migration_unregister(p);
    virtio_pci_ioeventfd_free(p);
    if (k->exit) {
        k->exit(p);
    }
    /* The PCI layer unmaps the BAR after exit; free it at finalize. */
}

static void virtio_pci_reset(DeviceState *dev)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(dev);

    virtio_pci_ioeventfd_stop(p);
    virtio_reset(p->vdev);
    proxy_reset_queues(p);
    pci_set_irq(&p->pci_dev, 0);
}

static void virtio_pci_instance_finalize(Object *obj)
{
    VirtIOPCIProxy *p = VIRTIO_PCI(obj);

    if (memory_region_size(&p->bar)) {
        finalize_bar(p);
    }
}

static void virtio_pci_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(oc);

    k->realize = virtio_pci_realize;
    k->exit = virtio_pci_exit;
    k->config_read = virtio_pci_config_read;
    k->config_write = virtio_pci_config_write;
    k->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    k->revision = 1;
    dc->reset = virtio_pci_reset;
}

static const TypeInfo virtio_pci_info = {
    .name = TYPE_VIRTIO_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VirtIOPCIProxy),
    .instance_finalize = virtio_pci_instance_finalize,
    .class_size = sizeof(VirtioPCIClass),
    .class_init = virtio_pci_class_init,
    .abstract = true,
};

void virtio_pci_register_types(void)
{
    pci_register_types();
    virtio_register_types();
    type_register_static(&virtio_pci_info);
}
