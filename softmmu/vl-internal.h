/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What the command-line files (vl*.c) share privately.
 */
#ifndef SOFTMMU_VL_INTERNAL_H
#define SOFTMMU_VL_INTERNAL_H

/*
 * vl_fail: report a start-up error and exit(1).  @loc names the option
 * as the user wrote it ("-numa node,nodeid=1") and prefixes the message,
 * or is NULL.  Socket files created so far are removed first
 * (qemu_cleanup()).  Only for start-up: never call it once the main loop
 * runs.
 */
G_NORETURN void vl_fail(const char *loc, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif
