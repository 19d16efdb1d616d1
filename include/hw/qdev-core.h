/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device layer: TYPE_DEVICE, the abstract QOM type every emulated
 * device derives from, and TYPE_BUS, what devices plug into.
 *
 * Life cycle of a device:
 *   qdev_new(type)              instance_init; properties get defaults
 *   object_property_set_*()     configure (qdev properties, see below)
 *   qdev_realize(dev, bus, errp)
 *       bus->plug (address checks, e.g. a PCI slot), then dc->realize;
 *       on success the device is "realized", registered for machine
 *       reset and placed in the composition tree (/machine/unattached
 *       unless already a child of something).
 *   device reset                dc->reset, then the bus's reset_device
 *                               (on every system reset, in realize order)
 *   qdev_unrealize(dev)         dc->unrealize, bus->unplug, reset removed
 *                               (the tree's teardown only: "realized"
 *                               set to false over QMP is refused, as no
 *                               device supports hot-unplug)
 *
 * Properties declared with device_class_set_props() are refused once the
 * device is realized, with QEMU's wording.  Everything here runs on the
 * main loop thread.
 */
#ifndef HW_QDEV_CORE_H
#define HW_QDEV_CORE_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/option.h"
#include "qom/object.h"
#include "hw/irq.h"

#define TYPE_DEVICE "device"
#define TYPE_BUS "bus"

typedef struct DeviceState DeviceState;
typedef struct DeviceClass DeviceClass;
typedef struct BusState BusState;
typedef struct BusClass BusClass;
typedef struct Property Property;

/* Groups of "-device help", in QEMU's order and wording. */
typedef enum DeviceCategory {
    DEVICE_CATEGORY_BRIDGE,     /* "Controller/Bridge/Hub devices" */
    DEVICE_CATEGORY_USB,        /* "USB devices" */
    DEVICE_CATEGORY_STORAGE,    /* "Storage devices" */
    DEVICE_CATEGORY_NETWORK,    /* "Network devices" */
    DEVICE_CATEGORY_INPUT,      /* "Input devices" */
    DEVICE_CATEGORY_DISPLAY,    /* "Display devices" */
    DEVICE_CATEGORY_SOUND,      /* "Sound devices" */
    DEVICE_CATEGORY_MISC,       /* "Misc devices" (also the default) */
    DEVICE_CATEGORY_CPU,        /* "CPU devices" */
    DEVICE_CATEGORY_WATCHDOG,   /* "Watchdog devices" */
    DEVICE_CATEGORY_MAX,
} DeviceCategory;

/*
 * Realize: make the configured device live (map regions, allocate state).
 * Return false with @errp set to refuse; the device must then be left as
 * it was before the call (unrealized, nothing mapped).
 */
typedef bool DeviceRealize(DeviceState *dev, GError **errp);
/* Undo realize; cannot fail. */
typedef void DeviceUnrealize(DeviceState *dev);
/* Put the device in its power-on state (machine reset). */
typedef void DeviceReset(DeviceState *dev);

struct DeviceClass {
    ObjectClass parent_class;

    const char *desc;           /* "-device help" description, or NULL */
    DeviceCategory category;    /* default DEVICE_CATEGORY_MISC */
    /* -device may create it; false for on-board parts (host bridge). */
    bool user_creatable;
    /* Type name of the bus it plugs into (e.g. TYPE_PCI_BUS); NULL: none */
    const char *bus_type;

    DeviceRealize *realize;
    DeviceUnrealize *unrealize;
    DeviceReset *reset;

    /* private: the Property arrays of this class and its parents */
    GSList *props;
};

struct DeviceState {
    Object parent_obj;

    char *id;                   /* -device id=, or NULL (anonymous) */
    bool realized;
    BusState *parent_bus;       /* set by qdev_realize(), NULL if none */
    /* private */
    bool reset_registered;
    GPtrArray *gpio_in;         /* qemu_irq, owned */
    GPtrArray *gpio_out;        /* qemu_irq *, the device's own fields */
    GError *global_err;         /* a -global that did not apply */
};

OBJECT_DECLARE_TYPE(DeviceState, DeviceClass, DEVICE)

struct BusClass {
    ObjectClass parent_class;
    /*
     * Called before the device's realize: check and claim the device's
     * address on the bus (e.g. a PCI slot).  Return false with @errp set
     * to refuse.  May be NULL.
     */
    bool (*plug)(BusState *bus, DeviceState *dev, GError **errp);
    /* Release what plug claimed (after unrealize or a failed realize). */
    void (*unplug)(BusState *bus, DeviceState *dev);
    /* After dc->reset of a child: bus-level state (e.g. PCI BARs). */
    void (*reset_device)(BusState *bus, DeviceState *dev);
    /* Name shown by "-device help" ("PCI"); NULL: the type name. */
    const char *help_name;
};

struct BusState {
    Object parent_obj;
    char *name;                 /* "pcie.0"; what -device bus= names */
    DeviceState *parent;        /* the device providing the bus, or NULL */
    GQueue children;            /* DeviceState *, in plug order */
};

OBJECT_DECLARE_TYPE(BusState, BusClass, BUS)

/* ---- Properties -------------------------------------------------- */

typedef enum {
    QDEV_PROP_BOOL,
    QDEV_PROP_UINT8,
    QDEV_PROP_UINT16,
    QDEV_PROP_UINT32,
    QDEV_PROP_UINT64,
    QDEV_PROP_INT32,
    QDEV_PROP_SIZE,             /* uint64_t field, suffixes on the CLI */
    QDEV_PROP_STRING,           /* char * field, g_free'd at finalize */
    QDEV_PROP_LINK,             /* Object * field, link<link_type> */
} QdevPropKind;

/*
 * A property stored in a field of the device's instance struct.  Arrays
 * end with DEFINE_PROP_END_OF_LIST().  Setting one after realize fails
 * with "Attempt to set property 'NAME' on device 'ID' (type 'TYPE')
 * after it was realized" ("link property" for links, whose clearing is
 * refused the same way).
 */
struct Property {
    const char *name;
    QdevPropKind kind;
    ptrdiff_t offset;           /* of the field in the instance struct */
    uint64_t defval;            /* numbers and bools */
    const char *link_type;      /* QDEV_PROP_LINK: the target type */
    const char *description;    /* "-device TYPE,help" text, or NULL */
    /* The setter may refuse values; called before the field is stored. */
    bool (*check)(DeviceState *dev, const Property *prop, uint64_t value,
                  GError **errp);
};

#define QDEV_PROP_FIELD_(S, f, T) \
    (offsetof(S, f) + 0 * sizeof(((S *)0)->f == (T)0))
#define DEFINE_PROP_BOOL(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_BOOL, \
      .offset = QDEV_PROP_FIELD_(S, f, bool), .defval = (d) }
#define DEFINE_PROP_UINT8(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_UINT8, \
      .offset = QDEV_PROP_FIELD_(S, f, uint8_t), .defval = (d) }
#define DEFINE_PROP_UINT16(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_UINT16, \
      .offset = QDEV_PROP_FIELD_(S, f, uint16_t), .defval = (d) }
#define DEFINE_PROP_UINT32(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_UINT32, \
      .offset = QDEV_PROP_FIELD_(S, f, uint32_t), .defval = (d) }
#define DEFINE_PROP_UINT64(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_UINT64, \
      .offset = QDEV_PROP_FIELD_(S, f, uint64_t), .defval = (d) }
#define DEFINE_PROP_INT32(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_INT32, \
      .offset = QDEV_PROP_FIELD_(S, f, int32_t), .defval = (uint64_t)(d) }
#define DEFINE_PROP_SIZE(n, S, f, d) \
    { .name = (n), .kind = QDEV_PROP_SIZE, \
      .offset = QDEV_PROP_FIELD_(S, f, uint64_t), .defval = (d) }
#define DEFINE_PROP_STRING(n, S, f) \
    { .name = (n), .kind = QDEV_PROP_STRING, .offset = offsetof(S, f) }
/* @f is a pointer to an Object subtype; @T its QOM type name. */
#define DEFINE_PROP_LINK(n, S, f, T) \
    { .name = (n), .kind = QDEV_PROP_LINK, .offset = offsetof(S, f), \
      .link_type = (T) }
#define DEFINE_PROP_END_OF_LIST() { .name = NULL }

/*
 * Add @props (static storage, END_OF_LIST-terminated) as class
 * properties of @dc.  Call from class_init; may be called once per class
 * level.  Defaults are stored by TYPE_DEVICE's instance_init.
 */
void device_class_set_props(DeviceClass *dc, const Property *props);

/*
 * Helper for hand-written property setters: false with QEMU's
 * "Attempt to set property ... after it was realized" when @dev is.
 */
bool qdev_prop_check_unrealized(DeviceState *dev, const char *name,
                                GError **errp);

/* ---- Life cycle -------------------------------------------------- */

/*
 * A new, unrealized device of @typename (must be a concrete subtype of
 * TYPE_DEVICE: programming error otherwise).  The caller holds one
 * reference; qdev_realize_and_unref() hands it to the tree.
 */
DeviceState *qdev_new(const char *typename);

/*
 * Realize @dev on @bus (NULL for bus-less devices; a device whose class
 * names a bus_type needs one).  If @dev has no parent in the composition
 * tree it becomes /machine/unattached/device[N].  Returns false with
 * @errp set on failure; @dev is then unrealized and unplugged (but still
 * in the tree if it was put there by the caller).
 */
bool qdev_realize(DeviceState *dev, BusState *bus, GError **errp);

/* qdev_realize(), then drop the caller's reference (also on failure). */
bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, GError **errp);

/* Unrealize @dev (no-op if not realized). */
void qdev_unrealize(DeviceState *dev);

/* Reset one device: dc->reset, then its bus's reset_device hook. */
void device_cold_reset(DeviceState *dev);

/* The /machine object (container_get(root, "/machine")); borrowed. */
Object *qdev_get_machine(void);

/* The device's -device id, or NULL. */
static inline const char *qdev_get_id(const DeviceState *dev)
{
    return dev->id;
}

/* ---- Interrupt lines ("GPIOs") --------------------------------- */

/*
 * Give @dev @n more input lines delivering to @handler(dev, line, level);
 * lines are numbered in creation order from 0.  Freed at finalize.
 */
void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n);

/* Input line @n of @dev (borrowed); @n out of range is a programming error. */
qemu_irq qdev_get_gpio_in(DeviceState *dev, int n);

/* Number of input lines of @dev. */
int qdev_get_gpio_in_count(DeviceState *dev);

/*
 * Declare @n output lines of @dev stored in @pins[0..n-1] (fields of the
 * device, initially NULL = unconnected).
 */
void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n);

/* Connect output @n of @dev to @pin (another device's input). */
void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq pin);

/*
 * qtest: from now on deliver every input (resp. output) line of @dev to
 * @handler(@opaque, line, level).  Returns false if @dev has no such
 * lines.  Outputs are rewired to new lines owned by the caller's session
 * (they live until the process ends).
 */
bool qdev_intercept_gpio_in(DeviceState *dev, qemu_irq_handler handler,
                            void *opaque);
bool qdev_intercept_gpio_out(DeviceState *dev, qemu_irq_handler handler,
                             void *opaque);

/* ---- Buses ------------------------------------------------------- */

/*
 * Create a bus of @typename (a subtype of TYPE_BUS) named @name, owned by
 * @parent (child property named @name of the parent device, or of
 * /machine/unattached when @parent is NULL).  The bus is registered so
 * that -device finds it by name or type.  Returns it (borrowed: the tree
 * holds it).
 */
BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name);

/* The registered bus named @name, or NULL. */
BusState *qbus_find(const char *name);

/* The first registered bus that casts to @typename, or NULL. */
BusState *qbus_find_by_type(const char *typename);

/* ---- -device ----------------------------------------------------- */

/*
 * -device DRIVER[,id=ID][,bus=NAME][,PROP=VALUE...]: create, configure
 * and realize a device from @opts ("driver" is the implied first key).
 * With id it becomes /machine/peripheral/ID, else
 * /machine/peripheral-anon/device[N].  Errors as QEMU 7.2:
 *   "'foo' is not a valid device model name",
 *   "Parameter 'driver' expects a non-abstract device type",
 *   "Parameter 'driver' expects a pluggable device type",
 *   "Parameter 'id' expects an identifier" (+ a hint line),
 *   "Duplicate ID 'x' for device", "Bus 'x' not found",
 *   "Property 'TYPE.NAME' not found", property setters' errors,
 *   realize errors.  Nothing is left behind on failure.
 * A "help" element prints the device's properties and returns NULL
 * without error: check qemu_opts_has_help() first if that matters.
 * Returns the device (borrowed: the tree owns it), or NULL.
 */
DeviceState *qdev_device_add(QemuOpts *opts, GError **errp);

/*
 * Print "-device help" (every user-creatable device, by category) or,
 * with @typename, "TYPE options:" and its properties, to stdout.
 * Returns false with @errp set for an unknown @typename.
 */
bool qdev_device_help(const char *typename, GError **errp);

/* Register device-list-properties (hw/core/qdev-monitor.c). */
void qdev_register_qmp_commands(void);

/* Register TYPE_DEVICE and TYPE_BUS; idempotent. */
void qdev_register_types(void);

/*
 * -global DRIVER.PROP=VALUE: every device whose type is DRIVER or a
 * subtype gets PROP parsed from VALUE when it is created, before any
 * property the creator sets (so -device options win).  A value the
 * property refuses makes that device's realize fail with the error.
 */
void qdev_prop_register_global(const char *driver, const char *prop,
                               const char *value);

/*
 * Check the registered globals once the device types exist: DRIVER must
 * be a device type with a property PROP.  False with a message naming
 * the global otherwise (QEMU only warns; an ignored -global is refused
 * here).
 */
bool qdev_globals_check(GError **errp);

struct MigStateOps;

/*
 * Register a device's migration state section (migration/vmstate.h),
 * named after its place in the composition tree: "<canonical path of
 * @obj><@suffix>" (@suffix "" or e.g. "#pci").  On success *@id holds
 * the section id, to be handed to device_migration_unregister().  An
 * object outside the tree (unit tests) registers nothing: true with
 * *@id NULL.  False with @errp set if the id is taken.
 */
bool device_migration_register(Object *obj, const char *suffix,
                               const struct MigStateOps *ops, void *opaque,
                               char **id, GError **errp);

/* Remove the section *@id names, if any, and free and clear *@id. */
void device_migration_unregister(char **id);

#endif /* HW_QDEV_CORE_H */
