/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to backends/: registration of the concrete backend types, called
 * from host_memory_backend_register_types() in hostmem.c.
 */
#ifndef BACKENDS_HOSTMEM_INTERNAL_H
#define BACKENDS_HOSTMEM_INTERNAL_H

void host_memory_backend_ram_register_types(void);
void host_memory_backend_memfd_register_types(void);
void host_memory_backend_file_register_types(void);

#endif /* BACKENDS_HOSTMEM_INTERNAL_H */
