/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The log output, the -d item mask and the registry of trace events.
 *
 * This file owns where diagnostics go (stderr or the -D file), which -d
 * items are on, and which trace events are enabled.  It is tuned for the
 * disabled case: a call site tests a global int or the event's own bool
 * and does nothing else, so trace points can sit on the virtio-mem request
 * path and in memory listeners at no measurable cost.  Enabling is rare
 * (command line, monitor) and may walk every registered event; patterns are
 * remembered so that an event registered after its pattern was given (by a
 * constructor that runs late) still obeys it.  Emitting formats the whole
 * line first and writes it under a lock with one call, then flushes.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include "qemu/log.h"
#include "qapi/error.h"

int qemu_loglevel;

/* Output; NULL means stderr.  Protected by log_lock. */
static FILE *log_file;
static GMutex log_lock;

typedef struct LogItem {
    int mask;
    const char *name;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { LOG_UNIMP, "unimp",
      "report features the guest used that are not implemented" },
    { LOG_GUEST_ERROR, "guest_errors",
      "report invalid guest requests (bad addresses, sizes, descriptors)" },
};

#define TRACE_PREFIX "trace:"

/* ---- output ------------------------------------------------------------- */

static void log_write(const char *text)
{
    FILE *f;

    g_mutex_lock(&log_lock);
    f = log_file ? log_file : stderr;
    fputs(text, f);
    fflush(f);
    g_mutex_unlock(&log_lock);
}

void qemu_vlog(const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);

    log_write(text);
}

void qemu_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qemu_vlog(fmt, ap);
    va_end(ap);
}

void qemu_log_flush(void)
{
    g_mutex_lock(&log_lock);
    fflush(log_file ? log_file : stderr);
    g_mutex_unlock(&log_lock);
}

bool qemu_log_separate(void)
{
    bool separate;

    g_mutex_lock(&log_lock);
    separate = log_file != NULL;
    g_mutex_unlock(&log_lock);
    return separate;
}

/* @filename with its first "%d" replaced by the process id. */
static char *expand_log_filename(const char *filename)
{
    const char *pct = strstr(filename, "%d");

    if (!pct) {
        return g_strdup(filename);
    }
    return g_strdup_printf("%.*s%d%s", (int)(pct - filename), filename,
                           (int)getpid(), pct + 2);
}

/*
 * The descriptor @name stands for if it is exactly "/dev/stdout" or
 * "/dev/stderr", else -1.  Those two are links to our own open stdout and
 * stderr: nobody can plant them, and following them would reopen (and
 * truncate) whatever our stream is, so they are duplicated instead.
 */
static int std_stream_fd(const char *name)
{
    if (!strcmp(name, "/dev/stdout")) {
        return STDOUT_FILENO;
    }
    if (!strcmp(name, "/dev/stderr")) {
        return STDERR_FILENO;
    }
    return -1;
}

FILE *qemu_log_fopen(const char *name)
{
    int std = std_stream_fd(name);
    int fd = std >= 0 ? fcntl(std, F_DUPFD_CLOEXEC, 3)
                      : open(name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
                             O_CLOEXEC, 0666);
    FILE *f;

    if (fd < 0) {
        return NULL;
    }
    f = fdopen(fd, "w");
    if (!f) {
        int err = errno;

        close(fd);
        errno = err;
    }
    return f;
}

const char *qemu_log_open_error(int err)
{
    /* O_NOFOLLOW says ELOOP, "Too many levels of symbolic links": */
    return err == ELOOP ? "it is a symbolic link, which is not followed"
                        : g_strerror(err);
}

bool qemu_set_log_filename(const char *filename, GError **errp)
{
    g_autofree char *name = NULL;
    FILE *f = NULL, *old;

    if (filename) {
        name = expand_log_filename(filename);
        f = qemu_log_fopen(name);
        if (!f) {
            error_setg(errp, "Error opening logfile %s: %s", name,
                       qemu_log_open_error(errno));
            return false;
        }
    }
    g_mutex_lock(&log_lock);
    old = log_file;
    log_file = f;
    g_mutex_unlock(&log_lock);
    if (old) {
        fclose(old);
    }
    return true;
}

/* ---- trace event registry ----------------------------------------------- */

/* Registered events, newest first.  Main thread (and constructors). */
static TraceEvent *trace_events;

/* Patterns given so far, oldest first, for events registered later. */
typedef struct TracePattern {
    char *glob;
    bool enable;
} TracePattern;

static GArray *trace_patterns;

/* Keep LOG_TRACE in qemu_loglevel equal to "some event is enabled". */
static void update_log_trace_bit(void)
{
    bool any = false;

    for (TraceEvent *ev = trace_events; ev && !any; ev = ev->next) {
        any = ev->enabled;
    }
    qemu_loglevel = (qemu_loglevel & ~LOG_TRACE) | (any ? LOG_TRACE : 0);
}

void trace_event_register(TraceEvent *ev)
{
    g_assert(ev->name && !ev->next);
    ev->next = trace_events;
    trace_events = ev;
    if (!trace_patterns) {
        return;
    }
    for (guint i = 0; i < trace_patterns->len; i++) {
        TracePattern *p = &g_array_index(trace_patterns, TracePattern, i);

        if (g_pattern_match_simple(p->glob, ev->name)) {
            ev->enabled = p->enable;
        }
    }
    update_log_trace_bit();
}

/* Remember @glob, replacing an earlier use of the same glob. */
static void remember_pattern(const char *glob, bool enable)
{
    TracePattern p = { .glob = g_strdup(glob), .enable = enable };

    if (!trace_patterns) {
        trace_patterns = g_array_new(false, false, sizeof(TracePattern));
    }
    for (guint i = 0; i < trace_patterns->len; i++) {
        TracePattern *old = &g_array_index(trace_patterns, TracePattern, i);

        if (strcmp(old->glob, glob) == 0) {
            g_free(old->glob);
            g_array_remove_index(trace_patterns, i);
            break;
        }
    }
    g_array_append_val(trace_patterns, p);
}

unsigned trace_set_pattern(const char *pattern, bool enable)
{
    unsigned matched = 0;

    remember_pattern(pattern, enable);
    for (TraceEvent *ev = trace_events; ev; ev = ev->next) {
        if (g_pattern_match_simple(pattern, ev->name)) {
            ev->enabled = enable;
            matched++;
        }
    }
    update_log_trace_bit();
    return matched;
}

unsigned trace_enable_pattern(const char *pattern)
{
    return trace_set_pattern(pattern, true);
}

TraceEvent *trace_event_find(const char *name)
{
    for (TraceEvent *ev = trace_events; ev; ev = ev->next) {
        if (strcmp(ev->name, name) == 0) {
            return ev;
        }
    }
    return NULL;
}

bool trace_event_enabled(const char *name)
{
    TraceEvent *ev = trace_event_find(name);

    return ev && ev->enabled;
}

static gint compare_event_names(gconstpointer a, gconstpointer b)
{
    const TraceEvent *ea = *(TraceEvent *const *)a;
    const TraceEvent *eb = *(TraceEvent *const *)b;

    return strcmp(ea->name, eb->name);
}

void trace_event_foreach(void (*fn)(TraceEvent *ev, void *opaque),
                         void *opaque)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();

    for (TraceEvent *ev = trace_events; ev; ev = ev->next) {
        g_ptr_array_add(sorted, ev);
    }
    g_ptr_array_sort(sorted, compare_event_names);
    for (guint i = 0; i < sorted->len; i++) {
        fn(g_ptr_array_index(sorted, i), opaque);
    }
}

static void append_event_name(TraceEvent *ev, void *opaque)
{
    g_string_append_printf(opaque, "%s\n", ev->name);
}

char *trace_help_text(void)
{
    GString *text = g_string_new(NULL);

    trace_event_foreach(append_event_name, text);
    return g_string_free(text, false);
}

void trace_event_emit(const TraceEvent *ev, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    g_autofree char *line = NULL;
    gint64 now = g_get_real_time();
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    line = g_strdup_printf("%d@%" PRId64 ".%06" PRId64 ":%s %s\n",
                           (int)getpid(), now / G_USEC_PER_SEC,
                           now % G_USEC_PER_SEC, ev->name, msg);
    log_write(line);
}

/* ---- -d ----------------------------------------------------------------- */

static const LogItem *find_log_item(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
        if (strcmp(log_items[i].name, name) == 0) {
            return &log_items[i];
        }
    }
    return NULL;
}

void qemu_set_log_mask(int mask)
{
    qemu_loglevel = (mask & ~LOG_TRACE) | (qemu_loglevel & LOG_TRACE);
}

bool qemu_log_str_is_help(const char *str)
{
    g_auto(GStrv) items = g_strsplit(str, ",", -1);

    for (char **it = items; *it; it++) {
        if (strcmp(*it, "help") == 0 ||
            strcmp(*it, TRACE_PREFIX "help") == 0) {
            return true;
        }
    }
    return false;
}

bool qemu_set_log_mask_str(const char *str, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(str, ",", -1);
    g_autoptr(GPtrArray) patterns = g_ptr_array_new();
    int mask = 0;

    for (char **it = items; *it; it++) {
        const LogItem *item;

        if (!**it) {
            continue;
        }
        if (g_str_has_prefix(*it, TRACE_PREFIX)) {
            const char *glob = *it + strlen(TRACE_PREFIX);

            if (!*glob || strcmp(glob, "help") == 0) {
                error_setg(errp, "Log item '%s' needs an event pattern",
                           *it);
                return false;
            }
            g_ptr_array_add(patterns, (gpointer)glob);
            continue;
        }
        if (strcmp(*it, "help") == 0) {
            error_setg(errp, "Log item 'help' lists the items and cannot "
                       "be applied");
            return false;
        }
        item = find_log_item(*it);
        if (!item) {
            error_setg(errp, "Unknown log item '%s'", *it);
            error_append_hint(errp, "Use \"-d help\" for a list of items.");
            return false;
        }
        mask |= item->mask;
    }
    qemu_set_log_mask(mask);
    for (guint i = 0; i < patterns->len; i++) {
        trace_enable_pattern(g_ptr_array_index(patterns, i));
    }
    return true;
}

char *qemu_log_help_text(void)
{
    GString *text = g_string_new("Log items (comma separated):\n");

    for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
        g_string_append_printf(text, "%-15s %s\n", log_items[i].name,
                               log_items[i].help);
    }
    g_string_append_printf(text, "%-15s %s\n", TRACE_PREFIX "PATTERN",
                           "enable the trace events matching PATTERN");
    g_string_append(text, "\nUse \"-d trace:help\" to list trace events.\n");
    return g_string_free(text, false);
}

/* ---- -trace ------------------------------------------------------------- */

/* A pattern from -trace; "-" disables.  Notes a glob-free miss. */
static void apply_trace_pattern(const char *pattern, char **unmatched)
{
    bool enable = pattern[0] != '-';
    const char *glob = enable ? pattern : pattern + 1;

    if (!*glob) {
        return;
    }
    if (!trace_set_pattern(glob, enable) && unmatched && !*unmatched &&
        !strpbrk(glob, "*?")) {
        *unmatched = g_strdup(glob);
    }
}

static bool apply_events_file(const char *path, char **unmatched,
                              GError **errp)
{
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    GError *local_err = NULL;

    if (!g_file_get_contents(path, &contents, NULL, &local_err)) {
        error_setg(errp, "cannot read trace events file %s: %s", path,
                   local_err->message);
        g_error_free(local_err);
        return false;
    }
    lines = g_strsplit(contents, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *pattern = g_strstrip(*l);

        if (*pattern && *pattern != '#') {
            apply_trace_pattern(pattern, unmatched);
        }
    }
    return true;
}

/*
 * Check the keys of every -trace item before applying any of them.  The
 * first item may be a bare pattern, as with QEMU's implied "enable=".
 */
static bool check_trace_opts(char **items, GError **errp)
{
    for (char **it = items; *it; it++) {
        const char *eq = strchr(*it, '=');
        g_autofree char *key = NULL;

        if (!eq) {
            if (it == items && **it) {
                continue;
            }
            error_setg(errp, "Invalid parameter '%s'", *it);
            return false;
        }
        key = g_strndup(*it, eq - *it);
        if (strcmp(key, "enable") && strcmp(key, "events") &&
            strcmp(key, "file")) {
            error_setg(errp, "Invalid parameter '%s'", key);
            return false;
        }
    }
    return true;
}

bool trace_opt_parse(const char *optarg, char **unmatched, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(optarg, ",", -1);

    if (unmatched) {
        *unmatched = NULL;
    }
    if (!check_trace_opts(items, errp)) {
        return false;
    }
    for (char **it = items; *it; it++) {
        const char *eq = strchr(*it, '=');
        const char *val = eq ? eq + 1 : *it;
        bool ok = true;

        if (!eq || g_str_has_prefix(*it, "enable=")) {
            apply_trace_pattern(val, unmatched);
        } else if (g_str_has_prefix(*it, "events=")) {
            ok = apply_events_file(val, unmatched, errp);
        } else {
            ok = qemu_set_log_filename(val, errp);
        }
        if (!ok) {
            if (unmatched) {
                g_clear_pointer(unmatched, g_free);
            }
            return false;
        }
    }
    return true;
}
