/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands over the object model: qom-list, qom-get, qom-set,
 * qom-list-types, qom-list-properties, object-add and object-del.  Each
 * is a thin layer over include/qom/: resolve the path (partial paths
 * allowed), call the property or user-creatable function, map the result
 * to QEMU's JSON and error classes (DeviceNotFound for paths and classes
 * that do not exist, GenericError otherwise).
 *
 * Tuned for interactive use: one path resolution per request, which is
 * linear in the size of the composition tree for partial paths.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "monitor/qmp.h"
#include "monitor/qom-qmp-cmds.h"

static Object *resolve_or_fail(const char *path, bool report_ambiguous,
                               GError **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (!obj) {
        if (ambiguous && report_ambiguous) {
            error_setg(errp, "Path '%s' is ambiguous", path);
        } else {
            error_set(errp, QEMU_ERROR_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        }
    }
    return obj;
}

static JsonNode *array_node(JsonArray *arr)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, arr);
    return node;
}

static bool qmp_qom_list(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *path = json_object_get_string_member(args, "path");
    Object *obj = resolve_or_fail(path, true, errp);

    if (!obj) {
        return false;
    }
    *ret = array_node(object_property_list_json(obj));
    return true;
}

static bool qmp_qom_get(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *path = json_object_get_string_member(args, "path");
    const char *name = json_object_get_string_member(args, "property");
    Object *obj = resolve_or_fail(path, false, errp);

    if (!obj) {
        return false;
    }
    *ret = object_property_get_json(obj, name, errp);
    return *ret != NULL;
}

static bool qmp_qom_set(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *path = json_object_get_string_member(args, "path");
    const char *name = json_object_get_string_member(args, "property");
    JsonNode *value = json_object_get_member(args, "value");
    Object *obj = resolve_or_fail(path, false, errp);

    return obj && object_property_set_json(obj, name, value, errp);
}

static bool qmp_qom_list_types(JsonObject *args, JsonNode **ret,
                               GError **errp)
{
    const char *implements = NULL;
    bool abstract = false;

    if (json_object_has_member(args, "implements")) {
        implements = json_object_get_string_member(args, "implements");
    }
    if (json_object_has_member(args, "abstract")) {
        abstract = json_object_get_boolean_member(args, "abstract");
    }
    *ret = array_node(object_class_list_json(implements, abstract));
    return true;
}

static JsonArray *property_info_list(GPtrArray *props)
{
    JsonArray *arr = json_array_new();

    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(props, i);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", prop->name);
        if (prop->description) {
            json_object_set_string_member(o, "description",
                                          prop->description);
        }
        json_object_set_string_member(o, "type", prop->type);
        if (prop->defval) {
            json_object_set_member(o, "default-value",
                                   json_node_copy(prop->defval));
        }
        json_array_add_object_element(arr, o);
    }
    return arr;
}

/*
 * Abstract types list their class properties; concrete ones are
 * instantiated (not completed, not added anywhere) so that per-object
 * properties show too, as QEMU does.
 */
static bool qmp_qom_list_properties(JsonObject *args, JsonNode **ret,
                                    GError **errp)
{
    const char *type = json_object_get_string_member(args, "typename");
    ObjectClass *oc = object_class_by_name(type);
    g_autoptr(GPtrArray) props = NULL;
    Object *obj = NULL;

    if (!oc) {
        error_set(errp, QEMU_ERROR_DEVICE_NOT_FOUND,
                  "Class '%s' not found", type);
        return false;
    }
    if (object_class_dynamic_cast(oc, TYPE_INTERFACE) == oc) {
        /* an interface has no instances, hence no properties (QEMU 7.2) */
        error_setg(errp, "Parameter 'typename' expects a QOM type");
        return false;
    }
    if (object_class_is_abstract(oc)) {
        props = object_class_property_list(oc);
    } else {
        obj = object_new_with_class(oc);
        props = object_property_list(obj);
    }
    *ret = array_node(property_info_list(props));
    g_clear_pointer(&props, g_ptr_array_unref);
    object_unref(obj);
    return true;
}

bool object_add_check_type(const char *type, GError **errp)
{
    ObjectClass *oc = object_class_by_name(type);

    if (!oc || object_class_is_abstract(oc) ||
        !object_class_dynamic_cast(oc, TYPE_USER_CREATABLE)) {
        error_setg(errp, "Parameter 'qom-type' does not accept value '%s'",
                   type);
        return false;
    }
    return true;
}

/* Check the members named in @spec only (others are left alone). */
static bool check_some_args(JsonObject *args, const QmpArgSpec *spec,
                            GError **errp)
{
    g_autoptr(JsonObject) some = json_object_new();

    for (const QmpArgSpec *a = spec; a->name; a++) {
        if (json_object_has_member(args, a->name)) {
            json_object_set_member(some, a->name, json_node_copy(
                json_object_get_member(args, a->name)));
        }
    }
    return qmp_check_args(some, spec, errp);
}

/*
 * object-add takes its properties flat, next to qom-type and id.  QEMU's
 * order: qom-type (missing, mistyped, unknown), then id, then the rest.
 */
static bool qmp_object_add(JsonObject *args, JsonNode **ret, GError **errp)
{
    static const QmpArgSpec type_spec[] = {
        { "qom-type", QMP_ARG_STRING },
        { NULL },
    };
    static const QmpArgSpec id_spec[] = {
        { "id", QMP_ARG_STRING },
        { NULL },
    };

    if (!check_some_args(args, type_spec, errp) ||
        !object_add_check_type(
            json_object_get_string_member(args, "qom-type"), errp) ||
        !check_some_args(args, id_spec, errp)) {
        return false;
    }
    return user_creatable_add_type(
        json_object_get_string_member(args, "qom-type"),
        json_object_get_string_member(args, "id"), args, errp) != NULL;
}

static bool qmp_object_del(JsonObject *args, JsonNode **ret, GError **errp)
{
    return user_creatable_del(json_object_get_string_member(args, "id"),
                              errp);
}

static const QmpArgSpec qom_list_args[] = {
    { "path", QMP_ARG_STRING },
    { NULL },
};

static const QmpArgSpec qom_get_args[] = {
    { "path", QMP_ARG_STRING },
    { "property", QMP_ARG_STRING },
    { NULL },
};

static const QmpArgSpec qom_set_args[] = {
    { "path", QMP_ARG_STRING },
    { "property", QMP_ARG_STRING },
    { "value", QMP_ARG_ANY },
    { NULL },
};

static const QmpArgSpec qom_list_types_args[] = {
    { "implements", QMP_ARG_STRING, true },
    { "abstract", QMP_ARG_BOOL, true },
    { NULL },
};

static const QmpArgSpec qom_list_properties_args[] = {
    { "typename", QMP_ARG_STRING },
    { NULL },
};

static const QmpArgSpec object_del_args[] = {
    { "id", QMP_ARG_STRING },
    { NULL },
};

void qmp_register_qom_commands(void)
{
    qmp_register_command("qom-list", qmp_qom_list, qom_list_args, 0);
    qmp_register_command("qom-get", qmp_qom_get, qom_get_args, 0);
    qmp_register_command("qom-set", qmp_qom_set, qom_set_args, 0);
    qmp_register_command("qom-list-types", qmp_qom_list_types,
                         qom_list_types_args, 0);
    qmp_register_command("qom-list-properties", qmp_qom_list_properties,
                         qom_list_properties_args, 0);
    qmp_register_command("object-add", qmp_object_add, NULL,
                         QMP_CMD_NO_ARG_CHECK);
    qmp_register_command("object-del", qmp_object_del, object_del_args, 0);
}
