/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process entry point: parse the command line (vl.c), run the main loop
 * (runstate.c) until quit or a signal, then shut down cleanly so that
 * listening socket files are removed.
 */
#include "qemu/osdep.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"

int main(int argc, char **argv)
{
    qemu_init(argc, argv);
    qemu_main_loop();
    qemu_cleanup();
    return 0;
}
