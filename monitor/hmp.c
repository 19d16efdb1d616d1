/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * human-monitor-command: the few HMP commands management clients send
 * through QMP (libvirt's "virsh qemu-monitor-command --hmp", scripts),
 * answered as QEMU's text: lines ended by "\r\n", errors as "Error: ..."
 * inside a successful reply, an unknown command as
 * "unknown command: 'X'".  Each command is a thin layer over the QMP
 * command or object call that does the work; there is no HMP server of
 * its own.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "monitor-internal.h"

typedef bool HmpFunc(char **argv, GString *out, GError **errp);

typedef struct HmpCommand {
    const char *name;       /* "cont|c": aliases after '|' */
    int min_args, max_args;
    const char *params;
    const char *help;
    HmpFunc *fn;
} HmpCommand;

/* Append @text to @out with every "\n" turned into "\r\n", as HMP does. */
static void out_text(GString *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, *p);
    }
}

static void G_GNUC_PRINTF(2, 3) out_printf(GString *out, const char *fmt,
                                           ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    out_text(out, text);
}

/* Run QMP command @name without arguments; its return value. */
static JsonNode *run(const char *name, GError **errp)
{
    return qmp_execute(name, NULL, errp);
}

static bool hmp_info_status(char **argv, GString *out, GError **errp)
{
    g_autoptr(JsonNode) ret = run("query-status", errp);
    const char *st;

    if (!ret) {
        return false;
    }
    st = json_object_get_string_member(json_node_get_object(ret), "status");
    if (!strcmp(st, "running") || !strcmp(st, "paused")) {
        out_printf(out, "VM status: %s\n", st);
    } else {
        out_printf(out, "VM status: paused (%s)\n", st);
    }
    return true;
}

static bool hmp_info_version(char **argv, GString *out, GError **errp)
{
    g_autoptr(JsonNode) ret = run("query-version", errp);
    JsonObject *v, *q;

    if (!ret) {
        return false;
    }
    v = json_node_get_object(ret);
    q = json_object_get_object_member(v, "qemu");
    out_printf(out, "%" PRId64 ".%" PRId64 ".%" PRId64 " (%s)\n",
               json_object_get_int_member(q, "major"),
               json_object_get_int_member(q, "minor"),
               json_object_get_int_member(q, "micro"),
               json_object_get_string_member(v, "package"));
    return true;
}

static bool hmp_info_name(char **argv, GString *out, GError **errp)
{
    g_autoptr(JsonNode) ret = run("query-name", errp);
    JsonObject *o;

    if (!ret) {
        return false;
    }
    o = json_node_get_object(ret);
    if (json_object_has_member(o, "name")) {
        out_printf(out, "%s\n", json_object_get_string_member(o, "name"));
    }
    return true;
}

static bool hmp_info_chardev(char **argv, GString *out, GError **errp)
{
    g_autoptr(JsonNode) ret = run("query-chardev", errp);
    JsonArray *list;

    if (!ret) {
        return false;
    }
    list = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);

        out_printf(out, "%s: filename=%s\n",
                   json_object_get_string_member(c, "label"),
                   json_object_get_string_member(c, "filename"));
    }
    return true;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void qom_tree(GString *out, Object *obj, const char *name, int depth)
{
    g_autoptr(GPtrArray) props = object_property_list(obj);
    g_autoptr(GPtrArray) children = g_ptr_array_new();

    out_printf(out, "%*s/%s (%s)\n", depth * 2, "", name,
               object_get_typename(obj));
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(props, i);

        if (g_str_has_prefix(prop->type, "child<")) {
            g_ptr_array_add(children, (gpointer)prop->name);
        }
    }
    g_ptr_array_sort(children, compare_strings);
    for (guint i = 0; i < children->len; i++) {
        const char *child = g_ptr_array_index(children, i);

        qom_tree(out, object_resolve_path_component(obj, child), child,
                 depth + 1);
    }
}

static Object *resolve(const char *path, GError **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (!obj) {
        error_setg(errp, ambiguous ? "Path '%s' is ambiguous" :
                   "Device '%s' not found", path);
    }
    return obj;
}

static bool hmp_info_qom_tree(char **argv, GString *out, GError **errp)
{
    const char *path = argv[0] ? argv[0] : "/machine";
    Object *obj = resolve(path, errp);
    g_autofree char *name = NULL;

    if (!obj) {
        return false;
    }
    name = object_get_canonical_path_component(obj);
    qom_tree(out, obj, name ? name : "", 0);
    return true;
}

static bool hmp_qom_list(char **argv, GString *out, GError **errp)
{
    Object *obj = resolve(argv[0], errp);
    g_autoptr(GPtrArray) props = NULL;

    if (!obj) {
        return false;
    }
    props = object_property_list(obj);
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(props, i);

        out_printf(out, "%s (%s)\n", prop->name, prop->type);
    }
    return true;
}

static bool hmp_qom_get(char **argv, GString *out, GError **errp)
{
    Object *obj = resolve(argv[0], errp);
    g_autoptr(JsonNode) val = NULL;
    g_autofree char *text = NULL;

    if (!obj) {
        return false;
    }
    val = object_property_get_json(obj, argv[1], errp);
    if (!val) {
        return false;
    }
    text = qmp_node_to_line(val);
    out_printf(out, "%s\n", text);
    return true;
}

/* qom-set [-j] PATH PROPERTY VALUE: VALUE as command-line text, or JSON. */
static bool hmp_qom_set(char **argv, GString *out, GError **errp)
{
    bool json = !strcmp(argv[0], "-j");
    Object *obj;

    if (json) {
        argv++;
    }
    if (!argv[0] || !argv[1] || !argv[2] || argv[3]) {
        error_setg(errp, "usage: qom-set [-j] PATH PROPERTY VALUE");
        return false;
    }
    obj = resolve(argv[0], errp);
    if (!obj) {
        return false;
    }
    if (json) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();

        if (!json_parser_load_from_data(parser, argv[2], -1, errp)) {
            return false;
        }
        if (!json_parser_get_root(parser)) {
            error_setg(errp, "JSON parse error, expecting value");
            return false;
        }
        return object_property_set_json(obj, argv[1],
                                        json_parser_get_root(parser), errp);
    }
    return object_property_parse(obj, argv[1], argv[2], errp);
}

static bool run_simple(const char *name, GError **errp)
{
    g_autoptr(JsonNode) ret = run(name, errp);

    return ret != NULL;
}

static bool hmp_stop(char **argv, GString *out, GError **errp)
{
    return run_simple("stop", errp);
}

static bool hmp_cont(char **argv, GString *out, GError **errp)
{
    return run_simple("cont", errp);
}

static bool hmp_system_reset(char **argv, GString *out, GError **errp)
{
    return run_simple("system_reset", errp);
}

static bool hmp_system_powerdown(char **argv, GString *out, GError **errp)
{
    return run_simple("system_powerdown", errp);
}

static bool hmp_help(char **argv, GString *out, GError **errp);
static bool hmp_info(char **argv, GString *out, GError **errp);

static const HmpCommand info_commands[] = {
    { "chardev", 0, 0, "", "show the character devices", hmp_info_chardev },
    { "name", 0, 0, "", "show the current VM name", hmp_info_name },
    { "qom-tree", 0, 1, "[path]", "show QOM composition tree",
      hmp_info_qom_tree },
    { "status", 0, 0, "", "show the current VM status (running|paused)",
      hmp_info_status },
    { "version", 0, 0, "", "show the version of QEMU", hmp_info_version },
    { NULL },
};

static const HmpCommand hmp_commands[] = {
    { "cont|c", 0, 0, "", "resume emulation", hmp_cont },
    { "help|?", 0, 1, "[cmd]", "show the help", hmp_help },
    { "info", 0, 2, "[subcommand]", "show various information about the "
      "system state", hmp_info },
    { "qom-get", 2, 2, "path property", "print QOM property", hmp_qom_get },
    { "qom-list", 1, 1, "path", "list QOM properties", hmp_qom_list },
    { "qom-set", 3, 4, "[-j] path property value", "set QOM property",
      hmp_qom_set },
    { "stop", 0, 0, "", "stop emulation", hmp_stop },
    { "system_powerdown", 0, 0, "", "send system power down event",
      hmp_system_powerdown },
    { "system_reset", 0, 0, "", "reset the system", hmp_system_reset },
    { NULL },
};

static bool name_matches(const char *names, const char *word)
{
    g_auto(GStrv) alts = g_strsplit(names, "|", -1);

    for (char **a = alts; *a; a++) {
        if (!strcmp(*a, word)) {
            return true;
        }
    }
    return false;
}

static const HmpCommand *find(const HmpCommand *table, const char *word)
{
    for (; table->name; table++) {
        if (name_matches(table->name, word)) {
            return table;
        }
    }
    return NULL;
}

static void list_commands(GString *out, const HmpCommand *table,
                          const char *prefix)
{
    for (; table->name; table++) {
        out_printf(out, "%s%s %s -- %s\n", prefix, table->name,
                   table->params, table->help);
    }
}

static bool hmp_help(char **argv, GString *out, GError **errp)
{
    const HmpCommand *cmd = argv[0] ? find(hmp_commands, argv[0]) : NULL;

    if (argv[0] && !cmd) {
        out_printf(out, "unknown command: '%s'\n", argv[0]);
        return true;
    }
    if (cmd && cmd->fn == hmp_info) {
        list_commands(out, info_commands, "info ");
    } else if (cmd) {
        out_printf(out, "%s %s -- %s\n", cmd->name, cmd->params, cmd->help);
    } else {
        list_commands(out, hmp_commands, "");
    }
    return true;
}

static bool run_command(const HmpCommand *cmd, const char *shown,
                        char **argv, GString *out)
{
    g_autoptr(GError) err = NULL;
    int argc = g_strv_length(argv);

    if (argc < cmd->min_args || argc > cmd->max_args) {
        out_printf(out, "%s: %s\nTry \"help %s\" for more information\n",
                   shown, argc < cmd->min_args ? "missing argument" :
                   "too many arguments", shown);
        return true;
    }
    if (!cmd->fn(argv, out, &err)) {
        out_printf(out, "Error: %s\n", err->message);
    }
    return true;
}

static bool hmp_info(char **argv, GString *out, GError **errp)
{
    const HmpCommand *cmd;
    g_autofree char *shown = NULL;

    if (!argv[0]) {
        list_commands(out, info_commands, "info ");
        return true;
    }
    cmd = find(info_commands, argv[0]);
    shown = g_strdup_printf("info %s", argv[0]);
    if (!cmd) {
        out_printf(out, "unknown command: '%s'\n", shown);
        return true;
    }
    return run_command(cmd, shown, argv + 1, out);
}

/*
 * Split @line into words at blanks; "double quoted" words may hold
 * blanks and \" or \\.  Returns NULL with @errp set on an unterminated
 * quote.
 */
static char **split_words(const char *line, GError **errp)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *p = line;

    for (;;) {
        GString *w;

        while (g_ascii_isspace(*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        w = g_string_new(NULL);
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    p++;
                }
                g_string_append_c(w, *p);
            }
            if (*p != '"') {
                g_string_free(w, true);
                g_ptr_array_unref(words);
                error_setg(errp, "unterminated string literal");
                return NULL;
            }
            p++;
        } else {
            while (*p && !g_ascii_isspace(*p)) {
                g_string_append_c(w, *p++);
            }
        }
        g_ptr_array_add(words, g_string_free(w, false));
    }
    g_ptr_array_set_free_func(words, NULL);
    g_ptr_array_add(words, NULL);
    return (char **)g_ptr_array_free(words, false);
}

char *hmp_execute(const char *line)
{
    GString *out = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = split_words(line, &err);
    const HmpCommand *cmd;

    if (!argv) {
        out_printf(out, "%s\n", err->message);
    } else if (argv[0]) {
        cmd = find(hmp_commands, argv[0]);
        if (!cmd) {
            out_printf(out, "unknown command: '%s'\n", argv[0]);
        } else {
            run_command(cmd, argv[0], argv + 1, out);
        }
    }
    return g_string_free(out, false);
}

static const QmpArgSpec human_monitor_command_args[] = {
    { "command-line", QMP_ARG_STRING },
    { "cpu-index", QMP_ARG_INT, .optional = true },
    { NULL }
};

static bool qmp_human_monitor_command(JsonObject *args, JsonNode **ret,
                                      GError **errp)
{
    g_autofree char *text = NULL;

    if (json_object_has_member(args, "cpu-index")) {
        /* No vCPU exists to select (query-cpus-fast lists none). */
        error_setg(errp, "Parameter 'cpu-index' is not supported: there is "
                   "no CPU to select");
        return false;
    }
    text = hmp_execute(json_object_get_string_member(args, "command-line"));
    *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(*ret, text);
    return true;
}

void hmp_register_command(void)
{
    qmp_register_command("human-monitor-command", qmp_human_monitor_command,
                         human_monitor_command_args, 0);
}
