/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error propagation: GError with one domain for the whole program.
 *
 * Rules (see docs/devel/README.md):
 *  - A function that can fail for a runtime reason takes `GError **errp`
 *    as its last parameter and also says so in its return value (bool,
 *    NULL, or -errno), so callers may pass NULL.
 *  - Never branch on *errp; branch on the return value.
 *  - Report or propagate, never both.
 *  - Programming errors are g_assert(), not GErrors.
 */
#ifndef QAPI_ERROR_H
#define QAPI_ERROR_H

#include "qemu/osdep.h"

#define QEMU_ERROR (qemu_error_quark())
GQuark qemu_error_quark(void);

/*
 * Error codes: the QMP error class a monitor reports for the error.  Most
 * errors are QEMU_ERROR_GENERIC.
 */
typedef enum {
    QEMU_ERROR_GENERIC = 0,
    QEMU_ERROR_COMMAND_NOT_FOUND,
    QEMU_ERROR_DEVICE_NOT_FOUND,
} QemuErrorClass;

/* Set *@errp (if @errp is not NULL) to a new generic error. */
void error_setg(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Like error_setg() with ": strerror(@os_errno)" appended. */
void error_setg_errno(GError **errp, int os_errno, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Set *@errp to an error of class @cls. */
void error_set(GError **errp, QemuErrorClass cls, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/*
 * Move @local_err into *@dst_errp (taking ownership).  If @dst_errp is NULL
 * the error is freed.  @local_err may be NULL.
 */
void error_propagate(GError **dst_errp, GError *local_err);

/* Prefix the message of *@errp, if any, with the formatted text. */
void error_prepend(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Append a hint line to the message of *@errp, if any. */
void error_append_hint(GError **errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* The message of @err; owned by @err. */
static inline const char *error_get_pretty(const GError *err)
{
    return err->message;
}

/* Print @err with warn_report() and free it.  @err may be NULL. */
void warn_report_err(GError *err);

#endif /* QAPI_ERROR_H */
