/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Properties of the object model: the generic table (per object and per
 * class, in insertion order), access through json-glib JsonNodes and
 * command-line strings, the typed helpers (bool, int, uint, size, string,
 * enum, field pointers), links and children.
 *
 * Tuned for a control plane: lookups are hash lookups, values are small
 * JsonNodes built per access, and errors carry QEMU's QMP wording when the
 * value came as JSON and its keyval wording when it came from the command
 * line.  Main thread only.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "object-internal.h"

/* ---- The generic table ---------------------------------------------- */

static ObjectPropertyParseKind parse_kind_for_type(const char *type)
{
    if (!strcmp(type, "bool")) {
        return OBJ_PARSE_BOOL;
    }
    if (!strcmp(type, "size")) {
        return OBJ_PARSE_SIZE;
    }
    if (g_str_has_prefix(type, "uint")) {
        return OBJ_PARSE_UINT;
    }
    if (g_str_has_prefix(type, "int")) {
        return OBJ_PARSE_INT;
    }
    return OBJ_PARSE_STRING;
}

static ObjectProperty *property_new(const char *name, const char *type,
                                    ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque)
{
    ObjectProperty *prop = g_new0(ObjectProperty, 1);

    prop->name = g_strdup(name);
    prop->type = g_strdup(type);
    prop->get = get;
    prop->set = set;
    prop->release = release;
    prop->opaque = opaque;
    prop->parse_kind = parse_kind_for_type(type);
    return prop;
}

void object_property_free(ObjectProperty *prop)
{
    if (prop->free_opaque) {
        g_free(prop->opaque);
    }
    g_free(prop->name);
    g_free(prop->type);
    g_free(prop->description);
    g_clear_pointer(&prop->defval, json_node_unref);
    g_free(prop);
}

static void table_insert(GHashTable *table, GQueue *order,
                         ObjectProperty *prop)
{
    g_queue_push_tail(order, prop);
    prop->order_link = order->tail;
    g_hash_table_insert(table, prop->name, prop);
}

ObjectProperty *object_class_property_find(ObjectClass *oc, const char *name)
{
    for (; oc; oc = object_class_get_parent(oc)) {
        ObjectProperty *prop = g_hash_table_lookup(oc->properties, name);

        if (prop) {
            return prop;
        }
    }
    return NULL;
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);

    return prop ? prop : object_class_property_find(obj->class, name);
}

ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         GError **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
    }
    return prop;
}

/* Expand "name[*]" to the first free "name[N]"; caller frees. */
static char *property_expand_name(Object *obj, const char *name)
{
    size_t len = strlen(name);
    g_autofree char *stem = NULL;

    if (len < 3 || strcmp(name + len - 3, "[*]")) {
        return g_strdup(name);
    }
    stem = g_strndup(name, len - 3);
    for (unsigned i = 0;; i++) {
        char *candidate = g_strdup_printf("%s[%u]", stem, i);

        if (!object_property_find(obj, candidate)) {
            return candidate;
        }
        g_free(candidate);
    }
}

ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyGet *get,
                                        ObjectPropertySet *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, GError **errp)
{
    g_autofree char *full = property_expand_name(obj, name);
    ObjectProperty *prop;

    if (object_property_find(obj, full)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", full, object_get_typename(obj));
        return NULL;
    }
    prop = property_new(full, type, get, set, release, opaque);
    table_insert(obj->properties, &obj->prop_order, prop);
    return prop;
}

ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type, ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque)
{
    GError *err = NULL;
    ObjectProperty *prop = object_property_try_add(obj, name, type, get, set,
                                                   release, opaque, &err);

    if (!prop) {
        g_error("%s", err->message);
    }
    return prop;
}

ObjectProperty *object_class_property_add(ObjectClass *oc, const char *name,
                                          const char *type,
                                          ObjectPropertyGet *get,
                                          ObjectPropertySet *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque)
{
    ObjectProperty *prop;

    if (object_class_property_find(oc, name)) {
        g_error("qom: duplicate class property '%s' in '%s'", name,
                object_class_get_name(oc));
    }
    prop = property_new(name, type, get, set, release, opaque);
    table_insert(oc->properties, &oc->prop_order, prop);
    return prop;
}

void object_property_set_description(ObjectProperty *prop, const char *text)
{
    g_free(prop->description);
    prop->description = g_strdup(text);
}

void object_property_set_default(ObjectProperty *prop, JsonNode *value)
{
    g_clear_pointer(&prop->defval, json_node_unref);
    prop->defval = value;
}

void object_property_set_parse_kind(ObjectProperty *prop,
                                    ObjectPropertyParseKind kind)
{
    prop->parse_kind = kind;
}

void object_property_set_type_name(ObjectProperty *prop, const char *type)
{
    g_free(prop->type);
    prop->type = g_strdup(type);
}

static void class_chain_append(GPtrArray *out, ObjectClass *oc)
{
    ObjectClass *parent = object_class_get_parent(oc);

    if (parent) {
        class_chain_append(out, parent);
    }
    for (GList *l = oc->prop_order.head; l; l = l->next) {
        g_ptr_array_add(out, l->data);
    }
}

GPtrArray *object_class_property_list(ObjectClass *oc)
{
    GPtrArray *out = g_ptr_array_new();

    class_chain_append(out, oc);
    return out;
}

GPtrArray *object_property_list(Object *obj)
{
    GPtrArray *out = object_class_property_list(obj->class);

    for (GList *l = obj->prop_order.head; l; l = l->next) {
        g_ptr_array_add(out, l->data);
    }
    return out;
}

JsonArray *object_property_list_json(Object *obj)
{
    g_autoptr(GPtrArray) props = object_property_list(obj);
    JsonArray *arr = json_array_sized_new(props->len);

    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *prop = props->pdata[i];
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", prop->name);
        json_object_set_string_member(o, "type", prop->type);
        json_array_add_object_element(arr, o);
    }
    return arr;
}

void object_property_del(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);

    if (!prop) {
        return;
    }
    g_hash_table_remove(obj->properties, name);
    g_queue_delete_link(&obj->prop_order, prop->order_link);
    if (prop->release) {
        prop->release(obj, prop);
    }
    object_property_free(prop);
}

void object_property_del_all(Object *obj)
{
    g_autoptr(GPtrArray) class_props = NULL;

    /* Release may delete or add properties: take them one at a time. */
    while (obj->prop_order.head) {
        ObjectProperty *prop = obj->prop_order.head->data;

        object_property_del(obj, prop->name);
    }
    class_props = object_class_property_list(obj->class);
    for (guint i = 0; i < class_props->len; i++) {
        ObjectProperty *prop = class_props->pdata[i];

        if (prop->release) {
            prop->release(obj, prop);
        }
    }
}

/* ---- JSON decoding -------------------------------------------------- */

static bool json_holds(JsonNode *value, GType type)
{
    return value && JSON_NODE_HOLDS_VALUE(value) &&
           json_node_get_value_type(value) == type;
}

static void error_bad_type(GError **errp, const char *name,
                           const char *expected)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               name, expected);
}

bool object_property_json_to_bool(JsonNode *value, const char *name,
                                  bool *out, GError **errp)
{
    if (!json_holds(value, G_TYPE_BOOLEAN)) {
        error_bad_type(errp, name, "boolean");
        return false;
    }
    *out = json_node_get_boolean(value);
    return true;
}

bool object_property_json_to_str(JsonNode *value, const char *name,
                                 const char **out, GError **errp)
{
    if (!json_holds(value, G_TYPE_STRING)) {
        error_bad_type(errp, name, "string");
        return false;
    }
    *out = json_node_get_string(value);
    return true;
}

bool object_property_json_to_int(JsonNode *value, const char *name,
                                 unsigned bits, int64_t *out, GError **errp)
{
    int64_t v, max;

    g_assert(bits >= 8 && bits <= 64);
    if (!json_holds(value, G_TYPE_INT64)) {
        error_bad_type(errp, name, "integer");
        return false;
    }
    v = json_node_get_int(value);
    max = bits == 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1;
    if (v > max || v < -max - 1) {
        error_setg(errp, "Parameter '%s' expects int%u_t", name, bits);
        return false;
    }
    *out = v;
    return true;
}

bool object_property_json_to_uint(JsonNode *value, const char *name,
                                  unsigned bits, uint64_t *out,
                                  GError **errp)
{
    uint64_t v, max;

    g_assert(bits >= 8 && bits <= 64);
    max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (json_holds(value, G_TYPE_INT64) && json_node_get_int(value) >= 0) {
        v = json_node_get_int(value);
    } else if (json_holds(value, G_TYPE_DOUBLE) &&
               json_node_get_double(value) >= 0x1p63 &&
               json_node_get_double(value) < 0x1p64 &&
               (double)(uint64_t)json_node_get_double(value) ==
               json_node_get_double(value)) {
        v = (uint64_t)json_node_get_double(value);
    } else if (json_holds(value, G_TYPE_INT64)) {
        /* negative: as QEMU 7.2, 2^64 + value (out of range below 64) */
        v = bits == 64 ? (uint64_t)json_node_get_int(value) : max + 1;
    } else {
        error_setg(errp, "Parameter '%s' expects uint64", name);
        return false;
    }
    if (v > max) {
        error_setg(errp, "Parameter '%s' expects uint%u_t", name, bits);
        return false;
    }
    *out = v;
    return true;
}

JsonNode *object_property_uint_to_json(uint64_t value)
{
    JsonNode *node = json_node_alloc();

    if (value <= INT64_MAX) {
        return json_node_init_int(node, value);
    }
    return json_node_init_double(node, (double)value);
}

/* ---- Command-line strings ------------------------------------------- */

bool object_property_parse_size(const char *str, uint64_t *out)
{
    static const char suffixes[] = "BKMGTPE";
    const char *p = str, *end;
    uint64_t whole, mult = 1;
    double frac = 0;
    bool has_frac = false;
    char *endp;

    if (*p == '+') {
        p++;
    }
    if (!g_ascii_isdigit(*p)) {
        return false;
    }
    errno = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        if (!g_ascii_isxdigit(p[2])) {
            return false;
        }
        whole = g_ascii_strtoull(p + 2, &endp, 16);
    } else {
        whole = g_ascii_strtoull(p, &endp, 10);
        if (*endp == '.') {
            /* ".5", or a bare "." as in "1.G" */
            double scale = 0.1;

            has_frac = true;
            for (endp++; g_ascii_isdigit(*endp); endp++, scale /= 10) {
                frac += (*endp - '0') * scale;
            }
        }
    }
    if (errno) {
        return false;
    }
    end = endp;
    if (*end) {
        const char *s = strchr(suffixes, g_ascii_toupper(*end));

        if (!s || end[1]) {
            return false;
        }
        mult = UINT64_C(1) << (10 * (s - suffixes));
    }
    if (has_frac && mult == 1) {
        return false;
    }
    if (whole > UINT64_MAX / mult) {
        return false;
    }
    whole *= mult;
    if (has_frac) {
        double extra = frac * (double)mult;

        if (extra >= 0x1p64 || (uint64_t)extra > UINT64_MAX - whole) {
            return false;
        }
        whole += (uint64_t)extra;
    }
    *out = whole;
    return true;
}

static bool parse_bool_word(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true") ||
        !strcmp(s, "y")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false") ||
        !strcmp(s, "n")) {
        *out = false;
        return true;
    }
    return false;
}

/*
 * @negative: also take "-N" as 2^64 - N (strtoull's rule, which QEMU 7.2
 * applies to -device properties).
 */
static bool parse_u64(const char *s, bool negative, uint64_t *out)
{
    char *end;

    if (*s == '+' || (negative && *s == '-' && g_ascii_isdigit(s[1]))) {
        s += *s == '+';
    } else if (!g_ascii_isdigit(*s)) {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(s, &end, 0);
    return !errno && !*end;
}

/*
 * QEMU 7.2 parses -device properties with its string visitor and -object
 * ones with its options visitor; their error texts differ, ours follow.
 */
static bool parses_like_device(Object *obj)
{
    return object_dynamic_cast(obj, "device") != NULL;
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;

    if (!g_ascii_isdigit(*s) && *s != '-' && *s != '+') {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoll(s, &end, 0);
    return !errno && !*end && end != s;
}

static bool num_set_u64(Object *obj, ObjectProperty *prop, uint64_t v,
                        GError **errp);

/* Turn @str into the JsonNode the setter expects; NULL on a parse error. */
static JsonNode *parse_to_json(Object *obj, ObjectProperty *prop,
                               const char *str, GError **errp)
{
    bool dev = parses_like_device(obj);
    JsonNode *node = json_node_alloc();
    uint64_t u;
    int64_t i;
    bool b;

    switch (prop->parse_kind) {
    case OBJ_PARSE_BOOL:
        if (parse_bool_word(str, &b)) {
            return json_node_init_boolean(node, b);
        }
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", prop->name);
        break;
    case OBJ_PARSE_INT:
        if (parse_i64(str, &i)) {
            return json_node_init_int(node, i);
        }
        error_setg(errp, "Parameter '%s' expects an int64 value", prop->name);
        break;
    case OBJ_PARSE_UINT:
        if (parse_u64(str, dev, &u) && u > INT64_MAX) {
            /*
             * A JSON double would round it: pass the bits as a negative
             * integer, which object_property_json_to_uint() takes back
             * exactly (and refuses, as out of range, below 64 bits).
             */
            return json_node_init_int(node, (int64_t)u);
        }
        if (parse_u64(str, dev, &u)) {
            json_node_unref(node);
            return object_property_uint_to_json(u);
        }
        error_setg(errp, dev ? "Parameter '%s' expects integer"
                   : "Parameter '%s' expects a uint64 value", prop->name);
        break;
    case OBJ_PARSE_SIZE:
        if (object_property_parse_size(str, &u)) {
            json_node_unref(node);
            return object_property_uint_to_json(u);
        }
        error_setg(errp, dev ? "Parameter '%s' expects size"
                   : "Parameter '%s' expects a size value", prop->name);
        break;
    default:
        return json_node_init_string(node, str);
    }
    json_node_unref(node);
    return NULL;
}

static bool property_writable(Object *obj, ObjectProperty *prop,
                              GError **errp)
{
    if (!prop->set) {
        error_setg(errp, "Property '%s.%s' is not writable",
                   object_get_typename(obj), prop->name);
        return false;
    }
    return true;
}

/* ---- Access --------------------------------------------------------- */

bool object_property_set_json(Object *obj, const char *name,
                              JsonNode *value, GError **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop || !property_writable(obj, prop, errp)) {
        return false;
    }
    return prop->set(obj, prop, value, errp);
}

JsonNode *object_property_get_json(Object *obj, const char *name,
                                   GError **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop) {
        return NULL;
    }
    if (!prop->get) {
        error_setg(errp, "Property '%s.%s' is not readable",
                   object_get_typename(obj), name);
        return NULL;
    }
    return prop->get(obj, prop, errp);
}

static ObjectPropertySet num_set;
static bool num_prop_is_uint(ObjectProperty *prop);

bool object_property_parse(Object *obj, const char *name, const char *string,
                           GError **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);
    g_autoptr(JsonNode) node = NULL;
    uint64_t u;

    if (!prop || !property_writable(obj, prop, errp)) {
        return false;
    }
    /* Unsigned values reach our own setters without a JSON double. */
    if (num_prop_is_uint(prop) && (prop->parse_kind == OBJ_PARSE_SIZE ||
                                   prop->parse_kind == OBJ_PARSE_UINT)) {
        bool ok = prop->parse_kind == OBJ_PARSE_SIZE
                  ? object_property_parse_size(string, &u)
                  : parse_u64(string, parses_like_device(obj), &u);

        if (ok) {
            return num_set_u64(obj, prop, u, errp);
        }
    }
    node = parse_to_json(obj, prop, string, errp);
    return node && prop->set(obj, prop, node, errp);
}

bool object_property_set_bool(Object *obj, const char *name, bool value,
                              GError **errp)
{
    g_autoptr(JsonNode) node = json_node_init_boolean(json_node_alloc(),
                                                      value);

    return object_property_set_json(obj, name, node, errp);
}

bool object_property_get_bool(Object *obj, const char *name, GError **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    bool v = false;

    if (node) {
        object_property_json_to_bool(node, name, &v, errp);
    }
    return v;
}

bool object_property_set_int(Object *obj, const char *name, int64_t value,
                             GError **errp)
{
    g_autoptr(JsonNode) node = json_node_init_int(json_node_alloc(), value);

    return object_property_set_json(obj, name, node, errp);
}

int64_t object_property_get_int(Object *obj, const char *name, GError **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    int64_t v = 0;

    if (node && !object_property_json_to_int(node, name, 64, &v, errp)) {
        v = 0;
    }
    return v;
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t value,
                              GError **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);
    g_autoptr(JsonNode) node = NULL;

    if (!prop || !property_writable(obj, prop, errp)) {
        return false;
    }
    if (num_prop_is_uint(prop)) {
        return num_set_u64(obj, prop, value, errp);
    }
    node = object_property_uint_to_json(value);
    return prop->set(obj, prop, node, errp);
}

uint64_t object_property_get_uint(Object *obj, const char *name,
                                  GError **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    uint64_t v = 0;

    if (node && !object_property_json_to_uint(node, name, 64, &v, errp)) {
        v = 0;
    }
    return v;
}

bool object_property_set_str(Object *obj, const char *name,
                             const char *value, GError **errp)
{
    g_autoptr(JsonNode) node = json_node_init_string(json_node_alloc(),
                                                     value);

    return object_property_set_json(obj, name, node, errp);
}

char *object_property_get_str(Object *obj, const char *name, GError **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    const char *s;

    if (!node || !object_property_json_to_str(node, name, &s, errp)) {
        return NULL;
    }
    return g_strdup(s);
}

/* ---- bool, string, enum ----------------------------------------------- */

typedef struct BoolProp {
    ObjectBoolGet *get;
    ObjectBoolSet *set;
} BoolProp;

static JsonNode *bool_get(Object *obj, ObjectProperty *prop, GError **errp)
{
    BoolProp *bp = prop->opaque;

    return json_node_init_boolean(json_node_alloc(), bp->get(obj));
}

static bool bool_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                     GError **errp)
{
    BoolProp *bp = prop->opaque;
    bool v;

    return object_property_json_to_bool(value, prop->name, &v, errp) &&
           bp->set(obj, v, errp);
}

/*
 * Add a typed property to @oc; @opaque (the typed accessors) lives as
 * long as the class.  The per-object typed properties are the *_ptr
 * helpers' (ptr_add()).
 */
static ObjectProperty *typed_add(ObjectClass *oc, const char *name,
                                 const char *type, ObjectPropertyGet *get,
                                 ObjectPropertySet *set, void *opaque)
{
    return object_class_property_add(oc, name, type, get, set, NULL, opaque);
}

ObjectProperty *object_class_property_add_bool(ObjectClass *oc,
                                               const char *name,
                                               ObjectBoolGet *get,
                                               ObjectBoolSet *set)
{
    BoolProp *bp = g_new(BoolProp, 1);

    *bp = (BoolProp){ get, set };
    return typed_add(oc, name, "bool", get ? bool_get : NULL,
                     set ? bool_set : NULL, bp);
}

typedef struct StrProp {
    ObjectStrGet *get;
    ObjectStrSet *set;
} StrProp;

static JsonNode *str_get(Object *obj, ObjectProperty *prop, GError **errp)
{
    StrProp *sp = prop->opaque;
    g_autofree char *s = sp->get(obj);

    return json_node_init_string(json_node_alloc(), s ? s : "");
}

static bool str_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                    GError **errp)
{
    StrProp *sp = prop->opaque;
    const char *s;

    return object_property_json_to_str(value, prop->name, &s, errp) &&
           sp->set(obj, s, errp);
}

ObjectProperty *object_class_property_add_str(ObjectClass *oc,
                                              const char *name,
                                              ObjectStrGet *get,
                                              ObjectStrSet *set)
{
    StrProp *sp = g_new(StrProp, 1);

    *sp = (StrProp){ get, set };
    return typed_add(oc, name, "string", get ? str_get : NULL,
                     set ? str_set : NULL, sp);
}

typedef struct EnumProp {
    const char *const *values;
    ObjectEnumGet *get;
    ObjectEnumSet *set;
} EnumProp;

static JsonNode *enum_get(Object *obj, ObjectProperty *prop, GError **errp)
{
    EnumProp *ep = prop->opaque;
    int v = ep->get(obj);

    g_assert(v >= 0 && v < (int)g_strv_length((char **)ep->values));
    return json_node_init_string(json_node_alloc(), ep->values[v]);
}

static bool enum_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                     GError **errp)
{
    EnumProp *ep = prop->opaque;
    const char *s;

    if (!object_property_json_to_str(value, prop->name, &s, errp)) {
        return false;
    }
    for (int i = 0; ep->values[i]; i++) {
        if (!strcmp(ep->values[i], s)) {
            return ep->set(obj, i, errp);
        }
    }
    error_setg(errp, "Parameter '%s' does not accept value '%s'",
               prop->name, s);
    return false;
}

ObjectProperty *object_class_property_add_enum(ObjectClass *oc,
                                               const char *name,
                                               const char *typename,
                                               const char *const *values,
                                               ObjectEnumGet *get,
                                               ObjectEnumSet *set)
{
    EnumProp *ep = g_new(EnumProp, 1);

    *ep = (EnumProp){ values, get, set };
    return typed_add(oc, name, typename, get ? enum_get : NULL,
                     set ? enum_set : NULL, ep);
}

/* ---- Integers ------------------------------------------------------- */

typedef struct NumProp {
    unsigned bits;
    bool is_signed;
    ObjectIntGet *iget;
    ObjectIntSet *iset;
    ObjectUintGet *uget;
    ObjectUintSet *uset;
    void *ptr;  /* *_ptr helpers: a field of @bits width (or a bool) */
} NumProp;

static uint64_t num_ptr_read(NumProp *np)
{
    switch (np->bits) {
    case 1:
        return *(bool *)np->ptr;
    case 8:
        return *(uint8_t *)np->ptr;
    case 16:
        return *(uint16_t *)np->ptr;
    case 32:
        return *(uint32_t *)np->ptr;
    default:
        return *(uint64_t *)np->ptr;
    }
}

static void num_ptr_write(NumProp *np, uint64_t v)
{
    switch (np->bits) {
    case 1:
        *(bool *)np->ptr = v;
        break;
    case 8:
        *(uint8_t *)np->ptr = v;
        break;
    case 16:
        *(uint16_t *)np->ptr = v;
        break;
    case 32:
        *(uint32_t *)np->ptr = v;
        break;
    default:
        *(uint64_t *)np->ptr = v;
    }
}

static JsonNode *num_get(Object *obj, ObjectProperty *prop, GError **errp)
{
    NumProp *np = prop->opaque;

    if (np->ptr) {
        uint64_t v = num_ptr_read(np);

        return np->bits == 1 ? json_node_init_boolean(json_node_alloc(), v)
                             : object_property_uint_to_json(v);
    }
    if (np->is_signed) {
        return json_node_init_int(json_node_alloc(), np->iget(obj));
    }
    return object_property_uint_to_json(np->uget(obj));
}

static bool num_prop_is_uint(ObjectProperty *prop)
{
    NumProp *np = prop->opaque;

    return prop->set == num_set && !np->is_signed && np->bits > 1;
}

static bool num_set_u64(Object *obj, ObjectProperty *prop, uint64_t v,
                        GError **errp)
{
    NumProp *np = prop->opaque;

    if (np->bits < 64 && v >> np->bits) {
        error_setg(errp, "Parameter '%s' expects uint%u_t", prop->name,
                   np->bits);
        return false;
    }
    if (np->ptr) {
        num_ptr_write(np, v);
        return true;
    }
    return np->uset(obj, v, errp);
}

static bool num_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                    GError **errp)
{
    NumProp *np = prop->opaque;
    uint64_t u;
    int64_t i;
    bool b;

    if (np->bits == 1) {
        if (!object_property_json_to_bool(value, prop->name, &b, errp)) {
            return false;
        }
        num_ptr_write(np, b);
        return true;
    }
    if (np->is_signed) {
        return object_property_json_to_int(value, prop->name, np->bits, &i,
                                           errp) &&
               np->iset(obj, i, errp);
    }
    return object_property_json_to_uint(value, prop->name, np->bits, &u,
                                        errp) &&
           num_set_u64(obj, prop, u, errp);
}

static NumProp *num_prop_new(unsigned bits, bool is_signed)
{
    NumProp *np = g_new0(NumProp, 1);

    g_assert(bits == 8 || bits == 16 || bits == 32 || bits == 64);
    np->bits = bits;
    np->is_signed = is_signed;
    return np;
}

static ObjectProperty *int_add(ObjectClass *oc, const char *name,
                               unsigned bits, ObjectIntGet *get,
                               ObjectIntSet *set)
{
    NumProp *np = num_prop_new(bits, true);
    g_autofree char *type = g_strdup_printf("int%u", bits);

    np->iget = get;
    np->iset = set;
    return typed_add(oc, name, type, get ? num_get : NULL,
                     set ? num_set : NULL, np);
}

static ObjectProperty *uint_add(ObjectClass *oc, const char *name,
                                unsigned bits, const char *type,
                                ObjectUintGet *get, ObjectUintSet *set)
{
    NumProp *np = num_prop_new(bits, false);
    g_autofree char *dflt = g_strdup_printf("uint%u", bits);

    np->uget = get;
    np->uset = set;
    return typed_add(oc, name, type ? type : dflt, get ? num_get : NULL,
                     set ? num_set : NULL, np);
}

ObjectProperty *object_class_property_add_int(ObjectClass *oc,
                                              const char *name, unsigned bits,
                                              ObjectIntGet *get,
                                              ObjectIntSet *set)
{
    return int_add(oc, name, bits, get, set);
}

ObjectProperty *object_class_property_add_uint(ObjectClass *oc,
                                               const char *name,
                                               unsigned bits,
                                               ObjectUintGet *get,
                                               ObjectUintSet *set)
{
    return uint_add(oc, name, bits, NULL, get, set);
}

ObjectProperty *object_class_property_add_size(ObjectClass *oc,
                                               const char *name,
                                               ObjectUintGet *get,
                                               ObjectUintSet *set)
{
    return uint_add(oc, name, 64, "size", get, set);
}

static ObjectProperty *ptr_add(Object *obj, const char *name,
                               const char *type, unsigned bits, void *ptr,
                               ObjectPropertyFlags flags)
{
    NumProp *np = g_new0(NumProp, 1);
    ObjectProperty *prop;

    np->bits = bits;
    np->ptr = ptr;
    prop = object_property_add(obj, name, type,
                               flags & OBJ_PROP_FLAG_READ ? num_get : NULL,
                               flags & OBJ_PROP_FLAG_WRITE ? num_set : NULL,
                               NULL, np);
    prop->free_opaque = true;
    return prop;
}

ObjectProperty *object_property_add_bool_ptr(Object *obj, const char *name,
                                             bool *v,
                                             ObjectPropertyFlags flags)
{
    return ptr_add(obj, name, "bool", 1, v, flags);
}

ObjectProperty *object_property_add_uint8_ptr(Object *obj, const char *name,
                                              uint8_t *v,
                                              ObjectPropertyFlags flags)
{
    return ptr_add(obj, name, "uint8", 8, v, flags);
}

ObjectProperty *object_property_add_uint16_ptr(Object *obj, const char *name,
                                               uint16_t *v,
                                               ObjectPropertyFlags flags)
{
    return ptr_add(obj, name, "uint16", 16, v, flags);
}

ObjectProperty *object_property_add_uint32_ptr(Object *obj, const char *name,
                                               uint32_t *v,
                                               ObjectPropertyFlags flags)
{
    return ptr_add(obj, name, "uint32", 32, v, flags);
}

ObjectProperty *object_property_add_uint64_ptr(Object *obj, const char *name,
                                               uint64_t *v,
                                               ObjectPropertyFlags flags)
{
    return ptr_add(obj, name, "uint64", 64, v, flags);
}

/* ---- Links ---------------------------------------------------------- */

typedef struct LinkProp {
    char *target_type;
    ptrdiff_t offset;    /* field offset in the instance */
    ObjectLinkCheck *check;
    ObjectLinkFlags flags;
} LinkProp;

static ObjectPropertyGet link_get;

static Object **link_slot(Object *obj, LinkProp *lp)
{
    return (Object **)((char *)obj + lp->offset);
}

Object *object_property_link_target(Object *obj, ObjectProperty *prop)
{
    if (prop->get != link_get) {
        return NULL;
    }
    return *link_slot(obj, prop->opaque);
}

static JsonNode *link_get(Object *obj, ObjectProperty *prop, GError **errp)
{
    Object *target = *link_slot(obj, prop->opaque);
    g_autofree char *path = target ? object_get_canonical_path(target) : NULL;

    return json_node_init_string(json_node_alloc(), path ? path : "");
}

static bool link_store(Object *obj, ObjectProperty *prop, Object *target,
                       GError **errp)
{
    LinkProp *lp = prop->opaque;
    Object **slot = link_slot(obj, lp);
    Object *old = *slot;

    if (target && !object_dynamic_cast(target, lp->target_type)) {
        error_bad_type(errp, prop->name, lp->target_type);
        return false;
    }
    /* Clearing (@target NULL) is a change too: the check sees it. */
    if (!lp->check(obj, prop->name, target, errp)) {
        return false;
    }
    if ((lp->flags & OBJ_PROP_LINK_STRONG) && target) {
        object_ref(target);
    }
    *slot = target;
    if (lp->flags & OBJ_PROP_LINK_STRONG) {
        object_unref(old);
    }
    return true;
}

static bool link_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                     GError **errp)
{
    LinkProp *lp = prop->opaque;
    Object *target = NULL;
    const char *path;
    bool ambiguous;

    if (!object_property_json_to_str(value, prop->name, &path, errp)) {
        return false;
    }
    if (*path) {
        target = object_resolve_path_type(path, lp->target_type, &ambiguous);
        if (ambiguous) {
            error_setg(errp, "Path '%s' does not uniquely identify an object",
                       path);
            return false;
        }
        if (!target) {
            if (object_resolve_path(path, &ambiguous) || ambiguous) {
                error_bad_type(errp, prop->name, lp->target_type);
            } else {
                error_set(errp, QEMU_ERROR_DEVICE_NOT_FOUND,
                          "Device '%s' not found", path);
            }
            return false;
        }
    }
    return link_store(obj, prop, target, errp);
}

static void link_release(Object *obj, ObjectProperty *prop)
{
    LinkProp *lp = prop->opaque;
    Object **slot = link_slot(obj, lp);

    if (lp->flags & OBJ_PROP_LINK_STRONG) {
        object_unref(*slot);
    }
    *slot = NULL;
}

static LinkProp *link_prop_new(const char *typename, ObjectLinkCheck *check,
                               ObjectLinkFlags flags)
{
    LinkProp *lp = g_new0(LinkProp, 1);

    lp->target_type = g_strdup(typename);
    lp->check = check;
    lp->flags = flags;
    return lp;
}

ObjectProperty *object_class_property_add_link(ObjectClass *oc,
                                               const char *name,
                                               const char *typename,
                                               ptrdiff_t offset,
                                               ObjectLinkCheck *check,
                                               ObjectLinkFlags flags)
{
    g_autofree char *type = g_strdup_printf("link<%s>", typename);
    LinkProp *lp = link_prop_new(typename, check, flags);

    lp->offset = offset;
    return object_class_property_add(oc, name, type, link_get,
                                     check ? link_set : NULL, link_release,
                                     lp);
}

bool object_property_set_link(Object *obj, const char *name, Object *value,
                              GError **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop || !property_writable(obj, prop, errp)) {
        return false;
    }
    if (prop->get != link_get) {
        error_bad_type(errp, name, "link");
        return false;
    }
    return link_store(obj, prop, value, errp);
}

Object *object_property_get_link(Object *obj, const char *name,
                                 GError **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop) {
        return NULL;
    }
    if (prop->get != link_get) {
        error_bad_type(errp, name, "link");
        return NULL;
    }
    return object_property_link_target(obj, prop);
}

/* ---- Children ------------------------------------------------------- */

static JsonNode *child_get(Object *obj, ObjectProperty *prop, GError **errp)
{
    g_autofree char *path = object_get_canonical_path(prop->opaque);

    return json_node_init_string(json_node_alloc(), path ? path : "");
}

static void child_release(Object *obj, ObjectProperty *prop)
{
    Object *child = prop->opaque;

    if (child->class->unparent) {
        child->class->unparent(child);
    }
    child->parent = NULL;
    object_unref(child);
}

bool object_property_is_child(ObjectProperty *prop)
{
    return prop->get == child_get;
}

ObjectProperty *object_property_try_add_child(Object *obj, const char *name,
                                              Object *child, GError **errp)
{
    g_autofree char *type = g_strdup_printf("child<%s>",
                                            object_get_typename(child));
    ObjectProperty *prop;

    g_assert(!child->parent);
    prop = object_property_try_add(obj, name, type, child_get, NULL,
                                   child_release, child, errp);
    if (!prop) {
        return NULL;
    }
    object_ref(child);
    child->parent = obj;
    return prop;
}

ObjectProperty *object_property_add_child(Object *obj, const char *name,
                                          Object *child)
{
    GError *err = NULL;
    ObjectProperty *prop = object_property_try_add_child(obj, name, child,
                                                         &err);

    if (!prop) {
        g_error("%s", err->message);
    }
    return prop;
}
