/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -numa node,nodeid=N,cpus=A-B,memdev=ID and where guest RAM comes from.
 *
 * Owns the NUMA node table of the command line and the step that turns
 * it (or, without nodes, -m alone) into the machine's RAM region made of
 * memory backends: the nodes' backends laid out in node order, or one
 * default memory-backend-ram named like QEMU 7.2's ("pc.ram", "ram"), so
 * that all guest RAM is a backend visible in query-memdev.
 *
 * The guest learns nothing about nodes yet (no ACPI SRAT); what is real
 * is the host side: which backend (and so which host policy, file,
 * hugepages) backs which range of guest RAM, and memory devices' node=
 * checked against the node count.  -numa dist/cpu/hmat-* are refused.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/option.h"
#include "qom/object_interfaces.h"
#include "sysemu/hostmem.h"
#include "sysemu/sysemu.h"
#include "hw/boards.h"
#include "vl-internal.h"
#include "vl-numa.h"

#define NUMA_MAX_NODES 128

typedef struct NumaNodeOpt {
    bool present;
    char *loc;
    char *memdev;               /* or NULL: a node without memory */
} NumaNodeOpt;

static NumaNodeOpt nodes[NUMA_MAX_NODES];
static unsigned node_count;     /* -numa node options seen */
static char *first_loc;

static unsigned max_cpus(void)
{
    return sysemu_config.smp_cpus ? sysemu_config.smp_cpus : 1;
}

/* "cpus=0-3" (QEMU's "a[-b]"); every index must be a possible vCPU. */
static void check_cpus(const char *loc, const char *value)
{
    uint64_t lo, hi;
    char *end;

    errno = 0;
    lo = g_ascii_strtoull(value, &end, 10);
    hi = lo;
    if (end != value && *end == '-') {
        const char *p = end + 1;

        hi = g_ascii_strtoull(p, &end, 10);
        if (end == p) {
            end = (char *)value;
        }
    }
    if (end == value || *end || errno || hi < lo) {
        vl_fail(loc, "Parameter 'cpus' expects a number or a range "
                  "A-B");
    }
    if (hi >= max_cpus()) {
        /* the first index out of range, as QEMU names it */
        vl_fail(loc, "CPU index (%" PRIu64 ") should be smaller than "
                  "maxcpus (%u)", MAX(lo, (uint64_t)max_cpus()), max_cpus());
    }
}

static void parse_node(const char *loc, QemuOpts *opts)
{
    static const char *const keys[] = {
        "type", "nodeid", "cpus", "memdev", "mem", "initiator", NULL
    };
    g_autoptr(GError) err = NULL;
    uint64_t id;

    if (!qemu_opts_validate(opts, keys, &err)) {
        vl_fail(loc, "%s", err->message);
    }
    if (qemu_opt_has(opts, "mem")) {
        vl_fail(loc, "Parameter -numa node,mem is not supported by this "
                  "machine type\nUse -numa node,memdev instead");
    }
    if (qemu_opt_has(opts, "initiator")) {
        vl_fail(loc, "initiator= is not supported (there is no HMAT)");
    }
    if (!qemu_opt_get_number(opts, "nodeid", node_count, &id, &err)) {
        vl_fail(loc, "%s", err->message);
    }
    if (id >= NUMA_MAX_NODES) {
        vl_fail(loc, "Max number of NUMA nodes reached: %" PRIu64, id);
    }
    if (nodes[id].present) {
        vl_fail(loc, "Duplicate NUMA nodeid: %" PRIu64, id);
    }
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (!strcmp(o->name, "cpus")) {
            check_cpus(loc, o->value);
        }
    }
    nodes[id].present = true;
    nodes[id].loc = g_strdup(loc);
    nodes[id].memdev = g_strdup(qemu_opt_get(opts, "memdev"));
    node_count++;
    if (!first_loc) {
        first_loc = g_strdup(loc);
    }
}

void vl_numa_parse(const char *loc, const char *arg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) opts = qemu_opts_parse(arg, "type", &err);
    const char *type;

    if (!opts) {
        vl_fail(loc, "%s", err->message);
    }
    type = qemu_opt_get(opts, "type");
    if (!type || !strcmp(type, "node")) {
        parse_node(loc, opts);
    } else if (!strcmp(type, "dist")) {
        vl_fail(loc, "-numa dist is not supported: there is no ACPI, so "
                  "no distance table (SLIT) would reach the guest");
    } else if (!strcmp(type, "cpu") || !strcmp(type, "hmat-lb") ||
               !strcmp(type, "hmat-cache")) {
        vl_fail(loc, "-numa %s is not supported", type);
    } else {
        vl_fail(loc, "Parameter 'type' does not accept value '%s'", type);
    }
}

/* Nodes must be numbered 0..n-1 (QEMU's rule). */
static void check_contiguous(void)
{
    for (unsigned i = 0; i < node_count; i++) {
        if (!nodes[i].present) {
            vl_fail(NULL, "numa: Node ID missing: %u", i);
        }
    }
}

static HostMemoryBackend *node_backend(unsigned i)
{
    HostMemoryBackend *b = host_memory_backend_find(nodes[i].memdev, NULL);
    GError *err = NULL;

    if (!b) {
        /* QEMU 7.2's words for an id that names no backend */
        vl_fail(nodes[i].loc, "memdev=%s is ambiguous", nodes[i].memdev);
    }
    if (!host_memory_backend_claim(b, &err)) {
        vl_fail(nodes[i].loc, "%s", err->message);
    }
    return b;
}

static void numa_ram(MachineState *ms)
{
    MemoryRegion *container = g_new0(MemoryRegion, 1);
    uint64_t total = 0, offset = 0;
    GError *err = NULL;

    for (unsigned i = 0; i < node_count; i++) {
        if (nodes[i].memdev) {
            HostMemoryBackend *b = host_memory_backend_find(nodes[i].memdev,
                                                            NULL);
            total += b ? memory_region_size(
                             host_memory_backend_get_memory(b)) : 0;
        }
    }
    for (unsigned i = 0; i < node_count; i++) {
        if (nodes[i].memdev) {
            node_backend(i);
        }
    }
    if (total != ms->ram_size) {
        vl_fail(NULL, "total memory for NUMA nodes (0x%" PRIx64 ") should "
                  "equal RAM size (0x%" PRIx64 ")", total, ms->ram_size);
    }
    /* Lives as long as the machine, i.e. the process. */
    memory_region_init(container, OBJECT(ms), "ram", ms->ram_size);
    for (unsigned i = 0; i < node_count; i++) {
        MemoryRegion *mr;

        if (!nodes[i].memdev) {
            continue;
        }
        mr = host_memory_backend_get_memory(
            host_memory_backend_find(nodes[i].memdev, NULL));
        memory_region_add_subregion(container, offset, mr);
        offset += memory_region_size(mr);
    }
    if (!machine_set_ram_region(ms, container, &err)) {
        vl_fail(NULL, "%s", err->message);
    }
}

/* QEMU 7.2's default-ram-id of each board. */
static const char *default_ram_id(const char *machine_type)
{
    return !strcmp(machine_type, "none") ? "ram" : "pc.ram";
}

static void default_backend(MachineState *ms)
{
    const char *id = default_ram_id(sysemu_config.machine_type);
    g_autoptr(JsonObject) props = json_object_new();
    GError *err = NULL;

    json_object_set_int_member(props, "size", ms->ram_size);
    if (!user_creatable_add_type("memory-backend-ram", id, props, &err)) {
        vl_fail(NULL, "cannot set up guest memory '%s': %s", id,
                  err->message);
    }
    ms->ram_memdev_id = g_strdup(id);
}

void vl_numa_setup_ram(MachineState *ms)
{
    if (node_count && !strcmp(sysemu_config.machine_type, "none")) {
        vl_fail(first_loc, "NUMA is not supported by this machine-type");
    }
    check_contiguous();
    ms->numa_nodes = node_count;
    if (node_count) {
        if (ms->ram_memdev_id) {
            vl_fail(NULL, "'-machine memory-backend' and '-numa memdev' "
                      "properties are mutually exclusive");
        }
        /* Nodes without memdev= have no memory; the sum decides. */
        numa_ram(ms);
        return;
    }
    if (!ms->ram_memdev_id && ms->ram_size) {
        default_backend(ms);
    }
}
