/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VM run state and the process main loop.
 *
 * States as QMP reports them: "prelaunch" (started with -S, never run),
 * "running", "paused" (stopped by the user), "internal-error" (a vCPU
 * hit an error the accelerator cannot handle; only a reset leaves it).
 * The accelerator's vCPUs follow: they run only in "running".  Changes emit QEMU's events
 * (STOP, RESUME); reset and shutdown requests emit RESET and SHUTDOWN.
 * Main loop thread only.
 */
#ifndef SYSEMU_RUNSTATE_H
#define SYSEMU_RUNSTATE_H

#include "qemu/osdep.h"

typedef enum {
    RUN_STATE_PRELAUNCH,
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_SHUTDOWN,         /* guest shut down under -no-shutdown */
} RunState;

typedef enum {
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,   /* "host-qmp-quit" */
    SHUTDOWN_CAUSE_HOST_SIGNAL,     /* "host-signal" */
    SHUTDOWN_CAUSE_GUEST_RESET,     /* "guest-reset" (with -no-reboot) */
} ShutdownCause;

/* Set the initial state (before the main loop, no event). */
void runstate_init(RunState state);

bool runstate_is_running(void);

/* The QMP name of @state ("running", ...). */
const char *runstate_name(RunState state);

/* Stop a running VM (STOP event); no-op when not running. */
void vm_stop(void);

/*
 * Stop the VM and enter @state (STOP event if it was running), e.g.
 * RUN_STATE_INTERNAL_ERROR from a vCPU's error, through the main loop.
 */
void vm_stop_reason(RunState state);

/*
 * Start or resume the VM (RESUME event); no-op when running.  Returns
 * false with @errp in "internal-error" or "shutdown" (a reset is
 * required first).
 */
bool vm_start(GError **errp);

/*
 * Ask the main loop to exit: emits SHUTDOWN now, the loop returns once
 * the current callback finishes.
 */
void qemu_system_shutdown_request(ShutdownCause cause);

/*
 * Reset the machine: vCPUs paused, reset handlers, vCPUs back to their
 * boot state, RESET event (from QMP system_reset); vCPUs resume if the
 * VM is running.  From "internal-error" the VM goes to "paused", as in
 * QEMU.
 */
void qemu_system_reset_request(void);

/*
 * A guest asked for a reset (triple fault): as qemu_system_reset_request
 * with reason "guest-reset", or, with -no-reboot, a shutdown.  Main
 * loop only (vCPUs defer it there).
 */
void qemu_system_guest_reset_request(void);

/*
 * Catch SIGINT, SIGTERM and SIGHUP from now to exit (qemu/term-signal.h)
 * and turn one into a shutdown request (reason "host-signal") whenever the
 * main loop runs.  Called first thing in qemu_init(); exits on failure.
 */
void runstate_signals_init(void);

/*
 * Run the GLib main loop until shutdown is requested or a termination
 * signal arrives; returns at once if either happened during start-up.
 */
void qemu_main_loop(void);

/*
 * -no-shutdown: a shutdown the guest asks for stops the VM ("shutdown"
 * for the management stack to act on, e.g. libvirt's fake reboot)
 * instead of ending the process.  Host requests (quit, signals) still
 * exit.  Guest shutdown paths (accel/) consult runstate_no_shutdown().
 */
void runstate_set_no_shutdown(bool enable);
bool runstate_no_shutdown(void);

/* Register query-status, stop, cont, quit, system_reset. */
void runstate_register_commands(void);

#endif /* SYSEMU_RUNSTATE_H */
