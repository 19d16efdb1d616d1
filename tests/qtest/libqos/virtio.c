/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos virtio: the split virtqueue of a test-side driver.
 *
 * Owns the descriptor table, available ring and used ring of one queue in
 * guest memory, plus a host-side free list of descriptors.  Tuned for
 * tests: a handful of requests in flight, every access a qtest command, so
 * it writes each descriptor field once and reads the used ring lazily.
 */
#include "qemu/osdep.h"
#include "libqos/virtio.h"

/* Offsets inside the rings. */
#define AVAIL_FLAGS      0
#define AVAIL_IDX        2
#define AVAIL_RING(i)    (4 + 2 * (i))
#define USED_IDX         2
#define USED_RING(i)     (4 + VRING_USED_ELEM_SIZE * (i))

#define RING_ALIGN       4096

static uint64_t vq_area_size(uint16_t size)
{
    uint64_t desc_avail = (uint64_t)VRING_DESC_SIZE * size + 6 + 2 * size;
    uint64_t used = 6 + (uint64_t)VRING_USED_ELEM_SIZE * size;

    return ROUND_UP(desc_avail, RING_ALIGN) + ROUND_UP(used, RING_ALIGN);
}

static void vq_init_free_list(QVirtQueue *vq)
{
    for (uint16_t i = 0; i < vq->size; i++) {
        vq->next_free[i] = i + 1;
        vq->chain_len[i] = 0;
    }
    vq->free_head = 0;
    vq->num_free = vq->size;
}

QVirtQueue *qvirtqueue_new(QTestState *qts, QGuestAllocator *alloc,
                           uint16_t index, uint16_t size)
{
    QVirtQueue *vq = g_new0(QVirtQueue, 1);
    uint64_t area = vq_area_size(size);
    uint64_t base;

    g_assert(size && !(size & (size - 1)) && size <= 32768);
    /* Over-allocate so the table can start on a page boundary. */
    base = guest_alloc(alloc, area + RING_ALIGN);
    g_assert(base);
    vq->qts = qts;
    vq->alloc = alloc;
    vq->index = index;
    vq->size = size;
    vq->base = base;
    vq->desc = ROUND_UP(base, RING_ALIGN);
    vq->avail = vq->desc + (uint64_t)VRING_DESC_SIZE * size;
    vq->used = ROUND_UP(vq->avail + 6 + 2 * size, RING_ALIGN);
    vq->next_free = g_new(uint16_t, size);
    vq->chain_len = g_new(uint16_t, size);
    qvirtqueue_reset_rings(vq);
    return vq;
}

void qvirtqueue_free(QVirtQueue *vq)
{
    if (!vq) {
        return;
    }
    guest_free(vq->alloc, vq->base);
    g_free(vq->next_free);
    g_free(vq->chain_len);
    g_free(vq);
}

void qvirtqueue_reset_rings(QVirtQueue *vq)
{
    qtest_memset(vq->qts, vq->desc, 0, vq_area_size(vq->size));
    vq->avail_idx = 0;
    vq->last_used_idx = 0;
    vq_init_free_list(vq);
}

void qvirtqueue_write_desc(QVirtQueue *vq, uint16_t i, uint64_t addr,
                           uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t d[VRING_DESC_SIZE];

    g_assert_cmpuint(i, <, vq->size);
    qvirtio_st64(d, addr);
    qvirtio_st32(d + 8, len);
    qvirtio_st16(d + 12, flags);
    qvirtio_st16(d + 14, next);
    qtest_memwrite(vq->qts, vq->desc + (uint64_t)i * VRING_DESC_SIZE,
                   d, sizeof(d));
}

void qvirtqueue_publish(QVirtQueue *vq, uint16_t head)
{
    uint16_t slot = vq->avail_idx % vq->size;

    qtest_writew(vq->qts, vq->avail + AVAIL_RING(slot), head);
    vq->avail_idx++;
    /* The index goes last: the device must see the ring entry first. */
    qtest_writew(vq->qts, vq->avail + AVAIL_IDX, vq->avail_idx);
}

static int vq_take_descs(QVirtQueue *vq, unsigned n, uint16_t *idx)
{
    if (n == 0 || n > vq->num_free) {
        return -1;
    }
    for (unsigned k = 0; k < n; k++) {
        idx[k] = vq->free_head;
        vq->free_head = vq->next_free[idx[k]];
    }
    vq->num_free -= n;
    vq->chain_len[idx[0]] = n;
    /* Remember the chain order in the free-list links for the release. */
    for (unsigned k = 0; k + 1 < n; k++) {
        vq->next_free[idx[k]] = idx[k + 1];
    }
    return idx[0];
}

int qvirtqueue_add_chain(QVirtQueue *vq, const QVirtQueueBuf *bufs,
                         unsigned n)
{
    g_autofree uint16_t *idx = g_new(uint16_t, n ? n : 1);
    int head = vq_take_descs(vq, n, idx);

    if (head < 0) {
        return -1;
    }
    for (unsigned k = 0; k < n; k++) {
        uint16_t flags = bufs[k].write ? VRING_DESC_F_WRITE : 0;
        uint16_t next = 0;

        if (k + 1 < n) {
            flags |= VRING_DESC_F_NEXT;
            next = idx[k + 1];
        }
        qvirtqueue_write_desc(vq, idx[k], bufs[k].addr, bufs[k].len,
                              flags, next);
    }
    qvirtqueue_publish(vq, head);
    return head;
}

int qvirtqueue_add_indirect(QVirtQueue *vq, uint64_t table,
                            const QVirtQueueBuf *bufs, unsigned n)
{
    uint16_t idx;
    int head = vq_take_descs(vq, 1, &idx);

    if (head < 0) {
        return -1;
    }
    for (unsigned k = 0; k < n; k++) {
        uint8_t d[VRING_DESC_SIZE];
        uint16_t flags = bufs[k].write ? VRING_DESC_F_WRITE : 0;

        if (k + 1 < n) {
            flags |= VRING_DESC_F_NEXT;
        }
        qvirtio_st64(d, bufs[k].addr);
        qvirtio_st32(d + 8, bufs[k].len);
        qvirtio_st16(d + 12, flags);
        qvirtio_st16(d + 14, k + 1 < n ? k + 1 : 0);
        qtest_memwrite(vq->qts, table + (uint64_t)k * VRING_DESC_SIZE,
                       d, sizeof(d));
    }
    qvirtqueue_write_desc(vq, idx, table, n * VRING_DESC_SIZE,
                          VRING_DESC_F_INDIRECT, 0);
    qvirtqueue_publish(vq, head);
    return head;
}

void qvirtqueue_set_no_interrupt(QVirtQueue *vq, bool no_interrupt)
{
    qtest_writew(vq->qts, vq->avail + AVAIL_FLAGS,
                 no_interrupt ? VRING_AVAIL_F_NO_INTERRUPT : 0);
}

uint16_t qvirtqueue_used_idx(QVirtQueue *vq)
{
    return qtest_readw(vq->qts, vq->used + USED_IDX);
}

static void vq_release_chain(QVirtQueue *vq, uint32_t head)
{
    uint16_t n, last;

    if (head >= vq->size || vq->chain_len[head] == 0) {
        return;
    }
    n = vq->chain_len[head];
    vq->chain_len[head] = 0;
    last = head;
    for (uint16_t k = 1; k < n; k++) {
        last = vq->next_free[last];
    }
    vq->next_free[last] = vq->free_head;
    vq->free_head = head;
    vq->num_free += n;
}

bool qvirtqueue_get_used(QVirtQueue *vq, uint32_t *head, uint32_t *len)
{
    uint8_t e[VRING_USED_ELEM_SIZE];
    uint16_t slot;
    uint32_t id;

    if (qvirtqueue_used_idx(vq) == vq->last_used_idx) {
        return false;
    }
    slot = vq->last_used_idx % vq->size;
    qtest_memread(vq->qts, vq->used + USED_RING(slot), e, sizeof(e));
    vq->last_used_idx++;
    id = qvirtio_ld32(e);
    vq_release_chain(vq, id);
    if (head) {
        *head = id;
    }
    if (len) {
        *len = qvirtio_ld32(e + 4);
    }
    return true;
}
