/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state of a virtio-pci function as a migration section
 * (include/migration/vmstate.h), "<QOM path>#virtio": what the driver
 * programmed through the common configuration (feature selects, the
 * accepted features, each queue's size, enable bit and ring addresses)
 * and the virtio core's side (status, ISR, config generation, each
 * queue's ring positions).  The device's own state (virtio-mem) has its
 * own section; the configuration space is the PCI section.
 *
 * Payload, version 1, little-endian:
 *   u32 dfselect, u32 gfselect, u32 guest_features[2],
 *   u8 status, u8 isr, u8 generation, u8 broken, u32 queue_sel,
 *   u64 guest features (core), u32 queue count (VIRTIO_QUEUE_MAX), then
 *   per queue: u32 num, u8 enabled, u32 desc[2], u32 avail[2],
 *   u32 used[2] (transport); u32 num, u8 enabled, u64 desc, u64 avail,
 *   u64 used, u32 last_avail_idx, u32 used_idx, u32 signalled_used,
 *   u8 signalled_used_valid (core).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "hw/virtio/virtio-pci.h"

#define VPCI_STATE_VERSION 1

static bool vpci_save(void *opaque, GByteArray *out, GError **errp)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;

    mig_put_u32(out, p->dfselect);
    mig_put_u32(out, p->gfselect);
    mig_put_u32(out, p->guest_features[0]);
    mig_put_u32(out, p->guest_features[1]);
    mig_put_u8(out, vdev->status);
    mig_put_u8(out, vdev->isr);
    mig_put_u8(out, vdev->generation);
    mig_put_u8(out, vdev->broken);
    mig_put_u32(out, vdev->queue_sel);
    mig_put_u64(out, vdev->guest_features);
    mig_put_u32(out, VIRTIO_QUEUE_MAX);
    for (unsigned n = 0; n < VIRTIO_QUEUE_MAX; n++) {
        VirtIOPCIQueue *q = &p->vqs[n];
        VirtQueueState st;

        mig_put_u32(out, q->num);
        mig_put_u8(out, q->enabled);
        for (int i = 0; i < 2; i++) {
            mig_put_u32(out, q->desc[i]);
            mig_put_u32(out, q->avail[i]);
            mig_put_u32(out, q->used[i]);
        }
        virtio_queue_get_state(vdev, n, &st);
        mig_put_u32(out, st.num);
        mig_put_u8(out, st.enabled);
        mig_put_u64(out, st.desc);
        mig_put_u64(out, st.avail);
        mig_put_u64(out, st.used);
        mig_put_u32(out, st.last_avail_idx);
        mig_put_u32(out, st.used_idx);
        mig_put_u32(out, st.signalled_used);
        mig_put_u8(out, st.signalled_used_valid);
    }
    return true;
}

typedef struct VpciState {
    uint32_t dfselect, gfselect, gf[2];
    uint8_t status, isr, generation, broken;
    uint32_t queue_sel;
    uint64_t guest_features;
    VirtIOPCIQueue q[VIRTIO_QUEUE_MAX];
    VirtQueueState st[VIRTIO_QUEUE_MAX];
} VpciState;

/* Decode and check against @p; no side effects. */
static bool vpci_decode(VirtIOPCIProxy *p, const uint8_t *data, size_t len,
                        VpciState *s, GError **errp)
{
    MigCursor c;

    mig_cursor_init(&c, data, len);
    s->dfselect = mig_get_u32(&c);
    s->gfselect = mig_get_u32(&c);
    s->gf[0] = mig_get_u32(&c);
    s->gf[1] = mig_get_u32(&c);
    s->status = mig_get_u8(&c);
    s->isr = mig_get_u8(&c);
    s->generation = mig_get_u8(&c);
    s->broken = mig_get_u8(&c);
    s->queue_sel = mig_get_u32(&c);
    s->guest_features = mig_get_u64(&c);
    if (mig_get_u32(&c) != VIRTIO_QUEUE_MAX) {
        error_setg(errp, "queue count differs");
        return false;
    }
    for (unsigned n = 0; n < VIRTIO_QUEUE_MAX; n++) {
        VirtIOPCIQueue *q = &s->q[n];
        VirtQueueState *st = &s->st[n];
        uint16_t max = virtio_queue_get_max_num(p->vdev, n);

        q->num = mig_get_u32(&c);
        q->enabled = mig_get_u8(&c);
        for (int i = 0; i < 2; i++) {
            q->desc[i] = mig_get_u32(&c);
            q->avail[i] = mig_get_u32(&c);
            q->used[i] = mig_get_u32(&c);
        }
        st->num = mig_get_u32(&c);
        st->enabled = mig_get_u8(&c);
        st->desc = mig_get_u64(&c);
        st->avail = mig_get_u64(&c);
        st->used = mig_get_u64(&c);
        st->last_avail_idx = mig_get_u32(&c);
        st->used_idx = mig_get_u32(&c);
        st->signalled_used = mig_get_u32(&c);
        st->signalled_used_valid = mig_get_u8(&c);
        if (!c.overrun && (q->num > max || st->num > max)) {
            error_setg(errp, "queue %u has %u entries, at most %u here", n,
                       MAX(q->num, st->num), max);
            return false;
        }
    }
    if (!mig_cursor_done(&c, "virtio-pci", errp)) {
        return false;
    }
    if (s->guest_features & ~p->vdev->host_features) {
        error_setg(errp, "features 0x%" PRIx64 " accepted, 0x%" PRIx64
                   " offered here", s->guest_features,
                   p->vdev->host_features);
        return false;
    }
    if (s->queue_sel >= VIRTIO_QUEUE_MAX) {
        error_setg(errp, "queue_sel %u out of range", s->queue_sel);
        return false;
    }
    return true;
}

static bool vpci_check(void *opaque, const uint8_t *data, size_t len,
                       uint32_t version, GError **errp)
{
    g_autofree VpciState *s = g_new0(VpciState, 1);

    return vpci_decode(opaque, data, len, s, errp);
}

static bool vpci_load(void *opaque, const uint8_t *data, size_t len,
                      uint32_t version, GError **errp)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    g_autofree VpciState *s = g_new0(VpciState, 1);

    if (!vpci_decode(p, data, len, s, errp)) {
        return false;
    }
    p->dfselect = s->dfselect;
    p->gfselect = s->gfselect;
    p->guest_features[0] = s->gf[0];
    p->guest_features[1] = s->gf[1];
    memcpy(p->vqs, s->q, sizeof(s->q));
    vdev->isr = s->isr;
    vdev->generation = s->generation;
    vdev->broken = s->broken;
    vdev->queue_sel = s->queue_sel;
    vdev->guest_features = s->guest_features;
    vdev->status = s->status;
    for (unsigned n = 0; n < VIRTIO_QUEUE_MAX; n++) {
        virtio_queue_set_state(vdev, n, &s->st[n]);
    }
    if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
        virtio_pci_ioeventfd_start(p);
    }
    return true;
}

static const MigStateOps vpci_ops = {
    .type = "virtio-pci",
    .version = VPCI_STATE_VERSION,
    .save = vpci_save,
    .check = vpci_check,
    .load = vpci_load,
};

bool virtio_pci_migration_register(VirtIOPCIProxy *p, GError **errp)
{
    return device_migration_register(OBJECT(p), "#virtio", &vpci_ops, p,
                                     &p->migration_id, errp);
}

void virtio_pci_migration_unregister(VirtIOPCIProxy *p)
{
    device_migration_unregister(&p->migration_id);
}
