/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio-pci modern transport for the test guest: the vendor
 * capabilities (common, notify, ISR, device configuration), device
 * status and feature negotiation, and one split virtqueue used for one
 * request at a time (two descriptors: the request, then the response
 * buffer).  The driver polls the used ring and asks the device not to
 * interrupt for used buffers; interrupts are for configuration changes.
 */
#include "guest.h"

/* Common configuration (virtio 1.x, 4.1.4.3). */
#define VC_DFSELECT 0x00
#define VC_DF 0x04
#define VC_GFSELECT 0x08
#define VC_GF 0x0c
#define VC_NUM_QUEUES 0x12
#define VC_STATUS 0x14
#define VC_CFGGEN 0x15
#define VC_Q_SELECT 0x16
#define VC_Q_SIZE 0x18
#define VC_Q_ENABLE 0x1c
#define VC_Q_NOFF 0x1e
#define VC_Q_DESC 0x20
#define VC_Q_AVAIL 0x28
#define VC_Q_USED 0x30

#define ST_ACKNOWLEDGE 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define ST_FAILED 0x80

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1

static struct {
    struct vring_desc desc[VQ_MAX];
    uint16_t avail[2 + VQ_MAX + 1];
    uint8_t pad[4096 - (2 + VQ_MAX + 1) * 2];
    uint8_t used[4 + 8 * VQ_MAX + 2];
} vq_mem __attribute__((aligned(4096)));

static uint8_t req_buf[64] __attribute__((aligned(64)));
static uint8_t resp_buf[64] __attribute__((aligned(64)));

uint8_t virtio_status(struct virtio_dev *vd)
{
    return mmio_read8(vd->common + VC_STATUS);
}

uint8_t virtio_config_generation(struct virtio_dev *vd)
{
    return mmio_read8(vd->common + VC_CFGGEN);
}

uint8_t virtio_read_isr(struct virtio_dev *vd)
{
    return mmio_read8(vd->isr);
}

void virtio_reset(struct virtio_dev *vd)
{
    uint64_t deadline = uptime_ms() + 1000;

    mmio_write8(vd->common + VC_STATUS, 0);
    while (virtio_status(vd) != 0) {
        if (uptime_ms() > deadline) {
            panic("virtio: the device does not complete its reset");
        }
    }
}

static void set_status(struct virtio_dev *vd, uint8_t bits)
{
    mmio_write8(vd->common + VC_STATUS, virtio_status(vd) | bits);
}

static bool find_caps(struct virtio_dev *vd)
{
    struct pci_dev *d = vd->pci;
    uint8_t ptr;
    int guard = 48;

    if (!(pci_cfg_read16(d, 0x06) & 0x10)) {
        printk("virtio: no capability list\n");
        return false;
    }
    for (ptr = pci_cfg_read8(d, 0x34) & 0xfc; ptr && guard--;
         ptr = pci_cfg_read8(d, ptr + 1) & 0xfc) {
        uint8_t type, bar;
        uint32_t off;
        uint64_t addr;

        if (pci_cfg_read8(d, ptr) != 0x09) {
            continue;
        }
        type = pci_cfg_read8(d, ptr + 3);
        bar = pci_cfg_read8(d, ptr + 4);
        off = pci_cfg_read32(d, ptr + 8);
        if (bar > 5 || !d->bar[bar] ||
            d->bar_kind[bar] == PCI_BAR_IO) {
            continue;
        }
        addr = d->bar[bar] + off;
        switch (type) {
        case 1:
            if (!vd->common) {
                vd->common = addr;
            }
            break;
        case 2:
            if (!vd->notify_base) {
                vd->notify_base = addr;
                vd->notify_mult = pci_cfg_read32(d, ptr + 16);
            }
            break;
        case 3:
            if (!vd->isr) {
                vd->isr = addr;
            }
            break;
        case 4:
            if (!vd->device_cfg) {
                vd->device_cfg = addr;
            }
            break;
        }
    }
    if (!vd->common || !vd->notify_base || !vd->isr || !vd->device_cfg) {
        printk("virtio: missing capabilities (common %llx notify %llx "
               "isr %llx device %llx)\n", (unsigned long long)vd->common,
               (unsigned long long)vd->notify_base,
               (unsigned long long)vd->isr,
               (unsigned long long)vd->device_cfg);
        return false;
    }
    return true;
}

bool virtio_init(struct virtio_dev *vd, struct pci_dev *pci,
                 uint64_t wanted, uint64_t required)
{
    struct virtq *q = &vd->vq[0];
    uint64_t offered;
    uint16_t size, noff;

    memset(vd, 0, sizeof(*vd));
    vd->pci = pci;
    if (!find_caps(vd)) {
        return false;
    }
    virtio_reset(vd);
    set_status(vd, ST_ACKNOWLEDGE);
    set_status(vd, ST_DRIVER);

    mmio_write32(vd->common + VC_DFSELECT, 0);
    offered = mmio_read32(vd->common + VC_DF);
    mmio_write32(vd->common + VC_DFSELECT, 1);
    offered |= (uint64_t)mmio_read32(vd->common + VC_DF) << 32;
    required |= 1ULL << VIRTIO_F_VERSION_1;
    if ((offered & required) != required) {
        printk("virtio: features 0x%llx offered, 0x%llx required\n",
               (unsigned long long)offered, (unsigned long long)required);
        set_status(vd, ST_FAILED);
        return false;
    }
    vd->features = offered & (wanted | required);
    mmio_write32(vd->common + VC_GFSELECT, 0);
    mmio_write32(vd->common + VC_GF, (uint32_t)vd->features);
    mmio_write32(vd->common + VC_GFSELECT, 1);
    mmio_write32(vd->common + VC_GF, (uint32_t)(vd->features >> 32));
    set_status(vd, ST_FEATURES_OK);
    if (!(virtio_status(vd) & ST_FEATURES_OK)) {
        printk("virtio: the device refused features 0x%llx\n",
               (unsigned long long)vd->features);
        set_status(vd, ST_FAILED);
        return false;
    }

    mmio_write16(vd->common + VC_Q_SELECT, 0);
    size = mmio_read16(vd->common + VC_Q_SIZE);
    if (!size) {
        printk("virtio: queue 0 is not available\n");
        set_status(vd, ST_FAILED);
        return false;
    }
    if (size > VQ_MAX) {
        size = VQ_MAX;
        mmio_write16(vd->common + VC_Q_SIZE, size);
    }
    memset(&vq_mem, 0, sizeof(vq_mem));
    q->size = size;
    q->desc = vq_mem.desc;
    q->avail = vq_mem.avail;
    q->used = vq_mem.used;
    q->last_used = 0;
    q->next_avail = 0;
    q->avail[0] = VRING_AVAIL_F_NO_INTERRUPT;
    noff = mmio_read16(vd->common + VC_Q_NOFF);
    q->notify_addr = vd->notify_base + (uint64_t)noff * vd->notify_mult;
    mmio_write64(vd->common + VC_Q_DESC, (uint64_t)q->desc);
    mmio_write64(vd->common + VC_Q_AVAIL, (uint64_t)q->avail);
    mmio_write64(vd->common + VC_Q_USED, (uint64_t)q->used);
    mmio_write16(vd->common + VC_Q_ENABLE, 1);
    set_status(vd, ST_DRIVER_OK);
    return true;
}

int virtio_request(struct virtio_dev *vd, const void *out, uint32_t out_len,
                   void *in, uint32_t in_len, uint64_t timeout_ms)
{
    struct virtq *q = &vd->vq[0];
    volatile uint16_t *used_idx = (volatile uint16_t *)(q->used + 2);
    uint64_t deadline = uptime_ms() + timeout_ms;
    uint32_t len;
    uint16_t slot;

    if (out_len > sizeof(req_buf) || in_len > sizeof(resp_buf)) {
        panic("virtio: request too large");
    }
    memcpy(req_buf, out, out_len);
    memset(resp_buf, 0xff, in_len);
    q->desc[0].addr = (uint64_t)req_buf;
    q->desc[0].len = out_len;
    q->desc[0].flags = VRING_DESC_F_NEXT;
    q->desc[0].next = 1;
    q->desc[1].addr = (uint64_t)resp_buf;
    q->desc[1].len = in_len;
    q->desc[1].flags = VRING_DESC_F_WRITE;
    q->desc[1].next = 0;
    q->avail[2 + q->next_avail % q->size] = 0;
    barrier();
    q->next_avail++;
    q->avail[1] = q->next_avail;
    barrier();
    mmio_write16(q->notify_addr, 0);
    while (*used_idx == q->last_used) {
        if (uptime_ms() > deadline) {
            return -1;
        }
        __asm__ volatile("pause" : : : "memory");
    }
    barrier();
    slot = q->last_used % q->size;
    len = *(volatile uint32_t *)(q->used + 4 + 8 * slot + 4);
    q->last_used++;
    memcpy(in, resp_buf, in_len);
    return (int)len;
}
