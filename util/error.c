/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GError helpers and user-facing error reporting.
 *
 * The whole program uses one GError domain (QEMU_ERROR); the code is the
 * QMP error class.  Reporting goes to stderr with a "progname: " prefix,
 * the way command-line users expect from QEMU.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"

G_DEFINE_QUARK(qemu-error-quark, qemu_error)

static const char *const progname = "qemu-system-x86_64";

static void error_vset(GError **errp, QemuErrorClass cls, const char *suffix,
                       const char *fmt, va_list ap)
{
    g_autofree char *msg = NULL;

    if (!errp) {
        return;
    }
    g_assert(*errp == NULL);
    msg = g_strdup_vprintf(fmt, ap);
    if (suffix) {
        g_set_error(errp, QEMU_ERROR, cls, "%s: %s", msg, suffix);
    } else {
        g_set_error_literal(errp, QEMU_ERROR, cls, msg);
    }
}

void error_setg(GError **errp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vset(errp, QEMU_ERROR_GENERIC, NULL, fmt, ap);
    va_end(ap);
}

void error_setg_errno(GError **errp, int os_errno, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vset(errp, QEMU_ERROR_GENERIC, g_strerror(os_errno), fmt, ap);
    va_end(ap);
}

void error_set(GError **errp, QemuErrorClass cls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vset(errp, cls, NULL, fmt, ap);
    va_end(ap);
}

void error_propagate(GError **dst_errp, GError *local_err)
{
    if (!local_err) {
        return;
    }
    if (dst_errp && !*dst_errp) {
        *dst_errp = local_err;
    } else {
        g_error_free(local_err);
    }
}

void error_prepend(GError **errp, const char *fmt, ...)
{
    g_autofree char *prefix = NULL;
    char *msg;
    va_list ap;

    if (!errp || !*errp) {
        return;
    }
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    msg = g_strconcat(prefix, (*errp)->message, NULL);
    g_free((*errp)->message);
    (*errp)->message = msg;
}

void error_append_hint(GError **errp, const char *fmt, ...)
{
    g_autofree char *hint = NULL;
    char *msg;
    va_list ap;

    if (!errp || !*errp) {
        return;
    }
    va_start(ap, fmt);
    hint = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    msg = g_strconcat((*errp)->message, "\n", hint, NULL);
    g_free((*errp)->message);
    (*errp)->message = msg;
}

static bool report_timestamp;

void error_report_set_timestamp(bool enable)
{
    report_timestamp = enable;
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    g_autofree char *stamp = NULL;

    if (report_timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();

        /* %f: microseconds, as QEMU prints them */
        stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ ");
    }
    fprintf(stderr, "%s%s: %s%s\n", stamp ? stamp : "", progname, kind,
            msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("info: ", fmt, ap);
    va_end(ap);
}

void warn_report_err(GError *err)
{
    if (err) {
        warn_report("%s", err->message);
        g_error_free(err);
    }
}
