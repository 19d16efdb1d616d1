/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the GError helpers in util/error.c. */
#include "qemu/osdep.h"
#include "qapi/error.h"

static void test_setg_null_errp(void)
{
    error_setg(NULL, "ignored %d", 1);
    error_setg_errno(NULL, ENOMEM, "ignored");
}

static void test_setg_errno_appends_strerror(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *expected = g_strdup_printf("cannot write 0x1000: %s",
                                                g_strerror(ENOSPC));

    error_setg_errno(&err, ENOSPC, "cannot write 0x%x", 0x1000);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, expected);
    g_assert_cmpint(err->code, ==, QEMU_ERROR_GENERIC);
}

static void test_set_class(void)
{
    g_autoptr(GError) err = NULL;

    error_set(&err, QEMU_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
              "vm0");
    g_assert_true(g_error_matches(err, QEMU_ERROR,
                                  QEMU_ERROR_DEVICE_NOT_FOUND));
    g_assert_cmpstr(err->message, ==, "Device 'vm0' not found");
}

static void test_propagate_keeps_first(void)
{
    GError *first = NULL, *second = NULL;
    GError *dst = NULL;

    error_setg(&first, "first");
    error_setg(&second, "second");
    error_propagate(&dst, first);
    error_propagate(&dst, second);
    g_assert_cmpstr(dst->message, ==, "first");
    g_clear_error(&dst);
    error_propagate(&dst, NULL);
    g_assert_null(dst);
}

static void test_prepend_and_hint(void)
{
    g_autoptr(GError) err = NULL;

    error_prepend(&err, "nothing to prefix: ");
    g_assert_null(err);
    error_setg(&err, "bad size");
    error_prepend(&err, "mem0: ");
    error_append_hint(&err, "use a multiple of %d", 2);
    g_assert_cmpstr(err->message, ==, "mem0: bad size\nuse a multiple of 2");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/setg/null-errp-is-ignored", test_setg_null_errp);
    g_test_add_func("/error/setg-errno/appends-strerror",
                    test_setg_errno_appends_strerror);
    g_test_add_func("/error/set/keeps-class", test_set_class);
    g_test_add_func("/error/propagate/keeps-first-error",
                    test_propagate_keeps_first);
    g_test_add_func("/error/prepend-and-hint", test_prepend_and_hint);
    return g_test_run();
}
