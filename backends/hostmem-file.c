/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-file: memory from a file (mem-path) on any filesystem:
 * tmpfs, hugetlbfs, a DAX device or a plain disk file.  With share=on the
 * guest's writes reach the file; with share=off they stay private to the
 * process.  A directory as mem-path gives a new unlinked file in it.
 * physmem opens or creates the file and owns the fd.
 *
 * discard-data=on punches the file's contents away when the backend is
 * deleted (or the process exits), for files that only served as memory.
 *
 * One open + mmap per backend; no per-page work.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/mmap-alloc.h"
#include "sysemu/hostmem.h"
#include "hostmem-internal.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendFile, MEMORY_BACKEND_FILE)

struct HostMemoryBackendFile {
    HostMemoryBackend parent_obj;
    char *mem_path;
    uint64_t align;             /* 0: the page size of the file */
    bool discard_data;
    bool readonly;
};

static bool file_frozen(Object *obj, const char *name,
                         HostMemFrozenWording wording, GError **errp)
{
    return !host_memory_backend_check_mutable(obj, name, wording, errp);
}

static char *mem_path_get(Object *obj)
{
    return g_strdup(MEMORY_BACKEND_FILE(obj)->mem_path);
}

static bool mem_path_set(Object *obj, const char *value, GError **errp)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(obj);

    if (file_frozen(obj, "mem-path", HOSTMEM_FROZEN_QUOTED, errp)) {
        return false;
    }
    g_free(fb->mem_path);
    fb->mem_path = g_strdup(value);
    return true;
}

static uint64_t align_get(Object *obj)
{
    return MEMORY_BACKEND_FILE(obj)->align;
}

static bool align_set(Object *obj, uint64_t value, GError **errp)
{
    if (file_frozen(obj, "align", HOSTMEM_FROZEN_QUOTED, errp)) {
        return false;
    }
    MEMORY_BACKEND_FILE(obj)->align = value;
    return true;
}

static bool discard_data_get(Object *obj)
{
    return MEMORY_BACKEND_FILE(obj)->discard_data;
}

/* Not frozen: it only matters when the backend goes away. */
static bool discard_data_set(Object *obj, bool value, GError **errp)
{
    MEMORY_BACKEND_FILE(obj)->discard_data = value;
    return true;
}

static bool readonly_get(Object *obj)
{
    return MEMORY_BACKEND_FILE(obj)->readonly;
}

static bool readonly_set(Object *obj, bool value, GError **errp)
{
    if (file_frozen(obj, "readonly", HOSTMEM_FROZEN_DOT, errp)) {
        return false;
    }
    MEMORY_BACKEND_FILE(obj)->readonly = value;
    return true;
}

/*
 * align= must be a power of two and a multiple of the file's page size.
 * The mapping itself is placed at the file's page size by physmem (its
 * file API takes no alignment), so a larger align is checked, recorded
 * and shown, but not yet applied to the host address.
 */
static bool check_align(HostMemoryBackendFile *fb, GError **errp)
{
    size_t page_size = qemu_mempath_getpagesize(fb->mem_path);

    if (!fb->align) {
        return true;
    }
    if (!page_size) {
        page_size = qemu_real_host_page_size();
    }
    if (fb->align % page_size) {
        error_setg(errp, "alignment 0x%" PRIx64 " must be multiples of page "
                   "size 0x%zx", fb->align, page_size);
        return false;
    }
    if (!is_power_of_2(fb->align)) {
        error_setg(errp, "alignment 0x%" PRIx64 " must be a power of two",
                   fb->align);
        return false;
    }
    return true;
}

static bool file_backend_alloc(HostMemoryBackend *backend, GError **errp)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(backend);
    g_autofree char *name = host_memory_backend_get_name(backend);
    uint32_t flags = host_memory_backend_ram_flags(backend);

    if (!fb->mem_path) {
        error_setg(errp, "Parameter 'mem-path' is missing");
        return false;
    }
    if (!check_align(fb, errp)) {
        return false;
    }
    if (fb->readonly) {
        flags |= RAM_READONLY | RAM_READONLY_FD;
    }
    return memory_region_init_ram_from_file(&backend->mr, OBJECT(backend),
                                            name, backend->size, flags,
                                            fb->mem_path, 0, errp);
}

/* Drop the file's contents (discard-data=on); see the file comment. */
static void file_backend_discard(HostMemoryBackend *backend)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(backend);
    RAMBlock *rb = host_memory_backend_get_ram_block(backend);
    int ret;

    if (!fb->discard_data || !rb || fb->readonly) {
        return;
    }
    ret = ram_block_discard_range(rb, 0, qemu_ram_get_used_length(rb));
    if (ret < 0) {
        g_autofree char *id = host_memory_backend_get_name(backend);

        warn_report("memory-backend-file '%s': discard-data failed: %s",
                    id ? id : "?", g_strerror(-ret));
    }
}

/* Runs before the base finalize unmaps the block. */
static void file_backend_finalize(Object *obj)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(obj);

    file_backend_discard(MEMORY_BACKEND(obj));
    g_free(fb->mem_path);
}

static void file_backend_class_init(ObjectClass *oc, void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);
    ObjectProperty *prop;

    bc->alloc = file_backend_alloc;
    bc->exiting = file_backend_discard;

    object_property_set_description(
        object_class_property_add_bool(oc, "readonly", readonly_get,
                                       readonly_set),
        "Open the file read-only and map the memory read-only");
    prop = object_class_property_add_size(oc, "align", align_get, align_set);
    object_property_set_type_name(prop, "int");
    object_property_set_description(prop, "Alignment of the mapping "
                                    "(power of two, multiple of the page "
                                    "size)");
    object_property_set_description(
        object_class_property_add_str(oc, "mem-path", mem_path_get,
                                      mem_path_set),
        "File (or directory for an unlinked file) that backs the memory");
    object_property_set_description(
        object_class_property_add_bool(oc, "discard-data", discard_data_get,
                                       discard_data_set),
        "Throw the file's contents away when the backend goes away");
}

static const TypeInfo file_backend_info = {
    .name = TYPE_MEMORY_BACKEND_FILE,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackendFile),
    .instance_finalize = file_backend_finalize,
    .class_init = file_backend_class_init,
};

void host_memory_backend_file_register_types(void)
{
    type_register_static(&file_backend_info);
}
