/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device layer: TYPE_DEVICE and TYPE_BUS, field-backed device
 * properties, realize/unrealize with bus plugging, device reset on
 * machine reset, and -device (creation from command-line options, help).
 *
 * Tuned for a handful of devices created at start-up and touched at
 * reset: buses are a short global list, reset handlers are registered
 * per device in realize order, nothing here is on a guest access path.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qom/object_interfaces.h"
#include "sysemu/reset.h"
#include "hw/qdev-core.h"
#include "migration/vmstate.h"

/* Every bus created with qbus_new(), in creation order (borrowed). */
static GSList *all_buses;

/* ---- Properties -------------------------------------------------- */

static const char *const prop_type_names[] = {
    [QDEV_PROP_BOOL] = "bool",
    [QDEV_PROP_UINT8] = "uint8",
    [QDEV_PROP_UINT16] = "uint16",
    [QDEV_PROP_UINT32] = "uint32",
    [QDEV_PROP_UINT64] = "uint64",
    [QDEV_PROP_INT32] = "int32",
    [QDEV_PROP_SIZE] = "size",
    [QDEV_PROP_STRING] = "str",
};

static void *prop_field(DeviceState *dev, const Property *p)
{
    return (char *)dev + p->offset;
}

/* @what is "property" or "link property", as QEMU words it. */
static bool prop_check_unrealized(DeviceState *dev, const char *what,
                                  const char *name, GError **errp)
{
    if (!dev->realized) {
        return true;
    }
    /*
     * QEMU 7.2 names an anonymous device in words for plain properties
     * and prints its (null) id for links; we print "<anon>" there.
     */
    if (!dev->id && !strcmp(what, "property")) {
        error_setg(errp, "Attempt to set property '%s' on anonymous device "
                   "(type '%s') after it was realized", name,
                   object_get_typename(OBJECT(dev)));
        return false;
    }
    error_setg(errp, "Attempt to set %s '%s' on device '%s' "
               "(type '%s') after it was realized", what, name,
               dev->id ? dev->id : "<anon>",
               object_get_typename(OBJECT(dev)));
    return false;
}

bool qdev_prop_check_unrealized(DeviceState *dev, const char *name,
                                GError **errp)
{
    return prop_check_unrealized(dev, "property", name, errp);
}

static uint64_t prop_read_num(DeviceState *dev, const Property *p)
{
    void *f = prop_field(dev, p);

    switch (p->kind) {
    case QDEV_PROP_BOOL:
        return *(bool *)f;
    case QDEV_PROP_UINT8:
        return *(uint8_t *)f;
    case QDEV_PROP_UINT16:
        return *(uint16_t *)f;
    case QDEV_PROP_UINT32:
        return *(uint32_t *)f;
    case QDEV_PROP_INT32:
        return (uint64_t)(int64_t)*(int32_t *)f;
    default:
        return *(uint64_t *)f;
    }
}

static void prop_write_num(DeviceState *dev, const Property *p, uint64_t v)
{
    void *f = prop_field(dev, p);

    switch (p->kind) {
    case QDEV_PROP_BOOL:
        *(bool *)f = v;
        break;
    case QDEV_PROP_UINT8:
        *(uint8_t *)f = v;
        break;
    case QDEV_PROP_UINT16:
        *(uint16_t *)f = v;
        break;
    case QDEV_PROP_UINT32:
        *(uint32_t *)f = v;
        break;
    case QDEV_PROP_INT32:
        *(int32_t *)f = (int32_t)(int64_t)v;
        break;
    default:
        *(uint64_t *)f = v;
        break;
    }
}

static JsonNode *prop_get(Object *obj, ObjectProperty *op, GError **errp)
{
    DeviceState *dev = DEVICE(obj);
    const Property *p = op->opaque;
    JsonNode *node = json_node_new(JSON_NODE_VALUE);
    uint64_t v;

    switch (p->kind) {
    case QDEV_PROP_STRING: {
        char *s = *(char **)prop_field(dev, p);

        if (!s) {
            json_node_init_null(node);
        } else {
            json_node_set_string(node, s);
        }
        return node;
    }
    case QDEV_PROP_BOOL:
        json_node_set_boolean(node, *(bool *)prop_field(dev, p));
        return node;
    case QDEV_PROP_INT32:
        json_node_set_int(node, *(int32_t *)prop_field(dev, p));
        return node;
    default:
        json_node_unref(node);
        v = prop_read_num(dev, p);
        return object_property_uint_to_json(v);
    }
}

static unsigned prop_bits(QdevPropKind kind)
{
    switch (kind) {
    case QDEV_PROP_UINT8:
        return 8;
    case QDEV_PROP_UINT16:
        return 16;
    case QDEV_PROP_UINT32:
    case QDEV_PROP_INT32:
        return 32;
    default:
        return 64;
    }
}

static bool prop_decode(const Property *p, JsonNode *value, uint64_t *out,
                        GError **errp)
{
    bool b;
    int64_t i;

    switch (p->kind) {
    case QDEV_PROP_BOOL:
        if (!object_property_json_to_bool(value, p->name, &b, errp)) {
            return false;
        }
        *out = b;
        return true;
    case QDEV_PROP_INT32:
        if (!object_property_json_to_int(value, p->name, 32, &i, errp)) {
            return false;
        }
        *out = (uint64_t)i;
        return true;
    default:
        return object_property_json_to_uint(value, p->name,
                                            prop_bits(p->kind), out, errp);
    }
}

static bool prop_set(Object *obj, ObjectProperty *op, JsonNode *value,
                     GError **errp)
{
    DeviceState *dev = DEVICE(obj);
    const Property *p = op->opaque;
    uint64_t v;

    if (!qdev_prop_check_unrealized(dev, p->name, errp)) {
        return false;
    }
    if (p->kind == QDEV_PROP_STRING) {
        const char *s;
        char **field = prop_field(dev, p);

        if (!object_property_json_to_str(value, p->name, &s, errp)) {
            return false;
        }
        g_free(*field);
        *field = g_strdup(s);
        return true;
    }
    if (!prop_decode(p, value, &v, errp)) {
        return false;
    }
    if (p->check && !p->check(dev, p, v, errp)) {
        return false;
    }
    prop_write_num(dev, p, v);
    return true;
}

/* Any change of a realized device's link is refused, clearing included. */
static bool prop_link_check(Object *obj, const char *name, Object *target,
                            GError **errp)
{
    return prop_check_unrealized(DEVICE(obj), "link property", name, errp);
}

/* A Property's default as JSON, NULL for strings and links (none). */
static JsonNode *prop_default_json(const Property *p)
{
    JsonNode *node;

    if (p->kind == QDEV_PROP_STRING || p->kind == QDEV_PROP_LINK) {
        return NULL;
    }
    node = json_node_new(JSON_NODE_VALUE);
    if (p->kind == QDEV_PROP_BOOL) {
        json_node_set_boolean(node, p->defval);
    } else if (p->kind == QDEV_PROP_INT32) {
        json_node_set_int(node, (int32_t)p->defval);
    } else {
        /* an unsigned default beyond INT64_MAX reads back as negative */
        json_node_set_int(node, (int64_t)p->defval);
    }
    return node;
}

static void prop_add_one(ObjectClass *oc, const Property *p)
{
    ObjectProperty *op;

    if (p->kind == QDEV_PROP_LINK) {
        op = object_class_property_add_link(oc, p->name, p->link_type,
                                            p->offset, prop_link_check,
                                            OBJ_PROP_LINK_STRONG);
    } else {
        op = object_class_property_add(oc, p->name,
                                       prop_type_names[p->kind], prop_get,
                                       prop_set, NULL, (void *)p);
    }
    if (p->description) {
        object_property_set_description(op, p->description);
    } else if (p->kind == QDEV_PROP_BOOL) {
        object_property_set_description(op, "on/off");
    }
    object_property_set_default(op, prop_default_json(p));
}

void device_class_set_props(DeviceClass *dc, const Property *props)
{
    for (const Property *p = props; p->name; p++) {
        prop_add_one(OBJECT_CLASS(dc), p);
    }
    dc->props = g_slist_prepend(dc->props, (gpointer)props);
}

/* Apply (or, at finalize, release) the fields of every Property array. */
static void device_props_init(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    for (GSList *l = dc->props; l; l = l->next) {
        for (const Property *p = l->data; p->name; p++) {
            if (p->kind != QDEV_PROP_STRING && p->kind != QDEV_PROP_LINK) {
                prop_write_num(dev, p, p->defval);
            }
        }
    }
}

static void device_props_release(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    for (GSList *l = dc->props; l; l = l->next) {
        for (const Property *p = l->data; p->name; p++) {
            if (p->kind == QDEV_PROP_STRING) {
                g_clear_pointer((char **)prop_field(dev, p), g_free);
            }
        }
    }
}

/* The Property behind a class property, for help output; NULL if none. */
static const Property *device_find_prop(DeviceClass *dc, const char *name)
{
    for (GSList *l = dc->props; l; l = l->next) {
        for (const Property *p = l->data; p->name; p++) {
            if (!strcmp(p->name, name)) {
                return p;
            }
        }
    }
    return NULL;
}

/* ---- Life cycle -------------------------------------------------- */

Object *qdev_get_machine(void)
{
    return container_get(object_get_root(), "/machine");
}

static void device_reset_handler(void *opaque)
{
    device_cold_reset(opaque);
}

void device_cold_reset(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (dc->reset) {
        dc->reset(dev);
    }
    if (dev->parent_bus) {
        BusClass *bc = BUS_GET_CLASS(dev->parent_bus);

        if (bc->reset_device) {
            bc->reset_device(dev->parent_bus, dev);
        }
    }
}

static bool bus_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    BusClass *bc = BUS_GET_CLASS(bus);

    dev->parent_bus = bus;
    if (bc->plug && !bc->plug(bus, dev, errp)) {
        dev->parent_bus = NULL;
        return false;
    }
    object_ref(dev);
    g_queue_push_tail(&bus->children, dev);
    return true;
}

static void bus_unplug(DeviceState *dev)
{
    BusState *bus = dev->parent_bus;
    BusClass *bc;

    if (!bus) {
        return;
    }
    bc = BUS_GET_CLASS(bus);
    if (bc->unplug) {
        bc->unplug(bus, dev);
    }
    g_queue_remove(&bus->children, dev);
    dev->parent_bus = NULL;
    object_unref(dev);
}

static bool bus_accepts(DeviceClass *dc, BusState *bus, GError **errp)
{
    const char *want = dc->bus_type;

    if (!want && !bus) {
        return true;
    }
    if (want && bus && object_dynamic_cast(OBJECT(bus), want)) {
        return true;
    }
    if (!bus) {
        error_setg(errp, "No '%s' bus found for device '%s'", want,
                   object_class_get_name(OBJECT_CLASS(dc)));
    } else {
        error_setg(errp, "Device '%s' can't go on %s bus",
                   object_class_get_name(OBJECT_CLASS(dc)),
                   object_get_typename(OBJECT(bus)));
    }
    return false;
}

static bool device_do_realize(DeviceState *dev, BusState *bus,
                              GError **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (dev->realized) {
        return true;
    }
    if (dev->global_err) {
        error_propagate(errp, g_error_copy(dev->global_err));
        return false;
    }
    if (!bus_accepts(dc, bus, errp)) {
        return false;
    }
    if (bus && !bus_plug(bus, dev, errp)) {
        return false;
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        bus_unplug(dev);
        return false;
    }
    if (!OBJECT(dev)->parent) {
        object_property_add_child(container_get(qdev_get_machine(),
                                                "/unattached"),
                                  "device[*]", OBJECT(dev));
    }
    dev->realized = true;
    qemu_register_reset(device_reset_handler, dev);
    dev->reset_registered = true;
    return true;
}

bool qdev_realize(DeviceState *dev, BusState *bus, GError **errp)
{
    return device_do_realize(dev, bus, errp);
}

bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, GError **errp)
{
    bool ok = qdev_realize(dev, bus, errp);

    object_unref(dev);
    return ok;
}

void qdev_unrealize(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (!dev->realized) {
        return;
    }
    if (dev->reset_registered) {
        qemu_unregister_reset(device_reset_handler, dev);
        dev->reset_registered = false;
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    dev->realized = false;
    bus_unplug(dev);
}

DeviceState *qdev_new(const char *typename)
{
    ObjectClass *oc = object_class_by_name(typename);

    g_assert(oc && object_class_dynamic_cast(oc, TYPE_DEVICE));
    return DEVICE(object_new(typename));
}

static bool device_get_realized(Object *obj)
{
    return DEVICE(obj)->realized;
}

/*
 * "realized" over QMP.  Setting it to false would be a hot-unplug, and no
 * device here supports one: the machine has no unplug path, and a device
 * torn down under a live machine leaves regions in their containers,
 * listeners registered and children that a second realize adds again.
 * So a realized device refuses; qdev_unrealize() stays for the tree's
 * own teardown (unparent at exit, a failed -device).
 */
static bool device_set_realized(Object *obj, bool value, GError **errp)
{
    DeviceState *dev = DEVICE(obj);

    if (value) {
        return device_do_realize(dev, dev->parent_bus, errp);
    }
    if (dev->realized) {
        error_setg(errp, "Device '%s' (type '%s') does not support "
                   "hot-unplug: it cannot be unrealized",
                   dev->id ? dev->id : "<anon>", object_get_typename(obj));
        return false;
    }
    return true;
}

static char *device_get_parent_bus(Object *obj)
{
    BusState *bus = DEVICE(obj)->parent_bus;

    return bus ? object_get_canonical_path(OBJECT(bus)) : g_strdup("");
}

static void device_initfn(Object *obj)
{
    device_props_init(DEVICE(obj));
}

/* ---- -global -------------------------------------------------------- */

typedef struct GlobalProp {
    char *driver;
    char *prop;
    char *value;
} GlobalProp;

static GPtrArray *global_props;     /* of GlobalProp, in command-line order */

void qdev_prop_register_global(const char *driver, const char *prop,
                               const char *value)
{
    GlobalProp *g = g_new0(GlobalProp, 1);

    if (!global_props) {
        global_props = g_ptr_array_new();
    }
    g->driver = g_strdup(driver);
    g->prop = g_strdup(prop);
    g->value = g_strdup(value);
    g_ptr_array_add(global_props, g);
}

bool qdev_globals_check(GError **errp)
{
    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);
        ObjectClass *oc = object_class_by_name(g->driver);

        if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
            error_setg(errp, "global %s.%s has invalid class name",
                       g->driver, g->prop);
            return false;
        }
        if (!object_class_property_find(oc, g->prop)) {
            error_setg(errp, "global %s.%s: property '%s' not found on "
                       "'%s'", g->driver, g->prop, g->prop, g->driver);
            return false;
        }
    }
    return true;
}

/* After every instance_init: apply the globals that match this device. */
static void device_post_init(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);
        GError *err = NULL;

        if (!object_dynamic_cast(obj, g->driver)) {
            continue;
        }
        if (!object_property_parse(obj, g->prop, g->value, &err)) {
            if (!dev->global_err) {
                error_prepend(&err, "-global %s.%s=%s: ", g->driver,
                              g->prop, g->value);
                dev->global_err = err;
            } else {
                g_error_free(err);
            }
        }
    }
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    g_assert(!dev->realized);
    device_props_release(dev);
    g_clear_pointer(&dev->gpio_in, g_ptr_array_unref);
    g_clear_pointer(&dev->gpio_out, g_ptr_array_unref);
    g_free(dev->id);
    g_clear_error(&dev->global_err);
}

static void device_unparent(Object *obj)
{
    qdev_unrealize(DEVICE(obj));
}

static void device_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = true;
    oc->unparent = device_unparent;
    object_class_property_add_bool(oc, "realized", device_get_realized,
                                   device_set_realized);
    object_class_property_add_str(oc, "parent_bus", device_get_parent_bus,
                                  NULL);
}

/* ---- Interrupt lines -------------------------------------------- */

void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n)
{
    if (!dev->gpio_in) {
        dev->gpio_in = g_ptr_array_new_with_free_func(
            (GDestroyNotify)qemu_free_irq);
    }
    for (int i = 0; i < n; i++) {
        g_ptr_array_add(dev->gpio_in,
                        qemu_allocate_irq(handler, dev, dev->gpio_in->len));
    }
}

qemu_irq qdev_get_gpio_in(DeviceState *dev, int n)
{
    g_assert(dev->gpio_in && n >= 0 && (guint)n < dev->gpio_in->len);
    return g_ptr_array_index(dev->gpio_in, n);
}

int qdev_get_gpio_in_count(DeviceState *dev)
{
    return dev->gpio_in ? dev->gpio_in->len : 0;
}

void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n)
{
    if (!dev->gpio_out) {
        dev->gpio_out = g_ptr_array_new();
    }
    for (int i = 0; i < n; i++) {
        g_ptr_array_add(dev->gpio_out, &pins[i]);
    }
}

void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq pin)
{
    qemu_irq *slot;

    g_assert(dev->gpio_out && n >= 0 && (guint)n < dev->gpio_out->len);
    slot = g_ptr_array_index(dev->gpio_out, n);
    *slot = pin;
}

bool qdev_intercept_gpio_in(DeviceState *dev, qemu_irq_handler handler,
                            void *opaque)
{
    int n = qdev_get_gpio_in_count(dev);

    for (int i = 0; i < n; i++) {
        qemu_irq_intercept(qdev_get_gpio_in(dev, i), handler, opaque);
    }
    return n > 0;
}

bool qdev_intercept_gpio_out(DeviceState *dev, qemu_irq_handler handler,
                             void *opaque)
{
    guint n = dev->gpio_out ? dev->gpio_out->len : 0;

    for (guint i = 0; i < n; i++) {
        qemu_irq *slot = g_ptr_array_index(dev->gpio_out, i);

        *slot = qemu_allocate_irq(handler, opaque, i);
    }
    return n > 0;
}

/* ---- Buses ------------------------------------------------------- */

BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name)
{
    BusState *bus = BUS(object_new(typename));
    Object *owner = parent ? OBJECT(parent)
                           : container_get(qdev_get_machine(),
                                           "/unattached");

    bus->name = g_strdup(name);
    bus->parent = parent;
    object_property_add_child(owner, name, OBJECT(bus));
    object_unref(bus);
    all_buses = g_slist_append(all_buses, bus);
    return bus;
}

BusState *qbus_find(const char *name)
{
    for (GSList *l = all_buses; l; l = l->next) {
        BusState *bus = l->data;

        if (!strcmp(bus->name, name)) {
            return bus;
        }
    }
    return NULL;
}

BusState *qbus_find_by_type(const char *typename)
{
    for (GSList *l = all_buses; l; l = l->next) {
        if (object_dynamic_cast(OBJECT(l->data), typename)) {
            return l->data;
        }
    }
    return NULL;
}

static void bus_initfn(Object *obj)
{
    g_queue_init(&BUS(obj)->children);
}

static void bus_finalize(Object *obj)
{
    BusState *bus = BUS(obj);

    all_buses = g_slist_remove(all_buses, bus);
    g_assert(g_queue_is_empty(&bus->children));
    g_free(bus->name);
}

/* ---- -device ----------------------------------------------------- */

static const char *const category_names[DEVICE_CATEGORY_MAX] = {
    [DEVICE_CATEGORY_BRIDGE] = "Controller/Bridge/Hub devices",
    [DEVICE_CATEGORY_USB] = "USB devices",
    [DEVICE_CATEGORY_STORAGE] = "Storage devices",
    [DEVICE_CATEGORY_NETWORK] = "Network devices",
    [DEVICE_CATEGORY_INPUT] = "Input devices",
    [DEVICE_CATEGORY_DISPLAY] = "Display devices",
    [DEVICE_CATEGORY_SOUND] = "Sound devices",
    [DEVICE_CATEGORY_MISC] = "Misc devices",
    [DEVICE_CATEGORY_CPU] = "CPU devices",
    [DEVICE_CATEGORY_WATCHDOG] = "Watchdog devices",
};

static const char *bus_help_name(const char *bus_type)
{
    ObjectClass *oc = bus_type ? object_class_by_name(bus_type) : NULL;
    BusClass *bc = oc ? (BusClass *)object_class_dynamic_cast(oc, TYPE_BUS)
                      : NULL;

    if (bc && bc->help_name) {
        return bc->help_name;
    }
    return bus_type;
}

static void print_device_line(DeviceClass *dc)
{
    const char *bus = bus_help_name(dc->bus_type);

    printf("name \"%s\"", object_class_get_name(OBJECT_CLASS(dc)));
    if (bus) {
        printf(", bus %s", bus);
    }
    if (dc->desc) {
        printf(", desc \"%s\"", dc->desc);
    }
    printf("\n");
}

static void print_device_list(void)
{
    g_autoptr(GSList) list = object_class_get_list(TYPE_DEVICE, false);
    bool any = false;

    for (int cat = 0; cat < DEVICE_CATEGORY_MAX; cat++) {
        bool header = false;

        for (GSList *l = list; l; l = l->next) {
            DeviceClass *dc = DEVICE_CLASS(l->data);

            if (!dc->user_creatable || (int)dc->category != cat) {
                continue;
            }
            if (!header) {
                printf("%s%s:\n", any ? "\n" : "", category_names[cat]);
                header = any = true;
            }
            print_device_line(dc);
        }
    }
}

static gint prop_cmp_name(gconstpointer a, gconstpointer b)
{
    const ObjectProperty *pa = *(ObjectProperty *const *)a;
    const ObjectProperty *pb = *(ObjectProperty *const *)b;

    return strcmp(pa->name, pb->name);
}

static char *prop_default_text(const Property *p)
{
    switch (p->kind) {
    case QDEV_PROP_BOOL:
        return g_strdup(p->defval ? "true" : "false");
    case QDEV_PROP_INT32:
        return g_strdup_printf("%" PRId64, (int64_t)p->defval);
    case QDEV_PROP_STRING:
    case QDEV_PROP_LINK:
        return NULL;
    default:
        return g_strdup_printf("%" PRIu64, p->defval);
    }
}

/* An advertised default that is not a Property's (e.g. a forwarder's). */
static char *defval_text(const ObjectProperty *op)
{
    if (!op->defval || !JSON_NODE_HOLDS_VALUE(op->defval)) {
        return NULL;
    }
    switch (json_node_get_value_type(op->defval)) {
    case G_TYPE_BOOLEAN:
        return g_strdup(json_node_get_boolean(op->defval) ? "true" : "false");
    case G_TYPE_INT64:
        return g_strdup_printf("%" PRId64, json_node_get_int(op->defval));
    case G_TYPE_STRING:
        return g_strdup_printf("\"%s\"", json_node_get_string(op->defval));
    default:
        return NULL;
    }
}

static void print_prop_help(DeviceClass *dc, ObjectProperty *op)
{
    const Property *p = device_find_prop(dc, op->name);
    g_autofree char *head = g_strdup_printf("%s=<%s>", op->name, op->type);
    g_autofree char *def = p ? prop_default_text(p) : defval_text(op);

    if (!op->description && !def) {
        printf("  %s\n", head);
        return;
    }
    printf("  %-22s - %s", head, op->description ? op->description : "");
    if (def) {
        printf(" (default: %s)", def);
    }
    printf("\n");
}

bool qdev_device_help(const char *typename, GError **errp)
{
    ObjectClass *oc;
    g_autoptr(GPtrArray) props = NULL;

    if (!typename) {
        print_device_list();
        return true;
    }
    oc = object_class_by_name(typename);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a valid device model name", typename);
        return false;
    }
    props = object_class_property_list(oc);
    g_ptr_array_sort(props, prop_cmp_name);
    printf("%s options:\n", typename);
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *op = g_ptr_array_index(props, i);

        if (!strcmp(op->name, "realized") || !strcmp(op->name, "parent_bus")
            || !op->set) {
            continue;
        }
        print_prop_help(DEVICE_CLASS(oc), op);
    }
    return true;
}

static DeviceClass *device_class_for_driver(const char *driver,
                                            GError **errp)
{
    ObjectClass *oc = driver ? object_class_by_name(driver) : NULL;

    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    if (object_class_is_abstract(oc)) {
        error_setg(errp, "Parameter 'driver' expects a non-abstract device "
                   "type");
        return NULL;
    }
    if (!DEVICE_CLASS(oc)->user_creatable) {
        error_setg(errp, "Parameter 'driver' expects a pluggable device "
                   "type");
        return NULL;
    }
    return DEVICE_CLASS(oc);
}

static bool device_id_check(const char *id, GError **errp)
{
    Object *peripheral;

    if (!id) {
        return true;
    }
    if (!user_creatable_id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        error_append_hint(errp, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
        return false;
    }
    peripheral = container_get(qdev_get_machine(), "/peripheral");
    if (object_resolve_path_component(peripheral, id)) {
        error_setg(errp, "Duplicate ID '%s' for device", id);
        return false;
    }
    return true;
}

static BusState *device_find_bus(DeviceClass *dc, const char *name,
                                 GError **errp)
{
    BusState *bus;

    if (name) {
        bus = qbus_find(name);
        if (!bus) {
            error_setg(errp, "Bus '%s' not found", name);
        }
        return bus;
    }
    if (!dc->bus_type) {
        return NULL;
    }
    bus = qbus_find_by_type(dc->bus_type);
    if (!bus) {
        error_setg(errp, "No '%s' bus found for device '%s'",
                   dc->bus_type, object_class_get_name(OBJECT_CLASS(dc)));
    }
    return bus;
}

static bool device_set_opts(DeviceState *dev, QemuOpts *opts, GError **errp)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (!strcmp(o->name, "driver") || !strcmp(o->name, "id") ||
            !strcmp(o->name, "bus")) {
            continue;
        }
        if (!object_property_find_err(OBJECT(dev), o->name, errp) ||
            !object_property_parse(OBJECT(dev), o->name, o->value, errp)) {
            return false;
        }
    }
    return true;
}

DeviceState *qdev_device_add(QemuOpts *opts, GError **errp)
{
    const char *driver = qemu_opt_get(opts, "driver");
    const char *id = qemu_opt_get(opts, "id");
    DeviceClass *dc;
    DeviceState *dev;
    BusState *bus = NULL;
    Object *parent;

    if (driver && is_help_option(driver)) {
        qdev_device_help(NULL, NULL);
        return NULL;
    }
    dc = device_class_for_driver(driver, errp);
    if (!dc) {
        return NULL;
    }
    if (qemu_opts_has_help(opts)) {
        qdev_device_help(driver, NULL);
        return NULL;
    }
    if (!device_id_check(id, errp)) {
        return NULL;
    }
    if (dc->bus_type || qemu_opt_has(opts, "bus")) {
        bus = device_find_bus(dc, qemu_opt_get(opts, "bus"), errp);
        if (!bus) {
            return NULL;
        }
    }
    dev = qdev_new(driver);
    dev->id = g_strdup(id);
    if (id) {
        parent = container_get(qdev_get_machine(), "/peripheral");
        object_property_add_child(parent, id, OBJECT(dev));
    } else {
        parent = container_get(qdev_get_machine(), "/peripheral-anon");
        object_property_add_child(parent, "device[*]", OBJECT(dev));
    }
    if (!device_set_opts(dev, opts, errp) || !qdev_realize(dev, bus, errp)) {
        object_unparent(OBJECT(dev));
        object_unref(dev);
        return NULL;
    }
    object_unref(dev);
    return dev;
}

/* ---- Types ------------------------------------------------------- */

static const TypeInfo qdev_types[] = {
    {
        .name = TYPE_DEVICE,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(DeviceState),
        .instance_init = device_initfn,
        .instance_post_init = device_post_init,
        .instance_finalize = device_finalize,
        .class_size = sizeof(DeviceClass),
        .class_init = device_class_init,
        .abstract = true,
    },
    {
        .name = TYPE_BUS,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(BusState),
        .instance_init = bus_initfn,
        .instance_finalize = bus_finalize,
        .class_size = sizeof(BusClass),
        .abstract = true,
    },
};

void qdev_register_types(void)
{
    qom_register_types();
    user_creatable_register_types();
    type_register_static_array(qdev_types, G_N_ELEMENTS(qdev_types));
}

bool device_migration_register(Object *obj, const char *suffix,
                               const MigStateOps *ops, void *opaque,
                               char **id, GError **errp)
{
    g_autofree char *path = object_get_canonical_path(obj);
    g_autofree char *name = NULL;

    *id = NULL;
    if (!path) {
        return true;
    }
    name = g_strconcat(path, suffix, NULL);
    if (!migration_state_register(name, ops, opaque, errp)) {
        return false;
    }
    *id = g_steal_pointer(&name);
    return true;
}

void device_migration_unregister(char **id)
{
    if (*id) {
        migration_state_unregister(*id);
        g_clear_pointer(id, g_free);
    }
}
