/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -serial on the command line (softmmu/vl-serial.c).
 */
#ifndef SOFTMMU_VL_SERIAL_H
#define SOFTMMU_VL_SERIAL_H

#include "hw/boards.h"

/*
 * Check one -serial SPEC as given on the command line: stdio, null,
 * none, file:PATH, unix:PATH[,server=on|off][,wait=on|off] or
 * chardev:ID.  Returns false with @errp for anything else, and for a
 * second -serial (only COM1 exists).
 */
bool serial_cli_parse(const char *spec, GError **errp);

/*
 * Create COM1 (isa-serial at 0x3f8, ISA IRQ 4 wired to @ms's I/O APIC
 * input 4) for the -serial given, if any and not "none".  Returns false
 * with @errp if the backend cannot be created or the device refuses it.
 */
bool serial_cli_create(MachineState *ms, GError **errp);

/*
 * softmmu/vl-platform.c: connect the board's guest reset line (q35:
 * port 0x64 command 0xFE) to a guest reset request (a shutdown with
 * -no-reboot).  Call once after the board is built.
 */
void platform_connect_reset(MachineState *ms);

#endif /* SOFTMMU_VL_SERIAL_H */
