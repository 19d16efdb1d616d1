/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the "key=value,..." option parser of qemu/option.h, the
 * syntax of -m, -object, -chardev, -machine and friends.
 *
 * The first input byte picks the implied key (none, "size", "qom-type");
 * the rest, up to a NUL, is the option string.  Checked on every input:
 *  - parsing either fails with an error set, or succeeds without one,
 *    with no empty key and every key and value a valid C string;
 *  - qemu_opts_to_string() renders options that parse back to the same
 *    list (same keys, values and order), with no implied key needed, and
 *    rendering that again gives the same text (a fixed point), for every
 *    list the syntax can express (see expressible());
 *  - lookups agree with the list (last value wins), and the typed
 *    getters answer without crashing, their success matching the
 *    parsers they are built on (qemu_strtosz for sizes, on/off words
 *    for booleans);
 *  - qemu_opts_validate() accepts the list's own keys and names the first
 *    key that is not allowed.
 * Option strings are short; inputs above 4 KiB are skipped.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "fuzz.h"

static const char *const implied_keys[] = { NULL, "size", "qom-type" };

static void check_same_list(const QemuOpts *a, const QemuOpts *b)
{
    g_assert_cmpuint(a->opts->len, ==, b->opts->len);
    for (guint i = 0; i < a->opts->len; i++) {
        const QemuOpt *oa = g_ptr_array_index(a->opts, i);
        const QemuOpt *ob = g_ptr_array_index(b->opts, i);

        g_assert_cmpstr(oa->name, ==, ob->name);
        g_assert_cmpstr(oa->value, ==, ob->value);
    }
}

/*
 * Can the syntax say this list at all?  A key that starts with ',' can
 * only come first: after a separator, ",,," always reads as an escaped
 * comma ending the previous value (in QEMU too), so "a=,,,,b=1" is
 * a="," and not a="" plus ",b"=1.  Such keys do arise: "x,no,," is the
 * legacy flag "no," meaning ","=off.
 */
static bool expressible(const QemuOpts *opts)
{
    for (guint i = 1; i < opts->opts->len; i++) {
        const QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        if (opt->name[0] == ',') {
            return false;
        }
    }
    return true;
}

static void check_round_trip(const QemuOpts *opts)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = qemu_opts_to_string(opts);
    g_autofree char *again = NULL;
    g_autoptr(QemuOpts) back = qemu_opts_parse(text, NULL, &err);

    g_assert_no_error(err);
    g_assert_nonnull(back);
    check_same_list(opts, back);
    g_assert_false(qemu_opts_has_help(back));
    again = qemu_opts_to_string(back);
    g_assert_cmpstr(again, ==, text);
}

/* The typed getters on one key, against the parsers they are built on. */
static void check_getters(const QemuOpts *opts, const char *name,
                          const char *value)
{
    static const char *const yes[] = { "on", "yes", "true", NULL };
    static const char *const no[] = { "off", "no", "false", NULL };
    g_autoptr(GError) err = NULL;
    uint64_t num, size = 0, expect_size = 0;
    bool b = false, ok;

    g_assert_true(qemu_opt_has(opts, name));
    g_assert_cmpstr(qemu_opt_get(opts, name), ==, value);

    ok = qemu_opt_get_bool(opts, name, false, &b, &err);
    g_assert_cmpint(ok, ==, err == NULL);
    g_assert_cmpint(ok, ==,
                    g_strv_contains(yes, value) || g_strv_contains(no, value));
    if (ok) {
        g_assert_cmpint(b, ==, g_strv_contains(yes, value));
    }
    g_clear_error(&err);

    ok = qemu_opt_get_number(opts, name, 7, &num, &err);
    g_assert_cmpint(ok, ==, err == NULL);
    g_clear_error(&err);

    ok = qemu_opt_get_size(opts, name, 7, &size, &err);
    g_assert_cmpint(ok, ==, err == NULL);
    g_assert_cmpint(ok, ==, qemu_strtosz(value, NULL, &expect_size) == 0);
    if (ok) {
        g_assert_cmpuint(size, ==, expect_size);
    }
}

/* Lookups answer with the last value given for each key. */
static void check_lookups(const QemuOpts *opts)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *opt = g_ptr_array_index(opts->opts, i);
        bool last = true;

        g_assert_nonnull(opt->name);
        g_assert_nonnull(opt->value);
        g_assert_cmpuint(strlen(opt->name), >, 0);
        for (guint j = i + 1; j < opts->opts->len; j++) {
            const QemuOpt *later = g_ptr_array_index(opts->opts, j);

            if (!strcmp(later->name, opt->name)) {
                last = false;
                break;
            }
        }
        if (last) {
            check_getters(opts, opt->name, opt->value);
        }
    }
    g_assert_false(qemu_opt_has(opts, ""));
}

static void check_validate(const QemuOpts *opts)
{
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    const QemuOpt *first;
    g_autofree char *expect = NULL;

    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        g_ptr_array_add(keys, opt->name);
    }
    g_ptr_array_add(keys, NULL);
    g_assert_true(qemu_opts_validate(opts, (const char *const *)keys->pdata,
                                     &err));
    g_assert_no_error(err);

    /* Allow every key but the first: the first is the one named. */
    if (opts->opts->len == 0) {
        return;
    }
    first = g_ptr_array_index(opts->opts, 0);
    for (guint i = 0; i + 1 < keys->len; i++) {
        if (!strcmp(g_ptr_array_index(keys, i), first->name)) {
            g_ptr_array_index(keys, i) = (gpointer)"";
        }
    }
    g_assert_false(qemu_opts_validate(opts,
                                      (const char *const *)keys->pdata,
                                      &err));
    expect = g_strdup_printf("Invalid parameter '%s'", first->name);
    g_assert_cmpstr(err->message, ==, expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) opts = NULL;
    g_autofree char *str = NULL;
    const char *implied;

    if (size < 1 || size > 4096) {
        return 0;
    }
    implied = implied_keys[data[0] % G_N_ELEMENTS(implied_keys)];
    str = fuzz_strndup(data + 1, size - 1);

    opts = qemu_opts_parse(str, implied, &err);
    if (!opts) {
        g_assert_nonnull(err);
        return 0;
    }
    g_assert_no_error(err);
    check_lookups(opts);
    if (expressible(opts)) {
        check_round_trip(opts);
    }
    check_validate(opts);
    if (is_help_option(str)) {
        g_assert_true(qemu_opts_has_help(opts));
    }
    return 0;
}
