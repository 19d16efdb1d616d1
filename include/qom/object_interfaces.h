/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: the "user-creatable" interface that -object and
 * object-add use, and the functions that create and delete such objects
 * under /objects/<id>.
 */
#ifndef QOM_OBJECT_INTERFACES_H
#define QOM_OBJECT_INTERFACES_H

#include "qom/object.h"

#define TYPE_USER_CREATABLE "user-creatable"

/* Opaque: an Object that implements "user-creatable"; OBJECT() it back. */
typedef struct UserCreatable UserCreatable;
typedef struct UserCreatableClass UserCreatableClass;

#define USER_CREATABLE(obj) \
    OBJECT_CHECK(UserCreatable, (obj), TYPE_USER_CREATABLE)
#define USER_CREATABLE_CLASS(oc) \
    OBJECT_CLASS_CHECK(UserCreatableClass, (oc), TYPE_USER_CREATABLE)
#define USER_CREATABLE_GET_CLASS(obj) \
    OBJECT_GET_CLASS(UserCreatableClass, (obj), TYPE_USER_CREATABLE)

/*
 * @complete: called once after all properties from the user are set and
 *   the object sits at /objects/<id>.  Return false with @errp set to
 *   refuse; the object is then removed and freed.  May be NULL.
 * @can_be_deleted: false while something uses the object (object-del is
 *   then refused).  NULL means always deletable.
 */
struct UserCreatableClass {
    InterfaceClass parent_class;
    bool (*complete)(UserCreatable *uc, GError **errp);
    bool (*can_be_deleted)(UserCreatable *uc);
};

/*
 * Run @uc's complete() hook (if any) and, on success, mark the object
 * complete (see user_creatable_is_complete()).
 */
bool user_creatable_complete(UserCreatable *uc, GError **errp);

/* Whether user_creatable_complete() succeeded on @obj. */
bool user_creatable_is_complete(Object *obj);

/*
 * Helper for setters of properties that are frozen once the object is
 * complete: returns false with "cannot change property NAME of TYPE " (QEMU's
 * wording, trailing space included) when it is.
 */
bool user_creatable_check_not_complete(Object *obj, const char *name,
                                       GError **errp);

/* Whether deleting @uc is allowed now. */
bool user_creatable_can_be_deleted(UserCreatable *uc);

/* QEMU's identifier rule: letters, digits, '-', '.', '_'; a letter first. */
bool user_creatable_id_wellformed(const char *id);

/*
 * object-add: create an object of @type, set the properties of @props
 * (JSON values, in member order; "qom-type" and "id" members are skipped),
 * add it as /objects/@id, then complete it.  @props may be NULL.
 * Errors, in this order: NULL @id ("Parameter 'id' is missing"), bad @id
 * ("Parameter 'id' expects an identifier"), unknown, abstract or not
 * user-creatable @type ("Parameter 'qom-type' does not accept value 'T'",
 * as QEMU 7.2's object-add and -object say), unknown property
 * ("Parameter 'NAME' is unexpected"), a setter's error, duplicate @id
 * ("attempt to add duplicate property 'ID' to object (type 'container')"),
 * complete()'s error.  On any error nothing is left behind.
 * Returns the new object, owned by /objects (borrowed: do not unref).
 */
Object *user_creatable_add_type(const char *type, const char *id,
                                JsonObject *props, GError **errp);

/*
 * -object: the same, but every member of @props is a JSON string parsed
 * with object_property_parse() (command-line syntax and error wording;
 * unknown property: "Invalid parameter 'NAME'").
 */
Object *user_creatable_add_keyval(const char *type, const char *id,
                                  JsonObject *props, GError **errp);

/*
 * object-del: remove /objects/@id.  Errors: "object 'ID' not found",
 * "object 'ID' is in use, can not be deleted".  Returns true on success.
 */
bool user_creatable_del(const char *id, GError **errp);

/* Register the "user-creatable" interface type; idempotent. */
void user_creatable_register_types(void);

#endif /* QOM_OBJECT_INTERFACES_H */
