/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of device state sections (include/migration/vmstate.h):
 * a list of (id, ops, opaque) in registration order.  A handful of
 * devices per VM, so lookups are linear.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "migration/stream.h"
#include "migration/vmstate.h"

static GPtrArray *entries;

static void entry_free(gpointer p)
{
    MigStateEntry *e = p;

    g_free(e->id);
    g_free(e);
}

GPtrArray *migration_state_entries(void)
{
    if (!entries) {
        entries = g_ptr_array_new_with_free_func(entry_free);
    }
    return entries;
}

MigStateEntry *migration_state_find(const char *id)
{
    GPtrArray *a = migration_state_entries();

    for (guint i = 0; i < a->len; i++) {
        MigStateEntry *e = g_ptr_array_index(a, i);

        if (!strcmp(e->id, id)) {
            return e;
        }
    }
    return NULL;
}

bool migration_state_register(const char *id, const MigStateOps *ops,
                              void *opaque, GError **errp)
{
    MigStateEntry *e;

    g_assert(ops->save && ops->check && ops->load && ops->type);
    if (migration_state_find(id)) {
        error_setg(errp, "migration: state section '%s' already registered",
                   id);
        return false;
    }
    e = g_new0(MigStateEntry, 1);
    e->id = g_strdup(id);
    e->ops = ops;
    e->opaque = opaque;
    g_ptr_array_add(migration_state_entries(), e);
    return true;
}

void migration_state_unregister(const char *id)
{
    MigStateEntry *e = migration_state_find(id);

    if (e) {
        g_ptr_array_remove(entries, e);
    }
}

void migration_state_set_migrating(bool migrating)
{
    GPtrArray *a = migration_state_entries();

    for (guint i = 0; i < a->len; i++) {
        MigStateEntry *e = g_ptr_array_index(a, i);

        if (e->ops->set_migrating) {
            e->ops->set_migrating(e->opaque, migrating);
        }
    }
}

void migration_state_describe_set(GByteArray *out)
{
    GPtrArray *a = migration_state_entries();

    mig_put_u32(out, a->len);
    for (guint i = 0; i < a->len; i++) {
        MigStateEntry *e = g_ptr_array_index(a, i);

        mig_put_str(out, e->id);
        mig_put_str(out, e->ops->type);
        mig_put_u32(out, e->ops->version);
    }
}

/* Is @e's section acceptable for a source section of @type/@version? */
static bool entry_accepts(MigStateEntry *e, const char *type,
                          uint32_t version, GError **errp)
{
    if (strcmp(e->ops->type, type)) {
        error_setg(errp, "migration: section '%s': type '%s' in the stream, "
                   "'%s' here", e->id, type, e->ops->type);
        return false;
    }
    if (version > e->ops->version) {
        error_setg(errp, "migration: section '%s': version %u in the stream, "
                   "this side loads up to %u", e->id, version,
                   e->ops->version);
        return false;
    }
    return true;
}

bool migration_state_check_set(MigCursor *c, GError **errp)
{
    GPtrArray *a = migration_state_entries();
    uint32_t n = mig_get_u32(c);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
                                                       g_str_equal,
                                                       g_free, NULL);

    for (uint32_t i = 0; i < n && !c->overrun; i++) {
        g_autofree char *id = mig_get_str(c);
        g_autofree char *type = mig_get_str(c);
        uint32_t version = mig_get_u32(c);
        MigStateEntry *e;

        if (c->overrun) {
            break;
        }
        e = migration_state_find(id);
        if (!e) {
            error_setg(errp, "migration: section '%s' (%s): no such device "
                       "on the destination", id, type);
            return false;
        }
        if (!entry_accepts(e, type, version, errp)) {
            return false;
        }
        g_hash_table_add(seen, g_steal_pointer(&id));
    }
    if (c->overrun) {
        error_setg(errp, "migration: section 'config' is truncated");
        return false;
    }
    for (guint i = 0; i < a->len; i++) {
        MigStateEntry *e = g_ptr_array_index(a, i);

        if (!g_hash_table_contains(seen, e->id)) {
            error_setg(errp, "migration: section '%s' (%s): device missing "
                       "from the stream", e->id, e->ops->type);
            return false;
        }
    }
    return true;
}

bool migration_state_load_sections(MigSection *const *secs, size_t n,
                                   GError **errp)
{
    g_autofree MigStateEntry **match = g_new0(MigStateEntry *, n ? n : 1);

    for (size_t i = 0; i < n; i++) {
        const MigSection *s = secs[i];
        MigStateEntry *e = migration_state_find(s->name);

        if (!e) {
            error_setg(errp, "migration: section '%s' (%s): no such device "
                       "on the destination", s->name, s->type);
            return false;
        }
        /*
         * Each check() sees the device as it is now, before any load:
         * a second section for the same device would be loaded over a
         * state its check never saw (virtio-mem restores into an empty
         * bitmap only).  n is a handful; a linear scan does.
         */
        for (size_t j = 0; j < i; j++) {
            if (match[j] == e) {
                error_setg(errp, "migration: section '%s' (%s) appears "
                           "twice", s->name, s->type);
                return false;
            }
        }
        if (!entry_accepts(e, s->type, s->version, errp)) {
            return false;
        }
        if (!e->ops->check(e->opaque, s->data, s->len, s->version, errp)) {
            g_prefix_error(errp, "migration: section '%s' (%s): ", s->name,
                           s->type);
            return false;
        }
        match[i] = e;
    }
    for (size_t i = 0; i < n; i++) {
        const MigSection *s = secs[i];

        if (!match[i]->ops->load(match[i]->opaque, s->data, s->len,
                                 s->version, errp)) {
            g_prefix_error(errp, "migration: section '%s' (%s): ", s->name,
                           s->type);
            return false;
        }
    }
    return true;
}
