/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the device layer (hw/core/qdev.c): property defaults and
 * freezing at realize, realize failure, bus plugging, reset on machine
 * reset, and -device option handling with QEMU's error wording.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/option.h"
#include "sysemu/reset.h"
#include "hw/qdev-core.h"

#define TYPE_TEST_BUS "test-bus"
#define TYPE_TEST_DEV "test-dev"

typedef struct TestDev {
    DeviceState parent_obj;
    uint32_t num;
    uint64_t size;
    bool flag;
    char *label;
    bool fail_realize;
    Object *peer;
    unsigned resets;
    unsigned bus_resets;
} TestDev;

static unsigned plugged;

static TestDev *TEST_DEV(void *obj)
{
    return OBJECT_CHECK(TestDev, obj, TYPE_TEST_DEV);
}

static const Property test_dev_props[] = {
    DEFINE_PROP_UINT32("num", TestDev, num, 7),
    DEFINE_PROP_SIZE("size", TestDev, size, 4096),
    DEFINE_PROP_BOOL("flag", TestDev, flag, true),
    DEFINE_PROP_STRING("label", TestDev, label),
    DEFINE_PROP_BOOL("fail-realize", TestDev, fail_realize, false),
    DEFINE_PROP_LINK("peer", TestDev, peer, TYPE_CONTAINER),
    DEFINE_PROP_END_OF_LIST(),
};

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    if (TEST_DEV(dev)->fail_realize) {
        error_setg(errp, "test-dev refuses");
        return false;
    }
    return true;
}

static void test_dev_reset(DeviceState *dev)
{
    TEST_DEV(dev)->resets++;
}

static void test_dev_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->realize = test_dev_realize;
    dc->reset = test_dev_reset;
    dc->bus_type = TYPE_TEST_BUS;
    device_class_set_props(dc, test_dev_props);
}

static bool test_bus_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    plugged++;
    return true;
}

static void test_bus_unplug(BusState *bus, DeviceState *dev)
{
    plugged--;
}

static void test_bus_reset_device(BusState *bus, DeviceState *dev)
{
    TEST_DEV(dev)->bus_resets++;
}

static void test_bus_class_init(ObjectClass *oc, void *data)
{
    BusClass *bc = BUS_CLASS(oc);

    bc->plug = test_bus_plug;
    bc->unplug = test_bus_unplug;
    bc->reset_device = test_bus_reset_device;
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_DEV,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(TestDev),
        .class_init = test_dev_class_init,
    },
    {
        .name = TYPE_TEST_BUS,
        .parent = TYPE_BUS,
        .class_init = test_bus_class_init,
    },
};

static DeviceState *add_device(const char *str, GError **errp)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse(str, "driver", NULL);

    g_assert_nonnull(opts);
    return qdev_device_add(opts, errp);
}

static void test_defaults_and_freeze(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_new(TYPE_TEST_DEV);
    Object *obj = OBJECT(dev);

    g_assert_cmpuint(TEST_DEV(dev)->num, ==, 7);
    g_assert_cmpuint(TEST_DEV(dev)->size, ==, 4096);
    g_assert_true(TEST_DEV(dev)->flag);
    g_assert_true(object_property_parse(obj, "size", "2M", NULL));
    g_assert_cmpuint(TEST_DEV(dev)->size, ==, 2 * MiB);
    g_assert_true(object_property_parse(obj, "label", "hello", NULL));
    g_assert_true(qdev_realize(dev, qbus_find("tbus.0"), &err));
    g_assert_null(err);
    g_assert_true(object_property_get_bool(obj, "realized", NULL));
    g_assert_false(object_property_set_uint(obj, "num", 3, &err));
    g_assert_cmpstr(err->message, ==, "Attempt to set property 'num' on "
                    "anonymous device (type 'test-dev') after it was "
                    "realized");
    g_assert_cmpuint(TEST_DEV(dev)->num, ==, 7);
    object_unparent(obj);
    object_unref(dev);
}

/*
 * A realized device's links are frozen: setting one and clearing one
 * ("" over QMP) are both refused in QEMU's words, and the target stays.
 */
static void test_link_frozen_after_realize(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_new(TYPE_TEST_DEV);
    Object *obj = OBJECT(dev);
    Object *peer = object_new(TYPE_CONTAINER);
    Object *other = object_new(TYPE_CONTAINER);
    const char *msg = "Attempt to set link property 'peer' on device "
                      "'<anon>' (type 'test-dev') after it was realized";

    object_property_add_child(object_get_root(), "peer0", peer);
    object_property_add_child(object_get_root(), "peer1", other);
    g_assert_true(object_property_parse(obj, "peer", "/peer0", NULL));
    g_assert_true(qdev_realize(dev, qbus_find("tbus.0"), NULL));
    g_assert_false(object_property_parse(obj, "peer", "", &err));
    g_assert_cmpstr(err->message, ==, msg);
    g_clear_error(&err);
    g_assert_false(object_property_parse(obj, "peer", "/peer1", &err));
    g_assert_cmpstr(err->message, ==, msg);
    g_clear_error(&err);
    g_assert_false(object_property_set_link(obj, "peer", NULL, &err));
    g_assert_cmpstr(err->message, ==, msg);
    g_assert_true(TEST_DEV(dev)->peer == peer);
    object_unparent(obj);
    object_unref(dev);
    object_unparent(peer);
    object_unparent(other);
    object_unref(peer);
    object_unref(other);
}

/*
 * "realized" false over QOM is a hot-unplug, which no device supports:
 * refused, the device stays realized and plugged; true is a no-op.
 */
static void test_unrealize_refused(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = add_device("test-dev,id=u0", NULL);
    Object *obj = OBJECT(dev);
    unsigned before = plugged;

    g_assert_false(object_property_set_bool(obj, "realized", false, &err));
    g_assert_cmpstr(err->message, ==, "Device 'u0' (type 'test-dev') does "
                    "not support hot-unplug: it cannot be unrealized");
    g_assert_true(dev->realized);
    g_assert_cmpuint(plugged, ==, before);
    g_assert_true(object_property_set_bool(obj, "realized", true, NULL));
    g_assert_true(dev->realized);
    g_assert_cmpuint(plugged, ==, before);
    /* The tree's own teardown still unrealizes and unplugs. */
    object_unparent(obj);
    g_assert_cmpuint(plugged, ==, before - 1);
}

static void test_realize_failure_unplugs(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_new(TYPE_TEST_DEV);
    unsigned before = plugged;

    object_property_set_bool(OBJECT(dev), "fail-realize", true, NULL);
    g_assert_false(qdev_realize(dev, qbus_find("tbus.0"), &err));
    g_assert_cmpstr(err->message, ==, "test-dev refuses");
    g_assert_cmpuint(plugged, ==, before);
    g_assert_false(dev->realized);
    object_unref(dev);
}

static void test_reset_on_system_reset(void)
{
    DeviceState *dev = add_device("test-dev,id=r0", NULL);

    g_assert_nonnull(dev);
    qemu_devices_reset();
    g_assert_cmpuint(TEST_DEV(dev)->resets, ==, 1);
    g_assert_cmpuint(TEST_DEV(dev)->bus_resets, ==, 1);
    object_unparent(OBJECT(dev));
    g_assert_null(object_resolve_path("/machine/peripheral/r0", NULL));
}

static void test_device_add_paths(void)
{
    DeviceState *a = add_device("test-dev,id=a1,num=9", NULL);
    DeviceState *b = add_device("test-dev", NULL);
    g_autofree char *pa = object_get_canonical_path(OBJECT(a));
    g_autofree char *pb = object_get_canonical_path(OBJECT(b));

    g_assert_cmpstr(pa, ==, "/machine/peripheral/a1");
    g_assert_true(g_str_has_prefix(pb, "/machine/peripheral-anon/device["));
    g_assert_cmpuint(TEST_DEV(a)->num, ==, 9);
    g_assert_cmpuint(plugged, ==, 2);
    object_unparent(OBJECT(a));
    object_unparent(OBJECT(b));
    g_assert_cmpuint(plugged, ==, 0);
}

static void check_add_error(const char *str, const char *msg)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *first = NULL;

    g_assert_null(add_device(str, &err));
    g_assert_nonnull(err);
    /* only the first line: hints follow it */
    first = g_strndup(err->message, strcspn(err->message, "\n"));
    g_assert_cmpstr(first, ==, msg);
}

static void test_device_add_errors(void)
{
    DeviceState *dup = add_device("test-dev,id=dup", NULL);

    check_add_error("foo", "'foo' is not a valid device model name");
    check_add_error("device",
                    "Parameter 'driver' expects a non-abstract device type");
    check_add_error("test-dev,id=1x", "Parameter 'id' expects an identifier");
    check_add_error("test-dev,id=dup", "Duplicate ID 'dup' for device");
    check_add_error("test-dev,bus=nope", "Bus 'nope' not found");
    check_add_error("test-dev,bogus=1",
                    "Property 'test-dev.bogus' not found");
    check_add_error("test-dev,id=f,fail-realize=on", "test-dev refuses");
    g_assert_null(object_resolve_path("/machine/peripheral/f", NULL));
    g_assert_cmpuint(plugged, ==, 1);
    object_unparent(OBJECT(dup));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qdev_register_types();
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
    qbus_new(TYPE_TEST_BUS, NULL, "tbus.0");

    g_test_add_func("/qdev/props/defaults-then-frozen-after-realize",
                    test_defaults_and_freeze);
    g_test_add_func("/qdev/props/link-frozen-after-realize",
                    test_link_frozen_after_realize);
    g_test_add_func("/qdev/realize/unrealize-refused",
                    test_unrealize_refused);
    g_test_add_func("/qdev/realize/failure-unplugs",
                    test_realize_failure_unplugs);
    g_test_add_func("/qdev/reset/system-reset-resets-devices",
                    test_reset_on_system_reset);
    g_test_add_func("/qdev/device-add/paths", test_device_add_paths);
    g_test_add_func("/qdev/device-add/errors", test_device_add_errors);
    return g_test_run();
}
