/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared set-up of the virtio-mem qtests: start a q35 machine with one
 * memory backend and one virtio-mem-pci device in slot 1, a PCI bus, a
 * guest allocator and the libqos driver; plus QMP and /proc helpers.
 */
#ifndef VIRTIO_MEM_COMMON_H
#define VIRTIO_MEM_COMMON_H

#include "libqtest.h"
#include "libqos/malloc.h"
#include "libqos/pci-pc.h"
#include "libqos/virtio-mem.h"

/* -m 1G keeps all RAM below 4 GiB: the device region starts at 4 GiB. */
#define VMEM_MACHINE "-machine q35 -m 1G,maxmem=65G"
#define VMEM_DEVFN   QPCI_DEVFN(1, 0)

typedef struct VMemCtx {
    QTestState *qts;
    QGuestAllocator *alloc;
    QPCIBus *bus;
    QVirtioMem *vmem;
} VMemCtx;

/**
 * vmem_ctx_new: start the binary with VMEM_MACHINE plus @backend (the
 * -object argument, id mem0) and @device (-device properties after
 * memdev=mem0, may be ""), then probe the driver with @opts (optional).
 */
static inline VMemCtx *vmem_ctx_new(const QVirtioMemOpts *opts,
                                    const char *backend, const char *device)
{
    VMemCtx *c = g_new0(VMemCtx, 1);

    c->qts = qtest_initf(VMEM_MACHINE " -object %s "
                         "-device virtio-mem-pci,id=vm0,memdev=mem0%s%s",
                         backend, *device ? "," : "", device);
    c->alloc = pc_alloc_new();
    c->bus = qpci_new_pc(c->qts);
    c->vmem = qvirtio_mem_probe(c->bus, c->alloc, opts);
    g_assert_nonnull(c->vmem);
    return c;
}

/** vmem_ctx_ram: a memory-backend-ram of @size, reserve=off. */
static inline VMemCtx *vmem_ctx_ram(const char *size, const char *device)
{
    g_autofree char *backend =
        g_strdup_printf("memory-backend-ram,id=mem0,size=%s,reserve=off",
                        size);

    return vmem_ctx_new(NULL, backend, device);
}

static inline void vmem_ctx_free(VMemCtx *c)
{
    qvirtio_mem_free(c->vmem);
    qpci_free_pc(c->bus);
    guest_allocator_free(c->alloc);
    qtest_quit(c->qts);
    g_free(c);
}

/** vmem_qom_set_size: qom-set vm0 @prop to @value; NULL or error desc. */
static inline char *vmem_qom_set_size(VMemCtx *c, const char *prop,
                                      uint64_t value)
{
    JsonObject *rsp = qtest_qmp(c->qts,
        "{'execute': 'qom-set', 'arguments': {'path': 'vm0', "
        "'property': '%s', 'value': %" PRIu64 "}}", prop, value);
    char *desc = NULL;

    if (json_object_has_member(rsp, "error")) {
        JsonObject *err = json_object_get_object_member(rsp, "error");

        desc = g_strdup(json_object_get_string_member(err, "desc"));
    }
    json_object_unref(rsp);
    return desc;
}

/** vmem_set_requested: qom-set requested-size, which must succeed. */
static inline void vmem_set_requested(VMemCtx *c, uint64_t value)
{
    g_autofree char *err = vmem_qom_set_size(c, "requested-size", value);

    g_assert_null(err);
}

/** vmem_qom_get_u64: qom-get vm0 @prop as an integer. */
static inline uint64_t vmem_qom_get_u64(VMemCtx *c, const char *prop)
{
    JsonObject *rsp = qtest_qmp_assert_success_ref(c->qts,
        "{'execute': 'qom-get', 'arguments': {'path': 'vm0', "
        "'property': '%s'}}", prop);
    uint64_t v = json_object_get_int_member(rsp, "return");

    json_object_unref(rsp);
    return v;
}

/** vmem_rss_kib: Rss of the binary from /proc/PID/smaps_rollup. */
static inline uint64_t vmem_rss_kib(QTestState *qts)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%d/smaps_rollup", (int)qtest_pid(qts));
    g_autofree char *text = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    line = strstr(text, "\nRss:");
    g_assert_nonnull(line);
    return g_ascii_strtoull(line + 5, NULL, 10);
}

/** vmem_thp_size: the host's THP size, or 2 MiB when unknown. */
static inline uint64_t vmem_thp_size(void)
{
    g_autofree char *text = NULL;
    uint64_t v = 0;

    if (g_file_get_contents("/sys/kernel/mm/transparent_hugepage/"
                            "hpage_pmd_size", &text, NULL, NULL)) {
        v = g_ascii_strtoull(text, NULL, 10);
    }
    return v ? v : 2 * MiB;
}

#endif
