/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostic logging (-d, -D) and trace events (-trace).
 *
 * Two facilities share one output, stderr or the file set with -D:
 *
 *  - Log items: a mask of coarse categories selected with "-d item,...".
 *    qemu_log_mask(LOG_GUEST_ERROR, "virtio-mem: bad request 0x%x\n", t)
 *    costs one test of a global int when the item is off.
 *
 *  - Trace events: named points ("virtio_mem_plug_request") enabled by
 *    glob pattern with "-trace virtio_mem*", "-trace enable=PATTERN",
 *    "-trace events=FILE" or "-d trace:PATTERN".  A .c file defines its
 *    events once and fires them with trace():
 *
 *        TRACE_EVENT(virtio_mem_plug_request);
 *        ...
 *        trace(virtio_mem_plug_request, "addr=0x%" PRIx64 " size=0x%"
 *              PRIx64, addr, size);
 *
 *    A disabled event costs one test of a bool.  An enabled one writes
 *    "PID@SECONDS.MICROS:NAME MESSAGE\n", the line QEMU's log trace backend
 *    writes, so existing scripts that read QEMU traces keep working.
 *
 * Conventions: addresses, sizes and offsets are printed in hex with "0x";
 * counts in decimal.  Messages are written whole (one write per call), so
 * lines from worker threads do not interleave.
 *
 * Threads: the mask, the event states and the output file are changed by
 * the main thread (command line, monitor); any thread may log.  A state
 * change is seen by other threads eventually, not at once.
 *
 * Nothing here prints on its own behalf: parse errors come back as GError
 * and help text as a string, for the command line to report.
 */
#ifndef QEMU_LOG_H
#define QEMU_LOG_H

#include "qemu/osdep.h"

/* ---- log items (-d) ---------------------------------------------------- */

#define LOG_UNIMP        (1 << 10)  /* "unimp": unimplemented features */
#define LOG_GUEST_ERROR  (1 << 11)  /* "guest_errors": invalid guest requests */
#define LOG_TRACE        (1 << 15)  /* set while any trace event is enabled */

/* The current mask; read it through qemu_loglevel_mask(). */
extern int qemu_loglevel;

/* True if any item of @mask is enabled. */
static inline bool qemu_loglevel_mask(int mask)
{
    return (qemu_loglevel & mask) != 0;
}

/*
 * qemu_log: write a formatted message to the log output, whatever the mask.
 * No newline is added.
 */
void qemu_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* qemu_vlog: qemu_log with a va_list. */
void qemu_vlog(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);

/* Log if any item of @mask is enabled; otherwise one branch. */
#define qemu_log_mask(mask, fmt, ...)                   \
    do {                                                \
        if (unlikely(qemu_loglevel_mask(mask))) {       \
            qemu_log(fmt, ##__VA_ARGS__);               \
        }                                               \
    } while (0)

/* Replace the mask (LOG_TRACE is kept as the trace events say). */
void qemu_set_log_mask(int mask);

/*
 * qemu_log_str_is_help: true if the -d argument @str asks for a list:
 * an item "help" (list log items, see qemu_log_help_text()) or
 * "trace:help" (list trace events, see trace_help_text()).  The command
 * line checks this before qemu_set_log_mask_str(), prints and exits.
 */
bool qemu_log_str_is_help(const char *str);

/*
 * qemu_set_log_mask_str: apply a -d argument: a comma-separated list of
 * log item names (see qemu_log_help_text()) and "trace:PATTERN" items.
 * Empty items are ignored.  The mask is replaced by the items given; trace
 * patterns are enabled in order.
 *
 * Either everything is applied or, on error, nothing: an unknown item
 * gives "Unknown log item 'NAME'", "help" gives an error too (check
 * qemu_log_str_is_help() first).
 *
 * Returns: true on success; false with @errp set.
 */
bool qemu_set_log_mask_str(const char *str, GError **errp);

/* The -d help text: one "name  description" line per item. Caller frees. */
char *qemu_log_help_text(void);

/*
 * qemu_set_log_filename: send log and trace output to @filename (-D),
 * truncating it; "%d" in the name is replaced by the process id.  NULL
 * goes back to stderr.  The previous file is closed.  A symbolic link
 * as the final component is refused (see qemu_log_fopen()).
 *
 * Returns: true on success; false with @errp set ("Error opening logfile
 * NAME: REASON"), keeping the previous output.
 */
bool qemu_set_log_filename(const char *filename, GError **errp);

/**
 * qemu_log_fopen: open @name for writing a log (created 0666 & ~umask, or
 * truncated), as -D and -qtest-log do, without following a symbolic
 * link at the final component: a link planted at a predictable log path
 * must not make us truncate the file it points to.  Directories on the
 * way are followed as usual.  The one exception is a @name of exactly
 * "/dev/stdout" or "/dev/stderr" (links to our own descriptors): the
 * stream is a duplicate of descriptor 1 or 2, nothing is opened or
 * truncated, and the output interleaves with our own stdout/stderr.
 *
 * Returns: a close-on-exec stream, or NULL with errno set (ELOOP for a
 * symbolic link).  qemu_log_open_error() words such a failure.
 */
FILE *qemu_log_fopen(const char *name);

/* The reason for a failed qemu_log_fopen() with @err (an errno). */
const char *qemu_log_open_error(int err);

/* True when the output is a file rather than stderr. */
bool qemu_log_separate(void);

/* Flush the output. */
void qemu_log_flush(void);

/* ---- trace events (-trace) ---------------------------------------------- */

typedef struct TraceEvent TraceEvent;

struct TraceEvent {
    const char *name;
    bool enabled;               /* read by any thread, set by main thread */
    TraceEvent *next;           /* registry list, private to util/log.c */
};

/*
 * Called by TRACE_EVENT's constructor before main(); applies the patterns
 * already given.  @ev must live for the whole program.
 */
void trace_event_register(TraceEvent *ev);

/*
 * TRACE_EVENT(name): define and register the event @name (at file scope,
 * once in the program).  DECLARE_TRACE_EVENT(name) makes it usable from
 * another file.
 */
#define DECLARE_TRACE_EVENT(ev) extern TraceEvent trace_event_##ev

#define TRACE_EVENT(ev)                                                 \
    extern TraceEvent trace_event_##ev;                                 \
    static void __attribute__((constructor)) trace_event_ctor_##ev(void) \
    {                                                                   \
        trace_event_register(&trace_event_##ev);                        \
    }                                                                   \
    TraceEvent trace_event_##ev = { .name = #ev }

/* Write one event line; use trace() rather than calling this. */
void trace_event_emit(const TraceEvent *ev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Fire event @ev if it is enabled; otherwise one branch. */
#define trace(ev, fmt, ...)                                             \
    do {                                                                \
        if (unlikely(trace_event_##ev.enabled)) {                       \
            trace_event_emit(&trace_event_##ev, fmt, ##__VA_ARGS__);    \
        }                                                               \
    } while (0)

/* True if event @ev (an identifier) is enabled: guard expensive arguments. */
#define trace_event_get_state(ev) unlikely(trace_event_##ev.enabled)

/* The registered event called @name, or NULL. */
TraceEvent *trace_event_find(const char *name);

/* True if an event called @name exists and is enabled. */
bool trace_event_enabled(const char *name);

/*
 * trace_set_pattern: enable or disable every event whose name matches the
 * glob @pattern ('*' and '?'), including events registered later.
 *
 * Returns: the number of registered events that matched.
 */
unsigned trace_set_pattern(const char *pattern, bool enable);

/* trace_enable_pattern: trace_set_pattern(@pattern, true). */
unsigned trace_enable_pattern(const char *pattern);

/*
 * trace_opt_parse: apply a -trace argument:
 *   [enable=]PATTERN | events=FILE | file=FILE, comma-separated.
 * An events file holds one pattern per line; blank lines and lines
 * starting with '#' are skipped; "-PATTERN" disables.  file= sets the log
 * output as qemu_set_log_filename() does.
 *
 * If @unmatched is not NULL, *@unmatched is set to a new string naming the
 * first glob-free pattern that matched no event (QEMU warns "trace event
 * 'NAME' does not exist"), or NULL.  Caller frees with g_free().
 *
 * Returns: true on success; false with @errp set ("Invalid parameter
 * 'NAME'", unreadable events file, log file errors).
 */
bool trace_opt_parse(const char *optarg, char **unmatched, GError **errp);

/* Call @fn for every registered event, sorted by name. */
void trace_event_foreach(void (*fn)(TraceEvent *ev, void *opaque),
                         void *opaque);

/* The -trace help text: one event name per line, sorted. Caller frees. */
char *trace_help_text(void);

#endif /* QEMU_LOG_H */
