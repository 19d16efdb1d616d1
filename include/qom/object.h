/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object model: types with single inheritance and interfaces,
 * reference-counted objects, typed properties whose values travel as
 * json-glib JsonNodes, and the composition tree with its paths.
 *
 * The model is described in docs/devel/qom.md; this header is the contract.
 * Everything here runs on the main thread.
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>

typedef struct TypeImpl *Type;
typedef struct Object Object;
typedef struct ObjectClass ObjectClass;
typedef struct InterfaceClass InterfaceClass;
typedef struct ObjectProperty ObjectProperty;

#define TYPE_OBJECT    "object"
#define TYPE_INTERFACE "interface"
#define TYPE_CONTAINER "container"

/* ---- Types ---------------------------------------------------------- */

/* One entry of TypeInfo.interfaces; the list ends with { NULL }. */
typedef struct InterfaceInfo {
    const char *type;
} InterfaceInfo;

/*
 * Description of a type, given to type_register_static().
 * @name: unique type name.
 * @parent: parent type name (NULL only for "object" and "interface").
 *   Parents may be registered after children: names are resolved when the
 *   class is first needed.
 * @instance_size: 0 means the parent's.
 * @instance_init: runs after the parent's, on zeroed memory.
 * @instance_finalize: runs before the parent's (leaf first).
 * @class_size: 0 means the parent's.
 * @class_init: runs once, after the parent class was copied in and after
 *   the interface classes exist, so it may fill them in
 *   (e.g. USER_CREATABLE_CLASS(oc)->complete = ...).
 * @instance_post_init: runs once every instance_init of the object's
 *   types has run, parent type's first (qdev applies -global here).
 * @abstract: object_new() refuses abstract types.
 * @interfaces: interfaces this type implements, { NULL }-terminated.
 */
typedef struct TypeInfo {
    const char *name;
    const char *parent;
    size_t instance_size;
    void (*instance_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    size_t class_size;
    void (*class_init)(ObjectClass *oc, void *data);
    void *class_data;
    bool abstract;
    const InterfaceInfo *interfaces;
    void (*instance_post_init)(Object *obj);
} TypeInfo;

/*
 * The head of every class struct.  Fields are private to qom/object.c.
 */
struct ObjectClass {
    Type type;
    GHashTable *properties;  /* name -> ObjectProperty *, class level */
    GQueue prop_order;       /* the same properties in insertion order */
    GSList *interfaces;      /* InterfaceClass * implemented by this class */
    /* Called by object_unparent() before the object leaves its parent. */
    void (*unparent)(Object *obj);
};

/*
 * The head of every instance struct.  Fields are private to qom/object.c
 * except where noted.
 */
struct Object {
    ObjectClass *class;
    GHashTable *properties;  /* name -> ObjectProperty *, per object */
    GQueue prop_order;       /* the same properties in insertion order */
    uint32_t ref;
    Object *parent;          /* set while this object is someone's child */
    bool complete;           /* set by user_creatable_complete() */
};

/*
 * The head of every interface class struct.  One instance exists per
 * (implementing class, interface) pair; object_class_dynamic_cast() of a
 * class to an interface name returns it.
 */
struct InterfaceClass {
    ObjectClass parent_class;
    ObjectClass *concrete_class;  /* the class implementing the interface */
};

/*
 * Register @info.  @info and the strings it points to must outlive the
 * program (static data).  Idempotent: registering the same @info again
 * returns the handle it already has, so a `void NAME_register_types(void)`
 * may simply register its types and call the registration of the types
 * they derive from, however often it runs, without a guard of its own.
 * A second, different TypeInfo with a name already taken is a programming
 * error (abort).  Registration is explicit: the program calls the
 * `*_register_types()` of what it links before creating objects.
 * Returns the type handle.
 */
Type type_register_static(const TypeInfo *info);

/* Register @n entries of @infos. */
void type_register_static_array(const TypeInfo *infos, size_t n);

/*
 * Return the class of @typename, initializing it (and its parents) on
 * first use, or NULL if no such type is registered.
 */
ObjectClass *object_class_by_name(const char *typename);

/*
 * Return @oc viewed as @typename: @oc itself when its type is @typename or
 * derives from it, the InterfaceClass when @typename is an interface @oc
 * implements, NULL otherwise (also for unknown names and @oc == NULL).
 */
ObjectClass *object_class_dynamic_cast(ObjectClass *oc, const char *typename);

/* Like object_class_dynamic_cast() but aborts on failure (cast macros). */
ObjectClass *object_class_dynamic_cast_assert(ObjectClass *oc,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func);

/* Type name of @oc; for an interface class, the interface's name. */
const char *object_class_get_name(ObjectClass *oc);
/* Parent class of @oc, NULL for the roots. */
ObjectClass *object_class_get_parent(ObjectClass *oc);
bool object_class_is_abstract(ObjectClass *oc);

/*
 * Call @fn for every registered type's class, in name order.
 * @implements_type: if not NULL, only classes that cast to it.
 * @include_abstract: include abstract types (and interfaces).
 */
void object_class_foreach(void (*fn)(ObjectClass *oc, void *opaque),
                          const char *implements_type, bool include_abstract,
                          void *opaque);

/*
 * The same classes as a list, in name order.  Caller frees the list with
 * g_slist_free(); the classes are owned by the type system.
 */
GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract);

/*
 * qom-list-types: a new JsonArray (caller unrefs) of
 * {"name": ..., "parent": ...} objects in name order, with
 * "abstract": true on abstract types; same filters as above.
 */
JsonArray *object_class_list_json(const char *implements_type,
                                  bool include_abstract);

/* ---- Objects -------------------------------------------------------- */

/*
 * Allocate and initialize an object of @typename (instance_init from the
 * root down).  Returns it with one reference held by the caller.
 * An unknown or abstract @typename is a programming error; check with
 * object_class_by_name() / object_class_is_abstract() first.
 */
Object *object_new(const char *typename);

/* Same, from a class. */
Object *object_new_with_class(ObjectClass *oc);

/* Take a reference on @obj (an Object or any instance struct); returns it. */
Object *object_ref(void *obj);

/*
 * Drop a reference.  The last one finalizes: all properties are released
 * (children are unparented and unreferenced, strong links dropped), then
 * instance_finalize runs from the leaf type up to "object", then the
 * memory is freed.  NULL is ignored.
 */
void object_unref(void *obj);

/*
 * Remove @obj from its parent (deleting the child property that holds it),
 * after calling its class's unparent hook.  Drops the parent's reference,
 * which frees @obj unless someone else holds one.  No-op without parent.
 */
void object_unparent(Object *obj);

static inline ObjectClass *object_get_class(Object *obj)
{
    return obj->class;
}

/* Type name of @obj's class; owned by the type system. */
const char *object_get_typename(const Object *obj);

/* @obj if its class casts to @typename (see object_class_dynamic_cast). */
Object *object_dynamic_cast(Object *obj, const char *typename);
Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func);

/* ---- Cast macros ---------------------------------------------------- */

#define OBJECT(obj) ((Object *)(obj))
#define OBJECT_CLASS(oc) ((ObjectClass *)(oc))

#define OBJECT_CHECK(type, obj, name) \
    ((type *)object_dynamic_cast_assert(OBJECT(obj), (name), \
                                        __FILE__, __LINE__, __func__))
#define OBJECT_CLASS_CHECK(class_type, oc, name) \
    ((class_type *)object_class_dynamic_cast_assert(OBJECT_CLASS(oc), \
                                                    (name), __FILE__, \
                                                    __LINE__, __func__))
#define OBJECT_GET_CLASS(class_type, obj, name) \
    OBJECT_CLASS_CHECK(class_type, object_get_class(OBJECT(obj)), name)

/*
 * Declare the typedefs and checked casts of a type, one line per type in
 * its header:
 *     #define TYPE_FOO "foo"
 *     OBJECT_DECLARE_TYPE(Foo, FooClass, FOO)
 * gives `Foo *FOO(void *obj)`, `FooClass *FOO_CLASS(void *oc)` and
 * `FooClass *FOO_GET_CLASS(void *obj)`.  The structs are defined by hand.
 * OBJECT_DECLARE_SIMPLE_TYPE(Foo, FOO) is for types whose class struct is
 * the parent's: it gives only FOO().
 */
#define DECLARE_INSTANCE_CHECKER(InstanceType, OBJ_NAME, TYPENAME) \
    static inline G_GNUC_UNUSED InstanceType *OBJ_NAME(const void *obj) \
    { return OBJECT_CHECK(InstanceType, obj, TYPENAME); }

#define DECLARE_CLASS_CHECKERS(ClassType, OBJ_NAME, TYPENAME) \
    static inline G_GNUC_UNUSED ClassType *OBJ_NAME##_GET_CLASS( \
        const void *obj) \
    { return OBJECT_GET_CLASS(ClassType, obj, TYPENAME); } \
    static inline G_GNUC_UNUSED ClassType *OBJ_NAME##_CLASS(const void *oc) \
    { return OBJECT_CLASS_CHECK(ClassType, oc, TYPENAME); }

#define DECLARE_OBJ_CHECKERS(InstanceType, ClassType, OBJ_NAME, TYPENAME) \
    DECLARE_INSTANCE_CHECKER(InstanceType, OBJ_NAME, TYPENAME) \
    DECLARE_CLASS_CHECKERS(ClassType, OBJ_NAME, TYPENAME)

#define OBJECT_DECLARE_TYPE(InstanceType, ClassType, MODULE_OBJ_NAME) \
    typedef struct InstanceType InstanceType; \
    typedef struct ClassType ClassType; \
    G_DEFINE_AUTOPTR_CLEANUP_FUNC(InstanceType, object_unref) \
    DECLARE_OBJ_CHECKERS(InstanceType, ClassType, MODULE_OBJ_NAME, \
                         TYPE_##MODULE_OBJ_NAME)

#define OBJECT_DECLARE_SIMPLE_TYPE(InstanceType, MODULE_OBJ_NAME) \
    typedef struct InstanceType InstanceType; \
    G_DEFINE_AUTOPTR_CLEANUP_FUNC(InstanceType, object_unref) \
    DECLARE_INSTANCE_CHECKER(InstanceType, MODULE_OBJ_NAME, \
                             TYPE_##MODULE_OBJ_NAME)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Object, object_unref)

/* ---- Properties: the generic layer ---------------------------------- */

/*
 * Return a new JsonNode with the value (caller unrefs), or NULL with
 * @errp set.
 */
typedef JsonNode *ObjectPropertyGet(Object *obj, ObjectProperty *prop,
                                    GError **errp);
/*
 * Check and store @value (borrowed).  On failure return false with @errp
 * set and leave the object unchanged.
 */
typedef bool ObjectPropertySet(Object *obj, ObjectProperty *prop,
                               JsonNode *value, GError **errp);
/* Called when the property is deleted or its object finalized. */
typedef void ObjectPropertyRelease(Object *obj, ObjectProperty *prop);

/*
 * How object_property_parse() turns a command-line string into the
 * JsonNode the setter receives.
 */
typedef enum {
    OBJ_PARSE_STRING,  /* a JSON string, as is */
    OBJ_PARSE_BOOL,    /* on/off/yes/no/true/false/y/n */
    OBJ_PARSE_INT,     /* signed decimal or 0x hex */
    OBJ_PARSE_UINT,    /* unsigned decimal or 0x hex */
    OBJ_PARSE_SIZE,    /* unsigned with optional B/K/M/G/T/P/E suffix */
} ObjectPropertyParseKind;

/* Public fields: read freely, change only through the functions below. */
struct ObjectProperty {
    char *name;
    char *type;         /* "bool", "uint64", "size", "link<memory-backend>" */
    char *description;  /* may be NULL */
    JsonNode *defval;   /* advertised default ("default-value"), or NULL */
    ObjectPropertyGet *get;  /* NULL: not readable */
    ObjectPropertySet *set;  /* NULL: read-only */
    ObjectPropertyRelease *release;
    ObjectPropertyParseKind parse_kind;
    void *opaque;       /* for the accessors */
    /* private */
    GList *order_link;
    bool free_opaque;   /* g_free(opaque) when the property is freed */
};

/*
 * Add a property to @obj (per object) or @oc (every instance of the class
 * and its subclasses).  @type is what qom-list shows.  @parse_kind follows
 * @type for "bool", "int*", "uint*" and "size", else OBJ_PARSE_STRING;
 * change it with object_property_set_parse_kind().
 * A duplicate name (in the object or any of its classes) is an error:
 * "attempt to add duplicate property 'NAME' to object (type 'TYPE')".
 * object_property_add() treats it as a programming error and aborts.
 */
ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyGet *get,
                                        ObjectPropertySet *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, GError **errp);
ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type, ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque);
ObjectProperty *object_class_property_add(ObjectClass *oc, const char *name,
                                          const char *type,
                                          ObjectPropertyGet *get,
                                          ObjectPropertySet *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque);

void object_property_set_description(ObjectProperty *prop, const char *text);

/*
 * Advertise @value (ownership taken; NULL clears) as the value @prop has
 * when nobody set it, for qom-list-properties / device-list-properties'
 * "default-value".  Says nothing about the value itself: the owner must
 * make it true (qdev stores Property defaults at instance_init).
 */
void object_property_set_default(ObjectProperty *prop, JsonNode *value);
void object_property_set_parse_kind(ObjectProperty *prop,
                                    ObjectPropertyParseKind kind);
/* Change only what qom-list shows as the type (e.g. "int" for a size). */
void object_property_set_type_name(ObjectProperty *prop, const char *type);

/* Look @name up in @obj, then its classes; NULL if absent. */
ObjectProperty *object_property_find(Object *obj, const char *name);
/* Same, with "Property 'TYPE.NAME' not found" in @errp when absent. */
ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         GError **errp);
ObjectProperty *object_class_property_find(ObjectClass *oc,
                                           const char *name);

/*
 * All properties of @obj: class properties from "object" down to the
 * leaf class, then per-object ones, each group in insertion order.
 * Caller frees the array (g_ptr_array_unref); the elements are borrowed
 * and valid until a property of @obj is added or deleted.
 */
GPtrArray *object_property_list(Object *obj);
/* Class properties only, same order. */
GPtrArray *object_class_property_list(ObjectClass *oc);

/*
 * qom-list: a new JsonArray of {"name": ..., "type": ...} objects, in the
 * order of object_property_list().  Caller unrefs.
 */
JsonArray *object_property_list_json(Object *obj);

/*
 * Delete the per-object property @name (calls its release).  Deleting a
 * child property unparents the child.  Absent names are ignored.
 */
void object_property_del(Object *obj, const char *name);

/* ---- Properties: access --------------------------------------------- */

/*
 * Set @name from @value (borrowed).  Errors: property not found, not
 * writable ("Property 'TYPE.NAME' is not writable"), wrong JSON type or
 * range (QEMU's QMP wording), or whatever the setter refuses.
 */
bool object_property_set_json(Object *obj, const char *name,
                              JsonNode *value, GError **errp);

/* A new JsonNode with the value of @name (caller unrefs), or NULL. */
JsonNode *object_property_get_json(Object *obj, const char *name,
                                   GError **errp);

/*
 * Set @name from command-line text: on/off/yes/no/true/false/y/n
 * for bools, size suffixes for sizes, enum names, link paths or ids.
 * Parse errors use QEMU's keyval wording, e.g.
 * "Parameter 'size' expects a size value".
 */
bool object_property_parse(Object *obj, const char *name, const char *string,
                           GError **errp);

/* Typed conveniences over the JSON layer.  Getters return 0/false/NULL
 * with @errp set on failure. */
bool object_property_set_bool(Object *obj, const char *name, bool value,
                              GError **errp);
bool object_property_get_bool(Object *obj, const char *name, GError **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t value,
                             GError **errp);
int64_t object_property_get_int(Object *obj, const char *name,
                                GError **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t value,
                              GError **errp);
uint64_t object_property_get_uint(Object *obj, const char *name,
                                  GError **errp);
bool object_property_set_str(Object *obj, const char *name,
                             const char *value, GError **errp);
/* Caller frees with g_free(). */
char *object_property_get_str(Object *obj, const char *name, GError **errp);
/* Set a link to @value (NULL clears it). */
bool object_property_set_link(Object *obj, const char *name, Object *value,
                              GError **errp);
/* The link target, borrowed (no reference taken); NULL if unset/error. */
Object *object_property_get_link(Object *obj, const char *name,
                                 GError **errp);

/* ---- Links and children --------------------------------------------- */

/*
 * Called before a link is set to @target, and with @target NULL before it
 * is cleared ("" over QMP): both are changes the owner may refuse (a
 * realized device refuses both).  Return false with @errp set to refuse;
 * the link then keeps its old target.
 */
typedef bool ObjectLinkCheck(Object *obj, const char *name, Object *target,
                             GError **errp);

typedef enum {
    OBJ_PROP_LINK_STRONG = 1 << 0,  /* the link holds a reference */
} ObjectLinkFlags;

/*
 * A link<@typename> property stored in the Object * field at @offset of
 * the instance struct.  Set from
 * a path or id (resolved like object_resolve_path_type(); "" clears); read
 * as the target's canonical path or "".  Errors: "Device 'PATH' not found",
 * "Path 'PATH' does not uniquely identify an object",
 * "Invalid parameter type for 'NAME', expected: TYPENAME", or @check's.
 * A NULL @check makes the link read-only.
 */
ObjectProperty *object_class_property_add_link(ObjectClass *oc,
                                               const char *name,
                                               const char *typename,
                                               ptrdiff_t offset,
                                               ObjectLinkCheck *check,
                                               ObjectLinkFlags flags);

/*
 * Make @child a child of @obj under @name (type "child<TYPE>").  The parent
 * takes a reference; @child must not have a parent yet.  A @name ending in
 * "[*]" gets the first free index ("device[0]", "device[1]", ...).
 * Returns the property, or NULL with @errp set for a duplicate name.
 * object_property_add_child() aborts instead.
 */
ObjectProperty *object_property_try_add_child(Object *obj, const char *name,
                                              Object *child, GError **errp);
ObjectProperty *object_property_add_child(Object *obj, const char *name,
                                          Object *child);

/* ---- The composition tree ------------------------------------------- */

/* "/", created on first use; lives for the whole process. */
Object *object_get_root(void);

/* "/objects", where user-created objects live. */
Object *object_get_objects_root(void);

/*
 * The object at @path below @root, creating "container" objects for every
 * missing component (e.g. container_get(machine, "/peripheral")).
 * Borrowed pointer.
 */
Object *container_get(Object *root, const char *path);

/* The child or link target named @part of @parent, or NULL.  Borrowed. */
Object *object_resolve_path_component(Object *parent, const char *part);

/* Name of @obj in its parent (caller frees), NULL without parent. */
char *object_get_canonical_path_component(Object *obj);

/*
 * "/a/b/c" for an object reachable from the root by child properties, "/"
 * for the root, NULL for a detached object.  Caller frees.
 */
char *object_get_canonical_path(Object *obj);

/*
 * Resolve @path.  An absolute path ("/machine/peripheral/vm0") follows
 * child and link properties from the root.  A partial path ("vm0",
 * "peripheral/vm0") matches every object whose canonical path ends with
 * those components; it resolves when exactly one object matches.  Two or
 * more matches return NULL and set *@ambiguous (if not NULL) to true;
 * otherwise *@ambiguous is set to false.  Borrowed pointer.
 */
Object *object_resolve_path(const char *path, bool *ambiguous);

/* Same, counting only objects that cast to @typename. */
Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous);

/* Register "object", "interface" and "container"; idempotent. */
void qom_register_types(void);

/* Typed property helpers (bool, str, enum, int, uint, size, pointers). */
#include "qom/object-props.h"

#endif /* QOM_OBJECT_H */
