/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for the object model (qom/): types, interfaces and casts, life
 * cycle and reference counts, properties and their errors, paths, and
 * user-creatable objects.  The test types below stand in for a memory
 * backend ("test-backend") and a device linking to it ("test-device").
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"

/* Life-cycle events of the test types, in order. */
static GString *events;

static void event(const char *what)
{
    g_string_append_printf(events, "%s%s", events->len ? "," : "", what);
}

static void events_reset(void)
{
    g_string_truncate(events, 0);
}

/* ---- Types: animal (abstract) <- dog <- puppy; "test-noisy" iface ---- */

#define TYPE_TEST_NOISY "test-noisy"
typedef struct TestNoisyClass {
    InterfaceClass parent_class;
    const char *(*sound)(Object *obj);
} TestNoisyClass;
#define TEST_NOISY_GET_CLASS(obj) \
    OBJECT_GET_CLASS(TestNoisyClass, (obj), TYPE_TEST_NOISY)
#define TEST_NOISY_CLASS(oc) \
    OBJECT_CLASS_CHECK(TestNoisyClass, (oc), TYPE_TEST_NOISY)

#define TYPE_TEST_ANIMAL "test-animal"
OBJECT_DECLARE_TYPE(TestAnimal, TestAnimalClass, TEST_ANIMAL)
struct TestAnimal {
    Object parent_obj;
    int legs;
};
struct TestAnimalClass {
    ObjectClass parent_class;
    int default_legs;
};

#define TYPE_TEST_DOG "test-dog"
OBJECT_DECLARE_SIMPLE_TYPE(TestDog, TEST_DOG)
struct TestDog {
    TestAnimal parent_obj;
    char *name;
};

#define TYPE_TEST_PUPPY "test-puppy"
OBJECT_DECLARE_SIMPLE_TYPE(TestPuppy, TEST_PUPPY)
struct TestPuppy {
    TestDog parent_obj;
};

static void animal_init(Object *obj)
{
    TEST_ANIMAL(obj)->legs = TEST_ANIMAL_GET_CLASS(obj)->default_legs;
    event("init:animal");
}

static void animal_finalize(Object *obj)
{
    event("fin:animal");
}

static void animal_class_init(ObjectClass *oc, void *data)
{
    TEST_ANIMAL_CLASS(oc)->default_legs = 2;
}

static const char *dog_sound(Object *obj)
{
    return "woof";
}

static const char *puppy_sound(Object *obj)
{
    return "yip";
}

static void dog_init(Object *obj)
{
    TEST_DOG(obj)->name = g_strdup("rex");
    event("init:dog");
}

static void dog_finalize(Object *obj)
{
    g_free(TEST_DOG(obj)->name);
    event("fin:dog");
}

static void dog_class_init(ObjectClass *oc, void *data)
{
    TEST_ANIMAL_CLASS(oc)->default_legs = 4;
    TEST_NOISY_CLASS(oc)->sound = dog_sound;
}

static void puppy_init(Object *obj)
{
    event("init:puppy");
}

static void puppy_finalize(Object *obj)
{
    event("fin:puppy");
}

static void puppy_class_init(ObjectClass *oc, void *data)
{
    TEST_NOISY_CLASS(oc)->sound = puppy_sound;
}

/* ---- test-backend: user-creatable with one property of each kind ---- */

static const char *const test_policy_values[] = {
    "default", "preferred", "bind", "interleave", NULL,
};

#define TYPE_TEST_BACKEND "test-backend"
OBJECT_DECLARE_SIMPLE_TYPE(TestBackend, TEST_BACKEND)
struct TestBackend {
    Object parent_obj;
    uint64_t size;
    bool share;
    int policy;
    char *label;
    uint32_t threads;
    int64_t offset;
    unsigned users;     /* devices linking here; deletion refused if > 0 */
    bool fail_complete;
};

static uint64_t backend_get_size(Object *obj)
{
    return TEST_BACKEND(obj)->size;
}

static bool backend_set_size(Object *obj, uint64_t value, GError **errp)
{
    if (!user_creatable_check_not_complete(obj, "size", errp)) {
        return false;
    }
    if (value == 0) {
        error_setg(errp, "property 'size' of %s doesn't take value '0'",
                   object_get_typename(obj));
        return false;
    }
    TEST_BACKEND(obj)->size = value;
    return true;
}

static bool backend_get_share(Object *obj)
{
    return TEST_BACKEND(obj)->share;
}

static bool backend_set_share(Object *obj, bool value, GError **errp)
{
    TEST_BACKEND(obj)->share = value;
    return true;
}

static int backend_get_policy(Object *obj)
{
    return TEST_BACKEND(obj)->policy;
}

static bool backend_set_policy(Object *obj, int value, GError **errp)
{
    TEST_BACKEND(obj)->policy = value;
    return true;
}

static char *backend_get_label(Object *obj)
{
    return g_strdup(TEST_BACKEND(obj)->label);
}

static bool backend_set_label(Object *obj, const char *value, GError **errp)
{
    g_free(TEST_BACKEND(obj)->label);
    TEST_BACKEND(obj)->label = g_strdup(value);
    return true;
}

static uint64_t backend_get_threads(Object *obj)
{
    return TEST_BACKEND(obj)->threads;
}

static bool backend_set_threads(Object *obj, uint64_t value, GError **errp)
{
    TEST_BACKEND(obj)->threads = value;
    return true;
}

static int64_t backend_get_offset(Object *obj)
{
    return TEST_BACKEND(obj)->offset;
}

static bool backend_set_offset(Object *obj, int64_t value, GError **errp)
{
    TEST_BACKEND(obj)->offset = value;
    return true;
}

static bool backend_complete(UserCreatable *uc, GError **errp)
{
    TestBackend *be = TEST_BACKEND(uc);

    if (be->fail_complete) {
        error_setg(errp, "complete refused");
        return false;
    }
    if (!be->size) {
        error_setg(errp, "can't create backend with size 0");
        return false;
    }
    return true;
}

static bool backend_can_be_deleted(UserCreatable *uc)
{
    return TEST_BACKEND(uc)->users == 0;
}

static void backend_init(Object *obj)
{
    TEST_BACKEND(obj)->threads = 1;
    object_property_add_bool_ptr(obj, "fail-complete",
                                 &TEST_BACKEND(obj)->fail_complete,
                                 OBJ_PROP_FLAG_WRITE);
}

static void backend_finalize(Object *obj)
{
    g_free(TEST_BACKEND(obj)->label);
    event("fin:backend");
}

static void backend_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    ObjectProperty *prop;

    ucc->complete = backend_complete;
    ucc->can_be_deleted = backend_can_be_deleted;
    prop = object_class_property_add_size(oc, "size", backend_get_size,
                                          backend_set_size);
    object_property_set_description(prop, "Size of the memory region");
    object_class_property_add_bool(oc, "share", backend_get_share,
                                   backend_set_share);
    object_class_property_add_enum(oc, "policy", "HostMemPolicy",
                                   test_policy_values, backend_get_policy,
                                   backend_set_policy);
    object_class_property_add_str(oc, "label", backend_get_label,
                                  backend_set_label);
    object_class_property_add_uint(oc, "prealloc-threads", 32,
                                   backend_get_threads, backend_set_threads);
    object_class_property_add_int(oc, "offset", 16, backend_get_offset,
                                  backend_set_offset);
    object_class_property_add_size(oc, "mapped-size", backend_get_size, NULL);
}

/* ---- test-device: links to a backend, refuses a busy one ---- */

#define TYPE_TEST_DEVICE "test-device"
OBJECT_DECLARE_SIMPLE_TYPE(TestDevice, TEST_DEVICE)
struct TestDevice {
    Object parent_obj;
    TestBackend *memdev;
};

/* Set by a test to make the device refuse every change of its link. */
static bool device_memdev_frozen;

static bool device_check_memdev(Object *obj, const char *name,
                                Object *target, GError **errp)
{
    TestBackend *be;

    if (device_memdev_frozen) {
        error_setg(errp, "memdev is frozen");
        return false;
    }
    if (!target) {
        return true;
    }
    be = TEST_BACKEND(target);
    if (be->users) {
        g_autofree char *path = object_get_canonical_path_component(target);

        error_setg(errp, "can't use already busy memdev: %s", path);
        return false;
    }
    be->users++;
    return true;
}

static void device_finalize(Object *obj)
{
    event("fin:device");
}

static void device_class_init(ObjectClass *oc, void *data)
{
    object_class_property_add_link(oc, "memdev", TYPE_TEST_BACKEND,
                                   offsetof(TestDevice, memdev),
                                   device_check_memdev,
                                   OBJ_PROP_LINK_STRONG);
}

static const InterfaceInfo dog_interfaces[] = {
    { TYPE_TEST_NOISY }, { NULL },
};

static const InterfaceInfo backend_interfaces[] = {
    { TYPE_USER_CREATABLE }, { NULL },
};

/* Children listed before parents on purpose: resolution is lazy. */
static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_PUPPY,
        .parent = TYPE_TEST_DOG,
        .instance_size = sizeof(TestPuppy),
        .instance_init = puppy_init,
        .instance_finalize = puppy_finalize,
        .class_init = puppy_class_init,
    }, {
        .name = TYPE_TEST_DOG,
        .parent = TYPE_TEST_ANIMAL,
        .instance_size = sizeof(TestDog),
        .instance_init = dog_init,
        .instance_finalize = dog_finalize,
        .class_init = dog_class_init,
        .interfaces = dog_interfaces,
    }, {
        .name = TYPE_TEST_ANIMAL,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestAnimal),
        .instance_init = animal_init,
        .instance_finalize = animal_finalize,
        .class_size = sizeof(TestAnimalClass),
        .class_init = animal_class_init,
        .abstract = true,
    }, {
        .name = TYPE_TEST_NOISY,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(TestNoisyClass),
    }, {
        .name = TYPE_TEST_BACKEND,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestBackend),
        .instance_init = backend_init,
        .instance_finalize = backend_finalize,
        .class_init = backend_class_init,
        .interfaces = backend_interfaces,
    }, {
        .name = TYPE_TEST_DEVICE,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestDevice),
        .instance_finalize = device_finalize,
        .class_init = device_class_init,
    },
};

/* ---- "foo": the example of docs/devel/qom.md, kept compiling here ---- */

#define TYPE_FOO "foo"
OBJECT_DECLARE_SIMPLE_TYPE(Foo, FOO)
struct Foo {
    Object parent_obj;
    uint64_t size;
};

static uint64_t foo_get_size(Object *obj)
{
    return FOO(obj)->size;
}

static bool foo_set_size(Object *obj, uint64_t value, GError **errp)
{
    if (!user_creatable_check_not_complete(obj, "size", errp)) {
        return false;
    }
    FOO(obj)->size = value;
    return true;
}

static bool foo_complete(UserCreatable *uc, GError **errp)
{
    if (!FOO(uc)->size) {
        error_setg(errp, "foo: 'size' is required");
        return false;
    }
    return true;
}

static void foo_class_init(ObjectClass *oc, void *data)
{
    USER_CREATABLE_CLASS(oc)->complete = foo_complete;
    object_class_property_add_size(oc, "size", foo_get_size, foo_set_size);
}

static const TypeInfo foo_info = {
    .name = TYPE_FOO,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Foo),
    .class_init = foo_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE }, { NULL },
    },
};

static void foo_register_types(void)
{
    type_register_static(&foo_info);
}

/* ---- Helpers ---- */

#define assert_error(err, text) \
    do { \
        g_assert_nonnull(err); \
        g_assert_cmpstr((err)->message, ==, (text)); \
        g_clear_error(&(err)); \
    } while (0)

static JsonNode *json_parse(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();

    g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
    return json_node_copy(json_parser_get_root(parser));
}

static bool set_from_json(Object *obj, const char *name, const char *text,
                          GError **errp)
{
    g_autoptr(JsonNode) node = json_parse(text);

    return object_property_set_json(obj, name, node, errp);
}

static char *get_as_json(Object *obj, const char *name)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name,
                                                        NULL);

    g_assert_nonnull(node);
    return json_to_string(node, FALSE);
}

/* Add /objects/@id of test-backend with @size through user-creatable. */
static Object *add_backend(const char *id, uint64_t size)
{
    g_autoptr(JsonObject) props = json_object_new();
    GError *err = NULL;
    Object *obj;

    json_object_set_int_member(props, "size", size);
    obj = user_creatable_add_type(TYPE_TEST_BACKEND, id, props, &err);
    g_assert_no_error(err);
    return obj;
}

/* ---- Types and casts ---- */

static void test_type_inheritance(void)
{
    Object *obj = object_new(TYPE_TEST_PUPPY);
    ObjectClass *oc = object_get_class(obj);

    g_assert_cmpstr(object_get_typename(obj), ==, TYPE_TEST_PUPPY);
    g_assert_true(object_dynamic_cast(obj, TYPE_TEST_DOG) == obj);
    g_assert_true(object_dynamic_cast(obj, TYPE_TEST_ANIMAL) == obj);
    g_assert_true(object_dynamic_cast(obj, TYPE_OBJECT) == obj);
    g_assert_null(object_dynamic_cast(obj, TYPE_TEST_BACKEND));
    g_assert_null(object_dynamic_cast(obj, "no-such-type"));
    g_assert_null(object_dynamic_cast(obj, TYPE_USER_CREATABLE));
    g_assert_cmpint(TEST_ANIMAL(obj)->legs, ==, 4);
    g_assert_cmpstr(TEST_DOG(obj)->name, ==, "rex");

    g_assert_cmpstr(object_class_get_name(object_class_get_parent(oc)), ==,
                    TYPE_TEST_DOG);
    g_assert_true(object_class_is_abstract(
                      object_class_by_name(TYPE_TEST_ANIMAL)));
    g_assert_false(object_class_is_abstract(oc));
    g_assert_null(object_class_by_name("no-such-type"));
    g_assert_cmpint(TEST_ANIMAL_CLASS(object_class_by_name(TYPE_TEST_ANIMAL))
                    ->default_legs, ==, 2);
    object_unref(obj);
}

static void test_type_interface_cast(void)
{
    g_autoptr(Object) dog = object_new(TYPE_TEST_DOG);
    g_autoptr(Object) puppy = object_new(TYPE_TEST_PUPPY);
    ObjectClass *ic = object_class_dynamic_cast(object_get_class(dog),
                                                TYPE_TEST_NOISY);

    g_assert_true(object_dynamic_cast(dog, TYPE_TEST_NOISY) == dog);
    g_assert_true(object_dynamic_cast(puppy, TYPE_TEST_NOISY) == puppy);
    g_assert_true(object_dynamic_cast(dog, TYPE_INTERFACE) == dog);
    g_assert_nonnull(ic);
    g_assert_cmpstr(object_class_get_name(ic), ==, TYPE_TEST_NOISY);
    g_assert_true(((InterfaceClass *)ic)->concrete_class ==
                  object_get_class(dog));
    /* Each class has its own interface class: the override stays local. */
    g_assert_cmpstr(TEST_NOISY_GET_CLASS(dog)->sound(dog), ==, "woof");
    g_assert_cmpstr(TEST_NOISY_GET_CLASS(puppy)->sound(puppy), ==, "yip");

    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    g_assert_true(object_dynamic_cast(be, TYPE_USER_CREATABLE) == be);
    g_assert_null(object_dynamic_cast(be, TYPE_TEST_NOISY));
}

static bool class_list_has(GSList *list, const char *name)
{
    for (GSList *l = list; l; l = l->next) {
        if (!strcmp(object_class_get_name(l->data), name)) {
            return true;
        }
    }
    return false;
}

static void test_type_list(void)
{
    GSList *concrete = object_class_get_list(TYPE_TEST_NOISY, false);
    GSList *all = object_class_get_list(TYPE_TEST_NOISY, true);
    GSList *uc = object_class_get_list(TYPE_USER_CREATABLE, false);

    g_assert_cmpuint(g_slist_length(concrete), ==, 2);
    g_assert_true(class_list_has(concrete, TYPE_TEST_DOG));
    g_assert_true(class_list_has(concrete, TYPE_TEST_PUPPY));
    g_assert_true(class_list_has(all, TYPE_TEST_NOISY));
    g_assert_false(class_list_has(all, TYPE_TEST_ANIMAL));
    g_assert_true(class_list_has(uc, TYPE_TEST_BACKEND));
    g_assert_false(class_list_has(uc, TYPE_TEST_DEVICE));
    g_slist_free(concrete);
    g_slist_free(all);
    g_slist_free(uc);
}

static void test_type_list_json(void)
{
    g_autoptr(JsonArray) arr = object_class_list_json(TYPE_TEST_NOISY, true);
    g_autoptr(JsonNode) node = json_node_alloc();
    g_autofree char *text = NULL;

    json_node_init_array(node, arr);
    text = json_to_string(node, FALSE);
    g_assert_cmpstr(text, ==,
        "[{\"name\":\"test-dog\",\"parent\":\"test-animal\"},"
        "{\"name\":\"test-noisy\",\"parent\":\"interface\","
        "\"abstract\":true},"
        "{\"name\":\"test-puppy\",\"parent\":\"test-dog\"}]");
}

/* ---- Life cycle ---- */

static void test_object_init_finalize_order(void)
{
    Object *obj;

    events_reset();
    obj = object_new(TYPE_TEST_PUPPY);
    g_assert_cmpstr(events->str, ==, "init:animal,init:dog,init:puppy");
    events_reset();
    object_unref(obj);
    g_assert_cmpstr(events->str, ==, "fin:puppy,fin:dog,fin:animal");
}

static void test_object_child_keeps_alive(void)
{
    Object *parent = object_new(TYPE_CONTAINER);
    Object *child = object_new(TYPE_TEST_DOG);

    object_property_add_child(parent, "pet", child);
    g_assert_cmpuint(child->ref, ==, 2);
    events_reset();
    object_unref(child);
    g_assert_cmpstr(events->str, ==, "");
    g_assert_true(child->parent == parent);
    g_assert_true(object_resolve_path_component(parent, "pet") == child);

    object_unparent(child);
    g_assert_cmpstr(events->str, ==, "fin:dog,fin:animal");
    g_assert_null(object_property_find(parent, "pet"));

    /* The parent's finalize drops its children. */
    child = object_new(TYPE_TEST_DOG);
    object_property_add_child(parent, "pet", child);
    object_unref(child);
    events_reset();
    object_unref(parent);
    g_assert_cmpstr(events->str, ==, "fin:dog,fin:animal");
}

static void test_object_unparent_keeps_extra_ref(void)
{
    Object *parent = object_new(TYPE_CONTAINER);
    Object *child = object_new(TYPE_TEST_DOG);

    object_property_add_child(parent, "pet", child);
    events_reset();
    object_unparent(child);
    g_assert_cmpstr(events->str, ==, "");
    g_assert_null(child->parent);
    g_assert_cmpuint(child->ref, ==, 1);
    object_unparent(child);   /* no parent: no-op */
    object_unref(child);
    g_assert_cmpstr(events->str, ==, "fin:dog,fin:animal");
    object_unref(parent);
}

static void test_object_strong_link_holds_ref(void)
{
    Object *be = object_new(TYPE_TEST_BACKEND);
    Object *dev = object_new(TYPE_TEST_DEVICE);
    Object *parent = object_new(TYPE_CONTAINER);
    GError *err = NULL;

    object_property_add_child(parent, "be", be);
    g_assert_true(object_property_set_link(dev, "memdev", be, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(be->ref, ==, 3);
    g_assert_true(object_property_get_link(dev, "memdev", NULL) == be);
    object_unref(parent);
    object_unref(be);
    g_assert_cmpuint(be->ref, ==, 1);   /* only the link keeps it */
    events_reset();
    object_unref(dev);
    /* Properties (the link) are released before instance_finalize. */
    g_assert_cmpstr(events->str, ==, "fin:backend,fin:device");
}

/* ---- Properties ---- */

static void test_prop_errors(void)
{
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    GError *err = NULL;

    g_assert_false(set_from_json(be, "foo", "1", &err));
    assert_error(err, "Property 'test-backend.foo' not found");
    g_assert_null(object_property_get_json(be, "foo", &err));
    assert_error(err, "Property 'test-backend.foo' not found");

    g_assert_false(set_from_json(be, "share", "1", &err));
    assert_error(err, "Invalid parameter type for 'share', expected: "
                 "boolean");
    g_assert_false(set_from_json(be, "share", "\"on\"", &err));
    assert_error(err, "Invalid parameter type for 'share', expected: "
                 "boolean");
    g_assert_false(set_from_json(be, "label", "7", &err));
    assert_error(err, "Invalid parameter type for 'label', expected: string");
    g_assert_false(set_from_json(be, "policy", "1", &err));
    assert_error(err, "Invalid parameter type for 'policy', expected: "
                 "string");
    g_assert_false(set_from_json(be, "policy", "\"xx\"", &err));
    assert_error(err, "Parameter 'policy' does not accept value 'xx'");
    g_assert_false(set_from_json(be, "size", "\"abc\"", &err));
    assert_error(err, "Parameter 'size' expects uint64");
    /* QEMU 7.2 takes a negative integer as 2^64 + value for uint64 */
    g_assert_true(set_from_json(be, "size", "-4096", NULL));
    g_assert_cmphex(object_property_get_uint(be, "size", NULL), ==,
                    UINT64_MAX - 4095);
    g_assert_false(set_from_json(be, "size", "1.5", &err));
    assert_error(err, "Parameter 'size' expects uint64");
    g_assert_false(set_from_json(be, "prealloc-threads", "5000000000", &err));
    assert_error(err, "Parameter 'prealloc-threads' expects uint32_t");
    g_assert_false(set_from_json(be, "prealloc-threads", "-1", &err));
    assert_error(err, "Parameter 'prealloc-threads' expects uint32_t");
    g_assert_false(set_from_json(be, "offset", "40000", &err));
    assert_error(err, "Parameter 'offset' expects int16_t");
    g_assert_false(set_from_json(be, "offset", "\"1\"", &err));
    assert_error(err, "Invalid parameter type for 'offset', expected: "
                 "integer");
    g_assert_false(set_from_json(be, "type", "\"x\"", &err));
    assert_error(err, "Property 'test-backend.type' is not writable");
    g_assert_false(set_from_json(be, "mapped-size", "1", &err));
    assert_error(err, "Property 'test-backend.mapped-size' is not writable");
    g_assert_null(object_property_get_json(be, "fail-complete", &err));
    assert_error(err, "Property 'test-backend.fail-complete' is not "
                 "readable");

    /* The setter refuses: error passes through, value unchanged. */
    g_assert_true(object_property_set_uint(be, "size", 4096, NULL));
    g_assert_false(object_property_set_uint(be, "size", 0, &err));
    assert_error(err, "property 'size' of test-backend doesn't take value "
                 "'0'");
    g_assert_cmpuint(object_property_get_uint(be, "size", NULL), ==, 4096);

    /* Typed getter on the wrong type reports, returns 0. */
    g_assert_cmpuint(object_property_get_uint(be, "label", &err), ==, 0);
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(object_property_get_str(be, "size", &err));
    assert_error(err, "Invalid parameter type for 'size', expected: string");
}

static void test_prop_json_roundtrip(void)
{
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    g_autofree char *size = NULL, *share = NULL, *policy = NULL;
    g_autofree char *label = NULL, *type = NULL, *offset = NULL;

    g_assert_true(set_from_json(be, "size", "1073741824", NULL));
    g_assert_true(set_from_json(be, "share", "true", NULL));
    g_assert_true(set_from_json(be, "policy", "\"bind\"", NULL));
    g_assert_true(set_from_json(be, "label", "\"fast\"", NULL));
    g_assert_true(set_from_json(be, "offset", "-300", NULL));
    size = get_as_json(be, "size");
    share = get_as_json(be, "share");
    policy = get_as_json(be, "policy");
    label = get_as_json(be, "label");
    type = get_as_json(be, "type");
    offset = get_as_json(be, "offset");
    g_assert_cmpstr(size, ==, "1073741824");
    g_assert_cmpstr(share, ==, "true");
    g_assert_cmpstr(policy, ==, "\"bind\"");
    g_assert_cmpstr(label, ==, "\"fast\"");
    g_assert_cmpstr(type, ==, "\"test-backend\"");
    g_assert_cmpstr(offset, ==, "-300");
    g_assert_cmpint(TEST_BACKEND(be)->policy, ==, 2);

    /* Above INT64_MAX: no loss through the typed helpers. */
    g_assert_true(object_property_set_uint(be, "size", UINT64_MAX - 4095,
                                           NULL));
    g_assert_cmpuint(TEST_BACKEND(be)->size, ==, UINT64_MAX - 4095);
    g_assert_true(object_property_set_bool(be, "share", false, NULL));
    g_assert_false(object_property_get_bool(be, "share", NULL));
    g_assert_true(object_property_set_str(be, "policy", "preferred", NULL));
    g_autofree char *p = object_property_get_str(be, "policy", NULL);
    g_assert_cmpstr(p, ==, "preferred");
    g_assert_true(object_property_set_int(be, "offset", 5, NULL));
    g_assert_cmpint(object_property_get_int(be, "offset", NULL), ==, 5);
}

static void test_prop_parse_bool(void)
{
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };
    GError *err = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        g_assert_true(object_property_parse(be, "share", yes[i], NULL));
        g_assert_true(TEST_BACKEND(be)->share);
        g_assert_true(object_property_parse(be, "share", no[i], NULL));
        g_assert_false(TEST_BACKEND(be)->share);
    }
    g_assert_false(object_property_parse(be, "share", "maybe", &err));
    assert_error(err, "Parameter 'share' expects 'on' or 'off'");
    g_assert_false(object_property_parse(be, "share", "ON", &err));
    assert_error(err, "Parameter 'share' expects 'on' or 'off'");
}

static void test_prop_parse_size(void)
{
    static const struct {
        const char *text;
        uint64_t value;
    } good[] = {
        { "4096", 4096 }, { "8G", 8 * GiB }, { "8g", 8 * GiB },
        { "1.5k", 1536 }, { "0x1000", 4096 }, { "2M", 2 * MiB },
        { "512B", 512 }, { "1T", TiB }, { "15E", UINT64_C(15) << 60 },
        { "1.G", GiB }, { "18446744073709551615", UINT64_MAX },
        { "+1G", GiB },
    };
    static const char *const bad[] = {
        "", "abc", "-1", "1.5", "16E", "1GB", "1 G", " 1", "8Q",
        "18446744073709551616", "1.5.5k", "0x", "1.5e3k", "infK", "0x1.5k",
        "+-1", "++1",
    };
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    GError *err = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        g_assert_true(object_property_parse(be, "size", good[i].text, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(TEST_BACKEND(be)->size, ==, good[i].value);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        g_assert_false(object_property_parse(be, "size", bad[i], &err));
        assert_error(err, "Parameter 'size' expects a size value");
    }
}

static void test_prop_parse_numbers(void)
{
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    GError *err = NULL;

    g_assert_true(object_property_parse(be, "prealloc-threads", "16", NULL));
    g_assert_cmpuint(TEST_BACKEND(be)->threads, ==, 16);
    g_assert_true(object_property_parse(be, "prealloc-threads", "0x20",
                                        NULL));
    g_assert_cmpuint(TEST_BACKEND(be)->threads, ==, 32);
    g_assert_true(object_property_parse(be, "prealloc-threads", "010",
                                        NULL));
    g_assert_cmpuint(TEST_BACKEND(be)->threads, ==, 8);
    g_assert_true(object_property_parse(be, "prealloc-threads", "+32",
                                        NULL));
    g_assert_false(object_property_parse(be, "prealloc-threads", "-1", &err));
    assert_error(err, "Parameter 'prealloc-threads' expects a uint64 value");
    g_assert_false(object_property_parse(be, "prealloc-threads", "abc",
                                         &err));
    assert_error(err, "Parameter 'prealloc-threads' expects a uint64 value");
    g_assert_false(object_property_parse(be, "prealloc-threads",
                                         "5000000000", &err));
    assert_error(err, "Parameter 'prealloc-threads' expects uint32_t");
    g_assert_false(object_property_parse(be, "prealloc-threads", "4k",
                                         &err));
    assert_error(err, "Parameter 'prealloc-threads' expects a uint64 value");
    g_assert_cmpuint(TEST_BACKEND(be)->threads, ==, 32);

    g_assert_true(object_property_parse(be, "offset", "-12", NULL));
    g_assert_cmpint(TEST_BACKEND(be)->offset, ==, -12);
    g_assert_false(object_property_parse(be, "offset", "x", &err));
    assert_error(err, "Parameter 'offset' expects an int64 value");
    g_assert_false(object_property_parse(be, "offset", "99999", &err));
    assert_error(err, "Parameter 'offset' expects int16_t");
}

static void test_prop_parse_enum_str(void)
{
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    GError *err = NULL;

    g_assert_true(object_property_parse(be, "policy", "interleave", NULL));
    g_assert_cmpint(TEST_BACKEND(be)->policy, ==, 3);
    g_assert_false(object_property_parse(be, "policy", "xx", &err));
    assert_error(err, "Parameter 'policy' does not accept value 'xx'");
    g_assert_true(object_property_parse(be, "label", "a,b on", NULL));
    g_assert_cmpstr(TEST_BACKEND(be)->label, ==, "a,b on");
    g_assert_false(object_property_parse(be, "type", "x", &err));
    assert_error(err, "Property 'test-backend.type' is not writable");
    g_assert_false(object_property_parse(be, "nope", "x", &err));
    assert_error(err, "Property 'test-backend.nope' not found");
}

static void test_prop_link(void)
{
    Object *be = add_backend("link-be0", 4096);
    Object *other = object_new(TYPE_TEST_DOG);
    Object *dev = object_new(TYPE_TEST_DEVICE);
    Object *dev2 = object_new(TYPE_TEST_DEVICE);
    g_autofree char *path = NULL;
    GError *err = NULL;

    object_property_add_child(object_get_root(), "link-dog", other);
    object_unref(other);

    g_assert_false(object_property_parse(dev, "memdev", "nowhere", &err));
    g_assert_true(g_error_matches(err, QEMU_ERROR,
                                  QEMU_ERROR_DEVICE_NOT_FOUND));
    assert_error(err, "Device 'nowhere' not found");
    g_assert_false(object_property_parse(dev, "memdev", "link-dog", &err));
    assert_error(err, "Invalid parameter type for 'memdev', expected: "
                 "test-backend");

    /* By id (partial path), then read back the canonical path. */
    g_assert_true(object_property_parse(dev, "memdev", "link-be0", &err));
    g_assert_no_error(err);
    g_assert_true(TEST_DEVICE(dev)->memdev == TEST_BACKEND(be));
    path = get_as_json(dev, "memdev");
    g_assert_cmpstr(path, ==, "\"/objects/link-be0\"");

    /* The check callback refuses a busy backend. */
    g_assert_false(object_property_parse(dev2, "memdev",
                                         "/objects/link-be0", &err));
    assert_error(err, "can't use already busy memdev: link-be0");
    g_assert_null(TEST_DEVICE(dev2)->memdev);

    /* In use: object-del is refused until the device lets go. */
    g_assert_false(user_creatable_del("link-be0", &err));
    assert_error(err, "object 'link-be0' is in use, can not be deleted");
    g_assert_true(object_property_parse(dev, "memdev", "", NULL));
    g_assert_null(TEST_DEVICE(dev)->memdev);
    TEST_BACKEND(be)->users--;
    g_assert_true(user_creatable_del("link-be0", &err));
    g_assert_no_error(err);

    object_unparent(other);
    object_unref(dev);
    object_unref(dev2);
}

/* Clearing a link ("") is a change its check may refuse, like any other. */
static void test_prop_link_clear_checked(void)
{
    Object *be = add_backend("link-be1", 4096);
    Object *dev = object_new(TYPE_TEST_DEVICE);
    GError *err = NULL;

    g_assert_true(object_property_parse(dev, "memdev", "link-be1", &err));
    g_assert_no_error(err);
    device_memdev_frozen = true;
    g_assert_false(object_property_parse(dev, "memdev", "", &err));
    assert_error(err, "memdev is frozen");
    g_assert_true(TEST_DEVICE(dev)->memdev == TEST_BACKEND(be));
    g_assert_false(object_property_set_link(dev, "memdev", NULL, &err));
    assert_error(err, "memdev is frozen");
    g_assert_true(TEST_DEVICE(dev)->memdev == TEST_BACKEND(be));
    device_memdev_frozen = false;
    g_assert_true(object_property_parse(dev, "memdev", "", &err));
    g_assert_no_error(err);
    g_assert_null(TEST_DEVICE(dev)->memdev);
    TEST_BACKEND(be)->users--;
    g_assert_true(user_creatable_del("link-be1", &err));
    g_assert_no_error(err);
    object_unref(dev);
}

static void test_prop_ptr_helpers(void)
{
    g_autoptr(Object) obj = object_new(TYPE_CONTAINER);
    uint64_t u64 = 7;
    uint32_t u32 = 1;
    uint16_t u16 = 2;
    uint8_t u8 = 3;
    bool b = false;
    GError *err = NULL;

    object_property_add_uint64_ptr(obj, "u64", &u64, OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "u32", &u32,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint16_ptr(obj, "u16", &u16,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint8_ptr(obj, "u8", &u8, OBJ_PROP_FLAG_READWRITE);
    object_property_add_bool_ptr(obj, "b", &b, OBJ_PROP_FLAG_READWRITE);

    g_assert_cmpuint(object_property_get_uint(obj, "u64", NULL), ==, 7);
    g_assert_false(object_property_set_uint(obj, "u64", 8, &err));
    assert_error(err, "Property 'container.u64' is not writable");
    g_assert_true(object_property_parse(obj, "u32", "4000000000", NULL));
    g_assert_cmpuint(u32, ==, 4000000000u);
    g_assert_false(object_property_set_uint(obj, "u16", 65536, &err));
    assert_error(err, "Parameter 'u16' expects uint16_t");
    g_assert_false(object_property_parse(obj, "u8", "256", &err));
    assert_error(err, "Parameter 'u8' expects uint8_t");
    g_assert_true(object_property_set_uint(obj, "u8", 255, NULL));
    g_assert_cmpuint(u8, ==, 255);
    g_assert_cmpuint(u16, ==, 2);
    g_assert_true(object_property_parse(obj, "b", "on", NULL));
    g_assert_true(b);
    g_assert_true(object_property_get_bool(obj, "b", NULL));
}

static void test_prop_duplicate_and_index(void)
{
    g_autoptr(Object) obj = object_new(TYPE_CONTAINER);
    Object *a = object_new(TYPE_CONTAINER);
    Object *b = object_new(TYPE_CONTAINER);
    Object *c = object_new(TYPE_CONTAINER);
    GError *err = NULL;

    object_property_add_child(obj, "device[*]", a);
    object_property_add_child(obj, "device[*]", b);
    g_assert_true(object_resolve_path_component(obj, "device[0]") == a);
    g_assert_true(object_resolve_path_component(obj, "device[1]") == b);
    g_assert_null(object_property_try_add_child(obj, "device[1]", c, &err));
    assert_error(err, "attempt to add duplicate property 'device[1]' to "
                 "object (type 'container')");
    g_assert_null(c->parent);
    g_assert_null(object_property_try_add_child(obj, "type", c, &err));
    assert_error(err, "attempt to add duplicate property 'type' to object "
                 "(type 'container')");
    object_unref(a);
    object_unref(b);
    object_unref(c);
}

static void test_prop_list(void)
{
    g_autoptr(Object) be = object_new(TYPE_TEST_BACKEND);
    g_autoptr(Object) child = object_new(TYPE_TEST_DOG);
    g_autoptr(JsonArray) list = NULL;
    g_autoptr(JsonNode) node = json_node_alloc();
    g_autofree char *text = NULL;
    ObjectProperty *prop;

    object_property_add_child(be, "pet", child);
    list = object_property_list_json(be);
    json_node_init_array(node, list);
    text = json_to_string(node, FALSE);
    g_assert_cmpstr(text, ==,
        "[{\"name\":\"type\",\"type\":\"string\"},"
        "{\"name\":\"size\",\"type\":\"size\"},"
        "{\"name\":\"share\",\"type\":\"bool\"},"
        "{\"name\":\"policy\",\"type\":\"HostMemPolicy\"},"
        "{\"name\":\"label\",\"type\":\"string\"},"
        "{\"name\":\"prealloc-threads\",\"type\":\"uint32\"},"
        "{\"name\":\"offset\",\"type\":\"int16\"},"
        "{\"name\":\"mapped-size\",\"type\":\"size\"},"
        "{\"name\":\"fail-complete\",\"type\":\"bool\"},"
        "{\"name\":\"pet\",\"type\":\"child<test-dog>\"}]");

    g_autoptr(Object) dev = object_new(TYPE_TEST_DEVICE);
    prop = object_property_find(dev, "memdev");
    g_assert_cmpstr(prop->type, ==, "link<test-backend>");
    prop = object_property_find(be, "size");
    g_assert_cmpstr(prop->description, ==, "Size of the memory region");
    object_property_set_type_name(prop, "int");   /* class-wide */
    g_assert_cmpstr(object_property_find(dev, "type")->type, ==, "string");
    g_assert_cmpstr(object_property_find(be, "size")->type, ==, "int");
    object_property_set_type_name(prop, "size");
    object_unparent(child);
}

/* ---- Paths ---- */

static void test_path_canonical_absolute(void)
{
    Object *machine = container_get(object_get_root(), "/machine");
    Object *periph = container_get(machine, "/peripheral");
    Object *dev = object_new(TYPE_TEST_DEVICE);
    Object *loose = object_new(TYPE_TEST_DOG);
    g_autofree char *path = NULL, *root = NULL, *comp = NULL;

    object_property_add_child(periph, "cp-dev0", dev);
    object_unref(dev);
    path = object_get_canonical_path(dev);
    g_assert_cmpstr(path, ==, "/machine/peripheral/cp-dev0");
    root = object_get_canonical_path(object_get_root());
    g_assert_cmpstr(root, ==, "/");
    comp = object_get_canonical_path_component(dev);
    g_assert_cmpstr(comp, ==, "cp-dev0");
    g_assert_null(object_get_canonical_path(loose));
    g_assert_null(object_get_canonical_path_component(loose));

    g_assert_true(object_resolve_path("/machine/peripheral/cp-dev0", NULL)
                  == dev);
    g_assert_true(object_resolve_path("/", NULL) == object_get_root());
    g_assert_true(object_resolve_path("/machine", NULL) == machine);
    g_assert_null(object_resolve_path("/machine/peripheral/nope", NULL));
    g_assert_null(object_resolve_path_type("/machine/peripheral/cp-dev0",
                                           TYPE_TEST_BACKEND, NULL));
    /* container_get finds what exists instead of adding a second one. */
    g_assert_true(container_get(object_get_root(), "/machine/peripheral")
                  == periph);
    g_assert_true(object_get_objects_root() ==
                  object_resolve_path("/objects", NULL));
    object_unparent(dev);
    object_unref(loose);
}

static void test_path_partial(void)
{
    Object *periph = container_get(object_get_root(),
                                   "/machine/peripheral");
    Object *unatt = container_get(object_get_root(), "/machine/unattached");
    Object *vm0 = object_new(TYPE_TEST_DEVICE);
    Object *twin_a = object_new(TYPE_TEST_DEVICE);
    Object *twin_b = object_new(TYPE_TEST_DOG);
    bool ambiguous = true;

    object_property_add_child(periph, "pp-vm0", vm0);
    object_property_add_child(periph, "pp-twin", twin_a);
    object_property_add_child(unatt, "pp-twin", twin_b);

    g_assert_true(object_resolve_path("pp-vm0", &ambiguous) == vm0);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("peripheral/pp-vm0", &ambiguous)
                  == vm0);
    g_assert_true(object_resolve_path("machine/peripheral/pp-vm0", NULL)
                  == vm0);
    g_assert_null(object_resolve_path("unattached/pp-vm0", &ambiguous));
    g_assert_false(ambiguous);
    g_assert_null(object_resolve_path("pp-nothing", &ambiguous));
    g_assert_false(ambiguous);

    g_assert_null(object_resolve_path("pp-twin", &ambiguous));
    g_assert_true(ambiguous);
    g_assert_true(object_resolve_path("unattached/pp-twin", &ambiguous)
                  == twin_b);
    g_assert_false(ambiguous);
    /* A type filter removes the ambiguity. */
    g_assert_true(object_resolve_path_type("pp-twin", TYPE_TEST_DEVICE,
                                           &ambiguous) == twin_a);
    g_assert_false(ambiguous);
    /* No words: every object matches (QEMU's "Path '' is ambiguous"). */
    g_assert_null(object_resolve_path("", &ambiguous));
    g_assert_true(ambiguous);
    g_assert_true(object_resolve_path_type("", TYPE_TEST_DOG, &ambiguous)
                  == twin_b);
    g_assert_false(ambiguous);

    object_unparent(vm0);
    object_unparent(twin_a);
    object_unparent(twin_b);
    object_unref(vm0);
    object_unref(twin_a);
    object_unref(twin_b);
}

/* ---- User-creatable ---- */

static void test_uc_add_del(void)
{
    g_autoptr(JsonObject) props = json_object_new();
    GError *err = NULL;
    Object *obj;

    json_object_set_string_member(props, "qom-type", TYPE_TEST_BACKEND);
    json_object_set_string_member(props, "id", "uc-mem0");
    json_object_set_int_member(props, "size", 1 * MiB);
    json_object_set_boolean_member(props, "share", true);
    obj = user_creatable_add_type(TYPE_TEST_BACKEND, "uc-mem0", props, &err);
    g_assert_no_error(err);
    g_assert_nonnull(obj);
    g_assert_true(object_resolve_path("/objects/uc-mem0", NULL) == obj);
    g_assert_cmpuint(obj->ref, ==, 1);   /* only /objects holds it */
    g_assert_true(TEST_BACKEND(obj)->share);
    g_assert_true(user_creatable_is_complete(obj));

    /* Frozen after complete, through the helper. */
    g_assert_false(object_property_set_uint(obj, "size", 2 * MiB, &err));
    assert_error(err, "cannot change property size of test-backend ");

    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "uc-mem0",
                                          props, &err));
    assert_error(err, "attempt to add duplicate property 'uc-mem0' to "
                 "object (type 'container')");

    events_reset();
    g_assert_true(user_creatable_del("uc-mem0", &err));
    g_assert_no_error(err);
    g_assert_cmpstr(events->str, ==, "fin:backend");
    g_assert_null(object_resolve_path("/objects/uc-mem0", NULL));
    g_assert_false(user_creatable_del("uc-mem0", &err));
    assert_error(err, "object 'uc-mem0' not found");
}

static void test_uc_errors(void)
{
    g_autoptr(JsonObject) props = json_object_new();
    g_autoptr(JsonObject) unknown = json_object_new();
    g_autoptr(JsonObject) badval = json_object_new();
    g_autoptr(JsonObject) failing = json_object_new();
    GError *err = NULL;

    json_object_set_int_member(props, "size", 4096);
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, NULL, props,
                                          &err));
    assert_error(err, "Parameter 'id' is missing");
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "1bad", props,
                                          &err));
    assert_error(err, "Parameter 'id' expects an identifier");
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "a/b", props,
                                          &err));
    assert_error(err, "Parameter 'id' expects an identifier");
    g_assert_null(user_creatable_add_type("nosuch", "x", props, &err));
    assert_error(err, "Parameter 'qom-type' does not accept value 'nosuch'");
    g_assert_null(user_creatable_add_type(TYPE_TEST_ANIMAL, "x", props,
                                          &err));
    assert_error(err, "Parameter 'qom-type' does not accept value "
                 "'test-animal'");
    g_assert_null(user_creatable_add_type(TYPE_CONTAINER, "x", props, &err));
    assert_error(err, "Parameter 'qom-type' does not accept value "
                 "'container'");
    g_assert_null(user_creatable_add_type(TYPE_USER_CREATABLE, "x", props,
                                          &err));
    assert_error(err, "Parameter 'qom-type' does not accept value "
                 "'user-creatable'");

    events_reset();
    json_object_set_int_member(unknown, "foo", 1);
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "uce", unknown,
                                          &err));
    assert_error(err, "Parameter 'foo' is unexpected");
    json_object_set_string_member(badval, "share", "maybe");
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "uce", badval,
                                          &err));
    assert_error(err, "Invalid parameter type for 'share', expected: "
                 "boolean");
    /* complete() needs a size. */
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "uce", NULL,
                                          &err));
    assert_error(err, "can't create backend with size 0");
    json_object_set_int_member(failing, "size", 4096);
    json_object_set_boolean_member(failing, "fail-complete", true);
    g_assert_null(user_creatable_add_type(TYPE_TEST_BACKEND, "uce", failing,
                                          &err));
    assert_error(err, "complete refused");
    /* Every failed attempt freed its object and left no trace. */
    g_assert_cmpstr(events->str, ==,
                    "fin:backend,fin:backend,fin:backend,fin:backend");
    g_assert_null(object_resolve_path("/objects/uce", NULL));
}

static void test_uc_keyval(void)
{
    g_autoptr(JsonObject) props = json_object_new();
    g_autoptr(JsonObject) bad = json_object_new();
    g_autoptr(JsonObject) unknown = json_object_new();
    GError *err = NULL;
    Object *obj;

    json_object_set_string_member(props, "size", "64M");
    json_object_set_string_member(props, "share", "on");
    json_object_set_string_member(props, "policy", "bind");
    obj = user_creatable_add_keyval(TYPE_TEST_BACKEND, "kv-mem0", props,
                                    &err);
    g_assert_no_error(err);
    g_assert_cmpuint(TEST_BACKEND(obj)->size, ==, 64 * MiB);
    g_assert_true(TEST_BACKEND(obj)->share);
    g_assert_cmpint(TEST_BACKEND(obj)->policy, ==, 2);

    json_object_set_string_member(bad, "size", "abc");
    g_assert_null(user_creatable_add_keyval(TYPE_TEST_BACKEND, "kv-mem1",
                                            bad, &err));
    assert_error(err, "Parameter 'size' expects a size value");
    json_object_set_string_member(unknown, "foo", "1");
    g_assert_null(user_creatable_add_keyval(TYPE_TEST_BACKEND, "kv-mem1",
                                            unknown, &err));
    assert_error(err, "Invalid parameter 'foo'");
    g_assert_true(user_creatable_del("kv-mem0", NULL));
}

static void test_uc_doc_example(void)
{
    g_autoptr(JsonObject) props = json_object_new();
    g_autoptr(JsonObject) empty = json_object_new();
    GError *err = NULL;
    Object *obj;

    json_object_set_string_member(props, "size", "8G");
    obj = user_creatable_add_keyval(TYPE_FOO, "f0", props, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(FOO(obj)->size, ==, 8 * GiB);
    g_assert_true(object_resolve_path("/objects/f0", NULL) == obj);
    g_assert_null(user_creatable_add_keyval(TYPE_FOO, "f1", empty, &err));
    assert_error(err, "foo: 'size' is required");
    g_assert_true(user_creatable_del("f0", NULL));
}

static void test_uc_id_wellformed(void)
{
    g_assert_true(user_creatable_id_wellformed("mem0"));
    g_assert_true(user_creatable_id_wellformed("a-b.c_d"));
    g_assert_false(user_creatable_id_wellformed(""));
    g_assert_false(user_creatable_id_wellformed("0mem"));
    g_assert_false(user_creatable_id_wellformed("_x"));
    g_assert_false(user_creatable_id_wellformed("a b"));
    g_assert_false(user_creatable_id_wellformed("a,b"));
}

/* Registering the same TypeInfo again returns the same handle. */
static void test_register_idempotent(void)
{
    Type first = type_register_static(&test_types[0]);

    g_assert_true(type_register_static(&test_types[0]) == first);
    type_register_static_array(test_types, ARRAY_SIZE(test_types));
    qom_register_types();
    g_assert_true(type_register_static(&test_types[0]) == first);
    g_assert_nonnull(object_class_by_name(TYPE_TEST_PUPPY));
}

/* A second, different TypeInfo under a taken name aborts. */
static void test_register_name_clash(void)
{
    static const TypeInfo impostor = {
        .name = TYPE_TEST_DOG,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    };

    if (g_test_subprocess()) {
        type_register_static(&impostor);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*two types named*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    events = g_string_new(NULL);
    qom_register_types();
    type_register_static_array(test_types, ARRAY_SIZE(test_types));
    foo_register_types();

    g_test_add_func("/qom/type/register-again-is-a-no-op",
                    test_register_idempotent);
    g_test_add_func("/qom/type/register-other-info-same-name-aborts",
                    test_register_name_clash);
    g_test_add_func("/qom/type/inheritance-and-casts",
                    test_type_inheritance);
    g_test_add_func("/qom/type/interface-cast-per-class",
                    test_type_interface_cast);
    g_test_add_func("/qom/type/list-implements-and-abstract",
                    test_type_list);
    g_test_add_func("/qom/type/qom-list-types-json", test_type_list_json);
    g_test_add_func("/qom/object/init-down-finalize-up",
                    test_object_init_finalize_order);
    g_test_add_func("/qom/object/child-keeps-alive-unparent-frees",
                    test_object_child_keeps_alive);
    g_test_add_func("/qom/object/unparent-keeps-extra-ref",
                    test_object_unparent_keeps_extra_ref);
    g_test_add_func("/qom/object/strong-link-holds-ref",
                    test_object_strong_link_holds_ref);
    g_test_add_func("/qom/prop/errors-qemu-wording", test_prop_errors);
    g_test_add_func("/qom/prop/json-roundtrip", test_prop_json_roundtrip);
    g_test_add_func("/qom/prop/parse-bool", test_prop_parse_bool);
    g_test_add_func("/qom/prop/parse-size-suffixes", test_prop_parse_size);
    g_test_add_func("/qom/prop/parse-int-uint-range",
                    test_prop_parse_numbers);
    g_test_add_func("/qom/prop/parse-enum-and-string",
                    test_prop_parse_enum_str);
    g_test_add_func("/qom/prop/link-check-and-in-use", test_prop_link);
    g_test_add_func("/qom/prop/link-clear-is-checked",
                    test_prop_link_clear_checked);
    g_test_add_func("/qom/prop/ptr-helpers", test_prop_ptr_helpers);
    g_test_add_func("/qom/prop/duplicate-and-index-names",
                    test_prop_duplicate_and_index);
    g_test_add_func("/qom/prop/qom-list", test_prop_list);
    g_test_add_func("/qom/path/canonical-and-absolute",
                    test_path_canonical_absolute);
    g_test_add_func("/qom/path/partial-and-ambiguous", test_path_partial);
    g_test_add_func("/qom/user-creatable/add-del", test_uc_add_del);
    g_test_add_func("/qom/user-creatable/errors-leave-nothing",
                    test_uc_errors);
    g_test_add_func("/qom/user-creatable/keyval", test_uc_keyval);
    g_test_add_func("/qom/user-creatable/doc-example", test_uc_doc_example);
    g_test_add_func("/qom/user-creatable/id-wellformed",
                    test_uc_id_wellformed);
    return g_test_run();
}
