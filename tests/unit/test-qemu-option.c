/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the option-string parser in util/qemu-option.c. */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/option.h"

static void test_implied_key(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) opts = qemu_opts_parse("1G,slots=2,maxmem=4G",
                                               "size", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(qemu_opt_get(opts, "size"), ==, "1G");
    g_assert_cmpstr(qemu_opt_get(opts, "slots"), ==, "2");
    g_assert_cmpstr(qemu_opt_get(opts, "maxmem"), ==, "4G");
    g_assert_cmpuint(opts->opts->len, ==, 3);
}

static void test_implied_key_only_first(void)
{
    g_autoptr(QemuOpts) opts =
        qemu_opts_parse("memory-backend-ram,id=m0,share", "qom-type", NULL);

    g_assert_cmpstr(qemu_opt_get(opts, "qom-type"), ==,
                    "memory-backend-ram");
    /* A later bare key is the legacy flag spelling. */
    g_assert_cmpstr(qemu_opt_get(opts, "share"), ==, "on");
}

static void test_legacy_flags(void)
{
    g_autoptr(QemuOpts) opts =
        qemu_opts_parse("unix:/tmp/q.sock,server,nowait", "endpoint", NULL);

    g_assert_cmpstr(qemu_opt_get(opts, "endpoint"), ==, "unix:/tmp/q.sock");
    g_assert_cmpstr(qemu_opt_get(opts, "server"), ==, "on");
    g_assert_cmpstr(qemu_opt_get(opts, "wait"), ==, "off");
}

static void test_explicit_first_key(void)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse("size=2G", "size", NULL);

    g_assert_cmpstr(qemu_opt_get(opts, "size"), ==, "2G");
    g_assert_cmpuint(opts->opts->len, ==, 1);
}

static void test_comma_escape(void)
{
    g_autoptr(QemuOpts) opts =
        qemu_opts_parse("path=/tmp/a,,b,,,id=x,,", NULL, NULL);
    g_autofree char *back = NULL;

    g_assert_cmpstr(qemu_opt_get(opts, "path"), ==, "/tmp/a,b,");
    g_assert_cmpstr(qemu_opt_get(opts, "id"), ==, "x,");
    back = qemu_opts_to_string(opts);
    g_assert_cmpstr(back, ==, "path=/tmp/a,,b,,,id=x,,");
}

static void test_value_may_contain_equals(void)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse("a=b=c", NULL, NULL);

    g_assert_cmpstr(qemu_opt_get(opts, "a"), ==, "b=c");
}

static void test_last_value_wins(void)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse("size=1G,size=2G", NULL,
                                               NULL);

    g_assert_cmpstr(qemu_opt_get(opts, "size"), ==, "2G");
    g_assert_true(qemu_opt_has(opts, "size"));
    g_assert_false(qemu_opt_has(opts, "slots"));
    g_assert_null(qemu_opt_get(opts, "slots"));
}

static void test_help(void)
{
    g_autoptr(QemuOpts) a = qemu_opts_parse("help", "qom-type", NULL);
    g_autoptr(QemuOpts) b = qemu_opts_parse("memory-backend-ram,help",
                                            "qom-type", NULL);
    g_autoptr(QemuOpts) c = qemu_opts_parse("q35", "type", NULL);

    g_assert_true(qemu_opts_has_help(a));
    g_assert_cmpuint(a->opts->len, ==, 0);
    g_assert_true(qemu_opts_has_help(b));
    g_assert_cmpstr(qemu_opt_get(b, "qom-type"), ==, "memory-backend-ram");
    g_assert_false(qemu_opts_has_help(c));
    g_assert_true(is_help_option("?"));
    g_assert_false(is_help_option("helpme"));
}

static void test_empty_key_refused(void)
{
    g_autoptr(GError) err = NULL;
    QemuOpts *opts = qemu_opts_parse("a=1,=2", NULL, &err);

    g_assert_null(opts);
    g_assert_nonnull(err);
}

static void test_bools(void)
{
    static const struct {
        const char *text;
        bool value;
    } good[] = {
        { "on", true }, { "yes", true }, { "true", true },
        { "off", false }, { "no", false }, { "false", false },
    };

    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        g_autofree char *s = g_strdup_printf("x=%s", good[i].text);
        g_autoptr(QemuOpts) opts = qemu_opts_parse(s, NULL, NULL);
        bool v = !good[i].value;

        g_assert_true(qemu_opt_get_bool(opts, "x", false, &v, NULL));
        g_assert_cmpint(v, ==, good[i].value);
    }
}

static void test_bad_bool_names_key(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) opts = qemu_opts_parse("server=maybe", NULL, NULL);
    bool v = false;

    g_assert_false(qemu_opt_get_bool(opts, "server", false, &v, &err));
    g_assert_cmpstr(err->message, ==,
                    "Parameter 'server' expects 'on' or 'off'");
}

static void test_bool_default(void)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse("", NULL, NULL);
    bool v = false;

    g_assert_true(qemu_opt_get_bool(opts, "wait", true, &v, NULL));
    g_assert_true(v);
}

static void test_numbers(void)
{
    g_autoptr(QemuOpts) opts =
        qemu_opts_parse("a=10,b=0x10,c=-1,d=1x,e=", NULL, NULL);
    uint64_t v = 0;

    g_assert_true(qemu_opt_get_number(opts, "a", 0, &v, NULL));
    g_assert_cmpuint(v, ==, 10);
    g_assert_true(qemu_opt_get_number(opts, "b", 0, &v, NULL));
    g_assert_cmpuint(v, ==, 16);
    g_assert_false(qemu_opt_get_number(opts, "c", 0, &v, NULL));
    g_assert_false(qemu_opt_get_number(opts, "d", 0, &v, NULL));
    g_assert_false(qemu_opt_get_number(opts, "e", 0, &v, NULL));
    g_assert_true(qemu_opt_get_number(opts, "f", 7, &v, NULL));
    g_assert_cmpuint(v, ==, 7);
}

static void test_sizes(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    g_autoptr(QemuOpts) opts = qemu_opts_parse("a=9G,b=4096,c=lots,d=16E",
                                               NULL, NULL);
    uint64_t v = 0;

    g_assert_true(qemu_opt_get_size(opts, "a", 0, &v, NULL));
    g_assert_cmpuint(v, ==, 9 * GiB);
    g_assert_true(qemu_opt_get_size(opts, "b", 0, &v, NULL));
    g_assert_cmpuint(v, ==, 4096);
    g_assert_false(qemu_opt_get_size(opts, "c", 0, &v, &err));
    g_assert_true(g_str_has_prefix(err->message,
        "Parameter 'c' expects a non-negative number below 2^64"));
    /* well-formed but too big: QEMU's out-of-range wording */
    g_assert_false(qemu_opt_get_size(opts, "d", 0, &v, &err2));
    g_assert_cmpstr(err2->message, ==,
                    "Value '16E' is out of range for parameter 'd'");
}

static void test_validate_names_unknown_key(void)
{
    static const char *const allowed[] = { "size", "slots", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) ok = qemu_opts_parse("1G,slots=2", "size", NULL);
    g_autoptr(QemuOpts) bad = qemu_opts_parse("1G,bar=1", "size", NULL);

    g_assert_true(qemu_opts_validate(ok, allowed, NULL));
    g_assert_false(qemu_opts_validate(bad, allowed, &err));
    g_assert_cmpstr(err->message, ==, "Invalid parameter 'bar'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/option/parse/implied-key", test_implied_key);
    g_test_add_func("/option/parse/implied-key-only-first",
                    test_implied_key_only_first);
    g_test_add_func("/option/parse/legacy-flags", test_legacy_flags);
    g_test_add_func("/option/parse/explicit-first-key",
                    test_explicit_first_key);
    g_test_add_func("/option/parse/comma-escape", test_comma_escape);
    g_test_add_func("/option/parse/value-may-contain-equals",
                    test_value_may_contain_equals);
    g_test_add_func("/option/parse/last-value-wins", test_last_value_wins);
    g_test_add_func("/option/parse/help", test_help);
    g_test_add_func("/option/parse/empty-key-refused",
                    test_empty_key_refused);
    g_test_add_func("/option/bool/all-spellings", test_bools);
    g_test_add_func("/option/bool/bad-value-names-key",
                    test_bad_bool_names_key);
    g_test_add_func("/option/bool/default", test_bool_default);
    g_test_add_func("/option/number/formats", test_numbers);
    g_test_add_func("/option/size/suffixes-and-errors", test_sizes);
    g_test_add_func("/option/validate/names-unknown-key",
                    test_validate_names_unknown_key);
    return g_test_run();
}
