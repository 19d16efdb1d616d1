/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live migration (L5): the QMP commands (migrate, migrate-incoming,
 * query-migrate, migrate_cancel, migrate-set-parameters,
 * query-migrate-parameters), -incoming, and the transfer.  See
 * docs/devel/migration.md for the stream and the threading.
 */
#ifndef MIGRATION_MIGRATION_H
#define MIGRATION_MIGRATION_H

#include "qemu/osdep.h"

/* Register the migration QMP commands (once, before monitors start). */
void migration_register_commands(void);

/*
 * migration_check_uri: is @uri a transport this build can use
 * ("unix:PATH", "tcp:HOST:PORT", "fd:N", "exec:CMD")?  Syntax only.
 */
bool migration_check_uri(const char *uri, GError **errp);

/*
 * migration_incoming_start: listen on @uri ("defer": wait for
 * migrate-incoming) for the incoming stream; on success the VM is
 * resumed if @autostart, else left paused.  Returns false with @errp set
 * if the listening endpoint cannot be created.
 */
bool migration_incoming_start(const char *uri, bool autostart,
                              GError **errp);

/* Cancel whatever runs and release the endpoints (at exit). */
void migration_cleanup(void);

#endif /* MIGRATION_MIGRATION_H */
