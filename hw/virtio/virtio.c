/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtio core: device status, feature negotiation, configuration
 * interrupts and split virtqueues read and written through an
 * AddressSpace.
 *
 * This file owns every check of guest-written ring state.  Nothing from
 * guest memory is trusted: the available index may move by at most the
 * queue size, heads and next indices must lie in the table, chains may
 * not be longer than the table (so loops end), buffers must be non-empty,
 * must not wrap the address space, readable ones come before writable
 * ones, and indirect tables are honoured only when negotiated and never
 * nested.  Any violation goes through virtio_error() and the device stops
 * processing until it is reset.
 *
 * Tuned for control-plane queues (virtio-mem's request queue): one chain
 * per request, a handful of descriptors, a few thousand requests per
 * second at most.  Guest memory is copied, never mapped, so nothing here
 * holds a pointer into guest RAM across a call.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "hw/virtio/virtio.h"

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned int index;
    uint16_t num;               /* current size (set by the driver) */
    uint16_t num_max;           /* 0: queue not present */
    bool enabled;
    hwaddr desc;
    hwaddr avail;
    hwaddr used;
    uint16_t last_avail_idx;    /* next ring slot the device reads */
    uint16_t used_idx;          /* next used slot the device writes */
    uint16_t signalled_used;    /* used_idx at the last interrupt */
    bool signalled_used_valid;
    unsigned int inuse;
    VirtIOHandleOutput handle_output;
};

/* --- Guest-memory accessors (byte order: qemu/bswap.h) ------------------- */

static bool vq_read(VirtQueue *vq, hwaddr addr, void *buf, hwaddr len)
{
    return address_space_read(vq->vdev->dma_as, addr, MEMTXATTRS_UNSPECIFIED,
                              buf, len) == MEMTX_OK;
}

static bool vq_write(VirtQueue *vq, hwaddr addr, const void *buf, hwaddr len)
{
    return address_space_write(vq->vdev->dma_as, addr,
                               MEMTXATTRS_UNSPECIFIED, buf, len) == MEMTX_OK;
}

static bool vq_read16(VirtQueue *vq, hwaddr addr, uint16_t *val)
{
    uint16_t le;

    if (!vq_read(vq, addr, &le, sizeof(le))) {
        return false;
    }
    *val = GUINT16_FROM_LE(le);
    return true;
}

static bool vq_write16(VirtQueue *vq, hwaddr addr, uint16_t val)
{
    uint16_t le = GUINT16_TO_LE(val);

    return vq_write(vq, addr, &le, sizeof(le));
}

/* Offsets in the rings (split layout). */
static hwaddr avail_idx_addr(VirtQueue *vq)
{
    return vq->avail + 2;
}

static hwaddr avail_ring_addr(VirtQueue *vq, unsigned int i)
{
    return vq->avail + 4 + 2 * (hwaddr)i;
}

static hwaddr used_event_addr(VirtQueue *vq)
{
    return vq->avail + 4 + 2 * (hwaddr)vq->num;
}

static hwaddr used_idx_addr(VirtQueue *vq)
{
    return vq->used + 2;
}

static hwaddr used_ring_addr(VirtQueue *vq, unsigned int i)
{
    return vq->used + 4 + VRING_USED_ELEM_SIZE * (hwaddr)i;
}

static hwaddr avail_event_addr(VirtQueue *vq)
{
    return vq->used + 4 + VRING_USED_ELEM_SIZE * (hwaddr)vq->num;
}

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

static bool vq_read_desc(VirtQueue *vq, hwaddr table, unsigned int i,
                         VRingDesc *d)
{
    uint8_t raw[VRING_DESC_SIZE];

    if (!vq_read(vq, table + (hwaddr)i * VRING_DESC_SIZE, raw, sizeof(raw))) {
        return false;
    }
    d->addr = ldq_le_p(raw);
    d->len = ldl_le_p(raw + 8);
    d->flags = lduw_le_p(raw + 12);
    d->next = lduw_le_p(raw + 14);
    return true;
}

/* --- Errors -------------------------------------------------------------- */

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (vdev->broken) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* The one place that names the device: callers must not. */
    if (!vdev->broken_reported) {
        /* The operator sees it, as in QEMU 7.2 (which prints every one) */
        vdev->broken_reported = true;
        error_report("%s: %s", vdev->name ? vdev->name : "virtio", msg);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %s\n",
                      vdev->name ? vdev->name : "virtio", msg);
    }
    g_free(msg);

    /* Our transports are modern-only: NEEDS_RESET always exists. */
    vdev->broken = true;
    vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    virtio_notify_config(vdev);
}

/* --- Popping chains ------------------------------------------------------ */

/* Element under construction; ranges grow in a GArray. */
typedef struct ChainBuilder {
    GArray *out;
    GArray *in;
    uint64_t out_len;
    uint64_t in_len;
    unsigned int ndescs;
} ChainBuilder;

/* Check and record one buffer descriptor.  False: the device is broken. */
static bool chain_add(VirtQueue *vq, ChainBuilder *cb, const VRingDesc *d)
{
    VirtIODevice *vdev = vq->vdev;
    VirtQueueRange r = { .addr = d->addr, .len = d->len };
    bool writable = d->flags & VRING_DESC_F_WRITE;

    if (d->len == 0) {
        virtio_error(vdev, "zero-length buffer in queue %u", vq->index);
        return false;
    }
    if (d->addr + d->len - 1 < d->addr) {
        virtio_error(vdev, "buffer 0x%" PRIx64 "+0x%" PRIx32
                     " wraps the address space", d->addr, d->len);
        return false;
    }
    if (!writable && cb->in->len) {
        virtio_error(vdev, "readable buffer after a writable one in queue %u",
                     vq->index);
        return false;
    }
    if (++cb->ndescs > VIRTQUEUE_MAX_SIZE) {
        virtio_error(vdev, "chain longer than %u in queue %u",
                     VIRTQUEUE_MAX_SIZE, vq->index);
        return false;
    }
    if (writable) {
        cb->in_len += d->len;
        g_array_append_val(cb->in, r);
    } else {
        cb->out_len += d->len;
        g_array_append_val(cb->out, r);
    }
    if (cb->in_len > UINT32_MAX || cb->out_len > UINT32_MAX) {
        virtio_error(vdev, "chain of more than 4 GiB in queue %u", vq->index);
        return false;
    }
    return true;
}

/*
 * Walk an indirect table.  Its descriptors may not be indirect again; the
 * walk ends after at most as many steps as the table has entries.
 */
static bool chain_walk_indirect(VirtQueue *vq, ChainBuilder *cb,
                                const VRingDesc *ind)
{
    VirtIODevice *vdev = vq->vdev;
    unsigned int max, i = 0, steps = 0;
    VRingDesc d;

    if (!virtio_vdev_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC)) {
        virtio_error(vdev, "indirect descriptor without RING_INDIRECT_DESC");
        return false;
    }
    if (ind->flags & VRING_DESC_F_NEXT) {
        virtio_error(vdev, "indirect descriptor with NEXT set");
        return false;
    }
    if (ind->len == 0 || ind->len % VRING_DESC_SIZE ||
        ind->len / VRING_DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
        virtio_error(vdev, "invalid indirect table size 0x%" PRIx32,
                     ind->len);
        return false;
    }
    if (ind->addr + ind->len - 1 < ind->addr) {
        virtio_error(vdev, "indirect table wraps the address space");
        return false;
    }
    max = ind->len / VRING_DESC_SIZE;
    for (;;) {
        if (++steps > max) {
            virtio_error(vdev, "loop in indirect table");
            return false;
        }
        if (!vq_read_desc(vq, ind->addr, i, &d)) {
            virtio_error(vdev, "indirect table 0x%" PRIx64 " not readable",
                         ind->addr);
            return false;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            virtio_error(vdev, "nested indirect descriptor");
            return false;
        }
        if (!chain_add(vq, cb, &d)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= max) {
            virtio_error(vdev, "indirect next %u out of range (%u)",
                         d.next, max);
            return false;
        }
        i = d.next;
    }
}

/* Walk the chain starting at @head of the main table. */
static bool chain_walk(VirtQueue *vq, ChainBuilder *cb, unsigned int head)
{
    VirtIODevice *vdev = vq->vdev;
    unsigned int i = head, steps = 0;
    VRingDesc d;

    for (;;) {
        if (++steps > vq->num) {
            virtio_error(vdev, "loop in descriptor chain of queue %u",
                         vq->index);
            return false;
        }
        if (!vq_read_desc(vq, vq->desc, i, &d)) {
            virtio_error(vdev, "descriptor table of queue %u not readable",
                         vq->index);
            return false;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (steps > 1 || cb->ndescs) {
                virtio_error(vdev, "indirect descriptor inside a chain");
                return false;
            }
            return chain_walk_indirect(vq, cb, &d);
        }
        if (!chain_add(vq, cb, &d)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= vq->num) {
            virtio_error(vdev, "next %u out of range (%u) in queue %u",
                         d.next, vq->num, vq->index);
            return false;
        }
        i = d.next;
    }
}

static VirtQueueElement *chain_to_element(ChainBuilder *cb, unsigned int head)
{
    size_t n = cb->out->len + cb->in->len;
    VirtQueueElement *elem;

    elem = g_malloc0(sizeof(*elem) + n * sizeof(VirtQueueRange));
    elem->index = head;
    elem->ndescs = cb->ndescs;
    elem->out_num = cb->out->len;
    elem->in_num = cb->in->len;
    elem->out_len = cb->out_len;
    elem->in_len = cb->in_len;
    elem->out = (VirtQueueRange *)(elem + 1);
    elem->in = elem->out + elem->out_num;
    if (elem->out_num) {
        memcpy(elem->out, cb->out->data,
               elem->out_num * sizeof(VirtQueueRange));
    }
    if (elem->in_num) {
        memcpy(elem->in, cb->in->data, elem->in_num * sizeof(VirtQueueRange));
    }
    return elem;
}

static bool vq_usable(VirtQueue *vq)
{
    return !vq->vdev->broken && vq->enabled && vq->num && vq->desc;
}

/*
 * How many chains are waiting?  -1 (device broken) when the available
 * index moved by more than the queue size.
 */
static int vq_pending(VirtQueue *vq)
{
    uint16_t avail_idx, n;

    if (!vq_read16(vq, avail_idx_addr(vq), &avail_idx)) {
        virtio_error(vq->vdev, "available ring of queue %u not readable",
                     vq->index);
        return -1;
    }
    n = (uint16_t)(avail_idx - vq->last_avail_idx);
    if (n > vq->num) {
        virtio_error(vq->vdev, "available index moved by %u in a queue "
                     "of %u", n, vq->num);
        return -1;
    }
    return n;
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    VirtQueueElement *elem = NULL;
    ChainBuilder cb = { 0 };
    uint16_t head;

    if (!vq_usable(vq) || vq_pending(vq) <= 0) {
        return NULL;
    }
    if (!vq_read16(vq, avail_ring_addr(vq, vq->last_avail_idx % vq->num),
                   &head)) {
        virtio_error(vdev, "available ring of queue %u not readable",
                     vq->index);
        return NULL;
    }
    if (head >= vq->num) {
        virtio_error(vdev, "head %u out of range (%u) in queue %u", head,
                     vq->num, vq->index);
        return NULL;
    }
    cb.out = g_array_new(false, false, sizeof(VirtQueueRange));
    cb.in = g_array_new(false, false, sizeof(VirtQueueRange));
    if (chain_walk(vq, &cb, head)) {
        elem = chain_to_element(&cb, head);
        vq->last_avail_idx++;
        vq->inuse++;
        if (virtio_vdev_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
            /* Ask for a kick as soon as anything new is made available. */
            vq_write16(vq, avail_event_addr(vq), vq->last_avail_idx);
        }
    }
    g_array_free(cb.out, true);
    g_array_free(cb.in, true);
    return elem;
}

void virtqueue_detach_element(VirtQueue *vq, const VirtQueueElement *elem)
{
    if (vq->inuse) {
        vq->inuse--;
    }
}

void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len)
{
    uint8_t raw[VRING_USED_ELEM_SIZE];

    virtqueue_detach_element(vq, elem);
    if (!vq_usable(vq)) {
        return;
    }
    stl_le_p(raw, elem->index);
    stl_le_p(raw + 4, len);
    if (!vq_write(vq, used_ring_addr(vq, vq->used_idx % vq->num), raw,
                  sizeof(raw))) {
        virtio_error(vq->vdev, "used ring of queue %u not writable",
                     vq->index);
        return;
    }
    vq->used_idx++;
    vq_write16(vq, used_idx_addr(vq), vq->used_idx);
}

unsigned int virtqueue_inuse(const VirtQueue *vq)
{
    return vq->inuse;
}

/* Did used_idx pass @event since the last interrupt? (EVENT_IDX rule) */
static bool vring_need_event(uint16_t event, uint16_t new_idx,
                             uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

static bool vq_should_notify(VirtQueue *vq)
{
    uint16_t old, flags, event;
    bool valid;

    if (virtio_vdev_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        old = vq->signalled_used;
        valid = vq->signalled_used_valid;
        vq->signalled_used = vq->used_idx;
        vq->signalled_used_valid = true;
        if (!valid || !vq_read16(vq, used_event_addr(vq), &event)) {
            return true;
        }
        return vring_need_event(event, vq->used_idx, old);
    }
    if (!vq_read16(vq, vq->avail, &flags)) {
        return true;
    }
    return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

static void virtio_update_irq(VirtIODevice *vdev)
{
    if (vdev->transport.update_irq) {
        vdev->transport.update_irq(vdev->transport.opaque);
    }
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!vq_usable(vq) || !vq_should_notify(vq)) {
        return;
    }
    vdev->isr |= VIRTIO_ISR_QUEUE;
    virtio_update_irq(vdev);
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->generation++;
    /* QEMU sets both bits: INTx follows bit 0 on its transports. */
    vdev->isr |= VIRTIO_ISR_CONFIG | VIRTIO_ISR_QUEUE;
    virtio_update_irq(vdev);
}

uint8_t virtio_isr_read_and_clear(VirtIODevice *vdev)
{
    uint8_t isr = vdev->isr;

    vdev->isr = 0;
    if (isr) {
        virtio_update_irq(vdev);
    }
    return isr;
}

/* --- Copying to and from elements ---------------------------------------- */

static ssize_t iov_copy(AddressSpace *as, const VirtQueueRange *iov,
                        unsigned int n, size_t offset, void *buf,
                        size_t bytes, bool to_guest)
{
    size_t done = 0;

    for (unsigned int i = 0; i < n && done < bytes; i++) {
        size_t chunk;
        MemTxResult res;

        if (offset >= iov[i].len) {
            offset -= iov[i].len;
            continue;
        }
        chunk = MIN(iov[i].len - offset, bytes - done);
        if (to_guest) {
            res = address_space_write(as, iov[i].addr + offset,
                                      MEMTXATTRS_UNSPECIFIED,
                                      (uint8_t *)buf + done, chunk);
        } else {
            res = address_space_read(as, iov[i].addr + offset,
                                     MEMTXATTRS_UNSPECIFIED,
                                     (uint8_t *)buf + done, chunk);
        }
        if (res != MEMTX_OK) {
            return -EFAULT;
        }
        done += chunk;
        offset = 0;
    }
    return done;
}

ssize_t virtio_iov_to_buf(AddressSpace *as, const VirtQueueRange *iov,
                          unsigned int n, size_t offset, void *buf,
                          size_t bytes)
{
    return iov_copy(as, iov, n, offset, buf, bytes, false);
}

ssize_t virtio_iov_from_buf(AddressSpace *as, const VirtQueueRange *iov,
                            unsigned int n, size_t offset, const void *buf,
                            size_t bytes)
{
    return iov_copy(as, iov, n, offset, (void *)buf, bytes, true);
}

/* --- Queue registers ----------------------------------------------------- */

VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n)
{
    g_assert(n < VIRTIO_QUEUE_MAX);
    return &vdev->vq[n];
}

static VirtQueue *vq_lookup(VirtIODevice *vdev, unsigned n)
{
    return n < VIRTIO_QUEUE_MAX ? &vdev->vq[n] : NULL;
}

uint16_t virtio_queue_get_num(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    return vq ? vq->num : 0;
}

uint16_t virtio_queue_get_max_num(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    return vq ? vq->num_max : 0;
}

void virtio_queue_set_num(VirtIODevice *vdev, unsigned n, uint16_t num)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    if (!vq || !vq->num_max || vq->enabled || num == 0 ||
        num > vq->num_max || (num & (num - 1))) {
        return;
    }
    vq->num = num;
}

void virtio_queue_set_rings(VirtIODevice *vdev, unsigned n, hwaddr desc,
                            hwaddr avail, hwaddr used)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    if (!vq || !vq->num_max || vq->enabled) {
        return;
    }
    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
}

void virtio_queue_set_enabled(VirtIODevice *vdev, unsigned n, bool enabled)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    if (!vq || !vq->num_max) {
        return;
    }
    vq->enabled = enabled;
}

bool virtio_queue_get_enabled(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    return vq && vq->enabled;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = vq_lookup(vdev, n);

    if (!vq || !vq->handle_output || !vq_usable(vq)) {
        return;
    }
    vq->handle_output(vdev, vq);
}

static void vq_reset(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->enabled = false;
    vq->desc = vq->avail = vq->used = 0;
    vq->last_avail_idx = vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->inuse = 0;
}

/* --- Device state -------------------------------------------------------- */

void virtio_init(VirtIODevice *vdev, uint16_t device_id, size_t config_size)
{
    vdev->device_id = device_id;
    vdev->config_len = config_size;
    vdev->config = g_malloc0(MAX(config_size, 1));
    vdev->vq = g_new0(VirtQueue, VIRTIO_QUEUE_MAX);
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        vdev->vq[i].vdev = vdev;
        vdev->vq[i].index = i;
    }
    vdev->status = 0;
    vdev->isr = 0;
    vdev->broken = false;
}

void virtio_cleanup(VirtIODevice *vdev)
{
    g_clear_pointer(&vdev->vq, g_free);
    g_clear_pointer(&vdev->config, g_free);
    vdev->config_len = 0;
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput handle_output)
{
    unsigned i;

    g_assert(queue_size > 0 && queue_size <= VIRTQUEUE_MAX_SIZE);
    g_assert(!(queue_size & (queue_size - 1)));
    for (i = 0; i < VIRTIO_QUEUE_MAX && vdev->vq[i].num_max; i++) {
        /* find a free slot */
    }
    g_assert(i < VIRTIO_QUEUE_MAX);
    vdev->vq[i].num_max = queue_size;
    vdev->vq[i].handle_output = handle_output;
    vq_reset(&vdev->vq[i]);
    return &vdev->vq[i];
}

void virtio_reset(VirtIODevice *vdev)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (vdc->set_status) {
        vdc->set_status(vdev, 0);
    }
    if (vdc->reset) {
        vdc->reset(vdev);
    }
    vdev->status = 0;
    vdev->broken = false;
    vdev->guest_features = 0;
    vdev->queue_sel = 0;
    for (unsigned i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        vq_reset(&vdev->vq[i]);
    }
    if (vdev->isr) {
        vdev->isr = 0;
        virtio_update_irq(vdev);
    }
}

int virtio_set_features(VirtIODevice *vdev, uint64_t val)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
        return -EINVAL;
    }
    val &= vdev->host_features;
    vdev->guest_features = val;
    if (vdc->set_features) {
        vdc->set_features(vdev, val);
    }
    return 0;
}

int virtio_set_status(VirtIODevice *vdev, uint8_t val)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (val == 0) {
        virtio_reset(vdev);
        return 0;
    }
    if ((val & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        if (vdc->validate_features && vdc->validate_features(vdev)) {
            return -EINVAL;
        }
    }
    if (vdc->set_status) {
        vdc->set_status(vdev, val);
    }
    /* NEEDS_RESET is the device's to set; the driver cannot clear it. */
    vdev->status = val | (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    return 0;
}

void virtio_config_refresh(VirtIODevice *vdev)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(vdev);

    if (vdc->get_config) {
        vdc->get_config(vdev, vdev->config);
    }
}

/* --- The abstract device type -------------------------------------------- */

#define VIRTIO_BASE_FEATURES \
    ((1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
     (1ull << VIRTIO_RING_F_EVENT_IDX) | \
     (1ull << VIRTIO_F_VERSION_1) | \
     (1ull << VIRTIO_F_RING_RESET))

static bool virtio_device_realize(DeviceState *dev, GError **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(dev);

    /* The transport says where the rings live before realizing us. */
    g_assert(vdev->dma_as);
    if (vdc->realize && !vdc->realize(vdev, errp)) {
        return false;
    }
    g_assert(vdev->vq);     /* the device called virtio_init() */
    vdev->host_features = VIRTIO_BASE_FEATURES;
    if (vdc->get_features) {
        vdev->host_features = vdc->get_features(vdev, vdev->host_features);
    }
    return true;
}

static void virtio_device_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_GET_CLASS(dev);

    if (vdc->unrealize) {
        vdc->unrealize(vdev);
    }
    virtio_cleanup(vdev);
}

static void virtio_device_reset(DeviceState *dev)
{
    virtio_reset(VIRTIO_DEVICE(dev));
}

static void virtio_device_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->realize = virtio_device_realize;
    dc->unrealize = virtio_device_unrealize;
    dc->reset = virtio_device_reset;
    dc->user_creatable = false;
}

static const TypeInfo virtio_device_info = {
    .name = TYPE_VIRTIO_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(VirtIODevice),
    .class_size = sizeof(VirtioDeviceClass),
    .class_init = virtio_device_class_init,
    .abstract = true,
};

void virtio_register_types(void)
{
    qdev_register_types();
    type_register_static(&virtio_device_info);
}

/* ---- Migration ---------------------------------------------------------- */

void virtio_queue_get_state(VirtIODevice *vdev, unsigned n,
                            VirtQueueState *st)
{
    VirtQueue *vq = &vdev->vq[n];

    g_assert(n < VIRTIO_QUEUE_MAX);
    *st = (VirtQueueState) {
        .num = vq->num, .enabled = vq->enabled,
        .desc = vq->desc, .avail = vq->avail, .used = vq->used,
        .last_avail_idx = vq->last_avail_idx, .used_idx = vq->used_idx,
        .signalled_used = vq->signalled_used,
        .signalled_used_valid = vq->signalled_used_valid,
    };
}

void virtio_queue_set_state(VirtIODevice *vdev, unsigned n,
                            const VirtQueueState *st)
{
    VirtQueue *vq = &vdev->vq[n];

    g_assert(n < VIRTIO_QUEUE_MAX && !vq->inuse);
    vq->num = st->num;
    vq->enabled = st->enabled;
    vq->desc = st->desc;
    vq->avail = st->avail;
    vq->used = st->used;
    vq->last_avail_idx = st->last_avail_idx;
    vq->used_idx = st->used_idx;
    vq->signalled_used = st->signalled_used;
    vq->signalled_used_valid = st->signalled_used_valid;
}
