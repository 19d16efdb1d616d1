/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-memfd: memory from an anonymous memfd (shmem, or
 * hugetlbfs with hugetlb=on), shared by default so that the fd can be
 * handed to other processes (vhost-user).  The backend owns the fd and
 * closes it when it is finalized; the RAM block maps it.
 *
 * seal=on (default) seals the size (F_SEAL_GROW | F_SEAL_SHRINK) and
 * then the seals themselves, so nobody who receives the fd can truncate
 * the memory under the guest.
 *
 * One memfd_create + ftruncate per backend; no per-page work.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/mman.h>
#include "qapi/error.h"
#include "qemu/mmap-alloc.h"
#include "sysemu/hostmem.h"
#include "hostmem-internal.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendMemfd, MEMORY_BACKEND_MEMFD)

struct HostMemoryBackendMemfd {
    HostMemoryBackend parent_obj;
    bool hugetlb;
    uint64_t hugetlbsize;       /* 0: the host's default huge page size */
    bool seal;
    int fd;                     /* -1 until allocated */
};

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

static bool memfd_frozen(Object *obj, const char *name,
                         HostMemFrozenWording wording, GError **errp)
{
    return !host_memory_backend_check_mutable(obj, name, wording, errp);
}

static bool hugetlb_get(Object *obj)
{
    return MEMORY_BACKEND_MEMFD(obj)->hugetlb;
}

static bool hugetlb_set(Object *obj, bool value, GError **errp)
{
    if (memfd_frozen(obj, "hugetlb", HOSTMEM_FROZEN_VALUE, errp)) {
        return false;
    }
    MEMORY_BACKEND_MEMFD(obj)->hugetlb = value;
    return true;
}

static uint64_t hugetlbsize_get(Object *obj)
{
    return MEMORY_BACKEND_MEMFD(obj)->hugetlbsize;
}

static bool hugetlbsize_set(Object *obj, uint64_t value, GError **errp)
{
    if (memfd_frozen(obj, "hugetlbsize", HOSTMEM_FROZEN_VALUE, errp)) {
        return false;
    }
    if (!value) {
        /* QEMU's wording; leaving it unset means the host's default */
        error_setg(errp, "Property '%s.hugetlbsize' doesn't take value '0'",
                   object_get_typename(obj));
        return false;
    }
    /* The power of 2 is checked at allocation, and only with hugetlb=on. */
    MEMORY_BACKEND_MEMFD(obj)->hugetlbsize = value;
    return true;
}

static bool seal_get(Object *obj)
{
    return MEMORY_BACKEND_MEMFD(obj)->seal;
}

static bool seal_set(Object *obj, bool value, GError **errp)
{
    if (memfd_frozen(obj, "seal", HOSTMEM_FROZEN_VALUE, errp)) {
        return false;
    }
    MEMORY_BACKEND_MEMFD(obj)->seal = value;
    return true;
}

static unsigned int memfd_flags(HostMemoryBackendMemfd *m)
{
    unsigned int flags = MFD_CLOEXEC;

    if (m->seal) {
        flags |= MFD_ALLOW_SEALING;
    }
    if (m->hugetlb) {
        flags |= MFD_HUGETLB;
        if (m->hugetlbsize) {
            unsigned int shift = __builtin_ctzll(m->hugetlbsize);

            flags |= shift << MFD_HUGE_SHIFT;
        }
    }
    return flags;
}

/* A sized (and possibly sealed) memfd, or -1 with @errp set. */
static int memfd_create_sized(HostMemoryBackendMemfd *m, uint64_t size,
                              GError **errp)
{
    g_autofree char *name =
        host_memory_backend_get_name(MEMORY_BACKEND(m));
    size_t page_size;
    int fd;

    if (m->hugetlb && m->hugetlbsize && !is_power_of_2(m->hugetlbsize)) {
        error_setg(errp, "Hugepage size must be a power of 2");
        return -1;
    }
    fd = memfd_create(name, memfd_flags(m));

    if (fd < 0 && m->hugetlb && m->hugetlbsize) {
        error_setg_errno(errp, errno, "cannot create a hugetlb memfd with "
                         "huge pages of 0x%" PRIx64 " bytes (the host's "
                         "sizes are listed in /sys/kernel/mm/hugepages)",
                         m->hugetlbsize);
        return -1;
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot create a %smemfd",
                         m->hugetlb ? "hugetlb " : "");
        return -1;
    }
    page_size = qemu_fd_getpagesize(fd);
    if (size % page_size) {
        error_setg(errp, "size 0x%" PRIx64 " must be a multiple of the "
                   "%spage size 0x%zx", size, m->hugetlb ? "huge " : "",
                   page_size);
        goto fail;
    }
    if (ftruncate(fd, size) < 0) {
        error_setg_errno(errp, errno, "cannot size the memfd to 0x%" PRIx64,
                         size);
        goto fail;
    }
    if (m->seal &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) {
        error_setg_errno(errp, errno, "cannot seal the memfd");
        goto fail;
    }
    return fd;

fail:
    close(fd);
    return -1;
}

static bool memfd_backend_alloc(HostMemoryBackend *backend, GError **errp)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(backend);
    g_autofree char *name = host_memory_backend_get_name(backend);
    GError *err = NULL;
    int fd = memfd_create_sized(m, backend->size, errp);

    if (fd < 0) {
        return false;
    }
    if (!memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend), name,
                                        backend->size,
                                        host_memory_backend_ram_flags(backend),
                                        fd, 0, &err)) {
        if (m->hugetlb) {
            error_prepend(&err, "hugetlb memory (huge pages of 0x%zx bytes; "
                          "are enough of them free?): ",
                          qemu_fd_getpagesize(fd));
        }
        error_propagate(errp, err);
        close(fd);
        return false;
    }
    m->fd = fd;
    return true;
}

static void memfd_backend_init(Object *obj)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    MEMORY_BACKEND(obj)->share = true;
    m->seal = true;
    m->fd = -1;
}

/* Runs before the base finalize unmaps: the mapping keeps the file. */
static void memfd_backend_finalize(Object *obj)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    if (m->fd >= 0) {
        close(m->fd);
        m->fd = -1;
    }
}

static void memfd_backend_class_init(ObjectClass *oc, void *data)
{
    ObjectProperty *prop;

    MEMORY_BACKEND_CLASS(oc)->alloc = memfd_backend_alloc;

    object_property_set_description(
        object_class_property_add_bool(oc, "hugetlb", hugetlb_get,
                                       hugetlb_set),
        "Back the memory with huge pages (hugetlbfs)");
    object_property_set_description(
        object_class_property_add_bool(oc, "seal", seal_get, seal_set),
        "Seal the memfd so that its size can never change");
    prop = object_class_property_add_size(oc, "hugetlbsize", hugetlbsize_get,
                                          hugetlbsize_set);
    object_property_set_type_name(prop, "int");
    object_property_set_description(prop, "Huge page size with hugetlb=on "
                                    "(e.g. 2M or 1G; default: the host's)");
}

static const TypeInfo memfd_backend_info = {
    .name = TYPE_MEMORY_BACKEND_MEMFD,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackendMemfd),
    .instance_init = memfd_backend_init,
    .instance_finalize = memfd_backend_finalize,
    .class_init = memfd_backend_class_init,
};

void host_memory_backend_memfd_register_types(void)
{
    type_register_static(&memfd_backend_info);
}
