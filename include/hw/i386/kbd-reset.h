/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kbd-reset (hw/i386/kbd-reset.c): the one function of the PC keyboard
 * controller (i8042, port 0x64) that a guest without a keyboard needs:
 * command 0xFE pulses the CPU reset line, Linux's reboot=k.  Output line
 * 0 goes high for the pulse; the machine's owner (softmmu/vl-machine.c)
 * turns it into a guest reset request (or a shutdown with -no-reboot).
 * Status reads return 0 (input and output buffers empty), so a guest's
 * i8042 probe finds no controller.
 */
#ifndef HW_I386_KBD_RESET_H
#define HW_I386_KBD_RESET_H

#include "hw/qdev-core.h"
#include "hw/irq.h"
#include "exec/memory.h"

#define TYPE_KBD_RESET "kbd-reset"
OBJECT_DECLARE_SIMPLE_TYPE(KbdResetState, KBD_RESET)

#define KBD_RESET_PORT      0x64
#define KBD_CMD_PULSE_RESET 0xfe

struct KbdResetState {
    DeviceState parent_obj;
    MemoryRegion io;
    qemu_irq reset;
};

/* Register the type; idempotent. */
void kbd_reset_register_types(void);

#endif /* HW_I386_KBD_RESET_H */
