/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the virtio core (hw/virtio/virtio.h) over an AddressSpace with
 * a RAM region.  The test plays the driver: it writes descriptor tables
 * and rings into guest RAM with address_space_write() and notifies; a
 * small test device pops, answers and pushes.  Every rule violation must
 * leave the device broken (NEEDS_RESET, a config interrupt) without an
 * element reaching the device, and a reset must recover it.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "hw/virtio/virtio.h"
#include "capture-stderr.h"

#define RAM_SIZE    (4 * 1024 * 1024)
#define QSIZE       16
#define DESC        0x1000
#define AVAIL       0x2000
#define USED        0x3000
#define DATA        0x10000
#define FAKE_FEATURE 5

typedef struct TestDev {
    VirtIODevice parent_obj;
    unsigned handled;           /* elements popped */
    uint64_t last_out_len, last_in_len;
    unsigned last_out_num, last_in_num;
    uint8_t last_req[64];
    bool require_fake;          /* validate_features wants FAKE_FEATURE */
} TestDev;

#define TYPE_TEST_VIRTIO "test-virtio-device"

static MemoryRegion root, ram;
static AddressSpace as;
static unsigned irq_updates;

static void put16(hwaddr a, uint16_t v)
{
    address_space_stw_le(&as, a, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static uint16_t get16(hwaddr a)
{
    return address_space_lduw_le(&as, a, MEMTXATTRS_UNSPECIFIED, NULL);
}

static uint32_t get32(hwaddr a)
{
    return address_space_ldl_le(&as, a, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void test_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    TestDev *t = (TestDev *)vdev;
    VirtQueueElement *elem;
    static const uint8_t answer[4] = { 'A', 'C', 'K', '!' };

    while ((elem = virtqueue_pop(vq))) {
        ssize_t n, m;

        t->last_out_len = elem->out_len;
        t->last_in_len = elem->in_len;
        t->last_out_num = elem->out_num;
        t->last_in_num = elem->in_num;
        memset(t->last_req, 0, sizeof(t->last_req));
        m = virtio_iov_to_buf(&as, elem->out, elem->out_num, 0, t->last_req,
                              sizeof(t->last_req));
        n = virtio_iov_from_buf(&as, elem->in, elem->in_num, 0, answer,
                                sizeof(answer));
        if (n < 0 || m < 0) {
            /* What a device does with buffers outside guest memory. */
            virtio_error(vdev, "buffer outside guest memory");
            virtqueue_detach_element(vq, elem);
            g_free(elem);
            return;
        }
        t->handled++;
        virtqueue_push(vq, elem, n);
        g_free(elem);
        virtio_notify(vdev, vq);
    }
}

static bool test_realize(VirtIODevice *vdev, GError **errp)
{
    virtio_init(vdev, 0x7f, 8);
    virtio_add_queue(vdev, QSIZE, test_handle);
    return true;
}

static uint64_t test_get_features(VirtIODevice *vdev, uint64_t f)
{
    return f | (1ull << FAKE_FEATURE);
}

static int test_validate(VirtIODevice *vdev)
{
    TestDev *t = (TestDev *)vdev;

    return t->require_fake && !virtio_vdev_has_feature(vdev, FAKE_FEATURE)
           ? -EINVAL : 0;
}

static void test_class_init(ObjectClass *oc, void *data)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(oc);

    vdc->realize = test_realize;
    vdc->get_features = test_get_features;
    vdc->validate_features = test_validate;
}

static const TypeInfo test_dev_info = {
    .name = TYPE_TEST_VIRTIO,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(TestDev),
    .class_size = sizeof(VirtioDeviceClass),
    .class_init = test_class_init,
};

static void count_irq(void *opaque)
{
    irq_updates++;
}

static void zero_guest(void)
{
    memset(memory_region_get_ram_ptr(&ram), 0, RAM_SIZE);
}

/* Driver side: negotiate @features, set up queue 0, DRIVER_OK. */
static void driver_start(VirtIODevice *vdev, uint64_t features)
{
    virtio_set_status(vdev, 0);
    zero_guest();
    virtio_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
                      VIRTIO_CONFIG_S_DRIVER);
    virtio_set_features(vdev, features | (1ull << VIRTIO_F_VERSION_1));
    g_assert_cmpint(virtio_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
                                      VIRTIO_CONFIG_S_DRIVER |
                                      VIRTIO_CONFIG_S_FEATURES_OK), ==, 0);
    virtio_queue_set_num(vdev, 0, QSIZE);
    virtio_queue_set_rings(vdev, 0, DESC, AVAIL, USED);
    virtio_queue_set_enabled(vdev, 0, true);
    virtio_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
                      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
                      VIRTIO_CONFIG_S_DRIVER_OK);
    virtio_isr_read_and_clear(vdev);
}

static TestDev *dev_new(void)
{
    DeviceState *dev = qdev_new(TYPE_TEST_VIRTIO);
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    GError *err = NULL;

    vdev->dma_as = &as;
    vdev->transport.update_irq = count_irq;
    g_assert_true(qdev_realize(dev, NULL, &err));
    g_assert_null(err);
    return (TestDev *)vdev;
}

static void dev_free(TestDev *t)
{
    qdev_unrealize(DEVICE(t));
    object_unparent(OBJECT(t));
    object_unref(t);
}

/* Write descriptor @i of table @table. */
static void write_desc(hwaddr table, unsigned i, uint64_t addr, uint32_t len,
                       uint16_t flags, uint16_t next)
{
    uint8_t raw[16];
    uint64_t a = GUINT64_TO_LE(addr);
    uint32_t l = GUINT32_TO_LE(len);
    uint16_t f = GUINT16_TO_LE(flags), n = GUINT16_TO_LE(next);

    memcpy(raw, &a, 8);
    memcpy(raw + 8, &l, 4);
    memcpy(raw + 12, &f, 2);
    memcpy(raw + 14, &n, 2);
    address_space_write(&as, table + 16 * (hwaddr)i, MEMTXATTRS_UNSPECIFIED,
                        raw, sizeof(raw));
}

/* Make head @head available (one more avail entry) and notify. */
static void publish(VirtIODevice *vdev, uint16_t head)
{
    uint16_t idx = get16(AVAIL + 2);

    put16(AVAIL + 4 + 2 * (idx % QSIZE), head);
    put16(AVAIL + 2, idx + 1);
    virtio_queue_notify(vdev, 0);
}

/* A readable 24-byte request at DATA, a writable 10-byte answer. */
static void simple_chain(uint16_t d0, uint16_t d1)
{
    write_desc(DESC, d0, DATA, 24, VRING_DESC_F_NEXT, d1);
    write_desc(DESC, d1, DATA + 0x100, 10, VRING_DESC_F_WRITE, 0);
}

static void assert_broken(TestDev *t, unsigned handled_before)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(t);

    g_assert_cmpuint(t->handled, ==, handled_before);
    g_assert_true(vdev->broken);
    g_assert_cmphex(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                    VIRTIO_CONFIG_S_NEEDS_RESET);
    g_assert_cmphex(vdev->isr & VIRTIO_ISR_CONFIG, ==, VIRTIO_ISR_CONFIG);
    /* Nothing is answered while broken. */
    simple_chain(0, 1);
    publish(vdev, 0);
    g_assert_cmpuint(t->handled, ==, handled_before);
    /* The driver cannot clear NEEDS_RESET by writing the status. */
    virtio_set_status(vdev, vdev->status & ~VIRTIO_CONFIG_S_NEEDS_RESET);
    g_assert_cmphex(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                    VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* After a reset the device works again. */
static void assert_recovers(TestDev *t)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    unsigned before;

    driver_start(vdev, 0);
    g_assert_false(vdev->broken);
    g_assert_cmphex(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET, ==, 0);
    before = t->handled;
    simple_chain(0, 1);
    publish(vdev, 0);
    g_assert_cmpuint(t->handled, ==, before + 1);
    g_assert_cmpuint(get16(USED + 2), ==, 1);
}

static void test_valid_chain(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    uint8_t answer[4];

    driver_start(vdev, 0);
    address_space_write(&as, DATA, MEMTXATTRS_UNSPECIFIED, "hello", 5);
    simple_chain(3, 7);
    irq_updates = 0;
    publish(vdev, 3);
    g_assert_cmpuint(t->handled, ==, 1);
    g_assert_cmpuint(t->last_out_len, ==, 24);
    g_assert_cmpuint(t->last_in_len, ==, 10);
    g_assert_cmpmem(t->last_req, 5, "hello", 5);
    g_assert_cmpuint(get16(USED + 2), ==, 1);
    g_assert_cmpuint(get32(USED + 4), ==, 3);      /* id = head */
    g_assert_cmpuint(get32(USED + 8), ==, 4);      /* len written */
    address_space_read(&as, DATA + 0x100, MEMTXATTRS_UNSPECIFIED, answer, 4);
    g_assert_cmpmem(answer, 4, "ACK!", 4);
    g_assert_cmphex(vdev->isr, ==, VIRTIO_ISR_QUEUE);
    g_assert_cmpuint(irq_updates, >=, 1);
    g_assert_cmphex(virtio_isr_read_and_clear(vdev), ==, VIRTIO_ISR_QUEUE);
    g_assert_cmphex(vdev->isr, ==, 0);
    g_assert_false(vdev->broken);
    g_assert_cmpuint(virtqueue_inuse(virtio_get_queue(vdev, 0)), ==, 0);
    dev_free(t);
}

static void test_split_buffers(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    uint8_t answer[4];

    driver_start(vdev, 0);
    address_space_write(&as, DATA, MEMTXATTRS_UNSPECIFIED, "abc", 3);
    address_space_write(&as, DATA + 0x40, MEMTXATTRS_UNSPECIFIED, "defg", 4);
    write_desc(DESC, 0, DATA, 3, VRING_DESC_F_NEXT, 1);
    write_desc(DESC, 1, DATA + 0x40, 4, VRING_DESC_F_NEXT, 2);
    write_desc(DESC, 2, DATA + 0x200, 1, VRING_DESC_F_NEXT |
               VRING_DESC_F_WRITE, 3);
    write_desc(DESC, 3, DATA + 0x300, 8, VRING_DESC_F_WRITE, 0);
    publish(vdev, 0);
    g_assert_cmpuint(t->handled, ==, 1);
    g_assert_cmpuint(t->last_out_num, ==, 2);
    g_assert_cmpuint(t->last_in_num, ==, 2);
    g_assert_cmpmem(t->last_req, 7, "abcdefg", 7);
    address_space_read(&as, DATA + 0x200, MEMTXATTRS_UNSPECIFIED, answer, 1);
    address_space_read(&as, DATA + 0x300, MEMTXATTRS_UNSPECIFIED, answer + 1,
                       3);
    g_assert_cmpmem(answer, 4, "ACK!", 4);
    dev_free(t);
}

static void test_indirect(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    const hwaddr table = 0x8000;

    driver_start(vdev, 1ull << VIRTIO_RING_F_INDIRECT_DESC);
    write_desc(table, 0, DATA, 24, VRING_DESC_F_NEXT, 1);
    write_desc(table, 1, DATA + 0x100, 10, VRING_DESC_F_WRITE, 0);
    write_desc(DESC, 5, table, 32, VRING_DESC_F_INDIRECT, 0);
    publish(vdev, 5);
    g_assert_cmpuint(t->handled, ==, 1);
    g_assert_cmpuint(t->last_out_len, ==, 24);
    g_assert_cmpuint(t->last_in_len, ==, 10);
    g_assert_cmpuint(get32(USED + 4), ==, 5);
    dev_free(t);
}

/* ---- Violations --------------------------------------------------------- */

typedef struct BadCase {
    const char *name;
    uint64_t features;
    void (*setup)(VirtIODevice *vdev);
} BadCase;

static void bad_zero_length(VirtIODevice *vdev)
{
    write_desc(DESC, 0, DATA, 24, VRING_DESC_F_NEXT, 1);
    write_desc(DESC, 1, DATA + 0x80, 0, VRING_DESC_F_NEXT, 2);
    write_desc(DESC, 2, DATA + 0x100, 10, VRING_DESC_F_WRITE, 0);
    publish(vdev, 0);
}

static void bad_loop(VirtIODevice *vdev)
{
    write_desc(DESC, 0, DATA, 24, VRING_DESC_F_NEXT, 1);
    write_desc(DESC, 1, DATA, 24, VRING_DESC_F_NEXT, 0);
    publish(vdev, 0);
}

static void bad_self_loop(VirtIODevice *vdev)
{
    write_desc(DESC, 4, DATA, 24, VRING_DESC_F_NEXT, 4);
    publish(vdev, 4);
}

static void bad_head(VirtIODevice *vdev)
{
    publish(vdev, QSIZE);
}

static void bad_next(VirtIODevice *vdev)
{
    write_desc(DESC, 0, DATA, 24, VRING_DESC_F_NEXT, QSIZE + 3);
    publish(vdev, 0);
}

static void bad_order(VirtIODevice *vdev)
{
    write_desc(DESC, 0, DATA + 0x100, 10, VRING_DESC_F_WRITE |
               VRING_DESC_F_NEXT, 1);
    write_desc(DESC, 1, DATA, 24, 0, 0);
    publish(vdev, 0);
}

static void bad_avail_jump(VirtIODevice *vdev)
{
    simple_chain(0, 1);
    put16(AVAIL + 2, QSIZE + 1);
    virtio_queue_notify(vdev, 0);
}

static void bad_wrap(VirtIODevice *vdev)
{
    write_desc(DESC, 0, UINT64_MAX - 8, 24, 0, 0);
    publish(vdev, 0);
}

static void bad_indirect_not_negotiated(VirtIODevice *vdev)
{
    write_desc(0x8000, 0, DATA, 24, 0, 0);
    write_desc(DESC, 0, 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
    publish(vdev, 0);
}

static void bad_indirect_nested(VirtIODevice *vdev)
{
    write_desc(0x8000, 0, 0x9000, 16, VRING_DESC_F_INDIRECT, 0);
    write_desc(0x9000, 0, DATA, 24, 0, 0);
    write_desc(DESC, 0, 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
    publish(vdev, 0);
}

static void bad_indirect_size(VirtIODevice *vdev)
{
    write_desc(DESC, 0, 0x8000, 20, VRING_DESC_F_INDIRECT, 0);
    publish(vdev, 0);
}

static void bad_indirect_loop(VirtIODevice *vdev)
{
    write_desc(0x8000, 0, DATA, 24, VRING_DESC_F_NEXT, 1);
    write_desc(0x8000, 1, DATA, 24, VRING_DESC_F_NEXT, 0);
    write_desc(DESC, 0, 0x8000, 32, VRING_DESC_F_INDIRECT, 0);
    publish(vdev, 0);
}

static void bad_indirect_in_chain(VirtIODevice *vdev)
{
    write_desc(0x8000, 0, DATA, 24, 0, 0);
    write_desc(DESC, 0, DATA, 24, VRING_DESC_F_NEXT, 1);
    write_desc(DESC, 1, 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
    publish(vdev, 0);
}

static void bad_table_unmapped(VirtIODevice *vdev)
{
    /* Rings beyond RAM: reads hit unassigned memory. */
    virtio_set_status(vdev, 0);
    virtio_set_features(vdev, 1ull << VIRTIO_F_VERSION_1);
    virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER |
                      VIRTIO_CONFIG_S_FEATURES_OK);
    virtio_queue_set_rings(vdev, 0, RAM_SIZE * 2, AVAIL, USED);
    virtio_queue_set_enabled(vdev, 0, true);
    virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER |
                      VIRTIO_CONFIG_S_FEATURES_OK |
                      VIRTIO_CONFIG_S_DRIVER_OK);
    publish(vdev, 0);
}

static void bad_buffer_unmapped(VirtIODevice *vdev)
{
    /* The device's copy fails: our test device asserts it sees -EFAULT. */
    write_desc(DESC, 0, RAM_SIZE * 2, 24, 0, 0);
    publish(vdev, 0);
}

static const BadCase bad_cases[] = {
    { "zero-length", 0, bad_zero_length },
    { "loop", 0, bad_loop },
    { "self-loop", 0, bad_self_loop },
    { "head-out-of-range", 0, bad_head },
    { "next-out-of-range", 0, bad_next },
    { "writable-before-readable", 0, bad_order },
    { "avail-index-jump", 0, bad_avail_jump },
    { "buffer-wraps", 0, bad_wrap },
    { "indirect-not-negotiated", 0, bad_indirect_not_negotiated },
    { "indirect-nested", 1ull << VIRTIO_RING_F_INDIRECT_DESC,
      bad_indirect_nested },
    { "indirect-size", 1ull << VIRTIO_RING_F_INDIRECT_DESC,
      bad_indirect_size },
    { "indirect-loop", 1ull << VIRTIO_RING_F_INDIRECT_DESC,
      bad_indirect_loop },
    { "indirect-inside-chain", 1ull << VIRTIO_RING_F_INDIRECT_DESC,
      bad_indirect_in_chain },
    { "table-unmapped", 0, bad_table_unmapped },
};

static void test_bad(const void *opaque)
{
    const BadCase *bc = opaque;
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    uint8_t gen;

    driver_start(vdev, bc->features);
    gen = vdev->generation;
    bc->setup(vdev);
    assert_broken(t, 0);
    g_assert_cmpuint(vdev->generation, ==, (uint8_t)(gen + 1));
    assert_recovers(t);
    dev_free(t);
}

/* Two devices; the first broken twice (a reset between), the second once. */
static void break_devices(void)
{
    TestDev *a = dev_new(), *b = dev_new();

    driver_start(VIRTIO_DEVICE(a), 0);
    bad_zero_length(VIRTIO_DEVICE(a));
    assert_broken(a, 0);
    assert_recovers(a);
    bad_loop(VIRTIO_DEVICE(a));
    assert_broken(a, 1);
    driver_start(VIRTIO_DEVICE(b), 0);
    bad_zero_length(VIRTIO_DEVICE(b));
    assert_broken(b, 0);
    dev_free(a);
    dev_free(b);
}

/* The operator sees one line per broken device on stderr, by default. */
static void test_broken_reported_once(void)
{
    g_autofree char *out = capture_stderr(break_devices);

    g_assert_cmpstr(out, ==,
                    "qemu-system-x86_64: virtio: zero-length buffer in "
                    "queue 0\n"
                    "qemu-system-x86_64: virtio: zero-length buffer in "
                    "queue 0\n");
}

/* A buffer outside RAM is found when the device copies, not at pop. */
static void test_buffer_unmapped(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    VirtQueueElement *elem;
    uint8_t buf[8];

    driver_start(vdev, 0);
    write_desc(DESC, 0, RAM_SIZE * 2, 24, 0, 0);
    put16(AVAIL + 4, 0);
    put16(AVAIL + 2, 1);
    elem = virtqueue_pop(virtio_get_queue(vdev, 0));
    g_assert_nonnull(elem);
    g_assert_cmpint(virtio_iov_to_buf(&as, elem->out, elem->out_num, 0, buf,
                                      sizeof(buf)), ==, -EFAULT);
    virtqueue_detach_element(virtio_get_queue(vdev, 0), elem);
    g_free(elem);
    (void)bad_buffer_unmapped;
    dev_free(t);
}

/* ---- Notification suppression ------------------------------------------- */

static void test_event_idx(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    const hwaddr used_event = AVAIL + 4 + 2 * QSIZE;
    const hwaddr avail_event = USED + 4 + 8 * QSIZE;

    driver_start(vdev, 1ull << VIRTIO_RING_F_EVENT_IDX);
    simple_chain(0, 1);
    put16(used_event, 0);
    publish(vdev, 0);
    /* The first used buffer always interrupts; avail_event follows. */
    g_assert_cmphex(virtio_isr_read_and_clear(vdev), ==, VIRTIO_ISR_QUEUE);
    g_assert_cmpuint(get16(avail_event), ==, 1);
    /* The driver asks for an interrupt only after used index 5. */
    put16(used_event, 5);
    publish(vdev, 0);
    g_assert_cmpuint(t->handled, ==, 2);
    g_assert_cmphex(vdev->isr, ==, 0);
    g_assert_cmpuint(get16(avail_event), ==, 2);
    put16(used_event, 2);
    publish(vdev, 0);
    g_assert_cmphex(vdev->isr, ==, VIRTIO_ISR_QUEUE);
    dev_free(t);
}

static void test_no_interrupt_flag(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);

    driver_start(vdev, 0);
    put16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
    simple_chain(0, 1);
    publish(vdev, 0);
    g_assert_cmpuint(t->handled, ==, 1);
    g_assert_cmphex(vdev->isr, ==, 0);
    put16(AVAIL, 0);
    publish(vdev, 0);
    g_assert_cmphex(vdev->isr, ==, VIRTIO_ISR_QUEUE);
    dev_free(t);
}

/* ---- Features and status ------------------------------------------------ */

static void test_features(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    uint64_t offered = vdev->host_features;

    g_assert_cmphex(offered, ==, (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
                    (1ull << VIRTIO_RING_F_EVENT_IDX) |
                    (1ull << VIRTIO_F_VERSION_1) |
                    (1ull << VIRTIO_F_RING_RESET) | (1ull << FAKE_FEATURE));
    /* Bits not offered are dropped. */
    virtio_set_features(vdev, (1ull << 60) | (1ull << VIRTIO_F_VERSION_1));
    g_assert_cmphex(vdev->guest_features, ==, 1ull << VIRTIO_F_VERSION_1);

    /* A refused FEATURES_OK leaves the status unchanged. */
    t->require_fake = true;
    virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER);
    g_assert_cmpint(virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER |
                                      VIRTIO_CONFIG_S_FEATURES_OK), ==,
                    -EINVAL);
    g_assert_cmphex(vdev->status, ==, VIRTIO_CONFIG_S_DRIVER);
    virtio_set_features(vdev, offered);
    g_assert_cmpint(virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER |
                                      VIRTIO_CONFIG_S_FEATURES_OK), ==, 0);
    /* Features are frozen after FEATURES_OK. */
    g_assert_cmpint(virtio_set_features(vdev, 0), ==, -EINVAL);
    g_assert_cmphex(vdev->guest_features, ==, offered);
    /* Reset clears the negotiation. */
    virtio_set_status(vdev, 0);
    g_assert_cmphex(vdev->guest_features, ==, 0);
    g_assert_cmphex(vdev->status, ==, 0);
    dev_free(t);
}

static void test_config_notify(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    uint8_t gen = vdev->generation;

    virtio_notify_config(vdev);     /* before DRIVER_OK: nothing */
    g_assert_cmpuint(vdev->generation, ==, gen);
    g_assert_cmphex(vdev->isr, ==, 0);
    driver_start(vdev, 0);
    virtio_notify_config(vdev);
    g_assert_cmpuint(vdev->generation, ==, (uint8_t)(gen + 1));
    g_assert_cmphex(virtio_isr_read_and_clear(vdev), ==,
                    VIRTIO_ISR_CONFIG | VIRTIO_ISR_QUEUE);
    dev_free(t);
}

static void test_queue_registers(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);

    g_assert_cmpuint(virtio_queue_get_max_num(vdev, 0), ==, QSIZE);
    g_assert_cmpuint(virtio_queue_get_max_num(vdev, 1), ==, 0);
    g_assert_cmpuint(virtio_queue_get_max_num(vdev, 60000), ==, 0);
    virtio_queue_set_num(vdev, 0, 12);          /* not a power of two */
    g_assert_cmpuint(virtio_queue_get_num(vdev, 0), ==, QSIZE);
    virtio_queue_set_num(vdev, 0, QSIZE * 2);   /* above the maximum */
    g_assert_cmpuint(virtio_queue_get_num(vdev, 0), ==, QSIZE);
    virtio_queue_set_num(vdev, 0, 4);
    g_assert_cmpuint(virtio_queue_get_num(vdev, 0), ==, 4);
    virtio_queue_set_enabled(vdev, 5, true);    /* absent queue: ignored */
    g_assert_false(virtio_queue_get_enabled(vdev, 5));
    virtio_queue_notify(vdev, 5);
    virtio_queue_notify(vdev, 60000);
    dev_free(t);
}

/* ---- Random descriptor tables ------------------------------------------- */

static void test_fuzz(void)
{
    TestDev *t = dev_new();
    VirtIODevice *vdev = VIRTIO_DEVICE(t);
    GRand *rand = g_rand_new_with_seed(0x5eed);
    unsigned broken = 0, answered = 0;

    for (int round = 0; round < 400; round++) {
        uint64_t feat = g_rand_int(rand) & ((1ull << 28) | (1ull << 29));
        unsigned before;

        driver_start(vdev, feat);
        /* Every other round is mostly well-formed, with rare faults. */
        bool tidy = round % 2;

        for (unsigned i = 0; i < QSIZE; i++) {
            uint32_t r = g_rand_int(rand);
            uint64_t addr = (r & 1) ? DATA + (g_rand_int(rand) % 0x1000)
                                    : ((uint64_t)g_rand_int(rand) << 32 |
                                       g_rand_int(rand));
            uint32_t len = (r & 2) ? g_rand_int_range(rand, 0, 64)
                                   : g_rand_int(rand);
            uint16_t flags = g_rand_int(rand) & 7;
            uint16_t next = (r & 4) ? g_rand_int_range(rand, 0, QSIZE + 2)
                                    : g_rand_int(rand);

            if ((r & 8) && (flags & VRING_DESC_F_INDIRECT)) {
                addr = DESC;
                len = 16 * g_rand_int_range(rand, 0, QSIZE + 1);
            }
            if (tidy && g_rand_int_range(rand, 0, 40)) {
                addr = DATA + 0x100 * i;
                len = g_rand_int_range(rand, 1, 0x100);
                /* Forward chains: readable first, then writable. */
                flags = (i % 4 < 3 ? VRING_DESC_F_NEXT : 0) |
                        (i % 4 >= 2 ? VRING_DESC_F_WRITE : 0);
                next = i + 1;
            }
            write_desc(DESC, i, addr, len, flags, next);
        }
        before = t->handled;
        for (int k = 0; k < 4; k++) {
            uint16_t head = tidy ? 4 * g_rand_int_range(rand, 0, QSIZE / 4)
                                 : g_rand_int_range(rand, 0, QSIZE + 1);

            publish(vdev, head);
        }
        if (g_rand_int(rand) % 16 == 0) {
            put16(AVAIL + 2, g_rand_int(rand));
            virtio_queue_notify(vdev, 0);
        }
        /* Either everything published was answered or the device broke. */
        if (!vdev->broken) {
            answered += t->handled - before;
            g_assert_cmpuint(t->handled - before, ==, get16(USED + 2));
            g_assert_cmphex(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                            0);
        } else {
            broken++;
            g_assert_cmphex(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                            VIRTIO_CONFIG_S_NEEDS_RESET);
        }
        g_assert_cmpuint(virtqueue_inuse(virtio_get_queue(vdev, 0)), ==, 0);
    }
    g_test_message("random tables: %u rounds broke the device, %u chains "
                   "answered", broken, answered);
    /* The generator must exercise both outcomes to mean anything. */
    g_assert_cmpuint(broken, >, 40);
    g_assert_cmpuint(answered, >, 40);
    g_rand_free(rand);
    dev_free(t);
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    g_test_init(&argc, &argv, NULL);
    virtio_register_types();
    type_register_static(&test_dev_info);

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ram, NULL, "test.ram", RAM_SIZE,
                                         &err));
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "test");

    g_test_add_func("/virtio/queue/valid-chain", test_valid_chain);
    g_test_add_func("/virtio/queue/split-buffers", test_split_buffers);
    g_test_add_func("/virtio/queue/indirect-table", test_indirect);
    g_test_add_func("/virtio/queue/unmapped-buffer-fails-copy",
                    test_buffer_unmapped);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        char *path = g_strdup_printf("/virtio/broken/%s", bad_cases[i].name);

        g_test_add_data_func(path, &bad_cases[i], test_bad);
        g_free(path);
    }
    g_test_add_func("/virtio/broken/reported-once-per-device",
                    test_broken_reported_once);
    g_test_add_func("/virtio/notify/event-idx", test_event_idx);
    g_test_add_func("/virtio/notify/no-interrupt-flag",
                    test_no_interrupt_flag);
    g_test_add_func("/virtio/features/negotiation", test_features);
    g_test_add_func("/virtio/config/notify-after-driver-ok",
                    test_config_notify);
    g_test_add_func("/virtio/queue/registers", test_queue_registers);
    g_test_add_func("/virtio/queue/random-tables-never-crash", test_fuzz);
    return g_test_run();
}
