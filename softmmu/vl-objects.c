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
#include "sysemu/hostmem.h"
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

/* ---- creation ------------------------------------------------------- */

/* The first -object that repeats an earlier id, or NULL. */
static QemuOpts *find_duplicate_id(void)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    QemuOpts *dup = NULL;

    for (guint i = 0; !dup && i < sysemu_config.objects->len; i++) {
        QemuOpts *opts = g_ptr_array_index(sysemu_config.objects, i);
        const char *id = qemu_opt_get(opts, "id");

        if (id && !g_hash_table_add(seen, (gpointer)id)) {
            dup = opts;
        }
    }
    g_hash_table_unref(seen);
    return dup;
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

/*
 * Create one -object.  On failure return false with @errp set and
 * *@loc set to the option text to print before the message, or NULL.
 */
static bool create_one(QemuOpts *opts, char **loc, GError **errp)
{
    g_autoptr(JsonObject) props = json_object_new();
    const char *type = qemu_opt_get(opts, "qom-type");

    *loc = NULL;
    if (!type) {
        error_setg(errp, "Parameter 'qom-type' is missing");
        *loc = option_text(opts);
        return false;
    }
    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (!strcmp(o->name, "qom-type") || !strcmp(o->name, "id")) {
            continue;
        }
        if (is_list_option(o->name)) {
            add_list_value(props, o->name, o->value);
        } else {
            json_object_set_string_member(props, o->name, o->value);
        }
    }
    if (!user_creatable_add_keyval(type, qemu_opt_get(opts, "id"), props,
                                   errp)) {
        if (is_syntax_error(*errp)) {
            *loc = option_text(opts);
        }
        return false;
    }
    return true;
}

static void register_all(void)
{
    host_memory_backend_register_types();
    host_memory_backend_register_commands();
    qmp_register_qom_commands();
    memory_device_register_qmp_commands();
}

void qemu_create_user_objects(void)
{
    GPtrArray *objects = sysemu_config.objects;
    GError *err = NULL;
    QemuOpts *dup;
    char *loc;

    register_all();
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
    dup = find_duplicate_id();
    if (dup) {
        error_setg(&err, "Duplicate ID '%s' for object",
                   qemu_opt_get(dup, "id"));
        objects_fail(option_text(dup), err);
    }
    for (guint i = 0; i < objects->len; i++) {
        if (!create_one(g_ptr_array_index(objects, i), &loc, &err)) {
            objects_fail(loc, err);
        }
    }
}

void qemu_cleanup_user_objects(void)
{
    host_memory_backend_cleanup();
}
