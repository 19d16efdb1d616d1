/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object model's core: the type registry, class construction with
 * interfaces, object life cycle (new, ref, unref, finalize, unparent) and
 * the composition tree with path resolution.  Properties live in
 * qom/object-property.c.
 *
 * Tuned for a control plane: a few hundred types and at most thousands of
 * objects, touched by commands and start-up code rather than hot paths.
 * Type lookups are hash lookups; classes are built lazily on first use so
 * that registration order does not matter; partial-path resolution walks
 * the whole tree once (O(objects)), which is what a unique-suffix search
 * needs.  Main thread only.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "object-internal.h"

struct TypeImpl {
    const TypeInfo *info;
    Type parent;              /* resolved by type_initialize() */
    ObjectClass *class;       /* NULL until first use */
    size_t class_size;
    size_t instance_size;
    bool abstract;
};

static GHashTable *type_table;   /* name -> struct TypeImpl * */
static Object *root_object;

/* ---- Type registry -------------------------------------------------- */

static GHashTable *type_table_get(void)
{
    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
        qom_register_types();
    }
    return type_table;
}

static Type type_lookup(const char *name)
{
    return name ? g_hash_table_lookup(type_table_get(), name) : NULL;
}

Type type_register_static(const TypeInfo *info)
{
    GHashTable *table = type_table_get();
    Type ti;

    g_assert(info->name);
    ti = g_hash_table_lookup(table, info->name);
    if (ti) {
        if (ti->info != info) {
            g_error("qom: two types named '%s'", info->name);
        }
        return ti;
    }
    ti = g_new0(struct TypeImpl, 1);
    ti->info = info;
    ti->abstract = info->abstract;
    g_hash_table_insert(table, (gpointer)info->name, ti);
    return ti;
}

void type_register_static_array(const TypeInfo *infos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        type_register_static(&infos[i]);
    }
}

static Type type_get_parent(Type ti)
{
    if (!ti->parent && ti->info->parent) {
        ti->parent = type_lookup(ti->info->parent);
        if (!ti->parent) {
            g_error("qom: type '%s' has unknown parent '%s'",
                    ti->info->name, ti->info->parent);
        }
    }
    return ti->parent;
}

static bool type_is_a(Type ti, Type target)
{
    for (; ti; ti = type_get_parent(ti)) {
        if (ti == target) {
            return true;
        }
    }
    return false;
}

static bool type_is_interface(Type ti)
{
    return type_is_a(ti, type_lookup(TYPE_INTERFACE));
}

static void class_init_common(ObjectClass *oc, Type ti)
{
    oc->type = ti;
    oc->properties = g_hash_table_new(g_str_hash, g_str_equal);
    g_queue_init(&oc->prop_order);
    oc->interfaces = NULL;
}

static InterfaceClass *interface_class_copy(InterfaceClass *src, Type iface,
                                            ObjectClass *concrete)
{
    InterfaceClass *ic = g_malloc0(iface->class_size);

    memcpy(ic, src, iface->class_size);
    class_init_common(&ic->parent_class, iface);
    ic->concrete_class = concrete;
    return ic;
}

static bool class_has_interface(ObjectClass *oc, Type iface)
{
    for (GSList *l = oc->interfaces; l; l = l->next) {
        if (type_is_a(((ObjectClass *)l->data)->type, iface)) {
            return true;
        }
    }
    return false;
}

static void type_initialize(Type ti);

static void class_add_interfaces(ObjectClass *oc, Type ti, Type parent)
{
    const InterfaceInfo *ii = ti->info->interfaces;

    if (parent) {
        for (GSList *l = parent->class->interfaces; l; l = l->next) {
            InterfaceClass *pic = l->data;
            Type iface = pic->parent_class.type;

            oc->interfaces = g_slist_append(oc->interfaces,
                interface_class_copy(pic, iface, oc));
        }
    }
    for (; ii && ii->type; ii++) {
        Type iface = type_lookup(ii->type);

        if (!iface || !type_is_interface(iface)) {
            g_error("qom: type '%s' implements unknown interface '%s'",
                    ti->info->name, ii->type);
        }
        type_initialize(iface);
        if (!class_has_interface(oc, iface)) {
            oc->interfaces = g_slist_append(oc->interfaces,
                interface_class_copy((InterfaceClass *)iface->class, iface,
                                     oc));
        }
    }
}

/* Build @ti's class (and its parents') on first use. */
static void type_initialize(Type ti)
{
    Type parent;
    ObjectClass *oc;

    if (ti->class) {
        return;
    }
    parent = type_get_parent(ti);
    if (parent) {
        type_initialize(parent);
    }
    ti->class_size = ti->info->class_size ? ti->info->class_size
                     : parent->class_size;
    ti->instance_size = ti->info->instance_size ? ti->info->instance_size
                        : parent ? parent->instance_size : 0;
    g_assert(ti->class_size >= sizeof(ObjectClass));
    g_assert(!parent || ti->class_size >= parent->class_size);
    g_assert(!parent || ti->instance_size >= parent->instance_size);
    if (type_is_interface(ti)) {
        ti->abstract = true;
    }

    oc = g_malloc0(ti->class_size);
    if (parent) {
        memcpy(oc, parent->class, parent->class_size);
    }
    class_init_common(oc, ti);
    ti->class = oc;
    class_add_interfaces(oc, ti, parent);
    if (ti->info->class_init) {
        ti->info->class_init(oc, ti->info->class_data);
    }
}

ObjectClass *object_class_by_name(const char *typename)
{
    Type ti = type_lookup(typename);

    if (!ti) {
        return NULL;
    }
    type_initialize(ti);
    return ti->class;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *oc, const char *typename)
{
    Type target;

    if (!oc || !typename) {
        return NULL;
    }
    target = type_lookup(typename);
    if (!target) {
        return NULL;
    }
    if (type_is_a(oc->type, target)) {
        return oc;
    }
    for (GSList *l = oc->interfaces; l; l = l->next) {
        ObjectClass *ic = l->data;

        if (type_is_a(ic->type, target)) {
            return ic;
        }
    }
    return NULL;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *oc,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func)
{
    ObjectClass *ret = object_class_dynamic_cast(oc, typename);

    if (!ret && oc) {
        g_error("%s:%d:%s: class '%s' is not a '%s'", file, line, func,
                object_class_get_name(oc), typename);
    }
    return ret;
}

const char *object_class_get_name(ObjectClass *oc)
{
    return oc->type->info->name;
}

ObjectClass *object_class_get_parent(ObjectClass *oc)
{
    Type parent = type_get_parent(oc->type);

    if (!parent) {
        return NULL;
    }
    type_initialize(parent);
    return parent->class;
}

bool object_class_is_abstract(ObjectClass *oc)
{
    return oc->type->abstract;
}

static gint compare_type_names(gconstpointer a, gconstpointer b)
{
    const struct TypeImpl *ta = a, *tb = b;

    return strcmp(ta->info->name, tb->info->name);
}

GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract)
{
    GList *types = g_hash_table_get_values(type_table_get());
    GSList *ret = NULL;

    types = g_list_sort(types, compare_type_names);
    for (GList *l = types; l; l = l->next) {
        Type ti = l->data;

        type_initialize(ti);
        if (ti->abstract && !include_abstract) {
            continue;
        }
        if (implements_type &&
            !object_class_dynamic_cast(ti->class, implements_type)) {
            continue;
        }
        ret = g_slist_prepend(ret, ti->class);
    }
    g_list_free(types);
    return g_slist_reverse(ret);
}

void object_class_foreach(void (*fn)(ObjectClass *oc, void *opaque),
                          const char *implements_type, bool include_abstract,
                          void *opaque)
{
    GSList *list = object_class_get_list(implements_type, include_abstract);

    for (GSList *l = list; l; l = l->next) {
        fn(l->data, opaque);
    }
    g_slist_free(list);
}

JsonArray *object_class_list_json(const char *implements_type,
                                  bool include_abstract)
{
    GSList *list = object_class_get_list(implements_type, include_abstract);
    JsonArray *arr = json_array_new();

    for (GSList *l = list; l; l = l->next) {
        ObjectClass *oc = l->data;
        ObjectClass *parent = object_class_get_parent(oc);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", object_class_get_name(oc));
        if (parent) {
            json_object_set_string_member(o, "parent",
                                          object_class_get_name(parent));
        }
        if (object_class_is_abstract(oc)) {
            json_object_set_boolean_member(o, "abstract", true);
        }
        json_array_add_object_element(arr, o);
    }
    g_slist_free(list);
    return arr;
}

/* ---- Object life cycle ---------------------------------------------- */

static void object_init_with_type(Object *obj, Type ti)
{
    Type parent = type_get_parent(ti);

    if (parent) {
        object_init_with_type(obj, parent);
    }
    if (ti->info->instance_init) {
        ti->info->instance_init(obj);
    }
}

static void object_post_init_with_type(Object *obj, Type ti)
{
    Type parent = type_get_parent(ti);

    if (parent) {
        object_post_init_with_type(obj, parent);
    }
    if (ti->info->instance_post_init) {
        ti->info->instance_post_init(obj);
    }
}

Object *object_new_with_class(ObjectClass *oc)
{
    Type ti = oc->type;
    Object *obj;

    if (ti->abstract) {
        g_error("qom: cannot instantiate abstract type '%s'", ti->info->name);
    }
    obj = g_malloc0(ti->instance_size);
    obj->class = oc;
    obj->ref = 1;
    obj->properties = g_hash_table_new(g_str_hash, g_str_equal);
    g_queue_init(&obj->prop_order);
    object_init_with_type(obj, ti);
    object_post_init_with_type(obj, ti);
    return obj;
}

Object *object_new(const char *typename)
{
    ObjectClass *oc = object_class_by_name(typename);

    if (!oc) {
        g_error("qom: unknown type '%s'", typename);
    }
    return object_new_with_class(oc);
}

Object *object_ref(void *opaque)
{
    Object *obj = opaque;

    g_assert(obj && obj->ref > 0);
    obj->ref++;
    return obj;
}

static void object_finalize(Object *obj)
{
    object_property_del_all(obj);
    for (Type ti = obj->class->type; ti; ti = type_get_parent(ti)) {
        if (ti->info->instance_finalize) {
            ti->info->instance_finalize(obj);
        }
    }
    g_assert(obj->ref == 0);
    g_assert(!obj->parent);
    g_hash_table_unref(obj->properties);
    g_free(obj);
}

void object_unref(void *opaque)
{
    Object *obj = opaque;

    if (!obj) {
        return;
    }
    g_assert(obj->ref > 0);
    if (--obj->ref == 0) {
        object_finalize(obj);
    }
}

void object_unparent(Object *obj)
{
    const char *name;

    if (!obj->parent) {
        return;
    }
    name = object_child_name(obj->parent, obj);
    g_assert(name);
    /* The child property's release calls the unparent hook and unrefs. */
    object_property_del(obj->parent, name);
}

const char *object_get_typename(const Object *obj)
{
    return obj->class->type->info->name;
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(obj->class, typename)) {
        return obj;
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func)
{
    if (obj && !object_dynamic_cast(obj, typename)) {
        g_error("%s:%d:%s: object of type '%s' is not a '%s'", file, line,
                func, object_get_typename(obj), typename);
    }
    return obj;
}

/* ---- Base types ----------------------------------------------------- */

static char *object_get_type_prop(Object *obj)
{
    return g_strdup(object_get_typename(obj));
}

static void object_class_init(ObjectClass *oc, void *data)
{
    object_class_property_add_str(oc, "type", object_get_type_prop, NULL);
}

static const TypeInfo qom_base_types[] = {
    {
        .name = TYPE_OBJECT,
        .instance_size = sizeof(Object),
        .class_size = sizeof(ObjectClass),
        .class_init = object_class_init,
    }, {
        .name = TYPE_INTERFACE,
        .class_size = sizeof(InterfaceClass),
        .abstract = true,
    }, {
        .name = TYPE_CONTAINER,
        .parent = TYPE_OBJECT,
    },
};

void qom_register_types(void)
{
    type_table_get();
    type_register_static_array(qom_base_types, ARRAY_SIZE(qom_base_types));
    user_creatable_register_types();
}

/* ---- The composition tree ------------------------------------------- */

Object *object_get_root(void)
{
    if (!root_object) {
        root_object = object_new(TYPE_CONTAINER);
    }
    return root_object;
}

Object *object_get_objects_root(void)
{
    return container_get(object_get_root(), "/objects");
}

Object *container_get(Object *root, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);
    Object *obj = root;

    for (int i = 0; parts[i]; i++) {
        Object *child;

        if (!parts[i][0]) {
            continue;
        }
        child = object_resolve_path_component(obj, parts[i]);
        if (!child) {
            child = object_new(TYPE_CONTAINER);
            object_property_add_child(obj, parts[i], child);
            object_unref(child);
        }
        obj = child;
    }
    return obj;
}

Object *object_resolve_path_component(Object *parent, const char *part)
{
    ObjectProperty *prop = object_property_find(parent, part);

    if (!prop) {
        return NULL;
    }
    if (object_property_is_child(prop)) {
        return prop->opaque;
    }
    return object_property_link_target(parent, prop);
}

const char *object_child_name(Object *parent, Object *child)
{
    for (GList *l = parent->prop_order.head; l; l = l->next) {
        ObjectProperty *prop = l->data;

        if (object_property_is_child(prop) && prop->opaque == child) {
            return prop->name;
        }
    }
    return NULL;
}

char *object_get_canonical_path_component(Object *obj)
{
    return obj->parent ? g_strdup(object_child_name(obj->parent, obj))
                       : NULL;
}

char *object_get_canonical_path(Object *obj)
{
    Object *root = object_get_root();
    GString *path;
    GPtrArray *names;

    if (obj == root) {
        return g_strdup("/");
    }
    names = g_ptr_array_new();
    for (; obj != root; obj = obj->parent) {
        if (!obj->parent) {
            g_ptr_array_unref(names);
            return NULL;
        }
        g_ptr_array_add(names, (gpointer)object_child_name(obj->parent, obj));
    }
    path = g_string_new(NULL);
    for (guint i = names->len; i-- > 0;) {
        g_string_append_c(path, '/');
        g_string_append(path, names->pdata[i]);
    }
    g_ptr_array_unref(names);
    return g_string_free(path, FALSE);
}

static Object *resolve_abs_path(char **parts, const char *typename)
{
    Object *obj = object_get_root();

    for (int i = 0; parts[i] && obj; i++) {
        if (parts[i][0]) {
            obj = object_resolve_path_component(obj, parts[i]);
        }
    }
    return object_dynamic_cast(obj, typename);
}

typedef struct PartialSearch {
    char **parts;           /* non-empty components */
    guint nparts;
    const char *typename;
    GPtrArray *stack;       /* names from the root down to the current node */
    Object *found;
    guint matches;
} PartialSearch;

static bool stack_ends_with_parts(PartialSearch *ps)
{
    guint depth = ps->stack->len;

    if (depth < ps->nparts) {
        return false;
    }
    for (guint i = 0; i < ps->nparts; i++) {
        const char *name = ps->stack->pdata[depth - ps->nparts + i];

        if (strcmp(name, ps->parts[i])) {
            return false;
        }
    }
    return true;
}

/* Depth-first walk over child properties, counting suffix matches. */
static void partial_search(PartialSearch *ps, Object *node)
{
    for (GList *l = node->prop_order.head; l && ps->matches < 2;
         l = l->next) {
        ObjectProperty *prop = l->data;
        Object *child;

        if (!object_property_is_child(prop)) {
            continue;
        }
        child = prop->opaque;
        g_ptr_array_add(ps->stack, prop->name);
        if (stack_ends_with_parts(ps) &&
            object_dynamic_cast(child, ps->typename)) {
            ps->found = child;
            ps->matches++;
        }
        partial_search(ps, child);
        g_ptr_array_remove_index(ps->stack, ps->stack->len - 1);
    }
}

static Object *resolve_partial_path(char **parts, const char *typename,
                                    bool *ambiguous)
{
    g_autoptr(GPtrArray) words = g_ptr_array_new();
    PartialSearch ps = { .typename = typename };

    for (int i = 0; parts[i]; i++) {
        if (parts[i][0]) {
            g_ptr_array_add(words, parts[i]);
        }
    }
    /* No words at all (""): every object of @typename matches, as QEMU. */
    g_ptr_array_add(words, NULL);
    ps.parts = (char **)words->pdata;
    ps.nparts = words->len - 1;
    ps.stack = g_ptr_array_new();
    partial_search(&ps, object_get_root());
    g_ptr_array_unref(ps.stack);
    if (ps.matches > 1) {
        if (ambiguous) {
            *ambiguous = true;
        }
        return NULL;
    }
    return ps.found;
}

Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous)
{
    g_auto(GStrv) parts = NULL;

    if (ambiguous) {
        *ambiguous = false;
    }
    if (!path) {
        return NULL;
    }
    parts = g_strsplit(path, "/", 0);
    if (path[0] == '/') {
        return resolve_abs_path(parts, typename);
    }
    return resolve_partial_path(parts, typename, ambiguous);
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, TYPE_OBJECT, ambiguous);
}
