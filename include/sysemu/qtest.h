/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest accelerator and protocol server (softmmu/qtest.c, where the
 * protocol is specified next to its parser; docs/devel/qtest.md points
 * there).  Main loop thread only.
 */
#ifndef SYSEMU_QTEST_H
#define SYSEMU_QTEST_H

#include "qemu/osdep.h"

typedef struct QTestSession QTestSession;

/* True when -accel qtest is in use (virtual clock under protocol control). */
bool qtest_enabled(void);

/*
 * Enable the qtest accelerator: no vCPUs; the virtual clock stops and
 * moves only by clock_step / clock_set.  Call before devices arm timers.
 */
void qtest_accel_init(void);

/*
 * Start the protocol server on @spec: "unix:PATH[,server=on[,wait=off]]"
 * (by default connect to a test listening at PATH), "chardev:ID" or a
 * bare chardev id (an existing -chardev), or "stdio".  @log: NULL for
 * stderr, "none" for nothing, else a file to write.
 * Returns false with @errp set if the chardev cannot be created or found
 * or the log cannot be opened.
 */
bool qtest_server_init(const char *spec, const char *log, GError **errp);

/* Stop the server (clean shutdown); the chardev is deleted with the rest. */
void qtest_server_cleanup(void);

/*
 * The parser on its own, for unit tests and fuzzing: a session with no
 * chardev that answers lines.  @log may be NULL.  Asynchronous "IRQ"
 * lines are appended to the session's pending output, collected with
 * qtest_session_take_async().
 */
QTestSession *qtest_session_new(FILE *log);
void qtest_session_free(QTestSession *s);

/*
 * Handle one request @line (without its newline).  Returns the reply
 * line without newline (caller frees), e.g. "OK 0x00ff".
 */
char *qtest_session_handle_line(QTestSession *s, const char *line);

/*
 * Feed @size bytes of a request stream, cut anywhere, as the server's
 * chardev does: every complete line is handled (a line over 64 MiB gets
 * "ERR request line too long").  Without a chardev the replies, with a
 * '\n' each, join the pending output of qtest_session_take_async().
 */
void qtest_session_feed(QTestSession *s, const uint8_t *buf, size_t size);

/* Asynchronous lines produced since the last call (caller frees). */
char *qtest_session_take_async(QTestSession *s);

#endif /* SYSEMU_QTEST_H */
