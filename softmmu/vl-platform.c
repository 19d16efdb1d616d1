/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The board's guest-initiated reset line (softmmu/vl-serial.h): q35's
 * port 0x64 reset command (hw/i386/kbd-reset.h) becomes a guest reset
 * request, deferred to the main loop as a triple fault is, so that
 * -no-reboot turns it into a shutdown.
 */
#include "qemu/osdep.h"
#include "hw/i386/pc.h"
#include "sysemu/runstate.h"
#include "vl-serial.h"

static gboolean guest_reset(gpointer opaque)
{
    qemu_system_guest_reset_request();
    return G_SOURCE_REMOVE;
}

static void reset_line(void *opaque, int n, int level)
{
    if (level) {
        g_idle_add(guest_reset, NULL);
    }
}

void platform_connect_reset(MachineState *ms)
{
    PCMachineState *pcms = (PCMachineState *)
        object_dynamic_cast(OBJECT(ms), TYPE_Q35_MACHINE);

    if (pcms && pcms->kbd_reset) {
        qdev_connect_gpio_out(DEVICE(pcms->kbd_reset), 0,
                              qemu_allocate_irq(reset_line, NULL, 0));
    }
}
