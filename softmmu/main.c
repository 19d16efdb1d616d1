/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process entry point.  Everything else lives in vl.c (command line,
 * machine creation) and the main loop.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i][0] == '-' && argv[i][1] == '-' ?
                          argv[i] + 1 : argv[i];
        if (!strcmp(arg, "-version")) {
            printf("QEMU emulator version %s (qemu-elastic)\n", QEMU_VERSION);
            return 0;
        }
    }
    error_report("no machine can be started yet: the command line parser "
                 "is not built");
    return 1;
}
