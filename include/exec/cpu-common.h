/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ram-address space: one offset space shared by all RAM blocks. */
#ifndef EXEC_CPU_COMMON_H
#define EXEC_CPU_COMMON_H

#include "qemu/osdep.h"
#include "exec/hwaddr.h"

/*
 * An offset in the ram-address space.  Every RAMBlock owns
 * [offset, offset + max_length) of it; blocks never overlap.
 */
typedef uint64_t ram_addr_t;
#define RAM_ADDR_MAX UINT64_MAX
#define RAM_ADDR_FMT "%" PRIx64

#endif /* EXEC_CPU_COMMON_H */
