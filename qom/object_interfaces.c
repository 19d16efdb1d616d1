/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: the "user-creatable" interface and the create /
 * delete operations behind -object, object-add and object-del.  Objects
 * live at /objects/<id>; creation is all-or-nothing (a failed property,
 * duplicate id or refused complete() leaves nothing behind).
 *
 * Tuned for a handful of objects created at start-up or by commands; each
 * operation is a few hash lookups plus the type's own work.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object_interfaces.h"

bool user_creatable_complete(UserCreatable *uc, GError **errp)
{
    UserCreatableClass *ucc = USER_CREATABLE_GET_CLASS(uc);

    if (ucc->complete && !ucc->complete(uc, errp)) {
        return false;
    }
    OBJECT(uc)->complete = true;
    return true;
}

bool user_creatable_is_complete(Object *obj)
{
    return obj->complete;
}

bool user_creatable_check_not_complete(Object *obj, const char *name,
                                       GError **errp)
{
    if (obj->complete) {
        error_setg(errp, "cannot change property %s of %s ", name,
                   object_get_typename(obj));
        return false;
    }
    return true;
}

bool user_creatable_can_be_deleted(UserCreatable *uc)
{
    UserCreatableClass *ucc = USER_CREATABLE_GET_CLASS(uc);

    return !ucc->can_be_deleted || ucc->can_be_deleted(uc);
}

bool user_creatable_id_wellformed(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static ObjectClass *user_creatable_class(const char *type, GError **errp)
{
    ObjectClass *oc = object_class_by_name(type);

    if (!oc || object_class_is_abstract(oc) ||
        !object_class_dynamic_cast(oc, TYPE_USER_CREATABLE)) {
        error_setg(errp, "Parameter 'qom-type' does not accept value '%s'",
                   type);
        return NULL;
    }
    return oc;
}

static bool set_one(Object *obj, const char *name, JsonNode *value,
                    bool keyval, GError **errp)
{
    if (!object_property_find(obj, name)) {
        if (keyval) {
            error_setg(errp, "Invalid parameter '%s'", name);
        } else {
            error_setg(errp, "Parameter '%s' is unexpected", name);
        }
        return false;
    }
    if (keyval && JSON_NODE_HOLDS_VALUE(value) &&
        json_node_get_value_type(value) == G_TYPE_STRING) {
        return object_property_parse(obj, name, json_node_get_string(value),
                                     errp);
    }
    return object_property_set_json(obj, name, value, errp);
}

static bool set_props(Object *obj, JsonObject *props, bool keyval,
                      GError **errp)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    if (!props) {
        return true;
    }
    json_object_iter_init_ordered(&iter, props);
    while (json_object_iter_next_ordered(&iter, &name, &value)) {
        if (!strcmp(name, "qom-type") || !strcmp(name, "id")) {
            continue;
        }
        if (!set_one(obj, name, value, keyval, errp)) {
            return false;
        }
    }
    return true;
}

static Object *add_common(const char *type, const char *id,
                          JsonObject *props, bool keyval, GError **errp)
{
    Object *objects = object_get_objects_root();
    ObjectClass *oc;
    Object *obj;

    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (!user_creatable_id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    oc = user_creatable_class(type, errp);
    if (!oc) {
        return NULL;
    }
    obj = object_new_with_class(oc);
    if (!set_props(obj, props, keyval, errp) ||
        !object_property_try_add_child(objects, id, obj, errp)) {
        object_unref(obj);
        return NULL;
    }
    if (!user_creatable_complete(USER_CREATABLE(obj), errp)) {
        object_property_del(objects, id);
        object_unref(obj);
        return NULL;
    }
    object_unref(obj);  /* /objects holds the remaining reference */
    return obj;
}

Object *user_creatable_add_type(const char *type, const char *id,
                                JsonObject *props, GError **errp)
{
    return add_common(type, id, props, false, errp);
}

Object *user_creatable_add_keyval(const char *type, const char *id,
                                  JsonObject *props, GError **errp)
{
    return add_common(type, id, props, true, errp);
}

bool user_creatable_del(const char *id, GError **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(),
                                                id);

    if (!obj) {
        error_setg(errp, "object '%s' not found", id);
        return false;
    }
    if (!user_creatable_can_be_deleted(USER_CREATABLE(obj))) {
        error_setg(errp, "object '%s' is in use, can not be deleted", id);
        return false;
    }
    object_unparent(obj);
    return true;
}

static const TypeInfo user_creatable_info = {
    .name = TYPE_USER_CREATABLE,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(UserCreatableClass),
};

void user_creatable_register_types(void)
{
    type_register_static(&user_creatable_info);
}
