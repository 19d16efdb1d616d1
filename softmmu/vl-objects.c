/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -object: the command-line side of user-creatable objects.  vl.c stores
 * each -object as a QemuOpts (qom-type is the implied first key); this
 * file registers the types and the QMP commands that manage them, answers
 * "-object help" / "-object TYPE,help", refuses duplicate ids up front and
 * creates the objects in command-line order with
 * user_creatable_add_keyval(), before the machine exists.
 *
 * Messages follow QEMU 7.2: errors about the option's syntax (unknown or
 * mistyped parameters, a missing one, a bad qom-type: QEMU finds these
 * while reading the option, and every such message starts with
 * "Parameter" or "Invalid parameter") are prefixed with the option as
 * typed, e.g. "-object memory-backend-ram,id=m: Parameter 'size' is
 * missing"; errors the object itself raises (a refused value, a failed
 * allocation) are printed bare.
 *
 * A handful of objects at start-up: nothing here is performance-relevant.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/option.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "monitor/qmp.h"
#include "monitor/qom-qmp-cmds.h"
#include "hw/mem/memory-device-qmp.h"
#include "hw/vfio/dma-pin.h"
#include "sysemu/hostmem.h"
#include "crypto/secret.h"
#include "sysemu/sysemu.h"
#include "vl-objects.h"

/*
 * Print @err (prefixed with @loc unless NULL), clean up and exit 1.
 * Takes ownership of both, and frees them first: nothing the sanitizer
 * could call a leak is left when exit() runs.
 */
static G_NORETURN void objects_fail(char *loc, GError *err)
{
    if (loc) {
        error_report("%s: %s", loc, err->message);
    } else {
        error_report("%s", err->message);
    }
    g_free(loc);
    g_error_free(err);
    qemu_cleanup();
    exit(1);
}

static G_NORETURN void objects_exit_ok(void)
{
    fflush(stdout);
    qemu_cleanup();
    exit(0);
}

/* "-object memory-backend-ram,id=m0,size=1G" with ',' doubled in values. */
static char *option_text(const QemuOpts *opts)
{
    GString *out = g_string_new("-object ");
    bool first = true;

    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *o = g_ptr_array_index(opts->opts, i);
        g_auto(GStrv) parts = NULL;
        g_autofree char *escaped = NULL;

        if (!first) {
            g_string_append_c(out, ',');
        }
        if (!(i == 0 && !strcmp(o->name, "qom-type"))) {
            g_string_append_printf(out, "%s=", o->name);
        }
        parts = g_strsplit(o->value, ",", -1);
        escaped = g_strjoinv(",,", parts);
        g_string_append(out, escaped);
        first = false;
    }
    if (opts->help) {
        g_string_append(out, first ? "help" : ",help");
    }
    return g_string_free(out, false);
}

static bool is_syntax_error(const GError *err)
{
    return g_str_has_prefix(err->message, "Parameter '") ||
           g_str_has_prefix(err->message, "Invalid parameter '");
}

/* ---- help ----------------------------------------------------------- */

static void print_type_name(ObjectClass *oc, void *opaque)
{
    printf("  %s\n", object_class_get_name(oc));
}

static gint compare_props(gconstpointer a, gconstpointer b)
{
    const ObjectProperty *pa = *(ObjectProperty *const *)a;
    const ObjectProperty *pb = *(ObjectProperty *const *)b;

    g_autofree char *ka = g_strconcat(pa->name, "=", NULL);
    g_autofree char *kb = g_strconcat(pb->name, "=", NULL);

    /* QEMU sorts the printed "name=<type>" lines: "a-b=" before "a=". */
    return strcmp(ka, kb);
}

/* Writable class properties, sorted, QEMU's layout. */
static bool print_type_help(const char *type, GError **errp)
{
    ObjectClass *oc = object_class_by_name(type);
    g_autoptr(GPtrArray) props = NULL;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_USER_CREATABLE)) {
        error_setg(errp, "Parameter 'qom-type' does not accept value '%s'",
                   type);
        return false;
    }
    props = object_class_property_list(oc);
    g_ptr_array_sort(props, compare_props);
    printf("%s options:\n", type);
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(props, i);
        g_autofree char *head = NULL;

        if (!prop->set) {
            continue;
        }
        head = g_strdup_printf("%s=<%s>", prop->name, prop->type);
        if (prop->description) {
            printf("  %-22s - %s\n", head, prop->description);
        } else {
            printf("  %s\n", head);
        }
    }
    return true;
}

/* "-object help" or "-object TYPE,help". */
static bool print_help(const QemuOpts *opts, GError **errp)
{
    const char *type = qemu_opt_get(opts, "qom-type");

    if (!type || !strcmp(type, "help")) {
        printf("List of user creatable objects:\n");
        object_class_foreach(print_type_name, TYPE_USER_CREATABLE, false,
                             NULL);
        return true;
    }
    return print_type_help(type, errp);
}

/* ---- the JSON form ------------------------------------------------- */

/*
 * QEMU also takes -object as a JSON object (libvirt uses this form):
 *     -object '{"qom-type":"memory-backend-ram","id":"m0","size":1073741824}'
 * vl.c stores every -object as QemuOpts, which splits such text at ','
 * and '=': the first piece lands in the implied qom-type, key-less pieces
 * become legacy flags ("PIECE=on") and pieces with '=' become
 * "NAME=VALUE".  This undoes the split.  It is exact for valid JSON: a
 * piece of it can only end in an unquoted "=on" if it was not JSON.
 * Returns the text (caller frees), or NULL if @opts is not the JSON form.
 */
static char *json_text_of(const QemuOpts *opts)
{
    const QemuOpt *first;
    GString *out;

    if (!opts->opts->len) {
        return NULL;
    }
    first = g_ptr_array_index(opts->opts, 0);
    if (strcmp(first->name, "qom-type") || first->value[0] != '{') {
        return NULL;
    }
    out = g_string_new(NULL);
    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *o = g_ptr_array_index(opts->opts, i);
        g_auto(GStrv) name = g_strsplit(o->name, ",", -1);
        g_auto(GStrv) value = g_strsplit(o->value, ",", -1);
        g_autofree char *n = g_strjoinv(",,", name);
        g_autofree char *v = g_strjoinv(",,", value);

        if (i) {
            g_string_append_c(out, ',');
        }
        if (i == 0) {
            g_string_append(out, v);
        } else if (!strcmp(o->value, "on")) {
            g_string_append(out, n);
        } else {
            g_string_append_printf(out, "%s=%s", n, v);
        }
    }
    if (opts->help) {
        g_string_append(out, ",help");
    }
    return g_string_free(out, false);
}

/* ---- creation ------------------------------------------------------- */

/* One -object, in either form, ready to create. */
typedef struct ObjectSpec {
    char *loc;              /* "-object TEXT" as typed (for messages) */
    char *type;             /* NULL if missing */
    char *id;               /* NULL if missing */
    JsonObject *props;      /* the other members */
    bool keyval;            /* values are command-line strings */
} ObjectSpec;

static void object_spec_free(gpointer p)
{
    ObjectSpec *spec = p;

    g_free(spec->loc);
    g_free(spec->type);
    g_free(spec->id);
    if (spec->props) {
        json_object_unref(spec->props);
    }
    g_free(spec);
}

/*
 * Options that QEMU reads as lists: repeating them adds values instead of
 * replacing the earlier one ("host-nodes=0,host-nodes=2" means nodes 0
 * and 2; any other repeated option: the last value wins).  The property
 * receives a JSON array of the strings.
 */
static bool is_list_option(const char *name)
{
    return !strcmp(name, "host-nodes");
}

static void add_list_value(JsonObject *props, const char *name,
                           const char *value)
{
    if (!json_object_has_member(props, name)) {
        json_object_set_array_member(props, name, json_array_new());
    }
    json_array_add_string_element(json_object_get_array_member(props, name),
                                  value);
}

static void spec_from_keyval(ObjectSpec *spec, const QemuOpts *opts)
{
    spec->loc = option_text(opts);
    spec->type = g_strdup(qemu_opt_get(opts, "qom-type"));
    spec->id = g_strdup(qemu_opt_get(opts, "id"));
    spec->keyval = true;
    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (!strcmp(o->name, "qom-type") || !strcmp(o->name, "id")) {
            continue;
        }
        if (is_list_option(o->name)) {
            add_list_value(spec->props, o->name, o->value);
        } else {
            json_object_set_string_member(spec->props, o->name, o->value);
        }
    }
}

/* A string member of @obj, or NULL (also for other JSON types). */
static char *json_string_member(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING) {
        return NULL;
    }
    return g_strdup(json_node_get_string(node));
}

static bool spec_from_json(ObjectSpec *spec, const char *text,
                           GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    spec->loc = g_strdup_printf("-object %s", text);
    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        error_setg(errp, "JSON parse error, %s", err->message);
        return false;
    }
    root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        error_setg(errp, "Parameter 'qom-type' does not accept value '%s'",
                   text);
        return false;
    }
    json_object_unref(spec->props);
    spec->props = json_object_ref(json_node_get_object(root));
    spec->type = json_string_member(spec->props, "qom-type");
    spec->id = json_string_member(spec->props, "id");
    return true;
}

/*
 * Turn every -object into an ObjectSpec; on a malformed one return NULL
 * with @errp set and *@loc its text.
 */
static GPtrArray *collect_specs(char **loc, GError **errp)
{
    GPtrArray *specs = g_ptr_array_new_with_free_func(object_spec_free);

    for (guint i = 0; i < sysemu_config.objects->len; i++) {
        QemuOpts *opts = g_ptr_array_index(sysemu_config.objects, i);
        g_autofree char *json = json_text_of(opts);
        ObjectSpec *spec = g_new0(ObjectSpec, 1);

        spec->props = json_object_new();
        g_ptr_array_add(specs, spec);
        if (!json) {
            spec_from_keyval(spec, opts);
        } else if (!spec_from_json(spec, json, errp)) {
            *loc = g_steal_pointer(&spec->loc);
            g_ptr_array_unref(specs);
            return NULL;
        }
    }
    return specs;
}

/* The first spec that repeats an earlier id, or NULL. */
static ObjectSpec *find_duplicate_id(GPtrArray *specs)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    ObjectSpec *dup = NULL;

    for (guint i = 0; !dup && i < specs->len; i++) {
        ObjectSpec *spec = g_ptr_array_index(specs, i);

        if (spec->id && !g_hash_table_add(seen, spec->id)) {
            dup = spec;
        }
    }
    g_hash_table_unref(seen);
    return dup;
}

/*
 * Create one object.  On failure return false with @errp set and *@loc
 * set to the option text to print before the message, or NULL.
 */
static bool create_one(ObjectSpec *spec, char **loc, GError **errp)
{
    Object *obj;

    *loc = NULL;
    if (!spec->type) {
        error_setg(errp, "Parameter 'qom-type' is missing");
    } else if (!object_add_check_type(spec->type, errp)) {
        /* reported before a missing id, as QEMU does */
    } else if (spec->keyval) {
        obj = user_creatable_add_keyval(spec->type, spec->id, spec->props,
                                        errp);
        if (obj) {
            return true;
        }
    } else {
        obj = user_creatable_add_type(spec->type, spec->id, spec->props,
                                      errp);
        if (obj) {
            return true;
        }
    }
    if (is_syntax_error(*errp)) {
        *loc = g_steal_pointer(&spec->loc);
    }
    return false;
}

static void register_all(void)
{
    host_memory_backend_register_types();
    host_memory_backend_register_commands();
    qmp_register_qom_commands();
    memory_device_register_qmp_commands();
    dma_pin_register_types();
    qcrypto_secret_register_types();
}

static void handle_help_options(void)
{
    GPtrArray *objects = sysemu_config.objects;
    GError *err = NULL;

    for (guint i = 0; i < objects->len; i++) {
        QemuOpts *opts = g_ptr_array_index(objects, i);

        if (qemu_opts_has_help(opts) ||
            !g_strcmp0(qemu_opt_get(opts, "qom-type"), "help")) {
            if (!print_help(opts, &err)) {
                objects_fail(option_text(opts), err);
            }
            objects_exit_ok();
        }
    }
}

/* Free @specs, then fail (objects_fail takes @loc and @err). */
static G_NORETURN void specs_fail(GPtrArray *specs, char *loc, GError *err)
{
    g_ptr_array_unref(specs);
    objects_fail(loc, err);
}

void qemu_create_user_objects(void)
{
    g_autoptr(GPtrArray) specs = NULL;
    GError *err = NULL;
    ObjectSpec *dup;
    char *loc = NULL;

    register_all();
    handle_help_options();
    /* /objects exists from the start, empty or not, as in QEMU. */
    object_get_objects_root();
    specs = collect_specs(&loc, &err);
    if (!specs) {
        objects_fail(loc, err);
    }
    dup = find_duplicate_id(specs);
    if (dup) {
        error_setg(&err, "Duplicate ID '%s' for object", dup->id);
        loc = g_steal_pointer(&dup->loc);
        specs_fail(g_steal_pointer(&specs), loc, err);
    }
    for (guint i = 0; i < specs->len; i++) {
        if (!create_one(g_ptr_array_index(specs, i), &loc, &err)) {
            specs_fail(g_steal_pointer(&specs), loc, err);
        }
    }
}

void qemu_cleanup_user_objects(void)
{
    host_memory_backend_cleanup();
}
