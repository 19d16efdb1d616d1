/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x-dma-pin on the binary: the vfio listener pinning (mlock) guest RAM
 * while the libqos virtio-mem guest driver plugs and unplugs blocks.
 * Pinning is read from the kernel (/proc/PID/status VmLck); the object's
 * own view (qom-get pin0 mappings) must agree with the device's plugged
 * blocks.  Our binary only: QEMU 7.2 has no x-dma-pin.
 *
 * Each VM has 128 MiB of boot RAM (locked whole: it is plain RAM) and a
 * reserve=off virtio-mem backend in 2 MiB blocks; every check compares
 * VmLck against the value right after start, so the ROMs and boot RAM
 * cancel out.
 */
#include "qemu/osdep.h"
#include <sys/wait.h>
#include "libqtest.h"
#include "libqos/malloc.h"
#include "libqos/pci-pc.h"
#include "libqos/virtio-mem.h"

#define BS   (2 * MiB)

typedef struct PinCtx {
    QTestState *qts;
    QGuestAllocator *alloc;
    QPCIBus *bus;
    QVirtioMem *vmem;
    uint64_t base_lck;          /* VmLck with nothing plugged */
    unsigned base_maps;         /* mappings with nothing plugged */
} PinCtx;

static uint64_t vmlck(QTestState *qts)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%d/status", (int)qtest_pid(qts));
    g_autofree char *text = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    line = strstr(text, "\nVmLck:");
    g_assert_nonnull(line);
    return g_ascii_strtoull(line + 7, NULL, 10) * KiB;
}

/* qom-get pin0 mappings; caller unrefs. */
static JsonArray *pin_mappings(PinCtx *c)
{
    JsonObject *rsp = qtest_qmp_assert_success_ref(c->qts,
        "{'execute': 'qom-get', 'arguments': {'path': '/objects/pin0', "
        "'property': 'mappings'}}");
    JsonArray *arr = json_array_ref(json_object_get_array_member(rsp,
                                                                 "return"));

    json_object_unref(rsp);
    return arr;
}

static void set_requested(PinCtx *c, uint64_t size)
{
    qtest_qmp_assert_success(c->qts,
        "{'execute': 'qom-set', 'arguments': {'path': 'vm0', "
        "'property': 'requested-size', 'value': %" PRIu64 "}}", size);
}

static PinCtx *pin_ctx_new(const char *backend_size, const char *maxmem)
{
    PinCtx *c = g_new0(PinCtx, 1);
    g_autoptr(JsonArray) maps = NULL;

    c->qts = qtest_initf("-machine q35 -m 128M,maxmem=%s "
                         "-object memory-backend-ram,id=mem0,size=%s,"
                         "reserve=off "
                         "-object x-dma-pin,id=pin0 "
                         "-device virtio-mem-pci,id=vm0,memdev=mem0,"
                         "block-size=2M", maxmem, backend_size);
    c->alloc = pc_alloc_new();
    c->bus = qpci_new_pc(c->qts);
    c->vmem = qvirtio_mem_probe(c->bus, c->alloc, NULL);
    g_assert_nonnull(c->vmem);
    c->base_lck = vmlck(c->qts);
    /* Boot RAM is pinned from the start. */
    g_assert_cmpuint(c->base_lck, >=, 128 * MiB);
    maps = pin_mappings(c);
    c->base_maps = json_array_get_length(maps);
    return c;
}

static void pin_ctx_free(PinCtx *c)
{
    qvirtio_mem_free(c->vmem);
    qpci_free_pc(c->bus);
    guest_allocator_free(c->alloc);
    qtest_quit(c->qts);
    g_free(c);
}

/*
 * The pinned memory is exactly the plugged memory: VmLck grew by the
 * plugged size, and the mappings inside the device region are one per
 * plugged block (each answered PLUGGED by the device).
 */
static void assert_pinned_equals_plugged(PinCtx *c)
{
    uint64_t plugged = qvirtio_mem_plugged_size(c->vmem);
    uint64_t region = qvirtio_mem_block_addr(c->vmem, 0);
    g_autoptr(JsonArray) maps = pin_mappings(c);
    uint64_t in_region = 0;

    g_assert_cmpuint(vmlck(c->qts) - c->base_lck, ==, plugged);
    for (guint i = 0; i < json_array_get_length(maps); i++) {
        JsonObject *m = json_array_get_object_element(maps, i);
        uint64_t iova = json_object_get_int_member(m, "iova");
        uint16_t state = 0;

        if (iova < region) {
            continue;
        }
        g_assert_cmpuint(json_object_get_int_member(m, "size"), ==, BS);
        g_assert_false(json_object_get_boolean_member(m, "readonly"));
        g_assert_cmpint(qvirtio_mem_state(c->vmem, iova, 1, &state), ==,
                        VIRTIO_MEM_RESP_ACK);
        g_assert_cmpuint(state, ==, VIRTIO_MEM_STATE_PLUGGED);
        in_region += BS;
    }
    g_assert_cmpuint(in_region, ==, plugged);
    g_assert_cmpuint(json_array_get_length(maps), ==,
                     c->base_maps + plugged / BS);
}

static bool skip_reference(void)
{
    if (qtest_is_reference()) {
        g_test_skip("x-dma-pin exists only in our binary");
        return true;
    }
    return false;
}

static void test_grow_shrink_unplug_all(void)
{
    PinCtx *c;

    if (skip_reference()) {
        return;
    }
    c = pin_ctx_new("4G", "5G");
    assert_pinned_equals_plugged(c);

    set_requested(c, 64 * MiB);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    g_assert_cmpuint(qvirtio_mem_plugged_size(c->vmem), ==, 64 * MiB);
    assert_pinned_equals_plugged(c);

    set_requested(c, 16 * MiB);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    assert_pinned_equals_plugged(c);

    /*
     * One block in the middle of nowhere, then everything away.  The
     * device takes it only inside the usable region (here 320 MiB: 64 MiB
     * were requested + 256 MiB) and within requested_size.
     */
    set_requested(c, 16 * MiB + BS);
    g_assert_cmpint(qvirtio_mem_plug(c->vmem,
                                     qvirtio_mem_block_addr(c->vmem, 150),
                                     1), ==, VIRTIO_MEM_RESP_ACK);
    assert_pinned_equals_plugged(c);
    g_assert_cmpint(qvirtio_mem_unplug_all(c->vmem), ==,
                    VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(qvirtio_mem_plugged_size(c->vmem), ==, 0);
    assert_pinned_equals_plugged(c);
    pin_ctx_free(c);
}

static void test_system_reset_unpins(void)
{
    PinCtx *c;
    int tries = 0;

    if (skip_reference()) {
        return;
    }
    c = pin_ctx_new("4G", "5G");
    set_requested(c, 32 * MiB);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    assert_pinned_equals_plugged(c);

    qtest_qmp_assert_success(c->qts, "{'execute': 'system_reset'}");
    /* The reset runs from the main loop: wait until it unplugged. */
    while (vmlck(c->qts) != c->base_lck) {
        g_assert_cmpint(++tries, <, 1000);
        g_usleep(1000);
    }
    qvirtio_mem_free(c->vmem);
    c->vmem = qvirtio_mem_probe(c->bus, c->alloc, NULL);
    g_assert_nonnull(c->vmem);
    g_assert_cmpuint(qvirtio_mem_plugged_size(c->vmem), ==, 0);
    assert_pinned_equals_plugged(c);
    pin_ctx_free(c);
}

/* The point of it all: a 64 GiB region with 1 GiB plugged pins 1 GiB. */
static void test_sparse_64g(void)
{
    PinCtx *c;

    if (skip_reference()) {
        return;
    }
    c = pin_ctx_new("64G", "65G");
    set_requested(c, 1 * GiB);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    g_assert_cmpuint(qvirtio_mem_plugged_size(c->vmem), ==, 1 * GiB);
    assert_pinned_equals_plugged(c);
    g_assert_cmpuint(vmlck(c->qts) - c->base_lck, <, 1 * GiB + 64 * MiB);
    set_requested(c, 0);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    assert_pinned_equals_plugged(c);
    pin_ctx_free(c);
}

/*
 * Too small a block-size for the mapping limit: the binary refuses to
 * start, naming block-size.  Started directly: libqtest expects a VM.
 */
static void test_block_size_limit(void)
{
    const char *binary = g_getenv("QTEST_QEMU_BINARY");
    const char *argv[] = {
        binary, "-machine", "q35", "-accel", "qtest", "-display", "none",
        "-m", "128M,maxmem=5G",
        "-object", "memory-backend-ram,id=mem0,size=4G,reserve=off",
        /*
         * Only the usable region is mapped (docs/system/virtio-mem.md), so
         * the worst case is counted over it: 2 GiB requested + 256 MiB in
         * 2 MiB blocks is up to 1152 mappings.
         */
        "-object", "x-dma-pin,id=pin0,max-mappings=1000",
        "-device", "virtio-mem-pci,id=vm0,memdev=mem0,block-size=2M,"
        "requested-size=2G",
        NULL
    };
    g_autofree char *err_text = NULL;
    GError *err = NULL;
    int status;

    if (skip_reference()) {
        return;
    }
    g_assert_nonnull(binary);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err_text, &status, &err));
    g_assert_no_error(err);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err_text, "block-size"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dma-pin/virtio-mem/grow-shrink-unplug-all",
                    test_grow_shrink_unplug_all);
    g_test_add_func("/dma-pin/virtio-mem/system-reset-unpins",
                    test_system_reset_unpins);
    g_test_add_func("/dma-pin/virtio-mem/sparse-64g-pins-plugged",
                    test_sparse_64g);
    g_test_add_func("/dma-pin/virtio-mem/block-size-limit",
                    test_block_size_limit);
    return g_test_run();
}
