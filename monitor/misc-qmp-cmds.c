/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands a management stack (libvirt) sends at start-up and on
 * reconnect that do not belong to any one subsystem: query-target,
 * query-chardev, the migration capability state
 * (query-migrate-capabilities / migrate-set-capabilities), query-jobs,
 * query-block, query-named-block-nodes, query-iothreads,
 * query-cpus-fast, query-command-line-options and system_powerdown.
 *
 * Each answers what exists in this program and nothing more: there is no
 * block layer, no job, no iothread and no ACPI, so the lists are empty
 * and system_powerdown is refused with a reason.  The migration
 * capabilities are stored (the migration code will read them through
 * migrate_capability_enabled()); only the capabilities listed in
 * migration_caps[] exist.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "monitor-internal.h"

static JsonNode *empty_array(void)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, json_array_new());
    return node;
}

static bool qmp_query_target(JsonObject *args, JsonNode **ret,
                             GError **errp)
{
    JsonObject *obj = json_object_new();

    json_object_set_string_member(obj, "arch", "x86_64");
    *ret = qmp_node_take_object(obj);
    return true;
}

static bool qmp_query_chardev(JsonObject *args, JsonNode **ret,
                              GError **errp)
{
    g_autoptr(GPtrArray) chrs = qemu_chr_list();
    JsonArray *list = json_array_new();

    for (guint i = 0; i < chrs->len; i++) {
        ChardevInfo *info = g_ptr_array_index(chrs, i);
        JsonObject *o = json_object_new();

        json_object_set_boolean_member(o, "frontend-open",
                                       info->frontend_open);
        json_object_set_string_member(o, "filename", info->filename);
        json_object_set_string_member(o, "label", info->label);
        json_array_add_object_element(list, o);
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

/* --- migration capabilities: state only --- */

typedef struct MigrationCap {
    const char *name;
    bool state;
} MigrationCap;

/*
 * The capabilities we accept.  "events" (emit MIGRATION events) is the
 * one libvirt always sets; "return-path" (the source completes only once
 * the destination said it loaded everything) is the one libvirt requires
 * for any non-tunnelled migration; others are added with the code that
 * honours them.
 */
static MigrationCap migration_caps[] = {
    { "events", false },
    { "return-path", false },
};

const char *const *migrate_capability_names(void)
{
    static const char *names[ARRAY_SIZE(migration_caps) + 1];

    for (size_t i = 0; i < ARRAY_SIZE(migration_caps); i++) {
        names[i] = migration_caps[i].name;
    }
    return names;
}

static MigrationCap *migration_cap_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(migration_caps); i++) {
        if (!strcmp(migration_caps[i].name, name)) {
            return &migration_caps[i];
        }
    }
    return NULL;
}

bool migrate_capability_enabled(const char *name)
{
    MigrationCap *cap = migration_cap_find(name);

    g_assert(cap);
    return cap->state;
}

static bool qmp_query_migrate_capabilities(JsonObject *args, JsonNode **ret,
                                           GError **errp)
{
    JsonArray *list = json_array_new();

    for (size_t i = 0; i < ARRAY_SIZE(migration_caps); i++) {
        JsonObject *o = json_object_new();

        json_object_set_boolean_member(o, "state", migration_caps[i].state);
        json_object_set_string_member(o, "capability",
                                      migration_caps[i].name);
        json_array_add_object_element(list, o);
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

static const QmpArgSpec migration_cap_status_args[] = {
    { "capability", QMP_ARG_STRING },
    { "state", QMP_ARG_BOOL },
    { NULL }
};

static const QmpArgSpec migrate_set_capabilities_args[] = {
    { "capabilities", QMP_ARG_ARRAY },
    { NULL }
};

static bool qmp_migrate_set_capabilities(JsonObject *args, JsonNode **ret,
                                         GError **errp)
{
    JsonArray *caps = json_object_get_array_member(args, "capabilities");
    guint n = json_array_get_length(caps);
    g_autofree bool *state = g_new(bool, ARRAY_SIZE(migration_caps));

    /* Check every element before changing anything: all or nothing. */
    for (size_t i = 0; i < ARRAY_SIZE(migration_caps); i++) {
        state[i] = migration_caps[i].state;
    }
    for (guint i = 0; i < n; i++) {
        JsonNode *el = json_array_get_element(caps, i);
        JsonObject *o;
        MigrationCap *cap;
        GError *err = NULL;

        if (!JSON_NODE_HOLDS_OBJECT(el)) {
            error_setg(errp, "Invalid parameter type for "
                       "'capabilities[%u]', expected: object", i);
            return false;
        }
        o = json_node_get_object(el);
        if (!qmp_check_args(o, migration_cap_status_args, &err)) {
            error_setg(errp, "%s (in 'capabilities[%u]')", err->message, i);
            g_error_free(err);
            return false;
        }
        cap = migration_cap_find(json_object_get_string_member(o,
                                                               "capability"));
        if (!cap) {
            error_setg(errp, "Parameter 'capability' does not accept "
                       "value '%s'",
                       json_object_get_string_member(o, "capability"));
            return false;
        }
        state[cap - migration_caps] = json_object_get_boolean_member(o,
                                                                     "state");
    }
    for (size_t i = 0; i < ARRAY_SIZE(migration_caps); i++) {
        migration_caps[i].state = state[i];
    }
    return true;
}

/* --- things this program has none of --- */

static bool qmp_empty_list(JsonObject *args, JsonNode **ret, GError **errp)
{
    *ret = empty_array();
    return true;
}

static const QmpArgSpec query_named_block_nodes_args[] = {
    { "flat", QMP_ARG_BOOL, .optional = true },
    { NULL }
};

static bool qmp_system_powerdown(JsonObject *args, JsonNode **ret,
                                 GError **errp)
{
    error_setg(errp, "system_powerdown is not supported: this machine has "
               "no ACPI");
    return false;
}

/* --- vCPUs --- */

static QmpCpusFastFunc *cpus_fast_provider;

void qmp_set_cpus_fast_provider(QmpCpusFastFunc *fn)
{
    cpus_fast_provider = fn;
}

static bool qmp_query_cpus_fast(JsonObject *args, JsonNode **ret,
                                GError **errp)
{
    /* Without an accelerator's provider no vCPU exists: none to list. */
    if (!cpus_fast_provider) {
        *ret = empty_array();
        return true;
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, cpus_fast_provider());
    return true;
}

/* --- command-line options --- */

/* option name -> const QmpCmdlineParam * (or NULL); main thread only. */
static GHashTable *cmdline_options;

void qmp_cmdline_option_add(const char *option,
                            const QmpCmdlineParam *params)
{
    if (!cmdline_options) {
        cmdline_options = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(cmdline_options, (gpointer)option, (gpointer)params);
}

static JsonObject *cmdline_option_info(const char *option,
                                       const QmpCmdlineParam *params)
{
    JsonObject *o = json_object_new();
    JsonArray *list = json_array_new();

    for (; params && params->name; params++) {
        JsonObject *p = json_object_new();

        json_object_set_string_member(p, "name", params->name);
        json_object_set_string_member(p, "type", params->type);
        json_array_add_object_element(list, p);
    }
    json_object_set_array_member(o, "parameters", list);
    json_object_set_string_member(o, "option", option);
    return o;
}

static const QmpArgSpec query_command_line_options_args[] = {
    { "option", QMP_ARG_STRING, .optional = true },
    { NULL }
};

static bool qmp_query_command_line_options(JsonObject *args, JsonNode **ret,
                                           GError **errp)
{
    const char *want = json_object_get_string_member_with_default(
        args, "option", NULL);
    g_autoptr(GList) names = NULL;
    JsonArray *list;

    if (want && (!cmdline_options ||
                 !g_hash_table_contains(cmdline_options, want))) {
        error_setg(errp, "invalid option name: %s", want);
        return false;
    }
    list = json_array_new();
    if (cmdline_options) {
        names = g_list_sort(g_hash_table_get_keys(cmdline_options),
                            (GCompareFunc)strcmp);
    }
    for (GList *l = names; l; l = l->next) {
        if (!want || !strcmp(want, l->data)) {
            json_array_add_object_element(list, cmdline_option_info(
                l->data, g_hash_table_lookup(cmdline_options, l->data)));
        }
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

void qmp_register_misc_commands(void)
{
    qmp_register_command("query-command-line-options",
                         qmp_query_command_line_options,
                         query_command_line_options_args, 0);
    qmp_register_command("query-target", qmp_query_target, NULL, 0);
    qmp_register_command("query-chardev", qmp_query_chardev, NULL, 0);
    qmp_register_command("query-migrate-capabilities",
                         qmp_query_migrate_capabilities, NULL, 0);
    qmp_register_command("migrate-set-capabilities",
                         qmp_migrate_set_capabilities,
                         migrate_set_capabilities_args, 0);
    qmp_register_command("query-jobs", qmp_empty_list, NULL, 0);
    qmp_register_command("query-block", qmp_empty_list, NULL, 0);
    qmp_register_command("query-named-block-nodes", qmp_empty_list,
                         query_named_block_nodes_args, 0);
    qmp_register_command("query-iothreads", qmp_empty_list, NULL, 0);
    qmp_register_command("query-cpus-fast", qmp_query_cpus_fast, NULL, 0);
    qmp_register_command("system_powerdown", qmp_system_powerdown, NULL, 0);
}
