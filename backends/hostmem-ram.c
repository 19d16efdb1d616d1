/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-ram: anonymous memory.  Private by default; share=on
 * gives shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS, shmem
 * underneath), which survives fork() and can be discarded with
 * MADV_REMOVE.  reserve=off maps with MAP_NORESERVE, refused by physmem
 * where the kernel would charge the memory anyway (overcommit mode 2).
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

    return memory_region_init_ram_flags_nomigrate(&backend->mr,
               OBJECT(backend), name, backend->size,
               host_memory_backend_ram_flags(backend), errp);
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
