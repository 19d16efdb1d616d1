/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP server: one monitor per chardev.  Owns the session state (greeting
 * sent, capabilities negotiated), the framing of the input stream into
 * JSON texts (json-splitter.c), parsing each with json-glib, and writing
 * responses and events, one JSON object per line ending in "\r\n".
 *
 * Requests are handled synchronously in the order received: a response
 * is written before the next request of the same read is looked at.  A
 * disconnect resets the session; the chardev then waits for the next
 * client (server) or reconnects (client).
 *
 * Also owns the named descriptors of getfd/closefd: a client passes a
 * descriptor (SCM_RIGHTS on the UNIX socket) with "getfd fdname=NAME";
 * it stays with that monitor (across reconnects, as in QEMU) until
 * closefd or a user takes it (monitor_take_fd(): migrate fd:NAME).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor-internal.h"
#include "monitor/json-splitter.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

/*
 * The longest response line we send (its "\r\n" included): what the
 * chardev queues for a peer (64 MiB).  A longer one is replaced by an
 * error response, never cut short.
 */
#define QMP_REPLY_MAX (64 * MiB)
/* A request or response this big makes us give memory back afterwards. */
#define QMP_LARGE (1 * MiB)

struct Monitor {
    Chardev *chr;       /* NULL for a detached monitor (test seam) */
    QmpLineFunc *out;   /* detached: where response lines go */
    void *out_opaque;
    JsonSplitter splitter;
    bool negotiated;    /* qmp_capabilities done on this connection */
    size_t reply_max;   /* QMP_REPLY_MAX, or smaller in tests */
    bool trim;          /* large buffers were freed: return them */
    GHashTable *fds;    /* getfd: name -> descriptor (GINT_TO_POINTER) */
};

/* The monitor whose command is running (getfd needs its chardev). */
static Monitor *cur_mon;

/* All monitors; main loop thread only. */
static GPtrArray *monitors;

static void append_json(GString *out, JsonNode *node);

/*
 * Append the valid UTF-8 sequence at @p, or "\uFFFD" (as QEMU does) for
 * a byte that does not start one: a JSON text must be valid UTF-8, and
 * strings reach us from error messages (json-glib quotes the client's
 * bytes in its parse errors) as well as from parsed input.  Returns the
 * number of bytes consumed.
 */
static size_t append_utf8_char(GString *out, const char *p)
{
    gunichar c = g_utf8_get_char_validated(p, -1);

    if (c == (gunichar)-1 || c == (gunichar)-2) {
        g_string_append(out, "\\uFFFD");
        return 1;
    }
    g_string_append_unichar(out, c);
    return g_utf8_next_char(p) - p;
}

static void append_json_string(GString *out, const char *str)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (*p < 0x20) {
                g_string_append_printf(out, "\\u%04x", *p);
            } else if (*p < 0x80) {
                g_string_append_c(out, *p);
            } else {
                p += append_utf8_char(out, (const char *)p) - 1;
            }
        }
    }
    g_string_append_c(out, '"');
}

static void append_json_value(GString *out, JsonNode *node)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    switch (json_node_get_value_type(node)) {
    case G_TYPE_INT64:
        g_string_append_printf(out, "%" PRId64, json_node_get_int(node));
        break;
    case G_TYPE_DOUBLE:
        g_string_append(out, g_ascii_dtostr(buf, sizeof(buf),
                                            json_node_get_double(node)));
        break;
    case G_TYPE_BOOLEAN:
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
        break;
    case G_TYPE_STRING:
        append_json_string(out, json_node_get_string(node));
        break;
    default:
        g_assert_not_reached();
    }
}

static void append_json_object(GString *out, JsonObject *obj)
{
    g_autoptr(GList) members = json_object_get_members(obj);

    g_string_append_c(out, '{');
    for (GList *l = members; l; l = l->next) {
        if (l != members) {
            g_string_append(out, ", ");
        }
        append_json_string(out, l->data);
        g_string_append(out, ": ");
        append_json(out, json_object_get_member(obj, l->data));
    }
    g_string_append_c(out, '}');
}

static void append_json(GString *out, JsonNode *node)
{
    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT:
        append_json_object(out, json_node_get_object(node));
        break;
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);

        g_string_append_c(out, '[');
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            append_json(out, json_array_get_element(arr, i));
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_VALUE:
        append_json_value(out, node);
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}

/*
 * Serialize like QEMU does (", " and ": " separators, members in
 * insertion order), so that output compares equal by eye and by grep.
 */
char *qmp_node_to_line(JsonNode *node)
{
    GString *out = g_string_new(NULL);

    append_json(out, node);
    return g_string_free(out, false);
}

static void monitor_write_line(Monitor *mon, const char *line)
{
    if (!mon->chr) {
        mon->out(mon->out_opaque, line);
        return;
    }
    /*
     * Two writes rather than a copy of a possibly huge line.  QMP ends
     * every line with CR LF: clients such as libvirt wait for "\r\n"
     * after the greeting and would hang on a bare "\n".
     */
    if (qemu_chr_write_all(mon->chr, (const uint8_t *)line,
                           strlen(line)) >= 0) {
        qemu_chr_write_all(mon->chr, (const uint8_t *)"\r\n", 2);
    }
}

static void monitor_send(Monitor *mon, JsonNode *node)
{
    g_autofree char *line = qmp_node_to_line(node);
    size_t len = strlen(line);

    if (len + 2 > mon->reply_max) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonNode) resp = NULL;

        /* No "id": it may well be what made the response too long. */
        error_setg(&err, "QMP response of %zu bytes exceeds the limit of "
                   "%zu bytes", len + 2, mon->reply_max);
        resp = qmp_error_response(err, NULL);
        g_free(line);
        line = qmp_node_to_line(resp);
    }
    if (len >= QMP_LARGE) {
        mon->trim = true;
    }
    monitor_write_line(mon, line);
}

/*
 * After a large request or response: the buffers are gone, but glibc
 * keeps freed memory mapped (its thresholds grow with the allocations
 * it has seen); give it back so one large message does not cost its
 * size for the life of the process.
 */
static void monitor_trim(Monitor *mon)
{
    if (mon->splitter.released || mon->trim) {
        mon->splitter.released = false;
        mon->trim = false;
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    }
}

static void monitor_send_greeting(Monitor *mon)
{
    JsonObject *root = json_object_new();
    JsonObject *qmp = json_object_new();
    g_autoptr(JsonNode) node = NULL;

    json_object_set_object_member(qmp, "version", qmp_version_object());
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    json_object_set_object_member(root, "QMP", qmp);
    node = qmp_node_take_object(root);
    monitor_send(mon, node);
}

static void monitor_send_error(Monitor *mon, const GError *err)
{
    g_autoptr(JsonNode) resp = qmp_error_response(err, NULL);

    monitor_send(mon, resp);
}

static void monitor_handle_text(Monitor *mon, const char *text, size_t len)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) resp = NULL;
    JsonNode *root;

    if (len >= QMP_LARGE) {
        mon->trim = true;
    }
    if (!json_parser_load_from_data(parser, text, len, &err)) {
        g_autoptr(GError) perr = NULL;

        error_setg(&perr, "JSON parse error, %s", err->message);
        monitor_send_error(mon, perr);
        return;
    }
    /* json-glib skips comments: "//" parses, as nothing. */
    root = json_parser_get_root(parser);
    if (!root) {
        g_autoptr(GError) perr = NULL;

        error_setg(&perr, "JSON parse error, expecting value");
        monitor_send_error(mon, perr);
        return;
    }
    cur_mon = mon;
    resp = qmp_dispatch(root, mon->negotiated, &mon->negotiated);
    cur_mon = NULL;
    monitor_send(mon, resp);
}

static void monitor_splitter_emit(void *opaque, const char *text,
                                  size_t len, const GError *err)
{
    Monitor *mon = opaque;

    if (mon->chr && !qemu_chr_is_connected(mon->chr)) {
        /* The peer left while we were answering: run nothing more of it. */
        return;
    }
    if (err) {
        monitor_send_error(mon, err);
    } else {
        monitor_handle_text(mon, text, len);
    }
}

/* ---- Named descriptors (getfd / closefd) ---------------------------------- */

static void close_fd_value(gpointer p)
{
    close(GPOINTER_TO_INT(p));
}

static GHashTable *monitor_fds(Monitor *mon)
{
    if (!mon->fds) {
        mon->fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         close_fd_value);
    }
    return mon->fds;
}

static bool qmp_getfd(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *name = json_object_get_string_member(args, "fdname");
    int fd = cur_mon && cur_mon->chr ? qemu_chr_get_msgfd(cur_mon->chr) : -1;

    if (fd < 0) {
        error_setg(errp, "No file descriptor supplied via SCM_RIGHTS");
        return false;
    }
    if (g_ascii_isdigit(name[0])) {
        close(fd);
        error_setg(errp, "Parameter 'fdname' expects a name not starting "
                   "with a digit");
        return false;
    }
    /* A name given again replaces (and closes) the older descriptor. */
    g_hash_table_insert(monitor_fds(cur_mon), g_strdup(name),
                        GINT_TO_POINTER(fd));
    return true;
}

static bool qmp_closefd(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *name = json_object_get_string_member(args, "fdname");

    if (!cur_mon || !cur_mon->fds ||
        !g_hash_table_remove(cur_mon->fds, name)) {
        error_setg(errp, "File descriptor named '%s' not found", name);
        return false;
    }
    return true;
}

int monitor_take_fd(const char *name, GError **errp)
{
    gpointer key, value;

    if (!cur_mon || !cur_mon->fds ||
        !g_hash_table_steal_extended(cur_mon->fds, name, &key, &value)) {
        error_setg(errp, "File descriptor named '%s' has not been found",
                   name);
        return -1;
    }
    g_free(key);
    return GPOINTER_TO_INT(value);
}

static const QmpArgSpec fdname_args[] = {
    { "fdname", QMP_ARG_STRING, false },
    { NULL },
};

void qmp_register_fd_commands(void)
{
    qmp_register_command("getfd", qmp_getfd, fdname_args, 0);
    qmp_register_command("closefd", qmp_closefd, fdname_args, 0);
}

/* ---- The chardev frontend ------------------------------------------------- */

static int monitor_can_read(void *opaque)
{
    return 65536;
}

static void monitor_read(void *opaque, const uint8_t *buf, int size)
{
    Monitor *mon = opaque;

    json_splitter_feed(&mon->splitter, (const char *)buf, size);
    monitor_trim(mon);
}

static void monitor_event(void *opaque, QEMUChrEvent event)
{
    Monitor *mon = opaque;

    json_splitter_reset(&mon->splitter);
    monitor_trim(mon);
    mon->negotiated = false;
    if (event == CHR_EVENT_OPENED) {
        monitor_send_greeting(mon);
    }
}

void monitor_init_qmp(Chardev *chr)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->chr = chr;
    mon->reply_max = QMP_REPLY_MAX;
    json_splitter_init(&mon->splitter, monitor_splitter_emit, mon, 0);
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, mon);
    qemu_chr_set_handlers(chr, monitor_can_read, monitor_read,
                          monitor_event, mon);
}

Monitor *monitor_new_detached(QmpLineFunc *out, void *opaque)
{
    Monitor *mon = g_new0(Monitor, 1);

    g_assert(out);
    mon->out = out;
    mon->out_opaque = opaque;
    mon->reply_max = QMP_REPLY_MAX;
    json_splitter_init(&mon->splitter, monitor_splitter_emit, mon, 0);
    return mon;
}

void monitor_feed_detached(Monitor *mon, const uint8_t *buf, size_t len)
{
    g_assert(!mon->chr);
    json_splitter_feed(&mon->splitter, (const char *)buf, len);
    monitor_trim(mon);
}

void monitor_set_reply_max(Monitor *mon, size_t max)
{
    g_assert(!mon->chr && max > 0);
    mon->reply_max = max;
}

void monitor_free_detached(Monitor *mon)
{
    if (mon) {
        g_assert(!mon->chr);
        json_splitter_destroy(&mon->splitter);
        g_clear_pointer(&mon->fds, g_hash_table_unref);
        g_free(mon);
    }
}

void monitor_broadcast_line(const char *line)
{
    for (guint i = 0; monitors && i < monitors->len; i++) {
        Monitor *mon = g_ptr_array_index(monitors, i);

        if (mon->negotiated && qemu_chr_is_connected(mon->chr)) {
            monitor_write_line(mon, line);
        }
    }
}

void monitor_cleanup(void)
{
    for (guint i = 0; monitors && i < monitors->len; i++) {
        Monitor *mon = g_ptr_array_index(monitors, i);

        qemu_chr_set_handlers(mon->chr, NULL, NULL, NULL, NULL);
        json_splitter_destroy(&mon->splitter);
        g_clear_pointer(&mon->fds, g_hash_table_unref);
        g_free(mon);
    }
    g_clear_pointer(&monitors, g_ptr_array_unref);
}
