/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backends room's QMP surface: query-memdev, plus the walk over
 * /objects that it and process-exit cleanup share.  Output follows QEMU's
 * Memdev structure: id, size, merge, dump, prealloc, share, reserve,
 * host-nodes, policy.
 *
 * Linear in the number of objects under /objects (a handful).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/qmp.h"
#include "sysemu/hostmem.h"

void host_memory_backend_foreach(void (*fn)(HostMemoryBackend *backend,
                                            void *opaque),
                                 void *opaque)
{
    Object *objects = object_get_objects_root();
    g_autoptr(GPtrArray) props = object_property_list(objects);
    g_autoptr(GPtrArray) found = g_ptr_array_new();

    /* Collect first: @fn may add or delete properties of /objects. */
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(props, i);
        Object *child;

        if (!g_str_has_prefix(prop->type, "child<")) {
            continue;
        }
        child = object_resolve_path_component(objects, prop->name);
        if (child && object_dynamic_cast(child, TYPE_MEMORY_BACKEND)) {
            g_ptr_array_add(found, object_ref(child));
        }
    }
    for (guint i = 0; i < found->len; i++) {
        fn(MEMORY_BACKEND(g_ptr_array_index(found, i)), opaque);
        object_unref(g_ptr_array_index(found, i));
    }
}

static JsonNode *host_nodes_json(HostMemoryBackend *backend)
{
    return object_property_get_json(OBJECT(backend), "host-nodes", NULL);
}

static void add_memdev(HostMemoryBackend *backend, void *opaque)
{
    JsonArray *list = opaque;
    JsonObject *o;
    g_autofree char *id = NULL;

    if (!user_creatable_is_complete(OBJECT(backend))) {
        return;
    }
    o = json_object_new();
    id = host_memory_backend_get_name(backend);
    json_object_set_string_member(o, "id", id);
    json_object_set_member(o, "size",
                           object_property_uint_to_json(backend->size));
    json_object_set_boolean_member(o, "merge", backend->merge);
    json_object_set_boolean_member(o, "dump", backend->dump);
    json_object_set_boolean_member(o, "prealloc", backend->prealloc);
    json_object_set_boolean_member(o, "share", backend->share);
    json_object_set_boolean_member(o, "reserve", backend->reserve);
    json_object_set_member(o, "host-nodes", host_nodes_json(backend));
    json_object_set_string_member(o, "policy",
                                  host_mem_policy_names[backend->policy]);
    json_array_add_object_element(list, o);
}

JsonArray *host_memory_backend_query_list(void)
{
    JsonArray *list = json_array_new();

    host_memory_backend_foreach(add_memdev, list);
    return list;
}

static bool qmp_query_memdev(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, host_memory_backend_query_list());
    *ret = node;
    return true;
}

void host_memory_backend_register_commands(void)
{
    qmp_register_command("query-memdev", qmp_query_memdev, NULL, 0);
}

static void run_exiting_hook(HostMemoryBackend *backend, void *opaque)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_GET_CLASS(backend);

    if (bc->exiting && backend->mr_inited) {
        bc->exiting(backend);
    }
}

void host_memory_backend_cleanup(void)
{
    host_memory_backend_foreach(run_exiting_hook, NULL);
}
