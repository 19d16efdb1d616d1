/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-ram: anonymous memory.  Private by default; share=on
 * gives shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS, shmem
 * underneath), which survives fork() and can be discarded with
 * MADV_REMOVE.  reserve=off maps with MAP_NORESERVE, refused by physmem
 * where the kernel would charge the memory anyway (overcommit mode 2).
 *
 * Private memory is a resizable RAM block whose used and maximum size
 * are both the backend size, so every user sees a plain block of that
 * size; a user that owns the whole backend (virtio-mem) may shrink it to
 * what it needs and must give it back at full size.  Shared anonymous
 * memory stays a fixed block: its tail could not be made inaccessible
 * for other processes mapping it anyway.
 *
 * The workload is one allocation per backend; all policy lives in
 * hostmem.c.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "sysemu/hostmem.h"
#include "hostmem-internal.h"

static bool ram_backend_alloc(HostMemoryBackend *backend, GError **errp)
{
    g_autofree char *name = host_memory_backend_get_name(backend);
    uint32_t ram_flags = host_memory_backend_ram_flags(backend);

    if (!(ram_flags & RAM_SHARED)) {
        return memory_region_init_resizeable_ram_flags(&backend->mr,
                   OBJECT(backend), name, backend->size, backend->size,
                   ram_flags & RAM_NORESERVE, NULL, errp);
    }
    return memory_region_init_ram_flags_nomigrate(&backend->mr,
               OBJECT(backend), name, backend->size, ram_flags, errp);
}

static void ram_backend_class_init(ObjectClass *oc, void *data)
{
    MEMORY_BACKEND_CLASS(oc)->alloc = ram_backend_alloc;
}

static const TypeInfo ram_backend_info = {
    .name = TYPE_MEMORY_BACKEND_RAM,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = ram_backend_class_init,
};

void host_memory_backend_ram_register_types(void)
{
    type_register_static(&ram_backend_info);
}
