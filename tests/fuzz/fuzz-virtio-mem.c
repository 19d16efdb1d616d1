/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the guest-facing side of virtio-mem: the split-ring
 * descriptor walker of hw/virtio/virtio.c and the request handler of
 * hw/virtio/virtio-mem.c, with the block state machine behind it.
 *
 * Each input builds a fresh device without a machine (as the unit test
 * test-virtio-mem-device does): a 32 MiB memory-backend-ram, 1 MiB blocks,
 * the device region at 4 GiB of an AddressSpace whose first 64 KiB are
 * guest RAM for the rings and requests.  The driver is started with the
 * features of input byte 0 (unplugged-inaccessible, EVENT_IDX, indirect
 * descriptors) and byte 1 sets requested-size.  The rest is a program of
 * operations that play a hostile guest and host:
 *   0 WRITE  off16 len8 bytes   write guest RAM (tables, rings, requests)
 *   1 KICK                      notify the queue
 *   2 RINGS  desc64 avail64 used64   move the rings anywhere
 *   3 STATUS val8               write the status register (0 = reset)
 *   4 RESTART                   reset and start the driver again
 *   5 RESIZE blocks8            host changes requested-size
 *   6 SYSRESET                  system reset
 *   7 QSIZE  num16              write the queue size register
 * After every operation the device state must be consistent: the plugged
 * size equals the bitmap's count times the block size and the config
 * space agrees, no block beyond the usable region is plugged, the usable
 * region is block-aligned and within the region, and no popped element
 * is left in flight.  ASan/UBSan/LSan watch the rest (the device is
 * unrealized and freed at the end of every input).
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "exec/memory.h"
#include "sysemu/hostmem.h"
#include "hw/virtio/virtio-mem.h"
#include "fuzz.h"

#define GUEST_RAM   (64 * KiB)
#define BASE        0x100000000ull
#define BLOCK       (1 * MiB)
#define NB_BLOCKS   32
#define DESC        0x0800
#define AVAIL       0x1000
#define USED        0x2000
#define MAX_OPS     64

static MemoryRegion root, guest_ram;
static AddressSpace as;
static bool initialized;

typedef struct Ctx {
    Object *backend;
    VirtIOMEM *vmem;
    VirtIODevice *vdev;
    uint64_t features;
} Ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) err = NULL;

    if (initialized) {
        return 0;
    }
    initialized = true;
    host_memory_backend_register_types();
    virtio_mem_register_types();
    memory_region_init(&root, NULL, "fuzz.root", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&guest_ram, NULL, "fuzz.ram",
                                         GUEST_RAM, &err));
    memory_region_add_subregion(&root, 0, &guest_ram);
    address_space_init(&as, &root, "fuzz");
    return 0;
}

static Object *backend_new(void)
{
    JsonObject *props = json_object_new();
    g_autoptr(GError) err = NULL;
    Object *obj;

    json_object_set_string_member(props, "size", "32M");
    json_object_set_string_member(props, "reserve", "off");
    obj = user_creatable_add_keyval(TYPE_MEMORY_BACKEND_RAM, "fuzzmem",
                                    props, &err);
    g_assert_no_error(err);
    json_object_unref(props);
    return obj;
}

static void ctx_init(Ctx *c, uint8_t flags)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_new(TYPE_VIRTIO_MEM);

    c->backend = backend_new();
    VIRTIO_DEVICE(dev)->dma_as = &as;
    g_assert_true(object_property_set_link(OBJECT(dev), "memdev",
                                           c->backend, &err));
    g_assert_true(object_property_parse(OBJECT(dev), "block-size", "1M",
                                        &err));
    g_assert_true(object_property_parse(OBJECT(dev),
                                        "unplugged-inaccessible",
                                        flags & 1 ? "on" : "off", &err));
    g_assert_true(qdev_realize(dev, NULL, &err));
    c->vmem = VIRTIO_MEM(dev);
    c->vdev = VIRTIO_DEVICE(dev);
    g_assert_true(virtio_mem_set_addr(c->vmem, BASE, &err));
    memory_region_add_subregion(&root, BASE,
                                virtio_mem_get_memory_region(c->vmem));
    c->features = 1ull << VIRTIO_F_VERSION_1;
    if (flags & 1) {
        c->features |= 1ull << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE;
    }
    if (flags & 2) {
        c->features |= 1ull << VIRTIO_RING_F_EVENT_IDX;
    }
    if (flags & 4) {
        c->features |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
    }
}

static void ctx_destroy(Ctx *c)
{
    g_autoptr(GError) err = NULL;

    memory_region_del_subregion(&root,
                                virtio_mem_get_memory_region(c->vmem));
    qdev_unrealize(DEVICE(c->vmem));
    object_unparent(OBJECT(c->vmem));
    object_unref(c->vmem);
    g_assert_true(user_creatable_del("fuzzmem", &err));
}

static void driver_start(Ctx *c)
{
    uint8_t zero[USED + 8 + 8 * VIRTIO_MEM_QUEUE_SIZE] = { 0 };

    virtio_set_status(c->vdev, 0);
    address_space_write(&as, 0, MEMTXATTRS_UNSPECIFIED, zero, sizeof(zero));
    virtio_set_features(c->vdev, c->features);
    virtio_set_status(c->vdev, VIRTIO_CONFIG_S_DRIVER |
                      VIRTIO_CONFIG_S_FEATURES_OK);
    virtio_queue_set_rings(c->vdev, 0, DESC, AVAIL, USED);
    virtio_queue_set_enabled(c->vdev, 0, true);
    virtio_set_status(c->vdev, VIRTIO_CONFIG_S_DRIVER |
                      VIRTIO_CONFIG_S_FEATURES_OK |
                      VIRTIO_CONFIG_S_DRIVER_OK);
}

static void set_requested(Ctx *c, uint8_t blocks)
{
    g_autoptr(GError) err = NULL;

    /* The host may be refused (e.g. too large); that is not a failure. */
    object_property_set_uint(OBJECT(c->vmem), "requested-size",
                             (uint64_t)(blocks % (NB_BLOCKS + 1)) * BLOCK,
                             &err);
}

static void check_consistent(Ctx *c)
{
    const VirtIOMEMBlocks *b = &c->vmem->blocks;
    const RamDiscardBitmap *rdb = &b->rdb;
    VirtIOMEMConfig cfg;
    unsigned long plugged, last;

    g_assert_cmpuint(b->block_size, ==, BLOCK);
    g_assert_cmpuint(rdb->nr_blocks, ==, NB_BLOCKS);
    plugged = bitmap_count_one(rdb->bitmap, rdb->nr_blocks);
    g_assert_cmpuint(b->plugged_size, ==, (uint64_t)plugged * BLOCK);
    g_assert_cmpuint(b->usable_region_size % BLOCK, ==, 0);
    g_assert_cmpuint(b->usable_region_size, <=, b->region_size);
    last = find_last_bit(rdb->bitmap, rdb->nr_blocks);
    if (last < rdb->nr_blocks) {
        g_assert_cmpuint((uint64_t)last * BLOCK, <, b->usable_region_size);
    }
    for (unsigned long i = 0; i < rdb->nr_blocks; i++) {
        g_assert_cmpint(virtio_mem_blocks_is_plugged(b, i * BLOCK), ==,
                        test_bit(i, rdb->bitmap));
    }
    virtio_config_refresh(c->vdev);
    memcpy(&cfg, c->vdev->config, sizeof(cfg));
    g_assert_cmpuint(GUINT64_FROM_LE(cfg.plugged_size), ==, b->plugged_size);
    g_assert_cmpuint(GUINT64_FROM_LE(cfg.usable_region_size), ==,
                     b->usable_region_size);
    g_assert_cmpuint(virtqueue_inuse(c->vmem->vq), ==, 0);
}

/* Bytes of the program, with zeros past the end. */
typedef struct Prog {
    const uint8_t *data;
    size_t size, pos;
} Prog;

static uint64_t take(Prog *p, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++) {
        v |= (uint64_t)(p->pos < p->size ? p->data[p->pos++] : 0) << (8 * i);
    }
    return v;
}

static void run_op(Ctx *c, Prog *p)
{
    switch (take(p, 1) % 8) {
    case 0: {
        hwaddr off = take(p, 2) % GUEST_RAM;
        size_t len = take(p, 1);    /* not inside MIN(): it has effects */

        len = MIN(len, p->size - p->pos);
        address_space_write(&as, off, MEMTXATTRS_UNSPECIFIED,
                            p->data + p->pos, MIN(len, GUEST_RAM - off));
        p->pos += len;
        break;
    }
    case 1:
        virtio_queue_notify(c->vdev, 0);
        break;
    case 2: {
        hwaddr desc = take(p, 8), avail = take(p, 8), used = take(p, 8);

        virtio_queue_set_rings(c->vdev, 0, desc, avail, used);
        break;
    }
    case 3:
        virtio_set_status(c->vdev, take(p, 1));
        break;
    case 4:
        driver_start(c);
        break;
    case 5:
        set_requested(c, take(p, 1));
        break;
    case 6:
        virtio_mem_system_reset(c->vmem);
        break;
    default:
        virtio_queue_set_num(c->vdev, 0, take(p, 2));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Prog p = { .data = data, .size = size };
    Ctx c;

    if (size < 2 || size > 8 * KiB) {
        return 0;
    }
    LLVMFuzzerInitialize(NULL, NULL);
    ctx_init(&c, take(&p, 1));
    set_requested(&c, take(&p, 1));
    driver_start(&c);
    check_consistent(&c);
    for (int i = 0; i < MAX_OPS && p.pos < p.size; i++) {
        run_op(&c, &p);
        check_consistent(&c);
    }
    ctx_destroy(&c);
    return 0;
}
