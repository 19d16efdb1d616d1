/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query-qmp-schema: the introspection of what this program's QMP server
 * accepts, in QEMU's SchemaInfo format (meta-types builtin, enum, array,
 * object, command, event), built at each request from the registered
 * commands.
 *
 * Sources of truth, in order:
 *  - a command's arguments: its QmpArgSpec table (names, optionality,
 *    JSON types), unless schema_decls[] refines them (the members of an
 *    object or array argument); the refinement must name exactly the
 *    table's arguments (tests/functional/test_qmp_schema.py checks it
 *    against the dispatcher);
 *  - object-add: a union on "qom-type" whose cases are the user-creatable
 *    QOM types that exist, each with its settable properties;
 *  - return and event data types: schema_decls[] / event_decls[], in a
 *    small notation (below).  A registered command without a declaration
 *    returns "any".
 *
 * Type names: the builtins by their names ("str", "int", "number",
 * "bool", "null", "any"), arrays as "[ELEMENT]", every other type by a
 * number, as QEMU does; equal types share one entry.
 *
 * Notation: str | int | number | bool | null | any | [T] |
 * {name:T, name?:T, ...} ("?" = optional) | enum(a|b|c) | @qom-type
 * (user-creatable types) | @migration-capability.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "monitor-internal.h"

typedef struct SchemaDecl {
    const char *name;
    const char *args;   /* refines the QmpArgSpec table, or NULL */
    const char *ret;    /* NULL: {} */
} SchemaDecl;

#define OBJECT_PROPERTY_INFO \
    "[{name:str,type:str,description?:str,default-value?:any}]"

static const SchemaDecl schema_decls[] = {
    { "qmp_capabilities", "{enable?:[enum()]}", NULL },
    { "query-version",
      NULL, "{qemu:{micro:int,minor:int,major:int},package:str}" },
    { "query-commands", NULL, "[{name:str}]" },
    { "query-qmp-schema", NULL, "[any]" },
    { "query-status", NULL, "{running:bool,singlestep:bool,status:str}" },
    { "query-name", NULL, "{name?:str}" },
    { "stop", NULL, NULL },
    { "getfd", NULL, NULL },
    { "closefd", NULL, NULL },
    { "cont", NULL, NULL },
    { "quit", NULL, NULL },
    { "system_reset", NULL, NULL },
    { "system_powerdown", NULL, NULL },
    { "query-target", NULL, "{arch:enum(x86_64)}" },
    { "query-machines", NULL,
      "[{name:str,alias?:str,is-default?:bool,cpu-max:int,"
      "hotpluggable-cpus:bool,numa-mem-supported:bool,deprecated:bool,"
      "default-ram-id?:str}]" },
    { "query-chardev", NULL, "[{label:str,filename:str,frontend-open:bool}]" },
    { "query-migrate-capabilities",
      NULL, "[{capability:@migration-capability,state:bool}]" },
    { "migrate-set-capabilities",
      "{capabilities:[{capability:@migration-capability,state:bool}]}",
      NULL },
    /* Lists that are always empty here: the element type is not ours. */
    { "query-jobs", NULL, "[any]" },
    { "query-block", NULL, "[any]" },
    { "query-named-block-nodes", NULL, "[any]" },
    { "query-iothreads", NULL, "[any]" },
    { "query-cpus-fast", NULL,
      "[{cpu-index:int,qom-path:str,thread-id:int,props:{node-id?:int,"
      "socket-id?:int,die-id?:int,core-id?:int,thread-id?:int},"
      "target:enum(x86_64)}]" },
    { "query-kvm", NULL, "{enabled:bool,present:bool}" },
    { "query-stats", NULL, "[{provider:str,stats:[{name:str,value:any}]}]" },
    { "human-monitor-command", NULL, "str" },
    { "query-command-line-options", NULL,
      "[{option:str,parameters:[{name:str,"
      "type:enum(string|boolean|number|size),help?:str,default?:str}]}]" },
    { "qom-list", NULL, OBJECT_PROPERTY_INFO },
    { "qom-get", NULL, "any" },
    { "qom-set", NULL, NULL },
    { "qom-list-types", NULL, "[{name:str,abstract?:bool,parent?:str}]" },
    { "qom-list-properties", NULL, OBJECT_PROPERTY_INFO },
    { "device-list-properties", NULL, OBJECT_PROPERTY_INFO },
    { "object-add", NULL, NULL },       /* arguments: object_add_type() */
    { "object-del", NULL, NULL },
    { "query-memdev", NULL,
      "[{id?:str,size:int,merge:bool,dump:bool,prealloc:bool,share:bool,"
      "reserve?:bool,host-nodes:[int],policy:str}]" },
    { "query-memory-size-summary", NULL,
      "{base-memory:int,plugged-memory?:int}" },
    { "query-memory-devices", NULL,
      "[{type:enum(virtio-mem),data:{id?:str,memaddr:int,"
      "requested-size:int,size:int,max-size:int,block-size:int,node:int,"
      "memdev:str}}]" },
};

static const SchemaDecl event_decls[] = {
    { "STOP", "{}" },
    { "RESUME", "{}" },
    { "RESET", "{guest:bool,reason:str}" },
    { "SHUTDOWN", "{guest:bool,reason:str}" },
    { "MEMORY_DEVICE_SIZE_CHANGE", "{id?:str,size:int,qom-path:str}" },
};

typedef struct SchemaGen {
    JsonArray *out;
    GHashTable *types;      /* entry text without its name -> name */
    unsigned next;
} SchemaGen;

static const struct {
    const char *name;
    const char *json_type;
} builtins[] = {
    { "str", "string" }, { "any", "value" }, { "bool", "boolean" },
    { "int", "int" }, { "null", "null" }, { "number", "number" },
};

/*
 * Add @body (an entry without "name") unless an equal one exists; return
 * its name, @name if given, else the next number.
 */
static const char *schema_add(SchemaGen *g, JsonObject *body,
                              const char *name)
{
    g_autoptr(JsonNode) node = qmp_node_take_object(body);
    g_autofree char *key = qmp_node_to_line(node);
    const char *have = g_hash_table_lookup(g->types, key);
    g_autoptr(GList) members = NULL;
    JsonObject *entry;
    char buf[16];

    if (have) {
        return have;
    }
    if (!name) {
        snprintf(buf, sizeof(buf), "%u", g->next++);
        name = buf;
    }
    name = g_intern_string(name);
    entry = json_object_new();
    json_object_set_string_member(entry, "name", name);
    members = json_object_get_members(body);
    for (GList *l = members; l; l = l->next) {
        json_object_set_member(entry, l->data, json_node_copy(
            json_object_get_member(body, l->data)));
    }
    json_array_add_object_element(g->out, entry);
    g_hash_table_insert(g->types, g_steal_pointer(&key), (gpointer)name);
    return name;
}

static const char *schema_builtin(SchemaGen *g, const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
        if (!strcmp(builtins[i].name, name)) {
            JsonObject *b = json_object_new();

            json_object_set_string_member(b, "json-type",
                                          builtins[i].json_type);
            json_object_set_string_member(b, "meta-type", "builtin");
            return schema_add(g, b, name);
        }
    }
    return NULL;
}

static const char *schema_enum(SchemaGen *g, GPtrArray *values)
{
    JsonObject *e = json_object_new();
    JsonArray *members = json_array_new();
    JsonArray *vals = json_array_new();

    for (guint i = 0; i < values->len; i++) {
        JsonObject *m = json_object_new();

        json_object_set_string_member(m, "name", g_ptr_array_index(values, i));
        json_array_add_object_element(members, m);
        json_array_add_string_element(vals, g_ptr_array_index(values, i));
    }
    json_object_set_array_member(e, "members", members);
    json_object_set_string_member(e, "meta-type", "enum");
    json_object_set_array_member(e, "values", vals);
    return schema_add(g, e, NULL);
}

static const char *schema_array(SchemaGen *g, const char *element)
{
    JsonObject *a = json_object_new();
    g_autofree char *name = g_strdup_printf("[%s]", element);

    json_object_set_string_member(a, "element-type", element);
    json_object_set_string_member(a, "meta-type", "array");
    return schema_add(g, a, name);
}

static JsonObject *schema_member(const char *name, const char *type,
                                 bool optional)
{
    JsonObject *m = json_object_new();

    json_object_set_string_member(m, "name", name);
    if (optional) {
        json_object_set_null_member(m, "default");
    }
    json_object_set_string_member(m, "type", type);
    return m;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The user-creatable QOM types that can be instantiated, sorted. */
static GPtrArray *user_creatable_types(void)
{
    g_autoptr(GSList) list = object_class_get_list(TYPE_USER_CREATABLE,
                                                   false);
    GPtrArray *names = g_ptr_array_new();

    for (GSList *l = list; l; l = l->next) {
        g_ptr_array_add(names, (gpointer)object_class_get_name(l->data));
    }
    g_ptr_array_sort(names, compare_strings);
    return names;
}

/* --- the notation --- */

static const char *parse_type(SchemaGen *g, const char **p);

static char *parse_word(const char **p)
{
    const char *start = *p;

    while (g_ascii_isalnum(**p) || **p == '-' || **p == '_' || **p == '.') {
        (*p)++;
    }
    g_assert(*p > start);
    return g_strndup(start, *p - start);
}

static void expect(const char **p, char c)
{
    g_assert(**p == c);
    (*p)++;
}

static const char *parse_object(SchemaGen *g, const char **p)
{
    JsonObject *o = json_object_new();
    JsonArray *members = json_array_new();

    expect(p, '{');
    while (**p != '}') {
        g_autofree char *name = parse_word(p);
        bool optional = **p == '?';
        const char *type;

        if (optional) {
            (*p)++;
        }
        expect(p, ':');
        type = parse_type(g, p);
        json_array_add_object_element(members,
                                      schema_member(name, type, optional));
        if (**p == ',') {
            (*p)++;
        }
    }
    expect(p, '}');
    json_object_set_array_member(o, "members", members);
    json_object_set_string_member(o, "meta-type", "object");
    return schema_add(g, o, NULL);
}

static const char *parse_type(SchemaGen *g, const char **p)
{
    g_autofree char *word = NULL;
    const char *name;

    if (**p == '{') {
        return parse_object(g, p);
    }
    if (**p == '[') {
        const char *el;

        (*p)++;
        el = parse_type(g, p);
        expect(p, ']');
        return schema_array(g, el);
    }
    if (**p == '@') {
        g_autoptr(GPtrArray) values = NULL;

        (*p)++;
        word = parse_word(p);
        if (!strcmp(word, "qom-type")) {
            values = user_creatable_types();
        } else {
            g_assert(!strcmp(word, "migration-capability"));
            values = g_ptr_array_new();
            for (const char *const *n = migrate_capability_names(); *n; n++) {
                g_ptr_array_add(values, (gpointer)*n);
            }
        }
        return schema_enum(g, values);
    }
    word = parse_word(p);
    if (!strcmp(word, "enum") && **p == '(') {
        g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);

        expect(p, '(');
        while (**p != ')') {
            g_ptr_array_add(values, parse_word(p));
            if (**p == '|') {
                (*p)++;
            }
        }
        expect(p, ')');
        return schema_enum(g, values);
    }
    name = schema_builtin(g, word);
    g_assert(name);
    return name;
}

static const char *notation_type(SchemaGen *g, const char *text)
{
    const char *p = text;
    const char *name = parse_type(g, &p);

    g_assert(!*p);
    return name;
}

/* --- commands --- */

static const char *arg_builtin(QmpArgType type)
{
    static const char *const names[] = {
        [QMP_ARG_STRING] = "str",
        [QMP_ARG_INT] = "int",
        [QMP_ARG_NUMBER] = "number",
        [QMP_ARG_BOOL] = "bool",
        [QMP_ARG_OBJECT] = "any",
        [QMP_ARG_ARRAY] = "any",
        [QMP_ARG_ANY] = "any",
    };
    return names[type];
}

/* The argument object from a QmpArgSpec table (arrays as [any]). */
static const char *args_from_spec(SchemaGen *g, const QmpArgSpec *spec)
{
    JsonObject *o = json_object_new();
    JsonArray *members = json_array_new();

    for (; spec && spec->name; spec++) {
        const char *type = arg_builtin(spec->type);

        schema_builtin(g, type);
        if (spec->type == QMP_ARG_ARRAY) {
            type = schema_array(g, type);
        }
        json_array_add_object_element(members,
                                      schema_member(spec->name, type,
                                                    spec->optional));
    }
    json_object_set_array_member(o, "members", members);
    json_object_set_string_member(o, "meta-type", "object");
    return schema_add(g, o, NULL);
}

/* QOM property type -> schema builtin. */
static const char *property_builtin(const char *qom_type)
{
    static const char *const ints[] = {
        "int", "size", "uint8", "uint16", "uint32", "uint64",
        "int8", "int16", "int32", "int64",
    };

    if (!strcmp(qom_type, "bool")) {
        return "bool";
    }
    if (!strcmp(qom_type, "str") || !strcmp(qom_type, "string") ||
        g_str_has_prefix(qom_type, "link<")) {
        return "str";
    }
    for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
        if (!strcmp(qom_type, ints[i])) {
            return "int";
        }
    }
    return "any";
}

/*
 * object-add: {qom-type, id} plus, per qom-type, the type's settable
 * properties.  Which of them a type requires is not known here, so all
 * are optional (the type's complete() reports a missing one).
 */
static const char *object_add_type(SchemaGen *g)
{
    g_autoptr(GPtrArray) types = user_creatable_types();
    g_autoptr(GPtrArray) values = g_ptr_array_new();
    JsonObject *o = json_object_new();
    JsonArray *members = json_array_new();
    JsonArray *variants = json_array_new();
    const char *tag;

    for (guint i = 0; i < types->len; i++) {
        g_ptr_array_add(values, g_ptr_array_index(types, i));
    }
    tag = schema_enum(g, values);
    schema_builtin(g, "str");
    json_array_add_object_element(members, schema_member("qom-type", tag,
                                                         false));
    json_array_add_object_element(members, schema_member("id", "str",
                                                         false));
    for (guint i = 0; i < types->len; i++) {
        const char *tname = g_ptr_array_index(types, i);
        Object *obj = object_new(tname);
        g_autoptr(GPtrArray) props = object_property_list(obj);
        JsonObject *v = json_object_new();
        JsonObject *vt = json_object_new();
        JsonArray *vm = json_array_new();

        for (guint k = 0; k < props->len; k++) {
            ObjectProperty *prop = g_ptr_array_index(props, k);
            const char *type;

            if (!prop->set || !strcmp(prop->name, "id")) {
                continue;
            }
            type = schema_builtin(g, property_builtin(prop->type));
            json_array_add_object_element(vm, schema_member(prop->name,
                                                            type, true));
        }
        object_unref(obj);
        json_object_set_array_member(vt, "members", vm);
        json_object_set_string_member(vt, "meta-type", "object");
        json_object_set_string_member(v, "case", tname);
        json_object_set_string_member(v, "type", schema_add(g, vt, NULL));
        json_array_add_object_element(variants, v);
    }
    json_object_set_string_member(o, "tag", "qom-type");
    json_object_set_array_member(o, "variants", variants);
    json_object_set_array_member(o, "members", members);
    json_object_set_string_member(o, "meta-type", "object");
    return schema_add(g, o, NULL);
}

static const SchemaDecl *find_decl(const SchemaDecl *decls, size_t n,
                                   const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(decls[i].name, name)) {
            return &decls[i];
        }
    }
    return NULL;
}

static void schema_command(SchemaGen *g, const char *name)
{
    const SchemaDecl *d = find_decl(schema_decls, ARRAY_SIZE(schema_decls),
                                    name);
    JsonObject *c = json_object_new();
    const char *arg_type, *ret_type;

    if (!strcmp(name, "object-add")) {
        arg_type = object_add_type(g);
    } else if (d && d->args) {
        arg_type = notation_type(g, d->args);
    } else {
        arg_type = args_from_spec(g, qmp_command_args(name));
    }
    if (!d) {
        ret_type = schema_builtin(g, "any");
    } else {
        ret_type = notation_type(g, d->ret ? d->ret : "{}");
    }
    json_object_set_string_member(c, "name", name);
    json_object_set_string_member(c, "ret-type", ret_type);
    json_object_set_string_member(c, "meta-type", "command");
    json_object_set_string_member(c, "arg-type", arg_type);
    json_array_add_object_element(g->out, c);
}

JsonArray *qmp_schema_build(void)
{
    g_autoptr(GPtrArray) names = qmp_command_names();
    SchemaGen g = {
        .out = json_array_new(),
        .types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       NULL),
    };

    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
        schema_builtin(&g, builtins[i].name);
    }
    for (guint i = 0; i < names->len; i++) {
        schema_command(&g, g_ptr_array_index(names, i));
    }
    for (size_t i = 0; i < ARRAY_SIZE(event_decls); i++) {
        JsonObject *e = json_object_new();

        json_object_set_string_member(e, "name", event_decls[i].name);
        json_object_set_string_member(e, "meta-type", "event");
        json_object_set_string_member(e, "arg-type",
                                      notation_type(&g, event_decls[i].args));
        json_array_add_object_element(g.out, e);
    }
    g_hash_table_unref(g.types);
    return g.out;
}

bool qmp_schema_has_event(const char *name)
{
    return find_decl(event_decls, ARRAY_SIZE(event_decls), name) != NULL;
}

static bool qmp_query_qmp_schema(JsonObject *args, JsonNode **ret,
                                 GError **errp)
{
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, qmp_schema_build());
    return true;
}

void qmp_register_schema_command(void)
{
    qmp_register_command("query-qmp-schema", qmp_query_qmp_schema, NULL, 0);
}
