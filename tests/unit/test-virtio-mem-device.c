/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the virtio-mem device (TYPE_VIRTIO_MEM) without a machine: a
 * memory-backend-ram object, the device realized with an AddressSpace
 * that holds a little RAM for the rings and the device's region at 4 GiB.
 * The test plays the guest driver on the virtqueue and the host through
 * properties, and checks realize errors, the config space, request
 * framing, interrupts, resets and the enforced usable region.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "exec/memory.h"
#include "sysemu/hostmem.h"
#include "hw/virtio/virtio-mem.h"
#include "qemu/log.h"
#include "capture-stderr.h"
#include "host-observe.h"

#define RING_RAM    (1024 * 1024)
#define BASE        0x100000000ull
#define BS          (2ull << 20)
#define QSIZE       VIRTIO_MEM_QUEUE_SIZE
#define DESC        0x1000
#define AVAIL       0x3000
#define USED        0x4000
#define REQ         0x10000
#define RESP        0x11000

static MemoryRegion root, ring_ram;
static AddressSpace as;
static unsigned backend_seq;

typedef struct Ctx {
    VirtIOMEM *vmem;
    VirtIODevice *vdev;
    Object *backend;
    uint16_t avail_idx;
    uint16_t used_seen;
} Ctx;

static Object *backend_new(const char *size, bool prealloc)
{
    JsonObject *props = json_object_new();
    char *id = g_strdup_printf("mem%u", backend_seq++);
    GError *err = NULL;
    Object *obj;

    json_object_set_string_member(props, "size", size);
    if (prealloc) {
        json_object_set_string_member(props, "prealloc", "on");
    } else {
        json_object_set_string_member(props, "reserve", "off");
    }
    obj = user_creatable_add_keyval(TYPE_MEMORY_BACKEND_RAM, id, props,
                                    &err);
    g_assert_no_error(err);
    json_object_unref(props);
    g_free(id);
    return obj;
}

static DeviceState *dev_new(Object *backend, const char *opts)
{
    DeviceState *dev = qdev_new(TYPE_VIRTIO_MEM);
    char **kv = g_strsplit(opts, ",", -1);
    GError *err = NULL;

    VIRTIO_DEVICE(dev)->dma_as = &as;
    if (backend) {
        g_assert_true(object_property_set_link(OBJECT(dev), "memdev",
                                               backend, &err));
    }
    for (char **p = kv; *p && **p; p++) {
        char **pair = g_strsplit(*p, "=", 2);

        g_assert_true(object_property_parse(OBJECT(dev), pair[0], pair[1],
                                            &err));
        g_strfreev(pair);
    }
    g_strfreev(kv);
    return dev;
}

/* Realize; NULL on failure with the message in *@msg. */
static Ctx *ctx_new_full(Object *backend, const char *opts, char **msg)
{
    DeviceState *dev = dev_new(backend, opts);
    GError *err = NULL;
    Ctx *c;

    if (!qdev_realize(dev, NULL, &err)) {
        *msg = g_strdup(err->message);
        g_error_free(err);
        object_unref(dev);
        return NULL;
    }
    c = g_new0(Ctx, 1);
    c->vmem = VIRTIO_MEM(dev);
    c->vdev = VIRTIO_DEVICE(dev);
    c->backend = backend;
    g_assert_true(virtio_mem_set_addr(c->vmem, BASE, &err));
    memory_region_add_subregion(&root, BASE,
                                virtio_mem_get_memory_region(c->vmem));
    return c;
}

static Ctx *ctx_new(const char *size, const char *opts)
{
    char *msg = NULL;
    Ctx *c = ctx_new_full(backend_new(size, false), opts, &msg);

    g_assert_null(msg);
    return c;
}

static void ctx_free(Ctx *c)
{
    GError *err = NULL;
    char *id = object_get_canonical_path_component(c->backend);

    memory_region_del_subregion(&root,
                                virtio_mem_get_memory_region(c->vmem));
    qdev_unrealize(DEVICE(c->vmem));
    object_unparent(OBJECT(c->vmem));
    object_unref(c->vmem);
    g_assert_true(user_creatable_del(id, &err));
    g_free(id);
    g_free(c);
}

/* ---- Driver side -------------------------------------------------------- */

static void w16(hwaddr a, uint16_t v)
{
    address_space_stw_le(&as, a, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void write_desc(unsigned i, uint64_t addr, uint32_t len,
                       uint16_t flags, uint16_t next)
{
    hwaddr d = DESC + 16 * i;

    address_space_stq_le(&as, d, addr, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(&as, d + 8, len, MEMTXATTRS_UNSPECIFIED, NULL);
    w16(d + 12, flags);
    w16(d + 14, next);
}

static void driver_start(Ctx *c, uint64_t features)
{
    VirtIODevice *vdev = c->vdev;

    virtio_set_status(vdev, 0);
    memset(memory_region_get_ram_ptr(&ring_ram), 0, RING_RAM);
    c->avail_idx = c->used_seen = 0;
    virtio_set_features(vdev, features | (1ull << VIRTIO_F_VERSION_1));
    g_assert_cmpint(virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER |
                                      VIRTIO_CONFIG_S_FEATURES_OK), ==, 0);
    virtio_queue_set_rings(vdev, 0, DESC, AVAIL, USED);
    virtio_queue_set_enabled(vdev, 0, true);
    virtio_set_status(vdev, VIRTIO_CONFIG_S_DRIVER |
                      VIRTIO_CONFIG_S_FEATURES_OK |
                      VIRTIO_CONFIG_S_DRIVER_OK);
    virtio_isr_read_and_clear(vdev);
}

static void write_req(uint16_t type, uint64_t addr, uint16_t nb)
{
    uint8_t raw[24] = { 0 };
    uint16_t t = GUINT16_TO_LE(type), n = GUINT16_TO_LE(nb);
    uint64_t a = GUINT64_TO_LE(addr);

    memcpy(raw, &t, 2);
    memcpy(raw + 8, &a, 8);
    memcpy(raw + 16, &n, 2);
    address_space_write(&as, REQ, MEMTXATTRS_UNSPECIFIED, raw, sizeof(raw));
}

/* Publish head 0 and notify; returns the answer or -1 if none. */
static int kick(Ctx *c, uint16_t *state)
{
    uint16_t used;
    uint8_t resp[10];

    w16(AVAIL + 4 + 2 * (c->avail_idx % QSIZE), 0);
    w16(AVAIL + 2, ++c->avail_idx);
    virtio_queue_notify(c->vdev, 0);
    used = address_space_lduw_le(&as, USED + 2, MEMTXATTRS_UNSPECIFIED,
                                 NULL);
    if (used == c->used_seen) {
        return -1;
    }
    c->used_seen = used;
    address_space_read(&as, RESP, MEMTXATTRS_UNSPECIFIED, resp, 10);
    if (state) {
        *state = resp[8] | resp[9] << 8;
    }
    return resp[0] | resp[1] << 8;
}

static int request(Ctx *c, uint16_t type, uint64_t addr, uint16_t nb,
                   uint16_t *state)
{
    write_req(type, addr, nb);
    write_desc(0, REQ, 24, VRING_DESC_F_NEXT, 1);
    write_desc(1, RESP, 10, VRING_DESC_F_WRITE, 0);
    return kick(c, state);
}

static VirtIOMEMConfig read_config(Ctx *c)
{
    VirtIOMEMConfig cfg;

    virtio_config_refresh(c->vdev);
    memcpy(&cfg, c->vdev->config, sizeof(cfg));
    return cfg;
}

static bool set_requested(Ctx *c, uint64_t size, char **msg)
{
    GError *err = NULL;
    bool ok = object_property_set_uint(OBJECT(c->vmem), "requested-size",
                                       size, &err);

    if (!ok) {
        *msg = g_strdup(err->message);
        g_error_free(err);
    }
    return ok;
}

/* ---- Tests -------------------------------------------------------------- */

typedef struct RealizeError {
    const char *name;
    const char *backend_size;
    bool backend_prealloc;
    const char *opts;
    const char *message;
} RealizeError;

static const RealizeError realize_errors[] = {
    { "no-memdev", NULL, false, "", "'memdev' property must be set" },
    { "requested-misaligned", "1G", false, "requested-size=1M",
      "'requested-size' property has to be multiples of 'block-size' "
      "(0x200000)" },
    { "requested-too-big", "1G", false, "requested-size=2G",
      "'requested-size' cannot exceed the memory backend size(0x40000000)" },
    { "backend-misaligned", "1025M", false, "",
      "backend memory size must be multiple of 0x200000" },
    { "backend-prealloc", "64M", true, "",
      "'memdev' property specifies a memdev with preallocation enabled: "
      "mem" },
    { "node", "1G", false, "node=1",
      "'node' property has value '1', which exceedsthe number of numa "
      "nodes: 1" },
};

static void test_realize_error(const void *opaque)
{
    const RealizeError *re = opaque;
    Object *backend = re->backend_size ?
                      backend_new(re->backend_size, re->backend_prealloc) :
                      NULL;
    char *msg = NULL;

    g_assert_null(ctx_new_full(backend, re->opts, &msg));
    g_assert_nonnull(msg);
    g_assert_true(g_str_has_prefix(msg, re->message));
    g_free(msg);
    if (backend) {
        /* Nothing left behind: the backend is free for another device. */
        g_assert_false(host_memory_backend_is_mapped(MEMORY_BACKEND(backend)));
        g_assert_false(ram_block_discard_is_required());
    }
}

static void test_block_size_setter(void)
{
    DeviceState *dev = dev_new(NULL, "");
    GError *err = NULL;

    g_assert_false(object_property_parse(OBJECT(dev), "block-size", "3M",
                                         &err));
    g_assert_cmpstr(err->message, ==,
                    "'block-size' property has to be a power of two");
    g_clear_error(&err);
    g_assert_false(object_property_parse(OBJECT(dev), "block-size", "512K",
                                         &err));
    g_assert_cmpstr(err->message, ==,
                    "'block-size' property has to be at least 0x100000");
    g_clear_error(&err);
    object_unref(dev);
}

static void test_busy_memdev_and_discard(void)
{
    Ctx *c = ctx_new("1G", "");
    char *msg = NULL;
    Object *other;

    g_assert_true(ram_block_discard_is_required());
    g_assert_null(ctx_new_full(c->backend, "", &msg));
    g_assert_true(g_str_has_prefix(msg, "'memdev' property specifies a busy "
                                   "memdev: mem"));
    g_clear_pointer(&msg, g_free);
    ctx_free(c);
    g_assert_false(ram_block_discard_is_required());

    /* Something that cannot tolerate discard keeps virtio-mem out. */
    g_assert_cmpint(ram_block_discard_disable(true), ==, 0);
    other = backend_new("1G", false);
    g_assert_null(ctx_new_full(other, "", &msg));
    g_assert_cmpstr(msg, ==, "Discarding RAM is disabled");
    g_free(msg);
    ram_block_discard_disable(false);
    /* vfio-style: uncoordinated discard disabled is fine. */
    g_assert_cmpint(ram_block_uncoordinated_discard_disable(true), ==, 0);
    c = ctx_new_full(other, "", &msg);
    g_assert_nonnull(c);
    ctx_free(c);
    ram_block_uncoordinated_discard_disable(false);
}

static void test_config(void)
{
    Ctx *c = ctx_new("4G", "block-size=4M,requested-size=1G");
    VirtIOMEMConfig cfg = read_config(c);

    g_assert_cmphex(cfg.block_size, ==, 4 << 20);
    g_assert_cmphex(cfg.addr, ==, BASE);
    g_assert_cmphex(cfg.region_size, ==, 4ull << 30);
    g_assert_cmphex(cfg.usable_region_size, ==, (1ull << 30) + (256 << 20));
    g_assert_cmphex(cfg.requested_size, ==, 1ull << 30);
    g_assert_cmphex(cfg.plugged_size, ==, 0);
    g_assert_cmpuint(c->vdev->config_len, ==, 56);
    g_assert_cmphex(c->vdev->host_features & 3, ==, 1);  /* ACPI_PXM only */
    ctx_free(c);
}

static void test_requests(void)
{
    Ctx *c = ctx_new("1G", "requested-size=16M");
    uint16_t state;
    uint8_t byte = 0x5a;

    driver_start(c, 0);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_PLUG, BASE, 4, NULL), ==,
                    VIRTIO_MEM_RESP_ACK);
    g_assert_cmphex(object_property_get_uint(OBJECT(c->vmem), "size", NULL),
                    ==, 4 * BS);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_PLUG, BASE, 8, NULL), ==,
                    VIRTIO_MEM_RESP_NACK);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_PLUG, BASE + 1, 1, NULL), ==,
                    VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_STATE, BASE, 8, &state), ==,
                    VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(state, ==, VIRTIO_MEM_STATE_MIXED);
    address_space_write(&as, BASE, MEMTXATTRS_UNSPECIFIED, &byte, 1);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_UNPLUG, BASE, 2, NULL), ==,
                    VIRTIO_MEM_RESP_ACK);
    byte = 1;
    address_space_read(&as, BASE, MEMTXATTRS_UNSPECIFIED, &byte, 1);
    g_assert_cmphex(byte, ==, 0);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0, NULL), ==,
                    VIRTIO_MEM_RESP_ACK);
    g_assert_cmphex(read_config(c).plugged_size, ==, 0);
    ctx_free(c);
}

static void test_framing(void)
{
    Ctx *c = ctx_new("1G", "requested-size=16M");

    /* Request split over three descriptors, response longer than needed. */
    driver_start(c, 0);
    write_req(VIRTIO_MEM_REQ_PLUG, BASE, 1);
    write_desc(0, REQ, 5, VRING_DESC_F_NEXT, 1);
    write_desc(1, REQ + 5, 11, VRING_DESC_F_NEXT, 2);
    write_desc(2, REQ + 16, 8, VRING_DESC_F_NEXT, 3);
    write_desc(3, RESP, 64, VRING_DESC_F_WRITE, 0);
    g_assert_cmpint(kick(c, NULL), ==, VIRTIO_MEM_RESP_ACK);

    /* A request shorter than 24 bytes breaks the device; memory stays. */
    write_desc(0, REQ, 20, VRING_DESC_F_NEXT, 1);
    write_desc(1, RESP, 10, VRING_DESC_F_WRITE, 0);
    g_assert_cmpint(kick(c, NULL), ==, -1);
    g_assert_true(c->vdev->broken);
    g_assert_cmphex(c->vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                    VIRTIO_CONFIG_S_NEEDS_RESET);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_STATE, BASE, 1, NULL), ==, -1);

    /* Device reset: works again, plugged memory kept. */
    driver_start(c, 0);
    g_assert_cmphex(read_config(c).plugged_size, ==, BS);
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_PLUG, BASE, 1, NULL), ==,
                    VIRTIO_MEM_RESP_ERROR);

    /* Short response buffer. */
    write_req(VIRTIO_MEM_REQ_STATE, BASE, 1);
    write_desc(0, REQ, 24, VRING_DESC_F_NEXT, 1);
    write_desc(1, RESP, 9, VRING_DESC_F_WRITE, 0);
    g_assert_cmpint(kick(c, NULL), ==, -1);
    g_assert_true(c->vdev->broken);

    /* Unknown request type. */
    driver_start(c, 0);
    g_assert_cmpint(request(c, 7, BASE, 1, NULL), ==, -1);
    g_assert_true(c->vdev->broken);
    ctx_free(c);
}

/* Break @c three ways, a driver restart between each. */
static void break_three_ways(Ctx *c)
{
    driver_start(c, 0);
    write_req(VIRTIO_MEM_REQ_STATE, BASE, 1);
    write_desc(0, REQ, 20, VRING_DESC_F_NEXT, 1);
    write_desc(1, RESP, 10, VRING_DESC_F_WRITE, 0);
    g_assert_cmpint(kick(c, NULL), ==, -1);
    driver_start(c, 0);
    write_desc(0, REQ, 24, VRING_DESC_F_NEXT, 1);
    write_desc(1, 16 * RING_RAM, 10, VRING_DESC_F_WRITE, 0);  /* no RAM */
    g_assert_cmpint(kick(c, NULL), ==, -1);
    driver_start(c, 0);
    g_assert_cmpint(request(c, 7, BASE, 1, NULL), ==, -1);
}

static Ctx *broken_ctx;

static void break_with_guest_errors(void)
{
    qemu_set_log_mask(LOG_GUEST_ERROR);
    break_three_ways(broken_ctx);
    qemu_set_log_mask(0);
}

/*
 * What the operator reads: the device named once per line (the first on
 * stderr by default, later ones under -d guest_errors, whose log is
 * stderr here).
 */
static void test_broken_messages(void)
{
    g_autofree char *out = NULL;

    broken_ctx = ctx_new("1G", "requested-size=16M");
    out = capture_stderr(break_with_guest_errors);
    g_assert_cmpstr(out, ==,
                    "qemu-system-x86_64: virtio-mem: protocol violation: "
                    "invalid request size: 20\n"
                    "virtio-mem: response buffer not writable\n"
                    "virtio-mem: protocol violation: unknown request type: "
                    "7\n");
    ctx_free(broken_ctx);
}

static void test_resize(void)
{
    Ctx *c = ctx_new("4G", "");
    char *msg = NULL;
    uint8_t gen;

    /* Before DRIVER_OK: accepted, no interrupt. */
    g_assert_true(set_requested(c, 1ull << 30, &msg));
    g_assert_cmphex(c->vdev->isr, ==, 0);
    g_assert_cmphex(read_config(c).usable_region_size, ==,
                    (1ull << 30) + (256 << 20));
    driver_start(c, 0);
    gen = c->vdev->generation;
    g_assert_true(set_requested(c, 1ull << 30, &msg));  /* same value */
    g_assert_cmphex(virtio_isr_read_and_clear(c->vdev), ==, 3);
    g_assert_cmpuint(c->vdev->generation, ==, (uint8_t)(gen + 1));
    g_assert_false(set_requested(c, 3 << 20, &msg));
    g_assert_cmpstr(msg, ==, "'requested-size' has to be multiples "
                    "of 'block-size' (0x200000)");
    g_clear_pointer(&msg, g_free);
    g_assert_false(set_requested(c, 8ull << 30, &msg));
    g_assert_cmpstr(msg, ==, "'requested-size' cannot exceed the memory "
                    "backend size(0x100000000)");
    g_clear_pointer(&msg, g_free);
    /* Shrinking the request never shrinks the usable region... */
    g_assert_true(set_requested(c, 0, &msg));
    g_assert_cmphex(read_config(c).usable_region_size, ==,
                    (1ull << 30) + (256 << 20));
    /* ...UNPLUG_ALL and system reset do. */
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0, NULL), ==,
                    VIRTIO_MEM_RESP_ACK);
    g_assert_cmphex(read_config(c).usable_region_size, ==, 0);
    g_assert_true(set_requested(c, 64 << 20, &msg));
    g_assert_cmpint(request(c, VIRTIO_MEM_REQ_PLUG, BASE, 32, NULL), ==,
                    VIRTIO_MEM_RESP_ACK);
    g_assert_true(set_requested(c, 0, &msg));
    virtio_mem_system_reset(c->vmem);
    g_assert_cmphex(read_config(c).plugged_size, ==, 0);
    g_assert_cmphex(read_config(c).usable_region_size, ==, 0);
    ctx_free(c);
}

static void test_unplugged_inaccessible(void)
{
    Ctx *c = ctx_new("1G", "unplugged-inaccessible=on");
    const uint64_t bit = 1ull << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE;

    g_assert_cmphex(c->vdev->host_features & bit, ==, bit);
    virtio_set_features(c->vdev, 1ull << VIRTIO_F_VERSION_1);
    g_assert_cmpint(virtio_set_status(c->vdev, VIRTIO_CONFIG_S_DRIVER |
                                      VIRTIO_CONFIG_S_FEATURES_OK), !=, 0);
    g_assert_cmphex(c->vdev->status & VIRTIO_CONFIG_S_FEATURES_OK, ==, 0);
    virtio_set_features(c->vdev, (1ull << VIRTIO_F_VERSION_1) | bit);
    g_assert_cmpint(virtio_set_status(c->vdev, VIRTIO_CONFIG_S_DRIVER |
                                      VIRTIO_CONFIG_S_FEATURES_OK), ==, 0);
    ctx_free(c);

    /* auto on private anonymous small-page memory: off. */
    c = ctx_new("1G", "");
    g_assert_cmphex(c->vdev->host_features & bit, ==, 0);
    ctx_free(c);
}

/* Beyond the usable region the guest finds nothing: writes are dropped. */
static void test_beyond_usable(void)
{
    Ctx *c = ctx_new("4G", "requested-size=64M");
    uint64_t usable = read_config(c).usable_region_size;
    HostMemoryBackend *backend = MEMORY_BACKEND(c->backend);
    uint8_t *host = memory_region_get_ram_ptr(
        host_memory_backend_get_memory(backend));
    uint8_t byte = 0x5a;
    unsigned char vec;

    g_assert_cmphex(usable, ==, 320ull << 20);
    g_assert_cmpint(address_space_write(&as, BASE + usable + 4096,
                                        MEMTXATTRS_UNSPECIFIED, &byte, 1),
                    !=, MEMTX_OK);
    g_assert_cmpint(address_space_read(&as, BASE + usable + 4096,
                                       MEMTXATTRS_UNSPECIFIED, &byte, 1),
                    !=, MEMTX_OK);
    /* The host page behind it was never touched. */
    g_assert_cmpint(mincore(host + usable, 4096, &vec), ==, 0);
    g_assert_cmpuint(vec & 1, ==, 0);
    /* Inside the usable region the write lands. */
    byte = 0x5a;
    g_assert_cmpint(address_space_write(&as, BASE + usable - 4096,
                                        MEMTXATTRS_UNSPECIFIED, &byte, 1),
                    ==, MEMTX_OK);
    g_assert_cmphex(host[usable - 4096], ==, 0x5a);
    ctx_free(c);
}

/*
 * The host side follows the usable region: the backend's block is used
 * (accessible) up to it and an inaccessible reservation beyond; it grows
 * with requested-size, shrinks on system reset, and is whole again once
 * the device is gone, so a new device can take the backend.
 */
static void test_host_side_follows_usable(void)
{
    Ctx *c = ctx_new("4G", "requested-size=64M");
    MemoryRegion *mr = host_memory_backend_get_memory(
        MEMORY_BACKEND(c->backend));
    RAMBlock *rb = memory_region_get_ram_block(mr);
    uint8_t *host = memory_region_get_ram_ptr(mr);
    DeviceState *dev = DEVICE(c->vmem);
    char *msg = NULL;
    Ctx *again;

    g_assert_true(qemu_ram_is_resizeable(rb));
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 320ull << 20);
    g_assert_cmphex(qemu_ram_get_max_length(rb), ==, 4ull << 30);
    g_assert_true(host_access_segfaults(host + (320ull << 20), false));
    g_assert_false(host_access_segfaults(host + (320ull << 20) - 1, true));

    g_assert_true(set_requested(c, 1ull << 30, &msg));
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 1280ull << 20);
    g_assert_false(host_access_segfaults(host + (1280ull << 20) - 1, true));
    g_assert_true(host_access_segfaults(host + (1280ull << 20), false));

    g_assert_true(set_requested(c, 0, &msg));
    virtio_mem_system_reset(c->vmem);
    g_assert_cmphex(read_config(c).usable_region_size, ==, 0);
    /* A RAM block cannot be empty: one block stays, unmapped for guests. */
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, BS);
    g_assert_true(host_access_segfaults(host + BS, false));

    /* Gone: the backend is whole and usable by the next device. */
    memory_region_del_subregion(&root,
                                virtio_mem_get_memory_region(c->vmem));
    qdev_unrealize(dev);
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 4ull << 30);
    g_assert_cmphex(memory_region_size(mr), ==, 4ull << 30);
    g_assert_false(host_access_segfaults(host + (4ull << 30) - 1, true));
    object_unparent(OBJECT(dev));
    object_unref(dev);
    again = ctx_new_full(c->backend, "requested-size=64M", &msg);
    g_assert_null(msg);
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 320ull << 20);
    g_free(c);
    ctx_free(again);
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    g_test_init(&argc, &argv, NULL);
    host_memory_backend_register_types();
    virtio_mem_register_types();
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ring_ram, NULL, "rings", RING_RAM,
                                         &err));
    memory_region_add_subregion(&root, 0, &ring_ram);
    address_space_init(&as, &root, "test");

    for (size_t i = 0; i < G_N_ELEMENTS(realize_errors); i++) {
        char *path = g_strdup_printf("/virtio-mem/realize/refuses/%s",
                                     realize_errors[i].name);

        g_test_add_data_func(path, &realize_errors[i], test_realize_error);
        g_free(path);
    }
    g_test_add_func("/virtio-mem/realize/block-size-setter",
                    test_block_size_setter);
    g_test_add_func("/virtio-mem/realize/busy-memdev-and-discard",
                    test_busy_memdev_and_discard);
    g_test_add_func("/virtio-mem/config/values", test_config);
    g_test_add_func("/virtio-mem/queue/requests", test_requests);
    g_test_add_func("/virtio-mem/queue/framing-and-broken", test_framing);
    g_test_add_func("/virtio-mem/queue/broken-messages",
                    test_broken_messages);
    g_test_add_func("/virtio-mem/resize/requested-size", test_resize);
    g_test_add_func("/virtio-mem/features/unplugged-inaccessible",
                    test_unplugged_inaccessible);
    g_test_add_func("/virtio-mem/usable/host-side-follows",
                    test_host_side_follows_usable);
    g_test_add_func("/virtio-mem/usable/beyond-is-unassigned",
                    test_beyond_usable);
    return g_test_run();
}
