/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands over the object model (monitor/qom-qmp-cmds.c): qom-list,
 * qom-get, qom-set, qom-list-types, qom-list-properties, object-add and
 * object-del.  Output and error wording follow QEMU 7.2.
 */
#ifndef MONITOR_QOM_QMP_CMDS_H
#define MONITOR_QOM_QMP_CMDS_H

/* Register the commands above; idempotent.  Call before the main loop. */
void qmp_register_qom_commands(void);

#endif /* MONITOR_QOM_QMP_CMDS_H */
