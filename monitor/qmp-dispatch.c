/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP command registry and dispatch: validates the request envelope
 * ("execute", "arguments", "id"), enforces capabilities negotiation,
 * checks arguments against each command's declared table, runs the
 * handler and builds the response.  Also the commands that belong to the
 * protocol itself (qmp_capabilities, query-version, query-commands).
 *
 * Commands are registered once at start-up from any room; lookups are a
 * hash table probe per request.  Error wording follows QEMU's so that
 * scripts matching on it keep working.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor-internal.h"

typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc *fn;
    const QmpArgSpec *args;
    unsigned flags;
} QmpCommand;

/* name -> QmpCommand; filled at start-up, main loop thread only. */
static GHashTable *qmp_commands;

static const char *const qmp_error_class_names[] = {
    [QEMU_ERROR_GENERIC] = "GenericError",
    [QEMU_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [QEMU_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
};

void qmp_register_command(const char *name, QmpCommandFunc *fn,
                          const QmpArgSpec *args, unsigned flags)
{
    QmpCommand *cmd;

    if (!qmp_commands) {
        qmp_commands = g_hash_table_new_full(g_str_hash, g_str_equal,
                                             NULL, g_free);
    }
    cmd = g_hash_table_lookup(qmp_commands, name);
    if (cmd) {
        /* the same registration again is a no-op; another is a bug */
        g_assert(cmd->fn == fn && cmd->args == args && cmd->flags == flags);
        return;
    }
    cmd = g_new0(QmpCommand, 1);
    cmd->name = name;
    cmd->fn = fn;
    cmd->args = args;
    cmd->flags = flags;
    g_hash_table_insert(qmp_commands, (gpointer)name, cmd);
}

bool qmp_command_exists(const char *name)
{
    return qmp_commands && g_hash_table_contains(qmp_commands, name);
}

const QmpArgSpec *qmp_command_args(const char *name)
{
    const QmpCommand *cmd = g_hash_table_lookup(qmp_commands, name);

    g_assert(cmd);
    return cmd->args;
}

bool qmp_command_checks_own_args(const char *name)
{
    const QmpCommand *cmd = g_hash_table_lookup(qmp_commands, name);

    g_assert(cmd);
    return cmd->flags & QMP_CMD_NO_ARG_CHECK;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *qmp_command_names(void)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    if (qmp_commands) {
        g_hash_table_iter_init(&iter, qmp_commands);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            g_ptr_array_add(names, key);
        }
    }
    g_ptr_array_sort(names, compare_names);
    return names;
}

static const char *arg_type_name(QmpArgType type)
{
    static const char *const names[] = {
        [QMP_ARG_STRING] = "string",
        [QMP_ARG_INT] = "integer",
        [QMP_ARG_NUMBER] = "number",
        [QMP_ARG_BOOL] = "boolean",
        [QMP_ARG_OBJECT] = "object",
        [QMP_ARG_ARRAY] = "array",
        [QMP_ARG_ANY] = "any",
    };
    return names[type];
}

static bool arg_type_matches(JsonNode *node, QmpArgType type)
{
    GType vt;

    switch (type) {
    case QMP_ARG_ANY:
        return true;
    case QMP_ARG_OBJECT:
        return JSON_NODE_HOLDS_OBJECT(node);
    case QMP_ARG_ARRAY:
        return JSON_NODE_HOLDS_ARRAY(node);
    default:
        break;
    }
    if (!JSON_NODE_HOLDS_VALUE(node)) {
        return false;
    }
    vt = json_node_get_value_type(node);
    switch (type) {
    case QMP_ARG_STRING:
        return vt == G_TYPE_STRING;
    case QMP_ARG_INT:
        return vt == G_TYPE_INT64;
    case QMP_ARG_NUMBER:
        return vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;
    case QMP_ARG_BOOL:
        return vt == G_TYPE_BOOLEAN;
    default:
        g_assert_not_reached();
    }
}

static const QmpArgSpec *spec_find(const QmpArgSpec *spec, const char *name)
{
    for (; spec && spec->name; spec++) {
        if (!strcmp(spec->name, name)) {
            return spec;
        }
    }
    return NULL;
}

bool qmp_check_args(JsonObject *args, const QmpArgSpec *spec,
                    GError **errp)
{
    g_autoptr(GList) members = json_object_get_members(args);

    for (GList *l = members; l; l = l->next) {
        const char *name = l->data;
        const QmpArgSpec *s = spec_find(spec, name);

        if (!s) {
            error_setg(errp, "Parameter '%s' is unexpected", name);
            return false;
        }
        if (!arg_type_matches(json_object_get_member(args, name), s->type)) {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                       name, arg_type_name(s->type));
            return false;
        }
    }
    for (; spec && spec->name; spec++) {
        if (!spec->optional && !json_object_has_member(args, spec->name)) {
            error_setg(errp, "Parameter '%s' is missing", spec->name);
            return false;
        }
    }
    return true;
}

JsonNode *qmp_node_take_object(JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, obj);
    return node;
}

JsonNode *qmp_error_response(const GError *err, JsonNode *id)
{
    JsonObject *resp = json_object_new();
    JsonObject *error = json_object_new();
    const char *cls = "GenericError";

    if (err->domain == QEMU_ERROR && err->code >= 0 &&
        err->code < (int)ARRAY_SIZE(qmp_error_class_names)) {
        cls = qmp_error_class_names[err->code];
    }
    json_object_set_string_member(error, "class", cls);
    json_object_set_string_member(error, "desc", err->message);
    /* QEMU's member order: "id" first in errors, last in returns. */
    if (id) {
        json_object_set_member(resp, "id", json_node_copy(id));
    }
    json_object_set_object_member(resp, "error", error);
    return qmp_node_take_object(resp);
}

/* Check the envelope; on success *@name and *@args point into @req. */
static bool check_envelope(JsonObject *req, const char **name,
                           JsonObject **args, GError **errp)
{
    g_autoptr(GList) members = json_object_get_members(req);

    *name = NULL;
    *args = NULL;
    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        JsonNode *val = json_object_get_member(req, key);

        if (!strcmp(key, "execute")) {
            if (!JSON_NODE_HOLDS_VALUE(val) ||
                json_node_get_value_type(val) != G_TYPE_STRING) {
                error_setg(errp,
                           "QMP input member 'execute' must be a string");
                return false;
            }
            *name = json_node_get_string(val);
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(val)) {
                error_setg(errp,
                           "QMP input member 'arguments' must be an object");
                return false;
            }
            *args = json_node_get_object(val);
        } else if (strcmp(key, "id")) {
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            return false;
        }
    }
    if (!*name) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

static const QmpCommand *lookup_command(const char *name, bool negotiated,
                                        GError **errp)
{
    bool is_caps = !strcmp(name, "qmp_capabilities");

    if (!negotiated && !is_caps) {
        error_set(errp, QEMU_ERROR_COMMAND_NOT_FOUND,
                  "Expecting capabilities negotiation with "
                  "'qmp_capabilities'");
        return NULL;
    }
    if (negotiated && is_caps) {
        error_set(errp, QEMU_ERROR_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, "
                  "command ignored");
        return NULL;
    }
    if (!qmp_commands || !g_hash_table_contains(qmp_commands, name)) {
        error_set(errp, QEMU_ERROR_COMMAND_NOT_FOUND,
                  "The command %s has not been found", name);
        return NULL;
    }
    return g_hash_table_lookup(qmp_commands, name);
}

static JsonNode *run_command(const QmpCommand *cmd, JsonObject *args,
                             GError **errp)
{
    g_autoptr(JsonObject) empty = json_object_new();
    JsonNode *ret = NULL;

    if (!args) {
        args = empty;
    }
    if (!(cmd->flags & QMP_CMD_NO_ARG_CHECK) &&
        !qmp_check_args(args, cmd->args, errp)) {
        return NULL;
    }
    if (!cmd->fn(args, &ret, errp)) {
        g_assert(!ret);
        return NULL;
    }
    if (!ret) {
        ret = json_node_init_object(json_node_alloc(), empty);
    }
    return ret;
}

JsonNode *qmp_execute(const char *name, JsonObject *args, GError **errp)
{
    const QmpCommand *cmd = lookup_command(name, true, errp);

    return cmd ? run_command(cmd, args, errp) : NULL;
}

JsonNode *qmp_dispatch(JsonNode *request, bool negotiated,
                       bool *capabilities_done)
{
    g_autoptr(GError) err = NULL;
    const QmpCommand *cmd;
    JsonObject *req, *args, *resp;
    JsonNode *id, *ret;
    const char *name;

    if (!JSON_NODE_HOLDS_OBJECT(request)) {
        error_setg(&err, "QMP input must be a JSON object");
        return qmp_error_response(err, NULL);
    }
    req = json_node_get_object(request);
    id = json_object_get_member(req, "id");
    if (!check_envelope(req, &name, &args, &err)) {
        return qmp_error_response(err, id);
    }
    cmd = lookup_command(name, negotiated, &err);
    ret = cmd ? run_command(cmd, args, &err) : NULL;
    if (!ret) {
        return qmp_error_response(err, id);
    }
    if (!negotiated) {
        *capabilities_done = true;
    }
    resp = json_object_new();
    json_object_set_member(resp, "return", ret);
    if (id) {
        json_object_set_member(resp, "id", json_node_copy(id));
    }
    return qmp_node_take_object(resp);
}

/* --- commands of the protocol itself --- */

static const QmpArgSpec qmp_capabilities_args[] = {
    { "enable", QMP_ARG_ARRAY, .optional = true },
    { NULL }
};

static bool qmp_capabilities(JsonObject *args, JsonNode **ret,
                             GError **errp)
{
    JsonArray *enable;

    if (!json_object_has_member(args, "enable")) {
        return true;
    }
    enable = json_object_get_array_member(args, "enable");
    for (guint i = 0; i < json_array_get_length(enable); i++) {
        JsonNode *cap = json_array_get_element(enable, i);

        if (!JSON_NODE_HOLDS_VALUE(cap) ||
            json_node_get_value_type(cap) != G_TYPE_STRING) {
            error_setg(errp, "Invalid parameter type for 'enable[%u]', "
                       "expected: string", i);
            return false;
        }
        /* We advertise no optional capabilities (no "oob"). */
        error_setg(errp, "Capability '%s' not available",
                   json_node_get_string(cap));
        return false;
    }
    return true;
}

/*
 * {"qemu": {"micro", "minor", "major"}, "package"}, as QEMU lays it out.
 * "qemu" is the QEMU interface level we implement (clients such as
 * libvirt gate features and refuse to run on it: libvirt 9.0 needs at
 * least 4.2.0); our own name and version go in "package".
 */
JsonObject *qmp_version_object(void)
{
    JsonObject *ver = json_object_new();
    JsonObject *qemu = json_object_new();

    json_object_set_int_member(qemu, "micro", QMP_COMPAT_MICRO);
    json_object_set_int_member(qemu, "minor", QMP_COMPAT_MINOR);
    json_object_set_int_member(qemu, "major", QMP_COMPAT_MAJOR);
    json_object_set_object_member(ver, "qemu", qemu);
    json_object_set_string_member(ver, "package",
                                  "qemu-elastic " QEMU_VERSION);
    return ver;
}

static bool qmp_query_version(JsonObject *args, JsonNode **ret,
                              GError **errp)
{
    *ret = qmp_node_take_object(qmp_version_object());
    return true;
}

static bool qmp_query_commands(JsonObject *args, JsonNode **ret,
                               GError **errp)
{
    g_autoptr(GPtrArray) names = qmp_command_names();
    JsonArray *list = json_array_new();

    for (guint i = 0; i < names->len; i++) {
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "name",
                                      g_ptr_array_index(names, i));
        json_array_add_object_element(list, entry);
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

void qmp_register_builtin_commands(void)
{
    qmp_register_command("qmp_capabilities", qmp_capabilities,
                         qmp_capabilities_args, 0);
    qmp_register_command("query-version", qmp_query_version, NULL, 0);
    qmp_register_command("query-commands", qmp_query_commands, NULL, 0);
    qmp_register_misc_commands();
    qmp_register_fd_commands();
    qmp_register_schema_command();
    hmp_register_command();
}
