/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to backends/: registration of the concrete backend types, called
 * from host_memory_backend_register_types() in hostmem.c.
 */
#ifndef BACKENDS_HOSTMEM_INTERNAL_H
#define BACKENDS_HOSTMEM_INTERNAL_H

#include "qom/object.h"

/*
 * QEMU 7.2 words the refusal to change a property of a complete backend
 * differently per property; the wording is kept so that scripts matching
 * on it keep working:
 *  QOM:    "cannot change property size of memory-backend-ram " (size)
 *  VALUE:  "cannot change property value" (share, reserve, hugetlbsize)
 *  QUOTED: "cannot change property 'mem-path' of memory-backend-file"
 *  DOT:    the same with a final '.' (readonly)
 */
typedef enum {
    HOSTMEM_FROZEN_QOM,
    HOSTMEM_FROZEN_VALUE,
    HOSTMEM_FROZEN_QUOTED,
    HOSTMEM_FROZEN_DOT,
} HostMemFrozenWording;

/* True if @name may still change; else false with @errp set. */
bool host_memory_backend_check_mutable(Object *obj, const char *name,
                                       HostMemFrozenWording wording,
                                       GError **errp);

void host_memory_backend_ram_register_types(void);
void host_memory_backend_memfd_register_types(void);
void host_memory_backend_file_register_types(void);

#endif /* BACKENDS_HOSTMEM_INTERNAL_H */
