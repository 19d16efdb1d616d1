/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-debugcon: a one-byte I/O port (0xe9 by default, Bochs' debug port)
 * whose writes go to a character device or a file; reads return
 * "readback" (0xe9), which is how guests detect it.  The console of the
 * test guests (tests/guest/).
 */
#ifndef HW_CHAR_DEBUGCON_H
#define HW_CHAR_DEBUGCON_H

#include "hw/char/char-out.h"

#include "hw/qdev-core.h"
#include "exec/memory.h"

#define TYPE_ISA_DEBUGCON_DEVICE "isa-debugcon"
OBJECT_DECLARE_SIMPLE_TYPE(ISADebugconState, ISA_DEBUGCON_DEVICE)

struct ISADebugconState {
    DeviceState parent_obj;
    uint32_t iobase;
    uint32_t readback;
    /* private */
    CharOut out;                /* chardev= or x-file= */
    MemoryRegion io;
};

/* Register the type; idempotent. */
void debugcon_register_types(void);

#endif /* HW_CHAR_DEBUGCON_H */
