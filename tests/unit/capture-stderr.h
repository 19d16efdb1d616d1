/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: run a function with the process's stderr (fd 2, so
 * error_report() and qemu_log to stderr included) going to a temporary
 * file, and return what it printed.  Header-only, like host-observe.h,
 * so a unit test includes it without any meson wiring.
 */
#ifndef TESTS_UNIT_CAPTURE_STDERR_H
#define TESTS_UNIT_CAPTURE_STDERR_H

#include "qemu/osdep.h"

/*
 * Call @fn with fd 2 redirected to an anonymous temporary file; restore
 * fd 2 afterwards.  Returns everything written to stderr meanwhile, NUL
 * terminated; the caller frees it with g_free().  Any failure to redirect
 * or read back fails the test.
 */
static inline char *capture_stderr(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    char *text;
    long len;

    g_assert_nonnull(tmp);
    g_assert_cmpint(saved, >=, 0);
    fflush(stderr);
    g_assert_cmpint(dup2(fileno(tmp), STDERR_FILENO), >=, 0);
    fn();
    fflush(stderr);
    g_assert_cmpint(dup2(saved, STDERR_FILENO), >=, 0);
    close(saved);
    len = ftell(tmp);
    g_assert_cmpint(len, >=, 0);
    text = g_malloc0(len + 1);
    rewind(tmp);
    g_assert_cmpuint(fread(text, 1, len, tmp), ==, (size_t)len);
    fclose(tmp);
    return text;
}

#endif /* TESTS_UNIT_CAPTURE_STDERR_H */
