/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x-dma-pin on the binary: the vfio listener pinning (mlock) guest RAM
 * while the libqos virtio-mem guest driver plugs and unplugs blocks.
 * Pinning is read from the kernel (/proc/PID/status VmLck); the object's
 * own view (qom-get pin0 mappings) must agree with the device's plugged
 * blocks.  Our binary only: QEMU 7.2 has no x-dma-pin.
 *
 * Each VM has 128 MiB of boot RAM (locked whole: it is plain RAM) and a
 * virtio-mem backend in 2 MiB blocks; every check compares VmLck against
 * the value right after start, so the ROMs and boot RAM cancel out.
 * Where the backend is a memfd, the kernel also tells which parts of it
 * are locked (/proc/PID/smaps: file offset and the "lo" VmFlag of each
 * VMA), and those must be exactly the plugged blocks: unplugged memory
 * is never locked, wherever it lies.
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
    bool memfd;                 /* backend mem0 is a memfd: see smaps */
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

/*
 * Add [@start, @end) to @ivs (pairs of uint64_t, sorted, disjoint),
 * merging with the last interval when adjacent.  Callers add in order.
 */
static void interval_append(GArray *ivs, uint64_t start, uint64_t end)
{
    if (ivs->len) {
        uint64_t *last_end = &g_array_index(ivs, uint64_t, ivs->len - 1);

        g_assert_cmpuint(*last_end, <=, start);
        if (*last_end == start) {
            *last_end = end;
            return;
        }
    }
    g_array_append_val(ivs, start);
    g_array_append_val(ivs, end);
}

/*
 * The kernel's view: offsets within the memfd of backend mem0 that are
 * mlocked, as merged intervals.  Each smaps entry starts with
 * "start-end perms offset dev inode path" and ends with "VmFlags:",
 * where "lo" means VM_LOCKED.  Caller frees.
 */
static GArray *memfd_locked_offsets(QTestState *qts)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%d/smaps", (int)qtest_pid(qts));
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GArray *ivs = g_array_new(false, false, sizeof(uint64_t));
    bool in_mem0 = false;
    uint64_t off = 0, len = 0;
    unsigned seen = 0;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        unsigned long long start, end, pgoff;

        if (sscanf(*l, "%llx-%llx %*s %llx", &start, &end, &pgoff) == 3 &&
            strchr(*l, '-') && !g_str_has_prefix(*l, "VmFlags")) {
            in_mem0 = strstr(*l, "/memfd:mem0 ") != NULL;
            off = pgoff;
            len = end - start;
            seen += in_mem0;
        } else if (in_mem0 && g_str_has_prefix(*l, "VmFlags:")) {
            g_auto(GStrv) flags = g_strsplit(*l + 8, " ", -1);

            if (g_strv_contains((const char * const *)flags, "lo")) {
                interval_append(ivs, off, off + len);
            }
            in_mem0 = false;
        }
    }
    g_assert_cmpuint(seen, >, 0);
    return ivs;
}

static PinCtx *pin_ctx_new_pin(const char *backend, const char *maxmem,
                               const char *pin_opts)
{
    PinCtx *c = g_new0(PinCtx, 1);
    g_autoptr(JsonArray) maps = NULL;

    c->memfd = g_str_has_prefix(backend, "memory-backend-memfd");
    c->qts = qtest_initf("-machine q35 -m 128M,maxmem=%s "
                         "-object %s,id=mem0 "
                         "-object x-dma-pin,id=pin0%s "
                         "-device virtio-mem-pci,id=vm0,memdev=mem0,"
                         "block-size=2M", maxmem, backend, pin_opts);
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

static PinCtx *pin_ctx_new(const char *backend, const char *maxmem)
{
    return pin_ctx_new_pin(backend, maxmem, "");
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
    g_autoptr(GArray) listed = g_array_new(false, false, sizeof(uint64_t));
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
        interval_append(listed, iova - region, iova - region + BS);
        in_region += BS;
    }
    g_assert_cmpuint(in_region, ==, plugged);
    if (c->memfd) {
        g_autoptr(GArray) locked = memfd_locked_offsets(c->qts);

        /* The kernel locked exactly the listed (so plugged) blocks. */
        g_assert_cmpuint(locked->len, ==, listed->len);
        for (guint i = 0; i < locked->len; i++) {
            g_assert_cmphex(g_array_index(locked, uint64_t, i), ==,
                            g_array_index(listed, uint64_t, i));
        }
    }
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
    c = pin_ctx_new("memory-backend-memfd,size=4G", "5G");
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

    if (skip_reference()) {
        return;
    }
    c = pin_ctx_new("memory-backend-memfd,size=4G", "5G");
    set_requested(c, 32 * MiB);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    assert_pinned_equals_plugged(c);

    qtest_qmp_assert_success(c->qts, "{'execute': 'system_reset'}");
    /*
     * RESET is sent once every reset handler ran (virtio-mem unplugged all,
     * the pin listener unpinned), within libqtest's QTEST_TIMEOUT like
     * every other wait.
     */
    qtest_qmp_eventwait(c->qts, "RESET");
    g_assert_cmpuint(vmlck(c->qts), ==, c->base_lck);
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
    c = pin_ctx_new("memory-backend-ram,size=64G,reserve=off", "65G");
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
 * The host raises requested-size after start so far that the usable
 * region's worst case no longer fits the mapping limit.  A listener
 * cannot veto the bigger section, but what is plugged must stay pinned,
 * plugs beyond the limit must be refused (not plugged unpinned), and the
 * error must name block-size.
 */
static void test_growth_beyond_limit(void)
{
    QVirtioMemConvergeResult res = { 0 };
    uint64_t plugged;
    PinCtx *c;

    if (skip_reference()) {
        return;
    }
    /* 1 boot RAM mapping + 199 blocks; 16 MiB requested needs 137. */
    c = pin_ctx_new_pin("memory-backend-memfd,size=4G", "5G",
                        ",max-mappings=200");
    set_requested(c, 16 * MiB);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    assert_pinned_equals_plugged(c);

    /* Usable region 1 GiB + 256 MiB: 640 blocks, above the limit. */
    set_requested(c, 1 * GiB);
    assert_pinned_equals_plugged(c);
    g_assert_false(qvirtio_mem_converge(c->vmem,
                       &(QVirtioMemConverge) { .max_rounds = 4 }, &res));
    g_assert_cmpuint(res.refusals, >, 0);
    plugged = qvirtio_mem_plugged_size(c->vmem);
    g_assert_cmpuint(plugged, >=, 16 * MiB);
    g_assert_cmpuint(plugged, <=, 199 * BS);
    assert_pinned_equals_plugged(c);

    /* Back within the limit: everything away, then plug again. */
    set_requested(c, 0);
    g_assert_true(qvirtio_mem_converge(c->vmem, NULL, NULL));
    assert_pinned_equals_plugged(c);
    set_requested(c, 32 * MiB);
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
    GPid pid;
    int err_fd, status, tries = 0;
    pid_t ret;

    if (skip_reference()) {
        return;
    }
    g_assert_nonnull(binary);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDOUT_TO_DEV_NULL,
                                           NULL, NULL, &pid, NULL, NULL,
                                           &err_fd, &err));
    g_assert_no_error(err);
    /*
     * It must refuse while starting; one that started anyway would run
     * until killed, so give up (and fail) after a generous bound.
     */
    while ((ret = waitpid(pid, &status, WNOHANG)) == 0 && ++tries < 3000) {
        g_usleep(10 * 1000);
    }
    if (ret == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    g_assert_cmpint(ret, ==, pid);
    {
        GIOChannel *ch = g_io_channel_unix_new(err_fd);

        g_io_channel_set_close_on_unref(ch, true);
        g_assert_cmpint(g_io_channel_read_to_end(ch, &err_text, NULL, &err),
                        ==, G_IO_STATUS_NORMAL);
        g_io_channel_unref(ch);
    }
    g_spawn_close_pid(pid);
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
    g_test_add_func("/dma-pin/virtio-mem/growth-beyond-limit-keeps-pins",
                    test_growth_beyond_limit);
    g_test_add_func("/dma-pin/virtio-mem/block-size-limit",
                    test_block_size_limit);
    return g_test_run();
}
