/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device state sections: how a device takes part in migration without
 * ever touching the stream.  A device registers a MigStateOps under a
 * unique id (its QOM path); migration/ asks it to describe its state into
 * a byte buffer on the source, and on the destination first asks every
 * device to check its section (all of them, before anything is applied)
 * and only then to load it.
 *
 * This is the low part of migration/ (library migration_state, util
 * only) so that devices (L4) can register; the transfer itself is L5.
 * Threading: main thread or the migration thread, always under the big
 * lock.
 */
#ifndef MIGRATION_VMSTATE_H
#define MIGRATION_VMSTATE_H

#include "qemu/osdep.h"

typedef struct MigStateOps {
    /* The device's type (travels with the section, checked on load). */
    const char *type;
    /* Payload layout version written by save; load accepts <= this. */
    uint32_t version;
    /*
     * Sent before RAM (virtio-mem: the destination must plug before pages
     * land) instead of after the VM stopped.
     */
    bool early;
    /* Append the state to @out.  May fail (then migration fails). */
    bool (*save)(void *opaque, GByteArray *out, GError **errp);
    /*
     * Validate @len bytes of a @version payload against this device's
     * configuration.  No side effects.  On failure set @errp saying what
     * differs; the caller adds the section name.
     */
    bool (*check)(void *opaque, const uint8_t *data, size_t len,
                  uint32_t version, GError **errp);
    /*
     * Apply a payload that check() accepted.  A failure (resources, e.g.
     * preallocation) must leave the device as it was.
     */
    bool (*load)(void *opaque, const uint8_t *data, size_t len,
                 uint32_t version, GError **errp);
    /* Optional: migration (source or destination) starts / ends. */
    void (*set_migrating)(void *opaque, bool migrating);
} MigStateOps;

typedef struct MigStateEntry {
    char *id;
    const MigStateOps *ops;
    void *opaque;
} MigStateEntry;

/*
 * migration_state_register: add a section for @id.
 * @ops: static storage; @opaque: passed to every callback.
 * Returns false with @errp set if @id is already registered.
 */
bool migration_state_register(const char *id, const MigStateOps *ops,
                              void *opaque, GError **errp);

/* Remove @id's section (no-op if absent). */
void migration_state_unregister(const char *id);

/* The registered entry for @id, or NULL. */
MigStateEntry *migration_state_find(const char *id);

/*
 * Every registered entry, in registration order.  The array belongs to
 * the registry and is valid until the next register/unregister.
 */
GPtrArray *migration_state_entries(void);

/* Call every entry's set_migrating(@migrating). */
void migration_state_set_migrating(bool migrating);

/*
 * migration_state_describe_set: append the device set (count, then id,
 * type and version of each entry) to @out, for the configuration section.
 */
void migration_state_describe_set(GByteArray *out);

/*
 * migration_state_check_set: compare a set written by
 * migration_state_describe_set() on the source (read from @c) with the
 * local registry: the same ids with the same types, and versions this
 * side can load.  On failure @errp names the offending device section.
 */
struct MigCursor;
bool migration_state_check_set(struct MigCursor *c, GError **errp);

/*
 * migration_state_load_sections: apply @n device sections all-or-nothing
 * as far as checking goes: first every section is matched to a
 * registered entry (same type, version not newer, at most one section
 * per entry) and check()ed; only when all passed is each load()ed, in
 * order.  Errors name the section.
 * A load failure (resources) stops there: earlier devices are loaded,
 * the failing one is unchanged; the caller fails the migration.
 */
struct MigSection;
bool migration_state_load_sections(struct MigSection *const *secs, size_t n,
                                   GError **errp);

#endif /* MIGRATION_VMSTATE_H */
