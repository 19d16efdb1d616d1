/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside monitor/; not a public API. */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "monitor/qmp.h"

/* Write @line (one JSON text, no newline) to every negotiated monitor. */
void monitor_broadcast_line(const char *line);

/* Serialize @node compactly; caller frees. */
char *qmp_node_to_line(JsonNode *node);

/* The QEMU release whose QMP interface we follow (query-version). */
#define QMP_COMPAT_MAJOR 7
#define QMP_COMPAT_MINOR 2
#define QMP_COMPAT_MICRO 0

/*
 * Run command @name with @args (NULL: none) as a negotiated session
 * would, arguments checked; for HMP.  Returns the return value (caller
 * unrefs) or NULL with @errp set.
 */
JsonNode *qmp_execute(const char *name, JsonObject *args, GError **errp);

/* @name's declared argument table (NULL: none); @name must exist. */
const QmpArgSpec *qmp_command_args(const char *name);

/* True if @name is registered with QMP_CMD_NO_ARG_CHECK. */
bool qmp_command_checks_own_args(const char *name);

/* query-qmp-schema's answer: SchemaInfo entries; caller unrefs. */
JsonArray *qmp_schema_build(void);

/* True if event @name is described by the schema. */
bool qmp_schema_has_event(const char *name);

/* Register query-qmp-schema. */
void qmp_register_schema_command(void);

/* Register the commands of misc-qmp-cmds.c. */
void qmp_register_misc_commands(void);
/* getfd and closefd (qmp.c: descriptors belong to a monitor). */
void qmp_register_fd_commands(void);

/*
 * Run one HMP command line; its text output, lines ended by "\r\n"
 * (errors included, as QEMU prints them).  Caller frees.
 */
char *hmp_execute(const char *line);

/* Register human-monitor-command. */
void hmp_register_command(void);

/* {"qemu": {"micro", "minor", "major"}, "package"}; caller unrefs. */
JsonObject *qmp_version_object(void);

/*
 * Test seam for tests/fuzz/fuzz-qmp-dispatch.c: a monitor without a
 * chardev.  Bytes given to monitor_feed_detached() take the same path as
 * a client's input (splitter, JSON parser, dispatcher, serializer); each
 * response line (no newline) is passed to @out, synchronously, instead of
 * being written.  A detached monitor is in no monitor list, so it gets
 * no events and monitor_cleanup() does not see it; it starts
 * unnegotiated, like a freshly connected client.
 */
typedef struct Monitor Monitor;
typedef void QmpLineFunc(void *opaque, const char *line);

/* A new detached monitor; free with monitor_free_detached(). */
Monitor *monitor_new_detached(QmpLineFunc *out, void *opaque);
void monitor_feed_detached(Monitor *mon, const uint8_t *buf, size_t len);
void monitor_free_detached(Monitor *mon);
/*
 * Lower the longest response line (its "\r\n" included) of a detached
 * monitor from its default of 64 MiB; a longer response is replaced by
 * an error response without "id".
 */
void monitor_set_reply_max(Monitor *mon, size_t max);

#endif /* MONITOR_INTERNAL_H */
