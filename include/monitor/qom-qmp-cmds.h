/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands over the object model (monitor/qom-qmp-cmds.c): qom-list,
 * qom-get, qom-set, qom-list-types, qom-list-properties, object-add and
 * object-del.  Output and error wording follow QEMU 7.2.
 */
#ifndef MONITOR_QOM_QMP_CMDS_H
#define MONITOR_QOM_QMP_CMDS_H

#include "qemu/osdep.h"

/*
 * Is @type something object-add and -object can create (known, concrete,
 * user-creatable)?  If not, false with QEMU's "Parameter 'qom-type' does
 * not accept value 'TYPE'".  QEMU checks this before anything else about
 * the request (even a missing id), so callers do too.
 */
bool object_add_check_type(const char *type, GError **errp);

/* Register the commands above; idempotent.  Call before the main loop. */
void qmp_register_qom_commands(void);

#endif /* MONITOR_QOM_QMP_CMDS_H */
