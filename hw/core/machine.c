/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine object (hw/boards.h): creation by name at /machine, guest
 * RAM (own region or a backend's), board construction, reset, the
 * "none" board and QMP query-memory-size-summary.
 *
 * Runs once at start-up; the only per-request work is the summary
 * query, which asks the memory-device hook for the plugged total.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/oslib.h"
#include "exec/address-spaces.h"
#include "exec/ramblock.h"
#include "monitor/qmp.h"
#include "sysemu/reset.h"
#include "hw/boards.h"

MachineState *current_machine;
static bool dump_guest_core = true;

void machine_set_dump_guest_core(bool dump)
{
    dump_guest_core = dump;
}
static MachinePluggedMemoryFn *plugged_memory_fn;

static MachineClass *machine_class_find(const char *name)
{
    g_autoptr(GSList) list = object_class_get_list(TYPE_MACHINE, false);

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);

        if (!g_strcmp0(mc->name, name) || !g_strcmp0(mc->alias, name)) {
            return mc;
        }
    }
    return NULL;
}

MachineState *machine_create(const char *name, const MachineConfig *config,
                             GError **errp)
{
    MachineClass *mc = machine_class_find(name);
    MachineState *ms;

    g_assert(!current_machine);
    if (!mc) {
        error_setg(errp, "unsupported machine type");
        error_append_hint(errp, "Use -machine help to list supported "
                          "machines\n");
        return NULL;
    }
    ms = MACHINE(object_new_with_class(OBJECT_CLASS(mc)));
    ms->ram_size = config->ram_size;
    ms->maxram_size = config->maxram_size;
    if (!config->ram_size_given) {
        ms->ram_size = ms->maxram_size = mc->default_ram_size;
    }
    ms->ram_slots = config->ram_slots;
    ms->ram_memdev_id = g_strdup(config->memory_backend);
    ms->accel = config->accel;
    object_property_add_child(object_get_root(), "machine", OBJECT(ms));
    object_unref(ms);
    /* QEMU's containers exist from the start, even when empty */
    container_get(OBJECT(ms), "/peripheral");
    container_get(OBJECT(ms), "/peripheral-anon");
    container_get(OBJECT(ms), "/unattached");
    current_machine = ms;
    return ms;
}

bool machine_set_ram_region(MachineState *ms, MemoryRegion *mr,
                            GError **errp)
{
    if (memory_region_size(mr) != ms->ram_size) {
        error_setg(errp, "Machine memory size does not match the size of "
                   "the memory backend");
        return false;
    }
    ms->ram = mr;
    return true;
}

static bool machine_check_sizes(MachineState *ms, GError **errp)
{
    if (ms->ram_slots > MACHINE_MAX_RAM_SLOTS) {
        error_setg(errp, "unsupported amount of memory slots: %" PRIu64,
                   ms->ram_slots);
        return false;
    }
    if (QEMU_ALIGN_UP(ms->maxram_size, 4096) != ms->maxram_size) {
        error_setg(errp, "maximum memory size must by aligned to multiple "
                   "of %d bytes", 4096);
        return false;
    }
    return true;
}

bool machine_init_board(MachineState *ms, GError **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    g_autoptr(GError) err = NULL;

    if (!machine_check_sizes(ms, errp)) {
        return false;
    }
    address_space_init_system();
    if (!ms->ram && ms->ram_size) {
        if (!memory_region_init_ram(&ms->own_ram, OBJECT(ms),
                                    mc->default_ram_id, ms->ram_size,
                                    &err)) {
            error_setg(errp, "cannot set up guest memory '%s': %s",
                       mc->default_ram_id, err->message);
            return false;
        }
        ms->own_ram_inited = true;
        ms->ram = &ms->own_ram;
        /* Its RAM block id is what migration names its section by. */
        if (!qemu_ram_set_idstr(memory_region_get_ram_block(ms->ram),
                                mc->default_ram_id, errp)) {
            return false;
        }
        if (!dump_guest_core &&
            qemu_madvise(memory_region_get_ram_ptr(ms->ram), ms->ram_size,
                         QEMU_MADV_DONTDUMP) < 0) {
            error_setg(errp, "cannot exclude guest memory from core dumps");
            return false;
        }
    }
    return mc->init ? mc->init(ms, errp) : true;
}

void machine_reset(MachineState *ms)
{
    qemu_devices_reset();
}

void machine_set_plugged_memory_fn(MachinePluggedMemoryFn *fn)
{
    plugged_memory_fn = fn;
}

uint64_t machine_get_plugged_memory(MachineState *ms)
{
    return plugged_memory_fn ? plugged_memory_fn(ms) : 0;
}

static bool qmp_query_memory_size_summary(JsonObject *args, JsonNode **ret,
                                          GError **errp)
{
    JsonObject *obj = json_object_new();
    MachineState *ms = current_machine;
    /* QMP is served from the main loop, after the machine exists */
    uint64_t base = ms ? ms->ram_size : 0;

    /* QEMU 7.2 on x86 always reports plugged-memory (0 without devices) */
    json_object_set_int_member(obj, "base-memory", base);
    json_object_set_int_member(obj, "plugged-memory",
                               ms ? machine_get_plugged_memory(ms) : 0);
    *ret = qmp_node_take_object(obj);
    return true;
}

static gint machine_class_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(MACHINE_CLASS((gpointer)a)->name,
                  MACHINE_CLASS((gpointer)b)->name);
}

/*
 * One entry per machine type, as QEMU 7.2 lays it out.  Differences that
 * are facts about this program: "hotpluggable-cpus" is false (no CPU
 * hotplug) and there is no "default-cpu-type" (no CPU models).
 */
static bool qmp_query_machines(JsonObject *args, JsonNode **ret,
                               GError **errp)
{
    g_autoptr(GSList) list = object_class_get_list(TYPE_MACHINE, false);
    JsonArray *arr = json_array_new();

    list = g_slist_sort(list, machine_class_cmp);
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);
        JsonObject *m = json_object_new();

        json_object_set_boolean_member(m, "hotpluggable-cpus", false);
        json_object_set_string_member(m, "name", mc->name);
        json_object_set_boolean_member(m, "numa-mem-supported", false);
        if (mc->is_default) {
            json_object_set_boolean_member(m, "is-default", true);
        }
        json_object_set_int_member(m, "cpu-max", mc->max_cpus);
        json_object_set_boolean_member(m, "deprecated", false);
        json_object_set_string_member(m, "default-ram-id",
                                      mc->default_ram_id);
        if (mc->alias) {
            json_object_set_string_member(m, "alias", mc->alias);
        }
        json_array_add_object_element(arr, m);
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, arr);
    return true;
}

void machine_register_qmp_commands(void)
{
    qmp_register_command("query-memory-size-summary",
                         qmp_query_memory_size_summary, NULL, 0);
    qmp_register_command("query-machines", qmp_query_machines, NULL, 0);
}

/* ---- The "none" board: RAM at 0, nothing else ---------------------- */

static bool none_init(MachineState *ms, GError **errp)
{
    if (ms->ram) {
        memory_region_add_subregion(get_system_memory(), 0, ms->ram);
    }
    return true;
}

static void none_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->name = "none";
    mc->desc = "empty machine";
    mc->default_ram_size = 0;
    mc->max_cpus = 1;
    mc->default_ram_id = "ram";
    mc->init = none_init;
}

/* ---- TYPE_MACHINE ------------------------------------------------ */

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);

    /* The machine lives as long as the process; only strings go. */
    g_free(ms->ram_memdev_id);
}

static uint64_t machine_get_ram_size(Object *obj)
{
    return MACHINE(obj)->ram_size;
}

static char *machine_get_memdev(Object *obj)
{
    return g_strdup(MACHINE(obj)->ram_memdev_id);
}

static void machine_class_init(ObjectClass *oc, void *data)
{
    object_class_property_add_size(oc, "ram-size", machine_get_ram_size,
                                   NULL);
    object_class_property_add_str(oc, "memory-backend", machine_get_memdev,
                                  NULL);
}

static const TypeInfo machine_types[] = {
    {
        .name = TYPE_MACHINE,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(MachineState),
        .instance_finalize = machine_finalize,
        .class_size = sizeof(MachineClass),
        .class_init = machine_class_init,
        .abstract = true,
    },
    {
        .name = MACHINE_TYPE_NAME("none"),
        .parent = TYPE_MACHINE,
        .class_init = none_class_init,
    },
};

void machine_register_types(void)
{
    qdev_register_types();
    type_register_static_array(machine_types,
                               G_N_ELEMENTS(machine_types));
}
