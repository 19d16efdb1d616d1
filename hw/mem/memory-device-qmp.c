/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query-memory-devices.  The command knows no device type: each memory
 * device type registers a source that appends its devices' entries, so
 * the list is [] until such devices exist.  A few sources and devices at
 * most; one pass over them per query.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/qmp.h"
#include "hw/mem/memory-device-qmp.h"

typedef struct MemoryDeviceInfoSource {
    MemoryDeviceInfoFunc *fn;
    void *opaque;
} MemoryDeviceInfoSource;

/* Main thread only; sources are never removed. */
static GArray *memory_device_sources;

void memory_device_register_info_source(MemoryDeviceInfoFunc *fn,
                                        void *opaque)
{
    MemoryDeviceInfoSource src = { .fn = fn, .opaque = opaque };

    g_assert(fn);
    if (!memory_device_sources) {
        memory_device_sources =
            g_array_new(false, false, sizeof(MemoryDeviceInfoSource));
    }
    for (guint i = 0; i < memory_device_sources->len; i++) {
        MemoryDeviceInfoSource *s = &g_array_index(memory_device_sources,
                                                   MemoryDeviceInfoSource, i);

        if (s->fn == fn && s->opaque == opaque) {
            return;     /* already registered */
        }
    }
    g_array_append_val(memory_device_sources, src);
}

JsonArray *memory_device_query_list(void)
{
    JsonArray *list = json_array_new();

    for (guint i = 0; memory_device_sources &&
         i < memory_device_sources->len; i++) {
        MemoryDeviceInfoSource *src =
            &g_array_index(memory_device_sources, MemoryDeviceInfoSource, i);

        src->fn(list, src->opaque);
    }
    return list;
}

static bool qmp_query_memory_devices(JsonObject *args, JsonNode **ret,
                                     GError **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, memory_device_query_list());
    *ret = node;
    return true;
}

void memory_device_register_qmp_commands(void)
{
    qmp_register_command("query-memory-devices",
                         qmp_query_memory_devices, NULL, 0);
}
