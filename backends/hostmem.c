/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract "memory-backend" type: the properties every host memory
 * backend shares (size, share, reserve, prealloc, prealloc-threads, merge,
 * dump, policy, host-nodes), the rules between them, and what happens to
 * the memory once a concrete class (hostmem-ram.c, hostmem-memfd.c,
 * hostmem-file.c) has allocated it: merge/dump advice, the NUMA policy
 * (mbind) and preallocation.
 *
 * Tuned for a handful of very large backends (tens of GiB, mostly
 * reserve=off): nothing here touches the memory page by page; every step
 * is one range call on the whole mapping, and only prealloc makes the
 * kernel populate it (qemu_prealloc_mem, with worker threads).
 */
#include "qemu/osdep.h"
#include <sys/syscall.h>
#include "qapi/error.h"
#include "qemu/bitmap.h"
#include "qemu/cutils.h"
#include "qemu/oslib.h"
#include "sysemu/hostmem.h"
#include "hostmem-internal.h"

/* Linux mempolicy ABI (numaif.h is not always installed). */
#define HOSTMEM_MPOL_MF_STRICT (1 << 0)
#define HOSTMEM_MPOL_MF_MOVE   (1 << 1)

#define HOSTMEM_NODE_DIR "/sys/devices/system/node"

const char *const host_mem_policy_names[] = {
    [HOST_MEM_POLICY_DEFAULT] = "default",
    [HOST_MEM_POLICY_PREFERRED] = "preferred",
    [HOST_MEM_POLICY_BIND] = "bind",
    [HOST_MEM_POLICY_INTERLEAVE] = "interleave",
    [HOST_MEM_POLICY__MAX] = NULL,
};

/* ---- Small helpers -------------------------------------------------- */

bool host_memory_backend_check_mutable(Object *obj, const char *name,
                                       HostMemFrozenWording wording,
                                       GError **errp)
{
    const char *type = object_get_typename(obj);

    if (!user_creatable_is_complete(obj)) {
        return true;
    }
    switch (wording) {
    case HOSTMEM_FROZEN_QOM:
        return user_creatable_check_not_complete(obj, name, errp);
    case HOSTMEM_FROZEN_VALUE:
        error_setg(errp, "cannot change property value");
        break;
    case HOSTMEM_FROZEN_QUOTED:
        error_setg(errp, "cannot change property '%s' of %s", name, type);
        break;
    case HOSTMEM_FROZEN_DOT:
        error_setg(errp, "cannot change property '%s' of %s.", name, type);
        break;
    }
    return false;
}

static bool not_frozen(HostMemoryBackend *backend, const char *name,
                       HostMemFrozenWording wording, GError **errp)
{
    return host_memory_backend_check_mutable(OBJECT(backend), name, wording,
                                             errp);
}

static bool value_not_zero(HostMemoryBackend *backend, const char *name,
                           uint64_t value, GError **errp)
{
    if (!value) {
        error_setg(errp, "property '%s' of %s doesn't take value '0'", name,
                   object_get_typename(OBJECT(backend)));
        return false;
    }
    return true;
}

/* madvise over the whole region; 0 or -errno. */
static int backend_madvise(HostMemoryBackend *backend, int advice)
{
    return qemu_madvise(memory_region_get_ram_ptr(&backend->mr),
                        memory_region_size(&backend->mr), advice);
}

/*
 * merge=on asks KSM to scan the memory.  A kernel without KSM answers
 * EINVAL; merge defaults to on, so that is not an error (QEMU ignores it
 * too).  Anything else is.
 */
static bool apply_merge(HostMemoryBackend *backend, bool merge,
                        GError **errp)
{
#if defined(MADV_MERGEABLE) && defined(MADV_UNMERGEABLE)
    int ret = backend_madvise(backend,
                              merge ? MADV_MERGEABLE : MADV_UNMERGEABLE);

    if (ret < 0 && ret != -EINVAL) {
        error_setg_errno(errp, -ret, "cannot set merge=%s",
                         merge ? "on" : "off");
        return false;
    }
#endif
    return true;
}

static bool apply_dump(HostMemoryBackend *backend, bool dump, GError **errp)
{
#ifdef MADV_DODUMP
    int ret = backend_madvise(backend, dump ? MADV_DODUMP : MADV_DONTDUMP);

    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot set dump=%s",
                         dump ? "on" : "off");
        return false;
    }
#endif
    return true;
}

/*
 * Populate the whole backend.  Huge page shortages are the common cause
 * of failure, so the message says so when the backing uses huge pages.
 */
static bool do_prealloc(HostMemoryBackend *backend, GError **errp)
{
    RAMBlock *rb = host_memory_backend_get_ram_block(backend);
    GError *err = NULL;

    if (qemu_prealloc_mem(qemu_ram_get_fd(rb),
                          memory_region_get_ram_ptr(&backend->mr),
                          memory_region_size(&backend->mr),
                          backend->prealloc_threads, &err)) {
        return true;
    }
    if (qemu_ram_pagesize(rb) > qemu_real_host_page_size()) {
        error_prepend(&err, "cannot preallocate hugetlb memory (huge pages "
                      "of 0x%zx bytes; are enough of them free?): ",
                      qemu_ram_pagesize(rb));
    } else {
        error_prepend(&err, "cannot preallocate memory: ");
    }
    error_propagate(errp, err);
    return false;
}

/* ---- Properties ----------------------------------------------------- */

static uint64_t size_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->size;
}

static bool size_set(Object *obj, uint64_t value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (!not_frozen(backend, "size", HOSTMEM_FROZEN_QOM, errp) ||
        !value_not_zero(backend, "size", value, errp)) {
        return false;
    }
    backend->size = value;
    backend->size_given = true;
    return true;
}

static bool share_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->share;
}

static bool share_set(Object *obj, bool value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (!not_frozen(backend, "share", HOSTMEM_FROZEN_VALUE, errp)) {
        return false;
    }
    backend->share = value;
    return true;
}

static bool reserve_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->reserve;
}

static bool reserve_set(Object *obj, bool value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (!not_frozen(backend, "reserve", HOSTMEM_FROZEN_VALUE, errp)) {
        return false;
    }
    backend->reserve = value;
    return true;
}

static bool prealloc_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->prealloc;
}

/*
 * As QEMU: before complete() this only records the wish; afterwards
 * prealloc=on populates the memory at once (off is then a no-op: memory
 * cannot be "un-preallocated").  Unlike QEMU 7.2, on is refused while a
 * memory device manages the memory through a discard manager (virtio-mem:
 * it would populate every unplugged block; the device has its own
 * prealloc for what it plugs).
 */
static bool prealloc_set(Object *obj, bool value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    g_autofree char *id = NULL;

    if (value && backend->mr_inited && !backend->reserve) {
        error_setg(errp, "'prealloc=on' and 'reserve=off' are incompatible");
        return false;
    }
    if (!backend->mr_inited) {
        backend->prealloc = value;
        return true;
    }
    if (value && !backend->prealloc &&
        memory_region_has_ram_discard_manager(&backend->mr)) {
        id = host_memory_backend_get_name(backend);
        error_setg(errp, "memory backend '%s' is managed by a memory "
                   "device: set 'prealloc' on the device instead", id);
        return false;
    }
    if (value && !backend->prealloc) {
        if (!do_prealloc(backend, errp)) {
            return false;
        }
        backend->prealloc = true;
    }
    return true;
}

static uint64_t prealloc_threads_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->prealloc_threads;
}

/* Not frozen: it only matters for a later prealloc=on (as QEMU). */
static bool prealloc_threads_set(Object *obj, uint64_t value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (!value_not_zero(backend, "prealloc-threads", value, errp)) {
        return false;
    }
    backend->prealloc_threads = value;
    return true;
}

static bool merge_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->merge;
}

/* Live after complete(): the advice is applied to the memory at once. */
static bool merge_set(Object *obj, bool value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited && value != backend->merge &&
        !apply_merge(backend, value, errp)) {
        return false;
    }
    backend->merge = value;
    return true;
}

static bool dump_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->dump;
}

static bool dump_set(Object *obj, bool value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited && value != backend->dump &&
        !apply_dump(backend, value, errp)) {
        return false;
    }
    backend->dump = value;
    return true;
}

static int policy_get(Object *obj)
{
    return MEMORY_BACKEND(obj)->policy;
}

/*
 * Frozen after complete(): the policy is applied once, with mbind, when
 * the memory is allocated.  (QEMU 7.2 accepts a later change and ignores
 * it; refusing is more honest.)
 */
static bool policy_set(Object *obj, int value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (!not_frozen(backend, "policy", HOSTMEM_FROZEN_QUOTED, errp)) {
        return false;
    }
    backend->policy = value;
    return true;
}

static JsonNode *host_nodes_get(Object *obj, ObjectProperty *prop,
                                GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    JsonArray *arr = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);
    unsigned long n = find_first_bit(backend->host_nodes, HOSTMEM_MAX_NODES);

    for (; n < HOSTMEM_MAX_NODES;
         n = find_next_bit(backend->host_nodes, HOSTMEM_MAX_NODES, n + 1)) {
        json_array_add_int_element(arr, n);
    }
    json_node_take_array(node, arr);
    return node;
}

static bool host_node_valid(int64_t n, GError **errp)
{
    if (n < 0 || n >= HOSTMEM_MAX_NODES) {
        error_setg(errp, "Invalid host-nodes value: %" PRId64, n);
        return false;
    }
    return true;
}

#define HOST_NODES_TEXT_ERROR \
    "Parameter 'host-nodes' expects a uint64 value or range"

/* An unsigned decimal node number; false for anything else. */
static bool parse_node_number(const char *text, const char **end,
                              uint64_t *out)
{
    return g_ascii_isdigit(text[0]) &&
           qemu_strtou64(text, end, 10, out) == 0;
}

/*
 * Command-line form: "N" or "N-M" (a range, inclusive), as QEMU's
 * -object reads it.  The property's parse kind is "string", so -object
 * hands the text over unchanged; a repeated host-nodes= arrives as an
 * array of such strings (vl-objects.c) and the nodes add up.
 */
static bool host_nodes_parse_text(const char *text, unsigned long *nodes,
                                  GError **errp)
{
    uint64_t lo, hi;
    const char *end;

    if (!parse_node_number(text, &end, &lo)) {
        goto bad;
    }
    hi = lo;
    if (*end == '-' && !parse_node_number(end + 1, &end, &hi)) {
        goto bad;
    }
    if (*end || lo > hi) {
        goto bad;
    }
    if (!host_node_valid(MIN(hi, INT64_MAX), errp)) {
        return false;
    }
    bitmap_set(nodes, lo, hi - lo + 1);
    return true;

bad:
    error_setg(errp, HOST_NODES_TEXT_ERROR);
    return false;
}

/* QMP form: an array of node numbers (or of command-line strings). */
static bool host_nodes_parse_array(JsonArray *arr, unsigned long *nodes,
                                   GError **errp)
{
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonNode *elem = json_array_get_element(arr, i);
        int64_t n;

        if (JSON_NODE_HOLDS_VALUE(elem) &&
            json_node_get_value_type(elem) == G_TYPE_STRING) {
            if (!host_nodes_parse_text(json_node_get_string(elem), nodes,
                                       errp)) {
                return false;
            }
            continue;
        }
        if (!object_property_json_to_int(elem, "host-nodes", 64, &n, errp) ||
            !host_node_valid(n, errp)) {
            return false;
        }
        set_bit(n, nodes);
    }
    return true;
}

static bool host_nodes_set(Object *obj, ObjectProperty *prop,
                           JsonNode *value, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    DECLARE_BITMAP(nodes, HOSTMEM_MAX_NODES);
    bool ok;

    if (!not_frozen(backend, "host-nodes", HOSTMEM_FROZEN_QUOTED,
                    errp)) {
        return false;
    }
    bitmap_zero(nodes, HOSTMEM_MAX_NODES);
    if (JSON_NODE_HOLDS_ARRAY(value)) {
        ok = host_nodes_parse_array(json_node_get_array(value), nodes, errp);
    } else if (JSON_NODE_HOLDS_VALUE(value) &&
               json_node_get_value_type(value) == G_TYPE_STRING) {
        ok = host_nodes_parse_text(json_node_get_string(value), nodes, errp);
    } else {
        error_setg(errp, "Invalid parameter type for 'host-nodes', "
                   "expected: array");
        return false;
    }
    if (ok) {
        bitmap_copy(backend->host_nodes, nodes, HOSTMEM_MAX_NODES);
    }
    return ok;
}

/* ---- NUMA policy ---------------------------------------------------- */

static bool check_policy(HostMemoryBackend *backend, GError **errp)
{
    bool empty = bitmap_empty(backend->host_nodes, HOSTMEM_MAX_NODES);

    if (backend->policy == HOST_MEM_POLICY_DEFAULT && !empty) {
        error_setg(errp, "host-nodes must be empty for policy default, or "
                   "you should explicitly specify a policy other than "
                   "default");
        return false;
    }
    if (backend->policy != HOST_MEM_POLICY_DEFAULT && empty) {
        error_setg(errp, "host-nodes must be set for policy %s",
                   host_mem_policy_names[backend->policy]);
        return false;
    }
    return true;
}

/* Every node named must exist on this host (sysfs lists them). */
static bool check_host_nodes_exist(HostMemoryBackend *backend,
                                   GError **errp)
{
    unsigned long n;

    for (n = find_first_bit(backend->host_nodes, HOSTMEM_MAX_NODES);
         n < HOSTMEM_MAX_NODES;
         n = find_next_bit(backend->host_nodes, HOSTMEM_MAX_NODES, n + 1)) {
        g_autofree char *dir = g_strdup_printf(HOSTMEM_NODE_DIR "/node%lu",
                                               n);

        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
            error_setg(errp, "cannot bind memory to host NUMA nodes: host "
                       "node %lu does not exist (see " HOSTMEM_NODE_DIR ")",
                       n);
            return false;
        }
    }
    return true;
}

/*
 * mbind() through the raw system call (no libnuma).  The kernel reads
 * maxnode - 1 bits of the mask; MF_STRICT | MF_MOVE also moves pages that
 * are already populated so that the policy holds for them too.
 */
static bool apply_policy(HostMemoryBackend *backend, GError **errp)
{
    unsigned long last;
    long ret;

    if (backend->policy == HOST_MEM_POLICY_DEFAULT) {
        return true;
    }
    last = find_last_bit(backend->host_nodes, HOSTMEM_MAX_NODES);
    ret = syscall(SYS_mbind, memory_region_get_ram_ptr(&backend->mr),
                  (unsigned long)memory_region_size(&backend->mr),
                  (unsigned long)backend->policy, backend->host_nodes,
                  last + 2,
                  (unsigned long)(HOSTMEM_MPOL_MF_STRICT |
                                  HOSTMEM_MPOL_MF_MOVE));
    if (ret < 0) {
        error_setg_errno(errp, errno,
                         "cannot bind memory to host NUMA nodes");
        return false;
    }
    return true;
}

/* ---- Life cycle ----------------------------------------------------- */

static bool check_properties(HostMemoryBackend *backend, GError **errp)
{
    if (!backend->size_given) {
        error_setg(errp, "Parameter 'size' is missing");
        return false;
    }
    if (backend->prealloc && !backend->reserve) {
        error_setg(errp, "'prealloc=on' and 'reserve=off' are incompatible");
        return false;
    }
    return check_policy(backend, errp) &&
           check_host_nodes_exist(backend, errp);
}

static bool name_ram_block(HostMemoryBackend *backend, GError **errp)
{
    g_autofree char *id = host_memory_backend_get_name(backend);

    return qemu_ram_set_idstr(host_memory_backend_get_ram_block(backend),
                              id, errp);
}

/* What happens to freshly allocated memory, in QEMU's order. */
static bool setup_memory(HostMemoryBackend *backend, GError **errp)
{
    return name_ram_block(backend, errp) &&
           (!backend->merge || apply_merge(backend, true, errp)) &&
           (backend->dump || apply_dump(backend, false, errp)) &&
           apply_policy(backend, errp) &&
           (!backend->prealloc || do_prealloc(backend, errp));
}

static void free_memory(HostMemoryBackend *backend)
{
    if (backend->mr_inited) {
        memory_region_finalize(&backend->mr);
        memset(&backend->mr, 0, sizeof(backend->mr));
        backend->mr_inited = false;
    }
}

static bool host_memory_backend_complete(UserCreatable *uc, GError **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(uc);
    HostMemoryBackendClass *bc = MEMORY_BACKEND_GET_CLASS(uc);

    g_assert(bc->alloc);
    if (!check_properties(backend, errp) || !bc->alloc(backend, errp)) {
        return false;
    }
    backend->mr_inited = true;
    if (!setup_memory(backend, errp)) {
        free_memory(backend);
        return false;
    }
    return true;
}

static bool host_memory_backend_can_be_deleted(UserCreatable *uc)
{
    return !MEMORY_BACKEND(uc)->is_mapped;
}

static bool default_dump = true;

void host_memory_backend_set_default_dump(bool dump)
{
    default_dump = dump;
}

static void host_memory_backend_init(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    /* QEMU takes merge and dump from the machine; both default to on. */
    backend->merge = true;
    backend->dump = default_dump;
    backend->reserve = true;
    backend->prealloc_threads = 1;
    backend->policy = HOST_MEM_POLICY_DEFAULT;
}

static void host_memory_backend_finalize(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    g_assert(!backend->is_mapped);
    free_memory(backend);
}

/* ---- Public API ----------------------------------------------------- */

MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend)
{
    return backend->mr_inited ? &backend->mr : NULL;
}

RAMBlock *host_memory_backend_get_ram_block(HostMemoryBackend *backend)
{
    return backend->mr_inited ? memory_region_get_ram_block(&backend->mr)
                              : NULL;
}

void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped)
{
    backend->is_mapped = mapped;
}

bool host_memory_backend_is_mapped(HostMemoryBackend *backend)
{
    return backend->is_mapped;
}

bool host_memory_backend_can_set_usable_size(HostMemoryBackend *backend)
{
    RAMBlock *rb = host_memory_backend_get_ram_block(backend);

    return rb && qemu_ram_is_resizeable(rb);
}

uint64_t host_memory_backend_get_usable_size(HostMemoryBackend *backend)
{
    return backend->mr_inited ? memory_region_size(&backend->mr) : 0;
}

bool host_memory_backend_set_usable_size(HostMemoryBackend *backend,
                                         uint64_t size, GError **errp)
{
    g_assert(backend->is_mapped);
    if (size == host_memory_backend_get_usable_size(backend)) {
        return true;
    }
    if (!host_memory_backend_can_set_usable_size(backend)) {
        g_autofree char *id = host_memory_backend_get_name(backend);

        error_setg(errp, "memory backend '%s' cannot change its usable size",
                   id);
        return false;
    }
    if (!size || size > backend->size ||
        size % host_memory_backend_pagesize(backend)) {
        error_setg(errp, "usable size 0x%" PRIx64 " is not a page multiple "
                   "in (0, 0x%" PRIx64 "]", size, backend->size);
        return false;
    }
    return memory_region_ram_resize(&backend->mr, size, errp) == 0;
}

bool host_memory_backend_claim(HostMemoryBackend *backend, GError **errp)
{
    if (backend->is_mapped) {
        g_autofree char *id = host_memory_backend_get_name(backend);

        error_setg(errp, "can't use already busy memdev: %s", id);
        return false;
    }
    backend->is_mapped = true;
    return true;
}

HostMemoryBackend *host_memory_backend_find(const char *id, GError **errp)
{
    Object *obj = object_resolve_path_type(id, TYPE_MEMORY_BACKEND, NULL);

    if (!obj) {
        error_setg(errp, "Memory backend '%s' not found", id);
        return NULL;
    }
    return MEMORY_BACKEND(obj);
}

size_t host_memory_backend_pagesize(HostMemoryBackend *backend)
{
    RAMBlock *rb = host_memory_backend_get_ram_block(backend);

    return rb ? qemu_ram_pagesize(rb) : qemu_real_host_page_size();
}

char *host_memory_backend_get_name(HostMemoryBackend *backend)
{
    return object_get_canonical_path_component(OBJECT(backend));
}

uint32_t host_memory_backend_ram_flags(HostMemoryBackend *backend)
{
    return (backend->share ? RAM_SHARED : 0) |
           (backend->reserve ? 0 : RAM_NORESERVE);
}

/* ---- Type ----------------------------------------------------------- */

static void describe(ObjectProperty *prop, const char *type_name,
                     const char *text)
{
    if (type_name) {
        object_property_set_type_name(prop, type_name);
    }
    object_property_set_description(prop, text);
}

static void host_memory_backend_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    ObjectProperty *prop;

    ucc->complete = host_memory_backend_complete;
    ucc->can_be_deleted = host_memory_backend_can_be_deleted;

    /* qom-list shows QEMU's type names ("int" for sizes and counts). */
    describe(object_class_property_add_bool(oc, "share", share_get,
                                            share_set),
             NULL, "Map the memory shared (visible to other processes "
             "mapping the same file) instead of private");
    describe(object_class_property_add_size(oc, "size", size_get, size_set),
             "int", "Size in bytes; suffixes K, M, G, T allowed (e.g. 64G)");
    describe(object_class_property_add_bool(oc, "dump", dump_get, dump_set),
             NULL, "Include the memory in core dumps ('off' excludes it)");
    describe(object_class_property_add_uint(oc, "prealloc-threads", 32,
                                            prealloc_threads_get,
                                            prealloc_threads_set),
             "int", "Threads that populate the memory for prealloc");
    describe(object_class_property_add_enum(oc, "policy", "HostMemPolicy",
                                            host_mem_policy_names,
                                            policy_get, policy_set),
             NULL, "NUMA policy: default, preferred, bind or interleave");
    describe(object_class_property_add_bool(oc, "prealloc", prealloc_get,
                                            prealloc_set),
             NULL, "Populate all of the memory when the backend is created");
    describe(object_class_property_add_bool(oc, "reserve", reserve_get,
                                            reserve_set),
             NULL, "Reserve commit (swap) space or huge pages up front "
             "('off': pages are charged when first touched)");
    prop = object_class_property_add(oc, "host-nodes", "int",
                                     host_nodes_get, host_nodes_set, NULL,
                                     NULL);
    object_property_set_parse_kind(prop, OBJ_PARSE_STRING);
    describe(prop, NULL, "Host NUMA nodes the policy applies to "
             "(e.g. 0 or 0-1)");
    describe(object_class_property_add_bool(oc, "merge", merge_get,
                                            merge_set),
             NULL, "Let KSM merge identical pages of this memory");
}

static const InterfaceInfo host_memory_backend_interfaces[] = {
    { TYPE_USER_CREATABLE },
    { NULL },
};

static const TypeInfo host_memory_backend_info = {
    .name = TYPE_MEMORY_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(HostMemoryBackend),
    .instance_init = host_memory_backend_init,
    .instance_finalize = host_memory_backend_finalize,
    .class_size = sizeof(HostMemoryBackendClass),
    .class_init = host_memory_backend_class_init,
    .interfaces = host_memory_backend_interfaces,
};

void host_memory_backend_register_types(void)
{
    qom_register_types();
    type_register_static(&host_memory_backend_info);
    host_memory_backend_ram_register_types();
    host_memory_backend_memfd_register_types();
    host_memory_backend_file_register_types();
}
