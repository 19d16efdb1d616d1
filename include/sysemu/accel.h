/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accelerators: what runs (or does not run) guest code.
 *
 *   qtest  no vCPU; the clock moves only by the qtest protocol.
 *   kvm    vCPU threads on /dev/kvm (accel/kvm/).
 *   tcg    known but never initialises: this build has no instruction
 *          emulator, so asking for it is an error with that reason.
 *   none   not a name on the command line: what runs when none is
 *          given.  Devices only, no vCPU, the clock runs (like QEMU's
 *          "-accel tcg -S" never continued); -kernel is refused.
 *
 * The command line gives an ordered list (-accel A -accel B, or
 * -machine accel=A:B); accel_select() initialises the first that works
 * and reports why each one before it did not, as QEMU does.  BQL held.
 */
#ifndef SYSEMU_ACCEL_H
#define SYSEMU_ACCEL_H

#include "qemu/osdep.h"

struct MachineState;

typedef struct AccelOps {
    const char *name;
    /* Before the machine is built.  false + @errp: try the next one. */
    bool (*init)(GError **errp);
    /* Machine, devices and boot image exist: create vCPUs (parked). */
    bool (*machine_done)(struct MachineState *ms, GError **errp);
    /* Let the vCPUs run guest code / park them and wait until parked. */
    void (*resume_vcpus)(void);
    void (*pause_vcpus)(void);
    /* Put the vCPUs in their boot state (vCPUs paused). */
    void (*reset_vcpus)(void);
    /* End of the process: stop and join vCPU threads. */
    void (*cleanup)(void);
    /* True if the accelerator executes guest instructions. */
    bool runs_guest_code;
} AccelOps;

/* True if @name is an accelerator of this build ("qtest", "tcg", "kvm"). */
bool accel_name_valid(const char *name);

/*
 * Initialise the first accelerator of @names whose init succeeds; with
 * @n == 0 (none given) the devices-only "none" is used.  Each failure before the last is reported with @loc as
 * "LOC: failed to initialize NAME: WHY" and "falling back to NEXT".
 * Returns false with @errp ("failed to initialize NAME: WHY" of the last
 * one) if none works.
 */
bool accel_select(const char *const *names, unsigned n, const char *loc,
                  GError **errp);

/* The accelerator in use, NULL before accel_select() succeeded. */
const AccelOps *accel_current(void);

/* Wrappers that are no-ops for accelerators without the hook. */
bool accel_machine_done(struct MachineState *ms, GError **errp);
void accel_resume_vcpus(void);
void accel_pause_vcpus(void);
void accel_reset_vcpus(void);
void accel_cleanup(void);

#endif /* SYSEMU_ACCEL_H */
