/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed properties of the object model: JSON decoding helpers for custom
 * accessors, size parsing, and the bool / string / enum / integer / size /
 * field-pointer helpers.  Included by qom/object.h; see docs/devel/qom.md.
 */
#ifndef QOM_OBJECT_PROPS_H
#define QOM_OBJECT_PROPS_H

#include "qom/object.h"

/*
 * Decoding a JsonNode for custom setters, with QEMU's QMP wording:
 * "Invalid parameter type for 'NAME', expected: boolean|integer|string",
 * "Parameter 'NAME' expects uint64", "Parameter 'NAME' expects uint32_t",
 * "Parameter 'NAME' expects int16_t".  @bits is 8, 16, 32 or 64.
 * Unsigned values above INT64_MAX travel as JSON doubles (json-glib has
 * no unsigned integers); they are accepted when integral.  A negative
 * integer for 64 bits is taken as 2^64 + value, as QEMU 7.2 does
 * (`qom-set ... -1` sets UINT64_MAX); for fewer bits it is out of range.
 */
bool object_property_json_to_bool(JsonNode *value, const char *name,
                                  bool *out, GError **errp);
bool object_property_json_to_int(JsonNode *value, const char *name,
                                 unsigned bits, int64_t *out, GError **errp);
bool object_property_json_to_uint(JsonNode *value, const char *name,
                                  unsigned bits, uint64_t *out,
                                  GError **errp);
/* Borrowed from @value. */
bool object_property_json_to_str(JsonNode *value, const char *name,
                                 const char **out, GError **errp);
/* A new JsonNode for @value (a double above INT64_MAX, see above). */
JsonNode *object_property_uint_to_json(uint64_t value);

/*
 * Command-line size syntax: decimal or 0x hex, optional fraction, one of
 * the suffixes B K M G T P E (either case, powers of 1024).  Returns false
 * for anything else, including overflow past 2^64 - 1.
 */
bool object_property_parse_size(const char *str, uint64_t *out);

/* ---- Properties: typed helpers -------------------------------------- */

/*
 * Typed properties with callbacks.  A NULL setter makes the property
 * read-only.  Getters cannot fail; setters return false with @errp set to
 * refuse a value (the object must then be unchanged).  The JSON layer
 * checks the JSON type and the range before the setter runs.
 */
typedef bool ObjectBoolGet(Object *obj);
typedef bool ObjectBoolSet(Object *obj, bool value, GError **errp);
/* Caller of the getter frees the result; NULL reads as "". */
typedef char *ObjectStrGet(Object *obj);
typedef bool ObjectStrSet(Object *obj, const char *value, GError **errp);
typedef int ObjectEnumGet(Object *obj);
typedef bool ObjectEnumSet(Object *obj, int value, GError **errp);
typedef int64_t ObjectIntGet(Object *obj);
typedef bool ObjectIntSet(Object *obj, int64_t value, GError **errp);
typedef uint64_t ObjectUintGet(Object *obj);
typedef bool ObjectUintSet(Object *obj, uint64_t value, GError **errp);

ObjectProperty *object_class_property_add_bool(ObjectClass *oc,
                                               const char *name,
                                               ObjectBoolGet *get,
                                               ObjectBoolSet *set);
ObjectProperty *object_class_property_add_str(ObjectClass *oc,
                                              const char *name,
                                              ObjectStrGet *get,
                                              ObjectStrSet *set);
/*
 * Enum: @values is a NULL-terminated static array; the setter gets the
 * index.  @typename is what qom-list shows (e.g. "HostMemPolicy").
 */
ObjectProperty *object_class_property_add_enum(ObjectClass *oc,
                                               const char *name,
                                               const char *typename,
                                               const char *const *values,
                                               ObjectEnumGet *get,
                                               ObjectEnumSet *set);
/* Signed integer of @bits (8, 16, 32, 64); type "int8" ... "int64". */
ObjectProperty *object_class_property_add_int(ObjectClass *oc,
                                              const char *name, unsigned bits,
                                              ObjectIntGet *get,
                                              ObjectIntSet *set);
/* Unsigned integer of @bits; type "uint8" ... "uint64". */
ObjectProperty *object_class_property_add_uint(ObjectClass *oc,
                                               const char *name,
                                               unsigned bits,
                                               ObjectUintGet *get,
                                               ObjectUintSet *set);
/* 64-bit size: type "size", command line accepts suffixes ("8G"). */
ObjectProperty *object_class_property_add_size(ObjectClass *oc,
                                               const char *name,
                                               ObjectUintGet *get,
                                               ObjectUintSet *set);

/* Access flags of the *_ptr helpers. */
typedef enum {
    OBJ_PROP_FLAG_READ = 1 << 0,
    OBJ_PROP_FLAG_WRITE = 1 << 1,
    OBJ_PROP_FLAG_READWRITE = OBJ_PROP_FLAG_READ | OBJ_PROP_FLAG_WRITE,
} ObjectPropertyFlags;

/*
 * Properties backed directly by a field of @obj (the pointer must live as
 * long as @obj).  Writes only range-check.
 */
ObjectProperty *object_property_add_bool_ptr(Object *obj, const char *name,
                                             bool *v,
                                             ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint8_ptr(Object *obj, const char *name,
                                              uint8_t *v,
                                              ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint16_ptr(Object *obj, const char *name,
                                               uint16_t *v,
                                               ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint32_ptr(Object *obj, const char *name,
                                               uint32_t *v,
                                               ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint64_ptr(Object *obj, const char *name,
                                               uint64_t *v,
                                               ObjectPropertyFlags flags);

#endif /* QOM_OBJECT_PROPS_H */
