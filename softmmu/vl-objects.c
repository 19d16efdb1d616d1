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

static G_NORETURN void objects_fail(const char *loc, const char *msg)
{
    if (loc) {
        error_report("%s: %s", loc, msg);
    } else {
        error_report("%s", msg);
    }
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
static void print_type_help(const char *type, const char *loc)
{
    ObjectClass *oc = object_class_by_name(type);
    g_autoptr(GPtrArray) props = NULL;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_USER_CREATABLE)) {
        g_autofree char *msg = g_strdup_printf(
            "Parameter 'qom-type' does not accept value '%s'", type);
        objects_fail(loc, msg);
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
}

static void handle_help(const QemuOpts *opts, const char *loc)
{
    const char *type = qemu_opt_get(opts, "qom-type");

    if (!type || !strcmp(type, "help")) {
        printf("List of user creatable objects:\n");
        object_class_foreach(print_type_name, TYPE_USER_CREATABLE, false,
                             NULL);
    } else {
        print_type_help(type, loc);
    }
    objects_exit_ok();
}

/* ---- creation ------------------------------------------------------- */

static void check_duplicate_ids(void)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < sysemu_config.objects->len; i++) {
        QemuOpts *opts = g_ptr_array_index(sysemu_config.objects, i);
        const char *id = qemu_opt_get(opts, "id");

        if (!id) {
            continue;
        }
        if (!g_hash_table_add(seen, (gpointer)id)) {
            g_autofree char *loc = option_text(opts);
            g_autofree char *msg =
                g_strdup_printf("Duplicate ID '%s' for object", id);
            objects_fail(loc, msg);
        }
    }
}

static void create_one(QemuOpts *opts)
{
    g_autoptr(JsonObject) props = json_object_new();
    g_autoptr(GError) err = NULL;
    const char *type = qemu_opt_get(opts, "qom-type");
    g_autofree char *loc = option_text(opts);

    if (!type) {
        objects_fail(loc, "Parameter 'qom-type' is missing");
    }
    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (strcmp(o->name, "qom-type") && strcmp(o->name, "id")) {
            json_object_set_string_member(props, o->name, o->value);
        }
    }
    if (!user_creatable_add_keyval(type, qemu_opt_get(opts, "id"), props,
                                   &err)) {
        objects_fail(is_syntax_error(err) ? loc : NULL, err->message);
    }
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

    register_all();
    for (guint i = 0; i < objects->len; i++) {
        QemuOpts *opts = g_ptr_array_index(objects, i);

        if (qemu_opts_has_help(opts) ||
            !g_strcmp0(qemu_opt_get(opts, "qom-type"), "help")) {
            g_autofree char *loc = option_text(opts);
            handle_help(opts, loc);
        }
    }
    check_duplicate_ids();
    for (guint i = 0; i < objects->len; i++) {
        create_one(g_ptr_array_index(objects, i));
    }
}

void qemu_cleanup_user_objects(void)
{
    host_memory_backend_cleanup();
}
