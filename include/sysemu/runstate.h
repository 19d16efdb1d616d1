/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VM run state and the process main loop.
 *
 * States as QMP reports them: "prelaunch" (started with -S, never run),
 * "running", "paused" (stopped by the user).  Changes emit QEMU's events
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
} RunState;

typedef enum {
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,   /* "host-qmp-quit" */
    SHUTDOWN_CAUSE_HOST_SIGNAL,     /* "host-signal" */
} ShutdownCause;

/* Set the initial state (before the main loop, no event). */
void runstate_init(RunState state);

bool runstate_is_running(void);

/* The QMP name of @state ("running", ...). */
const char *runstate_name(RunState state);

/* Stop a running VM (STOP event); no-op when not running. */
void vm_stop(void);

/* Start or resume the VM (RESUME event); no-op when running. */
void vm_start(void);

/*
 * Ask the main loop to exit: emits SHUTDOWN now, the loop returns once
 * the current callback finishes.
 */
void qemu_system_shutdown_request(ShutdownCause cause);

/* Call the reset handlers and emit RESET (from QMP system_reset). */
void qemu_system_reset_request(void);

/* Run the GLib main loop until shutdown is requested or SIGINT/SIGTERM. */
void qemu_main_loop(void);

/* Register query-status, stop, cont, quit, system_reset. */
void runstate_register_commands(void);

#endif /* SYSEMU_RUNSTATE_H */
