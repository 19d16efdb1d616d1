/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos virtio: constants of the virtio 1.x specification and a split
 * virtqueue kept in guest memory, as seen from a driver running in the test.
 *
 * The queue knows nothing about the transport: it writes descriptors and
 * the available ring through qtest memory accesses and reads the used
 * ring back.  Kicking the device and waiting (clock steps) belong to the
 * transport (virtio-pci.h).
 *
 * Besides the well-formed path (qvirtqueue_add_chain), the raw helpers
 * (qvirtqueue_write_desc, qvirtqueue_publish) let tests build malformed
 * chains on purpose: loops, out-of-range indices, zero lengths, writable
 * buffers before readable ones.
 */
#ifndef LIBQOS_VIRTIO_H
#define LIBQOS_VIRTIO_H

#include "libqtest.h"
#include "libqos/malloc.h"

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE        0x01
#define VIRTIO_CONFIG_S_DRIVER             0x02
#define VIRTIO_CONFIG_S_DRIVER_OK          0x04
#define VIRTIO_CONFIG_S_FEATURES_OK        0x08
#define VIRTIO_CONFIG_S_NEEDS_RESET        0x40
#define VIRTIO_CONFIG_S_FAILED             0x80

/* Transport feature bits. */
#define VIRTIO_RING_F_INDIRECT_DESC        28
#define VIRTIO_RING_F_EVENT_IDX            29
#define VIRTIO_F_VERSION_1                 32
#define VIRTIO_F_RING_RESET                40

/* ISR bits. */
#define VIRTIO_ISR_QUEUE                   0x1
#define VIRTIO_ISR_CONFIG                  0x2

/* Split ring descriptor flags. */
#define VRING_DESC_F_NEXT                  1
#define VRING_DESC_F_WRITE                 2
#define VRING_DESC_F_INDIRECT              4

#define VRING_AVAIL_F_NO_INTERRUPT         1

#define VRING_DESC_SIZE                    16
#define VRING_USED_ELEM_SIZE               8

/* Little-endian field access in byte buffers (wire structs). */
static inline void qvirtio_st16(uint8_t *p, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static inline void qvirtio_st32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static inline void qvirtio_st64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static inline uint16_t qvirtio_ld16(const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT16_FROM_LE(v);
}

static inline uint32_t qvirtio_ld32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT32_FROM_LE(v);
}

static inline uint64_t qvirtio_ld64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

/**
 * QVirtQueueBuf: one buffer of a descriptor chain.
 * @addr: guest-physical address.
 * @len: length in bytes.
 * @write: true for a device-writable buffer.
 */
typedef struct QVirtQueueBuf {
    uint64_t addr;
    uint32_t len;
    bool write;
} QVirtQueueBuf;

/**
 * QVirtQueue: a split virtqueue in guest memory.  All fields are owned by
 * the test thread; the device only sees the guest memory.
 */
typedef struct QVirtQueue {
    QTestState *qts;
    QGuestAllocator *alloc;
    uint16_t index;          /* queue index on the device */
    uint16_t size;           /* number of descriptors */
    uint64_t base;           /* guest allocation holding the rings */
    uint64_t desc;           /* guest address of the descriptor table */
    uint64_t avail;          /* guest address of the available ring */
    uint64_t used;           /* guest address of the used ring */
    uint16_t avail_idx;      /* next available index the driver writes */
    uint16_t last_used_idx;  /* next used index the driver reads */
    uint16_t free_head;      /* head of the host-side free list, or size */
    uint16_t num_free;
    uint16_t *next_free;     /* free-list links, one per descriptor */
    uint16_t *chain_len;     /* descriptors in the chain headed here */
} QVirtQueue;

/**
 * qvirtqueue_new: allocate and initialise a split virtqueue.
 * @qts: the test state.
 * @alloc: guest allocator the rings are taken from.
 * @index: queue index on the device.
 * @size: number of descriptors (a power of two, at most 32768).
 *
 * The rings are zeroed.  Returns a queue the caller frees with
 * qvirtqueue_free() (which also returns the guest memory).
 */
QVirtQueue *qvirtqueue_new(QTestState *qts, QGuestAllocator *alloc,
                           uint16_t index, uint16_t size);

/** qvirtqueue_free: release the host and guest memory of @vq. */
void qvirtqueue_free(QVirtQueue *vq);

/**
 * qvirtqueue_reset_rings: zero the rings and forget every chain, as
 * needed after a device reset before the queue is enabled again.
 */
void qvirtqueue_reset_rings(QVirtQueue *vq);

/**
 * qvirtqueue_add_chain: write a well-formed chain and make it available.
 * @vq: the queue.
 * @bufs: the buffers, readable ones first (not checked: tests may pass a
 *        writable one first on purpose).
 * @n: number of buffers, >= 1.
 *
 * Returns the head descriptor index, or -1 when fewer than @n descriptors
 * are free.  The caller still has to kick the device.
 */
int qvirtqueue_add_chain(QVirtQueue *vq, const QVirtQueueBuf *bufs,
                         unsigned n);

/**
 * qvirtqueue_add_indirect: make available one descriptor pointing to an
 * indirect table at @table (guest memory of @n * 16 bytes owned by the
 * caller), filled from @bufs.  Only valid when VIRTIO_RING_F_INDIRECT_DESC
 * was negotiated.  Returns the head index or -1 when the queue is full.
 */
int qvirtqueue_add_indirect(QVirtQueue *vq, uint64_t table,
                            const QVirtQueueBuf *bufs, unsigned n);

/**
 * qvirtqueue_write_desc: write descriptor @i raw, without any checking.
 * For malformed-chain tests; @i may also be used by the free list, so
 * combine with qvirtqueue_publish() only on a queue whose chains are all
 * completed.
 */
void qvirtqueue_write_desc(QVirtQueue *vq, uint16_t i, uint64_t addr,
                           uint32_t len, uint16_t flags, uint16_t next);

/**
 * qvirtqueue_publish: put @head (any value, even out of range) into the
 * available ring and bump the available index.
 */
void qvirtqueue_publish(QVirtQueue *vq, uint16_t head);

/**
 * qvirtqueue_set_no_interrupt: set or clear VRING_AVAIL_F_NO_INTERRUPT,
 * the driver's hint that it polls and wants no used-buffer interrupts.
 */
void qvirtqueue_set_no_interrupt(QVirtQueue *vq, bool no_interrupt);

/** qvirtqueue_used_idx: the device's current used index. */
uint16_t qvirtqueue_used_idx(QVirtQueue *vq);

/**
 * qvirtqueue_get_used: consume one used element if there is one.
 * @head: (out, optional) the id the device returned.
 * @len: (out, optional) the number of bytes the device wrote.
 *
 * Returns false when the device has not used anything new.  The
 * descriptors of a chain added by qvirtqueue_add_chain() or
 * qvirtqueue_add_indirect() go back to the free list; an id that does not
 * name such a chain is returned but frees nothing.
 */
bool qvirtqueue_get_used(QVirtQueue *vq, uint32_t *head, uint32_t *len);

#endif
