/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands about device types: device-list-properties (what
 * -device TYPE,help prints, as JSON, in QEMU 7.2's format).  Answers
 * from the class's property table; no device is created.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/qmp.h"
#include "hw/qdev-core.h"

static bool hidden_property(const ObjectProperty *op)
{
    return !op->set || !strcmp(op->name, "realized") ||
           !strcmp(op->name, "parent_bus");
}

static JsonObject *property_info(ObjectProperty *op)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "name", op->name);
    json_object_set_string_member(info, "type", op->type);
    if (op->description) {
        json_object_set_string_member(info, "description",
                                      op->description);
    }
    if (op->defval) {
        json_object_set_member(info, "default-value",
                               json_node_copy(op->defval));
    }
    return info;
}

static bool qmp_device_list_properties(JsonObject *args, JsonNode **ret,
                                       GError **errp)
{
    const char *typename = json_object_get_string_member(args, "typename");
    ObjectClass *oc = object_class_by_name(typename);
    g_autoptr(GPtrArray) props = NULL;
    JsonArray *list;

    if (!oc) {
        error_set(errp, QEMU_ERROR_DEVICE_NOT_FOUND,
                  "Device '%s' not found", typename);
        return false;
    }
    if (!object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "Parameter 'typename' expects device type");
        return false;
    }
    if (object_class_is_abstract(oc)) {
        error_setg(errp, "Parameter 'typename' expects non-abstract device "
                   "type");
        return false;
    }
    props = object_class_property_list(oc);
    list = json_array_new();
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *op = g_ptr_array_index(props, i);

        if (!hidden_property(op)) {
            json_array_add_object_element(list, property_info(op));
        }
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

static const QmpArgSpec device_list_properties_args[] = {
    { "typename", QMP_ARG_STRING },
    { NULL },
};

void qdev_register_qmp_commands(void)
{
    qmp_register_command("device-list-properties",
                         qmp_device_list_properties,
                         device_list_properties_args, 0);
}
