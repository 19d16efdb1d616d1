/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest-physical addresses. */
#ifndef EXEC_HWADDR_H
#define EXEC_HWADDR_H

#include "qemu/osdep.h"

/* An address in a guest-physical address space (AddressSpace, FlatView). */
typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX
#define HWADDR_PRIx PRIx64
#define HWADDR_PRIu PRIu64
#define TARGET_FMT_plx "%016" PRIx64

#endif /* EXEC_HWADDR_H */
