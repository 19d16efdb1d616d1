/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -object on the command line (softmmu/vl-objects.c), called from vl.c.
 */
#ifndef SOFTMMU_VL_OBJECTS_H
#define SOFTMMU_VL_OBJECTS_H

/*
 * Register the user-creatable types and the object QMP commands, then
 * handle sysemu_config.objects in command-line order: "-object help" and
 * "-object TYPE,help" print and exit 0; a duplicate id or any creation
 * error prints QEMU's message and exits 1 (after qemu_cleanup()).
 * Call once, after the monitors exist and before the machine is built.
 */
void qemu_create_user_objects(void);

/* Process exit: let backends finish (discard-data); before the machine. */
void qemu_cleanup_user_objects(void);

#endif /* SOFTMMU_VL_OBJECTS_H */
