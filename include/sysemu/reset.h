/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine reset hooks.  Devices register a handler at realize and remove
 * it at unrealize; system_reset (QMP) and machine start-up call them all,
 * in registration order.  Main loop thread only.
 */
#ifndef SYSEMU_RESET_H
#define SYSEMU_RESET_H

#include "qemu/osdep.h"

typedef void QEMUResetHandler(void *opaque);

/* Add (@fn, @opaque); the same pair may be registered more than once. */
void qemu_register_reset(QEMUResetHandler *fn, void *opaque);

/*
 * Remove the first registration of (@fn, @opaque); a pair that is not
 * registered is ignored.  Safe to call from inside a reset handler.
 */
void qemu_unregister_reset(QEMUResetHandler *fn, void *opaque);

/* Call every registered handler, in registration order. */
void qemu_devices_reset(void);

#endif /* SYSEMU_RESET_H */
