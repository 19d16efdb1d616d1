/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VM run state and the process main loop.
 *
 * States as QMP reports them: "prelaunch" (started with -S, never run),
 * "running", "paused" (stopped by the user), "internal-error" (a vCPU
 * hit an error the accelerator cannot handle; only a reset leaves it),
 * and migration's, as QEMU 7.2 reports them: "inmigrate" (started with
 * -incoming, until the stream is complete), "finish-migrate" (source,
 * final pass), "postmigrate" (source after a completed migration; cont
 * resumes it).  The accelerator's vCPUs follow: they run only in
 * "running".  Changes emit QEMU's events (STOP, RESUME); reset and
 * shutdown requests emit RESET and SHUTDOWN.
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
    RUN_STATE_INMIGRATE,        /* -incoming, stream not complete */
    RUN_STATE_FINISH_MIGRATE,   /* source: final pass, VM stopped */
    RUN_STATE_POSTMIGRATE,      /* source: migration completed */
    RUN_STATE__MAX,
} RunState;

typedef enum {
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,   /* "host-qmp-quit" */
    SHUTDOWN_CAUSE_HOST_SIGNAL,     /* "host-signal" */
    SHUTDOWN_CAUSE_GUEST_RESET,     /* "guest-reset" (with -no-reboot) */
} ShutdownCause;

/* Set the initial state (before the main loop, no event). */
void runstate_init(RunState state);

bool runstate_is_running(void);

/* The current state. */
RunState runstate_get(void);

/*
 * Enter @state without an event, as QEMU does for its migration
 * transitions (inmigrate -> paused, finish-migrate -> postmigrate).  The
 * VM must not be running (use vm_stop_reason() / vm_start()).
 */
void runstate_set(RunState state);

/* The state named @name (a QMP name), false if there is none. */
bool runstate_from_name(const char *name, RunState *state);

/*
 * Whether the VM starts once an incoming migration completes: set from
 * -S by migration_incoming_start(); in "inmigrate", cont sets it and
 * stop clears it instead of acting at once (QEMU 7.2's behaviour).
 */
void runstate_set_autostart(bool autostart);
bool runstate_autostart(void);

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
