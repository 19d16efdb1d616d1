/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command-line options management stacks (libvirt) write, beyond
 * the core ones of vl.c: softmmu/vl-mgmt.c.  Called from vl.c only.
 */
#ifndef SOFTMMU_VL_MGMT_H
#define SOFTMMU_VL_MGMT_H

#include "qemu/osdep.h"
#include "qemu/option.h"

/* vl.c's first pass over an argv (for -readconfig's options). */
typedef void VlReparseFn(int argc, char **argv, void *opaque);

/*
 * If argv[i] is one of our options, handle it (exiting 1 with QEMU's
 * message on bad input) and return how many argv words it used (1 or 2);
 * return 0 if it is not ours.  First pass: only records and validates.
 * -readconfig FILE turns the file's sections into options and hands
 * them to @reparse (argv[0] is a placeholder); their strings live as
 * long as the process.
 */
int vl_mgmt_parse_option(int argc, char **argv, int i,
                         VlReparseFn *reparse, void *opaque);

/*
 * JSON -device '{"driver":"x","id":"d0","prop":1,"flag":true}' (as
 * libvirt writes it) into the QemuOpts the key=value form gives: numbers
 * in decimal, booleans as on/off.  Exits 1 for malformed JSON or
 * non-scalar values.
 */
QemuOpts *vl_mgmt_parse_json_device(const char *loc, const char *arg);

/*
 * -name process=NAME (the process name, as ps shows it) and
 * debug-threads=on|off (qemu_thread_naming()).
 */
void vl_mgmt_name_options(QemuOpts *opts, const char *loc);

/* Append our options' lines to -help. */
void vl_mgmt_print_help(void);

/*
 * The -machine keys we own (usb=, dump-guest-core=): check them in the
 * merged -machine options.  Exits 1 with a message for a value we cannot
 * honour (usb=on).
 */
void vl_mgmt_configure_machine(QemuOpts *opts, const char *loc);

/*
 * Right after the first pass, before any thread, chardev or object
 * exists: -daemonize forks here (the parent waits for the child's
 * verdict and exits with it), -pidfile is written and locked, and
 * -overcommit mem-lock=on locks memory.
 */
void vl_mgmt_early_setup(void);

/* -daemonize was given (stdio cannot be a chardev then). */
bool vl_mgmt_daemonize(void);

/* Register query-uuid; list our options in query-command-line-options. */
void vl_mgmt_register_commands(void);

/*
 * Start-up succeeded (monitors listen, machine built): with -daemonize
 * tell the waiting parent to exit 0 and point stdin/stdout/stderr at
 * /dev/null.  No-op otherwise.
 */
void vl_mgmt_init_done(void);

/* Process exit: remove the pid file we wrote (only if it is still ours). */
void vl_mgmt_cleanup(void);

#endif /* SOFTMMU_VL_MGMT_H */
