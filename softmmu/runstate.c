/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run state, shutdown and reset requests, and the main loop.
 *
 * The process is one GLib main loop (QMP, qtest, timers) that runs until
 * "quit" or SIGINT/SIGTERM/SIGHUP.  Those signals are caught from the
 * start of qemu_init() to exit (runstate_signals_init()): one that arrives
 * during start-up ends the process as soon as the main loop would start,
 * one that arrives after the loop is ignored, so every path ends in
 * qemu_cleanup() and exit status 0.  The accelerator's vCPUs (if any)
 * run only in "running": state changes pause or resume them through
 * sysemu/accel.h.  The QMP commands that act on the state live here,
 * next to it.
 */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/term-signal.h"
#include "monitor/qmp.h"
#include "sysemu/accel.h"
#include "sysemu/reset.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"

static RunState current_state = RUN_STATE_RUNNING;
static GMainLoop *main_loop;
static bool shutdown_requested;
static bool autostart = true;

void runstate_init(RunState state)
{
    current_state = state;
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

static const char *const state_names[RUN_STATE__MAX] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INMIGRATE] = "inmigrate",
    [RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
    [RUN_STATE_POSTMIGRATE] = "postmigrate",
};

const char *runstate_name(RunState state)
{
    return state_names[state];
}

bool runstate_from_name(const char *name, RunState *state)
{
    for (int i = 0; i < RUN_STATE__MAX; i++) {
        if (!strcmp(state_names[i], name)) {
            *state = i;
            return true;
        }
    }
    return false;
}

RunState runstate_get(void)
{
    return current_state;
}

void runstate_set(RunState state)
{
    g_assert(!runstate_is_running() && state != RUN_STATE_RUNNING);
    current_state = state;
}

void runstate_set_autostart(bool enable)
{
    autostart = enable;
}

bool runstate_autostart(void)
{
    return autostart;
}

/* The states only system_reset leaves: cont is refused in them. */
static bool runstate_needs_reset_state(RunState state)
{
    return state == RUN_STATE_INTERNAL_ERROR || state == RUN_STATE_SHUTDOWN;
}

/* With the vCPUs already paused: enter @state, STOP if it was running. */
static void runstate_enter_stopped(RunState state)
{
    bool was_running = runstate_is_running();

    if (was_running || runstate_needs_reset_state(state)) {
        current_state = state;
    }
    if (was_running) {
        qmp_event_send("STOP", NULL);
    }
}

void vm_stop_reason(RunState state)
{
    accel_pause_vcpus();
    runstate_enter_stopped(state);
}

void vm_stop(void)
{
    vm_stop_reason(RUN_STATE_PAUSED);
}

bool vm_start(GError **errp)
{
    if (runstate_needs_reset_state(current_state)) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return false;
    }
    if (runstate_is_running()) {
        return true;    /* QEMU 7.2 sends no event for a no-op cont */
    }
    current_state = RUN_STATE_RUNNING;
    qmp_event_send("RESUME", NULL);
    accel_resume_vcpus();
    return true;
}

static JsonObject *guest_reason(const char *reason)
{
    JsonObject *data = json_object_new();

    json_object_set_boolean_member(data, "guest", false);
    json_object_set_string_member(data, "reason", reason);
    return data;
}

void qemu_system_shutdown_request(ShutdownCause cause)
{
    static const char *const reasons[] = {
        [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
        [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
        [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    };
    JsonObject *data;

    bool guest = cause == SHUTDOWN_CAUSE_GUEST_RESET;

    if (shutdown_requested) {
        return;
    }
    accel_pause_vcpus();
    data = guest_reason(reasons[cause]);
    json_object_set_boolean_member(data, "guest", guest);
    qmp_event_send("SHUTDOWN", data);
    if (guest && runstate_no_shutdown()) {
        /*
         * -no-shutdown: the VM stops in "shutdown"; the process stays.
         * The vCPUs were paused above, before the event.
         */
        runstate_enter_stopped(RUN_STATE_SHUTDOWN);
        return;
    }
    shutdown_requested = true;
    if (main_loop) {
        g_main_loop_quit(main_loop);
    }
}

static void system_reset(const char *reason, bool guest)
{
    JsonObject *data = guest_reason(reason);

    accel_pause_vcpus();
    qemu_devices_reset();
    accel_reset_vcpus();
    if (runstate_needs_reset_state(current_state)) {
        current_state = RUN_STATE_PAUSED;
    }
    json_object_set_boolean_member(data, "guest", guest);
    qmp_event_send("RESET", data);
    if (runstate_is_running()) {
        accel_resume_vcpus();
    }
}

void qemu_system_reset_request(void)
{
    system_reset("host-qmp-system-reset", false);
}

void qemu_system_guest_reset_request(void)
{
    if (sysemu_config.no_reboot) {
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return;
    }
    system_reset("guest-reset", true);
}

/* A termination signal that arrived: a shutdown request, as QEMU does. */
static void handle_term_signal(void)
{
    int sig = qemu_term_signal_take();

    if (sig) {
        error_report("terminating on signal %d", sig);
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    }
}

static gboolean on_signal_fd(gint fd, GIOCondition cond, gpointer opaque)
{
    handle_term_signal();
    return G_SOURCE_CONTINUE;
}

void runstate_signals_init(void)
{
    static guint watch;

    if (!qemu_term_signal_init()) {
        error_report("cannot set up termination signals: %s",
                     g_strerror(errno));
        exit(1);
    }
    if (!watch) {
        watch = g_unix_fd_add(qemu_term_signal_fd(), G_IO_IN, on_signal_fd,
                              NULL);
    }
}

void qemu_main_loop(void)
{
    /* A signal during start-up ends the process before the loop runs. */
    handle_term_signal();
    if (shutdown_requested) {
        return;
    }
    main_loop = g_main_loop_new(NULL, false);
    g_main_loop_run(main_loop);
    g_clear_pointer(&main_loop, g_main_loop_unref);
}

/* --- QMP commands --- */

static bool qmp_query_status(JsonObject *args, JsonNode **ret,
                             GError **errp)
{
    JsonObject *st = json_object_new();

    json_object_set_string_member(st, "status", runstate_name(current_state));
    json_object_set_boolean_member(st, "singlestep", false);
    json_object_set_boolean_member(st, "running", runstate_is_running());
    *ret = qmp_node_take_object(st);
    return true;
}

static bool qmp_stop(JsonObject *args, JsonNode **ret, GError **errp)
{
    if (current_state == RUN_STATE_INMIGRATE) {
        autostart = false;      /* QEMU 7.2: stay paused once it arrives */
        return true;
    }
    vm_stop();
    return true;
}

static bool qmp_cont(JsonObject *args, JsonNode **ret, GError **errp)
{
    if (current_state == RUN_STATE_INMIGRATE) {
        autostart = true;       /* QEMU 7.2: run once it arrives */
        return true;
    }
    return vm_start(errp);
}

static bool qmp_quit(JsonObject *args, JsonNode **ret, GError **errp)
{
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return true;
}

static bool qmp_system_reset(JsonObject *args, JsonNode **ret,
                             GError **errp)
{
    qemu_system_reset_request();
    return true;
}

void runstate_register_commands(void)
{
    qmp_register_command("query-status", qmp_query_status, NULL, 0);
    qmp_register_command("stop", qmp_stop, NULL, 0);
    qmp_register_command("cont", qmp_cont, NULL, 0);
    qmp_register_command("quit", qmp_quit, NULL, 0);
    qmp_register_command("system_reset", qmp_system_reset, NULL, 0);
}

/* --- -no-shutdown --- */

static bool no_shutdown;

void runstate_set_no_shutdown(bool enable)
{
    no_shutdown = enable;
}

bool runstate_no_shutdown(void)
{
    return no_shutdown;
}
