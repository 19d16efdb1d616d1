/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP: the JSON control protocol (see docs/devel/qmp.md for the wire
 * protocol).  This header is what the rest of the program needs:
 *  - registering commands (any room, at start-up, before the main loop);
 *  - checking a command's arguments against a declared table;
 *  - sending events, optionally rate-limited;
 *  - putting a QMP server on a chardev.
 * Everything runs in the main loop's thread.
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>
#include "chardev/char.h"

/**
 * QmpCommandFunc: a command handler.
 * @args: the "arguments" object, already checked against the command's
 *        QmpArgSpec table; an empty object if the client sent none.
 *        Borrowed.
 * @ret: set to the return value (ownership passes to the caller); left
 *       NULL means the empty object {}.
 * @errp: the error on failure; its code (QemuErrorClass) becomes the QMP
 *        error class.
 * Returns: true on success, false with @errp set on failure.
 */
typedef bool QmpCommandFunc(JsonObject *args, JsonNode **ret,
                            GError **errp);

/* Argument types, as QMP names them in "expected: <type>" errors. */
typedef enum {
    QMP_ARG_STRING,     /* "string" */
    QMP_ARG_INT,        /* "integer": a JSON integer */
    QMP_ARG_NUMBER,     /* "number": integer or floating point */
    QMP_ARG_BOOL,       /* "boolean" */
    QMP_ARG_OBJECT,     /* "object" */
    QMP_ARG_ARRAY,      /* "array" */
    QMP_ARG_ANY,        /* any JSON value, never a type error */
} QmpArgType;

/*
 * One declared argument.  Tables end with an entry whose name is NULL.
 */
typedef struct QmpArgSpec {
    const char *name;
    QmpArgType type;
    bool optional;
} QmpArgSpec;

typedef enum {
    QMP_CMD_DEFAULT = 0,
    /* The handler checks its own arguments (args table is ignored). */
    QMP_CMD_NO_ARG_CHECK = 1 << 0,
} QmpCommandFlags;

/**
 * qmp_register_command: make @name available to every monitor.
 * @args: declared arguments (NULL-name terminated, static storage), or
 *        NULL for a command that takes none; unknown, missing or
 *        mistyped arguments are refused before @fn runs.
 * Idempotent: registering @name again with the same @fn, @args and
 * @flags does nothing; with anything else it is a programming error.
 */
void qmp_register_command(const char *name, QmpCommandFunc *fn,
                          const QmpArgSpec *args, unsigned flags);

/* True if @name is registered. */
bool qmp_command_exists(const char *name);

/**
 * qmp_check_args: check @args against @spec with QEMU's wording:
 * "Parameter 'x' is unexpected", "Parameter 'x' is missing",
 * "Invalid parameter type for 'x', expected: string".
 * @spec may be NULL (no arguments accepted).
 * Returns: false with @errp set on the first problem.
 */
bool qmp_check_args(JsonObject *args, const QmpArgSpec *spec,
                    GError **errp);

/*
 * The registered command names, sorted; the array and strings are owned
 * by the registry (free the array only, with g_ptr_array_unref()).
 */
GPtrArray *qmp_command_names(void);

/**
 * qmp_dispatch: run one already-parsed request (for monitors and tests).
 * @request: the request object (borrowed)
 * @negotiated: false while only qmp_capabilities is allowed
 * @capabilities_done: set to true when qmp_capabilities succeeded
 * Returns: the response object, caller frees with json_node_unref().
 */
JsonNode *qmp_dispatch(JsonNode *request, bool negotiated,
                       bool *capabilities_done);

/* A new object node owning @obj (no extra reference). */
JsonNode *qmp_node_take_object(JsonObject *obj);

/* Build the error response {"error": {"class":..,"desc":..}}. */
JsonNode *qmp_error_response(const GError *err, JsonNode *id);

/**
 * qmp_event_send: broadcast an event to every negotiated monitor.
 * @name: e.g. "STOP"
 * @data: the "data" member, or NULL for none; ownership is taken.
 * Rate-limited events (qmp_event_set_rate_limit()) may be delayed or
 * replaced by a later one with the same key.
 */
void qmp_event_send(const char *name, JsonObject *data);

/**
 * qmp_event_set_rate_limit: throttle event @name to one per @period_ms
 * per key.  The key is the string value of member @key_member of the
 * event's data ("" if absent), so e.g. each device is limited on its own.
 * The first event of a key goes out at once; events inside the window
 * replace each other, and the latest goes out when the window closes
 * (which opens a new window).  Idempotent for the same @period_ms and
 * @key_member; a different limit for @name is a programming error.
 */
void qmp_event_set_rate_limit(const char *name, unsigned period_ms,
                              const char *key_member);

/* Builds an event's "data" member (ownership to the caller). */
typedef JsonObject *QmpEventBuilder(void *opaque);

/**
 * qmp_event_send_deferred: qmp_event_send(@name, @build(@opaque)), but for
 * a rate-limited event the data is built only when the event goes out.
 * @key: the limiter key, i.e. the string the built data will hold in the
 * key member ("" if none).  With no window open for @key, @build runs at
 * once and the event is sent (opening a window); inside a window @build
 * and @opaque replace the pending event and run when the window closes,
 * so they must describe the latest state then as they would now.
 * @opaque must stay valid until then: a caller about to free it calls
 * qmp_event_flush_deferred() first.
 */
void qmp_event_send_deferred(const char *name, const char *key,
                             QmpEventBuilder *build, void *opaque);

/**
 * qmp_event_flush_deferred: if a deferred event of @name is pending for
 * @key, build its data now (it is still sent when its window closes), so
 * that the builder's opaque may go away.
 */
void qmp_event_flush_deferred(const char *name, const char *key);

/*
 * Hook for tests: called with each serialized event line instead of (in
 * addition to) the monitors.  NULL to remove.
 */
typedef void QmpEventObserver(const char *line, void *opaque);
void qmp_event_set_observer(QmpEventObserver *fn, void *opaque);

/**
 * monitor_init_qmp: serve QMP on @chr (which the monitor then owns as its
 * frontend).  A greeting is sent to each peer that connects.
 */
void monitor_init_qmp(Chardev *chr);

/* Register the commands the monitor itself implements. */
void qmp_register_builtin_commands(void);

/**
 * monitor_take_fd: the descriptor that "getfd fdname=@name" stored on
 * the monitor running the current command (libvirt's "migrate
 * uri=fd:NAME"), removed from it: the caller owns it.
 * Returns: the descriptor, or -1 with @errp set (QEMU's "File descriptor
 * named '...' has not been found") when there is none or no command runs.
 */
int monitor_take_fd(const char *name, GError **errp);

/**
 * migrate_capability_enabled: the state migrate-set-capabilities last
 * gave capability @name (false until then).  @name must be one that
 * query-migrate-capabilities lists (see migrate_capability_names()).
 */
bool migrate_capability_enabled(const char *name);

/* The migration capabilities that exist, NULL-terminated, static. */
const char *const *migrate_capability_names(void);

/*
 * query-cpus-fast: a provider returns one entry per vCPU as QEMU lays it
 * out ({"cpu-index", "qom-path", "thread-id", "props", "target"});
 * ownership passes to the caller.  Installed by the accelerator that
 * runs vCPUs; without one the command answers [] (no vCPU exists).
 */
typedef JsonArray *QmpCpusFastFunc(void);
void qmp_set_cpus_fast_provider(QmpCpusFastFunc *fn);

/* One parameter of a command-line option, for query-command-line-options. */
typedef struct QmpCmdlineParam {
    const char *name;
    const char *type;       /* "string", "boolean", "number" or "size" */
} QmpCmdlineParam;

/**
 * qmp_cmdline_option_add: list command-line option @option (without its
 * dash) in query-command-line-options.
 * @params: its parameters (NULL-name terminated, static storage), or
 *          NULL when they are not described (reported as [], as QEMU does
 *          for -object or -device).
 * Registering @option again replaces its parameters.
 */
void qmp_cmdline_option_add(const char *option,
                            const QmpCmdlineParam *params);

/* Detach and free all monitors (clean shutdown, before chardevs). */
void monitor_cleanup(void);

#endif /* MONITOR_QMP_H */
