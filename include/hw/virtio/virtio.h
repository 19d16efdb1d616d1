/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtio devices and split virtqueues, independent of the transport.
 *
 * A VirtIODevice holds what the virtio specification calls the device's
 * basic facilities: status, feature bits, the ISR, the device-specific
 * configuration space and its virtqueues.  A transport (virtio-pci.c)
 * maps these onto registers and interrupts and tells the device about
 * itself through VirtIOTransport.
 *
 * Every value read from guest memory (ring indices, descriptors, buffer
 * addresses and lengths) is checked here before the device sees it.  A
 * violation marks the device broken (virtio_error()): its status gains
 * DEVICE_NEEDS_RESET, a configuration interrupt is raised (after
 * DRIVER_OK), one line goes to the guest-error log, the element is dropped
 * and no queue of the device is processed again until a device reset.
 *
 * Threading: main thread only.
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "hw/qdev-core.h"

/* Device status bits. */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE     0x01
#define VIRTIO_CONFIG_S_DRIVER          0x02
#define VIRTIO_CONFIG_S_DRIVER_OK       0x04
#define VIRTIO_CONFIG_S_FEATURES_OK     0x08
#define VIRTIO_CONFIG_S_NEEDS_RESET     0x40
#define VIRTIO_CONFIG_S_FAILED          0x80

/* ISR bits. */
#define VIRTIO_ISR_QUEUE                0x01
#define VIRTIO_ISR_CONFIG               0x02

/* Transport feature bits. */
#define VIRTIO_RING_F_INDIRECT_DESC     28
#define VIRTIO_RING_F_EVENT_IDX         29
#define VIRTIO_F_VERSION_1              32
#define VIRTIO_F_RING_RESET             40

/* Split ring layout. */
#define VRING_DESC_F_NEXT               1
#define VRING_DESC_F_WRITE              2
#define VRING_DESC_F_INDIRECT           4
#define VRING_AVAIL_F_NO_INTERRUPT      1
#define VRING_USED_F_NO_NOTIFY          1
#define VRING_DESC_SIZE                 16
#define VRING_USED_ELEM_SIZE            8

/* Largest queue and largest chain (descriptors) we accept. */
#define VIRTQUEUE_MAX_SIZE              1024
#define VIRTIO_QUEUE_MAX                8

#define TYPE_VIRTIO_DEVICE "virtio-device"
OBJECT_DECLARE_TYPE(VirtIODevice, VirtioDeviceClass, VIRTIO_DEVICE)

typedef struct VirtQueue VirtQueue;

/* One guest-physical buffer of an element. */
typedef struct VirtQueueRange {
    hwaddr addr;
    uint32_t len;
} VirtQueueRange;

/*
 * A popped descriptor chain.  @out are the device-readable buffers (in
 * chain order), @in the device-writable ones; both point into the same
 * allocation as the element.  Free with g_free().
 */
typedef struct VirtQueueElement {
    unsigned int index;         /* head descriptor, returned in the used ring */
    unsigned int ndescs;
    unsigned int out_num;
    unsigned int in_num;
    uint64_t out_len;           /* sum of the readable lengths */
    uint64_t in_len;            /* sum of the writable lengths */
    VirtQueueRange *out;
    VirtQueueRange *in;
} VirtQueueElement;

typedef void (*VirtIOHandleOutput)(VirtIODevice *vdev, VirtQueue *vq);

/*
 * What the transport provides.  @update_irq is called whenever the ISR
 * changed; the transport derives its interrupt line from
 * virtio_isr_pending().  @opaque is the transport's state.
 */
typedef struct VirtIOTransport {
    void (*update_irq)(void *opaque);
    void *opaque;
} VirtIOTransport;

struct VirtIODevice {
    DeviceState parent_obj;
    const char *name;
    uint16_t device_id;
    uint8_t status;
    uint8_t isr;
    uint8_t generation;         /* config_generation, bumped per change */
    bool broken;                /* set by virtio_error(), cleared by reset */
    bool broken_reported;       /* virtio_error() printed on stderr once */
    uint16_t queue_sel;
    uint64_t host_features;     /* offered, fixed after realize */
    uint64_t guest_features;    /* accepted by the driver */
    size_t config_len;
    uint8_t *config;            /* config_len bytes, refreshed on read */
    VirtQueue *vq;              /* VIRTIO_QUEUE_MAX entries */
    AddressSpace *dma_as;       /* guest memory the rings live in */
    VirtIOTransport transport;
};

struct VirtioDeviceClass {
    DeviceClass parent_class;
    /* Realize/unrealize of the concrete device (called by the core). */
    bool (*realize)(VirtIODevice *vdev, GError **errp);
    void (*unrealize)(VirtIODevice *vdev);
    /* Add the device's feature bits to @features (the transport's). */
    uint64_t (*get_features)(VirtIODevice *vdev, uint64_t features);
    /* The driver accepted @val (already masked by host_features). */
    void (*set_features)(VirtIODevice *vdev, uint64_t val);
    /* 0 if the accepted features are acceptable at FEATURES_OK. */
    int (*validate_features)(VirtIODevice *vdev);
    /* Fill vdev->config before a driver read. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* Device reset: drop driver state, keep what the device keeps. */
    void (*reset)(VirtIODevice *vdev);
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
};

/* --- Device set-up (from the concrete device's realize) --- */

/*
 * Initialise the core for device type @device_id with a @config_size
 * byte configuration space.  The transport must have set dma_as.
 */
void virtio_init(VirtIODevice *vdev, uint16_t device_id, size_t config_size);
/* Free the queues and the config buffer. */
void virtio_cleanup(VirtIODevice *vdev);
/*
 * Add a queue of @queue_size (a power of two <= VIRTQUEUE_MAX_SIZE)
 * handled by @handle_output when the driver notifies.  Returns it.
 */
VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput handle_output);
VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n);

/* --- Guest-facing state (called by the transport) --- */

/*
 * Write the status register.  Setting FEATURES_OK validates the accepted
 * features; if that fails the status is left unchanged and -EINVAL is
 * returned.  Writing 0 is a device reset.  Returns 0 otherwise.
 */
int virtio_set_status(VirtIODevice *vdev, uint8_t val);
/*
 * Accept driver features @val (ignored once FEATURES_OK is set, masked by
 * host_features).  Returns 0, or -EINVAL if ignored.
 */
int virtio_set_features(VirtIODevice *vdev, uint64_t val);
/* Reset: status, ISR, features, queues; the device's reset hook. */
void virtio_reset(VirtIODevice *vdev);
/* Refresh vdev->config from the device (before reads). */
void virtio_config_refresh(VirtIODevice *vdev);
/* Read and clear the ISR (and lower the interrupt). */
uint8_t virtio_isr_read_and_clear(VirtIODevice *vdev);
static inline bool virtio_isr_pending(const VirtIODevice *vdev)
{
    return vdev->isr != 0;
}
static inline bool virtio_vdev_has_feature(const VirtIODevice *vdev,
                                           unsigned bit)
{
    return vdev->guest_features & (1ull << bit);
}
static inline bool virtio_host_has_feature(const VirtIODevice *vdev,
                                           unsigned bit)
{
    return vdev->host_features & (1ull << bit);
}

/* Queue registers (modern common configuration). */
uint16_t virtio_queue_get_num(VirtIODevice *vdev, unsigned n);
uint16_t virtio_queue_get_max_num(VirtIODevice *vdev, unsigned n);
/* Ignored unless @num is a power of two in [1, max]. */
void virtio_queue_set_num(VirtIODevice *vdev, unsigned n, uint16_t num);
void virtio_queue_set_rings(VirtIODevice *vdev, unsigned n, hwaddr desc,
                            hwaddr avail, hwaddr used);
void virtio_queue_set_enabled(VirtIODevice *vdev, unsigned n, bool enabled);
bool virtio_queue_get_enabled(VirtIODevice *vdev, unsigned n);
/* The driver notified queue @n: run its handler unless broken. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);

/* What of a queue migrates (virtio-pci-migration.c). */
typedef struct VirtQueueState {
    uint16_t num;
    bool enabled;
    uint64_t desc, avail, used;
    uint16_t last_avail_idx;
    uint16_t used_idx;
    uint16_t signalled_used;
    bool signalled_used_valid;
} VirtQueueState;

/*
 * virtio_queue_get_state / set_state: read or overwrite queue @n's ring
 * position and addresses.  set_state is for incoming migration only
 * (no element may be in flight; the caller checked @st->num against
 * the queue's maximum).
 */
void virtio_queue_get_state(VirtIODevice *vdev, unsigned n,
                            VirtQueueState *st);
void virtio_queue_set_state(VirtIODevice *vdev, unsigned n,
                            const VirtQueueState *st);

/* --- Used by devices --- */

/*
 * Pop the next available chain of @vq.  Returns NULL when there is none,
 * when the queue is not enabled, the device is broken, or the chain
 * breaks a rule (then the device is marked broken first).  The caller
 * owns the element and returns it with virtqueue_push() or drops it with
 * virtqueue_detach_element() + g_free().
 */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/* Give @elem back as used with @len bytes written; no-op if broken. */
void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len);
/* Forget @elem without returning it (the chain is lost to the driver). */
void virtqueue_detach_element(VirtQueue *vq, const VirtQueueElement *elem);
/*
 * Raise the used-buffer interrupt if the driver wants it (used_event with
 * EVENT_IDX, else VRING_AVAIL_F_NO_INTERRUPT).
 */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
/*
 * Tell the driver that the configuration changed: config_generation is
 * bumped, ISR bits 0 and 1 set (QEMU's ISR value 3) and the interrupt
 * raised -- only once DRIVER_OK is set (before that the driver reads the
 * config anyway).
 */
void virtio_notify_config(VirtIODevice *vdev);
/* Number of chains popped and not yet pushed or detached. */
unsigned int virtqueue_inuse(const VirtQueue *vq);

/*
 * Copy between a buffer and the readable (@out) or writable (@in) ranges
 * of an element, starting @offset bytes into them.  Return the number of
 * bytes copied (less than @bytes when the ranges end), or -EFAULT when a
 * range does not lie in RAM/MMIO of @as (nothing further is copied).
 */
ssize_t virtio_iov_to_buf(AddressSpace *as, const VirtQueueRange *iov,
                          unsigned int n, size_t offset, void *buf,
                          size_t bytes);
ssize_t virtio_iov_from_buf(AddressSpace *as, const VirtQueueRange *iov,
                            unsigned int n, size_t offset, const void *buf,
                            size_t bytes);

/*
 * The guest broke a rule: mark @vdev broken (see above).  The first
 * violation of a device is printed on stderr ("qemu-system-x86_64: NAME:
 * MSG", where QEMU 7.2 prints "qemu-system-x86_64: MSG"); later ones,
 * after a reset broke it again, go to the guest_errors log (-d
 * guest_errors) as "NAME: MSG", so a guest cannot flood stderr.  NAME is
 * @vdev->name ("virtio" if unset) and is added here only: @fmt must not
 * name the device again.  Nothing more is reported until reset.
 */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

void virtio_register_types(void);

#endif /* HW_VIRTIO_VIRTIO_H */
